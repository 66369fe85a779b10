"""The planning calculator behind ``python -m nsl_utils``: compute-optimal sizes and model counts.

The questions people ask before a training run, each answered by one function that returns a
plain dict (what ``--json`` prints):

- :func:`optimal_allocation`: for a compute budget, the compute-optimal parameters N*, training
  tokens D*, tokens per parameter and the loss the chosen published law predicts, with a warning
  for every quantity that leaves the range the law was fitted on.
- :func:`inference_plan`: for a target loss, or the loss a budget buys, and an expected number of
  inference tokens, the Chinchilla-optimal plan and the inference-aware plan of Sardana et al.
  (2024), which reaches the same loss at the least training + inference compute, with the FLOPs
  of each and the warnings of both.
- :func:`model_counts`: for a GPT-2 shaped transformer, its total (N_T), embedding (N_emb) and
  non-embedding (N_nonemb) parameters and its training FLOPs per token under the three countings
  of :func:`nsl_utils.counting.flops_per_token`; for a mixture of experts (or a Llama-style dense
  model: grouped-query attention, SwiGLU, RMSNorm, rotary positions) also the active parameters
  N_active and the training and inference FLOPs per token that follow them
  (:func:`nsl_utils.counting.moe_params`).

Nothing here re-derives a law: the numbers come from :mod:`nsl_utils.laws` and
:mod:`nsl_utils.counting`.

What a budget counts
--------------------
The laws do not take the same compute. The Chinchilla-form laws (``epoch``, ``hoffmann``,
``hoffmann-unrounded``) take total compute C_T = 6 N_T D, embedding parameters included.
Kaplan et al.'s law takes C_min, the *non-embedding* compute a run would need at a batch far
below the critical batch size; a run at the critical batch size spends C_nonemb = 6 N_nonemb D
= 2 C_min. The calculator therefore asks what a budget counts (``compute``) and refuses a
pairing it cannot convert without knowing the model's vocabulary and width (total compute into
Kaplan's law, non-embedding compute into a Chinchilla-form law).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from nsl_utils._validation import positive_int
from nsl_utils.counting import flops_per_token, moe_params, transformer_params
from nsl_utils.laws import (
    BESIROGLU_2024,
    HOFFMANN_2022,
    HOFFMANN_2022_UNROUNDED,
    KAPLAN_2020,
    ChinchillaParams,
    FittedRangeWarning,
    chinchilla_loss,
    compute_optimal,
    compute_optimal_for_loss,
    inference_optimal,
    kaplan_c_min,
    kaplan_loss_cmin,
    kaplan_n_opt,
)
from nsl_utils.published import (
    KAPLAN_BREAKDOWN,
    KAPLAN_VOCAB_SIZE,
    PF_DAY,
    REFERENCE_CONFIGS,
    SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN,
    SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN,
)

__all__ = ["LAWS", "COMPUTE_KINDS", "LAW_COMPUTE", "LOSS_MEASURED_ON", "FLOP_METHODS",
           "ACTIVE_FLOP_METHODS", "PLANS", "optimal_allocation", "inference_plan", "model_counts"]

#: The laws ``optimal_allocation`` knows, by the name the command line uses.
LAWS: dict[str, ChinchillaParams | None] = {
    "epoch": BESIROGLU_2024,
    "hoffmann": HOFFMANN_2022,
    "hoffmann-unrounded": HOFFMANN_2022_UNROUNDED,
    # Kaplan's law is not of the Chinchilla form; optimal_allocation handles it separately.
    "kaplan": None,
}

#: What a budget passed as ``flops`` may count, by the name ``compute=`` (``--compute``) uses.
COMPUTE_KINDS: dict[str, str] = {
    "total": "C_T = 6 N_T D, total training compute, embedding parameters included "
             "(Hoffmann et al. 2022)",
    "nonemb": "C_nonemb = 6 N_nonemb D, non-embedding training compute of a run at the critical "
              "batch size (Kaplan et al. 2020, Sec. 1.3)",
    "cmin": "C_min, Kaplan et al.'s minimum non-embedding compute, at a batch far below the "
            "critical batch size (Kaplan et al. 2020, Eq. 5.5)",
}

#: The kinds of compute each law accepts; the first is the one it is fitted on.
LAW_COMPUTE: dict[str, tuple[str, ...]] = {
    "epoch": ("total",),
    "hoffmann": ("total",),
    "hoffmann-unrounded": ("total",),
    "kaplan": ("cmin", "nonemb"),
}

_CHINCHILLA_VOCAB = REFERENCE_CONFIGS["Chinchilla 70B"]["vocab_size"]

#: What each family's loss is measured on. Losses from different data and tokenizers are not
#: comparable numbers: never rank a Kaplan loss against a Chinchilla-form loss.
LOSS_MEASURED_ON: dict[str, str] = {
    "chinchilla": f"final training loss on MassiveText, SentencePiece vocabulary of "
                  f"{_CHINCHILLA_VOCAB:,} (Hoffmann et al. 2022)",
    "kaplan": f"test loss on WebText2, GPT-2 byte-pair vocabulary of {KAPLAN_VOCAB_SIZE:,} "
              f"(Kaplan et al. 2020, Sec. 2)",
}

#: The countings of :func:`nsl_utils.counting.flops_per_token` that ``model_counts`` reports.
FLOP_METHODS: tuple[str, ...] = ("6N", "kaplan", "chinchilla")

#: The countings ``model_counts`` reports for a mixture of experts or a Llama-style model, by key:
#: what each charges per training token (per inference token: 2 instead of 6, forward only).
ACTIVE_FLOP_METHODS: dict[str, str] = {
    "6N": "6 N_active: every parameter a token uses, embeddings included",
    "standard": "6 (N_active - N_emb - head + vocab x d_model): the weight FLOPs exactly",
    "kaplan": "6 (N_active - N_emb - head) + 6 n_layer n_ctx d_attn: with attention "
              "(Kaplan et al. 2020, Table 1)",
    "6N_T": "6 N_T: as if every token used every expert; overcounts a mixture of experts "
            "(reported for a mixture of experts only)",
}


def _positive_number(value: float, name: str, example: str) -> float:
    """``value`` as a float, raising a ValueError that a command-line user can act on."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, e.g. {example}; got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, e.g. {example}; got {number!r}")
    return number


def _check_compute(law: str, compute: str) -> None:
    """Raise a ValueError that says why ``compute`` cannot go into ``law`` and what to pass."""
    if compute not in COMPUTE_KINDS:
        raise ValueError(f"compute must be one of {', '.join(COMPUTE_KINDS)}; got {compute!r}")
    if compute in LAW_COMPUTE[law]:
        return
    if law == "kaplan":
        raise ValueError(
            "compute='total' cannot go into law 'kaplan': Kaplan et al.'s Eq. (6.1) is fitted on "
            "C_min, non-embedding compute at a batch far below the critical batch size, while "
            "C_T = 6 N_T D also counts the embedding parameters, whose share depends on the "
            "vocabulary and width. Pass the non-embedding budget C_nonemb = 6 N_nonemb D with "
            "compute='nonemb' (command line: --compute nonemb), or C_min with compute='cmin'"
        )
    raise ValueError(
        f"compute={compute!r} cannot go into law {law!r}: the Chinchilla-form laws are fitted on "
        "total compute C_T = 6 N_T D, embedding parameters included. Pass C_T with "
        "compute='total' (command line: --compute total), or use law='kaplan' for a "
        "non-embedding budget"
    )


def optimal_allocation(
    flops: float, law: str = "epoch", *, compute: str = "total", warn: bool = True
) -> dict[str, Any]:
    """Compute-optimal model size and data for a training budget, under one published law.

    For the Chinchilla-form laws (``"epoch"``, ``"hoffmann"``, ``"hoffmann-unrounded"``) this is
    Hoffmann et al. (2022), Eq. (4), via :func:`nsl_utils.laws.compute_optimal`: ``flops`` is total
    compute C_T, N* counts total parameters N_T and ``6 N* D* = C_T``; the loss is their Eq. (2)
    at (N*, D*), a final training loss on MassiveText.

    For ``"kaplan"``, ``flops`` is non-embedding compute: C_nonemb of a run at the critical batch
    size (``compute="nonemb"``), converted to C_min = C_nonemb / 2 by Kaplan et al.'s (2020)
    Eq. (5.5), or C_min itself (``compute="cmin"``). N* = 1.3e9 C_min^0.73 counts non-embedding
    parameters (their Eq. 6.1); D* = C_nonemb / (6 N*) is the data such a run processes (their
    Eq. 6.7, which takes C_nonemb = 2 C_min); the loss is their L(C_min), Eq. (1.3), a test loss on
    WebText2. Total compute is refused: converting it needs the model's vocabulary and width.
    A Kaplan loss is not comparable with a Chinchilla-form loss (different data and tokenizer).

    Every quantity that leaves the range the law was fitted on (``fitted_range`` of the law in
    :mod:`nsl_utils.laws`) gets a sentence in ``warnings``, as does a predicted loss above
    ln(vocabulary), which a uniform guess beats.

    Parameters
    ----------
    flops : float
        Training compute in FLOP, > 0 (e.g. 5.76e23, Gopher's budget), counted as ``compute`` says.
    law : {"epoch", "hoffmann", "hoffmann-unrounded", "kaplan"}
        Which fit to use. ``"epoch"`` is Besiroglu et al.'s (2024) refit, Eq. (3);
        ``"hoffmann"`` the rounded Eq. (10) of Hoffmann et al. (2022); ``"hoffmann-unrounded"``
        the same with the exponents of their Appendix D.2; ``"kaplan"`` Kaplan et al. (2020).
    compute : {"total", "nonemb", "cmin"}
        What ``flops`` counts (:data:`COMPUTE_KINDS`): ``"total"`` (C_T, the default, for the
        Chinchilla-form laws), ``"nonemb"`` or ``"cmin"`` (for ``"kaplan"``).
    warn : bool
        Also issue each warning as a :class:`~nsl_utils.laws.FittedRangeWarning` (the command
        line prints them itself and passes False).

    Returns
    -------
    dict
        ``law``, ``source``, ``flops`` (FLOP), ``compute`` and ``compute_meaning`` (what ``flops``
        counts), ``n_opt`` (parameters), ``parameter_count`` (``"total"`` or ``"non-embedding"``:
        what ``n_opt`` counts), ``d_opt`` (tokens), ``tokens_per_parameter`` (per parameter of that
        count), ``loss`` (nats per token), ``loss_equation``, ``loss_measured_on``,
        ``fitted_range`` (the law's ranges and sources) and ``warnings`` (list of str); for
        ``"kaplan"`` also ``c_min`` and ``flops_nonembedding`` (FLOP).

    Raises
    ------
    ValueError
        If ``flops`` is not a finite positive number, ``law`` or ``compute`` is unknown, or the
        law cannot take that kind of compute.
    """
    flops = _positive_number(flops, "flops", "5.76e23 FLOP")
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(LAWS)}; got {law!r}")
    _check_compute(law, compute)
    params = LAWS[law]
    extra: dict[str, float] = {}
    beyond: list[str] = []  # warnings that are not about the fitted range
    if params is None:
        c_min = flops if compute == "cmin" else float(kaplan_c_min(flops))
        c_nonemb = 2.0 * c_min
        n_opt = float(kaplan_n_opt(c_min))
        d_opt = c_nonemb / (6.0 * n_opt)
        loss = float(kaplan_loss_cmin(c_min / PF_DAY))
        source, counted = KAPLAN_2020.source, "non-embedding"
        equation = "Kaplan et al. (2020), Eq. (1.3), L(C_min)"
        measured_on, vocab = LOSS_MEASURED_ON["kaplan"], KAPLAN_VOCAB_SIZE
        fitted = KAPLAN_2020.fitted_range
        outside = fitted.outside(N=n_opt, D=d_opt, C=c_min)
        breakdown = KAPLAN_BREAKDOWN["C_min_pf_days"]
        if c_min / PF_DAY > breakdown:
            beyond.append(
                f"C_min = {c_min / PF_DAY:.3g} PF-days is beyond C* ~ {breakdown:.0e} PF-days, "
                "where Kaplan et al. (2020, Sec. 6.3) expect their laws to break down"
            )
        extra = {"c_min": c_min, "flops_nonembedding": c_nonemb}
    else:
        n_arr, d_arr = compute_optimal(flops, params)
        n_opt, d_opt = float(n_arr), float(d_arr)
        loss = float(chinchilla_loss(n_opt, d_opt, params))
        source, counted = params.source, "total"
        equation = "Hoffmann et al. (2022), Eq. (2)"
        measured_on, vocab = LOSS_MEASURED_ON["chinchilla"], _CHINCHILLA_VOCAB
        fitted = params.fitted_range
        outside = fitted.outside(N=n_opt, D=d_opt, C=flops) if fitted is not None else []
    if loss > math.log(vocab):
        beyond.append(
            f"the predicted loss {loss:.3g} nats/token exceeds ln({vocab:,}) = "
            f"{math.log(vocab):.3g}, the loss of a uniform guess over the vocabulary: the law "
            "has nothing to say here"
        )
    messages = [f"law {law!r} extrapolates: {m}" for m in outside]
    messages += [f"law {law!r}: {m}" for m in beyond]
    if warn:
        for message in messages:
            warnings.warn(message, FittedRangeWarning, stacklevel=2)
    return {
        "law": law,
        "source": source,
        "flops": flops,
        "compute": compute,
        "compute_meaning": COMPUTE_KINDS[compute],
        **extra,
        "n_opt": n_opt,
        "parameter_count": counted,
        "d_opt": d_opt,
        "tokens_per_parameter": d_opt / n_opt,
        "loss": loss,
        "loss_equation": equation,
        "loss_measured_on": measured_on,
        "fitted_range": fitted.as_dict() if fitted is not None else None,
        "warnings": messages,
    }


#: The two plans :func:`inference_plan` compares: what each minimises at the target loss.
PLANS: dict[str, str] = {
    "chinchilla": "Chinchilla-optimal: the least training compute 6 N_T D "
                  "(Hoffmann et al. 2022, Eq. 4)",
    "inference_aware": "inference-aware: the least training + inference compute "
                       "6 N_T D + 2 N_T D_inf (Sardana et al. 2024, Eq. 2)",
}


def _nonnegative_number(value: float, name: str, example: str) -> float:
    """``value`` as a float >= 0, raising a ValueError that a command-line user can act on."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, e.g. {example}; got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(
            f"{name} must be a finite number >= 0, e.g. {example} (0 for no inference); "
            f"got {number:g}"
        )
    return number


def _plan(n: float, d: float, inference_tokens: float) -> dict[str, float]:
    """One plan's sizes and FLOPs under Sardana et al.'s (2024) accounting."""
    training = SARDANA_TRAINING_FLOPS_PER_PARAM_TOKEN * n * d
    inference = SARDANA_INFERENCE_FLOPS_PER_PARAM_TOKEN * n * inference_tokens
    return {"n": n, "d_train": d, "tokens_per_parameter": d / n, "training_flops": training,
            "inference_flops": inference, "lifetime_flops": training + inference}


def inference_plan(
    flops: float | None = None,
    law: str = "epoch",
    *,
    loss: float | None = None,
    inference_tokens: float = 0.0,
    compute: str = "total",
    warn: bool = True,
) -> dict[str, Any]:
    """The Chinchilla-optimal and the inference-aware plan for one target loss, and their costs.

    Sardana et al. (2024) charge a model of N_T parameters 6 N_T FLOP per training token and
    2 N_T FLOP per inference token, and choose the N_T and training tokens D that reach a target
    loss at the least lifetime compute 6 N_T D + 2 N_T D_inf (their Eq. 2, solved by
    :func:`nsl_utils.laws.inference_optimal`). The Chinchilla-optimal plan reaches the same loss
    at the least training compute alone (:func:`nsl_utils.laws.compute_optimal_for_loss`). With
    inference demand the second plan is a smaller model trained on more tokens: it costs more to
    train and less over its life.

    The target is either a loss or a training budget: with ``flops`` (total compute C_T, as in
    :func:`optimal_allocation`) the Chinchilla-optimal plan is the compute-optimal model for that
    budget, and the target is its loss.

    Every quantity of either plan that leaves the range the law was fitted on (its parameters,
    training tokens and training compute; the law says nothing about inference) gets a sentence
    in ``warnings``, as does a target loss above ln(vocabulary).

    Parameters
    ----------
    flops : float, optional
        Training budget C_T = 6 N_T D in FLOP, > 0. Give this or ``loss``, not both.
    law : {"epoch", "hoffmann", "hoffmann-unrounded"}
        A Chinchilla-form law of :data:`LAWS`; ``"kaplan"`` is refused (its compute law is not
        of the form L(N, D) = E + A/N^α + B/D^β the optimisation runs along).
    loss : float, optional
        Target loss in nats per token (a final training loss on MassiveText, like the law's),
        above the law's irreducible loss E.
    inference_tokens : float
        Tokens the model will process at inference over its life, D_inf >= 0 (e.g. 2e12);
        0 makes the two plans the same.
    compute : {"total"}
        What ``flops`` counts (the default, and the only kind the Chinchilla-form laws take);
        checked with ``loss`` too, so that a non-embedding budget is never silently ignored.
    warn : bool
        Also issue each warning as a :class:`~nsl_utils.laws.FittedRangeWarning`.

    Returns
    -------
    dict
        ``law``, ``source``, ``method``, ``target`` (``"flops"`` or ``"loss"``), ``flops`` (FLOP,
        or None), ``target_loss`` (nats per token), ``loss_measured_on``, ``inference_tokens``,
        ``plans`` (``"chinchilla"`` and ``"inference_aware"``, each with ``n`` (N_T), ``d_train``
        (tokens), ``tokens_per_parameter``, ``training_flops`` (C_T = 6 N_T D),
        ``inference_flops`` (2 N_T D_inf) and ``lifetime_flops``, all in FLOP), ``plan_meaning``,
        ``saving_flops`` and ``saving_fraction`` (lifetime compute the inference-aware plan saves,
        absolute and as a fraction of the Chinchilla-optimal plan's), ``fitted_range`` and
        ``warnings`` (list of str).

    Raises
    ------
    ValueError
        If neither or both of ``flops`` and ``loss`` are given, a number is out of range (a
        negative ``inference_tokens``, a ``loss`` at or below the law's E), or the law is
        unknown or not of the Chinchilla form.
    """
    if (flops is None) == (loss is None):
        raise ValueError(
            "give exactly one target: flops (a training budget C_T, e.g. 5.76e23; command line "
            "--flops) or loss (a target loss in nats/token, e.g. 2.0; command line --loss)"
        )
    if law not in LAWS:
        raise ValueError(f"law must be one of {', '.join(LAWS)}; got {law!r}")
    params = LAWS[law]
    if params is None:
        chinchilla_form = ", ".join(repr(name) for name, p in LAWS.items() if p is not None)
        raise ValueError(
            f"law {law!r} cannot plan for inference: Sardana et al. (2024) minimise "
            "6 N D + 2 N D_inf along a curve of equal loss of the Chinchilla law "
            "L(N, D) = E + A/N^alpha + B/D^beta, and Kaplan et al.'s compute law is not of that "
            f"form; use one of {chinchilla_form} (command line: --law epoch)"
        )
    d_inf = _nonnegative_number(inference_tokens, "inference_tokens", "2e12 tokens")
    _check_compute(law, compute)
    if flops is not None:
        flops = _positive_number(flops, "flops", "5.76e23 FLOP")
        n_arr, d_arr = compute_optimal(flops, params)
        target = float(chinchilla_loss(n_arr, d_arr, params))
    else:
        target = _positive_number(loss, "loss", f"{params.E + 0.3:.1f} nats/token")
        n_arr, d_arr = compute_optimal_for_loss(target, params)  # raises if target <= E
    n_inf, d_tr = inference_optimal(target, d_inf, params) if d_inf > 0 else (n_arr, d_arr)
    plans = {"chinchilla": _plan(float(n_arr), float(d_arr), d_inf),
             "inference_aware": _plan(float(n_inf), float(d_tr), d_inf)}
    fitted = params.fitted_range
    messages = []
    for key, label in (("chinchilla", "Chinchilla-optimal plan"),
                       ("inference_aware", "inference-aware plan")):
        plan = plans[key]
        outside = (fitted.outside(N=plan["n"], D=plan["d_train"], C=plan["training_flops"])
                   if fitted is not None else [])
        messages += [f"law {law!r} extrapolates, {label}: {m}" for m in outside]
    if target > math.log(_CHINCHILLA_VOCAB):
        messages.append(
            f"law {law!r}: the target loss {target:.3g} nats/token exceeds ln({_CHINCHILLA_VOCAB:,}) "
            f"= {math.log(_CHINCHILLA_VOCAB):.3g}, the loss of a uniform guess over the "
            "vocabulary: the law has nothing to say here"
        )
    if warn:
        for message in messages:
            warnings.warn(message, FittedRangeWarning, stacklevel=2)
    chinchilla_cost = plans["chinchilla"]["lifetime_flops"]
    saving = chinchilla_cost - plans["inference_aware"]["lifetime_flops"]
    return {
        "law": law,
        "source": params.source,
        "method": "Sardana et al. (2024), Eq. (2): least 6 N_T D + 2 N_T D_inf at the target loss",
        "target": "flops" if flops is not None else "loss",
        "flops": flops,
        "compute": compute,
        "target_loss": target,
        "loss_measured_on": LOSS_MEASURED_ON["chinchilla"],
        "inference_tokens": d_inf,
        "plans": plans,
        "plan_meaning": dict(PLANS),
        "saving_flops": saving,
        "saving_fraction": saving / chinchilla_cost,
        "fitted_range": fitted.as_dict() if fitted is not None else None,
        "warnings": messages,
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
    n_experts: int | None = None,
    experts_per_token: int | None = None,
    n_shared_experts: int = 0,
    moe_every: int = 1,
    n_kv_head: int | None = None,
    head_dim: int | None = None,
    mlp: str = "gelu",
    norm: str = "layernorm",
    bias: bool = True,
    positions: str = "learned",
) -> dict[str, Any]:
    """Parameter counts and training FLOPs per token of a GPT-2 shaped transformer.

    Counts come from :func:`nsl_utils.counting.transformer_params`: total N_T, embedding N_emb
    (token and position matrices), an untied output head, and non-embedding N_nonemb. FLOPs per
    token (forward and backward) come from :func:`nsl_utils.counting.flops_per_token` under
    ``"6N"`` (6 N_T, so that FLOPs per token × D is the total compute C_T the Chinchilla-form
    laws take), ``"kaplan"`` (Kaplan et al. 2020, Table 1: 6 N_nonemb plus the attention term
    6 n_layer n_ctx d_model, which their C = 6 N B S leaves out; no embeddings) and
    ``"chinchilla"`` (Hoffmann et al. 2022, Appendix F: embeddings, attention and logits included).

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
    n_experts, experts_per_token : int, optional
        A mixture of experts: routed experts per mixture-of-experts layer and experts each token
        uses (Mixtral 8x7B: 8 and 2). Give both or neither; 1 <= experts_per_token <= n_experts.
    n_shared_experts, moe_every : int
        Experts every token uses in each mixture-of-experts layer (default 0), and one layer in
        ``moe_every`` routes (default 1, every layer).
    n_kv_head, head_dim : int, optional
        Key-value heads of grouped-query attention (default ``n_head``) and the width of a head
        (default d_model // n_head).
    mlp, norm : str
        ``"gelu"`` (default) or ``"swiglu"`` MLPs; ``"layernorm"`` (default) or ``"rmsnorm"``.
    bias : bool
        Whether linear layers and LayerNorms carry biases (default True, as GPT-2).
    positions : {"learned", "rotary"}
        A learned n_ctx x d_model position embedding (default) or rotary positions (none).

    Returns
    -------
    dict
        ``config`` (the inputs), ``total`` (N_T), ``embedding`` (N_emb), ``head``,
        ``non_embedding`` (N_nonemb), all parameter counts; ``embedding_share``
        ((N_emb + head) / N_T),
        ``flops_per_token`` (FLOP per training token, by method) and, with ``tokens``,
        ``tokens`` and ``training_flops``.

        When any of the options from ``n_experts`` on differs from its default (a GPT-2 block),
        the counts come from :func:`nsl_utils.counting.moe_params` and the result also holds
        ``architecture`` (``"mixture of experts"`` or ``"dense"``), ``active`` (N_active, the
        parameters one token uses), ``active_non_embedding``, ``expert`` (one expert's
        parameters), ``router`` and ``active_share`` (N_active / N_T); ``flops_per_token`` then
        holds the countings of :data:`ACTIVE_FLOP_METHODS`, which follow N_active, and
        ``inference_flops_per_token`` the same per inference token (2 N instead of 6 N; no
        ``6N_T``). Kaplan's and Chinchilla's dense countings are not reported for such a model.

    Raises
    ------
    ValueError
        If a size is not a positive integer, ``tokens`` is not a positive number, only one of
        ``n_experts`` and ``experts_per_token`` is given, experts_per_token exceeds n_experts,
        or an option is unknown (messages name the argument and the fix).
    """
    n_layer = positive_int(n_layer, "n_layer")
    d_model = positive_int(d_model, "d_model")
    vocab_size = positive_int(vocab_size, "vocab_size")
    n_ctx = positive_int(n_ctx, "n_ctx")
    d_ff = 4 * d_model if d_ff is None else positive_int(d_ff, "d_ff")
    n_head = max(1, d_model // 64) if n_head is None else positive_int(n_head, "n_head")
    extended = (n_experts is not None or experts_per_token is not None or n_shared_experts != 0
                or moe_every != 1 or n_kv_head is not None or head_dim is not None
                or mlp != "gelu" or norm != "layernorm" or not bias or positions != "learned")
    if extended:
        return _extended_counts(
            n_layer, d_model, vocab_size, n_ctx, d_ff=d_ff, n_head=n_head, tied=tied,
            tokens=tokens, n_experts=n_experts, experts_per_token=experts_per_token,
            n_shared_experts=n_shared_experts, moe_every=moe_every, n_kv_head=n_kv_head,
            head_dim=head_dim, mlp=mlp, norm=norm, bias=bias, positions=positions,
        )
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


def _extended_counts(
    n_layer: int, d_model: int, vocab_size: int, n_ctx: int, *, d_ff: int, n_head: int,
    tied: bool, tokens: float | None, n_experts: int | None, experts_per_token: int | None,
    n_shared_experts: int, moe_every: int, n_kv_head: int | None, head_dim: int | None,
    mlp: str, norm: str, bias: bool, positions: str,
) -> dict[str, Any]:
    """:func:`model_counts` for a mixture of experts or a Llama-style dense model."""
    if (n_experts is None) != (experts_per_token is None):
        given, missing = (("n_experts", "experts_per_token") if experts_per_token is None
                          else ("experts_per_token", "n_experts"))
        flag = "--" + missing.replace("_", "-")
        raise ValueError(
            f"{given} needs {missing} too (command line: {flag}): a mixture of experts has "
            "n_experts routed experts per layer, experts_per_token of them used by each token "
            "(Mixtral 8x7B: 8 and 2); give both, or neither for a dense model"
        )
    if positions not in ("learned", "rotary"):
        raise ValueError(f"positions must be 'learned' (an n_ctx x d_model embedding) or 'rotary' "
                         f"(no position parameters); got {positions!r}")
    routed = 1 if n_experts is None else n_experts
    per_token = 1 if experts_per_token is None else experts_per_token
    c = moe_params(
        n_layer, d_model, vocab_size, n_experts=routed, experts_per_token=per_token, d_ff=d_ff,
        n_head=n_head, n_kv_head=n_kv_head, head_dim=head_dim, n_shared_experts=n_shared_experts,
        moe_every=moe_every, mlp=mlp, norm=norm, bias=bias, tied=tied,  # type: ignore[arg-type]
        n_positions=n_ctx if positions == "learned" else 0,
    )
    attention = 2 * n_layer * n_ctx * c.d_attn  # forward FLOPs per token, Kaplan et al.'s Table 1
    training = {
        "6N": c.flops_per_token("active"),
        "standard": c.flops_per_token("standard"),
        "kaplan": 6.0 * c.active_non_embedding + 3.0 * attention,
    }
    if c.n_experts > 1:
        training["6N_T"] = c.flops_per_token("total")
    inference = {
        "2N": c.flops_per_token("active", inference=True),
        "standard": c.flops_per_token("standard", inference=True),
        "kaplan": 2.0 * c.active_non_embedding + 1.0 * attention,
    }
    result: dict[str, Any] = {
        "config": {
            "n_layer": n_layer, "d_model": d_model, "vocab_size": vocab_size, "n_ctx": n_ctx,
            "d_ff": d_ff, "n_head": n_head, "n_kv_head": n_head if n_kv_head is None else n_kv_head,
            "head_dim": c.d_attn // n_head, "tied": tied,
            "mlp": mlp, "norm": norm, "bias": bias, "positions": positions,
            "n_experts": c.n_experts, "experts_per_token": c.experts_per_token,
            "n_shared_experts": c.n_shared_experts, "moe_every": moe_every,
            "n_moe_layers": c.n_moe_layers if c.n_experts > 1 else 0,
        },
        "architecture": "mixture of experts" if c.n_experts > 1 else "dense",
        "total": c.total,
        "active": c.active,
        "embedding": c.embedding,
        "head": c.head,
        "non_embedding": c.non_embedding,
        "active_non_embedding": c.active_non_embedding,
        "expert": c.expert,
        "router": c.router,
        "embedding_share": c.embedding_share,
        "active_share": c.active_share,
        "flops_per_token": training,
        "inference_flops_per_token": inference,
    }
    if tokens is not None:
        tokens = _positive_number(tokens, "tokens", "3e11")
        result["tokens"] = tokens
        result["training_flops"] = {m: f * tokens for m, f in training.items()}
    return result
