"""The learning-rate schedule experiment: losses read off one long cosine against cosines matched to the horizon.

Kaplan et al. (2020, Sec. 2.2) trained every model on one schedule (3000 warmup steps, then a
cosine to zero over 2.5e5 steps) and read the loss of shorter horizons off that one run.
Hoffmann et al. (2022, Sec. 2, App. B and Fig. A1) argue that such intermediate losses overstate
the loss of a run whose cosine ends at that horizon: the learning rate has not decayed there yet.

This module measures the penalty on one small model of ``nsl_utils.lm``. For each seed it trains

- one *long* run whose cosine spans ``long_steps`` steps, scoring the validation windows after
  S = round(long_steps / r) steps for every ratio r of the preset (and at its end, r = 1), and
- one *matched* run per ratio, whose cosine spans exactly those S steps.

Both arms share the seed (so the initialisation and the batches), the peak learning rate, AdamW's
settings and the warmup, a fixed number of steps; the two losses after S steps differ only in how
far the cosine has decayed. The penalty at ratio r is ``loss(long) - loss(matched)``; r is the
ratio of the long schedule's length to the horizon, the quantity of Hoffmann et al.'s Fig. A1.

Command line (one CSV row per loss read, appended as each run finishes; the sidecar
``<out>.meta.json`` records the command, the preset, versions, hardware and wall time)::

    python -m nsl_utils.lm.schedule --preset book --out data/lm_schedule.csv [--resume] [--shard K/N]
        [--threads 1] [--min-lr-frac F] [--device cpu|cuda] [--no-progress]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from nsl_utils._validation import as_finite_array, at_least, positive_int, positive_scalar, same_shape

from nsl_utils.lm.model import GPTConfig
from nsl_utils.lm.resumable import add_options, command_line, run_command, start_session
from nsl_utils.lm.sweep import N_CTX, book_lr, locked_append

__all__ = [
    "SchedulePreset", "Job", "PRESETS", "COLUMNS", "preset_jobs", "read_schedule", "run_schedule",
    "penalties", "penalty_summary", "fit_log_penalty", "main",
]


@dataclass(frozen=True)
class SchedulePreset:
    """One schedule experiment: a model shape, a long horizon, the ratios read off it and the seeds.

    Parameters
    ----------
    n_layer, d_model, n_head : int
        The model (context :data:`nsl_utils.lm.sweep.N_CTX`, tied embeddings).
    corpus : str
        A key of :data:`nsl_utils.lm.data.CORPORA`; it fixes the vocabulary.
    long_steps : int
        Optimizer steps of the long run's cosine.
    batch : int
        Sequences per step, the same in every run.
    ratios : tuple of float
        Ratios r > 1 of the long schedule to the horizon; the long run is read after
        round(long_steps / r) steps and one matched run is trained for that many.
    seeds : tuple of int
        One long run and one matched run per ratio for each seed.
    warmup_steps : int
        Linear warmup, the same number of steps in every run (as Kaplan et al.'s fixed 3000).
    lr : float
        Peak learning rate.
    beta2, grad_clip : float
        AdamW's second-moment decay and the gradient-norm clip (the book sweep's settings).
    min_lr_frac : float
        Learning rate at the end of each cosine as a fraction of the peak (0.1: a 10x decay, as
        Hoffmann et al.; Kaplan et al. decayed to 0).
    max_chars : int, optional
        Read only every k-th work of each split, k chosen for about this many characters (a quick
        version that does not tokenize the whole corpus); ``None`` reads every work.
    """

    n_layer: int
    d_model: int
    n_head: int
    corpus: str
    long_steps: int
    batch: int
    ratios: tuple[float, ...]
    seeds: tuple[int, ...]
    warmup_steps: int
    lr: float
    beta2: float = 0.999
    grad_clip: float = 1.0
    min_lr_frac: float = 0.1
    max_chars: int | None = None

    def __post_init__(self) -> None:
        for name in ("n_layer", "d_model", "n_head", "long_steps", "batch", "warmup_steps"):
            positive_int(getattr(self, name), name)
        positive_scalar(self.lr, "lr")
        if not 0.0 <= self.min_lr_frac <= 1.0:
            raise ValueError(f"min_lr_frac must lie in [0, 1], e.g. 0.1 (a 10x decay); got {self.min_lr_frac!r}")
        if not self.seeds:
            raise ValueError("seeds must name at least one seed, e.g. (0,)")
        if not self.ratios or any(not (np.isfinite(r) and r > 1.0) for r in self.ratios):
            raise ValueError(f"ratios must be numbers above 1 (1 is the long run's own end); got {self.ratios!r}")
        steps = [self.read_steps(r) for r in self.ratios]
        if len(set(steps)) != len(steps) or min(steps) <= self.warmup_steps or max(steps) >= self.long_steps:
            raise ValueError(
                f"ratios {self.ratios!r} give read points {steps} of {self.long_steps} steps; they must be "
                f"distinct, after the {self.warmup_steps} warmup steps and before the end: raise long_steps or drop ratios"
            )

    @property
    def config(self) -> GPTConfig:
        from nsl_utils.lm.data import CORPORA

        return GPTConfig(self.n_layer, self.d_model, self.n_head, CORPORA[self.corpus].vocab_size, N_CTX)

    def read_steps(self, ratio: float) -> int:
        """Steps after which the long run is read for ``ratio`` (and the matched run's horizon)."""
        return int(round(self.long_steps / ratio))


@dataclass(frozen=True)
class Job:
    """One training run of a preset: the long run of a seed, or a matched run of one ratio."""

    schedule: str  # "long" or "matched"
    seed: int
    steps: int
    ratio: float | None  # the ratio a matched run stands for; None for the long run

    @property
    def run_id(self) -> str:
        if self.schedule == "long":
            return f"long-S{self.steps}-s{self.seed}"
        return f"matched-r{self.ratio:g}-S{self.steps}-s{self.seed}"


#: The model is the book sweep's (2 layers, d_model 32, vocabulary 2,048, N_T = 91,520), at its
#: book-sweep rate and the batch of the 6.3e11-FLOP budget, near whose horizon (1.15M tokens,
#: 12.6 tokens per parameter) it is compute-optimal. The ratios are those of Hoffmann et al.'s
#: Fig. A1 (1.1 to 5) and 3 and 10; the warmup is 2% of the long run (Kaplan's was 1.2%).
PRESETS: dict[str, SchedulePreset] = {
    "book": SchedulePreset(2, 32, 4, "book", long_steps=1800, batch=40,
                           ratios=(1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0), seeds=(0, 1, 2),
                           warmup_steps=36, lr=book_lr(32)),
    # The notebook's live version (well under a minute): a shorter long run, three ratios, one
    # seed, on a sample of the works of each split.
    "smoke": SchedulePreset(2, 32, 4, "book", long_steps=400, batch=16, ratios=(1.25, 2.0, 4.0),
                            seeds=(0,), warmup_steps=8, lr=book_lr(32), max_chars=1_500_000),
}

COLUMNS = [
    "run_id", "preset", "schedule", "seed", "n_layer", "d_model", "n_head", "vocab_size", "n_ctx",
    "n_params_total", "n_params_nonembedding", "batch_size", "lr", "beta2", "grad_clip", "warmup_steps",
    "min_lr_frac", "schedule_steps", "steps", "tokens", "ratio", "loss", "seconds", "device",
]
_NUMERIC = ["seed", "schedule_steps", "steps", "tokens", "ratio", "loss", "lr", "batch_size", "min_lr_frac",
            "warmup_steps"]
# Settings that must agree between a CSV and the preset it is resumed with.
_SETTINGS = ["batch_size", "lr", "beta2", "warmup_steps", "min_lr_frac", "n_layer", "d_model"]


def _preset(preset: str | SchedulePreset) -> SchedulePreset:
    if isinstance(preset, SchedulePreset):
        return preset
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}")
    return PRESETS[preset]


def preset_jobs(preset: str | SchedulePreset) -> list[Job]:
    """The training runs of a preset in order: per seed, the long run, then the matched runs."""
    p = _preset(preset)
    jobs = []
    for seed in p.seeds:
        jobs.append(Job("long", seed, p.long_steps, None))
        jobs += [Job("matched", seed, p.read_steps(r), float(r)) for r in p.ratios]
    return jobs


def read_schedule(path: str | Path) -> pd.DataFrame:
    """Read a schedule CSV, raising ``ValueError`` (and changing nothing) if it is malformed."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"run_id": str, "schedule": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable schedule CSV ({exc}); fix or move it, then rerun") from exc
    if list(df.columns) != COLUMNS:
        raise ValueError(
            f"{path} does not have the schedule columns (expected {COLUMNS[:4]}...; got "
            f"{list(df.columns)[:4]}...); it is not a schedule CSV or it is damaged. Move it aside"
        )
    numeric = df[_NUMERIC].apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna().any(axis=1) | df["run_id"].isna() | ~df["schedule"].isin(["long", "matched"])
    if bad.any():
        raise ValueError(
            f"{path} has {int(bad.sum())} damaged row(s) (first at line {int(np.flatnonzero(bad)[0]) + 2}); "
            "delete those lines (a run interrupted mid-write) and resume"
        )
    return df


def _tokens(corpus: str, split: str, max_chars: int | None) -> NDArray[np.int32]:
    """A split's token ids: :func:`~nsl_utils.lm.data.load_tokens`, or those of every k-th work."""
    from nsl_utils.lm.data import EOT, load_tokenizer, load_tokens, load_works

    if max_chars is None:
        return load_tokens(split, corpus)
    # Every k-th work of the split, k chosen for about max_chars characters: all its sources
    # (the book corpus is ordered by source) stay represented.
    works = [w["text"] for w in load_works(corpus) if w["split"] == split]
    texts = works[::max(1, int(np.ceil(sum(map(len, works)) / max_chars)))]
    tok = load_tokenizer(corpus)
    eot = tok.token_to_id(EOT)
    ids: list[int] = []
    for enc in tok.encode_batch(texts):
        ids.extend(enc.ids)
        ids.append(eot)
    return np.asarray(ids, dtype=np.int32)


def _finish_sidecar(out: Path, fields: dict) -> None:
    """Complete the last session of ``<out>.meta.json`` (written by :func:`~nsl_utils.lm.sweep.write_sidecar`)."""
    meta_path = out.with_name(out.name + ".meta.json")
    meta = json.loads(meta_path.read_text())
    meta["sessions"][-1].update(fields)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")


def _check_settings(out: Path, existing: pd.DataFrame, p: SchedulePreset) -> None:
    """Refuse to resume ``out`` if its rows were made with other settings than ``p``'s."""
    cfg = p.config
    want = {"batch_size": p.batch, "lr": p.lr, "beta2": p.beta2, "warmup_steps": p.warmup_steps,
            "min_lr_frac": p.min_lr_frac, "n_layer": cfg.n_layer, "d_model": cfg.d_model}
    for key in _SETTINGS:
        if len(existing) and not np.allclose(existing[key].astype(float), want[key]):
            raise ValueError(f"{out} was made with other settings ({key} {sorted(set(existing[key]))}, "
                             f"this preset {want[key]}); resume with the same preset or choose another --out")


def run_schedule(preset: str | SchedulePreset, out: str | Path, *, resume: bool = False,
                 shard: str | None = None, device: str | None = None, progress: bool = True,
                 min_lr_frac: float | None = None, command: str | None = None) -> pd.DataFrame:
    """Run (or resume) a schedule experiment, appending the rows of each run as it finishes.

    Parameters
    ----------
    preset : str or SchedulePreset
        A key of :data:`PRESETS` (``"book"``, ``"smoke"``) or a preset object.
    out : str or Path
        The CSV. Must not exist unless ``resume``.
    resume : bool
        Skip runs whose ``run_id`` is already in ``out`` and append the rest.
    shard : str, optional
        ``"K/N"``: run only runs K, K+N, ... (1-based) of :func:`preset_jobs`.
    device : str, optional
        ``"cpu"`` or ``"cuda"``; default CUDA when available.
    progress : bool
        Show a progress bar (in optimizer steps).
    min_lr_frac : float, optional
        Override the preset's end-of-cosine learning rate (0 decays to zero, as Kaplan et al.).
    command : str, optional
        The command line, recorded in the sidecar ``<out>.meta.json``.

    Returns
    -------
    pandas.DataFrame
        The CSV's rows afterwards: for each long run one row per read point (``ratio`` =
        ``schedule_steps / steps``, 1 at its end), for each matched run one row (``ratio`` 1;
        the ratio it stands for is in its ``run_id``). ``seconds`` is the whole run's wall time.
    """
    from tqdm import tqdm

    from nsl_utils.lm.train import TrainSpec, train

    name = preset if isinstance(preset, str) else "custom"
    p = _preset(preset)
    if min_lr_frac is not None:
        p = replace(p, min_lr_frac=float(min_lr_frac))
    settings = {k: (list(v) if isinstance(v, tuple) else v) for k, v in p.__dict__.items()}
    out, jobs, dev = start_session(
        out, preset_jobs(p), columns=COLUMNS, read=read_schedule, preset=name, resume=resume, shard=shard,
        device=device, command=command, settings=settings,
        check=lambda path, existing: _check_settings(path, existing, p))
    start_all = time.perf_counter()
    if jobs:
        train_tokens, val_tokens = (_tokens(p.corpus, s, p.max_chars) for s in ("train", "validation"))
    cfg = p.config
    counts = cfg.params()
    per_step = p.batch * cfg.n_ctx
    read = {p.read_steps(r): float(r) for r in p.ratios}
    bar = tqdm(total=sum(j.steps for j in jobs), unit="step", disable=not progress)
    for job in jobs:
        bar.set_description(job.run_id)
        spec = TrainSpec(cfg, job.steps * per_step, p.batch, p.lr, beta2=p.beta2, seed=job.seed,
                         warmup_frac=p.warmup_steps / job.steps, min_lr_frac=p.min_lr_frac,
                         grad_clip=p.grad_clip)
        evals = sorted(read) if job.schedule == "long" else []
        start = time.perf_counter()
        res = train(spec, train_tokens, val_tokens, device=dev, progress=bar.update,
                    eval_at_tokens=[s * per_step for s in evals])
        seconds = time.perf_counter() - start
        points = list(zip(evals, res["eval_loss"])) + [(job.steps, res["loss"])]
        rows = []
        for steps, loss in points:
            rows.append({
                "run_id": job.run_id, "preset": name, "schedule": job.schedule, "seed": job.seed,
                "n_layer": cfg.n_layer, "d_model": cfg.d_model, "n_head": cfg.n_head, "vocab_size": cfg.vocab_size,
                "n_ctx": cfg.n_ctx, "n_params_total": counts.total, "n_params_nonembedding": counts.non_embedding,
                "batch_size": p.batch, "lr": p.lr, "beta2": p.beta2, "grad_clip": p.grad_clip,
                "warmup_steps": p.warmup_steps, "min_lr_frac": p.min_lr_frac, "schedule_steps": job.steps,
                "steps": steps, "tokens": steps * per_step, "ratio": round(job.steps / steps, 6),
                "loss": round(loss, 5), "seconds": round(seconds, 1), "device": dev,
            })
        with locked_append(out) as fh:
            writer = csv.writer(fh)
            for row in rows:
                writer.writerow([row[c] for c in COLUMNS])
    bar.close()
    with locked_append(out):
        _finish_sidecar(out, {
            "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "wall_seconds": round(time.perf_counter() - start_all, 1), "runs": [j.run_id for j in jobs]})
    return read_schedule(out)


def penalties(df: pd.DataFrame) -> pd.DataFrame:
    """The loss penalty of reading a long schedule early, one row per seed and ratio.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of :func:`run_schedule` (or :func:`read_schedule`).

    Returns
    -------
    pandas.DataFrame
        ``seed``, ``ratio`` (long schedule / horizon), ``steps``, ``tokens``, ``loss_long`` (the long
        run read after ``steps``), ``loss_matched`` (the run whose cosine ends there),
        ``penalty`` (their difference, nats/token) and ``relative`` (penalty / loss_matched).

    Raises
    ------
    ValueError
        If ``df`` lacks the columns, or holds no pair of a long-run read and a matched run.
    """
    missing = [c for c in ("schedule", "seed", "steps", "tokens", "ratio", "loss") if c not in df.columns]
    if missing:
        raise ValueError(f"df must be a schedule CSV's rows (read_schedule); it lacks {missing}")
    long = df[(df["schedule"] == "long") & (df["ratio"] > 1)]
    matched = df[df["schedule"] == "matched"]
    pairs = long.merge(matched[["seed", "steps", "loss"]], on=["seed", "steps"], suffixes=("_long", "_matched"))
    if pairs.empty:
        raise ValueError("df holds no long-run read with a matched run of the same seed and steps; "
                         "run both arms (python -m nsl_utils.lm.schedule) before comparing them")
    pairs = pairs[["seed", "ratio", "steps", "tokens", "loss_long", "loss_matched"]].copy()
    pairs["penalty"] = pairs["loss_long"] - pairs["loss_matched"]
    pairs["relative"] = pairs["penalty"] / pairs["loss_matched"]
    return pairs.sort_values(["ratio", "seed"]).reset_index(drop=True)


def penalty_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Penalty by ratio over seeds: ``mean``, ``std`` (0 for one seed), ``sem``, ``n``, ``relative``, ``tokens``.

    ``df`` is a schedule CSV's rows; see :func:`penalties`.
    """
    pen = penalties(df)
    g = pen.groupby("ratio")
    out = pd.DataFrame({
        "tokens": g["tokens"].first(), "mean": g["penalty"].mean(), "std": g["penalty"].std(ddof=1).fillna(0.0),
        "n": g["penalty"].size(), "relative": g["relative"].mean(),
        "loss_matched": g["loss_matched"].mean(), "loss_long": g["loss_long"].mean(),
    })
    out["sem"] = out["std"] / np.sqrt(out["n"])
    return out


def fit_log_penalty(ratio: ArrayLike, relative: ArrayLike) -> float:
    """Slope κ of the relative penalty against ln r through the origin: relative ≈ κ ln r.

    Parameters
    ----------
    ratio : array_like
        Ratios r > 1 of schedule length to horizon.
    relative : array_like
        Relative penalties at those ratios, same shape.

    Returns
    -------
    float
        The least-squares κ (the penalty vanishes at r = 1 by construction).
    """
    r = as_finite_array(ratio, "ratio").ravel()
    y = as_finite_array(relative, "relative").ravel()
    same_shape(ratio=r, relative=y)
    at_least(r, 1, "ratio")
    if np.any(r <= 1):
        raise ValueError(f"ratio must be above 1 (the long schedule longer than the horizon); got {r.min()!r}")
    x = np.log(r)
    return float(np.sum(x * y) / np.sum(x * x))


def main(argv: list[str] | None = None) -> int:
    """Command line of the experiment (see the module docstring)."""
    prog = "python -m nsl_utils.lm.schedule"
    parser = add_options(argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0]), "book or smoke")
    parser.add_argument("--min-lr-frac", type=float, default=None,
                        help="end-of-cosine learning rate as a fraction of the peak (default: the preset's)")
    args = parser.parse_args(argv)
    return run_command(run_schedule, args, min_lr_frac=args.min_lr_frac, command=command_line(prog, argv))


if __name__ == "__main__":
    sys.exit(main())
