"""Command line of the book: ``python -m nsl_utils`` (or ``nsl``).

Examples
--------
Compute-optimal size and data for Gopher's budget (total compute C_T), under Epoch AI's refit,
and under Kaplan et al.'s law for the same budget counted as non-embedding compute C_nonemb::

    python -m nsl_utils optimal --flops 5.76e23
    python -m nsl_utils optimal --flops 5.76e23 --law kaplan --compute nonemb --json

The same budget for a model that will process 2e13 tokens at inference over its life: the
Chinchilla-optimal plan beside the inference-aware plan of Sardana et al. (2024), with the
training, inference and lifetime FLOPs of each; ``--loss`` sets a target loss instead of a budget::

    python -m nsl_utils optimal --flops 5.76e23 --inference-tokens 2e13
    python -m nsl_utils optimal --loss 2.0 --inference-tokens 2e12 --law hoffmann

A query outside the range a law was fitted on prints a warning on stderr (one line each); the
exit status stays 0. Bad input prints one line on stderr and exits with status 2.

Parameters and FLOPs per token of GPT-2 small::

    python -m nsl_utils params --n-layer 12 --d-model 768 --vocab 50257 --n-ctx 1024

Total and active parameters of Mixtral 8x7B (Jiang et al. 2024, Table 1), with the training and
inference FLOPs per token that follow the active count::

    python -m nsl_utils params --n-layer 32 --d-model 4096 --n-head 32 --n-kv-head 8 \
        --d-ff 14336 --vocab 32000 --n-ctx 32768 --n-experts 8 --experts-per-token 2 \
        --mlp swiglu --norm rmsnorm --no-bias --untied --rotary
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import textwrap
from typing import Any, NoReturn, Sequence

from nsl_utils.calculator import (
    COMPUTE_KINDS,
    LAWS,
    inference_plan,
    model_counts,
    optimal_allocation,
)
from nsl_utils.published import PF_DAY


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
    """12345678 -> ' (12.3 M)': a count with a thousands suffix, for reading at a glance.

    Empty from 1e15 up, where a suffix would read as '2.04e+12 T'; the scientific notation
    beside it says it all.
    """
    if abs(x) >= 1e15:
        return ""
    for value, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= value:
            return f"  ({x / value:.3g} {suffix})"
    return f"  ({x:.3g})"


#: How the text output names each kind of budget: symbol and what it counts.
_BUDGET = {
    "total": ("C_T", "total training compute 6 N_T D, embedding parameters included"),
    "nonemb": ("C_nonemb", "non-embedding training compute 6 N_nonemb D, at the critical batch size"),
    "cmin": ("C_min", "Kaplan's minimum non-embedding compute, at a batch far below the critical one"),
}


def _format_optimal(r: dict[str, Any]) -> str:
    symbol, meaning = _BUDGET[r["compute"]]
    kaplan = r["law"] == "kaplan"
    if kaplan:
        n_label, per = "non-embedding parameters N_nonemb", "tokens per non-embedding parameter"
        d_label = "training tokens, C_nonemb / (6 N*)"
    else:
        n_label, per = "total parameters N_T", "tokens per total parameter"
        d_label = "training tokens, C_T / (6 N*)"
    lines = [
        f"Compute-optimal allocation under law '{r['law']}' ({r['source']})",
        f"  budget  {symbol} = {r['flops']:.4e} FLOP: {meaning}",
    ]
    if kaplan:
        origin = "given" if r["compute"] == "cmin" else "C_nonemb / 2, Kaplan et al. 2020 Eq. 5.5"
        lines.append(f"  C_min   {r['c_min']:.4e} FLOP = {r['c_min'] / PF_DAY:.4g} PF-days ({origin})")
        if r["compute"] == "cmin":
            lines.append(f"          a run at the critical batch size spends C_nonemb = 2 C_min = "
                         f"{r['flops_nonembedding']:.4e} FLOP")
    lines += [
        f"  N*      {n_label:<38} {r['n_opt']:.4e}{_human(r['n_opt'])}",
        f"  D*      {d_label:<38} {r['d_opt']:.4e}{_human(r['d_opt'])}",
        f"  D*/N*   {per:<38} {r['tokens_per_parameter']:.4g}",
        f"  L       {'predicted loss (nats/token)':<38} {r['loss']:.4f}  ({r['loss_equation']})",
        f"          measured as: {r['loss_measured_on']}",
    ]
    if kaplan:
        lines.append("          not comparable with the losses of the Chinchilla-form laws "
                     "(other data, other tokenizer)")
    lines.append(f"fitted on: {_fitted_line(r['fitted_range'])}")
    return _fit(lines)


def _format_plan(r: dict[str, Any]) -> str:
    chin, aware = r["plans"]["chinchilla"], r["plans"]["inference_aware"]
    if r["target"] == "flops":
        target = (f"the loss of the compute-optimal model for C_T = {r['flops']:.4e} FLOP, "
                  "total training compute 6 N_T D")
    else:
        target = "given"
    rows = [
        ("total parameters N_T", "n"),
        ("training tokens D", "d_train"),
        ("tokens per parameter D/N_T", "tokens_per_parameter"),
        ("training 6 N_T D (FLOP)", "training_flops"),
        ("inference 2 N_T D_inf (FLOP)", "inference_flops"),
        ("lifetime compute (FLOP)", "lifetime_flops"),
    ]
    lines = [
        f"Inference-aware plan under law '{r['law']}' ({r['source']})",
        f"  method  {r['method']}",
        f"  target  L = {r['target_loss']:.4f} nats/token: {target}",
        f"          measured as: {r['loss_measured_on']}",
        f"  demand  D_inf = {r['inference_tokens']:.4e} inference tokens over the model's life",
        f"  {'':<32}{'Chinchilla-optimal':>21}{'inference-aware':>21}",
    ]
    for label, key in rows:
        fmt = "{:.4g}" if key == "tokens_per_parameter" else "{:.4e}"
        cells = [fmt.format(plan[key]) + (_human(plan[key]) if key == "n" else "")
                 for plan in (chin, aware)]
        lines.append(f"  {label:<32}{cells[0]:>21}{cells[1]:>21}")
    lines.append(f"  saving  the inference-aware plan spends {r['saving_flops']:.4e} FLOP "
                 f"({r['saving_fraction']:.1%}) less over the model's life, at the same loss")
    lines.append(f"fitted on: {_fitted_line(r['fitted_range'])} (training only: the law says "
                 "nothing about inference)")
    return _fit(lines)


#: Columns of the text output: it reads in an 80-column terminal and in the book's code column.
WIDTH = 77


def _fit(lines: list[str]) -> str:
    """Join ``lines``, wrapping any longer than :data:`WIDTH` under its own text.

    A continuation starts where the line's text starts (after a two-space indent and an
    eight-column key such as ``  target  ``), so wrapped lines stay in their column.
    """
    out = []
    for line in lines:
        if len(line) <= WIDTH:
            out.append(line)
            continue
        lead = len(line) - len(line.lstrip(" "))
        hang = 10 if lead == 2 else max(lead, 2)
        out.append(textwrap.fill(line, WIDTH, subsequent_indent=" " * hang,
                                 break_on_hyphens=False, break_long_words=False))
    return "\n".join(out)


def _fitted_line(f: dict[str, Any]) -> str:
    (n0, n1), (d0, d1), (c0, c1) = f["parameters"], f["tokens"], f["compute"]
    return (f"{f['parameter_symbol']} {n0:.3g} to {n1:.3g}, D {d0:.3g} to {d1:.3g} tokens, "
            f"{f['compute_symbol']} {c0:.3g} to {c1:.3g} FLOP")


def _format_params(r: dict[str, Any]) -> str:
    c = r["config"]
    width = 40
    lines = [
        f"GPT-2 shaped transformer: n_layer={c['n_layer']} d_model={c['d_model']} "
        f"vocab={c['vocab_size']} n_ctx={c['n_ctx']} d_ff={c['d_ff']} n_head={c['n_head']} "
        f"head={'tied' if c['tied'] else 'untied'}",
        f"  {'total parameters N_T':<{width}} {r['total']:>16,}{_human(r['total'])}",
        f"  {'embedding parameters N_emb (token+pos)':<{width}} {r['embedding']:>16,}"
        f"{_human(r['embedding'])}",
    ]
    if r["head"]:
        lines.append(f"  {'untied output head (in N_T only)':<{width}} {r['head']:>16,}"
                     f"{_human(r['head'])}")
    share_label = "embedding share (N_T - N_nonemb) / N_T"
    lines += [
        f"  {'non-embedding parameters N_nonemb':<{width}} {r['non_embedding']:>16,}"
        f"{_human(r['non_embedding'])}",
        f"  {share_label:<{width}} {r['embedding_share']:>16.1%}",
        "training FLOPs per token (forward + backward):",
    ]
    labels = {
        "6N": "6N: 6 N_T",
        "kaplan": "kaplan: 6 N_nonemb + attn (Kaplan T.1)",
        "chinchilla": "chinchilla: all terms (Hoffmann App. F)",
    }
    for method, value in r["flops_per_token"].items():
        lines.append(f"  {labels[method]:<{width}} {value:>16.4e}")
    if "training_flops" in r:
        lines.append(f"training compute for D = {r['tokens']:.3e} tokens (FLOP):")
        for method, value in r["training_flops"].items():
            lines.append(f"  {labels[method]:<{width}} {value:>16.4e}")
        lines.append("  6N gives C_T, the budget of the Chinchilla-form laws (--compute total); "
                     "kaplan's count is non-embedding,")
        lines.append("  like Kaplan's C_nonemb but with the attention term their C = 6NBS drops.")
    return _fit(lines)


def _format_active_params(r: dict[str, Any]) -> str:
    """Text of ``params`` for a mixture of experts or a Llama-style dense model."""
    c = r["config"]
    width = 44
    kind = "Mixture-of-experts" if r["architecture"] == "mixture of experts" else "Dense"
    lines = [
        f"{kind} transformer: n_layer={c['n_layer']} d_model={c['d_model']} "
        f"vocab={c['vocab_size']} n_ctx={c['n_ctx']} d_ff={c['d_ff']} n_head={c['n_head']} "
        f"n_kv_head={c['n_kv_head']} head_dim={c['head_dim']}",
        f"  mlp={c['mlp']} norm={c['norm']} bias={'yes' if c['bias'] else 'no'} "
        f"head={'tied' if c['tied'] else 'untied'} positions={c['positions']}",
    ]
    if r["architecture"] == "mixture of experts":
        lines.append(
            f"  experts: {c['n_experts']} per MoE layer, {c['experts_per_token']} per token, "
            f"{c['n_shared_experts']} shared; MoE in {c['n_moe_layers']} of {c['n_layer']} layers"
        )

    def row(label: str, value: int) -> str:
        return f"  {label:<{width}} {value:>16,}{_human(value)}"

    lines += [
        row("total parameters N_T (stored)", r["total"]),
        row("active parameters N_active (used per token)", r["active"]),
        row("embedding parameters N_emb (token+pos)", r["embedding"]),
    ]
    if r["head"]:
        lines.append(row("untied output head (in N_T and N_active)", r["head"]))
    lines += [
        row("non-embedding parameters N_nonemb", r["non_embedding"]),
        row("active non-embedding parameters", r["active_non_embedding"]),
        row("one expert (one MLP of one layer)" if r["router"] else "one MLP of one layer",
            r["expert"]),
    ]
    if r["router"]:
        lines.append(row("routers, all layers", r["router"]))
    lines.append(f"  {'active share N_active / N_T':<{width}} {r['active_share']:>16.1%}")
    labels = {
        "6N": "6N: 6 N_active",
        "2N": "2N: 2 N_active",
        "standard": "standard: weight FLOPs (no input embedding)",
        "kaplan": "kaplan: active non-emb. + attention (T.1)",
        "6N_T": "6N_T: every expert, as if dense (wrong)",
    }
    lines.append("training FLOPs per token (forward + backward), following N_active:")
    lines += [f"  {labels[m]:<{width}} {v:>16.4e}" for m, v in r["flops_per_token"].items()]
    lines.append("inference FLOPs per token (forward only):")
    lines += [f"  {labels[m]:<{width}} {v:>16.4e}"
              for m, v in r["inference_flops_per_token"].items()]
    if "training_flops" in r:
        lines.append(f"training compute for D = {r['tokens']:.3e} tokens (FLOP):")
        lines += [f"  {labels[m]:<{width}} {v:>16.4e}" for m, v in r["training_flops"].items()]
        lines.append("  6N is 6 N_active D, the 6ND rule with the parameters a token uses (for a")
        lines.append("  dense model N_active = N_T and it is C_T); kaplan adds attention over n_ctx.")
    return _fit(lines)


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
            "form laws count total parameters N_T and take total compute C_T = 6 N_T D; 'kaplan' "
            "counts non-embedding parameters N_nonemb and takes non-embedding compute "
            "(--compute nonemb or cmin). With --inference-tokens (or --loss), a Chinchilla-form "
            "law also plans for inference: the model that reaches the same loss at the least "
            "training + inference compute (Sardana et al. 2024). A query outside the range a law "
            "was fitted on prints a warning on stderr; the exit status stays 0."
        ),
    )
    target = opt.add_mutually_exclusive_group(required=True)
    target.add_argument("--flops", type=float, metavar="C",
                        help="training compute in FLOP, e.g. 5.76e23, counted as --compute says")
    target.add_argument("--loss", type=float, metavar="L",
                        help="a target loss in nats/token instead of a budget, e.g. 2.0 (a "
                             "Chinchilla-form law's final training loss, above its E); prints "
                             "the two plans of --inference-tokens")
    opt.add_argument("--inference-tokens", type=float, default=None, metavar="T",
                     help="tokens the model will process at inference over its life, e.g. 2e12: "
                          "prints the Chinchilla-optimal plan and the inference-aware plan of "
                          "Sardana et al. 2024 (least 6 N_T D + 2 N_T T at the same loss), with "
                          "the training, inference and lifetime FLOPs of each")
    opt.add_argument("--compute", choices=list(COMPUTE_KINDS), default="total",
                     help="what --flops counts. total (default): C_T = 6 N_T D, for the "
                          "Chinchilla-form laws; nonemb: C_nonemb = 6 N_nonemb D at the critical "
                          "batch size, for kaplan (converted to C_min = C_nonemb / 2); cmin: "
                          "Kaplan's C_min itself")
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
            "(6N, Kaplan et al. 2020 Table 1, Hoffmann et al. 2022 Appendix F). With "
            "--n-experts and --experts-per-token, a mixture of experts: its stored (N_T) and "
            "active (N_active) parameters and the training (6 N_active) and inference "
            "(2 N_active) FLOPs per token that follow the active count. --n-kv-head, --head-dim, "
            "--mlp, --norm, --no-bias and --rotary describe Llama- and Mistral-style blocks "
            "(dense or not)."
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
    moe = par.add_argument_group("mixture of experts and Llama-style blocks")
    moe.add_argument("--n-experts", type=int, default=None, metavar="E",
                     help="routed experts per mixture-of-experts layer (Mixtral 8x7B: 8); "
                          "needs --experts-per-token")
    moe.add_argument("--experts-per-token", type=int, default=None, metavar="K",
                     help="routed experts each token uses, 1 to E (Mixtral: 2)")
    moe.add_argument("--n-shared-experts", type=int, default=0, metavar="S",
                     help="experts every token uses in each MoE layer (default: 0)")
    moe.add_argument("--moe-every", type=int, default=1, metavar="M",
                     help="one layer in M is a mixture-of-experts layer, the others dense "
                          "(default: 1, every layer)")
    moe.add_argument("--n-kv-head", type=int, default=None,
                     help="key-value heads of grouped-query attention (default: n-head)")
    moe.add_argument("--head-dim", type=int, default=None,
                     help="width of one attention head (default: d-model // n-head)")
    moe.add_argument("--mlp", choices=["gelu", "swiglu"], default="gelu",
                     help="gelu: two matrices (default); swiglu: three (gate, up, down)")
    moe.add_argument("--norm", choices=["layernorm", "rmsnorm"], default="layernorm",
                     help="layernorm (default) or rmsnorm (a scale only)")
    moe.add_argument("--no-bias", action="store_true",
                     help="linear layers and norms carry no biases")
    moe.add_argument("--rotary", action="store_true",
                     help="rotary positions: no learned position embedding (n-ctx still sets "
                          "the attention FLOPs)")
    par.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success, 2 on bad input).

    A result outside the range its law was fitted on is still a success: its warnings go to
    stderr, one line each, and the status is 0.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "optimal" and (args.loss is not None
                                          or args.inference_tokens is not None):
            result = inference_plan(
                args.flops, args.law, loss=args.loss, compute=args.compute, warn=False,
                inference_tokens=0.0 if args.inference_tokens is None else args.inference_tokens,
            )
            text = _format_plan(result)
        elif args.command == "optimal":
            result = optimal_allocation(args.flops, args.law, compute=args.compute, warn=False)
            text = _format_optimal(result)
        else:
            result = model_counts(
                args.n_layer, args.d_model, args.vocab, args.n_ctx,
                d_ff=args.d_ff, n_head=args.n_head, tied=not args.untied, tokens=args.tokens,
                n_experts=args.n_experts, experts_per_token=args.experts_per_token,
                n_shared_experts=args.n_shared_experts, moe_every=args.moe_every,
                n_kv_head=args.n_kv_head, head_dim=args.head_dim, mlp=args.mlp,
                norm=args.norm, bias=not args.no_bias,
                positions="rotary" if args.rotary else "learned",
            )
            text = (_format_active_params(result) if "active" in result
                    else _format_params(result))
    except ValueError as exc:
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else text)
    if args.command == "optimal":
        sys.stdout.flush()  # the result first, then its warnings, when both go to one terminal
        for warning in result["warnings"]:
            print(f"{parser.prog} optimal: warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
