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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nsl_utils._validation import positive_int

__all__ = ["ParamCount", "transformer_params", "flops_per_token"]

FlopMethod = Literal["6N", "kaplan", "chinchilla"]


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
