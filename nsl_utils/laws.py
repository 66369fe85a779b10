"""Published scaling laws: Kaplan et al. (2020) and the Chinchilla form of Hoffmann et al. (2022).

Losses are in nats per token. Parameters ``N`` and tokens ``D`` are plain counts; compute
``C`` is in FLOP unless a name says PF-days.

Constants
---------
HOFFMANN_2022
    Hoffmann et al. (2022), Eq. (10), the rounded Approach-3 fit: E 1.69, A 406.4, B 410.7,
    α 0.34, β 0.28.
HOFFMANN_2022_UNROUNDED
    The same fit with unrounded exponents and E (α 0.33917, β 0.28491, E 1.6934): not printed in
    Hoffmann et al.'s paper but in the TeX source of its arXiv version, where Besiroglu et al.
    (2024, v2) found them; used by Besiroglu et al. and Pearce & Song (2024).
BESIROGLU_2024
    Epoch AI's refit on the digitised Chinchilla data, Besiroglu et al. (2024), Eq. (3):
    E 1.8169 (printed 1.82), A 482.01, B 2085.43, α 0.3478, β 0.3658.
KAPLAN_2020
    Kaplan et al. (2020), Table 5 and Eqs. (1.1)-(1.5), (6.1): see :class:`KaplanConstants`.
SARDANA_2024
    Hoffmann et al.'s Approach-3 law with the coefficients that reproduce the worked example of
    Sardana et al. (2024), Fig. 1: E 1.69, A 406.4, B 410.7, α 0.336, β 0.283.

Inference-aware planning
------------------------
Sardana et al. (2024) charge a model 6 N_T FLOP per training token and 2 N_T per inference token,
and ask for the N_T and training tokens D that reach a target loss at the least lifetime compute
6 N_T D + 2 N_T D_inf (:func:`lifetime_compute`, :func:`inference_optimal`). With no inference
the answer is the Chinchilla optimum for that loss (:func:`compute_optimal_for_loss`).

Fitted ranges
-------------
Every published law above carries, as ``fitted_range``, the region of parameters, tokens and
compute its coefficients were fitted on (:class:`FittedRange`, numbers from
:mod:`nsl_utils.published` with their citations). Outside it a law is an extrapolation;
:meth:`FittedRange.outside` says by how much, and the calculator prints it.

Counting
--------
The two families count different things. The Chinchilla form counts total parameters N_T
(embeddings included) and total compute C_T = 6 N_T D. Kaplan et al. count non-embedding
parameters N_nonemb and non-embedding compute C_nonemb = 6 N_nonemb B S, and their compute law
takes C_min, the non-embedding compute at a batch far below the critical batch size
(:func:`kaplan_c_min`). Their losses are measured on different data with different tokenizers
(WebText2 with GPT-2's 50,257-token BPE; MassiveText with a 32,000-token SentencePiece), so a
Kaplan loss and a Chinchilla loss are not comparable numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nsl_utils import published
from nsl_utils._validation import (
    as_finite_array,
    as_positive_array,
    broadcastable,
    positive_scalar,
)
from nsl_utils.published import PF_DAY

__all__ = [
    "FittedRange",
    "FittedRangeWarning",
    "CHINCHILLA_FITTED_RANGE",
    "KAPLAN_FITTED_RANGE",
    "ChinchillaParams",
    "KaplanConstants",
    "HOFFMANN_2022",
    "HOFFMANN_2022_UNROUNDED",
    "BESIROGLU_2024",
    "KAPLAN_2020",
    "chinchilla_loss",
    "kaplan_loss",
    "kaplan_loss_n",
    "kaplan_loss_d",
    "kaplan_loss_cmin",
    "kaplan_n_opt",
    "kaplan_c_min",
    "compute_optimal",
    "SARDANA_2024",
    "lifetime_compute",
    "chinchilla_tokens_for_loss",
    "compute_optimal_for_loss",
    "inference_optimal",
]


class FittedRangeWarning(UserWarning):
    """A law was evaluated outside the range of parameters, tokens or compute it was fitted on."""


_UNITS = {"parameters": "parameters", "tokens": "tokens", "compute": "FLOP"}


def _pair(value: Any, name: str) -> tuple[float, float]:
    """``value`` as a (low, high) pair of finite numbers with 0 < low < high."""
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"FittedRange.{name} must be a pair (low, high) of numbers; got {value!r}"
        ) from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise ValueError(
            f"FittedRange.{name} must satisfy 0 < low < high, both finite; got {(low, high)!r}"
        )
    return low, high


@dataclass(frozen=True)
class FittedRange:
    """The region a law's coefficients were fitted on: model sizes, training tokens, compute.

    A law evaluated outside this region is an extrapolation, however smooth its formula. The
    ranges are the ones the papers state (see :mod:`nsl_utils.published` for each citation).

    Attributes
    ----------
    parameters, tokens, compute : tuple of float
        (low, high) of the parameter count, training tokens and compute (FLOP) of the runs the
        law was fitted on.
    parameter_symbol, compute_symbol : str
        What the parameter count and the compute count, in the book's ASCII notation:
        ``"N_T"`` (total) or ``"N_nonemb"`` (non-embedding); ``"C_T"`` (total, 6 N_T D) or
        ``"C_min"`` (Kaplan's minimum non-embedding compute).
    parameters_source, tokens_source, compute_source : str
        Where each range comes from.
    """

    parameters: tuple[float, float]
    tokens: tuple[float, float]
    compute: tuple[float, float]
    parameter_symbol: str = "N_T"
    compute_symbol: str = "C_T"
    parameters_source: str = ""
    tokens_source: str = ""
    compute_source: str = ""

    def __post_init__(self) -> None:
        for name in ("parameters", "tokens", "compute"):
            object.__setattr__(self, name, _pair(getattr(self, name), name))

    def outside(
        self, *, N: float | None = None, D: float | None = None, C: float | None = None
    ) -> list[str]:
        """One sentence for each of ``N``, ``D``, ``C`` that lies outside the fitted range.

        Parameters
        ----------
        N : float, optional
            Parameters, counted as ``parameter_symbol`` says, > 0.
        D : float, optional
            Training tokens, > 0.
        C : float, optional
            Compute in FLOP, counted as ``compute_symbol`` says, > 0.

        Returns
        -------
        list of str
            Empty when every given value lies inside; otherwise each sentence names the value,
            the range it leaves, the source of that range and the factor by which it leaves it.

        Raises
        ------
        ValueError
            If a given value is not a finite number > 0.
        """
        messages = []
        checks = [("parameters", self.parameter_symbol, N, "N"), ("tokens", "D", D, "D"),
                  ("compute", self.compute_symbol, C, "C")]
        for name, symbol, value, arg in checks:
            if value is None:
                continue
            x = positive_scalar(value, arg)
            low, high = getattr(self, name)
            if low <= x <= high:
                continue
            unit = _UNITS[name]
            side, factor = ("below", low / x) if x < low else ("above", x / high)
            source = getattr(self, f"{name}_source")
            messages.append(
                f"{symbol} = {x:.3g} {unit} is outside the fitted range, {low:.3g} to {high:.3g} "
                f"{unit}" + (f" ({source})" if source else "") + f", a factor {factor:.3g} {side} it"
            )
        return messages

    def describe(self) -> str:
        """The three ranges on one line, e.g. for the command line's output."""
        return (
            f"{self.parameter_symbol} {self.parameters[0]:.3g} to {self.parameters[1]:.3g}, "
            f"D {self.tokens[0]:.3g} to {self.tokens[1]:.3g} tokens, "
            f"{self.compute_symbol} {self.compute[0]:.3g} to {self.compute[1]:.3g} FLOP"
        )

    def as_dict(self) -> dict[str, Any]:
        """The ranges and their sources as plain lists and strings (JSON-ready)."""
        return {
            "parameters": list(self.parameters), "parameter_symbol": self.parameter_symbol,
            "parameters_source": self.parameters_source,
            "tokens": list(self.tokens), "tokens_source": self.tokens_source,
            "compute": list(self.compute), "compute_symbol": self.compute_symbol,
            "compute_source": self.compute_source,
        }


#: What the Chinchilla-form fits were fitted on. Hoffmann et al.'s Approach 3 (their Sec. 3.3)
#: fits the final losses of the runs of Approaches 1 and 2; Besiroglu et al. (2024) refit the
#: same runs, digitised from Hoffmann et al.'s Figure 4, so both share this range. The stated
#: ranges are the papers': model sizes of Table A9 (the abstract rounds them to "70 million to
#: over 16 billion"), the abstract's "5 to 500 billion tokens" and the IsoFLOP budgets of
#: Sec. 3.2. The digitised runs reach a little further (about 0.8B tokens at the low end and
#: 1.4e18 to 1.3e22 FLOP, pinned in ``tests/test_laws.py``), so the compute and token ranges
#: here are the conservative ones.
CHINCHILLA_FITTED_RANGE = FittedRange(
    parameters=published.HOFFMANN_TABLE_A9_PARAMS_RANGE,
    tokens=published.HOFFMANN_TOKENS_RANGE,
    compute=published.HOFFMANN_ISOFLOP_BUDGET_RANGE,
    parameter_symbol="N_T",
    compute_symbol="C_T",
    parameters_source="Hoffmann et al. 2022, Table A9",
    tokens_source="Hoffmann et al. 2022, abstract",
    compute_source="Hoffmann et al. 2022, Sec. 3.2, the IsoFLOP budgets",
)


def _kaplan_c_min_at(n_nonemb: float) -> float:
    """C_min in FLOP at which Kaplan et al.'s Eq. (6.1) returns ``n_nonemb`` parameters."""
    pf_days = (n_nonemb / published.KAPLAN_N_OPT_PREFACTOR) ** (1.0 / published.KAPLAN_N_OPT_EXPONENT)
    return pf_days * PF_DAY


#: What Kaplan et al. (2020) fitted their laws on: models of 768 to 1.5e9 non-embedding
#: parameters and datasets of 22 million to 23 billion tokens (their Sec. 3). The paper gives
#: the compute span in words, "eight orders of magnitude in C_min" (Sec. 1.2); the range here is
#: the C_min at which their Eq. (6.1), N_opt = 1.3e9 C_min^0.73, returns their smallest and
#: largest model, about 2.9e-9 to 1.2 PF-days (2.5e11 to 1.1e20 FLOP), which spans those eight
#: decades. The token range is that of the datasets (unique tokens); their default runs took
#: 2.5e5 steps of 512 x 1024 tokens (Sec. 2.2), about 1.3e11 tokens processed, repeating the
#: 2.3e10-token WebText2 (Sec. 2.3). They also expect the laws to break down before
#: C_min ~ 1e4 PF-days (Sec. 6.3; ``published.KAPLAN_BREAKDOWN``).
KAPLAN_FITTED_RANGE = FittedRange(
    parameters=published.KAPLAN_NONEMB_PARAMS_RANGE,
    tokens=published.KAPLAN_TOKENS_RANGE,
    compute=(_kaplan_c_min_at(published.KAPLAN_NONEMB_PARAMS_RANGE[0]),
             _kaplan_c_min_at(published.KAPLAN_NONEMB_PARAMS_RANGE[1])),
    parameter_symbol="N_nonemb",
    compute_symbol="C_min",
    parameters_source="Kaplan et al. 2020, Sec. 3",
    tokens_source="Kaplan et al. 2020, Sec. 3",
    compute_source="C_min at which Kaplan et al.'s Eq. (6.1) gives their smallest and largest "
                   "models; their Sec. 1.2: eight orders of magnitude in C_min",
)


@dataclass(frozen=True)
class ChinchillaParams:
    """Coefficients of the Chinchilla law L(N, D) = E + A / N^α + B / D^β.

    Parameters
    ----------
    E : float
        Irreducible loss (nats per token).
    A, B : float
        Scales of the parameter and data terms.
    alpha, beta : float
        Exponents of the parameter and data terms.
    source : str
        Where the numbers come from (paper, equation or table).
    fitted_range : FittedRange, optional
        The parameters, tokens and compute the coefficients were fitted on, when known
        (the published fits carry :data:`CHINCHILLA_FITTED_RANGE`). Not part of equality.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str = ""
    fitted_range: FittedRange | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("E", "A", "B", "alpha", "beta"):
            value = getattr(self, name)
            if not np.isfinite(value):
                raise ValueError(f"ChinchillaParams.{name} must be finite; got {value!r}")
        for name in ("A", "B", "alpha", "beta"):
            if getattr(self, name) <= 0:
                raise ValueError(
                    f"ChinchillaParams.{name} must be positive; got {getattr(self, name)!r}"
                )
        if self.E < 0:
            raise ValueError(f"ChinchillaParams.E must be non-negative; got {self.E!r}")

    @property
    def a(self) -> float:
        """Exponent of N_opt ∝ C^a under C = 6ND: a = β / (α + β)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        """Exponent of D_opt ∝ C^b under C = 6ND: b = α / (α + β)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def G(self) -> float:
        """Prefactor G = (αA / (βB))^(1/(α+β)) of N_opt = G (C/6)^a (Hoffmann et al. 2022, Eq. 4)."""
        return float((self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta)))

    def as_dict(self) -> dict[str, float]:
        """The five coefficients as a plain dict (no source)."""
        return {"E": self.E, "A": self.A, "B": self.B, "alpha": self.alpha, "beta": self.beta}


HOFFMANN_2022 = ChinchillaParams(
    E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28,
    source="Hoffmann et al. (2022), Eq. (10)",
    fitted_range=CHINCHILLA_FITTED_RANGE,
)
HOFFMANN_2022_UNROUNDED = ChinchillaParams(
    E=1.6934, A=406.4, B=410.7, alpha=0.33917, beta=0.28491,
    source="Hoffmann et al. (2022), unrounded values from the arXiv TeX source (via Besiroglu et al. 2024)",
    fitted_range=CHINCHILLA_FITTED_RANGE,
)
BESIROGLU_2024 = ChinchillaParams(
    E=published.EPOCH_HEADLINE_E, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658,
    source="Besiroglu et al. (2024), Eq. (3) (E printed 1.82; 1.8169 unrounded)",
    fitted_range=CHINCHILLA_FITTED_RANGE,
)


@dataclass(frozen=True)
class KaplanConstants:
    """Constants of the laws of Kaplan et al. (2020); N counts non-embedding parameters.

    Attributes
    ----------
    alpha_N, N_c : float
        L(N) = (N_c / N)^α_N, Eq. (1.1): 0.076 and 8.8e13 parameters.
    alpha_D, D_c : float
        L(D) = (D_c / D)^α_D, Eq. (1.2): 0.095 and 5.4e13 tokens.
    alpha_C_min, C_c_min_pf_days : float
        L(C_min) = (C_c^min / C_min)^α_C^min, Eq. (1.3): 0.050 and 3.1e8 PF-days.
    joint_alpha_N, joint_alpha_D, joint_N_c, joint_D_c : float
        L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D, Eq. (1.5) with Table 2:
        0.076, 0.103, 6.4e13 parameters and 1.8e13 tokens.
    n_opt_prefactor, n_opt_exponent : float
        N_opt = 1.3e9 · C_min^0.73 with C_min in PF-days, Eq. (6.1) and Fig. 14.
    fitted_range : FittedRange
        Models of 768 to 1.5e9 non-embedding parameters, 22M to 23B tokens, and the C_min
        that Eq. (6.1) maps onto those models: :data:`KAPLAN_FITTED_RANGE`.

    Notes
    -----
    N counts non-embedding parameters N_nonemb; compute is non-embedding compute,
    C = 6 N_nonemb B S (Sec. 1.3), and the compute laws take C_min (:func:`kaplan_c_min`). The
    losses are test losses on WebText2 with GPT-2's 50,257-token BPE (Sec. 2); Kaplan et al. note
    that N_c, D_c and C_c depend on the vocabulary and tokenization (Sec. 1.2).
    """

    alpha_N: float = 0.076
    N_c: float = 8.8e13
    alpha_D: float = 0.095
    D_c: float = 5.4e13
    alpha_C_min: float = 0.050
    C_c_min_pf_days: float = 3.1e8
    joint_alpha_N: float = 0.076
    joint_alpha_D: float = 0.103
    joint_N_c: float = 6.4e13
    joint_D_c: float = 1.8e13
    n_opt_prefactor: float = 1.3e9
    n_opt_exponent: float = 0.73
    source: str = "Kaplan et al. (2020), Eqs. (1.1)-(1.5), (6.1), Table 2"
    fitted_range: FittedRange = field(default=KAPLAN_FITTED_RANGE, compare=False, repr=False)


KAPLAN_2020 = KaplanConstants()


def chinchilla_loss(
    N: ArrayLike, D: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> NDArray[np.float64]:
    """Loss of the Chinchilla law, L(N, D) = E + A / N^α + B / D^β.

    Implements Hoffmann et al. (2022), Eq. (2). The published fits hold on the range in their
    ``fitted_range`` (:data:`CHINCHILLA_FITTED_RANGE`); outside it the formula extrapolates.

    Parameters
    ----------
    N : array_like
        Total parameters N_T (embeddings included), > 0. Broadcasts against ``D``.
    D : array_like
        Training tokens, > 0.
    params : ChinchillaParams
        The fitted coefficients; defaults to Epoch AI's refit.

    Returns
    -------
    ndarray
        Loss in nats per token.
    """
    N = as_positive_array(N, "N")
    D = as_positive_array(D, "D")
    broadcastable(N=N, D=D)
    return params.E + params.A / N**params.alpha + params.B / D**params.beta


def kaplan_loss(
    N: ArrayLike, D: ArrayLike, constants: KaplanConstants = KAPLAN_2020
) -> NDArray[np.float64]:
    """Kaplan's joint law L(N, D) = [(N_c/N)^(α_N/α_D) + D_c/D]^α_D.

    Implements Kaplan et al. (2020), Eq. (1.5) with the constants of their Table 2.

    Parameters
    ----------
    N : array_like
        Non-embedding parameters N_nonemb, > 0.
    D : array_like
        Dataset size in tokens, > 0 (the law is the early-stopped loss on a dataset of D tokens).
    constants : KaplanConstants
        Defaults to the published ones.

    Returns
    -------
    ndarray
        WebText2 test loss in nats per token.
    """
    N = as_positive_array(N, "N")
    D = as_positive_array(D, "D")
    broadcastable(N=N, D=D)
    k = constants
    ratio = k.joint_alpha_N / k.joint_alpha_D
    return ((k.joint_N_c / N) ** ratio + k.joint_D_c / D) ** k.joint_alpha_D


def kaplan_loss_n(N: ArrayLike, constants: KaplanConstants = KAPLAN_2020) -> NDArray[np.float64]:
    """L(N) = (N_c / N)^α_N for a model of N non-embedding parameters trained to convergence
    (Kaplan et al. 2020, Eq. 1.1). Loss in nats per token."""
    N = as_positive_array(N, "N")
    return (constants.N_c / N) ** constants.alpha_N


def kaplan_loss_d(D: ArrayLike, constants: KaplanConstants = KAPLAN_2020) -> NDArray[np.float64]:
    """L(D) = (D_c / D)^α_D for a large model trained with early stopping on D tokens
    (Kaplan et al. 2020, Eq. 1.2). Loss in nats per token."""
    D = as_positive_array(D, "D")
    return (constants.D_c / D) ** constants.alpha_D


def kaplan_loss_cmin(
    C_min_pf_days: ArrayLike, constants: KaplanConstants = KAPLAN_2020
) -> NDArray[np.float64]:
    """L(C_min) = (C_c^min / C_min)^α_C^min along the compute-efficient frontier
    (Kaplan et al. 2020, Eq. 1.3). ``C_min_pf_days`` is Kaplan's C_min (non-embedding compute at a
    batch far below the critical batch size, see :func:`kaplan_c_min`) in PF-days; the loss is
    the WebText2 test loss in nats per token."""
    C = as_positive_array(C_min_pf_days, "C_min_pf_days")
    return (constants.C_c_min_pf_days / C) ** constants.alpha_C_min


def kaplan_n_opt(C: ArrayLike, constants: KaplanConstants = KAPLAN_2020) -> NDArray[np.float64]:
    """Kaplan's compute-optimal non-embedding size, N_opt = 1.3e9 · C_min^0.73.

    Implements Kaplan et al. (2020), Eq. (6.1) and Fig. 14.

    Parameters
    ----------
    C : array_like
        Kaplan's C_min in FLOP (converted to PF-days internally), > 0: *non-embedding* compute,
        at a batch far below the critical batch size. It is not total compute C_T = 6 N_T D:
        a run at the critical batch size spends C_nonemb = 2 C_min (:func:`kaplan_c_min`), and
        C_T also counts the embedding parameters. The fit covers the C_min of
        :data:`KAPLAN_FITTED_RANGE` (models of 768 to 1.5e9 non-embedding parameters).

    Returns
    -------
    ndarray
        Non-embedding parameters N_nonemb.
    """
    C = as_positive_array(C, "C")
    return constants.n_opt_prefactor * (C / PF_DAY) ** constants.n_opt_exponent


def kaplan_c_min(C: ArrayLike, batch_over_critical: float = 1.0) -> NDArray[np.float64]:
    """Kaplan's C_min from the non-embedding compute a run actually spends.

    Implements Kaplan et al. (2020), Eq. (5.5): C_min = C / (1 + B / B_crit(L)), with
    C = 6 N_nonemb B S the non-embedding compute of a run at batch size B (their Sec. 1.3).
    C_min is the compute the same loss would need at a batch far below the critical batch
    size; at the critical batch size (the default, B = B_crit) it is C / 2, as in their Sec. 6.3.

    Parameters
    ----------
    C : array_like
        Non-embedding training compute C_nonemb in FLOP (or PF-days; the unit is kept), > 0.
        Not total compute: C_T also counts the embedding parameters.
    batch_over_critical : float
        B / B_crit(L) of the run, > 0; 1 for training at the critical batch size.

    Returns
    -------
    ndarray
        C_min, in the unit of ``C``.
    """
    C = as_positive_array(C, "C")
    ratio = positive_scalar(batch_over_critical, "batch_over_critical")
    return C / (1.0 + ratio)


def compute_optimal(
    C: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Compute-optimal allocation of the Chinchilla law under C = 6ND.

    Minimising E + A/N^α + B/D^β subject to 6ND = C gives (Hoffmann et al. 2022, Eq. 4)

    .. math::
        N_{opt} = G (C/6)^{a}, \\quad D_{opt} = G^{-1} (C/6)^{b},\\quad
        a = \\frac{\\beta}{\\alpha+\\beta},\\; b = \\frac{\\alpha}{\\alpha+\\beta},\\;
        G = \\left(\\frac{\\alpha A}{\\beta B}\\right)^{1/(\\alpha+\\beta)}.

    Parameters
    ----------
    C : array_like
        Total training compute C_T = 6 N_T D in FLOP, > 0. The published fits were fitted on
        budgets of their ``fitted_range``; far outside it the answer is an extrapolation.
    params : ChinchillaParams
        The law's coefficients.

    Returns
    -------
    N_opt, D_opt : ndarray
        Total parameters N_T and training tokens; ``6 * N_opt * D_opt == C``.
    """
    C = as_positive_array(C, "C")
    n_opt = params.G * (C / 6.0) ** params.a
    d_opt = (C / 6.0) ** params.b / params.G
    return n_opt, d_opt


#: Hoffmann et al.'s Approach-3 law as Sardana et al. (2024) evaluate it: with these coefficients
#: their Fig. 1 reproduces to the digits printed (see ``published.SARDANA_CHINCHILLA_FIT``). Fitted
#: on Hoffmann et al.'s runs, so it carries their range.
SARDANA_2024 = ChinchillaParams(
    **published.SARDANA_CHINCHILLA_FIT,
    source="Hoffmann et al. (2022), Approach 3, with the exponents of Sardana et al. (2024), Fig. 1",
    fitted_range=CHINCHILLA_FITTED_RANGE,
)


def _nonnegative_array(value: ArrayLike, name: str, what: str) -> NDArray[np.float64]:
    """``value`` as a float array, raising unless every entry is finite and >= 0."""
    arr = as_finite_array(value, name)
    if np.any(arr < 0):
        raise ValueError(
            f"{name} must be >= 0 ({what}); got a minimum of {float(arr.min()):g}: pass 0 for none"
        )
    return arr


def _target_loss(loss: ArrayLike, params: ChinchillaParams) -> NDArray[np.float64]:
    """``loss`` as a float array, raising unless every entry lies above the law's E."""
    arr = as_finite_array(loss, "loss")
    if np.any(arr <= params.E):
        source = f" under {params.source}" if params.source else ""
        raise ValueError(
            f"loss = {arr.min():.4g} nats/token is unreachable{source}: the law never falls to "
            f"its irreducible loss E = {params.E:.4g}, however large N and D; pass a target loss "
            f"above {params.E:.4g}"
        )
    return arr


def lifetime_compute(N: ArrayLike, D: ArrayLike, inference_tokens: ArrayLike) -> NDArray[np.float64]:
    """Training plus inference compute of a model, 6 N D + 2 N D_inf.

    Implements the objective of Sardana et al. (2024), Eq. (2): a training token costs 6 N FLOP
    (forward and backward pass) and an inference token 2 N FLOP (forward pass only). The first
    term is the training compute C_T = 6 N_T D of the Chinchilla-form laws.

    Parameters
    ----------
    N : array_like
        Total parameters N_T, > 0.
    D : array_like
        Training tokens, > 0.
    inference_tokens : array_like
        Tokens the model processes at inference over its life, D_inf >= 0 (prompt and generated
        tokens alike: each costs one forward pass). All three broadcast together.

    Returns
    -------
    ndarray
        Lifetime compute in FLOP.
    """
    N = as_positive_array(N, "N")
    D = as_positive_array(D, "D")
    d_inf = _nonnegative_array(inference_tokens, "inference_tokens", "tokens served over the "
                               "model's life")
    broadcastable(N=N, D=D, inference_tokens=d_inf)
    return (published.SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN * N * D
            + published.SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN * N * d_inf)


def chinchilla_tokens_for_loss(
    N: ArrayLike, loss: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> NDArray[np.float64]:
    """Training tokens at which a model of N parameters reaches ``loss``: Eq. (2) solved for D.

    From L = E + A / N^α + B / D^β (Hoffmann et al. 2022, Eq. 2),
    D = (B / (L - E - A / N^α))^(1/β). Sardana et al. (2024, Sec. 2) use it to put every model
    size on the same iso-loss curve.

    Parameters
    ----------
    N : array_like
        Total parameters N_T, > 0. Broadcasts against ``loss``.
    loss : array_like
        Target loss in nats per token; it must lie above E + A / N^α, the loss of N parameters
        trained on infinite data.
    params : ChinchillaParams
        The law's coefficients.

    Returns
    -------
    ndarray
        Training tokens D.

    Raises
    ------
    ValueError
        If N is not positive, or the loss is out of reach of a model of that size.
    """
    N = as_positive_array(N, "N")
    target = _target_loss(loss, params)
    broadcastable(N=N, loss=target)
    floor = params.E + params.A / N**params.alpha  # the loss of N parameters on infinite data
    short = np.broadcast_arrays(target <= floor, target, N, floor)
    if np.any(short[0]):
        i = np.flatnonzero(short[0])[0]
        l_bad, n_bad, floor_bad = (np.ravel(x)[i] for x in short[1:])
        raise ValueError(
            f"loss = {l_bad:.4g} nats/token is out of reach of N = {n_bad:.3g} parameters: even "
            f"infinite data leaves E + A/N^alpha = {floor_bad:.4g}; pass a larger N or a loss "
            f"above {floor_bad:.4g}"
        )
    return (params.B / (target - floor)) ** (1.0 / params.beta)


def compute_optimal_for_loss(
    loss: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Chinchilla-optimal model for a target loss: least training compute 6 N D at L(N, D) = L.

    At the compute optimum the two reducible terms stand in the ratio α A / N^α = β B / D^β
    (Hoffmann et al. 2022, Eq. 4, read at fixed loss), so with s = L - E

    .. math::
        N = \\left(\\frac{A (\\alpha+\\beta)}{\\beta s}\\right)^{1/\\alpha}, \\quad
        D = \\left(\\frac{B (\\alpha+\\beta)}{\\alpha s}\\right)^{1/\\beta}.

    It is the point of :func:`compute_optimal` whose loss is L, and the answer of Sardana et
    al.'s (2024) Eq. (2) for no inference.

    Parameters
    ----------
    loss : array_like
        Target loss in nats per token, > E.
    params : ChinchillaParams
        The law's coefficients.

    Returns
    -------
    N, D : ndarray
        Total parameters N_T and training tokens.

    Raises
    ------
    ValueError
        If a loss is not above the law's irreducible loss E.
    """
    target = _target_loss(loss, params)
    s = target - params.E
    total = params.alpha + params.beta
    n = (params.A * total / (params.beta * s)) ** (1.0 / params.alpha)
    d = (params.B * total / (params.alpha * s)) ** (1.0 / params.beta)
    return n, d


def inference_optimal(
    loss: ArrayLike, inference_tokens: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Model size and training tokens that reach a loss at the least training + inference compute.

    Solves Sardana et al. (2024), Eq. (2),

    .. math::
        N^*, D^* = \\operatorname*{arg\\,min}_{N, D \\,:\\, L(N, D) = \\ell}\\;
        6 N D + 2 N D_\\text{inf},

    with L the Chinchilla law (Hoffmann et al. 2022, Eq. 2). Setting the derivative along the
    iso-loss curve to zero gives, with x = A / N^α and y = B / D^β,

    .. math::
        \\frac{\\alpha x}{\\beta y} = 1 + \\frac{D_\\text{inf}}{3 D},

    whose left side grows and right side falls with D, so the root is unique; it is found by
    bisection in log D (Sardana et al. use Newton's method on the same condition). With
    D_inf = 0 it is the Chinchilla optimum, :func:`compute_optimal_for_loss`; inference demand
    moves it to a smaller model trained on more tokens.

    Parameters
    ----------
    loss : array_like
        Target loss in nats per token, > E. Broadcasts against ``inference_tokens``.
    inference_tokens : array_like
        Tokens the model will process at inference over its life, D_inf >= 0.
    params : ChinchillaParams
        The law's coefficients. The published fits hold on their ``fitted_range``; demand
        pushes the answer to more tokens per parameter than any run they were fitted on.

    Returns
    -------
    N, D : ndarray
        Total parameters N_T and training tokens; the lifetime compute is
        :func:`lifetime_compute` of (N, D, inference_tokens).

    Raises
    ------
    ValueError
        If a loss is not above E, or inference_tokens is negative or not finite.
    """
    target = _target_loss(loss, params)
    d_inf = _nonnegative_array(inference_tokens, "inference_tokens", "tokens served over the "
                               "model's life")
    broadcastable(loss=target, inference_tokens=d_inf)
    target, d_inf = np.broadcast_arrays(target, d_inf)
    a, b = params.alpha, params.beta
    s = target - params.E
    n_chin, d_chin = compute_optimal_for_loss(target, params)  # the root for D_inf = 0: a lower bound
    k = 1.0 + d_inf / (3.0 * d_chin)
    d_high = (params.B / s * (1.0 + b * k / a)) ** (1.0 / b)  # where alpha x / (beta y) >= k
    lo, hi = np.log(d_chin), np.log(d_high)
    for _ in range(200):  # bisection: the bracket shrinks to float precision long before
        mid = 0.5 * (lo + hi)
        d = np.exp(mid)
        excess = (a / b) * (s * d**b / params.B - 1.0) - 1.0 - d_inf / (3.0 * d)
        lo, hi = np.where(excess < 0, mid, lo), np.where(excess < 0, hi, mid)
    d_opt = np.exp(0.5 * (lo + hi))
    n_opt = (params.A / (s - params.B / d_opt**b)) ** (1.0 / a)
    none = d_inf == 0  # no inference: the closed form, exactly
    return np.where(none, n_chin, n_opt), np.where(none, d_chin, d_opt)
