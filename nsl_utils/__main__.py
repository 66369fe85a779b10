"""Command line of the book: ``python -m nsl_utils`` (or ``nsl``).

Examples
--------
Compute-optimal size and data for Gopher's budget, under Epoch AI's refit::

    python -m nsl_utils optimal --flops 5.76e23
    python -m nsl_utils optimal --flops 5.76e23 --law kaplan --json

Parameters and FLOPs per token of GPT-2 small::

    python -m nsl_utils params --n-layer 12 --d-model 768 --vocab 50257 --n-ctx 1024
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, NoReturn, Sequence

from nsl_utils.calculator import LAWS, model_counts, optimal_allocation


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (no usage dump), exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Python 3.11's argparse takes "-1e23" for an option name ("expected one argument");
        # matching scientific notation too lets the calculator say what is wrong with it.
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _human(x: float) -> str:
    """12345678 -> '12.3 M': a count with a thousands suffix, for reading at a glance."""
    for value, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= value:
            return f"{x / value:.3g} {suffix}"
    return f"{x:.3g}"


def _format_optimal(r: dict[str, Any]) -> str:
    counted = f"{r['parameter_count']} parameters"
    lines = [
        f"Compute-optimal allocation of C = {r['flops']:.3e} FLOP",
        f"law: {r['law']} ({r['source']})",
        f"  N*  {counted:<27} {r['n_opt']:.4e}  ({_human(r['n_opt'])})",
        f"  D*  {'training tokens':<27} {r['d_opt']:.4e}  ({_human(r['d_opt'])})",
        f"  D*/N*  {'tokens per parameter':<24} {r['tokens_per_parameter']:.4g}",
        f"  L(N*, D*)  {'predicted loss':<20} {r['loss']:.4f} nats/token ({r['loss_equation']})",
    ]
    if r["law"] == "kaplan":
        lines.append(
            "note: Kaplan's N counts non-embedding parameters and C non-embedding compute; "
            "its loss is on WebText2, not comparable with the Chinchilla laws' losses."
        )
    return "\n".join(lines)


def _format_params(r: dict[str, Any]) -> str:
    c = r["config"]
    lines = [
        f"GPT-2 shaped transformer: n_layer={c['n_layer']} d_model={c['d_model']} "
        f"vocab={c['vocab_size']} n_ctx={c['n_ctx']} d_ff={c['d_ff']} n_head={c['n_head']} "
        f"head={'tied' if c['tied'] else 'untied'}",
        f"  {'total parameters (N_T)':<34} {r['total']:>16,}  ({_human(r['total'])})",
        f"  {'embedding parameters':<34} {r['embedding']:>16,}  ({_human(r['embedding'])})",
    ]
    if r["head"]:
        lines.append(f"  {'untied output head':<34} {r['head']:>16,}  ({_human(r['head'])})")
    lines += [
        f"  {'non-embedding parameters (N_E)':<34} {r['non_embedding']:>16,}  "
        f"({_human(r['non_embedding'])})",
        f"  {'embedding share of the total':<34} {r['embedding_share']:>16.1%}",
        "training FLOPs per token (forward + backward):",
    ]
    labels = {
        "6N": "6N (6 x total parameters)",
        "kaplan": "kaplan (Kaplan 2020, Table 1)",
        "chinchilla": "chinchilla (Hoffmann 2022, App. F)",
    }
    for method, value in r["flops_per_token"].items():
        lines.append(f"  {labels[method]:<34} {value:>16.4e}")
    if "training_flops" in r:
        lines.append(f"training compute for D = {r['tokens']:.3e} tokens (FLOP):")
        for method, value in r["training_flops"].items():
            lines.append(f"  {labels[method]:<34} {value:>16.4e}")
    return "\n".join(lines)


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "nsl"
    return "python -m nsl_utils" if name in ("__main__.py", "-c", "") else name


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m nsl_utils`` with its two subcommands."""
    parser = _OneLineParser(
        prog=_prog(),
        description="Planning calculator of 'Scaling Laws, Reproduced'.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{optimal,params}",
                                parser_class=_OneLineParser)

    opt = sub.add_parser(
        "optimal",
        help="compute-optimal parameters, tokens and loss for a compute budget",
        description=(
            "Compute-optimal parameters N*, training tokens D*, tokens per parameter and the "
            "predicted loss for a training budget, under a published scaling law. The Chinchilla-"
            "form laws count total parameters; 'kaplan' counts non-embedding parameters."
        ),
    )
    opt.add_argument("--flops", type=float, required=True, metavar="C",
                     help="training compute in FLOP, e.g. 5.76e23")
    opt.add_argument("--law", choices=list(LAWS), default="epoch",
                     help="epoch: Besiroglu et al. 2024 (default); hoffmann: Hoffmann et al. 2022 "
                          "Eq. 10; hoffmann-unrounded: its Appendix D.2 exponents; kaplan: "
                          "Kaplan et al. 2020 Eq. 6.1")
    opt.add_argument("--json", action="store_true", help="print a JSON object instead of text")

    par = sub.add_parser(
        "params",
        help="parameter counts and training FLOPs per token of a transformer",
        description=(
            "Total, embedding and non-embedding parameter counts of a GPT-2 shaped decoder-only "
            "transformer, and its training FLOPs per token under three countings "
            "(6N, Kaplan et al. 2020 Table 1, Hoffmann et al. 2022 Appendix F)."
        ),
    )
    par.add_argument("--n-layer", type=int, required=True, help="number of blocks")
    par.add_argument("--d-model", type=int, required=True, help="residual stream width")
    par.add_argument("--vocab", type=int, default=50257, help="vocabulary size (default: GPT-2's 50257)")
    par.add_argument("--n-ctx", type=int, default=1024, help="context length (default: 1024)")
    par.add_argument("--d-ff", type=int, default=None, help="MLP width (default: 4 x d-model)")
    par.add_argument("--n-head", type=int, default=None, help="attention heads (default: d-model // 64)")
    par.add_argument("--untied", action="store_true", help="the output head does not share the token embedding")
    par.add_argument("--tokens", type=float, default=None, metavar="D",
                     help="also print the training compute for D tokens")
    par.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success, 2 on bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "optimal":
            result = optimal_allocation(args.flops, args.law)
            text = _format_optimal(result)
        else:
            result = model_counts(
                args.n_layer, args.d_model, args.vocab, args.n_ctx,
                d_ff=args.d_ff, n_head=args.n_head, tied=not args.untied, tokens=args.tokens,
            )
            text = _format_params(result)
    except ValueError as exc:
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
