"""Sweeps of small language models: presets, the append-per-run CSV, resume and sharding.

A preset is a list of runs, each a model shape and an IsoFLOP budget C_T (FLOP, counted as
6 N_T D with N_T the total parameter count). A run's horizon is D = C_T / (6 N_T) tokens, its
batch is sized so that it takes about ``target_steps`` optimizer steps (a model that takes only
a few hundred steps is limited by optimisation, not by its size: see the chapter), and one CSV
row is appended when it finishes. Rerunning with ``--resume`` skips the runs already in the CSV;
``--shard K/N`` runs every N-th run starting at the K-th, so N machines can share a sweep and
their CSVs be concatenated.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from nsl_utils._validation import positive_int, positive_scalar
from nsl_utils.lm.data import CORPORA
from nsl_utils.lm.model import GPTConfig
from nsl_utils.provenance import hardware, versions

__all__ = ["Run", "PRESETS", "COLUMNS", "locked_append", "budget_batch", "book_lr", "book_window", "book_plan", "preset_runs", "parse_shard", "read_sweep", "run_sweep",
           "write_sidecar"]

N_CTX = 16  # Pearce & Song (2024, Sec. 5) train with a 16-token context


def budget_batch(budget: float) -> int:
    """Sequences per optimizer step of the ``book`` sweep at an IsoFLOP budget C_T (FLOP).

    16 sequences (256 tokens) at C_T = 1e11, growing as C_T^(1/2): the compute-optimal horizon
    D* grows about as C^(1/2) (Hoffmann et al. 2022), so the optimum of every budget takes a
    similar number of steps (about 1,000-1,500), while the critical batch grows as the loss falls
    (Kaplan et al. 2020, Sec. 5; McCandlish et al. 2018). One batch for all sizes of a budget keeps
    the batch from varying with the model inside an IsoFLOP profile.
    """
    c = positive_scalar(budget, "budget")
    return max(8, int(round(16 * (c / 1e11) ** 0.5)))


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a shape, an IsoFLOP budget (C_T, FLOP), a seed and its optimizer settings.

    ``corpus`` names the data (:data:`nsl_utils.lm.data.CORPORA`), which also fixes the
    vocabulary. ``batch`` fixes the sequences per step; when ``None`` (the pilot sweeps) each run
    sizes its own batch to take about ``target_steps`` steps.
    """

    n_layer: int
    d_model: int
    n_head: int
    budget: float
    seed: int = 0
    target_steps: int = 2000
    min_batch: int = 4
    lr: float = 3e-3
    beta2: float = 0.95
    corpus: str = "pilot"
    batch: int | None = None
    grad_clip: float | None = None

    @property
    def vocab_size(self) -> int:
        return CORPORA[self.corpus].vocab_size

    @property
    def config(self) -> GPTConfig:
        return GPTConfig(self.n_layer, self.d_model, self.n_head, self.vocab_size, N_CTX)

    @property
    def run_id(self) -> str:
        base = f"L{self.n_layer}-d{self.d_model}-h{self.n_head}-C{self.budget:.3e}-s{self.seed}"
        # The pilot sweeps' ids predate the book corpus and do not name the rate; the book
        # corpus's presets try several rates per shape, so their ids must.
        return base if self.corpus == "pilot" else f"{base}-lr{self.lr:.3g}"

    @property
    def tokens(self) -> int:
        """Horizon D = C_T / (6 N_T), rounded down to whole steps."""
        per_step = self.batch_size * N_CTX
        return int(self.budget / (6 * self.config.params().total)) // per_step * per_step

    @property
    def batch_size(self) -> int:
        if self.batch is not None:
            return self.batch
        ideal = self.budget / (6 * self.config.params().total) / (N_CTX * self.target_steps)
        return max(self.min_batch, int(round(ideal)))


def _grid(sizes, budgets, **kw) -> list[Run]:
    return [Run(L, d, h, c, **kw) for c in budgets for (L, d, h) in sizes]


# ---------------------------------------------------------------------------------------------
# The pilot sweeps (Shakespeare + Milton, vocabulary 4,096): the chapter's small-scale pilot.
# ---------------------------------------------------------------------------------------------

# Shapes from embedding-dominated (1 layer, d_model 8: 97% of N_T in embeddings) to
# mostly non-embedding (6 layers, d_model 96: 37%). Head dimension 8–16.
PILOT_SIZES = [(1, 8, 1), (1, 16, 2), (2, 24, 3), (2, 32, 4), (3, 48, 4), (4, 64, 4), (5, 80, 5), (6, 96, 6)]

# Five IsoFLOP budgets, 30x apart end to end; each budget gets the sizes around its optimum
# (piloted), and no run goes past 4 epochs of the training split. Runs appended after the first
# ones had run keep the earlier runs in place (and so their shards and run_ids): a smaller model
# to bracket 1e11, whose lowest loss was at d_model 8; a budget between 3e11 and 1e12, and its
# smallest model, which left 6e11 with a single size below its minimum.
#
# AdamW's beta2: the big models of each budget train on batches of 4-15 sequences, and with
# beta2 = 0.95 the second-moment estimate averages over only ~20 such steps, too noisy; Porian et
# al. (2024) found tuning beta2 essential at small batch sizes. A pilot on budgets 1e11 and 1e12
# (seed 0) gave each budget's lowest loss with 0.999 (of 0.95, 0.99, 0.999). Run ids do not name
# beta2, so the runs keep their ids; the CSV's beta2 column tells the sweeps apart.
PILOT_BETA2 = 0.999
PILOT_SEED0 = (
    _grid(PILOT_SIZES[0:4], [1e11], beta2=PILOT_BETA2)
    + _grid(PILOT_SIZES[0:6], [3e11], beta2=PILOT_BETA2)
    + _grid(PILOT_SIZES[1:7], [1e12], beta2=PILOT_BETA2)
    + _grid(PILOT_SIZES[1:8], [3e12], beta2=PILOT_BETA2)
    + _grid([(1, 4, 1)], [1e11], beta2=PILOT_BETA2)
    + _grid(PILOT_SIZES[1:6], [6e11], beta2=PILOT_BETA2)
    + _grid(PILOT_SIZES[0:1], [6e11], beta2=PILOT_BETA2)
)

PILOT = PILOT_SEED0 + [replace(run, seed=1) for run in PILOT_SEED0]


def pilot_lr(d_model: int) -> float:
    """Peak learning rate by width for the ``pilot-lr`` preset (the ``pilot`` preset uses 3e-3).

    A pilot at C_T = 1e12 (seed 0, beta2 0.999; peak rates 1e-3, 3e-3, 1e-2) found the lowest loss
    at 1e-2 for widths 16-32 and at 3e-3 for widths 48-80: narrow models want larger steps, as
    Porian et al. (2024) found when they tuned the rate per model size.
    """
    return 1e-2 if d_model <= 32 else 3e-3


# ---------------------------------------------------------------------------------------------
# The book sweep (Shakespeare + Milton + King James Bible + Python documentation, vocabulary
# 2,048): a frontier that crosses from embedding-dominated to non-embedding-dominated models.
# ---------------------------------------------------------------------------------------------

# A ladder of shapes about 1.15-1.5x apart in N_T (finer where the top budgets' optima sit), from
# 95% of N_T in the embedding (1 layer, d_model 8) to 23% (6 layers, d_model 96); head dimension
# 8-16. At vocabulary 2,048 the embedding share crosses 80% near N_T = 50K and 55% near 180K.
BOOK_SIZES = [(1, 8, 1), (1, 12, 1), (1, 16, 2), (2, 20, 2), (2, 24, 3), (2, 28, 2), (2, 32, 4), (3, 36, 3),
              (3, 40, 5), (4, 40, 5), (3, 48, 4), (4, 48, 4), (4, 52, 4), (4, 56, 4), (4, 64, 4), (5, 64, 4),
              (5, 72, 6), (5, 80, 5), (6, 88, 8), (6, 96, 6)]
# Six IsoFLOP budgets, 10^0.4 = 2.5x apart: two decades of C_T, 1e11 to 1e13.
BOOK_BUDGETS = [float(f"{10 ** (11 + 0.4 * k):.4g}") for k in range(6)]
BOOK_TRAIN_TOKENS = 5_221_469  # training split of the book corpus (tests check it)
BOOK_MAX_EPOCHS = 2.0
BOOK_SEEDS = (0, 1, 2)
BOOK_BETA2 = 0.999  # the pilot's choice (above); the batches here are as small as 16 sequences
BOOK_CLIP = 1.0
BOOK_CORPUS = {"corpus": "book", "beta2": BOOK_BETA2, "grad_clip": BOOK_CLIP}
LR_RULE = (0.0631, 0.625)  # (c, p) of lr = c d_model^-p, fitted to the rate pilot: see book_lr

# The learning-rate pilot: each width piloted at a budget near its own compute-optimal horizon
# (about 10-25 tokens per parameter), at five peak rates a factor 2 apart, seed 0.
LR_GRID = [2.5e-3, 5e-3, 1e-2, 2e-2, 4e-2]
LR_PILOT_SHAPES = [((1, 12, 1), BOOK_BUDGETS[0]), ((2, 20, 2), BOOK_BUDGETS[1]), ((2, 32, 4), BOOK_BUDGETS[2]),
                   ((3, 48, 4), BOOK_BUDGETS[3]), ((4, 64, 4), BOOK_BUDGETS[3])]
# Appended after the first 25 had run (earlier runs keep their place, and so their shards): width
# 64's lowest loss at 1.6e12 was at the grid's smallest rate, and at 1.6e12 it is far past that
# budget's optimum (776 steps), so it is bracketed again one rate lower, and at 4e12, near its own
# optimal horizon, at three rates; there its lowest loss was at the top one, 5e-3, so 1e-2 last.
LR_PILOT_EXTRA = [((4, 64, 4), BOOK_BUDGETS[3], [1.25e-3]), ((4, 64, 4), BOOK_BUDGETS[4], [1.25e-3, 2.5e-3, 5e-3]),
                  ((4, 64, 4), BOOK_BUDGETS[4], [1e-2])]
LR_PILOT = [Run(L, d, h, c, lr=lr, batch=budget_batch(c), **BOOK_CORPUS)
            for (L, d, h), c in LR_PILOT_SHAPES for lr in LR_GRID] + [
    Run(L, d, h, c, lr=lr, batch=budget_batch(c), **BOOK_CORPUS) for (L, d, h), c, rates in LR_PILOT_EXTRA
    for lr in rates]


def book_lr(d_model: int) -> float:
    """Peak learning rate of the ``book`` sweep by width: the power law fitted to the rate pilot.

    :func:`nsl_utils.lm.analysis.best_learning_rates` on ``data/lm_lr_bracket.csv`` gives each
    piloted width's best rate (a parabola in ln lr through the best of a bracketing grid);
    ``lr = LR_RULE[0] * d_model ** -LR_RULE[1]`` is the least-squares power law through them
    (the tests refit it from the committed pilot). Widths outside the piloted 12-64 use the law
    extrapolated.
    """
    width = positive_int(d_model, "d_model")
    return float(f"{LR_RULE[0] * width ** -LR_RULE[1]:.3g}")


def book_window(budget: float, n_sizes: int = 8) -> list[tuple[int, int, int]]:
    """The shapes of :data:`BOOK_SIZES` trained at one budget of the ``book`` sweep.

    The window is centred on a predicted optimum, N*_T = 36K (C_T / 1e11)^0.45 (the pilot
    sweep's optimum at 1e11 moved to this vocabulary, and an exponent between the pilot's 0.35
    and Pearce & Song's 0.49), from three sizes below it to four above; sizes that would read more
    than ``BOOK_MAX_EPOCHS`` of the training split are replaced by larger ones.
    """
    totals = np.array([GPTConfig(L, d, h, 2048, N_CTX).params().total for L, d, h in BOOK_SIZES], float)
    centre = int(np.argmin(np.abs(np.log(totals / (36e3 * (budget / 1e11) ** 0.45)))))
    fits = budget / (6 * totals) <= BOOK_MAX_EPOCHS * BOOK_TRAIN_TOKENS
    first = max(centre - 3, int(np.argmax(fits)), 0)
    first = min(first, len(BOOK_SIZES) - n_sizes)
    return BOOK_SIZES[first:first + n_sizes]


# Seed-major order: all of seed 0 (every budget, smallest first) before seed 1, so a sweep cut
# short still holds whole IsoFLOP profiles across the full compute range.
BOOK = [Run(L, d, h, c, seed=seed, lr=book_lr(d), batch=budget_batch(c), **BOOK_CORPUS)
        for seed in BOOK_SEEDS for c in BOOK_BUDGETS for (L, d, h) in book_window(c)]


PRESETS: dict[str, list[Run]] = {
    # Three tiny runs of one small budget: checks the whole pipeline in well under a minute.
    "smoke": _grid([(1, 8, 1), (1, 16, 2), (2, 24, 3)], [1e10], target_steps=300, min_batch=4),
    # Every run twice, seeds 0 and 1 (initialisation and batch order): the minimum of an IsoFLOP
    # profile is flat, and a second seed halves the noise on where it sits.
    "pilot": PILOT,
    # The same runs with the peak learning rate chosen by width (run ids do not name the rate;
    # the CSV's lr column tells the sweeps apart).
    "pilot-lr": [replace(run, lr=pilot_lr(run.d_model)) for run in PILOT],
    # The book sweep's learning-rate pilot, and the book sweep.
    "lr-bracket": LR_PILOT,
    "book": BOOK,
}

COLUMNS = [
    "run_id", "preset", "n_layer", "d_model", "n_head", "vocab_size", "n_ctx", "tied", "bias",
    "n_params_total", "n_params_nonembedding", "n_params_embedding", "budget", "tokens", "flops",
    "flops_nonembedding", "batch_size", "lr", "beta2", "steps", "epochs", "seed", "loss", "train_loss",
    "seconds", "device", "curve_tokens", "curve_loss",
]
_NUMERIC = ["n_layer", "d_model", "n_head", "n_params_total", "n_params_nonembedding", "tokens",
            "flops", "loss", "seed"]
# Sweeps written before the beta2 column existed all trained with AdamW's beta2 = 0.95.
_LEGACY_BETA2 = 0.95


def preset_runs(preset: str) -> list[Run]:
    """The runs of a named preset (``ValueError`` listing the presets if unknown)."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}")
    return list(PRESETS[preset])


def parse_shard(shard: str | None) -> tuple[int, int]:
    """Parse ``"K/N"`` (1 <= K <= N) into ``(K, N)``; ``None`` means ``(1, 1)``."""
    if shard is None:
        return 1, 1
    try:
        k, n = (int(part) for part in shard.split("/"))
    except ValueError:
        raise ValueError(f"shard must look like K/N, e.g. 2/4; got {shard!r}") from None
    if not 1 <= k <= n:
        raise ValueError(f"shard K/N needs 1 <= K <= N; got {shard!r}")
    return k, n


def read_sweep(path: str | Path) -> pd.DataFrame:
    """Read a sweep CSV, raising ``ValueError`` (and changing nothing) if it is malformed.

    Returns
    -------
    pandas.DataFrame
        One row per finished run; ``curve_tokens``/``curve_loss`` are space-separated lists.
    """
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"run_id": str, "curve_tokens": str, "curve_loss": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable sweep CSV ({exc}); fix or move it, then rerun") from exc
    if list(df.columns) == [c for c in COLUMNS if c != "beta2"]:
        df.insert(COLUMNS.index("beta2"), "beta2", _LEGACY_BETA2)
    if list(df.columns) != COLUMNS:
        raise ValueError(
            f"{path} does not have the sweep columns (expected {COLUMNS[:4]}...; got "
            f"{list(df.columns)[:4]}...); it is not a sweep CSV or it is damaged. Move it aside"
        )
    numeric = df[_NUMERIC].apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna().any(axis=1) | df["run_id"].isna()
    if bad.any():
        raise ValueError(
            f"{path} has {int(bad.sum())} damaged row(s) (first at line {int(np.flatnonzero(bad)[0]) + 2}); "
            "delete those lines (a run interrupted mid-write) and resume"
        )
    return df


@contextmanager
def locked_append(out: Path):
    """``out`` opened for appending under an exclusive lock, flushed to disk on exit.

    The shards of a sweep run as separate processes and may share one CSV (and its sidecar);
    the lock keeps their rows and sidecar updates whole.
    """
    with open(out, "a", newline="") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_sidecar(out: Path, preset: str, shard: str | None, device: str, *, command: str | None = None,
                  settings: dict | None = None) -> None:
    """Append this session of a resumable experiment to the provenance sidecar ``<out>.meta.json``.

    The sweep, :mod:`nsl_utils.lm.schedule` and :mod:`nsl_utils.lm.repeat` each record, for every
    invocation that writes to ``out``, the command, the preset, the shard, when it started, the
    package versions and the hardware. Call it while holding :func:`locked_append` on ``out``, so
    that shards sharing the CSV do not overwrite each other's entries.

    Parameters
    ----------
    out : Path
        The experiment's CSV; the sidecar is written next to it.
    preset : str
        The preset's name.
    shard : str or None
        ``"K/N"`` as given, or ``None`` for the whole preset.
    device : str
        ``"cpu"`` or ``"cuda"``.
    command : str, optional
        The command line that started the session; ``None`` when it was called from Python.
    settings : dict, optional
        The preset's settings, recorded after the preset's name when given.
    """
    import torch

    meta_path = out.with_name(out.name + ".meta.json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"sessions": []}
    session = {"command": command, "preset": preset, **({"settings": settings} if settings is not None else {})}
    session.update({
        "shard": shard,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": versions("torch", "numpy", "pandas", "tokenizers"),
        "hardware": {**hardware(), "torch_threads": torch.get_num_threads(), "device": device,
                     "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None},
    })
    meta["sessions"].append(session)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def run_sweep(preset: str, out: str | Path, *, resume: bool = False, shard: str | None = None,
              device: str | None = None, progress: bool = True, beta2: float | None = None) -> pd.DataFrame:
    """Run (or resume) a preset, appending one CSV row per finished run.

    Parameters
    ----------
    preset : str
        A key of :data:`PRESETS` (``"smoke"``, ``"lr-bracket"``, ``"book"``, ...).
    out : str or Path
        The CSV. Must not exist unless ``resume``.
    resume : bool
        Skip runs whose ``run_id`` is already in ``out`` and append the rest.
    shard : str, optional
        ``"K/N"``: run only runs K, K+N, K+2N, ... (1-based) of the preset.
    device : str, optional
        ``"cpu"`` or ``"cuda"``; default CUDA when available.
    progress : bool
        Show a progress bar (in optimizer steps).
    beta2 : float, optional
        Override AdamW's second-moment decay of every run of the preset (default: the preset's).
        Run ids stay those of the preset; the CSV's ``beta2`` column records the value.

    Returns
    -------
    pandas.DataFrame
        The CSV's rows after the sweep.
    """
    import torch.distributed as dist
    from tqdm import tqdm

    from nsl_utils.lm.data import load_tokens
    from nsl_utils.lm.train import TrainSpec, train

    runs = preset_runs(preset)
    if beta2 is not None:
        if not 0.0 < beta2 < 1.0:
            raise ValueError(f"beta2 must lie in (0, 1), e.g. 0.95 or 0.99; got {beta2!r}")
        runs = [replace(r, beta2=beta2) for r in runs]
    # resumable imports this module: imported here, when the sweep runs
    from nsl_utils.lm.resumable import start_session

    def same_settings(path: Path, existing: pd.DataFrame) -> None:
        with open(path, newline="") as fh:
            header = next(csv.reader(fh), [])
        if header != COLUMNS:
            raise ValueError(f"{path} was written before the beta2 column existed; resume it with the "
                             "version that wrote it, or start a new --out")
        mixed = set(existing["beta2"].astype(float)) - {r.beta2 for r in runs}
        if mixed:
            raise ValueError(f"{path} holds runs with beta2 {sorted(mixed)}, not this sweep's "
                             f"{sorted({r.beta2 for r in runs})}; resume with the same --beta2 or choose another --out")

    rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
    command = (" ".join(["python -m nsl_utils.lm", *sys.argv[1:]])
               if sys.argv[0].endswith("__main__.py") else None)
    out, runs, dev = start_session(out, runs, columns=COLUMNS, read=read_sweep, preset=preset,
                                   resume=resume, shard=shard, device=device, command=command,
                                   check=same_settings, primary=rank == 0)
    bar = tqdm(total=sum(r.tokens // (r.batch_size * N_CTX) for r in runs), unit="step",
               disable=not progress or rank != 0)
    for run in runs:
        bar.set_description(run.run_id)
        train_tokens, val_tokens = load_tokens("train", run.corpus), load_tokens("validation", run.corpus)
        spec = TrainSpec(run.config, run.tokens, run.batch_size, run.lr, beta2=run.beta2, seed=run.seed,
                         grad_clip=run.grad_clip)
        start = time.perf_counter()
        res = train(spec, train_tokens, val_tokens, device=dev, progress=bar.update)
        seconds = time.perf_counter() - start
        if rank != 0:
            continue
        counts = run.config.params()
        row = {
            "run_id": run.run_id, "preset": preset, "n_layer": run.n_layer, "d_model": run.d_model,
            "n_head": run.n_head, "vocab_size": run.vocab_size, "n_ctx": N_CTX, "tied": True, "bias": True,
            "n_params_total": counts.total, "n_params_nonembedding": counts.non_embedding,
            "n_params_embedding": counts.embedding + counts.head, "budget": run.budget,
            "tokens": res["tokens"], "flops": 6.0 * counts.total * res["tokens"],
            "flops_nonembedding": 6.0 * counts.non_embedding * res["tokens"],
            "batch_size": run.batch_size, "lr": run.lr, "beta2": run.beta2, "steps": res["steps"],
            "epochs": round(res["epochs"], 4), "seed": run.seed, "loss": round(res["loss"], 5),
            "train_loss": round(res["train_loss"], 5), "seconds": round(seconds, 1), "device": dev,
            "curve_tokens": " ".join(str(t) for t in res["curve_tokens"]),
            "curve_loss": " ".join(f"{v:.4f}" for v in res["curve_loss"]),
        }
        with locked_append(out) as fh:
            csv.writer(fh).writerow([row[c] for c in COLUMNS])
    bar.close()
    return read_sweep(out) if out.exists() else pd.DataFrame(columns=COLUMNS)


def book_plan() -> pd.DataFrame:
    """The ``book`` sweep's design, one row per budget.

    Returns
    -------
    pandas.DataFrame
        ``budget`` (C_T, FLOP), ``batch`` (sequences), ``sizes`` (shapes in the window),
        ``n_total_min``/``n_total_max`` (N_T of the window's ends), ``share_max``/``share_min``
        (their embedding shares), ``n_predicted`` and ``share_predicted`` (the optimum the window
        is centred on and its embedding share), ``max_epochs`` (of the window's smallest model)
        and ``min_steps`` (of its largest).
    """
    rows = []
    for c in BOOK_BUDGETS:
        counts = [GPTConfig(L, d, h, 2048, N_CTX).params() for L, d, h in book_window(c)]
        n_pred = 36e3 * (c / 1e11) ** 0.45
        totals = np.array([p.total for p in counts], float)
        nonemb = np.array([p.non_embedding for p in counts], float)
        share_pred = 1 - np.exp(np.interp(np.log(n_pred), np.log(totals), np.log(nonemb))) / n_pred
        rows.append({"budget": c, "batch": budget_batch(c), "sizes": len(counts),
                     "n_total_min": totals[0], "n_total_max": totals[-1],
                     "share_max": 1 - nonemb[0] / totals[0], "share_min": 1 - nonemb[-1] / totals[-1],
                     "n_predicted": n_pred, "share_predicted": share_pred,
                     "max_epochs": c / (6 * totals[0]) / BOOK_TRAIN_TOKENS,
                     "min_steps": int(c / (6 * totals[-1]) // (budget_batch(c) * N_CTX))})
    return pd.DataFrame(rows)
