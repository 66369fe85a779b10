"""Precomputed grids behind the book's interactive figures (the page ``book/explore``).

A figure that a reader moves in a static web page cannot run Python. So every state its controls
can reach is computed here, once, when the notebook runs, and the page only looks the answers up
(:mod:`nsl_utils.interactive` draws them). Two grids:

- :func:`exponent_grid`: Pearce & Song's (2024) reconciliation as a function of what a study
  chooses. For each way of counting (total parameters N_T and compute C_T = 6 N_T D, or Kaplan's
  non-embedding N_nonemb and C_nonemb = 6 N_nonemb D), each vocabulary size and each range of
  budgets, the compute-optimal frontier of the Chinchilla law read in that counting and the
  exponent of a straight line fitted to it over that range. The frontier is solved exactly at
  every budget (:func:`nsl_utils.reconcile.optimal_nonembedding`: a continuum of model sizes, as
  :func:`nsl_utils.reconcile.fitted_exponent` uses), so the exponent depends on the choices, not
  on where a grid of models happens to fall.
- :func:`plan_grid`: the planning question of the calculator chapter. For each training budget
  and each number of inference tokens, the Chinchilla-optimal model, the inference-aware model of
  Sardana et al. (2024) that reaches the same loss at the least training + inference compute, and
  what every model size on that curve of equal loss would cost.

Compute is in FLOP, parameters and tokens are counts, losses in nats per token. Both grids are
stored with base-10 logarithms of budgets, as the figures' log axes and sliders use them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from nsl_utils._validation import positive_int, positive_scalar
from nsl_utils.laws import (
    BESIROGLU_2024,
    ChinchillaParams,
    chinchilla_loss,
    chinchilla_tokens_for_loss,
    compute_optimal,
    inference_optimal,
    lifetime_compute,
)
from nsl_utils.published import (
    HOFFMANN_TABLE_A9_PARAMS_RANGE,
    PEARCE_SONG_ASPECT_RATIO,
    SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN,
    SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN,
)
from nsl_utils.reconcile import (
    embedding_coefficient,
    frontier_compute,
    local_exponent,
    optimal_nonembedding,
)

__all__ = [
    "COUNTINGS",
    "DEFAULT_VOCAB_SIZES",
    "ExponentGrid",
    "exponent_grid",
    "PlanGrid",
    "plan_grid",
]

#: The two ways of counting, in the order of the grids' first axis: Chinchilla's total count
#: (N_T, C_T = 6 N_T D) and Kaplan's non-embedding count (N_nonemb, C_nonemb = 6 N_nonemb D).
COUNTINGS: tuple[str, str] = ("total", "nonembedding")

#: Vocabulary sizes of the exponent grid: from small to large, with Chinchilla's 32,000 (Pearce &
#: Song's setting) and GPT-2's 50,257 (the tokenizer Kaplan et al. used).
DEFAULT_VOCAB_SIZES: tuple[int, ...] = (8_000, 16_000, 32_000, 50_257, 128_000, 256_000)

#: Relative tolerance for "this step divides that range".
_GRID_TOL = 1e-9


def _check_params(params: object) -> ChinchillaParams:
    if not isinstance(params, ChinchillaParams):
        raise ValueError(
            "params must be a ChinchillaParams (e.g. nsl_utils.laws.BESIROGLU_2024); " f"got {params!r}"
        )
    return params


def _log_axis(bounds: tuple[float, float], step: float, name: str) -> NDArray[np.float64]:
    """Evenly spaced log10 values from low to high, both included, ``step`` apart."""
    try:
        low, high = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (low, high) of log10 values; got {bounds!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be finite with low < high; got {bounds!r}")
    step = positive_scalar(step, f"the step of {name}")
    count = (high - low) / step
    if abs(count - round(count)) > _GRID_TOL * max(1.0, count):
        raise ValueError(
            f"the step {step:g} must divide {name} = ({low:g}, {high:g}) into whole steps; "
            f"it gives {count:.4g}"
        )
    return np.round(low + step * np.arange(int(round(count)) + 1), 10)


@dataclass(frozen=True)
class ExponentGrid:
    """The fitted exponent for every counting, vocabulary and range of budgets.

    Attributes
    ----------
    params : ChinchillaParams
        The Chinchilla law the frontier follows (in total parameters, at every size).
    aspect_ratio : float
        d_model / n_layer of the model family.
    tied : bool
        Whether the output head shares the token embedding.
    vocab_sizes : tuple of int
        The vocabularies, ascending.
    omegas : ndarray, shape (n_vocab,)
        ω = n_vocab (A/12)^(1/3) of each vocabulary (doubled if untied), as in
        :func:`nsl_utils.reconcile.embedding_coefficient`.
    log10_compute : ndarray, shape (n_budget,)
        log10 of the budgets at which the frontier is solved, in each counting's own compute
        (C_T for ``"total"``, C_nonemb for ``"nonembedding"``).
    log10_n_opt : ndarray, shape (2, n_vocab, n_budget)
        log10 of the compute-optimal parameters, counted as the counting says (N_T or
        N_nonemb), for :data:`COUNTINGS` in order.
    local_exponent : ndarray, shape (2, n_vocab, n_budget)
        The local exponent g = d log N* / d log C there: β/(α+β) in total counting, Pearce &
        Song's Eq. (R3) in non-embedding counting.
    window_ends : ndarray, shape (n_window,)
        The log10 budgets a range of budgets may start or end at (the slider's positions); a
        subset of ``log10_compute``.
    slope, intercept : ndarray, shape (2, n_vocab, n_window, n_window)
        The straight line log10 N* = intercept + slope · log10 C fitted by least squares to the
        frontier at every budget of ``log10_compute`` from ``window_ends[i]`` to
        ``window_ends[j]`` (both included), at ``[..., i, j]`` for i < j. On the diagonal
        (i = j, a range of zero width) the tangent: slope = the local exponent. NaN for i > j.
    log10_fitted_from : ndarray, shape (2, n_vocab)
        log10 of the budget from which the compute-optimal model has at least
        ``smallest_fitted_model`` total parameters: below it the frontier reads the law at
        models smaller than any it was fitted on.
    smallest_fitted_model : float
        That smallest model, N_T (by default Hoffmann et al.'s smallest, Table A9).
    """

    params: ChinchillaParams
    aspect_ratio: float
    tied: bool
    vocab_sizes: tuple[int, ...]
    omegas: NDArray[np.float64]
    log10_compute: NDArray[np.float64]
    log10_n_opt: NDArray[np.float64]
    local_exponent: NDArray[np.float64]
    window_ends: NDArray[np.float64]
    slope: NDArray[np.float64]
    intercept: NDArray[np.float64]
    log10_fitted_from: NDArray[np.float64]
    smallest_fitted_model: float

    def _index(self, counting: str, vocab_size: int) -> tuple[int, int]:
        if counting not in COUNTINGS:
            raise ValueError(f"counting must be one of {COUNTINGS}; got {counting!r}")
        if vocab_size not in self.vocab_sizes:
            raise ValueError(f"vocab_size must be one of the grid's {self.vocab_sizes}; got {vocab_size!r}")
        return COUNTINGS.index(counting), self.vocab_sizes.index(vocab_size)

    def window_index(self, log10_low: float, log10_high: float) -> tuple[int, int]:
        """Positions (i, j) in ``window_ends`` of a range of budgets, low <= high.

        Raises
        ------
        ValueError
            If either end is not one of ``window_ends`` or low > high.
        """
        ends = []
        for value, name in ((log10_low, "log10_low"), (log10_high, "log10_high")):
            hits = np.flatnonzero(np.isclose(self.window_ends, float(value), rtol=0, atol=1e-6))
            if hits.size != 1:
                raise ValueError(
                    f"{name} = {value!r} is not a position of the grid's range slider; use one of "
                    f"{self.window_ends[0]:g} to {self.window_ends[-1]:g} in steps of "
                    f"{self.window_ends[1] - self.window_ends[0]:g}"
                )
            ends.append(int(hits[0]))
        if ends[0] > ends[1]:
            raise ValueError(f"the range must have log10_low <= log10_high; got ({log10_low}, {log10_high})")
        return ends[0], ends[1]

    def exponent(self, counting: str, vocab_size: int, window: tuple[float, float]) -> float:
        """The exponent a study counting this way reads over ``window`` (log10 budgets)."""
        c, v = self._index(counting, vocab_size)
        i, j = self.window_index(*window)
        return float(self.slope[c, v, i, j])

    def frontier(self, counting: str, vocab_size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(compute, n_opt)`` of one frontier, in FLOP and parameters (not logarithms)."""
        c, v = self._index(counting, vocab_size)
        return 10.0**self.log10_compute, 10.0 ** self.log10_n_opt[c, v]

    def fitted_from(self, counting: str, vocab_size: int) -> float:
        """The budget (FLOP) from which the optimal model is inside the law's fitted sizes."""
        c, v = self._index(counting, vocab_size)
        return float(10.0 ** self.log10_fitted_from[c, v])


def _window_fits(
    x: NDArray[np.float64], y: NDArray[np.float64], g: NDArray[np.float64], stride: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Least-squares lines through (x, y) between every pair of window ends, all at once.

    The window ends are every ``stride``-th point. Prefix sums of x, y, x², xy give each
    window's sums in O(1); the diagonal holds the tangent of slope ``g``.
    """
    sums = [np.concatenate([[0.0], np.cumsum(v)]) for v in (np.ones_like(x), x, y, x * x, x * y)]
    ends = np.arange(0, x.size, stride)
    lo, hi = np.meshgrid(ends, ends, indexing="ij")
    n, sx, sy, sxx, sxy = (s[hi + 1] - s[lo] for s in sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Centred sums: the variance of x over the window is positive whenever hi > lo.
        slope = (sxy - sx * sy / n) / (sxx - sx * sx / n)
        intercept = (sy - slope * sx) / n
    slope = np.where(hi > lo, slope, np.nan)
    intercept = np.where(hi > lo, intercept, np.nan)
    diag = np.arange(ends.size)
    slope[diag, diag] = g[ends]
    intercept[diag, diag] = y[ends] - g[ends] * x[ends]
    return slope, intercept


def _nonembedding_at_total(n_total: float, omega: float) -> float:
    """The N_nonemb whose N_T = N_nonemb + ω N_nonemb^(1/3) equals ``n_total``."""
    return float(
        brentq(lambda n: n + omega * n ** (1.0 / 3.0) - n_total, 1e-12, n_total, xtol=1e-12, rtol=1e-14)
    )


def exponent_grid(
    params: ChinchillaParams = BESIROGLU_2024,
    *,
    vocab_sizes: Sequence[int] = DEFAULT_VOCAB_SIZES,
    aspect_ratio: float = PEARCE_SONG_ASPECT_RATIO,
    tied: bool = True,
    log10_compute: tuple[float, float] = (11.0, 25.0),
    step: float = 0.1,
    window_step: float = 0.5,
    smallest_fitted_model: float = HOFFMANN_TABLE_A9_PARAMS_RANGE[0],
) -> ExponentGrid:
    """The exponent a Kaplan-style study reads, for every counting, vocabulary and budget range.

    For each vocabulary the model family has N_T = N_nonemb + ω N_nonemb^(1/3) with
    ω = n_vocab (A/12)^(1/3) (Pearce & Song 2024, Sec. 3). The loss follows the Chinchilla law in
    N_T. At each budget the frontier is solved exactly, in both countings; then a straight line
    in log-log is fitted over every range of budgets the slider can select.

    Parameters
    ----------
    params : ChinchillaParams
        The Chinchilla law (default: Epoch's refit, as the reconciliation chapter's sweeps use).
    vocab_sizes : sequence of int
        Vocabulary sizes, each >= 1, no repeats (sorted here).
    aspect_ratio : float
        d_model / n_layer, > 0 (Pearce & Song's 39.2).
    tied : bool
        Whether the output head is tied to the embedding; untied doubles ω.
    log10_compute : (float, float)
        log10 of the smallest and largest budget, FLOP (10^11 to 10^25).
    step : float
        Spacing of the budgets in log10 (0.1).
    window_step : float
        Spacing of the ends a range of budgets can have, a whole multiple of ``step`` (0.5).
    smallest_fitted_model : float
        N_T of the smallest model the law was fitted on, > 0 (Hoffmann et al.'s 44 million).

    Returns
    -------
    ExponentGrid

    Raises
    ------
    ValueError
        If an argument is out of range, ``window_step`` is not a whole multiple of ``step``, or
        either does not divide ``log10_compute`` into whole steps.
    """
    params = _check_params(params)
    aspect_ratio = positive_scalar(aspect_ratio, "aspect_ratio")
    if not isinstance(tied, (bool, np.bool_)):
        raise ValueError(f"tied must be True or False; got {tied!r}")
    try:
        vocabs = sorted(positive_int(v, "each vocab size") for v in vocab_sizes)
    except TypeError:
        raise ValueError(f"vocab_sizes must be a sequence of integers; got {vocab_sizes!r}") from None
    if not vocabs or len(set(vocabs)) != len(vocabs):
        raise ValueError(f"vocab_sizes must be non-empty with no repeats; got {vocab_sizes!r}")
    smallest = positive_scalar(smallest_fitted_model, "smallest_fitted_model")
    x = _log_axis(log10_compute, step, "log10_compute")
    ends = _log_axis(log10_compute, window_step, "log10_compute (with window_step)")
    stride = positive_scalar(window_step, "window_step") / step
    if abs(stride - round(stride)) > _GRID_TOL * stride:
        raise ValueError(f"window_step {window_step:g} must be a whole multiple of step {step:g}")
    stride = int(round(stride))
    if ends.size < 2:
        raise ValueError("log10_compute must span at least two window steps")

    compute = 10.0**x
    omegas = np.array([embedding_coefficient(v, aspect_ratio, tied=bool(tied)) for v in vocabs])
    shape = (len(COUNTINGS), len(vocabs))
    log_n = np.empty(shape + (x.size,))
    g = np.empty_like(log_n)
    fitted_from = np.empty(shape)
    slope = np.empty(shape + (ends.size, ends.size))
    intercept = np.empty_like(slope)
    # Total counting: N*_T = G (C_T/6)^a whatever the vocabulary.
    n_total_opt = compute_optimal(compute, params)[0]
    c_total_from = 6.0 * (smallest / params.G) ** (1.0 / params.a)
    for v, omega in enumerate(omegas):
        n_ne = optimal_nonembedding(compute, params, omega)
        log_n[0, v], g[0, v] = np.log10(n_total_opt), params.a
        log_n[1, v], g[1, v] = np.log10(n_ne), local_exponent(n_ne, params, omega)
        fitted_from[0, v] = math.log10(c_total_from)
        n_ne_from = _nonembedding_at_total(smallest, omega)
        fitted_from[1, v] = math.log10(float(frontier_compute(n_ne_from, params, omega)))
        for c in range(len(COUNTINGS)):
            slope[c, v], intercept[c, v] = _window_fits(x, log_n[c, v], g[c, v], stride)
    return ExponentGrid(
        params=params,
        aspect_ratio=aspect_ratio,
        tied=bool(tied),
        vocab_sizes=tuple(vocabs),
        omegas=omegas,
        log10_compute=x,
        log10_n_opt=log_n,
        local_exponent=g,
        window_ends=ends,
        slope=slope,
        intercept=intercept,
        log10_fitted_from=fitted_from,
        smallest_fitted_model=smallest,
    )


@dataclass(frozen=True)
class PlanGrid:
    """Chinchilla-optimal and inference-aware plans for every budget and inference demand.

    For budget b the target loss is the loss of the Chinchilla-optimal model of C_T = 10^b; for
    demand i the model will process D_inf = 10^i tokens at inference. Every model size on the
    curve of equal loss is costed under Sardana et al.'s (2024) accounting: 6 N_T FLOP per
    training token, 2 N_T per inference token.

    Attributes
    ----------
    params : ChinchillaParams
        The law.
    log10_budget : ndarray, shape (n_budget,)
        log10 of the training budgets C_T, FLOP.
    log10_inference : ndarray, shape (n_demand,)
        log10 of the inference tokens D_inf.
    size_ratio : ndarray, shape (n_size,)
        Model sizes along the curve of equal loss, as multiples of the Chinchilla-optimal N_T;
        from just above the smallest model that can reach the loss at all,
        (β/(α+β))^(1/α), to 4.
    loss : ndarray, shape (n_budget,)
        The target loss, nats per token.
    n_chinchilla, d_chinchilla : ndarray, shape (n_budget,)
        The Chinchilla-optimal plan: N_T and training tokens (6 N_T D = C_T).
    n_aware, d_aware : ndarray, shape (n_budget, n_demand)
        The inference-aware plan: same loss, least training + inference compute.
    training, inference : ndarray, shape (n_budget, n_demand, n_size)
        Training compute 6 N_T D and inference compute 2 N_T D_inf of each size on the curve,
        relative to the lifetime compute of the Chinchilla-optimal plan at the same demand.
    aware_outside : ndarray of bool, shape (n_budget, n_demand)
        Whether the inference-aware plan's N_T, D or training compute lies outside the range
        the law was fitted on (``params.fitted_range``; False if the law has none).
    chinchilla_outside : ndarray of bool, shape (n_budget,)
        The same for the Chinchilla-optimal plan.
    """

    params: ChinchillaParams
    log10_budget: NDArray[np.float64]
    log10_inference: NDArray[np.float64]
    size_ratio: NDArray[np.float64]
    loss: NDArray[np.float64]
    n_chinchilla: NDArray[np.float64]
    d_chinchilla: NDArray[np.float64]
    n_aware: NDArray[np.float64]
    d_aware: NDArray[np.float64]
    training: NDArray[np.float64]
    inference: NDArray[np.float64]
    aware_outside: NDArray[np.bool_]
    chinchilla_outside: NDArray[np.bool_]

    @property
    def lifetime(self) -> NDArray[np.float64]:
        """Training plus inference compute along the curve, relative as ``training`` is."""
        return self.training + self.inference

    @property
    def saving_fraction(self) -> NDArray[np.float64]:
        """Share of the Chinchilla-optimal plan's lifetime compute that the inference-aware plan
        saves, shape (n_budget, n_demand)."""
        budget = 10.0 ** self.log10_budget[:, None]
        demand = 10.0 ** self.log10_inference[None, :]
        chin = budget + SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN * self.n_chinchilla[:, None] * demand
        aware = lifetime_compute(self.n_aware, self.d_aware, demand)
        return 1.0 - aware / chin

    def index(self, log10_budget: float, log10_inference: float) -> tuple[int, int]:
        """Positions of a budget and a demand on the grid's sliders.

        Raises
        ------
        ValueError
            If either is not a position of its slider.
        """
        out = []
        for value, axis, name in (
            (log10_budget, self.log10_budget, "log10_budget"),
            (log10_inference, self.log10_inference, "log10_inference"),
        ):
            hits = np.flatnonzero(np.isclose(axis, float(value), rtol=0, atol=1e-6))
            if hits.size != 1:
                raise ValueError(
                    f"{name} = {value!r} is not on the grid ({axis[0]:g} to {axis[-1]:g} in "
                    f"steps of {axis[1] - axis[0]:g})"
                )
            out.append(int(hits[0]))
        return out[0], out[1]


def plan_grid(
    params: ChinchillaParams = BESIROGLU_2024,
    *,
    log10_budget: tuple[float, float] = (20.0, 26.0),
    budget_step: float = 0.5,
    log10_inference: tuple[float, float] = (9.0, 15.0),
    inference_step: float = 0.5,
    n_sizes: int = 32,
) -> PlanGrid:
    """Plans for every training budget and inference demand on a grid (Sardana et al. 2024).

    Parameters
    ----------
    params : ChinchillaParams
        The Chinchilla law (default: Epoch's, the calculator's default ``epoch``).
    log10_budget : (float, float)
        log10 of the smallest and largest training budget C_T, FLOP (10^20 to 10^26).
    budget_step : float
        Spacing of the budgets in log10, dividing the range into whole steps (0.5).
    log10_inference : (float, float)
        log10 of the fewest and most inference tokens (10^9 to 10^15).
    inference_step : float
        Spacing of the demands in log10 (0.5).
    n_sizes : int
        Model sizes along each curve of equal loss, >= 2 (32).

    Returns
    -------
    PlanGrid

    Raises
    ------
    ValueError
        If an argument is out of range or a step does not divide its range.
    """
    params = _check_params(params)
    budgets = _log_axis(log10_budget, budget_step, "log10_budget")
    demands = _log_axis(log10_inference, inference_step, "log10_inference")
    n_sizes = positive_int(n_sizes, "n_sizes")
    if n_sizes < 2:
        raise ValueError("n_sizes must be at least 2 to draw a curve")
    # The smallest model that reaches the Chinchilla optimum's loss with infinite data: its
    # parameter term alone equals the whole reducible loss (see compute_optimal_for_loss).
    floor = (params.beta / (params.alpha + params.beta)) ** (1.0 / params.alpha)
    ratio = np.logspace(math.log10(1.03 * floor), math.log10(4.0), n_sizes)

    compute = 10.0**budgets
    n_chin, d_chin = compute_optimal(compute, params)
    loss = chinchilla_loss(n_chin, d_chin, params)
    demand = 10.0**demands
    n_aware, d_aware = inference_optimal(loss[:, None], demand[None, :], params)
    sizes = n_chin[:, None] * ratio[None, :]  # (budget, size)
    tokens = chinchilla_tokens_for_loss(sizes, loss[:, None], params)
    reference = compute[:, None] + SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN * n_chin[:, None] * demand[None, :]
    training = SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN * sizes * tokens  # (budget, size)
    inference = SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN * sizes[:, None, :] * demand[None, :, None]
    fitted = params.fitted_range

    def outside(n: float, d: float) -> bool:
        return bool(fitted is not None and fitted.outside(N=n, D=d, C=6.0 * n * d))

    return PlanGrid(
        params=params,
        log10_budget=budgets,
        log10_inference=demands,
        size_ratio=ratio,
        loss=loss,
        n_chinchilla=n_chin,
        d_chinchilla=d_chin,
        n_aware=n_aware,
        d_aware=d_aware,
        training=training[:, None, :] / reference[:, :, None],
        inference=inference / reference[:, :, None],
        aware_outside=np.array([[outside(n, d) for n, d in zip(rn, rd)] for rn, rd in zip(n_aware, d_aware)]),
        chinchilla_outside=np.array([outside(n, d) for n, d in zip(n_chin, d_chin)]),
    )
