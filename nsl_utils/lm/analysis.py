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
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nsl_utils.counting import transformer_params
from nsl_utils.datasets import checked_path
from nsl_utils.fit import (Envelope, IsoFlopFit, ParametricFit, PowerLawFit, envelope, fit_isoflop,
                           fit_parametric, fit_power_law)
from nsl_utils.laws import ChinchillaParams, chinchilla_loss
from nsl_utils.lm.sweep import read_sweep
from nsl_utils.reconcile import fit_embedding_relation, frontier_compute

__all__ = ["SWEEPS", "BOOK_WINDOW", "load_sweep", "loss_curves", "isoflop_points",
           "fit_counting", "frontier", "nonembedding_optima", "exponents", "bootstrap_exponents",
           "best_learning_rates", "lr_rule", "seed_means", "approach2", "grid_sensitivity", "local_slopes",
           "approach3", "bootstrap_book", "embedding_share", "predicted_nonembedding_exponent",
           "BOOK_PER_DECADE", "BOOTSTRAP_ESTIMATES", "law_with_frontier", "simulate_losses", "embedding_share_at"]

#: The committed, finished sweeps, as ``(file in data/, sha256)``: the ``pilot`` preset (vocabulary
#: 4,096, Shakespeare and Milton); the same runs with AdamW's beta2 = 0.95 (what tuning beta2 to
#: the small batches changed); the ``pilot-lr`` preset, whose peak learning rate depends on the
#: width; ``lr-bracket``, the book sweep's learning-rate pilot; and ``book``, the book sweep itself
#: (``python -m nsl_utils.lm sweep --preset book``: vocabulary 2,048, six budgets from 1e11 to 1e13
#: FLOP, three seeds).
SWEEPS: dict[str, tuple[str, str]] = {
    "pilot": ("lm_sweep_pilot.csv", "b8d1e30f87be4b1a4eb0a92dd15b80cb7afbdd2688af81d4f104818db6f1a102"),
    "pilot-beta2-0.95": ("lm_sweep_pilot_beta2_095.csv",
                         "8d13305773ef9d9f493823d8de1dcf0a30fd7e4138dc9525049294ff553b5b4d"),
    "pilot-lr-by-width": ("lm_sweep_pilot_lr_by_width.csv",
                          "81439bfcdaba09100279332629bb13056c23524a3b4059a5facc51ba2b0ba87c"),
    "lr-bracket": ("lm_lr_bracket.csv", "d70445412999b3cc7c0023dbd1d44e2827627f8cc3e8f7eb877a2630d60b8137"),
    "book": ("lm_sweep.csv", "5702cefcf88de9343f8e48cc5b7534bba5ce38a47f0f359579e1353871e7783e"),
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
        One of :data:`SWEEPS`: ``"pilot"``, ``"pilot-beta2-0.95"``, ``"pilot-lr-by-width"``,
        ``"lr-bracket"`` or ``"book"``.

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


def isoflop_points(df: pd.DataFrame, counting: Counting = "total", budgets: ArrayLike | None = None,
                   *, per_decade: int = 3) -> pd.DataFrame:
    """IsoFLOP profiles of a sweep in one counting.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of a sweep CSV (one per run).
    counting : {"total", "nonembedding"}
        Count N_T with C_T = 6 N_T D, or N_nonemb with C_nonemb = 6 N_nonemb D.
    budgets : array_like, optional
        Budgets C in that counting (FLOP). Default: for ``"total"`` the sweep's own budgets
        (the runs themselves, no interpolation); for ``"nonembedding"`` ``per_decade``
        log-spaced budgets per decade, on 10^(j / per_decade), across the range the runs cover.
    per_decade : int
        Density of the default non-embedding budgets; 3 (the default) gives 1, 2.15 and 4.64 × 10^k.

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
            if isinstance(per_decade, bool) or not isinstance(per_decade, (int, np.integer)) or per_decade < 1:
                raise ValueError(f"per_decade must be a positive whole number of budgets, e.g. 3; got {per_decade!r}")
            lo = np.floor(per_decade * np.log10(c_run.min()))
            hi = np.ceil(per_decade * np.log10(c_run.max()))
            budgets = 10 ** (np.arange(lo, hi + 1) / per_decade)
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
#: Budgets per decade of the book sweep's profiles in non-embedding compute: twice as dense as
#: its C_T budgets (0.4 decades apart), so each size, trained at two to five adjacent C_T budgets,
#: lands on several profiles; :func:`grid_sensitivity` shows what other densities give.
BOOK_PER_DECADE = 5


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
              per_decade: int = BOOK_PER_DECADE, ci: float = 0.95) -> IsoFlopFit:
    """Approach 2 on the seed means of a sweep, in one counting, each counting on its own budgets.

    In ``"total"`` the profiles are the sweep's own C_T budgets. In ``"nonembedding"`` they are
    ``per_decade`` budgets per decade of C_nonemb = 6 N_nonemb D (:func:`isoflop_points`
    interpolates each size between the horizons it was trained at): the frontier is measured in
    non-embedding compute, not derived from the total-parameter optima.

    Raises
    ------
    ValueError
        If fewer than two budgets bracket their optimum (``fit_isoflop`` names each budget and why).
    """
    pts = isoflop_points(seed_means(df), counting, per_decade=per_decade)
    return fit_isoflop(pts["C"], pts["N"], pts["L"], ci=ci, window=window)


def grid_sensitivity(df: pd.DataFrame, densities: ArrayLike = (3, 4, 5, 6, 8, 10), *,
                     window: float | None = BOOK_WINDOW) -> pd.DataFrame:
    """a_nonemb of :func:`approach2` for each density of its non-embedding budget grid.

    The sizes of a sweep share budgets only in C_T, so the profiles in C_nonemb are interpolated
    onto a grid the analysis chooses; this shows how much that choice moves the exponent. A
    density whose profiles leave fewer than two usable budgets is reported with ``a`` NaN and
    the reason in ``note`` (never silently dropped).

    Returns
    -------
    pandas.DataFrame
        ``per_decade``, ``a``, ``lo``, ``hi`` (the fit's 95% interval), ``budgets`` (usable
        profiles) and ``note``.
    """
    rows = []
    for density in np.atleast_1d(np.asarray(densities)):
        try:
            fit = approach2(df, "nonembedding", window=window, per_decade=int(density))
        except ValueError as err:
            rows.append({"per_decade": int(density), "a": np.nan, "lo": np.nan, "hi": np.nan,
                         "budgets": 0, "note": str(err)})
            continue
        rows.append({"per_decade": int(density), "a": fit.a, "lo": fit.a_ci[0], "hi": fit.a_ci[1],
                     "budgets": fit.budgets.size, "note": ""})
    return pd.DataFrame(rows, columns=["per_decade", "a", "lo", "hi", "budgets", "note"])


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


#: The estimates :func:`bootstrap_book` redraws, in the order of its rows.
BOOTSTRAP_ESTIMATES = ("total", "nonembedding", "recount", "frontier_total", "frontier_nonembedding")


def bootstrap_book(df: pd.DataFrame, n_boot: int = 200, *, seed: int = 0, window: float | None = BOOK_WINDOW,
                   per_decade: int = BOOK_PER_DECADE) -> pd.DataFrame:
    """Exponents of N* ∝ C^a in both countings, with a two-level bootstrap: over seeds, then budgets.

    Each replicate (1) redraws, for every shape and C_T budget, as many seeds as it has, with
    replacement; (2) redraws the C_T budgets with replacement; (3) recomputes every estimate of
    :data:`BOOTSTRAP_ESTIMATES`:

    ``total``, ``nonembedding``
        Approach 2 (:func:`approach2`, each counting on its own budgets); the redrawn budgets
        of step 2 pick which optima enter the power-law fit (in non-embedding compute, those
        of the redrawn runs' profiles, also redrawn with replacement).
    ``recount``
        The ``total`` optima counted without embeddings (:func:`nonembedding_optima`): the
        exponent the family of shapes implies (the chapter's Eq. 6.4), not a measurement.
    ``frontier_total``, ``frontier_nonembedding``
        Approach 1 (:func:`frontier`) on the training curves of the redrawn budgets' runs.

    Seeds carry the noise of training, budgets where each profile's optimum sits and the
    frontier's curvature. An estimate that fails in a replicate (fewer than two usable or
    distinct budgets, e.g. profiles whose minimum is not bracketed) is left out of that
    replicate and counted in ``.attrs["n_failed"]``, never filled in.

    Returns
    -------
    pandas.DataFrame
        Long form: ``replicate``, ``estimate`` and ``a``, one row per successful estimate.
    """
    positive_n = int(n_boot)
    if isinstance(n_boot, bool) or positive_n != n_boot or positive_n < 1:
        raise ValueError(f"n_boot must be a positive number of replicates, e.g. 200; got {n_boot!r}")
    if df.empty:
        raise ValueError("the sweep has no runs; pass a sweep CSV with at least one finished run")
    rng = np.random.default_rng(seed)
    cells = [g for _, g in df.groupby(["budget", "n_layer", "d_model"], sort=True)]
    rows: list[dict] = []
    failed = dict.fromkeys(BOOTSTRAP_ESTIMATES, 0)
    for rep in range(positive_n):
        sample = pd.concat([g.iloc[rng.integers(0, len(g), len(g))] for g in cells], ignore_index=True)
        budgets = np.unique(sample["budget"])
        drawn = rng.choice(budgets, budgets.size)  # with multiplicity: a budget drawn twice weighs twice
        runs = sample[sample["budget"].isin(drawn)]
        try:
            total = approach2(sample, "total", window=window)
        except ValueError:
            total = None
        for name in BOOTSTRAP_ESTIMATES:
            try:
                if name in ("total", "recount"):
                    if total is None:
                        raise ValueError("no total-parameter profile is bracketed")
                    fit = _redrawn(total, drawn)
                    c, n = (fit.budgets, fit.n_opt) if name == "total" else nonembedding_optima(sample, fit)
                elif name == "nonembedding":
                    fit = approach2(sample, "nonembedding", window=window, per_decade=per_decade)
                    # its budgets are C_nonemb, not the drawn C_T: redraw its own optima
                    fit = _redrawn(fit, rng.choice(fit.budgets, fit.budgets.size))
                    c, n = fit.budgets, fit.n_opt
                else:
                    rows.append({"replicate": rep, "estimate": name,
                                 "a": frontier(runs, name.removeprefix("frontier_")).a})
                    continue
                rows.append({"replicate": rep, "estimate": name, "a": fit_power_law(c, n).p})
            except ValueError:
                failed[name] += 1
    out = pd.DataFrame(rows, columns=["replicate", "estimate", "a"])
    out.attrs["n_failed"] = failed
    return out


def _redrawn(fit: IsoFlopFit, budgets: NDArray[np.float64]) -> IsoFlopFit:
    """``fit`` with its optima at ``budgets``, repeats kept; a ValueError if under two distinct."""
    budgets = np.asarray(budgets, dtype=float)
    idx = np.searchsorted(fit.budgets, budgets[np.isin(budgets, fit.budgets)])
    if np.unique(idx).size < 2:
        raise ValueError("fewer than two distinct drawn budgets have an optimum")
    return replace(fit, budgets=fit.budgets[idx], n_opt=fit.n_opt[idx])


def embedding_share(df: pd.DataFrame, n_total: ArrayLike) -> NDArray[np.float64]:
    """Share of N_T in the embedding (1 - N_nonemb / N_T) of models of the sweep's family.

    ``n_total`` (e.g. an IsoFLOP fit's optima) is placed on the family by interpolating
    ln N_nonemb against ln N_T across the sweep's shapes.
    """
    n_t = np.asarray(n_total, dtype=float)
    return 1.0 - _nonembedding_of_total(df, n_t) / n_t


def predicted_nonembedding_exponent(df: pd.DataFrame, params: ChinchillaParams,
                                    n_range: tuple[float, float]) -> tuple[float, float]:
    """a_nonemb that Pearce & Song's formula predicts for a sweep's family of shapes.

    Fits ω of N_T = N_nonemb + ω N_nonemb^(1/3) (Pearce & Song 2024, Sec. 3, Eq. R1 of
    :mod:`nsl_utils.reconcile`) to the sweep's shapes, then places the compute-optimal frontier of
    the Chinchilla law ``params`` in non-embedding terms (their Eq. R2,
    :func:`nsl_utils.reconcile.frontier_compute`) at N_nonemb across ``n_range`` and fits
    N*_nonemb ∝ C_nonemb^a there. The local slope (their Eq. R3) depends on α, β, ω and N only,
    so the prediction needs the law's exponents, not where its constants put the optimum.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep (its shapes and vocabulary are used, not its losses).
    params : nsl_utils.laws.ChinchillaParams
        The law in total parameters, e.g. Hoffmann et al.'s or one fitted to the sweep.
    n_range : (float, float)
        Smallest and largest N*_nonemb of the measured frontier (parameters), low < high.

    Returns
    -------
    (a, omega) : tuple of float
        The predicted exponent over ``n_range`` and the fitted ω.
    """
    lo, hi = (float(v) for v in n_range)
    if not 0 < lo < hi:
        raise ValueError(f"n_range must be (low, high) parameter counts with 0 < low < high; got {n_range!r}")
    shapes = df.drop_duplicates(["n_layer", "d_model"])
    vocab = shapes["vocab_size"].unique()
    if vocab.size != 1:
        raise ValueError(f"the sweep mixes vocabularies {sorted(vocab)}; pass the runs of one vocabulary")
    # The embedding of a shape is (V + n_ctx) d_model with tied input and output embeddings.
    width_count = int(vocab[0]) + int(shapes["n_ctx"].iloc[0])
    omega = fit_embedding_relation(shapes["n_params_total"], shapes["d_model"], width_count, 1.0 / 3.0)
    n = np.geomspace(lo, hi, 50)
    return fit_power_law(frontier_compute(n, params, omega), n).p, omega


# --- What this design can measure: the same runs, losses from a known law -------------------


def law_with_frontier(fit: IsoFlopFit, *, alpha: float = 0.34, B: float = 120.0,
                      E: float = 1.5) -> ChinchillaParams:
    """A Chinchilla law in N_T whose compute-optimal frontier is a measured one.

    The law L = E + A/N_T^α + B/D^β has its optimum at N*_T = G (C_T/6)^(β/(α+β)) with
    G = (αA / (βB))^(1/(α+β)) (Hoffmann et al. 2022, Eq. 4); β and A are set so that exponent and
    prefactor are ``fit``'s (its ``a`` and N* at its smallest budget). α, B and E are free choices
    (the frontier does not depend on them): the defaults are Hoffmann et al.'s α and losses on
    the scale of the book sweep's. Used with :func:`simulate_losses` to ask what the sweep's
    own estimators return when the Chinchilla law in total parameters holds exactly.

    Raises
    ------
    ValueError
        If ``fit.a`` is not between 0 and 1 (no law of this form has such a frontier).
    """
    a = float(fit.a)
    if not 0.0 < a < 1.0:
        raise ValueError(f"fit.a must lie in (0, 1) for a Chinchilla-form law; got {a!r}")
    beta = a * alpha / (1.0 - a)
    g = fit.n_opt[0] / (fit.budgets[0] / 6.0) ** a
    A = beta * B / alpha * g ** (alpha + beta)
    return ChinchillaParams(E=E, A=A, B=B, alpha=alpha, beta=beta,
                            source="law_with_frontier: the measured N_T frontier, alpha and B chosen")


def simulate_losses(df: pd.DataFrame, params: ChinchillaParams, *, noise_sd: float = 0.0,
                    seed: int = 0) -> pd.DataFrame:
    """The sweep's runs with losses from a Chinchilla law in N_T, plus seed noise.

    Each run keeps its shape, budget, tokens and seed; ``loss`` becomes
    L(N_T, D) + ε with ε ~ Normal(0, ``noise_sd``) independent per run, and its training curve
    becomes L(N_T, t) at the recorded token counts (each point as if a run ended there, the
    idealised curve Approach 1 assumes). Every estimator of this module can then be run on
    the result and compared with the law's own frontier.

    Parameters
    ----------
    df : pandas.DataFrame
        A sweep.
    params : nsl_utils.laws.ChinchillaParams
        The law, in total parameters.
    noise_sd : float
        Standard deviation of the seed noise (nats/token), >= 0.
    seed : int
        Seeds ``numpy.random.default_rng``.
    """
    noise_sd = float(noise_sd)
    if not noise_sd >= 0.0:
        raise ValueError(f"noise_sd must be a non-negative loss in nats, e.g. 0.02; got {noise_sd!r}")
    rng = np.random.default_rng(seed)
    n_t = df["n_params_total"].to_numpy(float)
    loss = chinchilla_loss(n_t, df["tokens"].to_numpy(float), params) + noise_sd * rng.normal(size=len(df))
    curves = [" ".join(f"{v:.5f}" for v in chinchilla_loss(n, np.array(t.split(), dtype=float), params))
              for n, t in zip(n_t, df["curve_tokens"])]
    return df.assign(loss=loss, curve_loss=curves)


def embedding_share_at(n_total: ArrayLike, vocab_size: int, n_layer: int, n_ctx: int = 16) -> NDArray[np.float64]:
    """Embedding share of the model of ``n_layer`` blocks whose total count is nearest ``n_total``.

    For each target N_T the width d_model (a whole number) is chosen so that
    :func:`nsl_utils.counting.transformer_params` (tied embeddings, biases) comes nearest; the
    share is (V + n_ctx) d_model / N_T of that model. Used to place another study's models, known
    only by their total size and vocabulary, on the same axis as a sweep's optima.

    Parameters
    ----------
    n_total : array_like
        Total parameters, each larger than the embedding of a width-1 model.
    vocab_size, n_layer, n_ctx : int
        Vocabulary, depth and context of the family.
    """
    targets = np.atleast_1d(np.asarray(n_total, dtype=float))
    if not np.all(np.isfinite(targets)) or np.any(targets <= vocab_size + n_ctx):
        raise ValueError(f"n_total must be finite counts above vocab_size + n_ctx = {vocab_size + n_ctx}; got {n_total!r}")
    widths = np.arange(1, int(targets.max() // (vocab_size + n_ctx)) + 2)
    totals = np.array([transformer_params(n_layer, int(d), vocab_size, n_ctx).total for d in widths], float)
    best = widths[np.abs(np.log(totals[None, :] / targets[:, None])).argmin(axis=1)]
    chosen = totals[best - 1]
    return (vocab_size + n_ctx) * best / chosen
