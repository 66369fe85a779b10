"""A small, readable decoder-only transformer (GPT-2 shaped, nanoGPT style).

Pre-norm blocks (LayerNorm → causal self-attention → residual, LayerNorm → MLP → residual),
learned token and position embeddings, a final LayerNorm and an output head that is tied to the
token embedding unless ``tied=False``. The parameter count is exactly
:func:`nsl_utils.counting.transformer_params` of the same configuration, so the N_T and N_nonemb
of a run are the ones the book's counting formulas give.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from nsl_utils._validation import positive_int
from nsl_utils.counting import ParamCount, transformer_params

__all__ = ["GPTConfig", "GPT"]


@dataclass(frozen=True)
class GPTConfig:
    """Shape of a :class:`GPT`.

    Parameters
    ----------
    n_layer, d_model, n_head : int
        Depth, width and attention heads; ``d_model`` must be divisible by ``n_head``.
    vocab_size, n_ctx : int
        Vocabulary size and context length (tokens).
    d_ff : int, optional
        MLP width; defaults to 4 · d_model.
    bias : bool
        Biases in linear layers and LayerNorms (GPT-2 has them).
    tied : bool
        Whether the output head reuses the token embedding matrix.
    """

    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int
    n_ctx: int
    d_ff: int | None = None
    bias: bool = True
    tied: bool = True

    def __post_init__(self) -> None:
        for name in ("n_layer", "d_model", "n_head", "vocab_size", "n_ctx"):
            positive_int(getattr(self, name), name)
        if self.d_ff is not None:
            positive_int(self.d_ff, "d_ff")
        if self.d_model % self.n_head:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by n_head ({self.n_head}); "
                f"pick n_head from the divisors of {self.d_model}"
            )

    @property
    def ff(self) -> int:
        """MLP width actually used."""
        return 4 * self.d_model if self.d_ff is None else self.d_ff

    def params(self) -> ParamCount:
        """Parameter counts from :func:`nsl_utils.counting.transformer_params`."""
        return transformer_params(
            self.n_layer, self.d_model, self.vocab_size, self.n_ctx,
            d_ff=self.ff, bias=self.bias, tied=self.tied,
        )

    def as_dict(self) -> dict:
        return asdict(self)


class _LayerNorm(nn.LayerNorm):
    def __init__(self, d: int, bias: bool) -> None:
        super().__init__(d, bias=bias)


class _Attention(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=cfg.bias)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=cfg.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        # (b, t, d) -> (b, heads, t, d/heads), the layout scaled_dot_product_attention expects
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class _Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.ln1 = _LayerNorm(cfg.d_model, cfg.bias)
        self.attn = _Attention(cfg)
        self.ln2 = _LayerNorm(cfg.d_model, cfg.bias)
        self.fc = nn.Linear(cfg.d_model, cfg.ff, bias=cfg.bias)
        self.out = nn.Linear(cfg.ff, cfg.d_model, bias=cfg.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    """Decoder-only transformer; ``model(idx, targets)`` returns ``(logits, loss)``.

    Parameters
    ----------
    config : GPTConfig
        The shape.

    Notes
    -----
    ``idx`` is a ``(batch, t)`` tensor of token ids with ``t <= n_ctx``; ``loss`` is the mean
    cross-entropy in nats per token (``None`` without ``targets``).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.d_model)
        self.wpe = nn.Embedding(config.n_ctx, config.d_model)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layer))
        self.ln_f = _LayerNorm(config.d_model, config.bias)
        self.head = None if config.tied else nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.apply(self._init)
        # GPT-2: scale the residual projections by 1/sqrt(2 n_layer) so the stream's variance
        # does not grow with depth.
        for block in self.blocks:
            for lin in (block.attn.proj, block.out):
                nn.init.normal_(lin.weight, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def num_params(self) -> int:
        """Trainable parameters, shared tensors counted once."""
        return sum(p.numel() for p in self.parameters())

    def forward(
        self, idx: torch.Tensor, targets: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        t = idx.shape[1]
        if t > self.config.n_ctx:
            raise ValueError(f"sequence length {t} exceeds n_ctx={self.config.n_ctx}; crop the input")
        x = self.wte(idx) + self.wpe(torch.arange(t, device=idx.device))
        for block in self.blocks:
            x = block(x)
        x = self.ln_f(x)
        weight = self.wte.weight if self.head is None else self.head.weight
        logits = F.linear(x, weight)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss
