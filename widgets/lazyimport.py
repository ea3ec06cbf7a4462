"""Imports paid for only when used: ``lazy`` for a name a compute module takes from a heavy
package, ``defer`` for a module another library imports at its own import.

``lazy("scipy.signal", "lfilter")`` stands for ``scipy.signal.lfilter``: calling it, or reading
any attribute (``binom.pmf``), imports the package then and forwards. A lesson module writes
``lfilter = lazy("scipy.signal", "lfilter")`` instead of ``from scipy.signal import lfilter``, so
its functions (and the notebook's copies of them, which find the name through ``from <module>
import *``) read exactly as before, and a fresh kernel whose first view does not need the
function does not import the package (``scipy.stats`` alone is about 0.5 s). Pure: no UI imports.

``defer(name)`` puts a stand-in module under ``name`` in ``sys.modules``: ``import name`` then
costs nothing, and the real module runs the first time an attribute of it is read. Use it only for modules that a library imports at its
own import for a rarely used path, and that the kit's first view never touches.

The one use: plotly imports ``nbformat`` when ``plotly.basewidget`` is first imported (every
``FigureWidget``), only to check its version in ``fig.show()``'s notebook renderer; ``nbformat``
imports ``jsonschema`` and costs 0.1-0.15 s of every fresh kernel's first lesson page.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class lazy:
    """``module.name``, imported on first use (see the module docstring)."""

    __slots__ = ("_module", "_name", "_target")

    def __init__(self, module: str, name: str):
        self._module, self._name, self._target = module, name, None

    def _load(self):
        if self._target is None:
            self._target = getattr(importlib.import_module(self._module), self._name)
        return self._target

    def __call__(self, *args, **kwargs):
        return self._load()(*args, **kwargs)

    def __getattr__(self, attr):
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"lazy({self._module!r}, {self._name!r})"


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a module not run yet; the first attribute read that it does not
    have itself runs the real module (which then replaces it there) and is answered from it.
    ``importlib.util.LazyLoader`` does not do here: on Python 3.11 ``import name`` of a module
    already in ``sys.modules`` reads its ``__spec__``, and that runs a lazy module at once."""

    def __getattr__(self, attr):
        real = self.__dict__.get("_deferred_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            try:
                real = importlib.import_module(self.__name__)
            except BaseException:
                sys.modules.setdefault(self.__name__, self)
                raise
            self.__dict__["_deferred_real"] = real
        return getattr(real, attr)


def defer(name: str) -> bool:
    """Make ``import name`` cost nothing until the module is used (see the module docstring);
    True if it did, False if the module is already imported or cannot be found (then nothing
    changes)."""
    if name in sys.modules or "." in name:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    module = _Deferred(name)
    module.__spec__ = None  # a spec would be read by the import system as if it were loading
    module.__file__ = spec.origin
    sys.modules[name] = module
    return True
