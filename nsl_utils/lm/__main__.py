"""Command line: ``python -m nsl_utils.lm sweep --preset smoke --out runs.csv [--resume] [--shard K/N] [--beta2 B]``.

Under ``torchrun --nproc_per_node P -m nsl_utils.lm sweep ...`` every run is trained with
DistributedDataParallel across the P processes and rank 0 writes the CSV.
"""

from __future__ import annotations

import argparse
import os
import sys

from nsl_utils.lm.resumable import add_options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nsl_utils.lm", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sweep = sub.add_parser("sweep", help="run or resume a preset sweep, one CSV row per finished run")
    add_options(sweep, "smoke, pilot, pilot-lr, lr-bracket or book")
    sweep.add_argument("--beta2", type=float, default=None,
                       help="AdamW second-moment decay for every run (default: the preset's)")
    args = parser.parse_args(argv)

    import torch
    import torch.distributed as dist

    from nsl_utils.lm.sweep import run_sweep

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        use_cuda = args.device != "cpu" and torch.cuda.is_available()
        dist.init_process_group("nccl" if use_cuda else "gloo")
        if use_cuda:
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    try:
        run_sweep(args.preset, args.out, resume=args.resume, shard=args.shard,
                  device=args.device, progress=not args.no_progress, beta2=args.beta2)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if distributed:
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
