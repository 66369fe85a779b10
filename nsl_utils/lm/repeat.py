"""Repeated data on the book's trainer: epochs of a fixed unique-token budget against fresh data.

Muennighoff et al. (2023) ask what a repeated token is worth. This module asks it of the book's own
small models: one shape is trained on ``e`` epochs of a fixed budget of ``U`` unique tokens of a
corpus's training split (``data="repeated"``), and, at the same total tokens ``D = e U``, on the
whole training split (``data="fresh"``). Each pair shares its shape, seed, batch, steps, learning
rate and schedule (the ``book`` sweep's recipe: :func:`~nsl_utils.lm.sweep.book_lr`, beta2 0.999,
gradient clipping at 1, a batch of :func:`~nsl_utils.lm.sweep.budget_batch` sequences at
C_T = 6 N_T D), so the two runs differ only in the data they read.

The unique tokens are ``U / chunk`` contiguous chunks spread evenly over the training split
(:func:`unique_subset`): the split is ordered by work, so its first ``U`` tokens would be one book
of the Bible, and the gap to fresh data would measure a change of text, not repetition. The
trainer samples random windows with replacement (:func:`nsl_utils.lm.train.train`), so an "epoch"
here is an *expected* pass, ``epochs = D / pool``, as in the book's other sweeps: a run of ``e``
epochs reads some windows more often than ``e`` times and some not at all, and a "fresh" run that
reads a large part of the split also repeats some of it.

Command line (resumable, shardable, one CSV row per finished run, a ``.meta.json`` sidecar with the
command and environment of every session)::

    python -m nsl_utils.lm.repeat --preset repeat --out data/lm_repeat.csv --resume --threads 1
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nsl_utils._validation import positive_int
from nsl_utils.data_constrained import RStarFit, effective_data, fit_r_d_star
from nsl_utils.lm.model import GPTConfig
from nsl_utils.lm.resumable import add_options, command_line, run_command, start_session
from nsl_utils.lm.sweep import BOOK_BETA2, BOOK_CLIP, N_CTX, book_lr, budget_batch, locked_append

__all__ = ["RepeatRun", "REPEAT_PRESETS", "REPEAT_EPOCHS", "REPEAT_UNIQUE_TOKENS", "REPEAT_SHAPE",
           "REPEAT_COLUMNS", "LM_REPEAT_SHA256", "unique_subset", "repeat_runs", "read_repeat",
           "load_repeat", "paired", "distinct_fraction", "fit_repeat", "repetition_shift",
           "run_repeat", "main"]

#: Tokens per contiguous chunk of the unique subset (:func:`unique_subset`).
CHUNK = 2048
DATA_KINDS = ("repeated", "fresh")


def unique_subset(tokens: NDArray[np.int32], unique_tokens: int, chunk: int = CHUNK) -> NDArray[np.int32]:
    """``unique_tokens`` tokens of a split, as contiguous chunks spread evenly over it.

    Parameters
    ----------
    tokens : numpy.ndarray
        Token ids of a split (:func:`nsl_utils.lm.data.load_tokens`).
    unique_tokens : int
        U, the size of the subset in tokens: a whole number of chunks.
    chunk : int
        Tokens per chunk. Chunk ``i`` of the subset is chunk ``i * K // n`` of the split's ``K``
        whole chunks, for ``n = unique_tokens / chunk``.

    Returns
    -------
    numpy.ndarray
        The subset, a new int32 array of length ``unique_tokens``; a 16-token window crosses a
        seam between two chunks in about ``n_ctx / chunk`` of its positions.

    Raises
    ------
    ValueError
        If ``unique_tokens`` is not a positive multiple of ``chunk``, or is more than the split holds.
    """
    u = positive_int(unique_tokens, "unique_tokens")
    c = positive_int(chunk, "chunk")
    if u % c:
        raise ValueError(f"unique_tokens={u} must be a whole number of chunks of {c} tokens; "
                         f"round it to a multiple of {c}")
    n, available = u // c, len(tokens) // c
    if n > available:
        raise ValueError(f"unique_tokens={u} is more than the split's {available * c} tokens in whole "
                         f"chunks; choose at most {available * c}")
    starts = (np.arange(n) * available // n) * c
    return np.concatenate([np.asarray(tokens[s:s + c], dtype=np.int32) for s in starts])


@dataclass(frozen=True)
class RepeatRun:
    """One run: a shape trained on ``epochs`` epochs of ``unique_tokens`` tokens, or on fresh data.

    Parameters
    ----------
    n_layer, d_model, n_head : int
        The shape (vocabulary from the corpus, context :data:`~nsl_utils.lm.sweep.N_CTX`).
    unique_tokens : int
        U, the unique-token budget of the repeated runs (tokens).
    epochs : int
        e: the run reads D = e U tokens (rounded down to whole steps).
    data : {"repeated", "fresh"}
        Sample windows from the U-token subset, or from the whole training split.
    seed : int
        Initialisation and batch order.
    corpus : str
        A key of :data:`nsl_utils.lm.data.CORPORA`.
    chunk : int
        Tokens per chunk of the subset (:func:`unique_subset`).
    eval_sequences : int
        Validation windows scored at the end.
    """

    n_layer: int
    d_model: int
    n_head: int
    unique_tokens: int
    epochs: int
    data: str
    seed: int = 0
    corpus: str = "book"
    chunk: int = CHUNK
    eval_sequences: int = 1024

    def __post_init__(self) -> None:
        if self.data not in DATA_KINDS:
            raise ValueError(f"data must be 'repeated' or 'fresh'; got {self.data!r}")
        positive_int(self.epochs, "epochs")
        positive_int(self.unique_tokens, "unique_tokens")

    @property
    def vocab_size(self) -> int:
        from nsl_utils.lm.data import CORPORA

        return CORPORA[self.corpus].vocab_size

    @property
    def config(self) -> GPTConfig:
        return GPTConfig(self.n_layer, self.d_model, self.n_head, self.vocab_size, N_CTX)

    @property
    def lr(self) -> float:
        """The book sweep's peak learning rate for this width (:func:`~nsl_utils.lm.sweep.book_lr`)."""
        return book_lr(self.d_model)

    @property
    def batch_size(self) -> int:
        """The book sweep's batch at C_T = 6 N_T e U (the same for the repeated and the fresh run)."""
        return budget_batch(6.0 * self.config.params().total * self.epochs * self.unique_tokens)

    @property
    def tokens(self) -> int:
        """Horizon D = e U, rounded down to whole steps."""
        per_step = self.batch_size * N_CTX
        return self.epochs * self.unique_tokens // per_step * per_step

    @property
    def run_id(self) -> str:
        return (f"L{self.n_layer}-d{self.d_model}-h{self.n_head}-U{self.unique_tokens}-e{self.epochs}-"
                f"{self.data}-s{self.seed}")


#: Epochs of the unique budget, as the issue asks: 1 to 32, doubling.
REPEAT_EPOCHS = (1, 2, 4, 8, 16, 32)
#: The model: 2 layers, width 32, 4 heads; N_T = 91,520 at the book corpus's vocabulary of 2,048.
REPEAT_SHAPE = (2, 32, 4)
#: U = 2^17 tokens (64 chunks of 2,048): 32 epochs are 4.2M tokens, 80% of the book corpus's
#: 5,221,469 training tokens, so even the longest fresh run reads less than one expected pass.
REPEAT_UNIQUE_TOKENS = 131_072

REPEAT_PRESETS: dict[str, list[RepeatRun]] = {
    # About half a minute: a tiny model on 4,096 unique tokens of the pilot corpus (quicker to
    # tokenize than the book corpus), 1, 4 and 16 epochs against fresh data.
    "repeat-smoke": [RepeatRun(1, 8, 1, 4096, e, data, 0, corpus="pilot", chunk=512, eval_sequences=256)
                     for e in (1, 4, 16) for data in DATA_KINDS],
    # The chapter's experiment: seed-major, epochs ascending, each repeated run next to its fresh one.
    "repeat": [RepeatRun(*REPEAT_SHAPE, REPEAT_UNIQUE_TOKENS, e, data, seed)
               for seed in (0, 1) for e in REPEAT_EPOCHS for data in DATA_KINDS],
}

REPEAT_COLUMNS = [
    "run_id", "preset", "data", "n_layer", "d_model", "n_head", "vocab_size", "n_ctx",
    "n_params_total", "n_params_nonembedding", "unique_tokens", "pool_tokens", "chunk",
    "epochs_planned", "tokens", "epochs", "flops", "batch_size", "lr", "beta2", "grad_clip", "steps",
    "seed", "loss", "train_loss", "seconds", "cpu_seconds", "device", "curve_tokens", "curve_loss",
]
_NUMERIC = ["n_params_total", "unique_tokens", "pool_tokens", "epochs_planned", "tokens", "epochs",
            "seed", "loss"]

#: sha256 of the committed ``data/lm_repeat.csv`` (see ``data/README.md``).
LM_REPEAT_SHA256 = "31c1a4d1cee64b04f3782eff4482692a7178f869ff478b93cf487656203637b1"


def repeat_runs(preset: str) -> list[RepeatRun]:
    """The runs of a preset of :data:`REPEAT_PRESETS` (``ValueError`` listing them if unknown)."""
    if preset not in REPEAT_PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(sorted(REPEAT_PRESETS))}")
    return list(REPEAT_PRESETS[preset])


def read_repeat(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by :func:`run_repeat`, raising ``ValueError`` if it is malformed."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"run_id": str, "data": str, "curve_tokens": str, "curve_loss": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable repeat CSV ({exc}); fix or move it, then rerun") from exc
    if list(df.columns) != REPEAT_COLUMNS:
        raise ValueError(f"{path} does not have the repeat columns (expected {REPEAT_COLUMNS[:4]}...; got "
                         f"{list(df.columns)[:4]}...); it is not a repeat CSV or it is damaged. Move it aside")
    numeric = df[_NUMERIC].apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna().any(axis=1) | df["run_id"].isna() | ~df["data"].isin(DATA_KINDS)
    if bad.any():
        raise ValueError(f"{path} has {int(bad.sum())} damaged row(s) (first at line "
                         f"{int(np.flatnonzero(bad)[0]) + 2}); delete those lines and resume")
    return df


def load_repeat(path: str | Path | None = None) -> pd.DataFrame:
    """The committed ``data/lm_repeat.csv`` (sha256-checked), or any repeat CSV at ``path``."""
    if path is not None:
        return read_repeat(path)
    from nsl_utils.datasets import checked_path

    return read_repeat(checked_path("lm_repeat.csv", LM_REPEAT_SHA256))


def paired(df: pd.DataFrame) -> pd.DataFrame:
    """Each repeated run next to the fresh run of the same shape, seed and epochs.

    Returns
    -------
    pandas.DataFrame
        One row per (shape, unique_tokens, epochs_planned, seed) that has both runs: ``tokens``
        (D), ``epochs`` (of the repeated run, D / U), ``loss_repeated``, ``loss_fresh`` and
        ``gap`` (their difference, nats/token; positive when repetition cost loss).
    """
    keys = ["n_layer", "d_model", "n_head", "unique_tokens", "epochs_planned", "seed"]
    rep = df[df["data"] == "repeated"].set_index(keys)
    fresh = df[df["data"] == "fresh"].set_index(keys)
    both = rep.index.intersection(fresh.index)
    if len(both) == 0:
        raise ValueError("no repeated run has a fresh partner (same shape, unique_tokens, epochs and seed)")
    out = pd.DataFrame({"tokens": rep.loc[both, "tokens"], "epochs": rep.loc[both, "epochs"],
                        "loss_repeated": rep.loc[both, "loss"], "loss_fresh": fresh.loc[both, "loss"]})
    out["gap"] = out["loss_repeated"] - out["loss_fresh"]
    return out.reset_index().sort_values(["seed", "epochs_planned"]).reset_index(drop=True)


def distinct_fraction(epochs: ArrayLike) -> NDArray[np.float64]:
    """Expected fraction of a pool's tokens read at least once after ``epochs`` expected passes.

    The trainer draws window starts uniformly with replacement, so a token is covered by a
    Poisson number of windows with mean ``epochs`` (= D / pool): it is read at least once with
    probability 1 - exp(-epochs). One expected pass reads 63% of the pool; exact epochs, as
    Muennighoff et al. train, read all of it.

    Parameters
    ----------
    epochs : array_like
        Expected passes D / pool, >= 0.

    Returns
    -------
    ndarray
        A fraction in [0, 1).
    """
    e = np.asarray(epochs, dtype=float)
    if not np.all(np.isfinite(e)) or np.any(e < 0):
        raise ValueError(f"epochs must be finite and >= 0 (expected passes D / pool); got {epochs!r}")
    return -np.expm1(-e)


def fit_repeat(df: pd.DataFrame, *, coverage: bool = False) -> RStarFit:
    """R*_D of Muennighoff et al.'s Eq. (5) fitted to the runs of a repeat CSV (one shape).

    Every run enters :func:`nsl_utils.data_constrained.fit_r_d_star` with the pool it sampled
    from: U for a repeated run, the whole training split for a fresh one.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`read_repeat` for one shape (filter seeds or epochs beforehand as wanted).
    coverage : bool
        ``False``: epochs are expected passes, R_D = D / pool - 1 (the book's convention for every
        sweep). ``True``: the pool is replaced by the distinct tokens read,
        pool x :func:`distinct_fraction`, so that R_D counts reads beyond the first of the tokens a
        run actually saw, as exact epochs do.

    Returns
    -------
    RStarFit
    """
    if df[["n_layer", "d_model", "n_head"]].drop_duplicates().shape[0] != 1:
        raise ValueError("fit_repeat fits one model: pass the rows of a single shape")
    pool = df["pool_tokens"].to_numpy(float)
    tokens = df["tokens"].to_numpy(float)
    if coverage:
        pool = pool * distinct_fraction(tokens / pool)
    return fit_r_d_star(pool, tokens, df["loss"].to_numpy(float))


def repetition_shift(tokens: ArrayLike, pool_tokens: float, r_d_star: float, B: float, beta: float, *,
                     coverage: bool = False) -> NDArray[np.float64]:
    """The loss that repetition adds to runs of a sweep, B (D'^-β - D^-β), in nats/token.

    Each run read ``tokens`` tokens from a training split of ``pool_tokens``; D' is
    :func:`~nsl_utils.data_constrained.effective_data` with the given R*_D, and B, β are the data
    term of a Chinchilla-form law fitted to the sweep (its Approach 3). Counting expected passes,
    runs of at most one get 0. Subtracting the shift from a run's loss estimates what fresh data
    would have given it.

    Parameters
    ----------
    tokens : array_like
        D of each run, > 0.
    pool_tokens : float
        Tokens of the training split, > 0.
    r_d_star : float
        R*_D (``math.inf``: no decay, no shift).
    B, beta : float
        Scale and exponent of the data term (D in tokens).
    coverage : bool
        Count repeats of the tokens actually read (the pool becomes pool x
        :func:`distinct_fraction`), as :func:`fit_repeat` does with ``coverage=True``; then every
        run gets a shift, since random windows repeat tokens within the first pass too.

    Returns
    -------
    ndarray
        Shifts >= 0, nats/token.
    """
    d = np.asarray(tokens, dtype=float)
    pool = float(pool_tokens) * (distinct_fraction(d / float(pool_tokens)) if coverage else 1.0)
    d_eff = effective_data(pool, d, r_d_star)
    return B * (d_eff**-beta - d**-beta)


def run_repeat(preset: str, out: str | Path, *, resume: bool = False, shard: str | None = None,
               device: str | None = None, progress: bool = True, command: str | None = None) -> pd.DataFrame:
    """Run (or resume) a preset of :data:`REPEAT_PRESETS`, appending one CSV row per finished run.

    Parameters
    ----------
    preset : str
        ``"repeat-smoke"`` or ``"repeat"``.
    out : str or Path
        The CSV. Must not exist unless ``resume``.
    resume : bool
        Skip runs whose ``run_id`` is already in ``out``.
    shard : str, optional
        ``"K/N"``: run only runs K, K+N, ... (1-based) of the preset.
    device : str, optional
        ``"cpu"`` or ``"cuda"``; default CUDA when available.
    progress : bool
        Show a progress bar in optimizer steps.
    command : str, optional
        The command line, recorded in the sidecar ``<out>.meta.json``.

    Returns
    -------
    pandas.DataFrame
        The CSV's rows after the runs.
    """
    from tqdm import tqdm

    from nsl_utils.lm.data import load_tokens
    from nsl_utils.lm.train import TrainSpec, train

    out, runs, dev = start_session(out, repeat_runs(preset), columns=REPEAT_COLUMNS, read=read_repeat, preset=preset,
                                   resume=resume, shard=shard, device=device, command=command)
    bar = tqdm(total=sum(r.tokens // (r.batch_size * N_CTX) for r in runs), unit="step", disable=not progress)
    for run in runs:
        bar.set_description(run.run_id)
        split, val_tokens = load_tokens("train", run.corpus), load_tokens("validation", run.corpus)
        pool = unique_subset(split, run.unique_tokens, run.chunk) if run.data == "repeated" else split
        spec = TrainSpec(run.config, run.tokens, run.batch_size, run.lr, beta2=BOOK_BETA2, seed=run.seed,
                         grad_clip=BOOK_CLIP, eval_sequences=run.eval_sequences)
        start, cpu = time.perf_counter(), time.process_time()
        res = train(spec, pool, val_tokens, device=dev, progress=bar.update)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        counts = run.config.params()
        row = {
            "run_id": run.run_id, "preset": preset, "data": run.data, "n_layer": run.n_layer,
            "d_model": run.d_model, "n_head": run.n_head, "vocab_size": run.vocab_size, "n_ctx": N_CTX,
            "n_params_total": counts.total, "n_params_nonembedding": counts.non_embedding,
            "unique_tokens": run.unique_tokens, "pool_tokens": len(pool), "chunk": run.chunk,
            "epochs_planned": run.epochs, "tokens": res["tokens"], "epochs": round(res["epochs"], 4),
            "flops": 6.0 * counts.total * res["tokens"], "batch_size": run.batch_size, "lr": run.lr,
            "beta2": BOOK_BETA2, "grad_clip": BOOK_CLIP, "steps": res["steps"], "seed": run.seed,
            "loss": round(res["loss"], 5), "train_loss": round(res["train_loss"], 5),
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "device": dev,
            "curve_tokens": " ".join(str(t) for t in res["curve_tokens"]),
            "curve_loss": " ".join(f"{v:.4f}" for v in res["curve_loss"]),
        }
        with locked_append(out) as fh:
            csv.writer(fh).writerow([row[c] for c in REPEAT_COLUMNS])
    bar.close()
    return read_repeat(out)


def main(argv: list[str] | None = None) -> int:
    """``python -m nsl_utils.lm.repeat --preset repeat --out CSV [--resume] [--shard K/N] [--threads T]``."""
    prog = "python -m nsl_utils.lm.repeat"
    parser = argparse.ArgumentParser(prog=prog, description="epochs of a fixed unique-token budget against fresh data")
    args = add_options(parser, "repeat-smoke or repeat").parse_args(argv)
    return run_command(run_repeat, args, command=command_line(prog, argv))


if __name__ == "__main__":
    sys.exit(main())
