"""Try it yourself (Koopman): write the residual that tells a true eigenvalue from a spurious one.

The cases are worked by hand on two snapshots where the dictionary is the identity at x and one
step turns (1, 0) into (0, -1) and (0, 1) into (1, 0), a quarter turn: its eigenvalues are i and -i.
Each case's label shows the arithmetic, so no expected value comes from the solution below.
"""

from __future__ import annotations

import numpy as np

from .exercise import Case, Exercise


def residual_solution(psi_x, psi_y, lam, v):
    """ResDMD residual of the candidate eigenpair (lam, v).

    psi_x, psi_y: (M, K) arrays, the dictionary at the snapshots x_m and at y_m = F(x_m).
    lam: a (complex) eigenvalue; v: a length-K (complex) vector, the eigenfunction g = Psi v.
    Return ||psi_y v - lam psi_x v|| / ||psi_x v||, a float: 0 for a true eigenpair.
    """
    g_x = psi_x @ v
    g_y = psi_y @ v
    return float(np.linalg.norm(g_y - lam * g_x) / np.linalg.norm(g_x))


I2 = np.eye(2)
ROT = np.array([[0.0, 1.0], [-1.0, 0.0]])      # rows: Psi at y = F(x) for x = e1, e2
SCALED = 2 * np.eye(2)                          # the same snapshots measured twice as large

CASES = [
    Case((I2, ROT, 0.0, np.array([1.0, 0.0])), 1.0,
         "lam = 0: the residual is ||Psi_Y v|| / ||Psi_X v|| = ||(0, -1)|| / 1"),
    Case((I2, ROT, 1.0, np.array([1.0, 0.0])), np.sqrt(2.0),
         "lam = 1: (0, -1) - (1, 0) has length sqrt 2"),
    Case((I2, ROT, 1j, np.array([1.0, 1j])), 0.0,
         "a true eigenpair: Psi_Y v = (i, -1) = i v"),
    Case((I2, ROT, -1j, np.array([1.0, 1j])), 2.0,
         "the conjugate eigenvalue on the same v: (2i, -2) / sqrt 2"),
    Case((SCALED, 2 * ROT, 0.0, np.array([1.0, 0.0])), 1.0,
         "both snapshots doubled: the residual is relative, still 1"),
]

EXERCISE = Exercise(
    residual_solution, CASES,
    task="Write `residual(psi_x, psi_y, lam, v)`: how far g = Ψv is from being an eigenfunction "
         "with eigenvalue λ on the data, relative to the size of g.",
)

# Plausible wrong answers the checker must reject (tests/lessons/test_exercises.py).
MISTAKES = {
    "conjugates the eigenvalue": lambda px, py, lam, v: float(
        np.linalg.norm(py @ v - np.conj(lam) * (px @ v)) / np.linalg.norm(px @ v)),
    "forgets to divide by ||Psi_X v||": lambda px, py, lam, v: float(
        np.linalg.norm(py @ v - lam * (px @ v))),
    "returns the squared residual": lambda px, py, lam, v: float(
        np.linalg.norm(py @ v - lam * (px @ v)) ** 2 / np.linalg.norm(px @ v) ** 2),
}
