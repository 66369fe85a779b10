"""What the resumable experiments of ``nsl_utils.lm`` share: starting a session and the command line.

The sweep (:mod:`nsl_utils.lm.sweep`), the schedule experiment (:mod:`nsl_utils.lm.schedule`) and
the repetition experiment (:mod:`nsl_utils.lm.repeat`) each train the runs of a preset and append
the rows of every finished run to a CSV, so that an interrupted command continues with
``--resume`` and a long one splits into shards run side by side (``--shard K/N``). Every session
is recorded in the sidecar ``<out>.meta.json`` (:func:`nsl_utils.lm.sweep.write_sidecar`).

- :func:`start_session`: the resume checks, the runs of this shard still to train, the CSV's
  header and the sidecar entry (all three experiments).
- :func:`add_options` and :func:`run_command`: the options every experiment's command takes
  (``--preset --out --resume --shard --device --threads --no-progress``) and how it runs: torch's
  threads set, a ``ValueError`` reported as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from nsl_utils.lm.sweep import locked_append, parse_shard, write_sidecar

__all__ = ["start_session", "add_options", "command_line", "run_command"]

R = TypeVar("R")


def start_session(out: str | Path, runs: Sequence[R], *, columns: list[str], read: Callable[[Path], pd.DataFrame],
                  preset: str, resume: bool = False, shard: str | None = None, device: str | None = None,
                  command: str | None = None, settings: dict | None = None,
                  check: Callable[[Path, pd.DataFrame], None] | None = None,
                  primary: bool = True) -> tuple[Path, list[R], str]:
    """Start (or resume) writing an experiment's CSV and say which runs are left to train.

    Parameters
    ----------
    out : str or Path
        The CSV. Must not exist unless ``resume``; its folder is created.
    runs : sequence
        The preset's runs in order, each with a ``run_id``.
    columns : list of str
        The CSV's header, written if the file is new or empty.
    read : callable
        The experiment's reader of an existing CSV (it raises ``ValueError`` on a damaged file).
    preset : str
        The preset's name, for the sidecar.
    resume : bool
        Skip runs whose ``run_id`` is already in ``out``.
    shard : str, optional
        ``"K/N"``: keep only runs K, K+N, ... (1-based) of ``runs``.
    device : str, optional
        ``"cpu"`` or ``"cuda"``; default CUDA when available.
    command, settings : optional
        Recorded in the sidecar (:func:`~nsl_utils.lm.sweep.write_sidecar`).
    check : callable, optional
        Called with an existing ``out`` and its rows before resuming; raises ``ValueError`` if
        they were made with other settings than this session's.
    primary : bool
        Write the header and the sidecar entry; ``False`` for the other processes of a
        distributed run (only rank 0 writes).

    Returns
    -------
    out : Path
        The CSV.
    runs : list
        The runs of this shard not yet in ``out``, in order.
    device : str
        The device to train on.
    """
    import torch

    k, n = parse_shard(shard)
    out = Path(out)
    done: set[str] = set()
    if out.exists():
        if not resume:
            raise ValueError(f"{out} exists; pass --resume to continue it, or choose another --out")
        existing = read(out)
        if check is not None:
            check(out, existing)
        done = set(existing["run_id"])
    todo = [r for i, r in enumerate(runs) if i % n == k - 1 and r.run_id not in done]
    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if primary:
        out.parent.mkdir(parents=True, exist_ok=True)
        with locked_append(out) as fh:
            if fh.tell() == 0:
                csv.writer(fh).writerow(columns)
            write_sidecar(out, preset, shard, dev, command=command, settings=settings)
    return out, todo, dev


def add_options(parser: argparse.ArgumentParser, presets: str) -> argparse.ArgumentParser:
    """Add the options every experiment's command takes; ``presets`` is the help of ``--preset``."""
    parser.add_argument("--preset", required=True, help=presets)
    parser.add_argument("--out", required=True, help="CSV to create (or to continue with --resume)")
    parser.add_argument("--resume", action="store_true", help="skip runs already in --out")
    parser.add_argument("--shard", default=None, help="K/N: run every N-th run starting at the K-th")
    parser.add_argument("--device", default=None, choices=["cpu", "cuda"], help="default: cuda if available")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (1 for a background job)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def command_line(prog: str, argv: list[str] | None) -> str:
    """The command as a reader would type it: ``prog`` and the arguments (``sys.argv``'s if ``argv`` is None)."""
    return " ".join([prog, *(sys.argv[1:] if argv is None else argv)])


def run_command(run: Callable[..., Any], args: argparse.Namespace, **kwargs: Any) -> int:
    """Run an experiment from parsed :func:`add_options` arguments; the exit status.

    Sets torch's CPU threads from ``--threads``, then calls ``run(preset, out, resume=...,
    shard=..., device=..., progress=..., **kwargs)``. A ``ValueError`` (a bad preset, an existing
    ``--out`` without ``--resume``, a damaged CSV) is printed as ``error: ...`` on stderr and gives
    exit status 2, with no traceback.
    """
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    try:
        run(args.preset, args.out, resume=args.resume, shard=args.shard, device=args.device,
            progress=not args.no_progress, **kwargs)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
