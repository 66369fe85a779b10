"""A neural teacher-student experiment: does a trained ReLU network reach ``L ∝ D^{-4/d}``?

Bahri et al. (2021/2024, Sec. 3 and their teacher-student appendix) and Sharma & Kaplan (2020)
argue that a well-trained network behaves like a piecewise-linear interpolator of the data
manifold, so that with the model held large its test loss falls as ``D^{-4/d}`` in the
manifold's dimension ``d``. Here, scaled down to run on one CPU thread:

- inputs uniform in ``[0, 1]^d``; teacher :func:`nsl_utils.manifold.smooth_target`, by default
  a Matérn-5/2 Gaussian-process draw (4,096 plane waves): twice differentiable with a little to
  spare, so piecewise-linear interpolation reaches ``D^{-4/d}`` and no learner can beat
  ``D^{-5/d}``; its low frequency (half a cycle per unit) puts the measured range of ``D`` in the
  power-law tail of its spectrum rather than its bulk;
- student: a ReLU MLP (2 hidden layers) trained full batch in float64 with L-BFGS on ``D``
  points, test loss ``mean (f - f_hat)^2 / 2`` on fresh points.

Run the sweep (resumable; writes the CSV and a JSON sidecar with the command and environment)::

    python -m nsl_utils.teacher_student --out data/teacher_student.csv [--resume] [--jobs 2]
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from ._validation import positive_int
from .fit import fit_power_law
from .manifold import smooth_target
from .provenance import hardware, versions

__all__ = ["train_student", "run_sweep", "data_slopes", "main", "COLUMNS"]

#: Columns of the CSV the sweep writes (losses in squared units of the teacher's output).
COLUMNS = ["d", "D", "seed", "width", "iters", "frequency", "n_waves", "smoothness",
           "train_loss", "test_loss"]
_SETTINGS = ("width", "iters", "frequency", "n_waves", "smoothness")  # must agree within one CSV


def train_student(
    d: int,
    D: int,
    seed: int = 0,
    *,
    width: int = 128,
    iters: int = 1000,
    frequency: float = 0.5,
    n_waves: int = 4096,
    smoothness: float | None = 2.5,
    n_test: int = 4096,
) -> dict[str, float]:
    """Train one ReLU student on ``D`` samples of the teacher and measure its test loss.

    Parameters
    ----------
    d : int
        Input (= manifold) dimension.
    D : int
        Training-set size.
    seed : int
        Seeds the teacher, the data and the student's initialisation.
    width : int
        Width of both hidden layers.
    iters : int
        L-BFGS iterations (full batch, strong-Wolfe line search).
    frequency, n_waves, smoothness : float, int, float or None
        Teacher's frequency scale, number of plane waves and Matérn smoothness (see
        :func:`~nsl_utils.manifold.smooth_target`). With Matérn smoothness ``nu`` no learner
        beats ``D^{-2 nu/d}``; the default 2.5 brackets a good learner between ``D^{-4/d}``
        (piecewise-linear interpolation) and ``D^{-5/d}``; ``None`` (infinitely smooth) lets a
        network beat piecewise-linear interpolation outright.
    n_test : int
        Fresh test points.

    Returns
    -------
    dict
        One CSV row: the arguments plus ``train_loss`` and ``test_loss``.
    """
    d, D = positive_int(d, "d"), positive_int(D, "D")
    width, iters = positive_int(width, "width"), positive_int(iters, "iters")
    rng = np.random.default_rng([seed, d, D])
    X, X_test = rng.random((D, d)), rng.random((positive_int(n_test, "n_test"), d))
    teacher = dict(n_waves=n_waves, frequency=frequency, seed=seed, smoothness=smoothness)
    y, y_test = smooth_target(X, **teacher), smooth_target(X_test, **teacher)
    to = lambda a: torch.as_tensor(a, dtype=torch.float64)  # noqa: E731
    # inputs centred to [-1, 1]: PyTorch's default initialisation assumes centred inputs
    X, X_test, y, y_test = to(2 * X - 1), to(2 * X_test - 1), to(y), to(y_test)
    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(d, width), torch.nn.ReLU(),
        torch.nn.Linear(width, width), torch.nn.ReLU(),
        torch.nn.Linear(width, 1),
    ).double()
    opt = torch.optim.LBFGS(
        net.parameters(), lr=1.0, max_iter=iters, history_size=50,
        line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=1e-15,
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = 0.5 * ((net(X).squeeze(-1) - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        train = 0.5 * ((net(X).squeeze(-1) - y) ** 2).mean().item()
        test = 0.5 * ((net(X_test).squeeze(-1) - y_test) ** 2).mean().item()
    return dict(d=d, D=D, seed=seed, width=width, iters=iters, frequency=frequency,
                n_waves=n_waves, smoothness=smoothness, train_loss=train, test_loss=test)


def data_slopes(runs: pd.DataFrame, ci: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average the sweep's losses over seeds and fit ``L ∝ D^slope`` for each dimension ``d``.

    Parameters
    ----------
    runs : pandas.DataFrame
        Rows of the sweep's CSV (columns ``d``, ``D``, ``seed``, ``train_loss``, ``test_loss``).
    ci : float
        Level of the slope's confidence interval (from the log-log regression).

    Returns
    -------
    mean : pandas.DataFrame
        Columns ``d``, ``D``, ``train_loss``, ``test_loss``: the mean over seeds.
    slopes : pandas.DataFrame
        Indexed by ``d``: ``slope``, the log-log least-squares slope of the mean test loss
        against ``D`` (a piecewise-linear interpolator predicts ``-4/d``); ``ci_low`` and
        ``ci_high``, its interval; ``seed_min`` and ``seed_max``, the range of the same slope
        fitted to each seed alone.

    Raises
    ------
    ValueError
        If a column is missing, or a dimension has fewer than 3 sizes ``D`` to fit.
    """
    missing = {"d", "D", "seed", "train_loss", "test_loss"} - set(runs.columns)
    if missing:
        raise ValueError(f"runs: missing columns {sorted(missing)}; pass the sweep's CSV")
    mean = runs.groupby(["d", "D"])[["train_loss", "test_loss"]].mean().reset_index()
    rows = {}
    for d, group in mean.groupby("d"):
        if len(group) < 3:
            raise ValueError(f"runs: d = {d} has {len(group)} sizes D; a slope needs at least 3")
        fit = fit_power_law(group["D"], group["test_loss"], ci=ci)
        per_seed = [fit_power_law(g["D"], g["test_loss"]).p
                    for _, g in runs[runs["d"] == d].groupby("seed")]
        rows[d] = {"slope": fit.p, "ci_low": fit.p_ci[0], "ci_high": fit.p_ci[1],
                   "seed_min": min(per_seed), "seed_max": max(per_seed)}
    return mean, pd.DataFrame.from_dict(rows, orient="index").rename_axis("d")


def _run_one(job: tuple[int, int, int, dict]) -> dict[str, float]:
    d, D, seed, kwargs = job
    torch.set_num_threads(1)  # one process per core: threads inside a run would only contend
    return train_student(d, D, seed, **kwargs)


def _results(todo: list[tuple[int, int, int, dict]], jobs: int) -> Iterator[dict[str, float]]:
    if jobs > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            yield from pool.map(_run_one, todo)
        return
    threads = torch.get_num_threads()  # in this process: one thread, as in a worker, then restore
    try:
        yield from map(_run_one, todo)
    finally:
        torch.set_num_threads(threads)


def run_sweep(
    out: Path,
    dims: list[int],
    sizes: list[int],
    seeds: list[int],
    resume: bool,
    command: str = "run_sweep (from Python)",
    jobs: int = 1,
    **kwargs,
) -> None:
    """Run every (d, D, seed) not yet in ``out`` and append its row; record the invocation.

    The sidecar ``out`` with suffix ``.json`` holds ``{"sessions": [...]}``, one entry per
    invocation (command, grid, timing, versions, hardware); resuming appends to it.

    Parameters
    ----------
    out : pathlib.Path
        CSV path; the sidecar is ``out`` with suffix ``.json``.
    dims, sizes, seeds : list of int
        The grid.
    resume : bool
        Keep the rows already in ``out`` and run only the missing ones (otherwise start afresh).
        Refused if the rows in ``out`` were made with other settings (``**kwargs``).
    command : str
        How the sweep was invoked, recorded in the sidecar.
    jobs : int
        Worker processes, each single-threaded; 1 runs in this process, also single-threaded, so
        the results do not depend on ``jobs``.
    **kwargs
        Passed to :func:`train_student`.

    Raises
    ------
    ValueError
        If ``jobs`` is not a positive integer, or ``resume`` would mix settings in one file.
    """
    jobs = positive_int(jobs, "jobs")
    defaults = {k: v.default for k, v in inspect.signature(train_student).parameters.items()
                if v.default is not inspect.Parameter.empty}
    settings = {k: _setting(v) for k, v in {**defaults, **kwargs}.items() if k in _SETTINGS}
    done: set[tuple[int, int, int]] = set()
    if resume and out.exists():
        with open(out) as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            stored = {k: _setting(r[k]) for k in settings}
            if stored != settings:
                raise ValueError(f"resume: {out} holds runs made with {stored}, not {settings}; "
                                 "use another --out or drop --resume")
        done = {(int(r["d"]), int(r["D"]), int(r["seed"])) for r in rows}
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", newline="") as fh:
            csv.writer(fh).writerow(COLUMNS)
    todo = [(d, D, s, kwargs) for d in dims for D in sizes for s in seeds if (d, D, s) not in done]
    start = time.perf_counter()
    for row in tqdm(_results(todo, jobs), total=len(todo), desc="teacher-student runs"):
        with open(out, "a", newline="") as fh:
            csv.writer(fh).writerow([row[c] for c in COLUMNS])
    with open(out) as fh:  # sorted, so that the file does not depend on jobs or on resuming
        rows = sorted(csv.DictReader(fh), key=lambda r: (int(r["d"]), int(r["D"]), int(r["seed"])))
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    session = {
        "command": command,
        "grid": {"dims": dims, "sizes": sizes, "seeds": seeds, **kwargs},
        "jobs": jobs,
        "seconds_this_invocation": round(time.perf_counter() - start, 1),
        "runs_this_invocation": len(todo),
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "environment": {**versions("numpy", "torch"), **hardware()},
    }
    sidecar_path = out.with_suffix(".json")
    sessions = []
    if resume and sidecar_path.exists():  # keep the record of the invocations that made the rows
        earlier = json.loads(sidecar_path.read_text())
        sessions = earlier.get("sessions", [earlier])  # a one-session file predates the list
    sidecar = {"sessions": [*sessions, session]}
    sidecar_path.write_text(json.dumps(sidecar, indent=2) + "\n")


def _setting(value: float | str | None) -> float | None:
    # one form for a setting given in Python (2.5, None) and read back from the CSV ("2.5", "")
    return None if value is None or value == "" else float(value)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("data/teacher_student.csv"))
    p.add_argument("--resume", action="store_true", help="skip runs already in --out")
    p.add_argument("--dims", type=int, nargs="+", default=[2, 4, 6, 8])
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024, 2048, 4096])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--iters", type=int, default=1000)
    p.add_argument("--frequency", type=float, default=0.5)
    p.add_argument("--n-waves", type=int, default=4096)
    p.add_argument("--smoothness", type=float, default=2.5,
                   help="Matérn nu of the teacher (0 for the infinitely smooth Gaussian kernel)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes, one core each")
    argv = sys.argv[1:] if argv is None else argv
    a = p.parse_args(argv)
    command = "python -m nsl_utils.teacher_student " + " ".join(argv)
    run_sweep(a.out, a.dims, a.sizes, a.seeds, a.resume, command, jobs=a.jobs, width=a.width,
              iters=a.iters, frequency=a.frequency, n_waves=a.n_waves,
              smoothness=a.smoothness or None)


if __name__ == "__main__":
    main()
