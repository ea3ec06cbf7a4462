"""scikit-learn's parameter protocol without importing scikit-learn (a cached fit re-opens without
it): ``get_params``, ``set_params`` and a repr showing the parameters that differ from the defaults."""

from __future__ import annotations


class Params:
    """Mixin for estimators whose constructor parameters are listed in ``_PARAMS`` and stored as
    attributes of the same names, as scikit-learn's ``BaseEstimator`` expects."""

    _PARAMS: tuple[str, ...] = ()

    def get_params(self, deep: bool = True) -> dict:
        """The constructor parameters, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params):
        """Set constructor parameters, as scikit-learn's ``set_params``; unknown names are an error."""
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; "
                                 f"valid: {', '.join(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = type(self)().get_params()
        changed = {k: v for k, v in self.get_params().items() if v != defaults[k]}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
