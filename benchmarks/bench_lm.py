"""Training throughput of the book's trainer at the sweep's shapes, against this machine's matmul.

For each shape of the ``book`` sweep (vocabulary 2,048, context 16, the batch of a budget where
that shape trains) and two wider shapes (d_model 128 and 192), this times the optimizer steps of
:func:`nsl_utils.lm.train.train` itself (batch sampling, forward, backward, gradient clipping,
AdamW) and prints tokens/s and achieved FLOP/s (counted as 6 · N_T · tokens, the sweep's
accounting) as a fraction of the FLOP/s of a large fp32 matmul measured in the same run, at the
same thread count. Variants, timed alternately so that load from other processes affects all
alike, each reported as a ratio to the default:

- ``fused``: AdamW's fused kernel (``fused=True``) instead of the default multi-tensor one;
- ``stock``: the same shape built from ``torch.nn.TransformerEncoderLayer`` (PyTorch's own
  blocks), to show the model file is not slower than the library's layer;
- ``compile`` (only with ``--compile``; a minute of compilation per shape): ``torch.compile``.

    .venv/bin/python benchmarks/bench_lm.py [--threads 1] [--steps 20] [--compile]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from nsl_utils.lm.model import GPT, GPTConfig
from nsl_utils.lm.sweep import BOOK_BUDGETS, BOOK_SIZES, N_CTX, book_lr, book_window, budget_batch
from nsl_utils.lm.train import TrainSpec, train

VOCAB = 2048
# Two wider shapes than the sweep trains, at the top budget's batch.
WIDER = [((7, 128, 8), budget_batch(BOOK_BUDGETS[-1])), ((8, 192, 12), budget_batch(BOOK_BUDGETS[-1]))]


def sweep_shapes() -> list[tuple[tuple[int, int, int], int]]:
    used = [s for s in BOOK_SIZES if any(s in book_window(c) for c in BOOK_BUDGETS)]
    shapes = []
    for shape in used[::4] + used[-1:]:
        budgets = [c for c in BOOK_BUDGETS if shape in book_window(c)]
        shapes.append((shape, budget_batch(budgets[len(budgets) // 2])))
    return shapes + WIDER


class StockGPT(nn.Module):
    """The same decoder-only model with torch.nn.TransformerEncoderLayer blocks."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.config = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.n_ctx, cfg.d_model)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.n_head, 4 * cfg.d_model, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, cfg.n_layer, enable_nested_tensor=False)
        self.ln_f = nn.LayerNorm(cfg.d_model)
        # GPT-2's embedding init (nn.Embedding's default N(0, 1) saturates the tied head's softmax,
        # and the denormal gradients that follow slow every matmul down several times).
        for emb in (self.wte, self.wpe):
            nn.init.normal_(emb.weight, std=0.02)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(cfg.n_ctx))

    def forward(self, idx: torch.Tensor, targets: torch.Tensor):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        x = self.ln_f(self.blocks(x, mask=self.mask[:t, :t], is_causal=True))
        logits = nn.functional.linear(x, self.wte.weight)  # the same head as GPT, so only the blocks differ
        return logits, nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


def matmul_flops(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of an n×n fp32 matmul (2 n³ FLOPs), best of ``repeats``."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def step_seconds(spec: TrainSpec, tokens: np.ndarray, variant: str) -> float:
    """Median wall time of one optimizer step of ``train`` (its first 5 steps skipped)."""
    stamps: list[float] = []
    original_model, original_adamw = GPT, torch.optim.AdamW
    trainer = importlib.import_module("nsl_utils.lm.train")  # the module (nsl_utils.lm.train is also the function)

    def adamw(params, **kw):
        return original_adamw(params, fused=True, **kw)

    def model(cfg):
        if variant == "stock":
            return StockGPT(cfg)
        built = original_model(cfg)
        return torch.compile(built) if variant == "compile" else built

    trainer.GPT = model if variant in ("stock", "compile") else original_model
    trainer.torch.optim.AdamW = adamw if variant == "fused" else original_adamw
    try:
        train(spec, tokens, tokens[:4096], device="cpu", progress=lambda _: stamps.append(time.perf_counter()))
    finally:
        trainer.GPT, trainer.torch.optim.AdamW = original_model, original_adamw
    return statistics.median(np.diff(stamps[5:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (the sweep runs 1 per process)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per variant and round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per shape")
    parser.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    variants = ["default", "fused", "stock"] + (["compile"] if args.compile else [])
    tokens = np.random.default_rng(0).integers(0, VOCAB, 200_000).astype(np.int32)
    peak = matmul_flops()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); vocab {VOCAB}, n_ctx {N_CTX}")
    print(f"large matmul (2048x2048 fp32): {peak / 1e9:.1f} GFLOP/s")
    head = " ".join(f"{v + '/default':>16}" for v in variants[1:])
    print(f"{'shape':>12} {'N_T':>10} {'batch':>5} {'tok/s':>8} {'GFLOP/s':>8} {'of matmul':>9} {head}")
    for (n_layer, d_model, n_head), batch in sweep_shapes():
        cfg = GPTConfig(n_layer, d_model, n_head, VOCAB, N_CTX)
        spec = TrainSpec(cfg, tokens=(args.steps + 6) * batch * N_CTX, batch_size=batch, lr=book_lr(d_model),
                         beta2=0.999, grad_clip=1.0, eval_sequences=16)
        times: dict[str, list[float]] = {v: [] for v in variants}
        for _ in range(args.rounds):
            for v in variants:
                times[v].append(step_seconds(replace(spec), tokens, v))
        sec = {v: statistics.median(t) for v, t in times.items()}
        rate = batch * N_CTX / sec["default"]
        flops = 6 * cfg.params().total * rate
        ratios = " ".join(f"{sec['default'] / sec[v]:>16.2f}" for v in variants[1:])
        print(f"{f'{n_layer}x{d_model}':>12} {cfg.params().total:>10,} {batch:>5} {rate:>8,.0f} "
              f"{flops / 1e9:>8.2f} {flops / peak:>9.2f} {ratios}")
    print("ratios above 1: the variant's steps are faster than the default trainer's")


if __name__ == "__main__":
    main()
