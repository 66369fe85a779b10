"""Fitting scaling laws: Chinchilla's three approaches (Hoffmann et al. 2022, Sec. 3).

- :func:`fit_power_law`: y = k x^p by least squares in log space, with an interval on p.
- :func:`envelope`: Approach 1, the lowest loss reached at each compute and its power law.
- :func:`fit_isoflop`: Approach 2, a parabola per IsoFLOP budget, then N* = k C^a.
- :func:`fit_isoflop_akima`: Porian et al.'s (2024) variant: Akima-interpolated minima,
  bootstrapped over seed noise, then :func:`fit_weighted_power_law`.
- :func:`fit_parametric`: Approach 3, the Huber fit of L = E + A/N^α + B/D^β from Hoffmann
  et al.'s 4,500 starts, all optimised at once; :func:`bootstrap_parametric` for intervals.

Losses are in nats per token, N in parameters, C in FLOP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats
from scipy.interpolate import Akima1DInterpolator

from nsl_utils._validation import (
    as_finite_array,
    as_positive_array,
    at_least,
    positive_int,
    same_shape,
)
from nsl_utils.laws import ChinchillaParams

__all__ = [
    "PowerLawFit",
    "fit_power_law",
    "Envelope",
    "envelope",
    "IsoFlopFit",
    "fit_isoflop",
    "fit_weighted_power_law",
    "AkimaIsoFlopFit",
    "fit_isoflop_akima",
    "THETA_NAMES",
    "hoffmann_grid",
    "huber_objective",
    "ParametricFit",
    "fit_parametric",
    "BootstrapResult",
    "bootstrap_parametric",
]


def _check_ci(ci: float) -> float:
    ci = float(ci)
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be a probability strictly between 0 and 1 (e.g. 0.95); got {ci!r}")
    return ci


@dataclass(frozen=True)
class PowerLawFit:
    """A fitted power law y = k x^p.

    Attributes
    ----------
    k : float
        Prefactor, in the units of y per unit of x^p.
    p : float
        Exponent (the slope of log y against log x).
    p_ci : tuple of float
        Two-sided confidence interval on ``p`` (Student t on n - 2 degrees of freedom);
        ``(-inf, inf)`` when n = 2, since two points carry no information on the scatter.
    n : int
        Number of points fitted.
    log_residual_std : float
        Standard deviation of the residuals of log y (natural log), n - 2 degrees of freedom;
        0.0 when n = 2.
    ci : float
        Coverage of ``p_ci``.
    """

    k: float
    p: float
    p_ci: tuple[float, float]
    n: int
    log_residual_std: float
    ci: float

    def predict(self, x: ArrayLike) -> NDArray[np.float64]:
        """k x^p at ``x`` (> 0)."""
        return self.k * as_positive_array(x, "x") ** self.p


def fit_power_law(x: ArrayLike, y: ArrayLike, *, ci: float = 0.95) -> PowerLawFit:
    """Fit y = k x^p by ordinary least squares on (log x, log y).

    Parameters
    ----------
    x, y : array_like
        Positive, finite, same shape, at least 2 points (3 for a finite interval), and at
        least two distinct x values.
    ci : float
        Coverage of the interval on the exponent, default 0.95.

    Returns
    -------
    PowerLawFit
    """
    x = as_positive_array(x, "x").ravel()
    y = as_positive_array(y, "y").ravel()
    same_shape(x=x, y=y)
    at_least(x, 2, "x", "to fit a power law")
    ci = _check_ci(ci)
    lx, ly = np.log(x), np.log(y)
    sxx = np.sum((lx - lx.mean()) ** 2)
    if sxx <= 0.0:
        raise ValueError("x must hold at least two distinct values to fit an exponent")
    p = float(np.sum((lx - lx.mean()) * (ly - ly.mean())) / sxx)
    log_k = float(ly.mean() - p * lx.mean())
    n = x.size
    if n > 2:
        resid = ly - (log_k + p * lx)
        s = float(np.sqrt(np.sum(resid**2) / (n - 2)))
        half = float(stats.t.ppf(0.5 + ci / 2, n - 2) * s / np.sqrt(sxx))
        p_ci = (p - half, p + half)
    else:
        s, p_ci = 0.0, (-np.inf, np.inf)
    return PowerLawFit(k=float(np.exp(log_k)), p=p, p_ci=p_ci, n=n, log_residual_std=s, ci=ci)


@dataclass(frozen=True, eq=False)
class Envelope:
    """The compute frontier of a set of training curves (Approach 1).

    Attributes
    ----------
    C : ndarray
        The distinct compute values (FLOP), sorted ascending.
    loss : ndarray
        Lowest loss over all runs at each compute value (nats/token).
    index : ndarray of int
        Index, into the arrays passed in, of the run that reaches that loss.
    loss_fit : PowerLawFit
        L_min(C) = k C^p fitted to the envelope (no irreducible term: a local slope).
    n_opt : ndarray or None
        Model size of the winning run at each compute, if ``N`` was given.
    n_fit : PowerLawFit or None
        N_opt = k C^a fitted to ``n_opt``; ``n_fit.p`` is Approach 1's exponent a.
    """

    C: NDArray[np.float64]
    loss: NDArray[np.float64]
    index: NDArray[np.int64]
    loss_fit: PowerLawFit
    n_opt: NDArray[np.float64] | None
    n_fit: PowerLawFit | None

    @property
    def a(self) -> float:
        """Exponent of N_opt ∝ C^a (needs ``N``)."""
        if self.n_fit is None:
            raise ValueError("envelope was called without N; pass N to estimate N_opt ∝ C^a")
        return self.n_fit.p


def envelope(
    C: ArrayLike, L: ArrayLike, N: ArrayLike | None = None, *, ci: float = 0.95
) -> Envelope:
    """Approach 1 of Hoffmann et al. (2022, Sec. 3.1): the minimum loss at each compute.

    Pass every point of every training curve, evaluated on a compute grid shared by the runs
    (Hoffmann et al. interpolate each curve at 1,500 log-spaced FLOP values): points with the
    exact same ``C`` compete, and the lowest loss wins.

    Parameters
    ----------
    C : array_like
        Compute of each point (FLOP), > 0.
    L : array_like
        Loss of each point (nats/token), > 0.
    N : array_like, optional
        Model size (parameters) of each point; gives N_opt(C) and its exponent a.
    ci : float
        Coverage of the intervals on the exponents.

    Returns
    -------
    Envelope
    """
    C = as_positive_array(C, "C").ravel()
    L = as_positive_array(L, "L").ravel()
    same_shape(C=C, L=L)
    if N is not None:
        N = as_positive_array(N, "N").ravel()
        same_shape(C=C, N=N)
    budgets, inverse = np.unique(C, return_inverse=True)
    at_least(budgets, 2, "C", "(distinct compute values) to fit the envelope")
    # Sort by (budget, loss): the first point of each budget is its minimum.
    order = np.lexsort((L, inverse))
    first = np.r_[0, np.flatnonzero(np.diff(inverse[order])) + 1]
    index = order[first]
    loss = L[index]
    loss_fit = fit_power_law(budgets, loss, ci=ci)
    n_opt = n_fit = None
    if N is not None:
        n_opt = N[index]
        if np.unique(n_opt).size < 2:
            raise ValueError(
                "N: a single model size wins at every compute value; widen the range of sizes "
                "or of compute so the frontier moves between sizes"
            )
        n_fit = fit_power_law(budgets, n_opt, ci=ci)
    return Envelope(C=budgets, loss=loss, index=index, loss_fit=loss_fit, n_opt=n_opt, n_fit=n_fit)


@dataclass(frozen=True, eq=False)
class IsoFlopFit:
    """Approach 2: a parabola per IsoFLOP budget, then N* = k C^a.

    Attributes
    ----------
    a : float
        Exponent of N* ∝ C^a.
    a_ci : tuple of float
        Confidence interval on ``a`` from the log-log regression of N* on C
        (``(-inf, inf)`` with only two budgets).
    k : float
        Prefactor of N* = k C^a (parameters per FLOP^a).
    budgets : ndarray
        The budgets used (FLOP), ascending.
    n_opt : ndarray
        N* at each used budget: the vertex of the parabola of L in ln N.
    loss_opt : ndarray
        The parabola's minimum loss at each used budget (nats/token).
    coef : ndarray, shape (n_budgets, 3)
        Parabola coefficients (c0, c1, c2) of L = c0 + c1 ln N + c2 (ln N)^2 per used budget.
    dropped : tuple of (float, str)
        Budgets left out and why.
    power_law : PowerLawFit
        The fit of ``n_opt`` against ``budgets``.
    """

    a: float
    a_ci: tuple[float, float]
    k: float
    budgets: NDArray[np.float64]
    n_opt: NDArray[np.float64]
    loss_opt: NDArray[np.float64]
    coef: NDArray[np.float64]
    dropped: tuple[tuple[float, str], ...]
    power_law: PowerLawFit

    def parabola(self, i: int, N: ArrayLike) -> NDArray[np.float64]:
        """The fitted loss of budget ``budgets[i]`` at model sizes ``N``."""
        x = np.log(as_positive_array(N, "N"))
        c0, c1, c2 = self.coef[i]
        return c0 + c1 * x + c2 * x**2


def fit_isoflop(
    C: ArrayLike,
    N: ArrayLike,
    L: ArrayLike,
    *,
    ci: float = 0.95,
    window: float | None = None,
) -> IsoFlopFit:
    """Approach 2 of Hoffmann et al. (2022, Sec. 3.2): IsoFLOP profiles.

    For each budget, fit L = c0 + c1 ln N + c2 (ln N)^2 and take N* = exp(-c1 / (2 c2)); then
    fit N* = k C^a across budgets. A budget is dropped, with its reason in ``.dropped``, when it
    has fewer than 3 runs, when its lowest loss sits at the smallest or largest size (the
    minimum is not bracketed), or when its parabola does not open upwards.

    Parameters
    ----------
    C : array_like
        Budget of each run (FLOP); runs of one budget share exactly the same value.
    N : array_like
        Model size of each run (parameters), > 0.
    L : array_like
        Final loss of each run (nats/token), > 0.
    ci : float
        Coverage of the interval on ``a``.
    window : float, optional
        If given, fit each parabola only to the runs within ``window`` (in ln N) of the run
        with the lowest loss: far from the minimum an IsoFLOP curve is not a parabola.

    Returns
    -------
    IsoFlopFit

    Raises
    ------
    ValueError
        On non-positive, NaN or mismatched inputs, or when fewer than 2 budgets are usable.
    """
    C = as_positive_array(C, "C").ravel()
    N = as_positive_array(N, "N").ravel()
    L = as_positive_array(L, "L").ravel()
    same_shape(C=C, N=N, L=L)
    ci = _check_ci(ci)
    if window is not None:
        window = float(window)
        if not window > 0:
            raise ValueError(f"window must be a positive width in ln N (e.g. 1.5); got {window!r}")
    used, n_opt, loss_opt, coefs, dropped = [], [], [], [], []
    for budget in np.unique(C):
        sel = C == budget
        x, y = np.log(N[sel]), L[sel]
        order = np.argsort(x)
        x, y = x[order], y[order]
        if window is not None:
            near = np.abs(x - x[np.argmin(y)]) <= window
            x, y = x[near], y[near]
        if x.size < 3:
            dropped.append((float(budget), f"only {x.size} runs; a parabola needs at least 3"))
            continue
        i_min = int(np.argmin(y))
        if i_min == 0 or i_min == x.size - 1:
            side = "smallest" if i_min == 0 else "largest"
            dropped.append((float(budget), f"minimum not bracketed: lowest loss at the {side} model"))
            continue
        c2, c1, c0 = np.polyfit(x, y, 2)
        if c2 <= 0:
            dropped.append((float(budget), "parabola opens downwards (no minimum)"))
            continue
        x_star = -c1 / (2 * c2)
        used.append(float(budget))
        n_opt.append(float(np.exp(x_star)))
        loss_opt.append(float(c0 + c1 * x_star + c2 * x_star**2))
        coefs.append((c0, c1, c2))
    if len(used) < 2:
        reasons = "; ".join(f"{b:.3g}: {r}" for b, r in dropped)
        raise ValueError(
            f"C: need at least 2 usable budgets with >= 3 runs and a bracketed minimum; "
            f"got {len(used)} ({reasons})"
        )
    budgets = np.array(used)
    n_opt_arr = np.array(n_opt)
    law = fit_power_law(budgets, n_opt_arr, ci=ci)
    return IsoFlopFit(
        a=law.p,
        a_ci=law.p_ci,
        k=law.k,
        budgets=budgets,
        n_opt=n_opt_arr,
        loss_opt=np.array(loss_opt),
        coef=np.array(coefs),
        dropped=tuple(dropped),
        power_law=law,
    )


# --- Porian et al. (2024): Akima-interpolated IsoFLOP minima, bootstrapped over seed noise ----


def fit_weighted_power_law(
    x: ArrayLike, y: ArrayLike, log_std: ArrayLike, *, ci: float = 0.95
) -> PowerLawFit:
    """Fit y = k x^p by weighted least squares on (ln x, ln y), each point weighted 1/σ².

    The last step of Porian et al.'s estimator (Porian, Wortsman, Jitsev, Schmidt & Carmon 2024,
    "Resolving Discrepancies in Compute-Optimal Scaling of Language Models", NeurIPS 2024,
    arXiv:2406.19146; as their repository ``formll/resolving-scaling-law-discrepancies`` does it
    in ``analysis.power_law_fit`` with ``weighted=True``): the straight line
    ln y = ln k + p ln x through the points, budget i weighted by ``1 / log_std[i]**2`` so that
    budgets whose optimum is poorly determined pull less.

    Parameters
    ----------
    x, y : array_like
        Positive, finite, same shape, at least 2 points (3 for a finite interval), at least two
        distinct x values. For Porian et al. x is the budget C (FLOP) and y the optimal size
        N* (parameters).
    log_std : array_like
        Standard deviation of ln y at each point (dimensionless, > 0), same shape as ``x``.
    ci : float
        Coverage of the interval on ``p``.

    Returns
    -------
    PowerLawFit
        ``p`` and ``k`` from the weighted fit. ``p_ci`` is the usual weighted-least-squares
        interval with the scale estimated from the weighted residuals (Student t, n - 2 degrees
        of freedom); ``log_residual_std`` is the unweighted standard deviation of the residuals
        of ln y (n - 2 degrees of freedom).

    Raises
    ------
    ValueError
        If an input is NaN, infinite or non-positive, the lengths differ, there are fewer than
        2 points, or all x are equal.
    """
    x = as_positive_array(x, "x").ravel()
    y = as_positive_array(y, "y").ravel()
    s = as_positive_array(log_std, "log_std").ravel()
    same_shape(x=x, y=y, log_std=s)
    at_least(x, 2, "x", "to fit a power law")
    ci = _check_ci(ci)
    w = 1.0 / s**2
    lx, ly = np.log(x), np.log(y)
    mx, my = np.sum(w * lx) / w.sum(), np.sum(w * ly) / w.sum()
    sxx = np.sum(w * (lx - mx) ** 2)
    if sxx <= 0.0:
        raise ValueError("x must hold at least two distinct values to fit an exponent")
    p = float(np.sum(w * (lx - mx) * (ly - my)) / sxx)
    log_k = float(my - p * mx)
    n = x.size
    if n > 2:
        resid = ly - (log_k + p * lx)
        scale = float(np.sqrt(np.sum(w * resid**2) / (n - 2)))
        half = float(stats.t.ppf(0.5 + ci / 2, n - 2) * scale / np.sqrt(sxx))
        p_ci = (p - half, p + half)
        resid_std = float(np.sqrt(np.sum(resid**2) / (n - 2)))
    else:
        p_ci, resid_std = (-np.inf, np.inf), 0.0
    return PowerLawFit(k=float(np.exp(log_k)), p=p, p_ci=p_ci, n=n,
                       log_residual_std=resid_std, ci=ci)


@dataclass(frozen=True, eq=False)
class AkimaIsoFlopFit:
    """Porian et al.'s IsoFLOP estimator: Akima minima, a seed-noise bootstrap, a weighted fit.

    Attributes
    ----------
    a : float
        Exponent of N* ∝ C^a from the weighted fit of ``n_opt`` on ``budgets``.
    a_ci : tuple of float
        Weighted-least-squares interval on ``a`` (see :func:`fit_weighted_power_law`).
    k : float
        Prefactor of N* = k C^a (parameters per FLOP^a).
    budgets : ndarray
        The budgets used (FLOP), ascending.
    n_opt : ndarray
        N* at each used budget (parameters): the median of the bootstrap minima. These are the
        points of the power-law fit, as in Porian et al.
    n_opt_point : ndarray
        The minimum of the Akima curve through the measured losses, without noise (parameters);
        it can sit at the smallest or largest size when most bootstrap minima do not.
    loss_opt : ndarray
        The loss at ``n_opt_point`` on that curve (nats/token).
    n_star_log_std : ndarray
        Spread of ln N* over the bootstrap, floored and inflated as Porian et al. do
        (dimensionless); the fit weights budget i by ``1 / n_star_log_std[i]**2``.
    valid_fraction : ndarray
        Share of the bootstrap draws whose minimum fell strictly inside the sizes trained.
    dropped : tuple of (float, str)
        Budgets left out and why.
    power_law : PowerLawFit
        The weighted fit of ``n_opt`` against ``budgets``.
    seed_noise : float
        Standard deviation of the noise added to each loss (nats/token).
    n_boot : int
        Number of bootstrap draws per budget.
    curves : tuple of scipy.interpolate.Akima1DInterpolator
        Per used budget, the interpolant of ln L against ln N through the measured losses.
    """

    a: float
    a_ci: tuple[float, float]
    k: float
    budgets: NDArray[np.float64]
    n_opt: NDArray[np.float64]
    n_opt_point: NDArray[np.float64]
    loss_opt: NDArray[np.float64]
    n_star_log_std: NDArray[np.float64]
    valid_fraction: NDArray[np.float64]
    dropped: tuple[tuple[float, str], ...]
    power_law: PowerLawFit
    seed_noise: float
    n_boot: int
    curves: tuple[Akima1DInterpolator, ...]

    def curve(self, i: int, N: ArrayLike) -> NDArray[np.float64]:
        """The Akima-interpolated loss (nats/token) of budget ``budgets[i]`` at sizes ``N``.

        NaN outside the sizes trained at that budget (the interpolant does not extrapolate).
        """
        return np.exp(self.curves[i](np.log(as_positive_array(N, "N")), extrapolate=False))


def fit_isoflop_akima(
    C: ArrayLike,
    N: ArrayLike,
    L: ArrayLike,
    *,
    seed_noise: float,
    n_boot: int = 1000,
    grid_per_interval: int = 25,
    min_std_factor: float = 0.33,
    seed: int | None = 0,
    ci: float = 0.95,
) -> AkimaIsoFlopFit:
    """Porian et al.'s (2024) estimator of N* ∝ C^a from IsoFLOP profiles.

    Porian, Wortsman, Jitsev, Schmidt & Carmon, "Resolving Discrepancies in Compute-Optimal
    Scaling of Language Models" (NeurIPS 2024, arXiv:2406.19146), the estimator behind their
    Table 1. The steps and constants below follow their released code (repository
    ``formll/resolving-scaling-law-discrepancies``, ``analysis.py``: ``interpolation``,
    ``vectorized_interp_with_seed_noise``, ``power_law_fit``); this is our implementation, not a
    copy. For each budget:

    1. Interpolate ln L against ln N through the sizes trained with SciPy's
       :class:`~scipy.interpolate.Akima1DInterpolator`, evaluate it on a geometric grid of
       ``(k - 1) * grid_per_interval`` sizes from the smallest to the largest of the k sizes, and
       take the grid point of lowest loss (``n_opt_point``, reported, not fitted).
    2. Bootstrap over seed noise: ``n_boot`` times, add independent Gaussian noise of standard
       deviation ``seed_noise`` to every loss, interpolate again and take the minimum. Draws whose
       minimum is at an end of the grid (not bracketed) are discarded; if more than half are,
       the budget is dropped. N* is the median of the remaining minima. As in their code, this
       test alone decides whether a budget is used, not where the noise-free minimum lies.
    3. The uncertainty of ln N* is the standard deviation of their logarithms, floored at
       ``min_std_factor * grid_per_interval`` grid steps (about ``min_std_factor`` times the mean
       spacing of the sizes in ln N), then multiplied by ``n_boot / (valid draws)``.

    Finally N* = k C^a is fitted by weighted least squares in log space with weights
    1 / std² (:func:`fit_weighted_power_law`).

    Parameters
    ----------
    C : array_like
        Budget of each point (FLOP); the points of one budget share exactly the same value.
    N : array_like
        Model size of each point (parameters, as the study counts them), > 0; each size at most
        once per budget (take the lowest loss over a size's runs first, as Porian et al. do).
    L : array_like
        Loss of each point (nats/token), > 0.
    seed_noise : float
        Standard deviation of the seed-to-seed noise added to each loss (nats/token), >= 0.
        Porian et al.'s code evaluates to 0.002 on RefinedWeb and 0.01 on OpenWebText2 (see
        :data:`nsl_utils.porian.SEED_NOISE`); 0 makes every draw equal to the noise-free curve.
    n_boot : int
        Bootstrap draws per budget (Porian et al.: 1,000).
    grid_per_interval : int
        Grid points per interval between trained sizes (Porian et al.: 25).
    min_std_factor : float
        Floor of the spread of ln N*, in units of ``grid_per_interval`` grid steps (Porian et
        al.: 0.33), >= 0.
    seed : int or None
        Seed of the noise (NumPy's ``default_rng``); budgets draw in ascending order.
    ci : float
        Coverage of the interval on ``a``.

    Returns
    -------
    AkimaIsoFlopFit

    Raises
    ------
    ValueError
        On NaN, infinite or non-positive inputs, mismatched lengths, a size repeated within a
        budget, a negative ``seed_noise`` or ``min_std_factor``, noise large enough to make a loss
        non-positive, or fewer than 2 usable budgets (each needs at least 3 sizes and at least
        half of its bootstrap minima bracketed).

    Notes
    -----
    Not reproduced: Porian et al. also bootstrap the optimal token count and drop a budget when
    that bootstrap fails; this function does not (on their released points it keeps the same
    budgets as they do, which ``tests/test_porian.py`` checks). Their noise comes from NumPy's
    legacy global generator, so no ``seed`` reproduces their draws: medians and exponents agree
    with theirs only to within the bootstrap's own scatter.
    """
    C = as_positive_array(C, "C").ravel()
    N = as_positive_array(N, "N").ravel()
    L = as_positive_array(L, "L").ravel()
    same_shape(C=C, N=N, L=L)
    seed_noise = float(seed_noise)
    if not (np.isfinite(seed_noise) and seed_noise >= 0):
        raise ValueError(f"seed_noise must be a finite standard deviation >= 0 (nats/token), "
                         f"e.g. 0.002; got {seed_noise!r}")
    n_boot = positive_int(n_boot, "n_boot")
    grid_per_interval = positive_int(grid_per_interval, "grid_per_interval")
    min_std_factor = float(min_std_factor)
    if not (np.isfinite(min_std_factor) and min_std_factor >= 0):
        raise ValueError(f"min_std_factor must be a finite number >= 0 (Porian et al.: 0.33); "
                         f"got {min_std_factor!r}")
    ci = _check_ci(ci)
    rng = np.random.default_rng(seed)
    used, n_med, n_point, l_point, log_std, valid, curves, dropped = ([] for _ in range(8))
    for budget in np.unique(C):
        sel = C == budget
        order = np.argsort(N[sel])
        x, y = np.log(N[sel][order]), L[sel][order]
        if np.any(np.diff(x) == 0):
            raise ValueError(f"N: a size appears twice at budget C = {budget:.4g}; keep one loss "
                             f"per size (e.g. the lowest over its runs) before fitting")
        k = x.size
        if k < 3:
            dropped.append((float(budget), f"only {k} sizes; a bracketed minimum needs at least 3"))
            continue
        grid = np.linspace(x[0], x[-1], (k - 1) * grid_per_interval)
        curve = Akima1DInterpolator(x, np.log(y))
        i0 = int(np.argmin(curve(grid)))
        noisy = y[:, None] + seed_noise * rng.standard_normal((k, n_boot))
        if np.any(noisy <= 0):
            raise ValueError(f"seed_noise: {seed_noise!r} made a loss non-positive at budget "
                             f"C = {budget:.4g}; use a noise well below the losses")
        idx = np.argmin(Akima1DInterpolator(x, np.log(noisy), axis=0)(grid), axis=0)
        inside = (idx != 0) & (idx != grid.size - 1)
        n_inside = int(inside.sum())
        if n_inside < n_boot // 2:
            dropped.append((float(budget), f"only {n_inside} of {n_boot} bootstrap minima inside "
                                           f"the sizes trained (fewer than half)"))
            continue
        stars = grid[idx[inside]]
        floor = min_std_factor * grid_per_interval * (grid[1] - grid[0])
        used.append(float(budget))
        n_med.append(float(np.median(np.exp(stars))))
        n_point.append(float(np.exp(grid[i0])))
        l_point.append(float(np.exp(curve(grid[i0]))))
        log_std.append(max(float(np.std(stars)), floor) * n_boot / n_inside)
        valid.append(n_inside / n_boot)
        curves.append(curve)
    if len(used) < 2:
        reasons = "; ".join(f"{b:.3g}: {r}" for b, r in dropped)
        raise ValueError(
            f"C: need at least 2 usable budgets, each with >= 3 sizes and at least half its "
            f"bootstrap minima bracketed; got {len(used)} ({reasons})"
        )
    law = fit_weighted_power_law(used, n_med, log_std, ci=ci)
    return AkimaIsoFlopFit(
        a=law.p,
        a_ci=law.p_ci,
        k=law.k,
        budgets=np.array(used),
        n_opt=np.array(n_med),
        n_opt_point=np.array(n_point),
        loss_opt=np.array(l_point),
        n_star_log_std=np.array(log_std),
        valid_fraction=np.array(valid),
        dropped=tuple(dropped),
        power_law=law,
        seed_noise=seed_noise,
        n_boot=n_boot,
        curves=tuple(curves),
    )


# --- Approach 3: the parametric fit of Hoffmann et al. (2022), Appendix D.2 -----------------

#: Order of the raw parameters θ used by the optimiser: A = e^a, B = e^b, E = e^e.
THETA_NAMES = ("a", "b", "e", "alpha", "beta")


def hoffmann_grid() -> NDArray[np.float64]:
    """The 4,500 starting points of Hoffmann et al. (2022), Appendix D.2, as rows of θ.

    α, β ∈ {0, 0.5, ..., 2}; e ∈ {-1, -0.5, ..., 1}; a, b ∈ {0, 5, ..., 25}.

    Returns
    -------
    ndarray, shape (4500, 5)
        Columns in the order of :data:`THETA_NAMES`: a, b, e, α, β.
    """
    exps = np.arange(0.0, 2.5, 0.5)
    e = np.arange(-1.0, 1.5, 0.5)
    ab = np.arange(0.0, 30.0, 5.0)
    alpha, beta, ee, a, b = np.meshgrid(exps, exps, e, ab, ab, indexing="ij")
    return np.stack([a, b, ee, alpha, beta], axis=-1).reshape(-1, 5)


_BLOCK = 256


def _huber_lse(
    theta: NDArray[np.float64],
    logN: NDArray[np.float64],
    logD: NDArray[np.float64],
    logL: NDArray[np.float64],
    delta: float,
    weights: NDArray[np.float64] | None,
    scale: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Objective and analytic gradient for a batch of θ (rows), Hoffmann et al. Eq. (D.2).

    f(θ) = scale · Σ_i w_i Huber_δ(LSE(a - α ln N_i, b - β ln D_i, e) - ln L_i). The gradient of
    the LSE is the softmax of its three terms and Huber_δ' clips the residual to [-δ, δ].
    ``weights`` (one row per θ, or None for all ones) are bootstrap counts.
    """
    if theta.shape[0] > _BLOCK:
        # Blocks that stay in cache are several times faster than one huge array.
        parts = [
            _huber_lse(theta[i : i + _BLOCK], logN, logD, logL, delta,
                       None if weights is None else weights[i : i + _BLOCK], scale)
            for i in range(0, theta.shape[0], _BLOCK)
        ]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    a, b, e, alpha, beta = (theta[:, j : j + 1] for j in range(5))
    # LSE relative to e: two exponentials instead of three. exp overflows only if a term
    # exceeds e by more than ~700 nats, far outside any sensible fit; fall back if it does.
    # In-place operations: this function is the whole cost of a fit.
    pu = alpha * logN
    np.subtract(a - e, pu, out=pu)
    pv = beta * logD
    np.subtract(b - e, pv, out=pv)
    if max(pu.max(), pv.max()) > 700.0:
        m = np.maximum(np.maximum(pu, pv), 0.0)
        pu, pv, pe = np.exp(pu - m), np.exp(pv - m), np.exp(-m)
        s = pu + pv + pe
        r = m + np.log(s)
    else:
        np.exp(pu, out=pu)
        np.exp(pv, out=pv)
        s = pu + pv
        s += 1.0
        pe = None
        r = np.log(s)
    r += e
    r -= logL
    # Huber_δ(r) = c (r - c/2) with c = clip(r, -δ, δ); and Huber_δ'(r) = c.
    c = np.clip(r, -delta, delta)
    h = r
    h -= 0.5 * c
    h *= c
    if weights is not None:
        h *= weights
        c *= weights
    q = np.divide(c, s, out=c)
    pu *= q
    pv *= q
    grad = np.empty_like(theta)
    grad[:, 0] = pu.sum(axis=1)
    grad[:, 1] = pv.sum(axis=1)
    grad[:, 2] = q.sum(axis=1) if pe is None else (q * pe).sum(axis=1)
    # einsum, not a BLAS matvec: a threaded BLAS is slower on these small blocks.
    grad[:, 3] = -np.einsum("ij,j->i", pu, logN)
    grad[:, 4] = -np.einsum("ij,j->i", pv, logD)
    return scale * h.sum(axis=1), scale * grad


def _two_loop(
    g: NDArray[np.float64], S: NDArray[np.float64], Y: NDArray[np.float64],
    rho: NDArray[np.float64], newest: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Batched L-BFGS two-loop recursion (Nocedal & Wright, Alg. 7.4): returns H g per row.

    ``S, Y, rho`` are circular buffers whose latest slot per row is ``newest``; empty slots
    have rho = 0 and so drop out of both loops.
    """
    m = S.shape[1]
    order = (newest[:, None] - np.arange(m)) % m  # newest first
    S = np.take_along_axis(S, order[:, :, None], axis=1)
    Y = np.take_along_axis(Y, order[:, :, None], axis=1)
    rho = np.take_along_axis(rho, order, axis=1)
    q = g.copy()
    alphas = np.empty((g.shape[0], m))
    for j in range(m):
        alphas[:, j] = rho[:, j] * np.einsum("ij,ij->i", S[:, j], q)
        q -= alphas[:, j, None] * Y[:, j]
    yy = np.einsum("ij,ij->i", Y[:, 0], Y[:, 0])
    sy = np.einsum("ij,ij->i", S[:, 0], Y[:, 0])
    gamma = np.where((yy > 0) & (sy > 0), sy / np.where(yy > 0, yy, 1.0), 1.0)
    r = gamma[:, None] * q
    for j in reversed(range(m)):
        beta = rho[:, j] * np.einsum("ij,ij->i", Y[:, j], r)
        r += (alphas[:, j] - beta)[:, None] * S[:, j]
    return r


def _lbfgs_batched(
    fun, x0: NDArray[np.float64], *, memory: int = 10, max_iter: int = 1000,
    ftol: float = 1e-13, gtol: float = 0.0, max_linesearch: int = 40,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Minimise ``fun`` from every row of ``x0`` at once with L-BFGS.

    ``fun(X, rows)`` returns (f, grad) for the rows ``X`` of the batch, whose indices in ``x0``
    are ``rows`` (so a row's own data, such as bootstrap weights, can follow it). The line
    search backtracks with quadratic interpolation under the Armijo condition (c1 = 1e-4);
    pairs with s·y <= 0 are not stored, which keeps the inverse-Hessian approximation positive
    definite. A row stops when
    its relative decrease (f_k - f_{k+1}) / |f_k| falls below ``ftol``, its largest gradient
    component below ``gtol``, or its line search fails (no decrease to be had in floating point).

    Returns
    -------
    x, f, n_iter : ndarray
        Final points, objectives and iteration counts, one per row.
    """
    x = np.array(x0, dtype=float, copy=True)
    n, d = x.shape
    f, g = fun(x, np.arange(n))
    S = np.zeros((n, memory, d))
    Y = np.zeros((n, memory, d))
    rho = np.zeros((n, memory))
    newest = np.full(n, -1)
    n_iter = np.zeros(n, dtype=np.int64)
    active = np.isfinite(f) & (np.abs(g).max(axis=1) > gtol)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        fa, ga = f[idx], g[idx]
        fresh = newest[idx] < 0
        direction = -_two_loop(ga, S[idx], Y[idx], rho[idx], np.maximum(newest[idx], 0))
        # With no curvature pairs yet, take a unit-length step along -g, as L-BFGS-B does.
        gnorm = np.linalg.norm(ga, axis=1)
        direction[fresh] = -ga[fresh] / np.maximum(gnorm[fresh, None], 1e-300)
        slope = np.einsum("ij,ij->i", ga, direction)
        uphill = slope >= 0
        direction[uphill] = -ga[uphill]
        slope[uphill] = -(gnorm[uphill] ** 2)
        step = np.ones(idx.size)
        x_new = np.empty((idx.size, d))
        f_new = np.full(idx.size, np.inf)
        g_new = np.empty((idx.size, d))
        todo = np.arange(idx.size)
        for _ls in range(max_linesearch):
            xt = x[idx[todo]] + step[todo, None] * direction[todo]
            ft, gt = fun(xt, idx[todo])
            ok = np.isfinite(ft) & (ft <= fa[todo] + 1e-4 * step[todo] * slope[todo])
            acc = todo[ok]
            x_new[acc], f_new[acc], g_new[acc] = xt[ok], ft[ok], gt[ok]
            todo_next = todo[~ok]
            if todo_next.size == 0:
                break
            t = step[todo_next]
            ft_bad = ft[~ok]
            denom = 2.0 * (ft_bad - fa[todo_next] - slope[todo_next] * t)
            # Minimiser of the quadratic through f(0), f'(0) and f(t), kept within [t/10, t/2].
            curved = np.isfinite(ft_bad) & (denom > 0)
            t_quad = np.where(curved, -slope[todo_next] * t * t / np.where(curved, denom, 1.0), 0.5 * t)
            step[todo_next] = np.clip(t_quad, 0.1 * t, 0.5 * t)
            todo = todo_next
        failed = ~np.isfinite(f_new)
        moved = idx[~failed]
        k = ~failed
        s = x_new[k] - x[moved]
        y = g_new[k] - g[moved]
        sy = np.einsum("ij,ij->i", s, y)
        good = sy > 1e-12 * np.einsum("ij,ij->i", s, s) * np.maximum(np.abs(y).max(axis=1), 1e-300)
        store = moved[good]
        slot = (newest[store] + 1) % memory
        S[store, slot], Y[store, slot], rho[store, slot] = s[good], y[good], 1.0 / sy[good]
        newest[store] += 1
        decrease = f[moved] - f_new[k]
        x[moved], f[moved], g[moved] = x_new[k], f_new[k], g_new[k]
        n_iter[moved] += 1
        done = np.zeros(idx.size, dtype=bool)
        done[failed] = True
        done[k] = (decrease <= ftol * np.abs(f[moved])) | (np.abs(g[moved]).max(axis=1) <= gtol)
        active[idx[done]] = False
    return x, f, n_iter


def _log_data(N: ArrayLike, D: ArrayLike, L: ArrayLike, min_points: int = 6):
    N = as_positive_array(N, "N").ravel()
    D = as_positive_array(D, "D").ravel()
    L = as_positive_array(L, "L").ravel()
    same_shape(N=N, D=D, L=L)
    at_least(N, min_points, "N", "to fit the five Chinchilla coefficients")
    return np.log(N), np.log(D), np.log(L)


def _check_delta(delta: float) -> float:
    delta = float(delta)
    if not (np.isfinite(delta) and delta > 0):
        raise ValueError(
            f"delta must be a positive Huber threshold (Hoffmann et al. use 1e-3); got {delta!r}"
        )
    return delta


def _reduce_scale(reduce: str, n: int) -> float:
    if reduce == "sum":
        return 1.0
    if reduce == "mean":
        return 1.0 / n
    raise ValueError(f"reduce must be 'sum' (Hoffmann et al.'s Eq. D.2) or 'mean'; got {reduce!r}")


def _theta_of(params: ChinchillaParams) -> NDArray[np.float64]:
    return np.array([np.log(params.A), np.log(params.B), np.log(params.E), params.alpha, params.beta])


def huber_objective(
    params: ChinchillaParams | ArrayLike,
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    *,
    delta: float = 1e-3,
    reduce: str = "sum",
) -> NDArray[np.float64] | float:
    """The objective of Hoffmann et al. (2022), Eq. (D.2), at given coefficients.

    Σ_i Huber_δ(LSE(a - α ln N_i, b - β ln D_i, e) - ln L_i), with A = e^a, B = e^b, E = e^e.

    Parameters
    ----------
    params : ChinchillaParams or array_like
        Coefficients, or θ = (a, b, e, α, β) as a row (or rows, shape (k, 5)).
    N, D, L : array_like
        Parameters, tokens and loss (nats/token) of each run.
    delta : float
        Huber threshold on the residual of ln L.
    reduce : {"sum", "mean"}
        Sum the Huber terms (Eq. D.2) or average them.

    Returns
    -------
    float or ndarray
        The objective (one value per row of θ if several).
    """
    logN, logD, logL = _log_data(N, D, L, min_points=1)
    delta = _check_delta(delta)
    scale = _reduce_scale(reduce, logN.size)
    if isinstance(params, ChinchillaParams):
        theta = _theta_of(params)[None]
    else:
        theta = as_finite_array(params, "params")
        if theta.shape[-1:] != (5,) or theta.ndim > 2:
            raise ValueError(
                f"params must be ChinchillaParams or θ rows of shape (k, 5); got {theta.shape}"
            )
    f, _ = _huber_lse(np.atleast_2d(theta), logN, logD, logL, delta, None, scale)
    return float(f[0]) if theta.ndim == 1 or isinstance(params, ChinchillaParams) else f


@dataclass(frozen=True, eq=False)
class ParametricFit:
    """Result of :func:`fit_parametric`: L(N, D) = E + A/N^α + B/D^β.

    Attributes
    ----------
    E, A, B, alpha, beta : float
        The coefficients at the best start.
    objective : float
        The objective (Eq. D.2, summed or averaged as asked) at the best start.
    n_starts : int
        Number of starts optimised.
    theta : ndarray
        The optimum as θ = (a, b, e, α, β).
    starts : ndarray, shape (n_starts, 5)
        The starting points.
    final_objectives : ndarray
        The objective each start ended at.
    n_iter : ndarray of int
        Iterations each start took.
    optimizer : str
        "batched" (this module's L-BFGS) or "scipy" (a loop of scipy's L-BFGS-B).
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    n_starts: int
    theta: NDArray[np.float64]
    starts: NDArray[np.float64]
    final_objectives: NDArray[np.float64]
    n_iter: NDArray[np.int64]
    optimizer: str

    @property
    def a(self) -> float:
        """Exponent of N_opt ∝ C^a: β / (α + β) (Hoffmann et al. 2022, Eq. 4)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def params(self) -> ChinchillaParams:
        """The coefficients as :class:`~nsl_utils.laws.ChinchillaParams` (raises if α or β <= 0)."""
        return ChinchillaParams(
            E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
            source=f"fit_parametric ({self.optimizer}, {self.n_starts} starts)",
        )


def _starts(init: str | ChinchillaParams | ArrayLike) -> NDArray[np.float64]:
    if isinstance(init, str):
        if init != "hoffmann":
            raise ValueError(
                f"init must be 'hoffmann', ChinchillaParams or θ rows (k, 5); got {init!r}"
            )
        return hoffmann_grid()
    if isinstance(init, ChinchillaParams):
        return _theta_of(init)[None]
    starts = np.atleast_2d(as_finite_array(init, "init"))
    if starts.ndim != 2 or starts.shape[1] != 5:
        raise ValueError(
            f"init must hold θ = (a, b, e, α, β) rows, shape (k, 5); got {starts.shape}"
        )
    return starts


def _scipy_loop(fun, starts: NDArray[np.float64], jac: bool):
    """One scipy L-BFGS-B run per start at scipy's default tolerances."""
    from scipy.optimize import minimize

    def f_and_g(t):
        f, g = fun(t[None])
        return float(f[0]), g[0]

    def f_only(t):
        return float(fun(t[None])[0][0])

    x = np.empty_like(starts)
    f = np.empty(starts.shape[0])
    nit = np.empty(starts.shape[0], dtype=np.int64)
    for i, x0 in enumerate(starts):
        res = minimize(f_and_g if jac else f_only, x0, jac=jac or None, method="L-BFGS-B")
        x[i], f[i], nit[i] = res.x, res.fun, res.nit
    return x, f, nit


def fit_parametric(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    delta: float = 1e-3,
    init: str | ChinchillaParams | ArrayLike = "hoffmann",
    *,
    reduce: str = "sum",
    optimizer: str = "batched",
    n_polish: int = 64,
    search_tol: float = 1e-5,
) -> ParametricFit:
    """Chinchilla's Approach 3 as Hoffmann et al. (2022), Appendix D.2 describe it.

    Minimise over θ = (a, b, e, α, β)

    .. math::
        \\sum_i \\mathrm{Huber}_\\delta\\big(\\mathrm{LSE}(a - \\alpha \\log N_i,
        b - \\beta \\log D_i, e) - \\log L_i\\big)

    with L-BFGS from each start, and keep the best; then A = e^a, B = e^b, E = e^e.

    The default optimiser runs every start at once: a batched L-BFGS on analytic gradients.
    It runs each start until its relative decrease per step falls below ``search_tol`` (1e-5:
    looser than scipy's default near this problem's optimum, which is about 2e-6 there, so
    many starts stop short of the bottom of their valley), then polishes the ``n_polish``
    best to a relative decrease of 1e-13, resolving the optimum far below any difference that
    matters. ``final_objectives`` of unpolished starts are therefore upper bounds.
    ``optimizer="scipy"`` instead loops over the starts with
    ``scipy.optimize.minimize(method="L-BFGS-B")`` at scipy's default tolerances (analytic
    gradient): slow, but the reference the batched one is checked against, and the way to see
    what default tolerances do to an averaged objective (``reduce="mean"``).

    Parameters
    ----------
    N : array_like
        Parameters of each run (Hoffmann et al. count all parameters), > 0.
    D : array_like
        Training tokens of each run, > 0.
    L : array_like
        Final loss of each run (nats/token), > 0.
    delta : float
        Huber threshold on the residual of ln L; 1e-3 in Hoffmann et al.
    init : "hoffmann", ChinchillaParams or array_like (k, 5)
        "hoffmann" is their grid of 4,500 starts (:func:`hoffmann_grid`).
    reduce : {"sum", "mean"}
        Sum the Huber terms as Eq. (D.2) writes, or average them.
    optimizer : {"batched", "scipy"}
        See above.
    n_polish : int
        How many of the best starts the batched optimiser polishes.
    search_tol : float
        Relative decrease per step below which the batched optimiser stops a start before
        polishing.

    Returns
    -------
    ParametricFit
    """
    logN, logD, logL = _log_data(N, D, L)
    delta = _check_delta(delta)
    scale = _reduce_scale(reduce, logN.size)
    starts = _starts(init)
    n_polish = positive_int(n_polish, "n_polish")
    search_tol = float(search_tol)
    if not 0.0 < search_tol < 1.0:
        raise ValueError(
            f"search_tol must be a relative tolerance in (0, 1), e.g. 1e-5; got {search_tol!r}"
        )

    def fun(theta, rows=None):
        return _huber_lse(theta, logN, logD, logL, delta, None, scale)

    if optimizer == "batched":
        x, f, nit = _lbfgs_batched(fun, starts, ftol=search_tol)
        top = np.argsort(f)[:n_polish]
        x_top, f_top, nit_top = _lbfgs_batched(fun, x[top], ftol=1e-13)
        better = f_top < f[top]
        x[top[better]], f[top[better]] = x_top[better], f_top[better]
        nit[top] += nit_top
    elif optimizer == "scipy":
        x, f, nit = _scipy_loop(fun, starts, jac=True)
    else:
        raise ValueError(f"optimizer must be 'batched' or 'scipy'; got {optimizer!r}")
    if not np.any(np.isfinite(f)):
        raise ValueError("N, D, L: no start reached a finite objective; check the data's units")
    best = int(np.nanargmin(np.where(np.isfinite(f), f, np.nan)))
    a, b, e, alpha, beta = x[best]
    return ParametricFit(
        E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)), alpha=float(alpha),
        beta=float(beta), objective=float(f[best]), n_starts=starts.shape[0], theta=x[best].copy(),
        starts=starts, final_objectives=f, n_iter=nit, optimizer=optimizer,
    )


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Percentile bootstrap of the Approach-3 fit.

    Attributes
    ----------
    fit : ParametricFit
        The fit to all the data.
    samples : dict of str to ndarray
        Per resample: "E", "A", "B", "alpha", "beta" and "a" = β/(α+β).
    intervals : dict of str to (float, float)
        Percentile interval of each, with coverage ``ci``.
    ci : float
        Coverage of the intervals.
    n_boot : int
        Number of resamples.
    """

    fit: ParametricFit
    samples: dict[str, NDArray[np.float64]]
    intervals: dict[str, tuple[float, float]]
    ci: float
    n_boot: int


def bootstrap_parametric(
    N: ArrayLike,
    D: ArrayLike,
    L: ArrayLike,
    n_boot: int = 200,
    seed: int = 0,
    *,
    ci: float = 0.95,
    delta: float = 1e-3,
    fit: ParametricFit | None = None,
) -> BootstrapResult:
    """Percentile intervals for E, A, B, α, β and a = β/(α+β) by resampling runs (Efron 1993).

    Each resample draws the runs with replacement (as multiplicity weights on the Huber terms)
    and is refitted from the full-data optimum ``fit``; all resamples are optimised together.
    Besiroglu et al. (2024) start each resample elsewhere: from Hoffmann et al.'s (2022)
    published parameters (the unrounded values, in log form), one BFGS run per resample (their
    repository epoch-research/analyzing-chinchilla, ``data_analysis.ipynb``). A resample's
    optimum does not depend on where its search starts once the search converges; on the
    digitised Chinchilla data the two procedures' 95% intervals for α and β agree to about 0.01
    at each end (``book/fitting_chinchilla.ipynb`` asserts it).

    Parameters
    ----------
    N, D, L : array_like
        As for :func:`fit_parametric`.
    n_boot : int
        Number of resamples (Besiroglu et al. use 4,000).
    seed : int
        Seed of the resampling.
    ci : float
        Coverage of the percentile intervals.
    delta : float
        Huber threshold.
    fit : ParametricFit, optional
        A full-data fit to reuse (else :func:`fit_parametric` is run on the grid).

    Returns
    -------
    BootstrapResult
    """
    logN, logD, logL = _log_data(N, D, L)
    n_boot = positive_int(n_boot, "n_boot")
    ci = _check_ci(ci)
    delta = _check_delta(delta)
    if fit is None:
        fit = fit_parametric(N, D, L, delta=delta)
    rng = np.random.default_rng(seed)
    n = logN.size
    # Resampling n runs with replacement = a multiplicity (0, 1, 2, ...) for each run.
    weights = np.stack(
        [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(n_boot)]
    ).astype(float)

    def fun(theta, rows):
        return _huber_lse(theta, logN, logD, logL, delta, weights[rows], 1.0)

    fitted, _, _ = _lbfgs_batched(fun, np.tile(fit.theta, (n_boot, 1)), ftol=1e-10)
    samples = {
        "E": np.exp(fitted[:, 2]), "A": np.exp(fitted[:, 0]), "B": np.exp(fitted[:, 1]),
        "alpha": fitted[:, 3], "beta": fitted[:, 4],
    }
    samples["a"] = samples["beta"] / (samples["alpha"] + samples["beta"])
    q = (100 * (1 - ci) / 2, 100 * (1 + ci) / 2)
    intervals = {k: tuple(float(v) for v in np.percentile(s, q)) for k, s in samples.items()}
    return BootstrapResult(fit=fit, samples=samples, intervals=intervals, ci=ci, n_boot=n_boot)
