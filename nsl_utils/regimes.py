"""Where power laws come from: solvable models of the four scaling regimes.

The models of Hutter (2021), Bahri et al. (2024; arXiv 2021) and Sharma & Kaplan (2022; arXiv
2020), written from their equations in numpy (no code was published with those papers):

- :func:`hutter_error`, :func:`hutter_error_mc`: Hutter's memorisation model, error after
  ``n`` samples falls as ``n^{-alpha/(1+alpha)}`` [hutter2021learning].
- :func:`linear_rf_loss`, :func:`linear_rf_loss_from_draws`: the linear random-feature
  teacher-student model of Bahri et al. (Sec. 2.3), its teacher-averaged test loss computed
  exactly, showing all four regimes [bahri2021explaining].
- :func:`arccos_kernel`, :func:`relu_rf_loss`: ReLU random features and their kernel.
- :func:`interpolation_error`, :func:`intrinsic_dimension`, :func:`smooth_target`: defined in
  :mod:`nsl_utils.manifold` (the data-manifold chapter) and re-exported here.
- :func:`gradient_flow_loss`: training-time scaling of a power-law spectrum under gradient flow.
- :func:`loglog_slope`: the slope of a straight line through ``(log x, log y)``.

Every loss here is a mean squared error, ``L = E[(f - f_hat)^2] / 2``, in squared units of the
teacher's output; none of these laws is about accuracy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigh

from ._validation import as_finite_array, as_positive_array, positive_int, positive_scalar
from .fit import fit_power_law
from .manifold import interpolation_error, intrinsic_dimension, smooth_target

__all__ = [
    "zipf_probabilities",
    "hutter_error",
    "hutter_error_mc",
    "power_law_spectrum",
    "linear_rf_loss",
    "linear_rf_loss_from_draws",
    "arccos_kernel",
    "kernel_spectrum",
    "relu_rf_loss",
    "smooth_target",
    "interpolation_error",
    "intrinsic_dimension",
    "gradient_flow_loss",
    "loglog_slope",
]


def _optional_int(value: int | None, name: str) -> int | None:
    return None if value is None else positive_int(value, name)


# --------------------------------------------------------------------------------------------
# Hutter's memorisation model
# --------------------------------------------------------------------------------------------


def zipf_probabilities(alpha: float, n_features: int = 10**6) -> NDArray[np.float64]:
    """Zipf probabilities ``theta_i ∝ i^{-(1+alpha)}``, ``i = 1..n_features``, normalised to 1.

    Parameters
    ----------
    alpha : float
        Tail exponent, > 0 (Hutter's Zipf case, ``theta_i ∝ i^{-(1+alpha)}``).
    n_features : int
        Number of distinct features; the infinite model is the limit ``n_features -> ∞``.

    Returns
    -------
    numpy.ndarray
        Probabilities, shape ``(n_features,)``, decreasing, summing to 1.
    """
    alpha = positive_scalar(alpha, "alpha")
    n_features = positive_int(n_features, "n_features")
    theta = np.arange(1, n_features + 1, dtype=float) ** -(1.0 + alpha)
    return theta / theta.sum()


def hutter_error(n: ArrayLike, alpha: float, n_features: int = 10**6) -> NDArray[np.float64]:
    """Exact expected error of the memorising learner after ``n`` samples (Hutter 2021).

    The learner memorises every feature it has seen and errs on unseen ones, so its expected
    error is the probability mass of the features not yet drawn,

    ``E_n = sum_i theta_i (1 - theta_i)^n``,

    which falls as ``n^{-alpha/(1+alpha)}`` for Zipf ``theta_i ∝ i^{-(1+alpha)}`` (Hutter 2021,
    the expected error of the deterministic memorisation model in its Zipf-distributed case).

    Parameters
    ----------
    n : array_like
        Numbers of training samples, >= 1 (any shape).
    alpha : float
        Zipf tail exponent, > 0.
    n_features : int
        Number of features of the truncated Zipf law (truncation matters once
        ``n^{1/(1+alpha)}`` approaches ``n_features``).

    Returns
    -------
    numpy.ndarray
        Expected error (a probability, dimensionless), same shape as ``n``.
    """
    n_arr = as_positive_array(n, "n")
    if np.any(n_arr < 1):
        raise ValueError(f"n must be >= 1 sample; got a minimum of {n_arr.min()!r}")
    theta = zipf_probabilities(alpha, n_features)
    log_keep = np.log1p(-theta)
    flat = n_arr.ravel()
    # one n at a time keeps memory at O(n_features) for any number of n values
    out = np.array([np.dot(theta, np.exp(k * log_keep)) for k in flat])
    return out.reshape(n_arr.shape)


def hutter_error_mc(
    n: ArrayLike, alpha: float, n_features: int = 10**6, n_trials: int = 20, seed: int = 0
) -> NDArray[np.float64]:
    """Monte Carlo estimate of :func:`hutter_error`: draw samples, measure the unseen mass.

    Parameters
    ----------
    n : array_like
        Numbers of training samples, >= 1, one-dimensional.
    alpha : float
        Zipf tail exponent, > 0.
    n_features : int
        Number of features of the truncated Zipf law.
    n_trials : int
        Independent sample streams averaged (each stream is reused for every ``n``, so the
        curve for one stream is a genuine learning curve).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        Mean unseen probability mass over the trials, shape of ``n``.
    """
    n_arr = as_positive_array(n, "n")
    if n_arr.ndim != 1 or np.any(n_arr < 1) or np.any(n_arr != np.round(n_arr)):
        raise ValueError("n must be a one-dimensional array of integers >= 1")
    n_trials = positive_int(n_trials, "n_trials")
    theta = zipf_probabilities(alpha, n_features)
    cdf = np.cumsum(theta)
    rng = np.random.default_rng(seed)
    n_max = int(n_arr.max())
    errors = np.zeros((n_trials, n_arr.size))
    for t in range(n_trials):
        draws = np.minimum(np.searchsorted(cdf, rng.random(n_max), side="right"), n_features - 1)
        seen, first = np.unique(draws, return_index=True)
        order = np.argsort(first)
        seen_mass = np.cumsum(theta[seen[order]])
        # features first seen at positions < n are known after n samples
        k = np.searchsorted(first[order], n_arr, side="left")
        errors[t] = 1.0 - np.where(k > 0, seen_mass[np.maximum(k - 1, 0)], 0.0)
    return errors.mean(axis=0)


# --------------------------------------------------------------------------------------------
# Linear random-feature teacher-student model (Bahri et al., Sec. 2.3)
# --------------------------------------------------------------------------------------------


def power_law_spectrum(alpha_K: float, n_features: int) -> NDArray[np.float64]:
    """Feature variances ``lambda_i = i^{-(1+alpha_K)}``, ``i = 1..n_features`` (Bahri et al., Sec. 2.3).

    Parameters
    ----------
    alpha_K : float
        Spectral exponent, > 0.
    n_features : int
        Number of teacher features ``S``.

    Returns
    -------
    numpy.ndarray
        The spectrum, shape ``(n_features,)``.
    """
    alpha_K = positive_scalar(alpha_K, "alpha_K")
    n_features = positive_int(n_features, "n_teacher_features")
    return np.arange(1, n_features + 1, dtype=float) ** -(1.0 + alpha_K)


def linear_rf_loss_from_draws(
    Z: NDArray[np.float64] | None, V: NDArray[np.float64] | None, spectrum: ArrayLike
) -> float:
    """Teacher-averaged test loss of the min-norm random-feature student, given its draws.

    Teacher: ``f(x) = sum_M omega_M F_M(x)`` with features of covariance
    ``E[F_M F_N] = lambda_M delta_MN`` and weights ``omega_M ~ N(0, 1)``. Student:
    ``f_hat = sum_mu theta_mu f_mu`` with ``f_mu = sum_M V_{mu M} F_M``, fitted by minimum-norm
    least squares (gradient descent from zero) on the samples ``F(x_a) = Lambda^{1/2} z_a``.
    Averaging ``L = E_x (f - f_hat)^2 / 2`` over ``omega`` exactly gives

    ``L = ||Lambda^{1/4} (I - A (B^T A)^+ B^T) Lambda^{1/4}||_F^2 / 2``

    with ``A = Lambda^{1/4} V^T`` and ``B = Lambda^{1/4} Z^T``. It is symmetric under
    ``Z <-> V``: this is the data-model duality ``L(D, P) = L(P, D)`` of Bahri et al.
    (Sec. 2.3), which therefore holds draw by draw, not only on average.

    Parameters
    ----------
    Z : numpy.ndarray or None
        Standardised training inputs, shape ``(D, S)``; ``None`` for infinite data.
    V : numpy.ndarray or None
        Student projection, shape ``(P, S)``; ``None`` for the student that has every teacher
        feature (``V = I``).
    spectrum : array_like
        Teacher feature variances ``lambda``, shape ``(S,)``, positive.

    Returns
    -------
    float
        Test loss (squared units of the teacher's output).
    """
    lam = as_positive_array(spectrum, "spectrum")
    if lam.ndim != 1:
        raise ValueError(f"spectrum must be one-dimensional; got shape {lam.shape}")
    S = lam.size
    for name, M in (("Z", Z), ("V", V)):
        if M is not None and (np.ndim(M) != 2 or np.shape(M)[1] != S):
            raise ValueError(f"{name} must have shape (rows, {S}); got {np.shape(M)}")
    if Z is None and V is None:
        return 0.0
    if Z is None or V is None:
        # one side infinite: the student is the orthogonal projection of the teacher onto the
        # span of the other side's columns in the Lambda^{1/2}-weighted space
        M = V if Z is None else Z
        Q, _ = np.linalg.qr(np.sqrt(lam)[:, None] * M.T)
        captured = np.einsum("ij,ij->i", Q, Q)
        return float(0.5 * np.sum(lam * (1.0 - captured)))
    q = lam**0.25
    A = q[:, None] * V.T  # (S, P)
    B = q[:, None] * Z.T  # (S, D)
    Phi_pinv = np.linalg.pinv(B.T @ A)  # (P, D): the min-norm solution map
    # ||q (I - A Phi^+ B^T) q||^2 = sum q^4 - 2 tr(Phi^+ B^T diag(q^2) A) + ||(qA) Phi^+ (B^T q)||^2
    cross = np.sum(Phi_pinv * ((B * lam[:, None]).T @ A).T)
    qA, qB = A * q[:, None], B * q[:, None]
    # contract the last term through the smaller of P and D: O(S P D + S min(P, D)^2)
    if A.shape[1] <= B.shape[1]:
        W = Phi_pinv @ qB.T  # (P, S)
        quad = np.sum(W * ((qA.T @ qA) @ W))
    else:
        W = Phi_pinv.T @ qA.T  # (D, S)
        quad = np.sum(W * ((qB.T @ qB) @ W))
    return float(0.5 * (lam.sum() - 2.0 * cross + quad))


def linear_rf_loss(
    D: int | None,
    P: int | None,
    alpha_K: float,
    n_teacher_features: int = 2000,
    seed: int = 0,
) -> float:
    """Teacher-averaged test loss of Bahri et al.'s linear random-feature model (Sec. 2.3).

    ``S = n_teacher_features`` Gaussian teacher features with variances
    ``lambda_i = i^{-(1+alpha_K)}``; the student fits ``P`` random Gaussian projections of them to
    ``D`` samples by minimum-norm least squares. Regimes (Bahri et al., Sec. 2): for ``D >> P``
    the excess over ``L(∞, P)`` is ``≈ L(∞, P) P / (D - P - 1)`` (variance-limited, slope -1);
    ``L(∞, P) ∝ P^{-alpha_K}`` and ``L(D, ∞) ∝ D^{-alpha_K}`` (resolution-limited) while
    ``max(D, P) << S``; ``L(D, P) = L(P, D)`` in distribution; ``D = P`` is the double-descent
    spike. The data rows and the projection rows come from two fixed streams of ``seed``, so
    curves in ``D`` (or ``P``) at one seed are nested designs.

    Parameters
    ----------
    D : int or None
        Number of training samples; ``None`` for infinite data.
    P : int or None
        Number of student features, <= ``n_teacher_features``; ``None`` for all of them.
    alpha_K : float
        Spectral exponent, > 0.
    n_teacher_features : int
        Number of teacher features ``S``; keep ``S >= 40 max(D, P)`` for clean
        resolution-limited slopes (a finite ``S`` steepens them).
    seed : int
        Seed of the data and projection draws.

    Returns
    -------
    float
        Test loss (squared units of the teacher's output); ``sum(lambda) / 2`` before training.
    """
    D = _optional_int(D, "D")
    P = _optional_int(P, "P")
    lam = power_law_spectrum(alpha_K, n_teacher_features)
    S = lam.size
    if P is not None and P > S:
        raise ValueError(f"P must be <= n_teacher_features ({S}); got {P}")
    Z = None if D is None else np.random.default_rng([seed, 0]).standard_normal((D, S))
    V = None if P is None else np.random.default_rng([seed, 1]).standard_normal((P, S))
    return linear_rf_loss_from_draws(Z, V, lam)


# --------------------------------------------------------------------------------------------
# ReLU random features and the arc-cosine kernel
# --------------------------------------------------------------------------------------------


def arccos_kernel(X: ArrayLike, Y: ArrayLike | None = None) -> NDArray[np.float64]:
    """First-order arc-cosine kernel, the infinite-width limit of ReLU random features.

    ``k(x, y) = E_w[relu(w.x) relu(w.y)] = |x||y| (sin t + (pi - t) cos t) / (2 pi)``,
    ``w ~ N(0, I)``, ``t`` the angle between ``x`` and ``y`` (Cho & Saul 2009, the arc-cosine
    kernel of degree ``n = 1``, normalised as an expectation over the Gaussian ``w``).

    Parameters
    ----------
    X : array_like
        Inputs, shape ``(n, d)``.
    Y : array_like, optional
        Inputs, shape ``(m, d)``; defaults to ``X``.

    Returns
    -------
    numpy.ndarray
        Kernel matrix, shape ``(n, m)``.
    """
    X = as_finite_array(X, "X")
    Y = X if Y is None else as_finite_array(Y, "Y")
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must be 2-D with equal columns; got {X.shape} and {Y.shape}")
    nx = np.linalg.norm(X, axis=1)
    ny = np.linalg.norm(Y, axis=1)
    cos = np.clip((X @ Y.T) / np.outer(nx, ny), -1.0, 1.0)
    t = np.arccos(cos)
    return np.outer(nx, ny) * (np.sin(t) + (np.pi - t) * cos) / (2 * np.pi)


def kernel_spectrum(K: ArrayLike, top: int | None = None) -> NDArray[np.float64]:
    """Eigenvalues of ``K / n`` in decreasing order: the kernel operator's spectrum on the sample.

    Parameters
    ----------
    K : array_like
        Symmetric kernel matrix on ``n`` sample points, shape ``(n, n)``.
    top : int, optional
        Return only the ``top`` largest eigenvalues (much faster for ``top << n``); tail sums
        beyond them follow from ``trace(K) / n`` minus their cumulative sum.

    Returns
    -------
    numpy.ndarray
        Eigenvalues, shape ``(n,)`` or ``(top,)``, decreasing (round-off below 0 clipped to 0).
    """
    K = as_finite_array(K, "K")
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix; got shape {K.shape}")
    n = K.shape[0]
    if top is None:
        ev = eigh(K / n, eigvals_only=True)
    else:
        top = positive_int(top, "top")
        if top > n:
            raise ValueError(f"top must be <= the matrix size {n}; got {top}")
        ev = eigh(K / n, eigvals_only=True, subset_by_index=[n - top, n - 1])
    return np.clip(ev[::-1], 0.0, None)


def relu_rf_loss(
    D: int | None, P: int | None, pool: ArrayLike, K: ArrayLike, seed: int = 0
) -> float:
    """Teacher-averaged test loss of a ReLU random-feature student of a Gaussian-process teacher.

    The data distribution is uniform over the ``n`` rows of ``pool`` (so the "population"
    is exact); the teacher is a draw ``f ~ N(0, K)`` on the pool with ``K`` the arc-cosine
    kernel; the student has ``P`` ReLU features ``relu(w.x)``, ``w ~ N(0, I)``, fitted by
    minimum-norm least squares to ``D`` pool points drawn with replacement (so ``D -> ∞`` is
    the whole pool, uniformly weighted: the ``D=None`` case). Its prediction
    on the pool is ``f_hat = A f_train`` for a matrix ``A``, so the teacher average is exact:
    ``L = [tr K - 2 tr(A K_train,:) + tr(A K_train,train A^T)] / (2 n)``.

    Parameters
    ----------
    D : int or None
        Training points; ``None`` trains on the whole distribution.
    P : int or None
        ReLU features; ``None`` is the infinite-width student, i.e. kernel regression with ``K``.
    pool : array_like
        Inputs, shape ``(n, d)``.
    K : array_like
        ``arccos_kernel(pool)``, shape ``(n, n)`` (passed in so it is computed once).
    seed : int
        Seed of the training subset and of the features (two fixed streams, so nested in D, P).

    Returns
    -------
    float
        Test loss under the pool distribution.
    """
    D = _optional_int(D, "D")
    P = _optional_int(P, "P")
    X = as_finite_array(pool, "pool")
    n = X.shape[0]
    if D is None and P is None:
        return 0.0
    Psi = None
    if P is not None:
        W = np.random.default_rng([seed, 1]).standard_normal((P, X.shape[1]))
        Psi = np.maximum(X @ W.T, 0.0)
    trK = np.trace(K)
    if D is None:
        Q, _ = np.linalg.qr(Psi)
        return float(0.5 * (trK - np.sum(Q * (K @ Q))) / n)
    idx = np.random.default_rng([seed, 0]).integers(0, n, D)
    K_DD, K_Dn = K[np.ix_(idx, idx)], K[idx]
    if Psi is None:
        # kernel regression: A = K_nD K_DD^+, and K_DD^+ K_DD K_DD^+ = K_DD^+ merges the terms
        M = np.linalg.pinv(K_DD, hermitian=True)
        return float(0.5 * (trK - np.sum(M * (K_Dn @ K_Dn.T))) / n)
    M = np.linalg.pinv(Psi[idx])  # (P, D); the prediction matrix is A = Psi M
    cross = np.sum(M * (K_Dn @ Psi).T)
    if P <= D:  # contract through the (P, P) side, cheaper when the data outnumber features
        quad = np.sum((M @ K_DD @ M.T) * (Psi.T @ Psi))
    else:
        B = Psi @ M
        quad = np.sum((B @ K_DD) * B)
    return float(0.5 * (trK - 2.0 * cross + quad) / n)


# --------------------------------------------------------------------------------------------
# Training time
# --------------------------------------------------------------------------------------------


def gradient_flow_loss(
    t: ArrayLike, a: float, b: float, n_modes: int = 10**5
) -> NDArray[np.float64]:
    """Population loss of a linear model trained by gradient flow on a power-law problem.

    Mode ``i`` has feature variance ``lambda_i = i^{-b}`` and target power ``lambda_i c_i^2
    = i^{-a}``; gradient flow shrinks its residual as ``exp(-lambda_i t)``, so
    ``L(t) = sum_i i^{-a} exp(-2 i^{-b} t) / 2 ∝ t^{-(a-1)/b}`` for ``a > 1``, ``b > 0``
    (modes with ``lambda_i t >> 1`` are learnt, the rest are the tail sum; the same counting
    as the resolution-limited regime, with ``t^{1/b}`` in the role of ``P``).

    Parameters
    ----------
    t : array_like
        Training times (learning rate × steps), > 0.
    a : float
        Decay exponent of the target's power per mode, > 1.
    b : float
        Decay exponent of the spectrum, > 0.
    n_modes : int
        Number of modes summed (truncation shows once ``t`` approaches ``n_modes^b``).

    Returns
    -------
    numpy.ndarray
        Loss, shape of ``t``.
    """
    t_arr = as_positive_array(t, "t")
    a = positive_scalar(a, "a")
    b = positive_scalar(b, "b")
    if a <= 1:
        raise ValueError(f"a must be > 1 for a finite loss at t = 0; got {a}")
    i = np.arange(1, positive_int(n_modes, "n_modes") + 1, dtype=float)
    power, rate = i**-a, 2.0 * i**-b
    out = np.array([0.5 * np.dot(power, np.exp(-rate * tk)) for tk in t_arr.ravel()])
    return out.reshape(t_arr.shape)


def loglog_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope of ``log y`` against ``log x``: the exponent of ``y ∝ x^slope``.

    Parameters
    ----------
    x, y : array_like
        Positive values, same shape, at least 2 points.

    Returns
    -------
    float
        The slope (negative for a decreasing power law).
    """
    return fit_power_law(x, y).p
