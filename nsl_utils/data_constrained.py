"""Data-constrained scaling: the law of Muennighoff et al. (2023) for repeated data and excess parameters.

Muennighoff et al. (2023), "Scaling Data-Constrained Language Models" (NeurIPS 2023,
arXiv:2305.16264; equation numbers are those of arXiv v4), generalise the Chinchilla law
L = E + A/N^α + B/D^β to training on a limited budget of unique data. Of D tokens read, U_D are
unique and the rest repeat them R_D = D/U_D - 1 times; a repeated token is worth less than a fresh
one, and a model much larger than the unique data warrants gains less from its extra parameters.
Both become *effective* counts (their Eqs. 5 and 6):

.. math::
    D' = U_D + U_D R^*_D \\left(1 - e^{-R_D / R^*_D}\\right), \\qquad
    N' = U_N + U_N R^*_N \\left(1 - e^{-R_N / R^*_N}\\right),

where U_N = min(N_opt(U_D), N) is the compute-optimal size for the unique data (Eq. 15) and
R_N = N/U_N - 1; the loss is L = E + A/N'^α + B/D'^β (Eq. 14). R*_D and R*_N are the numbers of
repetitions (of the data, and of the unique-data model) after which the value of one more decays
by 1/e: their fit gives R*_D = 15.4 and R*_N = 5.3 (App. A), on top of a Chinchilla law they fitted
to Hoffmann et al.'s C4 runs with α = β (App. B, Eq. 20).

Units: parameters N (total, N_T) and tokens D, U as plain counts; compute C = 6 N D in FLOP;
losses in nats per token (C4 validation loss, GPT-2 tokenizer, for their constants); epochs are
D / U, so R_D = epochs - 1.

Constants
---------
MUENNIGHOFF_2023_C4
    Their Chinchilla-form fit on C4 (App. B): a = 6.255414, b = 7.3049974, e = 0.6254804,
    α = β = 0.3526596, i.e. A = 520.8, B = 1487.7, E = 1.869 (printed 521, 1488, 1.87, 0.353).
MUENNIGHOFF_2023
    That fit with R*_D = 15.387756 and R*_N = 5.309743 (App. A, Eq. 14; printed 15.4 and 5.3 in
    Eq. 17), as in their repository's README (huggingface/datablations, "Parametric Fit").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize_scalar

from nsl_utils._validation import as_finite_array, broadcastable, same_shape
from nsl_utils.laws import ChinchillaParams, compute_optimal

__all__ = [
    "DataConstrainedParams",
    "MUENNIGHOFF_2023_C4",
    "MUENNIGHOFF_2023",
    "effective_data",
    "effective_epochs",
    "repeated_token_value",
    "unique_params",
    "effective_params",
    "data_constrained_loss",
    "Allocation",
    "optimal_allocation",
    "FreshDataFit",
    "fit_fresh_data",
    "RStarFit",
    "fit_r_d_star",
    "apparent_r_d_star",
]


def _positive(value: ArrayLike, name: str, what: str, fix: str) -> NDArray[np.float64]:
    """``value`` as a float array, raising a ``ValueError`` that names ``name`` unless all > 0."""
    arr = as_finite_array(value, name)
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value ({what})")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive ({what}); got a minimum of {float(arr.min()):g}: {fix}")
    return arr


def _tokens(value: ArrayLike, name: str = "tokens") -> NDArray[np.float64]:
    return _positive(value, name, "tokens read in training, D > 0",
                     "pass the number of tokens processed, e.g. 178e9")


def _unique(value: ArrayLike, name: str = "unique_tokens") -> NDArray[np.float64]:
    return _positive(value, name, "the unique-token budget U_D > 0",
                     "pass the number of distinct tokens available, e.g. 25e9")


def _epochs(value: ArrayLike) -> NDArray[np.float64]:
    return _positive(value, "epochs", "passes over the unique data, D / U_D > 0",
                     "pass tokens read divided by unique tokens, e.g. 4 for four epochs")


def _r_star(value: float, name: str) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number > 0 (or math.inf for no decay); got {value!r}") from None
    if not r > 0 or math.isnan(r):
        raise ValueError(f"{name} must be > 0 (repetitions over which value decays by 1/e), or math.inf "
                         f"for no decay; got {value!r}")
    return r


@dataclass(frozen=True)
class DataConstrainedParams:
    """Constants of the data-constrained law (Muennighoff et al. 2023, Eq. 14).

    Parameters
    ----------
    base : ChinchillaParams
        The single-epoch law E + A/N^α + B/D^β the effective counts are put into.
    r_d_star : float
        R*_D: repetitions of the data after which a repeated token's value has decayed by 1/e
        (``math.inf``: repeated tokens are worth fresh ones).
    r_n_star : float
        R*_N: the same for parameters beyond the unique data's compute-optimal size.
    source : str
        Where the numbers come from.
    """

    base: ChinchillaParams
    r_d_star: float
    r_n_star: float
    source: str = ""

    def __post_init__(self) -> None:
        _r_star(self.r_d_star, "r_d_star")
        _r_star(self.r_n_star, "r_n_star")


MUENNIGHOFF_2023_C4 = ChinchillaParams(
    E=math.exp(0.6254804), A=math.exp(6.255414), B=math.exp(7.3049974), alpha=0.3526596, beta=0.3526596,
    source="Muennighoff et al. (2023), App. B, Eq. (20): Chinchilla's C4 runs refitted with alpha = beta",
)
MUENNIGHOFF_2023 = DataConstrainedParams(
    base=MUENNIGHOFF_2023_C4, r_d_star=15.387756, r_n_star=5.309743,
    source="Muennighoff et al. (2023), App. A, Eq. (14); huggingface/datablations README",
)


def _decayed(unique: NDArray[np.float64], repeats: NDArray[np.float64], r_star: float) -> NDArray[np.float64]:
    """U + U R* (1 - exp(-R / R*)), and U (1 + R) when R* is infinite (no decay)."""
    if math.isinf(r_star):
        return unique * (1.0 + repeats)
    return unique + unique * r_star * -np.expm1(-repeats / r_star)


def effective_data(unique_tokens: ArrayLike, tokens: ArrayLike,
                   r_d_star: float = MUENNIGHOFF_2023.r_d_star) -> NDArray[np.float64]:
    """Effective data D', the fresh tokens worth as much as ``tokens`` read from ``unique_tokens``.

    Implements Muennighoff et al. (2023), Eq. (5): with U_D = min(unique_tokens, tokens) and
    R_D = tokens / U_D - 1, D' = U_D + U_D R*_D (1 - exp(-R_D / R*_D)). One epoch or less gives
    D' = D; many give at most U_D (1 + R*_D).

    Parameters
    ----------
    unique_tokens : array_like
        The unique-token budget D_C (tokens), > 0.
    tokens : array_like
        Tokens read in training, D > 0. Broadcasts against ``unique_tokens``.
    r_d_star : float
        R*_D; defaults to their fit, 15.387756. ``math.inf`` gives D' = D.

    Returns
    -------
    ndarray
        D' in tokens.

    Raises
    ------
    ValueError
        If a count is not positive, or ``r_d_star`` is not > 0.
    """
    u, d = _unique(unique_tokens), _tokens(tokens)
    broadcastable(unique_tokens=u, tokens=d)
    r = _r_star(r_d_star, "r_d_star")
    u_d = np.minimum(u, d)
    return _decayed(u_d, d / u_d - 1.0, r)


def effective_epochs(epochs: ArrayLike, r_d_star: float = MUENNIGHOFF_2023.r_d_star) -> NDArray[np.float64]:
    """D' / U_D: how many epochs of fresh data ``epochs`` epochs of repeated data are worth.

    Eq. (5) of Muennighoff et al. (2023) divided by U_D: 1 + R*_D (1 - exp(-(epochs - 1) / R*_D))
    for more than one epoch, ``epochs`` itself for one or fewer. It tends to 1 + R*_D.

    Parameters
    ----------
    epochs : array_like
        Passes over the unique data, D / U_D > 0.
    r_d_star : float
        R*_D (default: their 15.387756).

    Returns
    -------
    ndarray
        Effective epochs (dimensionless).
    """
    e = _epochs(epochs)
    r = _r_star(r_d_star, "r_d_star")
    return np.where(e > 1.0, _decayed(np.ones_like(e), np.maximum(e - 1.0, 0.0), r), e)


def repeated_token_value(epochs: ArrayLike, r_d_star: float = MUENNIGHOFF_2023.r_d_star) -> NDArray[np.float64]:
    """What the next token read is worth, relative to a fresh one, after ``epochs`` epochs.

    The derivative of Eq. (5) of Muennighoff et al. (2023), dD'/dD = exp(-R_D / R*_D) with
    R_D = epochs - 1; 1 during the first epoch. At R_D = R*_D it is 1/e.

    Parameters
    ----------
    epochs : array_like
        Passes over the unique data so far, D / U_D > 0.
    r_d_star : float
        R*_D (default: their 15.387756).

    Returns
    -------
    ndarray
        A fraction in (0, 1].
    """
    e = _epochs(epochs)
    r = _r_star(r_d_star, "r_d_star")
    return np.exp(-np.maximum(e - 1.0, 0.0) / r)


def unique_params(unique_tokens: ArrayLike, base: ChinchillaParams = MUENNIGHOFF_2023_C4) -> NDArray[np.float64]:
    """The compute-optimal model size for ``unique_tokens`` tokens seen once, (U_D G)^(β/α) G.

    Muennighoff et al. (2023), Eq. (15) before the minimum with N: D_opt = U_D mapped to N_opt
    through the single-epoch law's allocation (Eq. 3), G = (αA / (βB))^(1/(α+β)). With their C4
    constants it is 0.051 U_D (Eq. 17).

    Parameters
    ----------
    unique_tokens : array_like
        U_D in tokens, > 0.
    base : ChinchillaParams
        The single-epoch law.

    Returns
    -------
    ndarray
        Parameters.
    """
    u = _unique(unique_tokens)
    g = base.G
    return (u * g) ** (base.beta / base.alpha) * g


def effective_params(params: ArrayLike, tokens: ArrayLike, unique_tokens: ArrayLike,
                     law: DataConstrainedParams = MUENNIGHOFF_2023) -> NDArray[np.float64]:
    """Effective parameters N' of a model of ``params`` parameters trained on limited unique data.

    Implements Muennighoff et al. (2023), Eqs. (6) and (15): U_N = min(N_opt(U_D), N) with
    U_D = min(unique_tokens, tokens), R_N = N / U_N - 1, N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N)).

    Parameters
    ----------
    params : array_like
        Model parameters N (total, N_T), > 0.
    tokens : array_like
        Tokens read, D > 0.
    unique_tokens : array_like
        Unique-token budget D_C, > 0. The three broadcast together.
    law : DataConstrainedParams
        Default: their fit.

    Returns
    -------
    ndarray
        N' in parameters; N itself when N <= U_N.
    """
    n = _positive(params, "params", "model parameters N > 0", "pass the parameter count, e.g. 8.7e9")
    d, u = _tokens(tokens), _unique(unique_tokens)
    broadcastable(params=n, tokens=d, unique_tokens=u)
    u_n = np.minimum(unique_params(np.minimum(u, d), law.base), n)
    return _decayed(u_n, n / u_n - 1.0, law.r_n_star)


def data_constrained_loss(params: ArrayLike, tokens: ArrayLike, unique_tokens: ArrayLike,
                          law: DataConstrainedParams = MUENNIGHOFF_2023) -> NDArray[np.float64]:
    """Loss of a model of N parameters that read D tokens drawn from U unique ones.

    Implements Muennighoff et al. (2023), Eq. (14): L = E + A / N'^α + B / D'^β with N' from
    :func:`effective_params` and D' from :func:`effective_data`. With ``unique_tokens >= tokens``
    and N at most the unique data's optimum it is the single-epoch law of ``law.base``.

    Parameters
    ----------
    params : array_like
        Model parameters N, > 0.
    tokens : array_like
        Tokens read, D > 0.
    unique_tokens : array_like
        Unique-token budget, > 0. The three broadcast together.
    law : DataConstrainedParams
        Default: their fit (C4 validation loss, GPT-2 tokenizer; fitted on models of 7M to 9B
        parameters trained for 1 to 500 epochs).

    Returns
    -------
    ndarray
        Loss in nats per token.
    """
    n_eff = effective_params(params, tokens, unique_tokens, law)
    d_eff = effective_data(unique_tokens, tokens, law.r_d_star)
    b = law.base
    return b.E + b.A / n_eff**b.alpha + b.B / d_eff**b.beta


@dataclass(frozen=True)
class Allocation:
    """A compute budget split between parameters and tokens under a unique-data budget.

    Attributes
    ----------
    compute : float
        C = 6 N D in FLOP.
    unique_tokens : float
        The unique-token budget U_D.
    params, tokens : float
        N and D of the allocation.
    loss : float
        Its loss under the law (nats/token).
    """

    compute: float
    unique_tokens: float
    params: float
    tokens: float
    loss: float

    @property
    def epochs(self) -> float:
        """D / U_D (at most one pass when below 1)."""
        return self.tokens / self.unique_tokens


def optimal_allocation(compute: float, unique_tokens: float,
                       law: DataConstrainedParams = MUENNIGHOFF_2023) -> Allocation:
    """The N and D = C / (6N) that minimise :func:`data_constrained_loss` at a compute budget.

    Muennighoff et al. (2023) find this allocation by a grid search (their repository's
    ``optimal_allocation``, around a starting N and D); here it is a bounded one-dimensional
    minimisation over ln N, from 1/1000 to 1000 times the single-epoch optimum of ``law.base``.

    Parameters
    ----------
    compute : float
        C in FLOP (C = 6 N D), > 0.
    unique_tokens : float
        U_D, > 0.
    law : DataConstrainedParams
        Default: their fit.

    Returns
    -------
    Allocation
    """
    c = float(_positive(compute, "compute", "training compute C = 6 N D in FLOP", "pass e.g. 9.3e21"))
    u = float(_unique(unique_tokens))
    n_chin = float(compute_optimal(c, law.base)[0])

    def loss_at(log_n: float) -> float:
        n = math.exp(log_n)
        return float(data_constrained_loss(n, c / (6.0 * n), u, law))

    res = minimize_scalar(loss_at, bounds=(math.log(n_chin) - math.log(1e3), math.log(n_chin) + math.log(1e3)),
                          method="bounded", options={"xatol": 1e-9})
    n = math.exp(res.x)
    return Allocation(compute=c, unique_tokens=u, params=n, tokens=c / (6.0 * n), loss=float(res.fun))


@dataclass(frozen=True)
class FreshDataFit:
    """L(D) = E + B / D^β fitted to one model's losses on fresh data (nats/token; D in tokens)."""

    E: float
    B: float
    beta: float
    rmse: float

    def predict(self, tokens: ArrayLike) -> NDArray[np.float64]:
        """The fitted loss at ``tokens`` tokens (nats/token)."""
        d = _tokens(tokens)
        return self.E + self.B / d**self.beta


def _power_law_in_d(d: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """Least-squares E + B / d^β: (sse, E, B, β), β searched over ln β in [ln 0.01, ln 3]."""
    ref = float(np.exp(np.mean(np.log(d))))
    x = d / ref

    def solve(beta: float) -> tuple[float, float, float]:
        design = np.column_stack([np.ones_like(x), x**-beta])
        (e, b), *_ = np.linalg.lstsq(design, y, rcond=None)
        return float(np.sum((design @ np.array([e, b]) - y) ** 2)), float(e), float(b)

    res = minimize_scalar(lambda lb: solve(math.exp(lb))[0], bounds=(math.log(0.01), math.log(3.0)),
                          method="bounded", options={"xatol": 1e-10})
    beta = math.exp(res.x)
    sse, e, b = solve(beta)
    return sse, e, b * ref**beta, beta


def fit_fresh_data(tokens: ArrayLike, loss: ArrayLike) -> FreshDataFit:
    """Fit L(D) = E + B / D^β to the final losses of one model trained on fresh data.

    At a fixed model size the Chinchilla law is a power law in D over an offset E (which holds
    E + A/N^α). β is found by a bounded search over ln β in [ln 0.01, ln 3], with E and B solved
    by linear least squares at each β.

    Parameters
    ----------
    tokens : array_like
        Tokens read by each run, > 0; at least 3 distinct values.
    loss : array_like
        Final validation losses (nats/token), same shape.

    Returns
    -------
    FreshDataFit

    Raises
    ------
    ValueError
        On bad input, or if the losses do not fall with D (B would be negative).
    """
    d = _tokens(tokens).ravel()
    y = as_finite_array(loss, "loss").ravel()
    same_shape(tokens=d, loss=y)
    if np.unique(d).size < 3:
        raise ValueError(f"tokens needs at least 3 distinct values to fit E, B and beta; got {np.unique(d).size}")
    sse, e, b, beta = _power_law_in_d(d, y)
    if b <= 0:
        raise ValueError("the fresh-data losses do not fall with tokens (fitted B <= 0); "
                         "check the runs, or train them longer")
    return FreshDataFit(E=e, B=b, beta=beta, rmse=math.sqrt(sse / d.size))


@dataclass(frozen=True)
class RStarFit:
    """R*_D fitted to one model's runs on repeated and fresh data, with its law L = E + B / D'^β.

    Attributes
    ----------
    r_d_star : float
        The fitted R*_D (repetitions).
    E, B, beta : float
        The data law of this model (nats/token; D' in tokens).
    rmse : float
        Root-mean-square residual over all runs (nats/token).
    n_runs : int
        How many runs were fitted.
    at_bound : str
        ``""``, or ``"lower"``/``"upper"`` when R*_D sits at an end of the search range
        (0.01 or 1e4 repetitions): the runs did not pin it down.
    """

    r_d_star: float
    E: float
    B: float
    beta: float
    rmse: float
    n_runs: int
    at_bound: str = ""

    def predict(self, unique_tokens: ArrayLike, tokens: ArrayLike) -> NDArray[np.float64]:
        """Loss of ``tokens`` tokens read from ``unique_tokens`` unique ones (nats/token)."""
        return self.E + self.B / effective_data(unique_tokens, tokens, self.r_d_star) ** self.beta


_R_BOUNDS = (0.01, 1e4)


def fit_r_d_star(unique_tokens: ArrayLike, tokens: ArrayLike, loss: ArrayLike) -> RStarFit:
    """Fit R*_D of Eq. (5) of Muennighoff et al. (2023) to runs of one model on limited data.

    Fits L = E + B / D'^β, D' from :func:`effective_data`, to every run at once: runs on fresh
    data (``unique_tokens >= tokens``, so D' = D) fix the data law of this model, runs on repeated
    data fix R*_D. Least squares on the loss: a bounded search over ln R*_D in [ln 0.01, ln 1e4],
    with E, B and β fitted at each R*_D (β over [0.01, 3], E and B by linear least squares).
    Muennighoff et al. instead fix the single-epoch law from other runs and fit R*_D and R*_N with
    a Huber loss on log L (their App. A). With one model size the effective-parameter term cannot
    be told apart: a decay of excess parameters is absorbed into R*_D (their App. A, Table 1,
    fits R*_D = 2.9 when only the data decays).

    Parameters
    ----------
    unique_tokens : array_like
        The pool each run drew its tokens from (tokens), > 0: the unique budget U of a repeated
        run, at least the run's tokens for a fresh one. A scalar broadcasts.
    tokens : array_like
        Tokens each run read, D > 0.
    loss : array_like
        Their final validation losses (nats/token), same shape as ``tokens``.

    Returns
    -------
    RStarFit

    Raises
    ------
    ValueError
        On bad input (non-positive counts, mismatched shapes, fewer than 4 runs or fewer than 3
        distinct token counts), or if the losses do not fall with D'.
    """
    d = _tokens(tokens).ravel()
    u = np.broadcast_to(_unique(unique_tokens), np.shape(_tokens(tokens))).ravel().astype(float)
    y = as_finite_array(loss, "loss").ravel()
    same_shape(tokens=d, loss=y)
    if d.size < 4 or np.unique(d).size < 3:
        raise ValueError(f"fit_r_d_star needs at least 4 runs and 3 distinct token counts to fit E, B, "
                         f"beta and R*_D; got {d.size} runs and {np.unique(d).size} token counts")

    def sse(log_r: float) -> float:
        return _power_law_in_d(effective_data(u, d, math.exp(log_r)), y)[0]

    lo, hi = math.log(_R_BOUNDS[0]), math.log(_R_BOUNDS[1])
    res = minimize_scalar(sse, bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
    r = math.exp(res.x)
    total, e, b, beta = _power_law_in_d(effective_data(u, d, r), y)
    if b <= 0:
        raise ValueError("the losses do not fall with tokens (fitted B <= 0); check the runs")
    edge = "lower" if res.x - lo < 1e-3 else "upper" if hi - res.x < 1e-3 else ""
    return RStarFit(r_d_star=r, E=e, B=b, beta=beta, rmse=math.sqrt(total / d.size), n_runs=d.size, at_bound=edge)


def apparent_r_d_star(tokens_per_param: float, epochs: ArrayLike,
                      law: DataConstrainedParams = MUENNIGHOFF_2023, params: float = 1e8) -> RStarFit:
    """The R*_D a data-only fit finds in the full law, for one model on fixed unique data.

    Reproduces, with the law of Eq. (14) in place of training runs, a design like the book's: one
    model of ``params`` parameters trained on ``epochs`` epochs of U = ``tokens_per_param`` x
    ``params`` unique tokens, and on fresh data at the same totals; then fits R*_D to those losses
    with :func:`fit_r_d_star`, which has no effective-parameter term. When U is small next to the
    model, N exceeds the unique data's optimum U_N, the parameter decay (R*_N) also costs loss, and
    the fit loads it onto R*_D, which comes out below the law's own. (The law's fresh runs are not
    a power law in D where U_N = 0.051 D < N, so the fit is not exact there either.) With α = β (their fit) the
    result depends on ``tokens_per_param`` only, not on ``params``.

    Parameters
    ----------
    tokens_per_param : float
        U / N, > 0.
    epochs : array_like
        Epochs of the repeated runs (at least 3 distinct values), > 0.
    law : DataConstrainedParams
        Default: their fit.
    params : float
        N of the simulated model, > 0.

    Returns
    -------
    RStarFit
    """
    ratio = float(_positive(tokens_per_param, "tokens_per_param", "unique tokens per parameter, U / N",
                            "pass e.g. 20"))
    n = float(_positive(params, "params", "model parameters N > 0", "pass e.g. 1e8"))
    e = _epochs(epochs).ravel()
    u = ratio * n
    d = e * u
    repeated = data_constrained_loss(n, d, u, law)
    fresh = data_constrained_loss(n, d, d, law)
    return fit_r_d_star(np.concatenate([np.full_like(d, u), d]), np.concatenate([d, d]),
                        np.concatenate([repeated, fresh]))
