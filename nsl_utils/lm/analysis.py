"""From a sweep CSV to IsoFLOP profiles and compute-optimal exponents in both countings.

Pearce & Song (2024, Sec. 5) fit the compute-optimal frontier N* ∝ C^a twice: counting total
parameters, N_T with C_T = 6 N_T D, and counting non-embedding parameters, N_nonemb with
C_nonemb = 6 N_nonemb D. A sweep's runs share an IsoFLOP budget in only one counting (here C_T), so
profiles in the other counting need runs on its own budget grid. :func:`isoflop_points` builds
them by interpolating each model size's final loss linearly in ln D between the horizons it was
trained at (never extrapolating): for a budget C in a counting with count N, the size trained
for D = C / (6 N) tokens. The fits themselves are :func:`nsl_utils.fit.fit_isoflop`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nsl_utils.datasets import checked_path
from nsl_utils.fit import (Envelope, IsoFlopFit, ParametricFit, PowerLawFit, envelope, fit_isoflop,
                           fit_parametric, fit_power_law)
from nsl_utils.lm.sweep import read_sweep

__all__ = ["SWEEPS", "BOOK_WINDOW", "load_sweep", "loss_curves", "isoflop_points",
           "fit_counting", "frontier", "nonembedding_optima", "exponents", "bootstrap_exponents",
           "best_learning_rates", "lr_rule", "seed_means", "approach2", "local_slopes", "approach3", "bootstrap_book",
           "embedding_share"]

#: The committed, finished sweeps, as ``(file in data/, sha256)``: the ``pilot`` preset (vocabulary
#: 4,096, Shakespeare and Milton); the same runs with AdamW's beta2 = 0.95 (what tuning beta2 to
#: the small batches changed); the ``pilot-lr`` preset, whose peak learning rate depends on the
#: width; and ``lr-bracket``, the book sweep's learning-rate pilot. The book sweep itself,
#: ``data/lm_sweep.csv``, grows while it runs: read it with ``load_sweep("data/lm_sweep.csv")``.
SWEEPS: dict[str, tuple[str, str]] = {
    "pilot": ("lm_sweep_pilot.csv", "b8d1e30f87be4b1a4eb0a92dd15b80cb7afbdd2688af81d4f104818db6f1a102"),
    "pilot-beta2-0.95": ("lm_sweep_pilot_beta2_095.csv",
                         "8d13305773ef9d9f493823d8de1dcf0a30fd7e4138dc9525049294ff553b5b4d"),
    "pilot-lr-by-width": ("lm_sweep_pilot_lr_by_width.csv",
                          "81439bfcdaba09100279332629bb13056c23524a3b4059a5facc51ba2b0ba87c"),
    "lr-bracket": ("lm_lr_bracket.csv", "d70445412999b3cc7c0023dbd1d44e2827627f8cc3e8f7eb877a2630d60b8137"),
}

Counting = Literal["total", "nonembedding"]
_COUNT = {"total": "n_params_total", "nonembedding": "n_params_nonembedding"}


def load_sweep(path: str | Path | None = None, *, variant: str = "pilot") -> pd.DataFrame:
    """A committed sweep from ``data/`` (sha256-checked), or any sweep CSV at ``path``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A sweep CSV written by ``python -m nsl_utils.lm sweep``; overrides ``variant``.
    variant : str
        One of :data:`SWEEPS`: ``"pilot"``, ``"pilot-beta2-0.95"``, ``"pilot-lr-by-width"`` or
        ``"lr-bracket"``.

    Raises
    ------
    ValueError
        If ``variant`` is not one of :data:`SWEEPS`.
    """
    if path is not None:
        return read_sweep(path)
    if variant not in SWEEPS:
        raise ValueError(f"variant must be one of {sorted(SWEEPS)}; got {variant!r}")
    return read_sweep(checked_path(*SWEEPS[variant]))


def loss_curves(df: pd.DataFrame) -> pd.DataFrame:
    """Training-loss curves in long form: ``run_id``, ``budget``, ``n_params_total``, ``tokens``, ``loss``."""
    rows = []
    for _, run in df.iterrows():
        tokens = np.array(run["curve_tokens"].split(), dtype=float)
        loss = np.array(run["curve_loss"].split(), dtype=float)
        rows.append(pd.DataFrame({"run_id": run["run_id"], "budget": run["budget"],
                                  "n_params_total": run["n_params_total"], "tokens": tokens, "loss": loss}))
    return pd.concat(rows, ignore_index=True)


def _counting(counting: str) -> str:
    if counting not in _COUNT:
        raise ValueError(f"counting must be 'total' or 'nonembedding'; got {counting!r}")
    return _COUNT[counting]


def isoflop_points(df: pd.DataFrame, counting: Counting = "total", budgets: ArrayLike | None = None) -> pd.DataFrame:
    """IsoFLOP profiles of a sweep in one counting.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of a sweep CSV (one per run).
    counting : {"total", "nonembedding"}
        Count N_T with C_T = 6 N_T D, or N_nonemb with C_nonemb = 6 N_nonemb D.
    budgets : array_like, optional
        Budgets C in that counting (FLOP). Default: for ``"total"`` the sweep's own budgets
        (the runs themselves, no interpolation); for ``"nonembedding"`` three per decade
        (1, 2.15, 4.64 × 10^k) across the range the runs cover.

    Returns
    -------
    pandas.DataFrame
        Columns ``C`` (FLOP), ``N`` (parameters in that counting), ``L`` (nats/token),
        ``d_model``, ``n_layer`` and ``tokens``: one row per budget and model size whose
        trained horizons cover that budget.
    """
    col = _counting(counting)
    # Nominal compute of each run in this counting: the budget's C_T rescaled by N / N_T, so runs
    # of one C_T budget share it exactly (tokens are rounded to whole batches, <0.1% below).
    c_run = df["budget"].to_numpy(float) * df[col].to_numpy(float) / df["n_params_total"].to_numpy(float)
    if budgets is None:
        if counting == "total":
            budgets = np.unique(df["budget"].to_numpy(float))
        else:
            lo, hi = np.floor(3 * np.log10(c_run.min())), np.ceil(3 * np.log10(c_run.max()))
            budgets = 10 ** (np.arange(lo, hi + 1) / 3)
    budgets = np.asarray(budgets, dtype=float)
    rows = []
    for (n_layer, d_model), group in df.assign(_c=c_run).groupby(["n_layer", "d_model"]):
        group = group.drop_duplicates("run_id").sort_values("_c")
        x = np.log(group["_c"].to_numpy())
        n = float(group[col].iloc[0])
        for c in budgets:
            lx = np.log(c)
            # Match a trained budget exactly when it is one (no interpolation error there).
            hit = np.isclose(x, lx, rtol=0, atol=1e-9)
            if hit.any():
                loss = float(group["loss"].to_numpy()[hit][0])
            elif x.size >= 2 and x[0] < lx < x[-1]:
                loss = float(np.interp(lx, x, group["loss"].to_numpy()))
            else:
                continue
            rows.append({"C": c, "N": n, "L": loss, "n_layer": n_layer, "d_model": d_model,
                         "tokens": c / (6 * n)})
    return pd.DataFrame(rows, columns=["C", "N", "L", "n_layer", "d_model", "tokens"])


def fit_counting(df: pd.DataFrame, counting: Counting = "total", budgets: ArrayLike | None = None,
                 *, ci: float = 0.95) -> IsoFlopFit:
    """Approach 2 (:func:`nsl_utils.fit.fit_isoflop`) on :func:`isoflop_points` of one counting."""
    pts = isoflop_points(df, counting, budgets)
    return fit_isoflop(pts["C"], pts["N"], pts["L"], ci=ci)


def frontier(df: pd.DataFrame, counting: Counting = "total", *, n_grid: int = 60,
             ci: float = 0.95) -> Envelope:
    """The compute frontier of the sweep's training curves in one counting (Approach 1).

    Every run's recorded training-loss curve is placed on the compute axis of the counting
    (C = 6 N D with N = N_T or N_nonemb), interpolated linearly in ln C onto ``n_grid`` log-spaced
    values, and :func:`nsl_utils.fit.envelope` keeps the lowest loss at each value: the run
    that wins there gives N*(C). The grid runs from the end of the shortest run to the end of
    the longest in that counting, so every grid value is reached by some run's end or beyond.
    This is how Kaplan et al. (2020) and Approach 1 of Hoffmann et al. (2022) locate the
    frontier, and it needs no shared budgets, so each counting is fitted on its own axis.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep.
    counting : {"total", "nonembedding"}
    n_grid : int
        Compute values on the grid.
    ci : float
        Coverage of the intervals.

    Returns
    -------
    nsl_utils.fit.Envelope
        ``.C``, ``.loss``, ``.n_opt`` and ``.a`` (exponent of N* ∝ C^a); ``.loss`` is training
        loss (nats/token, smoothed), the quantity the curves record.
    """
    col = _counting(counting)
    ends = 6.0 * df[col].to_numpy(float) * df["tokens"].to_numpy(float)
    grid = np.geomspace(ends.min(), ends.max(), n_grid)
    C, L, N = [], [], []
    for _, run in df.iterrows():
        n = float(run[col])
        c = 6.0 * n * np.array(run["curve_tokens"].split(), dtype=float)
        loss = np.array(run["curve_loss"].split(), dtype=float)
        inside = (grid >= c[0]) & (grid <= c[-1])
        C.append(grid[inside])
        L.append(np.interp(np.log(grid[inside]), np.log(c), loss))
        N.append(np.full(inside.sum(), n))
    return envelope(np.concatenate(C), np.concatenate(L), np.concatenate(N), ci=ci)


def _nonembedding_of_total(df: pd.DataFrame, n_total: NDArray[np.float64]) -> NDArray[np.float64]:
    """N_nonemb of models of the sweep's family with N_T = ``n_total`` (ln-ln interpolation over its shapes)."""
    shapes = df.drop_duplicates(["n_layer", "d_model"]).sort_values("n_params_total")
    return np.exp(np.interp(np.log(n_total), np.log(shapes["n_params_total"].to_numpy(float)),
                            np.log(shapes["n_params_nonembedding"].to_numpy(float))))


def nonembedding_optima(df: pd.DataFrame, fit: IsoFlopFit) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The compute-optimal models of a total-parameter IsoFLOP fit, counted without embeddings.

    Each optimum N*_T at budget C_T is a model of the sweep's family; its non-embedding count
    N*_nonemb is read off the family (ln N_nonemb interpolated against ln N_T across the sweep's shapes)
    and its compute is C_nonemb = C_T · N*_nonemb / N*_T (the same D). Fitting N*_nonemb ∝ C_nonemb^a on
    these is Pearce & Song's (2024, Sec. 3) argument run on measured optima.

    Returns
    -------
    (C_nonembedding, N_nonembedding) : tuple of ndarray
        FLOP and parameters, one per budget of ``fit``.
    """
    n_e = _nonembedding_of_total(df, fit.n_opt)
    return fit.budgets * n_e / fit.n_opt, n_e


def exponents(df: pd.DataFrame) -> dict[str, float]:
    """The four exponents of a sweep.

    Returns
    -------
    dict
        ``"total_isoflop"`` (Approach 2 in C_T), ``"nonembedding_of_optima"`` (those optima
        counted in N_nonemb, :func:`nonembedding_optima`), ``"total_frontier"`` and
        ``"nonembedding_frontier"`` (Approach 1 on each counting's own axis, :func:`frontier`).
    """
    iso = fit_isoflop(df["budget"], df["n_params_total"], df["loss"])
    c_e, n_e = nonembedding_optima(df, iso)
    return {
        "total_isoflop": iso.a,
        "nonembedding_of_optima": fit_power_law(c_e, n_e).p,
        "total_frontier": frontier(df, "total").a,
        "nonembedding_frontier": frontier(df, "nonembedding").a,
    }


def bootstrap_exponents(df: pd.DataFrame, n_boot: int = 200, *, seed: int = 0) -> pd.DataFrame:
    """Bootstrap the exponents of :func:`exponents` by resampling runs within each C_T budget.

    Each replicate draws, for every budget, as many of its runs as it has, with replacement
    (a run drawn twice weighs twice in its budget's parabola), and recomputes every exponent.
    A replicate whose draw leaves fewer than two budgets with a bracketed minimum has no
    IsoFLOP fit and is dropped (its count is in ``.attrs["n_failed"]``).

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep.
    n_boot : int
        Replicates.
    seed : int
        Seeds ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        One row per successful replicate, one column per exponent.
    """
    rng = np.random.default_rng(seed)
    groups = [g.index.to_numpy() for _, g in df.groupby("budget")]
    rows, failed = [], 0
    for _ in range(n_boot):
        sample = df.loc[np.concatenate([rng.choice(g, size=g.size) for g in groups])]
        try:
            # A draw with only three distinct sizes in a budget makes polyfit warn; the fit is
            # still exact, and the replicate is what the bootstrap is asking about.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", np.exceptions.RankWarning)
                rows.append(exponents(sample))
        except ValueError:
            failed += 1
    out = pd.DataFrame(rows, columns=["total_isoflop", "nonembedding_of_optima", "total_frontier",
                                      "nonembedding_frontier"])
    out.attrs["n_failed"] = failed
    return out


def best_learning_rates(df: pd.DataFrame) -> pd.DataFrame:
    """The peak learning rate that minimises the final loss, for each shape and budget of a rate pilot.

    For each shape and budget the runs' losses (averaged over seeds at each rate) are ranked; the
    lowest must have a tried rate on each side of it, and a parabola in ln(lr) through it and its
    two neighbours gives the continuous minimiser.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep whose runs differ in ``lr`` at fixed shape and budget (e.g. the ``lr-bracket``
        preset).

    Returns
    -------
    pandas.DataFrame
        ``d_model``, ``n_layer``, ``budget``, ``lr_best`` (the best rate tried), ``lr_opt`` (the
        parabola's minimiser) and ``loss_best``, one row per shape and budget.

    Raises
    ------
    ValueError
        If a shape's lowest loss is at the smallest or largest rate tried (the optimum is not
        bracketed: extend the grid in that direction), or a width has fewer than three rates.
    """
    rows = []
    for (n_layer, d_model, budget), group in df.groupby(["n_layer", "d_model", "budget"]):
        by_lr = group.groupby("lr")["loss"].mean().sort_index()
        if len(by_lr) < 3:
            raise ValueError(f"L{n_layer} d_model {d_model} at C_T {budget:.3g} has {len(by_lr)} learning "
                             "rate(s); a bracket needs at least 3")
        i = int(np.argmin(by_lr.to_numpy()))
        if i in (0, len(by_lr) - 1):
            edge = "smallest" if i == 0 else "largest"
            raise ValueError(f"L{n_layer} d_model {d_model} at C_T {budget:.3g}: the lowest loss is at the {edge} rate tried "
                             f"({by_lr.index[i]:g}); extend the grid beyond it")
        x = np.log(by_lr.index.to_numpy(float)[i - 1:i + 2])
        a, b, _ = np.polyfit(x, by_lr.to_numpy()[i - 1:i + 2], 2)
        rows.append({"d_model": int(d_model), "n_layer": int(n_layer), "budget": float(budget), "lr_best": float(by_lr.index[i]),
                     "lr_opt": float(np.exp(-b / (2 * a))), "loss_best": float(by_lr.iloc[i])})
    return pd.DataFrame(rows)



def lr_rule(best: pd.DataFrame) -> PowerLawFit:
    """The power law lr* = c d_model^-p through a rate pilot's best rates (the ``book`` sweep's rule).

    Of each width's rows of :func:`best_learning_rates`, the one at the largest budget is kept: the
    pilot trains each width near its own compute-optimal horizon, and a width rerun at a smaller
    budget (far past that budget's optimum) only checked the bracket there.

    Returns
    -------
    nsl_utils.fit.PowerLawFit
        ``k`` is c and ``p`` is -p (so ``k * d**p`` is the rate).
    """
    own = best.sort_values("budget").groupby("d_model").tail(1).sort_values("d_model")
    if len(own) < 2:
        raise ValueError(f"best has {len(own)} width(s); a rule across widths needs at least 2")
    return fit_power_law(own["d_model"], own["lr_opt"])

# --- The book sweep: several seeds per size, six budgets, both countings ---------------------

#: Approach 2's window in ln N around each profile's lowest loss (about a factor 2.1 either side):
#: far from its minimum an IsoFLOP profile is not a parabola, and the book sweep's windows hold
#: eight sizes spanning a factor 5 or more.
BOOK_WINDOW = 0.75


def seed_means(df: pd.DataFrame) -> pd.DataFrame:
    """One row per shape and budget: the sweep's columns of its first seed, ``loss`` averaged over seeds.

    Adds ``n_seeds`` and ``loss_sd`` (the sample standard deviation over seeds; 0 for one seed).
    The seeds of a shape and budget share everything but initialisation and batch order, so their
    mean is that size's loss at that budget with the seed noise averaged down.
    """
    if df.empty:
        raise ValueError("the sweep has no runs; pass a sweep CSV with at least one finished run")
    keys = ["budget", "n_layer", "d_model"]
    grouped = df.groupby(keys, sort=True)
    first = grouped.head(1).set_index(keys).sort_index()
    stats = grouped["loss"].agg(["mean", "count", "std"]).sort_index()
    out = first.assign(loss=stats["mean"], n_seeds=stats["count"], loss_sd=stats["std"].fillna(0.0))
    return out.reset_index()


def approach2(df: pd.DataFrame, counting: Counting = "total", *, window: float | None = BOOK_WINDOW,
              ci: float = 0.95) -> IsoFlopFit:
    """Approach 2 on the seed means of a sweep, in one counting, each counting on its own budgets.

    In ``"total"`` the profiles are the sweep's own C_T budgets. In ``"nonembedding"`` they are
    budgets of C_nonemb = 6 N_nonemb D (:func:`isoflop_points` interpolates each size between the
    horizons it was trained at): the frontier is measured in non-embedding compute, not derived
    from the total-parameter optima.

    Raises
    ------
    ValueError
        If fewer than two budgets bracket their optimum (``fit_isoflop`` names each budget and why).
    """
    pts = isoflop_points(seed_means(df), counting)
    return fit_isoflop(pts["C"], pts["N"], pts["L"], ci=ci, window=window)


def local_slopes(fit: IsoFlopFit) -> pd.DataFrame:
    """The local exponent d ln N* / d ln C between adjacent budgets of an IsoFLOP fit.

    A constant local slope is Pearce & Song's (2024) hypothesis for N_T (a power law in total
    parameters); a slope that drifts with C says the law holds in another counting.

    Returns
    -------
    pandas.DataFrame
        ``C_lo``, ``C_hi`` (FLOP), ``C_mid`` (their geometric mean) and ``slope``.
    """
    c, n = np.log(fit.budgets), np.log(fit.n_opt)
    if c.size < 2:
        raise ValueError("fit has fewer than 2 budgets; a local slope needs two adjacent ones")
    return pd.DataFrame({"C_lo": np.exp(c[:-1]), "C_hi": np.exp(c[1:]), "C_mid": np.exp((c[:-1] + c[1:]) / 2),
                         "slope": np.diff(n) / np.diff(c)})


def approach3(df: pd.DataFrame, counting: Counting = "total") -> ParametricFit:
    """Approach 3 (:func:`nsl_utils.fit.fit_parametric`) on every run, with N in one counting.

    ``objective`` of the two countings' fits can be compared directly (same runs, same losses,
    same Huber loss): the lower one is the counting in which L = E + A/N^alpha + B/D^beta
    describes the sweep better.
    """
    col = _counting(counting)
    return fit_parametric(df[col].to_numpy(float), df["tokens"].to_numpy(float), df["loss"].to_numpy(float))


def bootstrap_book(df: pd.DataFrame, n_boot: int = 200, *, seed: int = 0, window: float | None = BOOK_WINDOW,
                   ) -> pd.DataFrame:
    """Exponents a_T and a_nonemb with a two-level bootstrap: over seeds, then over budgets.

    Each replicate (1) redraws, for every shape and budget, as many seeds as it has, with
    replacement, and averages them; (2) finds every budget's optimum in each counting
    (:func:`approach2`'s profiles); (3) redraws the budgets' optima with replacement and fits
    N* ∝ C^a by least squares in log space. Seeds carry the noise of training, budgets the noise
    of where the optimum of each profile sits and of the frontier's curvature. A replicate with
    fewer than two usable or distinct budgets is dropped and counted in ``.attrs["n_failed"]``.

    Returns
    -------
    pandas.DataFrame
        One row per successful replicate: ``total`` and ``nonembedding`` exponents.
    """
    positive_n = int(n_boot)
    if positive_n < 1:
        raise ValueError(f"n_boot must be a positive number of replicates, e.g. 200; got {n_boot!r}")
    rng = np.random.default_rng(seed)
    cells = [g for _, g in df.groupby(["budget", "n_layer", "d_model"], sort=True)]
    rows, failed = [], 0
    for _ in range(positive_n):
        sample = pd.concat([g.iloc[rng.integers(0, len(g), len(g))] for g in cells], ignore_index=True)
        row = {}
        try:
            for counting in ("total", "nonembedding"):
                fit = approach2(sample, counting, window=window)
                pick = rng.integers(0, fit.budgets.size, fit.budgets.size)
                if np.unique(pick).size < 2:
                    raise ValueError("one distinct budget drawn")
                row[counting] = fit_power_law(fit.budgets[pick], fit.n_opt[pick]).p
        except ValueError:
            failed += 1
            continue
        rows.append(row)
    out = pd.DataFrame(rows, columns=["total", "nonembedding"])
    out.attrs["n_failed"] = failed
    return out


def embedding_share(df: pd.DataFrame, n_total: ArrayLike) -> NDArray[np.float64]:
    """Share of N_T in the embedding (1 - N_nonemb / N_T) of models of the sweep's family.

    ``n_total`` (e.g. an IsoFLOP fit's optima) is placed on the family by interpolating
    ln N_nonemb against ln N_T across the sweep's shapes.
    """
    n_t = np.asarray(n_total, dtype=float)
    return 1.0 - _nonembedding_of_total(df, n_t) / n_t
