"""Koopman learning from snapshots: DMD, EDMD, and a residual that flags spurious eigenvalues.

Compute only (numpy): no ipywidgets, no plotly.

The Koopman operator ``K`` of a map ``F`` acts on observables: ``(K g)(x) = g(F(x))``. It is linear
even when ``F`` is not, so its eigenvalues describe the dynamics: an eigenfunction ``g`` with
``K g = lambda g`` evolves as ``g(x_n) = lambda^n g(x_0)``. Data-driven methods approximate ``K`` on
a finite *dictionary* of functions ``psi_1..psi_K`` from snapshot pairs ``(x_m, y_m = F(x_m))``.

We work in **discrete time**: the flow of an ODE sampled every ``dt``, so a continuous-time rate
``mu`` shows up as the eigenvalue ``exp(mu dt)`` (inside the unit circle when ``mu < 0``). The flows
are solved in closed form (no integrator error):

* linear: ``x' = mu x, y' = lam (y - x)``; eigenvalues ``mu, lam`` (DMD recovers ``e^{mu dt}, e^{lam dt}``);
* nonlinear (Brunton, Brunton, Proctor, Kutz, "Koopman invariant subspaces and finite linear
  representations of nonlinear dynamical systems for control", PLoS ONE 2016):
  ``x' = mu x, y' = lam (y - x^2)``. With ``c = lam / (lam - 2 mu)``,
  ``d/dt (y - c x^2) = lam y - lam x^2 - 2 c mu x^2 = lam (y - c x^2)`` because
  ``lam + 2 c mu = c lam``. So ``x``, ``x^2`` and ``y - c x^2`` are eigenfunctions (rates ``mu, 2 mu,
  lam``) and ``span{x, y, x^2}`` is invariant: EDMD on it is exact. On ``{x, y}`` it is not, and the
  eigenvalue attached to ``y`` is wrong (spurious).

Methods:

* DMD (P. Schmid, J. Fluid Mech. 2010; exact DMD of Tu et al., J. Comput. Dyn. 2014): the best-fit
  linear map ``A = Y X^+`` on the raw states.
* EDMD (Williams, Kevrekidis, Rowley, J. Nonlinear Sci. 2015): with ``Psi_X``, ``Psi_Y`` the
  dictionary evaluated on the snapshots, ``G = Psi_X^* Psi_X``, ``A = Psi_X^* Psi_Y``,
  ``K = G^+ A``; an eigenvector ``v`` gives the candidate eigenfunction ``g = Psi v``.
* ResDMD residual (M. Colbrook, A. Townsend, "Rigorous data-driven computation of spectral
  properties of Koopman operators for dynamical systems", Comm. Pure Appl. Math. 2024,
  arXiv:2111.14889): with ``L = Psi_Y^* Psi_Y``,
  ``res(lam, g)^2 = v^*(L - lam A^* - conj(lam) A + |lam|^2 G) v / v^* G v
  = ||Psi_Y v - lam Psi_X v||^2 / ||Psi_X v||^2``: how far ``g`` is from being an eigenfunction
  on the data. True eigenpairs have residual ~0; spurious ones do not.

The lesson's paper: M. Colbrook, I. Mezic, A. Stepanenko, "Limits and Powers of Koopman Learning",
arXiv:2303.12808 (2023): when spectral properties can be learned from trajectory data at all, and
verified algorithms (like residual-based ones) that avoid the spurious eigenvalues of plain EDMD.
"""

from __future__ import annotations

import numpy as np

LESSON = {
    "slug": "koopman",
    "title": "Koopman learning: DMD, EDMD and spurious eigenvalues",
    "pitch": "Learn the linear Koopman operator of a nonlinear system from snapshots: an invariant "
             "dictionary gives exact eigenvalues, a poor one spurious ones that a residual exposes.",
    "papers": ["limits-and-powers-of-koopman-learning"],
}

SYSTEMS = ("linear", "nonlinear")

# name -> (functions of (x, y), labels); labels are plain text for the view
DICTIONARIES = {
    "{x, y}": (lambda x, y: [x, y], ["x", "y"]),
    "{x, y, x²}": (lambda x, y: [x, y, x**2], ["x", "y", "x²"]),
    "{x, y, x², y²}": (lambda x, y: [x, y, x**2, y**2], ["x", "y", "x²", "y²"]),
}


def _phi(z):
    """``expm1(z) / z`` with the limit 1 at z = 0 (keeps the flow exact at resonance)."""
    z = np.asarray(z, dtype=float)
    safe = np.where(z == 0, 1.0, z)
    return np.where(z == 0, 1.0, np.expm1(safe) / safe)


def flow(points, t: float, mu: float, lam: float, system: str = "nonlinear") -> np.ndarray:
    """Exact time-t flow of the linear or nonlinear system for points of shape (M, 2).

    linear: ``y(t) = e^{lam t} y0 - lam t e^{lam t} phi((mu - lam) t) x0``;
    nonlinear: ``y(t) = e^{lam t} y0 - lam t e^{lam t} phi((2 mu - lam) t) x0^2`` with
    ``phi(z) = (e^z - 1)/z`` (from ``y - c x^k`` decaying at rate lam).
    """
    p = np.asarray(points, dtype=float)
    x0, y0 = p[..., 0], p[..., 1]
    elt = np.exp(lam * t)
    if system == "linear":
        forcing, rate = x0, mu
    elif system == "nonlinear":
        forcing, rate = x0**2, 2 * mu
    else:
        raise ValueError(f"unknown system {system!r}")
    y = elt * y0 - lam * t * elt * _phi((rate - lam) * t) * forcing
    return np.stack([x0 * np.exp(mu * t), y], axis=-1)


def vector_field(points, mu: float, lam: float, system: str = "nonlinear") -> np.ndarray:
    """Right-hand side ``(mu x, lam (y - x))`` or ``(mu x, lam (y - x^2))``."""
    p = np.asarray(points, dtype=float)
    x, y = p[..., 0], p[..., 1]
    forcing = x if system == "linear" else x**2
    return np.stack([mu * x, lam * (y - forcing)], axis=-1)


def invariant_coefficient(mu: float, lam: float, system: str = "nonlinear") -> float:
    """``c`` with ``y - c x^k`` an eigenfunction: ``lam/(lam - mu)`` (linear) or ``lam/(lam - 2 mu)``; nan at resonance."""
    denom = lam - (mu if system == "linear" else 2 * mu)
    return float("nan") if denom == 0 else lam / denom


def koopman_eigenvalues(mu: float, lam: float, dt: float, max_degree: int = 2) -> dict[str, float]:
    """True discrete-time Koopman eigenvalues ``exp((a mu + b lam) dt)`` for ``1 <= a + b <= max_degree``.

    Both systems have eigenfunctions ``x^a (y - c x^k)^b``, so the lattice is the same.
    """
    out = {}
    for total in range(1, max_degree + 1):
        for b in range(total + 1):
            a = total - b
            name = "".join(s for s in (("μ" if a == 1 else f"{a}μ") if a else "",
                                       "+" if a and b else "",
                                       ("λ" if b == 1 else f"{b}λ") if b else ""))
            out[name] = float(np.exp((a * mu + b * lam) * dt))
    return out


def snapshots(n_pairs: int, mu: float, lam: float, dt: float, system: str = "nonlinear",
              noise: float = 0.0, seed: int = 0, steps_per_trajectory: int = 10) -> dict:
    """Snapshot pairs ``(x_m, y_m)`` along trajectories from uniform random starts in [-1, 1]^2.

    Each trajectory is sampled every ``dt`` for ``steps_per_trajectory`` steps; Gaussian measurement
    noise of standard deviation ``noise`` is added to every sampled state.
    """
    rng = np.random.default_rng(seed)
    n_traj = -(-int(n_pairs) // steps_per_trajectory)
    states = np.empty((n_traj, steps_per_trajectory + 1, 2))
    states[:, 0] = rng.uniform(-1.0, 1.0, (n_traj, 2))
    for k in range(steps_per_trajectory):
        states[:, k + 1] = flow(states[:, k], dt, mu, lam, system)
    if noise > 0:
        states = states + noise * rng.standard_normal(states.shape)
    X = states[:, :-1].reshape(-1, 2)[:n_pairs]
    Y = states[:, 1:].reshape(-1, 2)[:n_pairs]
    return {"X": X, "Y": Y, "trajectories": states}


def evaluate_dictionary(points, dictionary: str) -> np.ndarray:
    """The dictionary functions at ``points`` (M, 2) as an (M, K) matrix ``Psi``."""
    funcs, _ = DICTIONARIES[dictionary]
    p = np.asarray(points, dtype=float)
    return np.column_stack(funcs(p[:, 0], p[:, 1]))


def dmd(X, Y) -> tuple[np.ndarray, np.ndarray]:
    """Exact DMD (Schmid 2010; Tu et al. 2014): eigenvalues and modes of ``A = Y X^+``, snapshots as rows.

    Computed through the SVD of X (``A~ = U^* Y V S^-1``) as in the papers; full rank.
    """
    Xc, Yc = np.asarray(X, float).T, np.asarray(Y, float).T  # states as columns
    U, s, Vh = np.linalg.svd(Xc, full_matrices=False)
    keep = s > s[0] * 1e-12
    U, s, Vh = U[:, keep], s[keep], Vh[keep]
    A_tilde = U.conj().T @ Yc @ Vh.conj().T / s
    eigvals, W = np.linalg.eig(A_tilde)
    modes = Yc @ Vh.conj().T / s @ W
    return eigvals, modes


def resdmd_residual(G, A, L, lam: complex, v) -> float:
    """ResDMD residual ``sqrt(v^*(L - lam A^* - conj(lam) A + |lam|^2 G) v / v^* G v)`` (Colbrook & Townsend).

    The quadratic form loses accuracy to cancellation below ~1e-8; ``EDMD.residuals_`` uses the
    equal, stable form ``||Psi_Y v - lam Psi_X v|| / ||Psi_X v||``.
    """
    v = np.asarray(v, dtype=complex)
    M = L - lam * A.conj().T - np.conj(lam) * A + abs(lam) ** 2 * G
    num = np.real(v.conj() @ M @ v)
    den = np.real(v.conj() @ G @ v)
    return float(np.sqrt(max(num, 0.0) / den))


def edmd(psi_x, psi_y):
    """EDMD with a residual for every eigenpair, from the dictionary evaluated on the snapshots.

    ``psi_x``, ``psi_y``: (M, K) matrices, row m holding the K dictionary functions at x_m and at
    y_m = F(x_m). Returns ``K`` (the K x K matrix with ``psi_x @ K ≈ psi_y``), its eigenvalues
    (largest modulus first), eigenvectors (columns v: candidate eigenfunction g = Psi v) and the
    residuals ||Psi_Y v - lam Psi_X v|| / ||Psi_X v|| (ResDMD).
    """
    K = np.linalg.lstsq(psi_x, psi_y, rcond=None)[0]          # least squares: Psi_X K = Psi_Y
    eigenvalues, eigenvectors = np.linalg.eig(K)
    order = np.argsort(-np.abs(eigenvalues), kind="stable")
    eigenvalues, eigenvectors = eigenvalues[order], eigenvectors[:, order]
    g_x = psi_x @ eigenvectors                                   # each g = Psi v on the x's ...
    g_y = psi_y @ eigenvectors                                   # ... and one step later
    with np.errstate(divide="ignore", invalid="ignore"):
        residuals = np.linalg.norm(g_y - g_x * eigenvalues, axis=0) / np.linalg.norm(g_x, axis=0)
    return K, eigenvalues, eigenvectors, residuals


class EDMD:
    """Extended DMD on a named dictionary, with ResDMD residuals of every eigenpair.

    ``fit(X, Y)`` sets ``G_``, ``A_``, ``L_`` (Gram matrices divided by the number of snapshots),
    ``K_`` (``G^+ A``, solved as the least-squares problem ``Psi_X K = Psi_Y``), ``eigenvalues_``,
    ``eigenvectors_`` (columns ``v``, eigenfunction ``g = Psi v``) and ``residuals_``.
    """

    def __init__(self, dictionary: str = "{x, y, x²}"):
        self.dictionary = dictionary

    def fit(self, X, Y):
        if self.dictionary not in DICTIONARIES:
            raise ValueError(f"unknown dictionary {self.dictionary!r}")
        psi_x = evaluate_dictionary(X, self.dictionary)
        psi_y = evaluate_dictionary(Y, self.dictionary)
        m = psi_x.shape[0]
        self.G_ = psi_x.T @ psi_x / m
        self.A_ = psi_x.T @ psi_y / m
        self.L_ = psi_y.T @ psi_y / m
        self.K_, self.eigenvalues_, self.eigenvectors_, self.residuals_ = edmd(psi_x, psi_y)
        self.labels_ = DICTIONARIES[self.dictionary][1]
        return self


def match_to_truth(eigenvalues, truth: dict[str, float]) -> list[tuple[str, float]]:
    """For each computed eigenvalue, the nearest true Koopman eigenvalue's name and the distance."""
    names = list(truth)
    values = np.array([truth[n] for n in names])
    out = []
    for ev in np.atleast_1d(eigenvalues):
        i = int(np.argmin(np.abs(values - ev)))
        out.append((names[i], float(abs(values[i] - ev))))
    return out


def lesson_state(system: str, mu: float, lam: float, dt: float, dictionary: str,
                 noise: float, n_pairs: int, seed: int = 0) -> dict:
    """Everything the view draws for one setting: snapshots, EDMD fit, true eigenvalues, matches."""
    data = snapshots(n_pairs, mu, lam, dt, system, noise, seed)
    model = EDMD(dictionary).fit(data["X"], data["Y"])
    truth = koopman_eigenvalues(mu, lam, dt)
    return {"data": data, "model": model, "truth": truth,
            "matches": match_to_truth(model.eigenvalues_, truth),
            "c": invariant_coefficient(mu, lam, system)}
