"""Porian et al. (2024)'s IsoFLOP data: selecting one training setup and fitting its exponent.

Porian, Wortsman, Jitsev, Schmidt & Carmon, "Resolving Discrepancies in Compute-Optimal Scaling of
Language Models" (arXiv:2406.19146), move from Kaplan's setup to Chinchilla's in five steps (their
Table 1). Each step is one *configuration* of four columns of ``data/porian/
derived_isoflop_points.csv``; :func:`fit_staircase` fits Approach 2 (IsoFLOP parabolas, then
``N* ∝ C^a``) to each. The published exponents are in :mod:`nsl_utils.published`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from .fit import IsoFlopFit, fit_isoflop

__all__ = ["CONFIG_COLUMNS", "STEPS", "config_rows", "fit_staircase"]

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
