"""Kaplan et al.'s (2020) own machinery: L(N, S_min), the critical batch size, S_min, C_min and the frontier.

Kaplan et al. fit their training curves with (their Eq. 1.6 = 5.6 = B.1)

.. math::
    L(N, S_\\text{min}) = (N_c / N)^{\\alpha_N} + (S_c / S_\\text{min})^{\\alpha_S},          (K1)

with N the non-embedding parameters N_nonemb and S_min the steps a run would need at a batch far
above the critical batch size

.. math::
    B_\\text{crit}(L) = B_* / L^{1/\\alpha_B}  \\quad\\text{tokens (Eqs. 1.4, 5.3)}.          (K2)

A run of S steps at batch B (tokens) that reaches loss L would have needed (Eqs. 5.4, 5.5)

.. math::
    S_\\text{min} = \\frac{S}{1 + B_\\text{crit}(L)/B}, \\qquad
    C_\\text{min} = \\frac{C}{1 + B/B_\\text{crit}(L)},\\quad C = 6 N B S,                     (K3)

the fewest steps (at B >> B_crit) and the least compute (at B << B_crit); C_min = 6 N B_crit S_min.
Minimising (K1) over N at fixed C_min (their Sec. 6.2 and App. B) gives power laws

.. math::
    L \\propto C_\\text{min}^{-\\alpha_C}, \\quad
    N \\propto C_\\text{min}^{\\alpha_C/\\alpha_N}, \\quad
    B_\\text{crit} \\propto C_\\text{min}^{\\alpha_C/\\alpha_B}, \\quad
    S_\\text{min} \\propto C_\\text{min}^{\\alpha_C/\\alpha_S}, \\qquad
    \\alpha_C = \\frac{1}{1/\\alpha_S + 1/\\alpha_B + 1/\\alpha_N}.                            (K4)

This module evaluates (K1)-(K3), solves the frontier numerically (no use of (K4)), and repeats
the empirical route of their Sec. 6.1: from the fitted N ∝ C_min^0.73 and L ∝ C_min^-0.050 to the
batch, step and data exponents of their Table 6. :func:`simulate_fixed_schedule` replays Pearce &
Song's simulated study with losses read off one long learning-rate schedule.

Compute is in FLOP unless a name says PF-days, batches and data in tokens, losses in nats per token,
N in non-embedding parameters (the book's N_nonemb).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from nsl_utils._validation import as_positive_array, at_least, positive_int, positive_scalar
from nsl_utils.laws import ChinchillaParams
from nsl_utils.published import (
    HOFFMANN_KAPLAN_SCHEDULE_TOKENS,
    KAPLAN_L_N_S_FIT,
    KAPLAN_N_OPT_EXPONENT,
    KAPLAN_N_OPT_PREFACTOR,
    KAPLAN_TABLE5,
    PEARCE_SONG_ASPECT_RATIO,
    PEARCE_SONG_LOG10_COMPUTE_RANGE,
    PF_DAY,
)
from nsl_utils.reconcile import embedding_coefficient, total_params

__all__ = [
    "KaplanLaw", "KAPLAN_2020", "KAPLAN_2020_TABLE5", "critical_batch", "steps_min", "compute_min",
    "loss_n_s", "loss_at_compute_min", "loss_at_fixed_batch", "optimal_model", "frontier_fit",
    "allocation_exponents", "frontier_exponents", "compute_scale", "empirical_allocation", "efficient_loss_excess",
    "convergence_comparison", "suboptimal_compute", "suboptimal_steps", "size_range_for_extra_compute",
    "FixedScheduleStudy", "simulate_fixed_schedule",
]


@dataclass(frozen=True)
class KaplanLaw:
    """The constants of (K1) and (K2).

    Attributes
    ----------
    alpha_N, N_c : float
        Exponent and scale (non-embedding parameters) of the model-size term.
    alpha_S, S_c : float
        Exponent and scale (steps) of the training-time term.
    alpha_B, B_star : float
        Exponent and scale (tokens) of the critical batch size B_crit = B_* / L^(1/α_B).
    """

    alpha_N: float
    N_c: float
    alpha_S: float
    S_c: float
    alpha_B: float
    B_star: float

    def __post_init__(self) -> None:
        for name in ("alpha_N", "N_c", "alpha_S", "S_c", "alpha_B", "B_star"):
            positive_scalar(getattr(self, name), name)

    @property
    def alpha_C(self) -> float:
        """α_C^min = 1 / (1/α_S + 1/α_B + 1/α_N) of (K4) (their Eqs. 1.8, 6.4, B.7)."""
        return 1.0 / (1.0 / self.alpha_S + 1.0 / self.alpha_B + 1.0 / self.alpha_N)


#: (K1) with its own fit (Kaplan et al. 2020, Sec. 5.2: α_N 0.077, N_c 6.5e13, α_S 0.76, S_c 2.1e3)
#: and B_crit(L) of their Table 5 (α_B 0.21, B_* 2.1e8 tokens).
KAPLAN_2020 = KaplanLaw(KAPLAN_L_N_S_FIT["alpha_N"], KAPLAN_L_N_S_FIT["N_c"], KAPLAN_L_N_S_FIT["alpha_S"],
                        KAPLAN_L_N_S_FIT["S_c"], KAPLAN_TABLE5["alpha_B"], KAPLAN_TABLE5["B_star"])
#: (K1) with the summary values of their Appendix A, Table 5 (α_N 0.076 and N_c 8.8e13 of L(N)).
KAPLAN_2020_TABLE5 = KaplanLaw(KAPLAN_TABLE5["alpha_N"], KAPLAN_TABLE5["N_c"], KAPLAN_TABLE5["alpha_S"],
                               KAPLAN_TABLE5["S_c"], KAPLAN_TABLE5["alpha_B"], KAPLAN_TABLE5["B_star"])


def _law(law: object) -> KaplanLaw:
    if not isinstance(law, KaplanLaw):
        raise ValueError(f"law must be a KaplanLaw (e.g. nsl_utils.kaplan.KAPLAN_2020); got {law!r}")
    return law


def critical_batch(loss: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """B_crit(L) = B_* / L^(1/α_B) in tokens, (K2) (Kaplan et al. 2020, Eq. 5.3).

    Parameters
    ----------
    loss : array_like
        Loss in nats per token, > 0.
    law : KaplanLaw
        The constants.
    """
    L = as_positive_array(loss, "loss")
    law = _law(law)
    return law.B_star / L ** (1.0 / law.alpha_B)


def steps_min(steps: ArrayLike, batch: ArrayLike, loss: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """S_min = S / (1 + B_crit(L)/B), (K3) (Kaplan et al. 2020, Eq. 5.4): the fewest steps, at B >> B_crit.

    Parameters
    ----------
    steps : array_like
        Steps S taken at batch ``batch``, > 0.
    batch : array_like
        Batch size B in tokens, > 0.
    loss : array_like
        The loss L reached, > 0.
    law : KaplanLaw
        The constants.
    """
    s = as_positive_array(steps, "steps")
    b = as_positive_array(batch, "batch")
    return s / (1.0 + critical_batch(loss, law) / b)


def compute_min(compute: ArrayLike, batch: ArrayLike, loss: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """C_min = C / (1 + B/B_crit(L)), (K3) (Kaplan et al. 2020, Eq. 5.5): the least compute, at B << B_crit.

    ``compute`` is the compute C = 6 N B S actually spent, FLOP, > 0; ``batch``, ``loss`` and ``law``
    as in :func:`steps_min`.
    """
    c = as_positive_array(compute, "compute")
    b = as_positive_array(batch, "batch")
    return c / (1.0 + b / critical_batch(loss, law))


def loss_n_s(n: ArrayLike, s_min: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S, (K1) (Kaplan et al. 2020, Eq. 1.6).

    Parameters
    ----------
    n : array_like
        Non-embedding parameters N_nonemb, > 0.
    s_min : array_like
        Steps S_min (at B >> B_crit), > 0.
    law : KaplanLaw
        The constants.
    """
    n = as_positive_array(n, "n")
    s = as_positive_array(s_min, "s_min")
    law = _law(law)
    return (law.N_c / n) ** law.alpha_N + (law.S_c / s) ** law.alpha_S


def _solve_loss(floor: NDArray[np.float64], term, iterations: int = 64) -> NDArray[np.float64]:
    """Root of L = floor + term(L), with term decreasing in L, by bisection in log L.

    The root lies in [floor, floor + term(floor)]: there L - floor - term(L) goes from
    -term(floor) < 0 to term(floor) - term(floor + term(floor)) > 0.
    """
    lo, hi = np.log(floor), np.log(floor + term(floor))
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        above = np.exp(mid) - floor - term(np.exp(mid)) > 0
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return np.exp((lo + hi) / 2.0)


def loss_at_compute_min(n: ArrayLike, c_min: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """Loss of a model of N_nonemb parameters trained with C_min FLOP at B << B_crit.

    With C_min = 6 N B_crit(L) S_min, (K1) becomes
    L = (N_c/N)^α_N + (6 N B_* S_c / (C_min L^(1/α_B)))^α_S (their Eq. B.3), solved for L.

    Parameters
    ----------
    n : array_like
        Non-embedding parameters, > 0.
    c_min : array_like
        Minimum compute C_min in FLOP, > 0; broadcast against ``n``.
    law : KaplanLaw
        The constants.
    """
    n = as_positive_array(n, "n")
    c = as_positive_array(c_min, "c_min")
    law = _law(law)
    n, c = np.broadcast_arrays(n, c)
    k = 6.0 * n * law.B_star * law.S_c / c
    return _solve_loss((law.N_c / n) ** law.alpha_N, lambda L: (k / L ** (1.0 / law.alpha_B)) ** law.alpha_S)


def loss_at_fixed_batch(n: ArrayLike, compute: ArrayLike, batch: float, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """Loss of a model of N_nonemb parameters trained with C = 6 N B S FLOP at a fixed batch B.

    S = C / (6 N B) steps count as S_min = S / (1 + B_crit(L)/B) in (K1), solved for L: the loss
    their laws predict for their own runs (B = 2^19 tokens for most).

    Parameters
    ----------
    n : array_like
        Non-embedding parameters, > 0.
    compute : array_like
        Compute spent, FLOP, > 0; broadcast against ``n``.
    batch : float
        Batch size in tokens, > 0.
    law : KaplanLaw
        The constants.
    """
    n = as_positive_array(n, "n")
    c = as_positive_array(compute, "compute")
    b = positive_scalar(batch, "batch")
    law = _law(law)
    n, c = np.broadcast_arrays(n, c)
    s = c / (6.0 * n * b)
    return _solve_loss((law.N_c / n) ** law.alpha_N,
                       lambda L: (law.S_c * (1.0 + law.B_star / (L ** (1.0 / law.alpha_B) * b)) / s) ** law.alpha_S)


def optimal_model(compute: ArrayLike, law: KaplanLaw = KAPLAN_2020, batch: float | None = None,
                  iterations: int = 80) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The model size with the lowest loss at each budget, found numerically (no use of (K4)).

    Parameters
    ----------
    compute : array_like
        Budgets in FLOP, > 0: C_min when ``batch`` is ``None``, else compute spent at ``batch``.
    law : KaplanLaw
        The constants.
    batch : float, optional
        A fixed batch size in tokens (their runs: 2^19); ``None`` trains at B << B_crit.
    iterations : int
        Golden-section steps over log N in [0, 40] (80 shrink the bracket below 1e-15).

    Returns
    -------
    n_opt, loss : ndarray
        Non-embedding parameters of the best model and its loss, shaped like ``compute``.
    """
    c = as_positive_array(compute, "compute")
    iterations = positive_int(iterations, "iterations")
    law = _law(law)
    if batch is not None:
        batch = positive_scalar(batch, "batch")

    def loss(x: NDArray[np.float64]) -> NDArray[np.float64]:
        if batch is None:
            return loss_at_compute_min(np.exp(x), c, law)
        return loss_at_fixed_batch(np.exp(x), c, batch, law)

    inv_phi = (np.sqrt(5.0) - 1.0) / 2.0
    lo, hi = np.zeros_like(c), np.full_like(c, 40.0)
    x1, x2 = hi - inv_phi * (hi - lo), lo + inv_phi * (hi - lo)
    f1, f2 = loss(x1), loss(x2)
    for _ in range(iterations):
        left = f1 < f2
        hi, lo = np.where(left, x2, hi), np.where(left, lo, x1)
        x2_new = np.where(left, x1, lo + inv_phi * (hi - lo))
        x1_new = np.where(left, hi - inv_phi * (hi - lo), x2)
        f2, f1 = np.where(left, f1, loss(x2_new)), np.where(left, loss(x1_new), f2)
        x1, x2 = x1_new, x2_new
    x = (lo + hi) / 2.0
    return np.exp(x), loss(x)


def frontier_fit(compute: ArrayLike, law: KaplanLaw = KAPLAN_2020, batch: float | None = None) -> tuple[float, float]:
    """Slopes of log N_opt and of log L_opt against log compute over these budgets.

    Parameters
    ----------
    compute : array_like
        At least two budgets in FLOP (C_min, or compute spent at ``batch``).
    law : KaplanLaw
        The constants.
    batch : float, optional
        Fixed batch size in tokens; ``None`` for C_min (see :func:`optimal_model`).

    Returns
    -------
    (float, float)
        The exponent of N_opt and the slope of the optimal loss (negative).
    """
    c = as_positive_array(compute, "compute").ravel()
    at_least(c, 2, "compute")
    n_opt, loss = optimal_model(c, law, batch)
    return float(np.polyfit(np.log(c), np.log(n_opt), 1)[0]), float(np.polyfit(np.log(c), np.log(loss), 1)[0])


def allocation_exponents(compute: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> dict[str, float]:
    """The exponents of (K4) measured on the numerical C_min frontier (no use of the closed forms).

    Parameters
    ----------
    compute : array_like
        At least two budgets C_min in FLOP.
    law : KaplanLaw
        The constants.

    Returns
    -------
    dict
        Slopes against log C_min, keyed as in :func:`frontier_exponents`: ``alpha_C`` (of 1/L),
        ``N``, ``B`` (B_crit), ``S`` (S_min = C_min / (6 N B_crit)) and ``D`` (C_min / (6 N)).
    """
    c = as_positive_array(compute, "compute").ravel()
    at_least(c, 2, "compute")
    n, loss = optimal_model(c, law)
    b = critical_batch(loss, law)
    series = {"alpha_C": 1.0 / loss, "N": n, "B": b, "S": c / (6.0 * n * b), "D": c / (6.0 * n)}
    return {k: float(np.polyfit(np.log(c), np.log(v), 1)[0]) for k, v in series.items()}


def frontier_exponents(law: KaplanLaw = KAPLAN_2020) -> dict[str, float]:
    """The exponents (K4) of the C_min frontier (Kaplan et al. 2020, Eqs. 1.7-1.8, B.7-B.10).

    Returns
    -------
    dict
        ``alpha_C`` (of L ∝ C_min^-α_C), and the exponents of C_min for ``N``, ``B`` (B_crit),
        ``S`` (S_min) and ``D`` (tokens processed, D ∝ B_crit S_min; equal to 1 - N's).
    """
    law = _law(law)
    a = law.alpha_C
    return {"alpha_C": a, "N": a / law.alpha_N, "B": a / law.alpha_B, "S": a / law.alpha_S,
            "D": a / law.alpha_B + a / law.alpha_S}


def compute_scale(law: KaplanLaw = KAPLAN_2020) -> float:
    """C_c of L = (C_c / C_min)^α_C in FLOP, their Eq. B.8.

    C_c = 6 N_c B_* S_c (1 + α_N/α_S)^(1/α_S + 1/α_N) (α_S/α_N)^(1/α_S).
    """
    law = _law(law)
    r = law.alpha_N / law.alpha_S
    return float(6.0 * law.N_c * law.B_star * law.S_c * (1.0 + r) ** (1.0 / law.alpha_S + 1.0 / law.alpha_N)
                 * (1.0 / r) ** (1.0 / law.alpha_S))


def empirical_allocation(p_N: float = KAPLAN_N_OPT_EXPONENT, alpha_C_min: float = KAPLAN_TABLE5["alpha_C_min"],
                         alpha_B: float = KAPLAN_TABLE5["alpha_B"], N_e: float = KAPLAN_N_OPT_PREFACTOR,
                         B_star: float = KAPLAN_TABLE5["B_star"],
                         C_c_min_pf_days: float = KAPLAN_TABLE5["C_c_min_pf_days"]) -> dict[str, float]:
    """Kaplan et al.'s Table 6 from their fitted N_opt and L(C_min), the route of their Sec. 6.1.

    With N_opt = N_e C_min^p_N fitted, L = (C_c^min / C_min)^α_C^min fitted and
    B_crit = B_* / L^(1/α_B): B_crit ∝ C_min^(α_C^min/α_B); C_min = 6 N B_crit S_min then gives
    S_min ∝ C_min^(1 - p_N - p_B); the tokens of a run at the critical batch, which costs
    C = 2 C_min, are D = 2 C_min / (6 N), ∝ C_min^(1 - p_N) (their Eq. 6.7).

    Parameters
    ----------
    p_N, N_e : float
        The fitted exponent and prefactor (parameters at 1 PF-day) of N_opt (0.73, 1.3e9).
    alpha_C_min, C_c_min_pf_days : float
        The fitted L(C_min): exponent 0.050, scale 3.1e8 PF-days.
    alpha_B, B_star : float
        B_crit(L): 0.21 and 2.1e8 tokens.

    Returns
    -------
    dict
        ``p_N``, ``p_B``, ``p_S``, ``p_D`` and the prefactors at C_min = 1 PF-day ``N_e``, ``B_e``
        (tokens), ``S_e`` (steps), ``D_e`` (tokens), as in their Table 6.
    """
    p_N = positive_scalar(p_N, "p_N")
    if p_N >= 1:
        raise ValueError(f"p_N must be below 1 (the rest of the compute goes to data); got {p_N!r}")
    alpha_C_min = positive_scalar(alpha_C_min, "alpha_C_min")
    alpha_B = positive_scalar(alpha_B, "alpha_B")
    N_e = positive_scalar(N_e, "N_e")
    B_star = positive_scalar(B_star, "B_star")
    C_c = positive_scalar(C_c_min_pf_days, "C_c_min_pf_days")
    p_B = alpha_C_min / alpha_B
    loss_1 = C_c**alpha_C_min  # L at C_min = 1 PF-day
    B_e = B_star / loss_1 ** (1.0 / alpha_B)
    return {"p_N": p_N, "p_B": p_B, "p_S": 1.0 - p_N - p_B, "p_D": 1.0 - p_N, "N_e": N_e, "B_e": B_e,
            "S_e": PF_DAY / (6.0 * N_e * B_e), "D_e": 2.0 * PF_DAY / (6.0 * N_e)}


def efficient_loss_excess(law: KaplanLaw = KAPLAN_2020) -> float:
    """α_N/α_S: compute-efficient training stops this fraction above the converged loss (Eq. B.5)."""
    law = _law(law)
    return law.alpha_N / law.alpha_S


def convergence_comparison(f: float, f_prime: float, law: KaplanLaw = KAPLAN_2020) -> dict[str, float]:
    """Efficient training (f above convergence) against training to f' (Kaplan et al. 2020, Eqs. B.12-B.14).

    Parameters
    ----------
    f, f_prime : float
        Fractions above the converged loss, > 0 (theirs: f = α_N/α_S ≈ 0.10 and f' = 0.02).
    law : KaplanLaw
        The constants.

    Returns
    -------
    dict
        At a fixed loss: ``N`` = N_f/N_f', ``S`` = S_f/S_f' and ``C`` = their product.
    """
    f = positive_scalar(f, "f")
    f_prime = positive_scalar(f_prime, "f_prime")
    law = _law(law)
    n = ((1.0 + f) / (1.0 + f_prime)) ** (1.0 / law.alpha_N)
    s = ((1.0 + 1.0 / f) / (1.0 + 1.0 / f_prime)) ** (1.0 / law.alpha_S)
    return {"N": n, "S": s, "C": n * s}


def _bracket(size_ratio: ArrayLike, law: KaplanLaw) -> NDArray[np.float64]:
    x = as_positive_array(size_ratio, "size_ratio")
    inner = 1.0 + law.alpha_S / law.alpha_N * (1.0 - x ** -law.alpha_N)
    if np.any(inner <= 0):
        raise ValueError(
            f"size_ratio below {(1 + law.alpha_N / law.alpha_S) ** (-1 / law.alpha_N):.3g} cannot reach the "
            "efficient model's loss at all (its converged loss is higher); pass a larger size_ratio"
        )
    return inner


def suboptimal_compute(size_ratio: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """Compute to reach the efficient model's loss with N = size_ratio · N_eff, relative (Eq. B.16).

    C/C_eff = x [1 + (α_S/α_N)(1 - x^-α_N)]^(-1/α_S) with x = N/N_eff.
    """
    law = _law(law)
    x = as_positive_array(size_ratio, "size_ratio")
    return x * _bracket(x, law) ** (-1.0 / law.alpha_S)


def suboptimal_steps(size_ratio: ArrayLike, law: KaplanLaw = KAPLAN_2020) -> NDArray[np.float64]:
    """Steps to reach the efficient model's loss with N = size_ratio · N_eff, relative (Eq. B.17)."""
    law = _law(law)
    return _bracket(size_ratio, law) ** (-1.0 / law.alpha_S)


def size_range_for_extra_compute(extra: float, law: KaplanLaw = KAPLAN_2020) -> tuple[float, float]:
    """The sizes N/N_eff, below and above 1, that need ``1 + extra`` times the efficient compute.

    Parameters
    ----------
    extra : float
        Extra compute as a fraction, > 0 (their 0.20).
    law : KaplanLaw
        The constants.
    """
    extra = positive_scalar(extra, "extra")
    law = _law(law)
    smallest = (1.0 + law.alpha_N / law.alpha_S) ** (-1.0 / law.alpha_N) * (1 + 1e-12)
    g = lambda x: float(suboptimal_compute(x, law)) - (1.0 + extra)  # noqa: E731
    return brentq(g, smallest, 1.0, xtol=1e-12), brentq(g, 1.0, 1e6, xtol=1e-12)


@dataclass(frozen=True)
class FixedScheduleStudy:
    """Pearce & Song's simulated study with losses read off one long schedule.

    Attributes
    ----------
    kappa, schedule_tokens, max_ratio : float
        The penalty model: L_read = L (1 + κ ln min(r, max_ratio)), r = schedule_tokens / D.
    compute_nonembedding, optimal_nonembedding : ndarray
        The budgets C_nonemb and the best model's N_nonemb at each.
    ratio_at_optimum : ndarray
        r = schedule_tokens / D of the best model at each budget.
    exponent_nonembedding : float
        a_nonemb: slope of log N*_nonemb on log C_nonemb.
    """

    kappa: float
    schedule_tokens: float
    max_ratio: float
    compute_nonembedding: NDArray[np.float64]
    optimal_nonembedding: NDArray[np.float64]
    ratio_at_optimum: NDArray[np.float64]
    exponent_nonembedding: float


def simulate_fixed_schedule(
    params: ChinchillaParams,
    kappa: float,
    *,
    schedule_tokens: float = HOFFMANN_KAPLAN_SCHEDULE_TOKENS,
    max_ratio: float = np.inf,
    n_models: int = 20,
    log10_n_nonembedding: tuple[float, float] = (2.9, 9.2),
    aspect_ratio: float = PEARCE_SONG_ASPECT_RATIO,
    vocab_size: int = 32000,
    n_budgets: int = 100,
    log10_compute_nonembedding: tuple[float, float] = PEARCE_SONG_LOG10_COMPUTE_RANGE,
) -> FixedScheduleStudy:
    """Pearce & Song's Kaplan-style study, each loss read off one schedule of ``schedule_tokens``.

    The grid, shape and budgets are those of :func:`nsl_utils.reconcile.simulate_kaplan_study`
    (exact reading). A model trained D tokens into a schedule of ``schedule_tokens`` is read at
    L(N_T, D) · (1 + κ ln r), r = schedule_tokens / D, with r capped at ``max_ratio``; a model whose
    D would exceed the schedule is not a candidate (its run ended). κ = 0 is their study (the
    Chinchilla law's losses are those of schedules matched to each D). The penalty's form, its
    size and its transfer from small runs to these scales are assumptions, not measurements.

    Parameters
    ----------
    params : ChinchillaParams
        The law generating the matched-schedule losses.
    kappa : float
        Relative penalty per unit of ln r (negative: a long schedule read early is better than a
        matched one).
    schedule_tokens : float
        Length of the one schedule, tokens (Kaplan's: 130e9, Hoffmann et al. 2022, Sec. 2).
    max_ratio : float
        Hold the penalty at its value at this ratio for larger r (inf: no cap).
    n_models, log10_n_nonembedding, aspect_ratio, vocab_size, n_budgets, log10_compute_nonembedding
        As in :func:`~nsl_utils.reconcile.simulate_kaplan_study`.
    """
    if not isinstance(params, ChinchillaParams):
        raise ValueError(f"params must be a ChinchillaParams (e.g. nsl_utils.laws.BESIROGLU_2024); got {params!r}")
    kappa = float(kappa)
    if not np.isfinite(kappa):
        raise ValueError(f"kappa must be a finite number (0: matched schedules); got {kappa!r}")
    schedule_tokens = positive_scalar(schedule_tokens, "schedule_tokens")
    max_ratio = float(max_ratio)
    if not max_ratio >= 1:
        raise ValueError(f"max_ratio must be at least 1 (or inf for no cap); got {max_ratio!r}")
    n_models = positive_int(n_models, "n_models")
    n_budgets = positive_int(n_budgets, "n_budgets")
    if n_models < 2 or n_budgets < 2:
        raise ValueError("n_models and n_budgets must be at least 2 to fit a line")
    n_ne = np.logspace(*log10_n_nonembedding, n_models)
    # Pearce & Song's count at a fixed aspect ratio (Eq. R1 of nsl_utils.reconcile)
    n_t = total_params(n_ne, embedding_coefficient(vocab_size, aspect_ratio))
    c_ne = np.logspace(*log10_compute_nonembedding, n_budgets)
    d = c_ne[:, None] / (6.0 * n_ne[None, :])
    ratio = schedule_tokens / d
    loss = params.E + params.A / n_t[None, :] ** params.alpha + params.B / d**params.beta
    usable = (d >= 1e6) & (d <= schedule_tokens)
    factor = 1.0 + kappa * np.log(np.clip(ratio, 1.0, max_ratio))
    if np.any(factor[usable] <= 0):
        raise ValueError(f"kappa={kappa!r} makes 1 + kappa ln r negative at the largest ratios; use a smaller "
                         "|kappa| or cap the ratio with max_ratio")
    loss = np.where(usable, loss * factor, np.inf)
    if not np.all(np.isfinite(loss).any(axis=1)):
        raise ValueError("some budgets are out of reach of every model (D outside 1e6 to schedule_tokens); "
                         "narrow log10_compute_nonembedding or lengthen schedule_tokens")
    best = loss.argmin(axis=1)
    n_opt = n_ne[best]
    slope = float(np.polyfit(np.log(c_ne), np.log(n_opt), 1)[0])
    return FixedScheduleStudy(kappa, schedule_tokens, max_ratio, c_ne, n_opt,
                              ratio[np.arange(n_budgets), best], slope)
