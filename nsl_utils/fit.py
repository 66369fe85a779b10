"""Fitting scaling laws: Chinchilla's three approaches (Hoffmann et al. 2022, Sec. 3).

- :func:`fit_power_law`: y = k x^p by least squares in log space, with an interval on p.
- :func:`envelope`: Approach 1, the lowest loss reached at each compute and its power law.
- :func:`fit_isoflop`: Approach 2, a parabola per IsoFLOP budget, then N* = k C^a.

Losses are in nats per token, N in parameters, C in FLOP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from nsl_utils._validation import as_finite_array, as_positive_array, at_least, same_shape

__all__ = [
    "PowerLawFit",
    "fit_power_law",
    "Envelope",
    "envelope",
    "IsoFlopFit",
    "fit_isoflop",
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
