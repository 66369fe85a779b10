"""Counting the parameters and training FLOPs of a decoder-only transformer.

The model is GPT-2 shaped: learned token and position embeddings, ``n_layer`` pre-norm
blocks (attention with biases, a two-layer MLP of width ``d_ff``, two LayerNorms), a final
LayerNorm and an output head that is tied to the token embedding unless ``tied=False``.

Three countings of training compute per token are provided:

``"6N"``
    C = 6 N per token: 2N FLOPs forward (one multiply and one add per weight), 4N backward
    (gradients with respect to activations and to weights). With N = N_T this charges the input
    token and position embeddings too, although a lookup multiplies nothing: for a tied head the
    shared matrix's FLOPs are the head's and 6 N_T is right up to the position embedding; for an
    untied head 6 N_T overcounts by 6 vocab_size d_model per token. ``counting="standard"`` gives
    6 (N_nonemb + head), the count of Porian et al. (2024) that includes the head but not the
    input embedding.
``"kaplan"``
    Kaplan et al. (2020), Table 1: C_forward = 2 N + 2 n_layer n_ctx d_attn with N the
    non-embedding count 2 d_model n_layer (2 d_attn + d_ff); training is 3 C_forward.
``"chinchilla"``
    Hoffmann et al. (2022), Appendix F: embeddings, attention (including the logits and the
    softmax), dense blocks and the output logits, with the backward pass twice the forward.

Mixture-of-experts (and Llama/Mistral-style dense) models are counted by :func:`moe_params`:
grouped-query attention, SwiGLU or GELU MLPs, RMSNorm or LayerNorm, optional biases, tied or
untied embeddings, learned or rotary positions, and in each mixture-of-experts layer
``n_experts`` routed experts (``experts_per_token`` of them used per token), optional shared
experts that every token uses, and a router. It returns :class:`MoEParamCount`, a
:class:`ParamCount` that also holds the active count N_active, the parameters one token uses,
which set its FLOPs: ``MoEParamCount.flops_per_token`` gives 6 N_active per training token and
2 N_active per inference token, optionally with the attention term the rule leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from nsl_utils._validation import positive_int

__all__ = ["ParamCount", "transformer_params", "flops_per_token", "MoEParamCount", "moe_params"]

FlopMethod = Literal["6N", "kaplan", "chinchilla"]
MlpKind = Literal["gelu", "swiglu"]
NormKind = Literal["layernorm", "rmsnorm"]
ActiveCounting = Literal["active", "standard", "total"]


@dataclass(frozen=True)
class ParamCount:
    """Parameter counts of one transformer configuration.

    Attributes
    ----------
    total : int
        Every trainable parameter, each shared tensor counted once (N_T).
    embedding : int
        Token and position embedding matrices, (vocab_size + n_ctx) · d_model.
    head : int
        The untied output projection, vocab_size · d_model; 0 when tied.
    non_embedding : int
        ``total - embedding - head`` (N_nonemb): Kaplan's count, which leaves out every
        vocabulary- and position-sized matrix.
    """

    total: int
    embedding: int
    head: int
    non_embedding: int

    @property
    def embedding_share(self) -> float:
        """Fraction of the total in the embedding matrices and the untied head."""
        return (self.embedding + self.head) / self.total


def transformer_params(
    n_layer: int,
    d_model: int,
    vocab_size: int,
    n_ctx: int,
    *,
    d_ff: int | None = None,
    bias: bool = True,
    tied: bool = True,
) -> ParamCount:
    """Count the parameters of a GPT-2 style decoder-only transformer.

    Per block: attention Q, K, V and output projections (4 d_model², 4 d_model biases),
    an MLP d_model→d_ff→d_model (2 d_model d_ff weights, d_ff + d_model biases) and two
    LayerNorms (4 d_model). With d_ff = 4 d_model the weights give Kaplan et al.'s
    12 n_layer d_model² (their Table 1); biases and norms add 13 d_model a block, and the
    final LayerNorm 2 d_model.

    Parameters
    ----------
    n_layer, d_model, vocab_size, n_ctx : int
        Depth, width, vocabulary size and context length, each >= 1.
    d_ff : int, optional
        MLP width; defaults to 4 · d_model.
    bias : bool
        Whether linear layers and LayerNorms carry biases (GPT-2 does).
    tied : bool
        Whether the output head reuses the token embedding.

    Returns
    -------
    ParamCount
        ``.total``, ``.embedding``, ``.head`` and ``.non_embedding``. GPT-2 small
        (12, 768, 50257, 1024) gives 124,439,808 total.
    """
    n_layer = positive_int(n_layer, "n_layer")
    d_model = positive_int(d_model, "d_model")
    vocab_size = positive_int(vocab_size, "vocab_size")
    n_ctx = positive_int(n_ctx, "n_ctx")
    d_ff = 4 * d_model if d_ff is None else positive_int(d_ff, "d_ff")

    weights = 4 * d_model * d_model + 2 * d_model * d_ff
    norm_params = 2 * d_model if bias else d_model
    biases = (4 * d_model + d_ff + d_model) if bias else 0
    block = weights + biases + 2 * norm_params
    non_embedding = n_layer * block + norm_params
    embedding = (vocab_size + n_ctx) * d_model
    head = 0 if tied else vocab_size * d_model
    return ParamCount(
        total=non_embedding + embedding + head,
        embedding=embedding,
        head=head,
        non_embedding=non_embedding,
    )


def flops_per_token(
    n_layer: int,
    d_model: int,
    vocab_size: int,
    n_ctx: int,
    *,
    method: FlopMethod = "6N",
    d_ff: int | None = None,
    n_head: int | None = None,
    counting: Literal["total", "non_embedding", "standard"] = "total",
    tied: bool = True,
) -> float:
    """Training FLOPs per token (forward and backward) of a decoder-only transformer.

    Parameters
    ----------
    n_layer, d_model, vocab_size, n_ctx : int
        Depth, width, vocabulary size and context length, each >= 1.
    method : {"6N", "kaplan", "chinchilla"}
        ``"6N"``: 6 × the parameter count chosen by ``counting``.
        ``"kaplan"``: 3 × (2N + 2 n_layer n_ctx d_model), N = 2 d_model n_layer (2 d_model + d_ff)
        (Kaplan et al. 2020, Table 1; embeddings left out, as there).
        ``"chinchilla"``: 3 × the forward count of Hoffmann et al. (2022), Appendix F.
    d_ff : int, optional
        MLP width; defaults to 4 · d_model.
    n_head : int, optional
        Attention heads (only the softmax term of ``"chinchilla"`` uses it); defaults to
        max(1, d_model // 64).
    counting : {"total", "non_embedding", "standard"}
        Which parameter count ``"6N"`` multiplies: Chinchilla's N_T, Kaplan's N_nonemb, or
        Porian et al.'s (2024) "standard" N_nonemb + head (the untied output head,
        vocab_size · d_model, whether or not it is tied: the head's matrix multiplies either
        way, the input embedding never does).
    tied : bool
        Whether the output head is tied (changes the total count only).

    Returns
    -------
    float
        FLOPs per training token.
    """
    d_ff_ = 4 * d_model if d_ff is None else d_ff
    counts = transformer_params(n_layer, d_model, vocab_size, n_ctx, d_ff=d_ff_, tied=tied)
    if method == "6N":
        if counting not in ("total", "non_embedding", "standard"):
            raise ValueError(
                f"counting must be 'total', 'non_embedding' or 'standard'; got {counting!r}"
            )
        if counting == "total":
            n = counts.total
        elif counting == "non_embedding":
            n = counts.non_embedding
        else:
            n = counts.non_embedding + vocab_size * d_model
        return 6.0 * n
    if method == "kaplan":
        n_kaplan = 2 * d_model * n_layer * (2 * d_model + d_ff_)
        return 3.0 * (2 * n_kaplan + 2 * n_layer * n_ctx * d_model)
    if method == "chinchilla":
        heads = max(1, d_model // 64) if n_head is None else positive_int(n_head, "n_head")
        embeddings = 2 * vocab_size * d_model
        attention = (
            2 * 3 * d_model * d_model  # K, Q, V projections
            + 2 * n_ctx * d_model  # key @ query logits
            + 3 * heads * n_ctx  # softmax
            + 2 * n_ctx * d_model  # softmax @ value reductions
            + 2 * d_model * d_model  # output projection
        )
        dense = 2 * 2 * d_model * d_ff_
        logits = 2 * d_model * vocab_size
        forward = embeddings + n_layer * (attention + dense) + logits
        return 3.0 * forward
    raise ValueError(f"method must be one of '6N', 'kaplan', 'chinchilla'; got {method!r}")


# --- Mixture of experts ------------------------------------------------------------------------

#: What each count of :func:`moe_params` is, for the hint of a ValueError (name: (what it is, example)).
_MOE_COUNTS = {
    "n_experts": ("routed experts in each mixture-of-experts layer", "8 for Mixtral, 1 for a dense model"),
    "experts_per_token": ("experts each token is routed to", "2 for Mixtral, 1 for Switch"),
    "moe_every": ("every how many layers one is a mixture-of-experts layer", "1 for Mixtral, 2 for Switch"),
    "n_shared_experts": ("experts every token uses besides its routed ones", "0 for Mixtral"),
    "n_positions": ("rows of a learned position embedding", "1024 for GPT-2, 0 for rotary positions"),
}


def _count(value: object, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, or a ValueError naming ``name``, what it counts and an example."""
    what, example = _MOE_COUNTS[name]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if not (isinstance(value, (float, np.floating)) and float(value).is_integer()):
            raise ValueError(f"{name} ({what}) must be a whole number >= {minimum}, e.g. {example}; "
                             f"got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} ({what}) must be >= {minimum}, e.g. {example}; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class MoEParamCount(ParamCount):
    """Parameter counts of a mixture-of-experts (or Llama-style dense) transformer.

    A :class:`ParamCount` (``.total`` is N_T, every stored parameter; ``.embedding``, ``.head``,
    ``.non_embedding`` as there) with the counts that differ when a token uses only some of them.

    Attributes
    ----------
    active : int
        N_active: the parameters one token uses, the total less the routed experts it is not
        sent to. Embedding and head are included, as in the "13B active" of Mixtral's paper.
    active_non_embedding : int
        ``active - embedding - head``.
    expert : int
        Parameters of one expert, one MLP of one layer (weights and biases).
    router : int
        Parameters of all routers together, d_model x n_experts per mixture-of-experts layer.
    n_experts, experts_per_token, n_shared_experts, n_moe_layers : int
        The routing: experts per mixture-of-experts layer, experts per token, experts every
        token uses, and how many of the ``n_layer`` layers route.
    n_layer, d_model, d_attn, vocab_size : int
        Depth, width, query width n_head x head_dim and vocabulary, for the FLOP counts.
    """

    active: int
    active_non_embedding: int
    expert: int
    router: int
    n_experts: int
    experts_per_token: int
    n_shared_experts: int
    n_moe_layers: int
    n_layer: int
    d_model: int
    d_attn: int
    vocab_size: int

    @property
    def active_share(self) -> float:
        """N_active / N_T: the fraction of the stored parameters one token uses."""
        return self.active / self.total

    @property
    def standard_active(self) -> int:
        """Active non-embedding parameters plus the output head's vocab_size x d_model.

        The count whose 6N matches the weight FLOPs (Porian et al.'s "standard" count, applied to
        the active parameters): the head multiplies whether or not it is tied, the input embedding
        is a lookup and multiplies nothing.
        """
        return self.active_non_embedding + self.vocab_size * self.d_model

    def flops_per_token(self, counting: ActiveCounting = "active", *, inference: bool = False,
                        n_ctx: int | None = None) -> float:
        """FLOPs per token by the 6N rule (training) or the 2N rule (inference, forward only).

        Parameters
        ----------
        counting : {"active", "standard", "total"}
            Which count N is multiplied: ``"active"``, N_active (the rule as usually quoted);
            ``"standard"``, :attr:`standard_active` (the weight FLOPs exactly); ``"total"``, N_T,
            which charges every expert as if each token used them all and is wrong for a
            mixture of experts by the factor N_T / N_active.
        inference : bool
            2 N per token (a forward pass) instead of 6 N (forward and backward).
        n_ctx : int, optional
            Also charge attention over a context of ``n_ctx`` tokens, which the rule leaves out:
            Kaplan et al.'s (2020, Table 1) forward term 2 n_layer n_ctx d_attn, with d_attn the
            query width (grouped-query attention shares keys and values between heads, which
            saves parameters but not these FLOPs: every query head still scores every position),
            times 3 for training.

        Returns
        -------
        float
            FLOPs per token.
        """
        counts = {"active": self.active, "standard": self.standard_active, "total": self.total}
        if counting not in counts:
            raise ValueError(f"counting must be 'active', 'standard' or 'total'; got {counting!r}")
        per_parameter = 2.0 if inference else 6.0
        flops = per_parameter * counts[counting]
        if n_ctx is not None:
            n_ctx = positive_int(n_ctx, "n_ctx")
            flops += per_parameter / 2.0 * 2 * self.n_layer * n_ctx * self.d_attn
        return flops


def moe_params(
    n_layer: int,
    d_model: int,
    vocab_size: int,
    *,
    n_experts: int,
    experts_per_token: int,
    d_ff: int | None = None,
    n_head: int | None = None,
    n_kv_head: int | None = None,
    head_dim: int | None = None,
    n_shared_experts: int = 0,
    moe_every: int = 1,
    mlp: MlpKind = "swiglu",
    norm: NormKind = "rmsnorm",
    bias: bool = False,
    tied: bool = False,
    n_positions: int = 0,
) -> MoEParamCount:
    """Count the stored and the active parameters of a mixture-of-experts transformer.

    The defaults describe a Mistral/Llama-style block: grouped-query attention without biases,
    SwiGLU MLPs (three matrices, d_model x d_ff each), two RMSNorms (d_model each) per block and a
    final one, rotary positions (no position embedding) and untied input and output embeddings.
    In every ``moe_every``-th layer the MLP is replaced by ``n_experts`` experts of the same shape,
    a router (a d_model x n_experts matrix, no bias) and ``n_shared_experts`` experts that every
    token uses; each token is sent to ``experts_per_token`` of the routed experts. The other
    layers, attention, norms, embeddings and head are used by every token.

    With ``n_experts=experts_per_token=1`` the model is dense and has no router, and with
    ``mlp="gelu", norm="layernorm", bias=True, tied=True, n_positions=n_ctx`` it is the GPT-2
    block of :func:`transformer_params`, whose counts it then reproduces.

    Parameters
    ----------
    n_layer, d_model, vocab_size : int
        Depth, width and vocabulary size, each >= 1.
    n_experts : int
        Routed experts per mixture-of-experts layer, >= 1 (Mixtral 8x7B: 8).
    experts_per_token : int
        Routed experts each token uses, 1 <= experts_per_token <= n_experts (Mixtral: 2).
    d_ff : int, optional
        Hidden width of each MLP (each expert); defaults to 4 d_model.
    n_head : int, optional
        Query heads; defaults to max(1, d_model // 64).
    n_kv_head : int, optional
        Key and value heads (grouped-query attention); defaults to ``n_head`` (multi-head);
        must divide ``n_head``.
    head_dim : int, optional
        Width of each head; defaults to d_model // n_head (then n_head must divide d_model).
    n_shared_experts : int
        Experts in each mixture-of-experts layer that every token uses, >= 0.
    moe_every : int
        One layer in ``moe_every`` routes (the last of each group); the others are dense. 1 (every
        layer, Mixtral) to ``n_layer``.
    mlp : {"swiglu", "gelu"}
        SwiGLU (gate, up and down matrices) or a two-matrix MLP.
    norm : {"rmsnorm", "layernorm"}
        RMSNorm (a scale per channel) or LayerNorm (a scale, and a shift when ``bias``).
    bias : bool
        Whether linear layers and LayerNorms carry biases (routers never do).
    tied : bool
        Whether the output head reuses the token embedding.
    n_positions : int
        Rows of a learned position embedding, >= 0; 0 for rotary positions.

    Returns
    -------
    MoEParamCount
        ``.total`` (N_T), ``.active`` (N_active), ``.embedding``, ``.head``, ``.non_embedding``,
        ``.active_non_embedding``, ``.expert``, ``.router`` and the routing configuration.
        Mixtral 8x7B's configuration gives 46,702,792,704 total and 12,879,925,248 active.

    Raises
    ------
    ValueError
        If a size is not a positive integer, a count of experts is below its minimum, more experts
        per token than experts are asked for, ``n_kv_head`` does not divide ``n_head``, ``head_dim``
        is needed and n_head does not divide d_model, ``moe_every`` exceeds ``n_layer``, or ``mlp``
        or ``norm`` is unknown.
    """
    n_layer = positive_int(n_layer, "n_layer")
    d_model = positive_int(d_model, "d_model")
    vocab_size = positive_int(vocab_size, "vocab_size")
    n_experts = _count(n_experts, "n_experts", 1)
    experts_per_token = _count(experts_per_token, "experts_per_token", 1)
    if experts_per_token > n_experts:
        raise ValueError(
            f"experts_per_token ({experts_per_token}) cannot exceed n_experts ({n_experts}): a token "
            f"is routed to at most all the experts of a layer; lower experts_per_token to at most "
            f"{n_experts} or raise n_experts to at least {experts_per_token}"
        )
    n_shared_experts = _count(n_shared_experts, "n_shared_experts", 0)
    moe_every = _count(moe_every, "moe_every", 1)
    if moe_every > n_layer:
        raise ValueError(f"moe_every ({moe_every}) cannot exceed n_layer ({n_layer}): no layer would "
                         f"route; use a value from 1 to {n_layer}")
    n_positions = _count(n_positions, "n_positions", 0)
    d_ff = 4 * d_model if d_ff is None else positive_int(d_ff, "d_ff")
    n_head = max(1, d_model // 64) if n_head is None else positive_int(n_head, "n_head")
    n_kv_head = n_head if n_kv_head is None else positive_int(n_kv_head, "n_kv_head")
    if n_head % n_kv_head:
        raise ValueError(f"n_kv_head ({n_kv_head}) must divide n_head ({n_head}): each key-value head "
                         "serves a whole group of query heads; e.g. 8 of 32 for Mixtral, or n_kv_head = "
                         "n_head for multi-head attention")
    if head_dim is None:
        if d_model % n_head:
            raise ValueError(f"d_model ({d_model}) is not a multiple of n_head ({n_head}); pass head_dim "
                             "(e.g. 128) or an n_head that divides d_model")
        head_dim = d_model // n_head
    head_dim = positive_int(head_dim, "head_dim")
    if mlp not in ("swiglu", "gelu"):
        raise ValueError(f"mlp must be 'swiglu' (three matrices) or 'gelu' (two); got {mlp!r}")
    if norm not in ("rmsnorm", "layernorm"):
        raise ValueError(f"norm must be 'rmsnorm' or 'layernorm'; got {norm!r}")

    d_attn, d_kv = n_head * head_dim, n_kv_head * head_dim
    attention = 2 * d_model * d_attn + 2 * d_model * d_kv  # Q and output; K and V
    if bias:
        attention += d_attn + 2 * d_kv + d_model
    norm_params = 2 * d_model if (norm == "layernorm" and bias) else d_model
    matrices = 3 if mlp == "swiglu" else 2
    expert = matrices * d_model * d_ff + (((matrices - 1) * d_ff + d_model) if bias else 0)
    n_moe_layers = n_layer // moe_every
    routed = n_experts > 1
    router = n_moe_layers * d_model * n_experts if routed else 0

    shared = n_layer * (attention + 2 * norm_params) + norm_params + router
    shared += (n_layer - n_moe_layers) * expert + n_moe_layers * n_shared_experts * expert
    non_embedding = shared + n_moe_layers * n_experts * expert
    active_non_embedding = shared + n_moe_layers * experts_per_token * expert
    embedding = (vocab_size + n_positions) * d_model
    head = 0 if tied else vocab_size * d_model
    return MoEParamCount(
        total=non_embedding + embedding + head,
        embedding=embedding,
        head=head,
        non_embedding=non_embedding,
        active=active_non_embedding + embedding + head,
        active_non_embedding=active_non_embedding,
        expert=expert,
        router=router,
        n_experts=n_experts,
        experts_per_token=experts_per_token,
        n_shared_experts=n_shared_experts,
        n_moe_layers=n_moe_layers,
        n_layer=n_layer,
        d_model=d_model,
        d_attn=d_attn,
        vocab_size=vocab_size,
    )
