"""Training throughput of nsl_utils.lm.GPT against PyTorch's stock transformer layer.

For several model sizes this prints, from one run: tokens/s and achieved FLOP/s (counted as
6 · N_T · tokens, N_T the total parameter count) of a full training step (forward, backward,
AdamW) of ``nsl_utils.lm.GPT``; the same for a model of the identical shape and parameter count
built from ``torch.nn.TransformerEncoderLayer`` (pre-norm, GELU, causal mask); and both as a
fraction of the FLOP/s of a large fp32 matmul measured in the same run.

    .venv/bin/python benchmarks/bench_lm.py [--threads 1] [--n-ctx 16] [--batch 64]

The two models are timed alternately and the median is reported, so load from other processes
on a shared machine affects both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from nsl_utils.lm.model import GPT, GPTConfig

SIZES = [(2, 32, 4), (4, 64, 4), (4, 128, 8), (6, 256, 8)]  # (n_layer, d_model, n_head)


class StockGPT(nn.Module):
    """The same decoder-only model with torch.nn.TransformerEncoderLayer blocks."""

    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_ctx = cfg.n_ctx
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
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _step_fn(model: nn.Module, batch: int, cfg: GPTConfig):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, cfg.vocab_size, (batch, cfg.n_ctx), generator=gen)

    def step():
        _, loss = model(x, x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--n-ctx", type=int, default=16)
    parser.add_argument("--batch", type=int, default=32, help="sequences per step")
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=5, help="steps per timed block")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timed blocks per model")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    peak = matmul_flops()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); n_ctx {args.n_ctx}, "
          f"batch {args.batch} sequences, vocab {args.vocab}")
    print(f"large matmul (2048x2048 fp32): {peak / 1e9:.1f} GFLOP/s")
    print(f"{'n_layer':>7} {'d_model':>7} {'N_T':>10} {'ours tok/s':>11} {'ours GFLOP/s':>12} {'frac':>5} "
          f"{'stock tok/s':>11} {'stock GFLOP/s':>13} {'frac':>5} {'ours/stock':>10}")
    tokens = args.batch * args.n_ctx
    for n_layer, d_model, n_head in SIZES:
        cfg = GPTConfig(n_layer, d_model, n_head, args.vocab, args.n_ctx)
        ours, stock = GPT(cfg), StockGPT(cfg)
        n_params = cfg.params().total
        assert sum(p.numel() for p in stock.parameters()) == n_params  # same shape, same count
        steps = {"ours": _step_fn(ours, args.batch, cfg), "stock": _step_fn(stock, args.batch, cfg)}
        for fn in steps.values():  # warm up allocators and autograd
            for _ in range(3):
                fn()
        times = {k: [] for k in steps}
        for _ in range(args.rounds):
            for name, fn in steps.items():
                times[name].append(_timed(lambda: [fn() for _ in range(args.steps)]) / args.steps)
        rate = {k: tokens / statistics.median(v) for k, v in times.items()}
        flops = {k: 6 * n_params * r for k, r in rate.items()}
        print(f"{n_layer:>7} {d_model:>7} {n_params:>10,} {rate['ours']:>11,.0f} {flops['ours'] / 1e9:>12.2f} "
              f"{flops['ours'] / peak:>5.2f} {rate['stock']:>11,.0f} {flops['stock'] / 1e9:>13.2f} "
              f"{flops['stock'] / peak:>5.2f} {rate['ours'] / rate['stock']:>10.2f}")


if __name__ == "__main__":
    main()
