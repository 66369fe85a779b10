"""The planning calculator behind ``python -m nsl_utils``: compute-optimal sizes and model counts.

Two questions people ask before a training run, each answered by one function that returns a
plain dict (what ``--json`` prints):

- :func:`optimal_allocation`: for a compute budget C, the compute-optimal parameters N*, training
  tokens D*, tokens per parameter and the loss the chosen published law predicts.
- :func:`model_counts`: for a GPT-2 shaped transformer, its total, embedding and non-embedding
  parameters and its training FLOPs per token under the three countings of
  :func:`nsl_utils.counting.flops_per_token`.

Nothing here re-derives a law: the numbers come from :mod:`nsl_utils.laws` and
:mod:`nsl_utils.counting`.
"""

from __future__ import annotations

import math
from typing import Any

from nsl_utils._validation import positive_int
from nsl_utils.counting import flops_per_token, transformer_params
from nsl_utils.laws import (
    BESIROGLU_2024,
    HOFFMANN_2022,
    HOFFMANN_2022_UNROUNDED,
    KAPLAN_2020,
    ChinchillaParams,
    chinchilla_loss,
    compute_optimal,
    kaplan_loss,
    kaplan_n_opt,
)

__all__ = ["LAWS", "FLOP_METHODS", "optimal_allocation", "model_counts"]

#: The laws ``optimal_allocation`` knows, by the name the command line uses.
LAWS: dict[str, ChinchillaParams | None] = {
    "epoch": BESIROGLU_2024,
    "hoffmann": HOFFMANN_2022,
    "hoffmann-unrounded": HOFFMANN_2022_UNROUNDED,
    # Kaplan's law is not of the Chinchilla form; optimal_allocation handles it separately.
    "kaplan": None,
}

#: The countings of :func:`nsl_utils.counting.flops_per_token` that ``model_counts`` reports.
FLOP_METHODS: tuple[str, ...] = ("6N", "kaplan", "chinchilla")


def _positive_number(value: float, name: str, example: str) -> float:
    """``value`` as a float, raising a ValueError that a command-line user can act on."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, e.g. {example}; got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, e.g. {example}; got {number!r}")
    return number


def optimal_allocation(flops: float, law: str = "epoch") -> dict[str, Any]:
    """Compute-optimal model size and data for a training budget, under one published law.

    For the Chinchilla-form laws (``"epoch"``, ``"hoffmann"``, ``"hoffmann-unrounded"``) this is
    Hoffmann et al. (2022), Eq. (4), via :func:`nsl_utils.laws.compute_optimal`: N* counts
    total parameters and ``6 N* D* = C``; the loss is Eq. (2) at (N*, D*).

    For ``"kaplan"``, N* is Kaplan et al. (2020), Eq. (6.1) (:func:`nsl_utils.laws.kaplan_n_opt`),
    which counts non-embedding parameters and treats C as non-embedding compute; D* follows
    from C = 6 N* D*, and the loss is their Eq. (1.5) at (N*, D*). Kaplan's losses are on WebText2
    and Chinchilla's on MassiveText, with different tokenizers: compare losses only within a law.

    Parameters
    ----------
    flops : float
        Training compute C in FLOP, > 0 (e.g. 5.76e23, Gopher's budget).
    law : {"epoch", "hoffmann", "hoffmann-unrounded", "kaplan"}
        Which fit to use. ``"epoch"`` is Besiroglu et al.'s (2024) refit, Eq. (3);
        ``"hoffmann"`` the rounded Eq. (10) of Hoffmann et al. (2022); ``"hoffmann-unrounded"``
        the same with the exponents of their Appendix D.2; ``"kaplan"`` Kaplan et al. (2020).

    Returns
    -------
    dict
        ``law``, ``source``, ``flops`` (FLOP), ``n_opt`` (parameters), ``parameter_count``
        (``"total"`` or ``"non-embedding"``: what ``n_opt`` counts), ``d_opt`` (tokens),
        ``tokens_per_parameter``, ``loss`` (nats per token) and ``loss_equation``.

    Raises
    ------
    ValueError
        If ``flops`` is not a finite positive number or ``law`` is unknown.
    """
    flops = _positive_number(flops, "flops", "5.76e23 FLOP")
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(LAWS)}; got {law!r}")
    params = LAWS[law]
    if params is None:
        n_opt = float(kaplan_n_opt(flops))
        d_opt = flops / (6.0 * n_opt)
        loss = float(kaplan_loss(n_opt, d_opt))
        source, counted = KAPLAN_2020.source, "non-embedding"
        equation = "Kaplan et al. (2020), Eq. (1.5)"
    else:
        n_arr, d_arr = compute_optimal(flops, params)
        n_opt, d_opt = float(n_arr), float(d_arr)
        loss = float(chinchilla_loss(n_opt, d_opt, params))
        source, counted = params.source, "total"
        equation = "Hoffmann et al. (2022), Eq. (2)"
    return {
        "law": law,
        "source": source,
        "flops": flops,
        "n_opt": n_opt,
        "parameter_count": counted,
        "d_opt": d_opt,
        "tokens_per_parameter": d_opt / n_opt,
        "loss": loss,
        "loss_equation": equation,
    }


def model_counts(
    n_layer: int,
    d_model: int,
    vocab_size: int = 50257,
    n_ctx: int = 1024,
    *,
    d_ff: int | None = None,
    n_head: int | None = None,
    tied: bool = True,
    tokens: float | None = None,
) -> dict[str, Any]:
    """Parameter counts and training FLOPs per token of a GPT-2 shaped transformer.

    Counts come from :func:`nsl_utils.counting.transformer_params`; FLOPs per token (forward
    and backward) from :func:`nsl_utils.counting.flops_per_token` under ``"6N"`` (6 × total
    parameters), ``"kaplan"`` (Kaplan et al. 2020, Table 1) and ``"chinchilla"`` (Hoffmann
    et al. 2022, Appendix F).

    Parameters
    ----------
    n_layer, d_model : int
        Depth and width, >= 1.
    vocab_size, n_ctx : int
        Vocabulary size and context length, >= 1; default to GPT-2's 50257 and 1024.
    d_ff : int, optional
        MLP width; defaults to 4 · d_model.
    n_head : int, optional
        Attention heads (only the ``"chinchilla"`` softmax term uses it); defaults to d_model // 64.
    tied : bool
        Whether the output head shares the token embedding (GPT-2's does).
    tokens : float, optional
        Training tokens D, > 0. When given, the result also holds the total training compute
        ``training_flops`` (FLOP) of each method: FLOPs per token × D.

    Returns
    -------
    dict
        ``config`` (the inputs), ``total``, ``embedding``, ``head``, ``non_embedding``
        (parameters), ``embedding_share`` (fraction of the total in embeddings and untied head),
        ``flops_per_token`` (FLOP per training token, by method) and, with ``tokens``,
        ``tokens`` and ``training_flops``.

    Raises
    ------
    ValueError
        If a size is not a positive integer or ``tokens`` is not a positive number.
    """
    n_layer = positive_int(n_layer, "n_layer")
    d_model = positive_int(d_model, "d_model")
    vocab_size = positive_int(vocab_size, "vocab_size")
    n_ctx = positive_int(n_ctx, "n_ctx")
    d_ff = 4 * d_model if d_ff is None else positive_int(d_ff, "d_ff")
    n_head = max(1, d_model // 64) if n_head is None else positive_int(n_head, "n_head")
    counts = transformer_params(n_layer, d_model, vocab_size, n_ctx, d_ff=d_ff, tied=tied)
    per_token = {
        method: flops_per_token(
            n_layer, d_model, vocab_size, n_ctx,
            method=method, d_ff=d_ff, n_head=n_head, tied=tied,  # type: ignore[arg-type]
        )
        for method in FLOP_METHODS
    }
    result: dict[str, Any] = {
        "config": {
            "n_layer": n_layer, "d_model": d_model, "vocab_size": vocab_size, "n_ctx": n_ctx,
            "d_ff": d_ff, "n_head": n_head, "tied": tied,
        },
        "total": counts.total,
        "embedding": counts.embedding,
        "head": counts.head,
        "non_embedding": counts.non_embedding,
        "embedding_share": counts.embedding_share,
        "flops_per_token": per_token,
    }
    if tokens is not None:
        tokens = _positive_number(tokens, "tokens", "3e11")
        result["tokens"] = tokens
        result["training_flops"] = {m: f * tokens for m, f in per_token.items()}
    return result
