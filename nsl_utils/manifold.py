"""The data manifold sets the exponent: interpolation on a ``d``-dimensional cube, and TwoNN.

Sharma & Kaplan (2022; arXiv 2020) and Bahri et al. (2024; arXiv 2021; Sec. 3) explain
resolution-limited exponents by a model resolving a data manifold of intrinsic dimension ``d``:
with spacing ``h ∝ D^{-1/d}``, a piecewise-constant fit errs by ``O(h)`` (loss ``∝ D^{-2/d}``)
and a piecewise-linear one by ``O(h^2)`` (loss ``∝ D^{-4/d}``). This module holds the smooth random
target, the two interpolators and the TwoNN estimate of ``d`` (Facco et al. 2017). Every loss
is a mean squared error, ``mean (f - f_hat)^2 / 2``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import Delaunay, cKDTree

from ._validation import as_finite_array, at_least, positive_int, positive_scalar

__all__ = ["smooth_target", "interpolation_error", "intrinsic_dimension"]




def smooth_target(
    X: ArrayLike,
    n_waves: int = 64,
    frequency: float = 1.0,
    seed: int = 0,
    smoothness: float | None = None,
) -> NDArray[np.float64]:
    """A smooth random function on ``[0, 1]^d``: a sum of ``n_waves`` random plane waves.

    ``f(x) = sqrt(2 / n_waves) sum_j cos(2 pi k_j . x + phi_j)`` with wave vectors
    ``k_j ~ N(0, frequency^2 I / d)`` (so ``|k_j| ≈ frequency`` cycles per unit length in any
    dimension) and uniform phases: a draw from a Gaussian process with a Gaussian kernel,
    curved in every direction, unit variance. With ``smoothness=nu`` the wave vectors are
    instead multivariate-t with ``2 nu`` degrees of freedom, the spectral density of a Matérn
    kernel of smoothness ``nu``: the function then has about ``nu`` derivatives, and no learner
    can beat ``D^{-2 nu/d}`` on it (with ``nu = 2``, exactly the ``D^{-4/d}`` of
    piecewise-linear interpolation).

    Parameters
    ----------
    X : array_like
        Points, shape ``(n, d)``.
    n_waves : int
        Number of plane waves (many waves make the function generic, not a few ridges).
    frequency : float
        Typical number of oscillations per unit length, > 0.
    seed : int
        Seed of the wave vectors and phases (the teacher's identity).
    smoothness : float, optional
        Matérn smoothness ``nu`` > 0; ``None`` for the infinitely smooth Gaussian kernel.

    Returns
    -------
    numpy.ndarray
        ``f(X)``, shape ``(n,)``.
    """
    X = as_finite_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n, d); got {X.shape}")
    n_waves = positive_int(n_waves, "n_waves")
    frequency = positive_scalar(frequency, "frequency")
    d = X.shape[1]
    rng = np.random.default_rng([seed, 7])
    k = rng.standard_normal((n_waves, d)) * frequency / np.sqrt(d)
    phi = rng.uniform(0, 2 * np.pi, n_waves)
    if smoothness is not None:
        dof = 2 * positive_scalar(smoothness, "smoothness")
        k /= np.sqrt(rng.chisquare(dof, n_waves) / dof)[:, None]
    return np.sqrt(2.0 / n_waves) * np.cos(2 * np.pi * X @ k.T + phi).sum(axis=1)


def _piecewise_linear(X: NDArray[np.float64], y: NDArray[np.float64], T: NDArray[np.float64]):
    """Linear interpolation of ``(X, y)`` at ``T`` on the Delaunay triangulation of ``X``."""
    tri = Delaunay(X)
    d = X.shape[1]
    simplex = tri.find_simplex(T)
    if np.any(simplex < 0):
        raise ValueError("T has points outside the convex hull of X; add the cube's corners to X")
    affine = tri.transform[simplex]  # barycentric coordinates are an affine map per simplex
    bary = np.einsum("kij,kj->ki", affine[:, :d], T - affine[:, d])
    weights = np.hstack([bary, 1.0 - bary.sum(axis=1, keepdims=True)])
    return np.sum(weights * y[tri.simplices[simplex]], axis=1)


def interpolation_error(
    D: int, d: int, method: str = "linear", n_test: int = 1000, seed: int = 0
) -> float:
    """Test loss of interpolating :func:`smooth_target` from ``D`` uniform points in ``[0, 1]^d``.

    Nearest-neighbour interpolation errs by ``O(h)`` with spacing ``h ∝ D^{-1/d}``, so its squared
    error falls as ``D^{-2/d}``; piecewise-linear interpolation on the Delaunay triangulation errs
    by ``O(h^2)``, so ``D^{-4/d}`` (Sharma & Kaplan 2022, Sec. 2; Bahri et al. 2024, Sec. 3).
    The ``2^d`` corners of the cube are added to the ``D`` points so that the triangulation
    covers the cube, and the test points are drawn from the inner cube ``[0.2, 0.8]^d``: the
    long, thin simplices along the cube's faces would otherwise add a boundary error that
    falls more slowly.

    Parameters
    ----------
    D : int
        Number of random training points.
    d : int
        Dimension of the cube, 1 to 5 (Delaunay triangulation grows quickly with ``d``).
    method : {"linear", "nearest"}
        Piecewise-linear or nearest-neighbour interpolation.
    n_test : int
        Uniform test points in the inner cube.
    seed : int
        Seed of the points (the target is :func:`smooth_target` with its defaults).

    Returns
    -------
    float
        ``mean (f - f_hat)^2 / 2`` over the test points.
    """
    D = positive_int(D, "D")
    d = positive_int(d, "d")
    n_test = positive_int(n_test, "n_test")
    if method not in ("linear", "nearest"):
        raise ValueError(f"method must be 'linear' or 'nearest'; got {method!r}")
    if d > 5:
        raise ValueError(f"d must be <= 5 (Delaunay triangulation cost); got {d}")
    rng = np.random.default_rng([seed, d, D])
    corners = ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(float)
    X = np.vstack([corners, rng.random((D, d))])
    T = 0.2 + 0.6 * rng.random((n_test, d))
    y, y_test = smooth_target(X), smooth_target(T)
    if method == "nearest":
        pred = y[cKDTree(X).query(T)[1]]
    elif d == 1:
        order = np.argsort(X[:, 0])
        pred = np.interp(T[:, 0], X[order, 0], y[order])
    else:
        pred = _piecewise_linear(X, y, T)
    return float(0.5 * np.mean((y_test - pred) ** 2))


def intrinsic_dimension(X: ArrayLike, method: str = "twonn") -> float:
    """Intrinsic dimension of the rows of ``X`` by TwoNN (Facco et al. 2017).

    For each point the ratio ``mu = r2 / r1`` of its second- to first-nearest-neighbour distance
    is Pareto distributed, ``F(mu) = 1 - mu^{-d}``, whatever the density, if the density is
    locally constant. TwoNN fits ``-log(1 - F(mu)) = d log(mu)`` through the origin on the
    empirical distribution, discarding the 10% largest ``mu`` (Facco et al. 2017, Eq. 5 and
    the fit described after it).

    Parameters
    ----------
    X : array_like
        Points, shape ``(n, D_ambient)``, ``n >= 20``, no duplicate rows.
    method : {"twonn"}
        Estimator.

    Returns
    -------
    float
        Estimated dimension (a real number; boundaries bias it down a little).
    """
    X = as_finite_array(X, "X")
    if method != "twonn":
        raise ValueError(f"method must be 'twonn'; got {method!r}")
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_points, n_coordinates); got {X.shape}")
    at_least(X[:, 0], 20, "X", "(rows) to estimate a dimension")
    dist, _ = cKDTree(X).query(X, k=3)
    if np.any(dist[:, 1] <= 0):
        raise ValueError("X has duplicate rows (zero nearest-neighbour distance); drop them first")
    mu = np.sort(dist[:, 2] / dist[:, 1])
    n = mu.size
    keep = int(np.floor(0.9 * n))
    x = np.log(mu[:keep])
    y = -np.log(1.0 - np.arange(1, keep + 1) / n)
    return float(np.dot(x, y) / np.dot(x, x))
