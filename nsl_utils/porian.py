"""Porian et al. (2024)'s IsoFLOP data: selecting one training setup and fitting its exponent.

Porian, Wortsman, Jitsev, Schmidt & Carmon, "Resolving Discrepancies in Compute-Optimal Scaling of
Language Models" (arXiv:2406.19146), move from Kaplan's setup to Chinchilla's in five steps (their
Table 1). Each step is one *configuration* of four columns of ``data/porian/
derived_isoflop_points.csv``; :func:`fit_staircase` fits Approach 2 (IsoFLOP parabolas, then
``N* ∝ C^a``) to each; :func:`fit_staircase_akima` fits Porian et al.'s own estimator
(:func:`nsl_utils.fit.fit_isoflop_akima`) and :func:`fit_published_optima` refits their released
optima with their weighted fit. The published exponents are in :mod:`nsl_utils.published`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .fit import (
    AkimaIsoFlopFit,
    IsoFlopFit,
    PowerLawFit,
    fit_isoflop,
    fit_isoflop_akima,
    fit_weighted_power_law,
)

__all__ = [
    "CONFIG_COLUMNS",
    "STEPS",
    "SEED_NOISE",
    "config_rows",
    "fit_staircase",
    "fit_staircase_akima",
    "fit_published_optima",
]

#: The columns that name a configuration, in the order of the tuples in :data:`STEPS`.
CONFIG_COLUMNS = ("hparams", "warmup", "decay", "param_count")

#: The five steps of Porian et al.'s Table 1 as ``(hparams, warmup, decay, param_count)``.
STEPS: dict[str, tuple[str, str, str, str]] = {
    "1. Kaplan's setup": ("base", "long", "kaplan", "kaplan"),
    "2. count the last layer": ("base", "long", "kaplan", "standard"),
    "3. correct the warmup": ("base", "short", "kaplan", "standard"),
    "4. cosine decay matched to the budget": ("base", "short", "chinchilla", "standard"),
    "5. tuned LR, batch size and AdamW β2": ("tuned", "short", "const", "standard"),
}

#: Standard deviation (nats/token) of the Gaussian seed noise that Porian et al.'s bootstrap adds
#: to every loss, per dataset. Their ``configs.py`` gives a floor and a ceiling (RefinedWeb 0.002
#: and 0.05, OpenWebText2 0.01 and 0.1) to be interpolated between losses of 3 and 7 (6) nats, but
#: their ``get_noise_for_loss`` compares ln L, not L, with those thresholds, so every loss in
#: these data (ln L < 3) gets the floor. These floors are what reproduces their released
#: ``n_star_log_std`` (checked in ``tests/test_porian.py``).
SEED_NOISE: dict[str, float] = {"rw": 0.002, "owt2": 0.01}


def config_rows(frame: pd.DataFrame, config: tuple[str, ...], dataset: str = "rw") -> pd.DataFrame:
    """The rows of ``frame`` for one configuration on one dataset.

    Parameters
    ----------
    frame : pandas.DataFrame
        Porian et al.'s points or optima, with a ``dataset`` column and :data:`CONFIG_COLUMNS`.
    config : tuple of str
        ``(hparams, warmup, decay, param_count)``, e.g. a value of :data:`STEPS`.
    dataset : str
        ``"rw"`` (RefinedWeb) or ``"owt2"`` (OpenWebText2).

    Returns
    -------
    pandas.DataFrame
        The matching rows (a copy).

    Raises
    ------
    ValueError
        If ``frame`` lacks a column, ``config`` does not have four entries, or no row matches
        (the message lists the values that exist, so a typo is easy to spot).
    """
    missing = [c for c in ("dataset", *CONFIG_COLUMNS) if c not in frame.columns]
    if missing:
        raise ValueError(f"frame: missing columns {missing}; pass Porian et al.'s points or optima")
    if len(config) != len(CONFIG_COLUMNS):
        raise ValueError(f"config: expected {len(CONFIG_COLUMNS)} entries {CONFIG_COLUMNS}; "
                         f"got {config!r}")
    sel = frame["dataset"] == dataset
    for column, value in zip(CONFIG_COLUMNS, config):
        sel &= frame[column] == value
    if not sel.any():
        present = {c: sorted(frame[c].astype(str).unique()) for c in ("dataset", *CONFIG_COLUMNS)}
        raise ValueError(f"config: no rows for dataset={dataset!r}, config={config!r}; "
                         f"the values present are {present}")
    return frame[sel].copy()


def fit_staircase(
    points: pd.DataFrame,
    steps: Mapping[str, tuple[str, ...]] = STEPS,
    *,
    dataset: str = "rw",
    window: float | None = 0.75,
) -> dict[str, IsoFlopFit]:
    """Approach 2 (Hoffmann et al. 2022, Sec. 3.2) for each step of Porian et al.'s Table 1.

    Parameters
    ----------
    points : pandas.DataFrame
        ``data/porian/derived_isoflop_points.csv``: columns ``flops`` (FLOP), ``N`` (parameters,
        as the configuration counts them) and ``loss`` (nats/token), plus the configuration.
    steps : mapping of str to tuple of str
        Step name to configuration (default :data:`STEPS`).
    dataset : str
        ``"rw"`` or ``"owt2"``.
    window : float or None
        Passed to :func:`nsl_utils.fit.fit_isoflop`: each parabola uses the sizes within
        ``window`` (in ln N) of its budget's best size.

    Returns
    -------
    dict of str to IsoFlopFit
        One fit per step, in the order of ``steps``; ``fit.a`` is the exponent of ``N* ∝ C^a``.
    """
    fits = {}
    for step, config in steps.items():
        rows = config_rows(points, config, dataset)
        fits[step] = fit_isoflop(rows["flops"], rows["N"], rows["loss"], window=window)
    return fits


def fit_staircase_akima(
    points: pd.DataFrame,
    steps: Mapping[str, tuple[str, ...]] = STEPS,
    *,
    dataset: str = "rw",
    n_boot: int = 1000,
    seed: int | None = 0,
    seed_noise: float | None = None,
) -> dict[str, AkimaIsoFlopFit]:
    """Porian et al.'s own estimator for each step of their Table 1.

    Porian, Wortsman, Jitsev, Schmidt & Carmon (2024, arXiv:2406.19146): Akima interpolation of
    each IsoFLOP profile, a bootstrap over seed noise, and a weighted fit of the bootstrap medians
    (:func:`nsl_utils.fit.fit_isoflop_akima`, which cites their code).

    Parameters
    ----------
    points : pandas.DataFrame
        ``data/porian/derived_isoflop_points.csv``: columns ``flops`` (FLOP), ``N`` (parameters,
        as the configuration counts them) and ``loss`` (nats/token), plus the configuration.
    steps : mapping of str to tuple of str
        Step name to configuration (default :data:`STEPS`).
    dataset : str
        ``"rw"`` or ``"owt2"``.
    n_boot : int
        Bootstrap draws per budget (Porian et al.: 1,000).
    seed : int or None
        Seed of the noise; every step starts from the same seed.
    seed_noise : float, optional
        Noise added to each loss (nats/token); default :data:`SEED_NOISE` of ``dataset``.

    Returns
    -------
    dict of str to AkimaIsoFlopFit
        One fit per step, in the order of ``steps``; ``fit.a`` is the exponent of ``N* ∝ C^a``.

    Raises
    ------
    ValueError
        If ``seed_noise`` is not given and ``dataset`` has no entry in :data:`SEED_NOISE`, or as
        :func:`config_rows` and :func:`nsl_utils.fit.fit_isoflop_akima` do.
    """
    if seed_noise is None:
        if dataset not in SEED_NOISE:
            raise ValueError(f"dataset: no seed noise known for {dataset!r} (known: "
                             f"{sorted(SEED_NOISE)}); pass seed_noise in nats/token")
        seed_noise = SEED_NOISE[dataset]
    fits = {}
    for step, config in steps.items():
        rows = config_rows(points, config, dataset)
        fits[step] = fit_isoflop_akima(rows["flops"], rows["N"], rows["loss"],
                                       seed_noise=seed_noise, n_boot=n_boot, seed=seed)
    return fits


def fit_published_optima(
    optima: pd.DataFrame,
    steps: Mapping[str, tuple[str, ...]] = STEPS,
    *,
    dataset: str = "rw",
) -> dict[str, PowerLawFit]:
    """Refit Porian et al.'s released optima with their weighted fit: a check of the last step.

    Each step's ``N_opt`` (their bootstrap medians, parameters) is fitted against ``flops``
    (FLOP) by weighted least squares in log space with weights ``1 / n_star_log_std**2``
    (:func:`nsl_utils.fit.fit_weighted_power_law`); budgets without an optimum (NaN) are left
    out, as their code does.

    Parameters
    ----------
    optima : pandas.DataFrame
        ``data/porian/derived_optimal_pairs.csv``.
    steps : mapping of str to tuple of str
        Step name to configuration (default :data:`STEPS`).
    dataset : str
        ``"rw"`` or ``"owt2"``.

    Returns
    -------
    dict of str to PowerLawFit
        One fit per step; ``fit.p`` is the exponent of ``N* ∝ C^a``.

    Raises
    ------
    ValueError
        If ``optima`` lacks ``flops``, ``N_opt`` or ``n_star_log_std``, or as :func:`config_rows`
        does.
    """
    missing = [c for c in ("flops", "N_opt", "n_star_log_std") if c not in optima.columns]
    if missing:
        raise ValueError(f"optima: missing columns {missing}; pass "
                         f"data/porian/derived_optimal_pairs.csv")
    fits = {}
    for step, config in steps.items():
        rows = config_rows(optima, config, dataset).dropna(subset=["N_opt", "n_star_log_std"])
        fits[step] = fit_weighted_power_law(rows["flops"], rows["N_opt"], rows["n_star_log_std"])
    return fits
