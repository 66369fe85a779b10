"""Published scaling laws: Kaplan et al. (2020) and the Chinchilla form of Hoffmann et al. (2022).

Losses are in nats per token. Parameters ``N`` and tokens ``D`` are plain counts; compute
``C`` is in FLOP unless a name says PF-days.

Constants
---------
HOFFMANN_2022
    Hoffmann et al. (2022), Eq. (10), the rounded Approach-3 fit: E 1.69, A 406.4, B 410.7,
    α 0.34, β 0.28.
HOFFMANN_2022_UNROUNDED
    The same fit with the unrounded exponents and E that Hoffmann et al. give in their
    Appendix D.2 (α 0.33917, β 0.28491, E 1.6934), as used by Besiroglu et al. (2024) and
    Pearce & Song (2024).
BESIROGLU_2024
    Epoch AI's refit on the digitised Chinchilla data, Besiroglu et al. (2024), Eq. (3):
    E 1.8172, A 482.01, B 2085.43, α 0.3478, β 0.3658.
KAPLAN_2020
    Kaplan et al. (2020), Table 5 and Eqs. (1.1)-(1.5), (6.1): see :class:`KaplanConstants`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nsl_utils._validation import as_positive_array, broadcastable
from nsl_utils.published import PF_DAY

__all__ = [
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
    "compute_optimal",
]


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
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str = ""

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
)
HOFFMANN_2022_UNROUNDED = ChinchillaParams(
    E=1.6934, A=406.4, B=410.7, alpha=0.33917, beta=0.28491,
    source="Hoffmann et al. (2022), Appendix D.2 (unrounded exponents)",
)
BESIROGLU_2024 = ChinchillaParams(
    E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658,
    source="Besiroglu et al. (2024), Eq. (3)",
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


KAPLAN_2020 = KaplanConstants()


def chinchilla_loss(
    N: ArrayLike, D: ArrayLike, params: ChinchillaParams = BESIROGLU_2024
) -> NDArray[np.float64]:
    """Loss of the Chinchilla law, L(N, D) = E + A / N^α + B / D^β.

    Implements Hoffmann et al. (2022), Eq. (2).

    Parameters
    ----------
    N : array_like
        Total parameters (embeddings included), > 0. Broadcasts against ``D``.
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
        Non-embedding parameters, > 0.
    D : array_like
        Training tokens, > 0.
    constants : KaplanConstants
        Defaults to the published ones.

    Returns
    -------
    ndarray
        Loss in nats per token.
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
    (Kaplan et al. 2020, Eq. 1.3). ``C_min_pf_days`` is in PF-days; loss in nats per token."""
    C = as_positive_array(C_min_pf_days, "C_min_pf_days")
    return (constants.C_c_min_pf_days / C) ** constants.alpha_C_min


def kaplan_n_opt(C: ArrayLike, constants: KaplanConstants = KAPLAN_2020) -> NDArray[np.float64]:
    """Kaplan's compute-optimal non-embedding size, N_opt = 1.3e9 · C_min^0.73.

    Implements Kaplan et al. (2020), Eq. (6.1) and Fig. 14.

    Parameters
    ----------
    C : array_like
        Training compute in FLOP (converted to PF-days internally), > 0.

    Returns
    -------
    ndarray
        Non-embedding parameters.
    """
    C = as_positive_array(C, "C")
    return constants.n_opt_prefactor * (C / PF_DAY) ** constants.n_opt_exponent


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
        Training compute in FLOP, > 0.
    params : ChinchillaParams
        The law's coefficients.

    Returns
    -------
    N_opt, D_opt : ndarray
        Total parameters and training tokens; ``6 * N_opt * D_opt == C``.
    """
    C = as_positive_array(C, "C")
    n_opt = params.G * (C / 6.0) ** params.a
    d_opt = (C / 6.0) ** params.b / params.G
    return n_opt, d_opt

