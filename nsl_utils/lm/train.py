"""One training run of a :class:`~nsl_utils.lm.model.GPT`: AdamW, warmup then cosine decay.

A run is fixed by its model shape, its horizon (``tokens`` seen in training), the batch size,
the peak learning rate and the seed. It samples random windows of ``n_ctx + 1`` tokens from the
training split, warms the learning rate up linearly, decays it on a cosine to ``min_lr_frac`` of
the peak exactly at the run's own horizon (a run is only compute-optimal at its end, Hoffmann et
al. 2022), and reports the validation loss on a fixed set of windows at the end.

On CPU a run is deterministic given its seed. On CUDA it uses bf16 autocast. Under ``torchrun``
(environment variables ``RANK``/``WORLD_SIZE``) it wraps the model in DistributedDataParallel:
each process draws its own share of every batch, so the run sees the same number of tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
from numpy.typing import NDArray

from nsl_utils._validation import positive_int, positive_scalar
from nsl_utils.lm.model import GPT, GPTConfig

__all__ = ["TrainSpec", "lr_at", "train"]


@dataclass(frozen=True)
class TrainSpec:
    """Everything that fixes one run besides the data.

    Parameters
    ----------
    config : GPTConfig
        Model shape.
    tokens : int
        Training horizon D in tokens (rounded down to whole steps).
    batch_size : int
        Sequences per optimizer step (all processes together).
    lr : float
        Peak learning rate of AdamW.
    beta2 : float
        AdamW's second-moment decay, in (0, 1). Its gradient-variance estimate averages over
        about 1 / (1 - beta2) steps; small batches give noisy gradients, which a longer average
        (0.99, 0.999) tames (Porian et al. 2024).
    seed : int
        Seeds the initialisation and the batch sampling.
    warmup_frac : float
        Fraction of the steps spent warming up linearly.
    min_lr_frac : float
        Learning rate at the horizon, as a fraction of the peak.
    weight_decay : float
        AdamW decoupled weight decay on matrices (not on biases, norms or embeddings).
    eval_sequences : int
        Validation windows scored at the end (spread evenly over the validation split).
    curve_points : int
        How many points of the training-loss curve to record (log-spaced in steps).
    grad_clip : float, optional
        Clip the global gradient norm to this value before each step (``None``: no clipping).
    """

    config: GPTConfig
    tokens: int
    batch_size: int
    lr: float
    beta2: float = 0.95
    seed: int = 0
    warmup_frac: float = 0.05
    min_lr_frac: float = 0.1
    weight_decay: float = 0.1
    eval_sequences: int = 1024
    curve_points: int = 24
    grad_clip: float | None = None

    def __post_init__(self) -> None:
        positive_int(self.tokens, "tokens")
        if self.grad_clip is not None:
            positive_scalar(self.grad_clip, "grad_clip")
        positive_int(self.batch_size, "batch_size")
        positive_scalar(self.lr, "lr")
        if not 0.0 < self.beta2 < 1.0:
            raise ValueError(f"beta2 must lie in (0, 1), e.g. 0.95 or 0.99; got {self.beta2!r}")
        if self.steps < 1:
            raise ValueError(
                f"tokens={self.tokens} is less than one batch of {self.batch_size} x "
                f"{self.config.n_ctx} tokens; raise tokens or lower batch_size"
            )

    @property
    def steps(self) -> int:
        return self.tokens // (self.batch_size * self.config.n_ctx)


def lr_at(step: int, steps: int, lr: float, warmup_frac: float = 0.05, min_lr_frac: float = 0.1) -> float:
    """Learning rate at ``step`` (0-based) of ``steps``: linear warmup, then cosine to the horizon."""
    warmup = max(1, int(round(warmup_frac * steps)))
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return lr * (min_lr_frac + (1 - min_lr_frac) * 0.5 * (1 + math.cos(math.pi * progress)))


def _windows(tokens: NDArray[np.int32], starts: NDArray[np.int64], n_ctx: int) -> tuple[torch.Tensor, torch.Tensor]:
    idx = starts[:, None] + np.arange(n_ctx + 1)[None, :]
    chunk = torch.from_numpy(tokens[idx].astype(np.int64))
    return chunk[:, :-1], chunk[:, 1:]


def _distributed() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


@torch.no_grad()
def evaluate(model: torch.nn.Module, tokens: NDArray[np.int32], n_ctx: int, n_sequences: int,
             device: torch.device, autocast) -> float:
    """Mean validation loss (nats/token) over ``n_sequences`` evenly spaced windows."""
    n_sequences = min(n_sequences, (len(tokens) - 1) // n_ctx)
    starts = np.linspace(0, len(tokens) - n_ctx - 1, n_sequences).astype(np.int64)
    model.eval()
    total = 0.0
    for chunk in np.array_split(starts, max(1, n_sequences // 256)):
        x, y = _windows(tokens, chunk, n_ctx)
        with autocast:
            _, loss = model(x.to(device), y.to(device))
        total += float(loss) * len(chunk)
    model.train()
    return total / n_sequences


def train(spec: TrainSpec, train_tokens: NDArray[np.int32], val_tokens: NDArray[np.int32], *,
          device: str | None = None, progress=None, eval_at_tokens: Sequence[int] | None = None) -> dict:
    """Train one model and return its metrics.

    Parameters
    ----------
    spec : TrainSpec
        The run.
    train_tokens, val_tokens : numpy.ndarray
        Token ids of the two splits (see :func:`nsl_utils.lm.data.load_tokens`).
    device : str, optional
        ``"cpu"`` or ``"cuda"``; defaults to CUDA when available.
    progress : callable, optional
        Called as ``progress(steps_done)`` after each step (e.g. a progress bar's ``update``).
    eval_at_tokens : sequence of int, optional
        Token counts at which to also score the validation windows during the run, each a whole
        number of steps (a multiple of ``batch_size * n_ctx``) between one step and the horizon.
        Evaluating does not touch the random state, so the run is the same with or without it.
        ``None`` (default) evaluates only at the end.

    Returns
    -------
    dict
        ``loss`` (final validation loss, nats/token), ``train_loss`` (smoothed training loss at
        the end), ``steps``, ``tokens`` (tokens actually seen: steps × batch × n_ctx),
        ``epochs`` (tokens / training-split size), ``curve_tokens`` and ``curve_loss``
        (the smoothed training loss at log-spaced steps). With ``eval_at_tokens``, also
        ``eval_tokens`` (the requested counts, sorted, without repeats) and ``eval_loss`` (the
        validation loss after the step that reaches each).
    """
    cfg = spec.config
    rank, world = _distributed()
    if spec.batch_size % world:
        raise ValueError(f"batch_size={spec.batch_size} must be divisible by the {world} processes")
    per_step = spec.batch_size * cfg.n_ctx
    eval_steps: dict[int, int] = {}
    if eval_at_tokens is not None:
        for t in eval_at_tokens:
            if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t % per_step or not (
                    per_step <= t <= spec.steps * per_step):
                raise ValueError(
                    f"eval_at_tokens must hold whole numbers of steps ({per_step} tokens each) from "
                    f"{per_step} to the horizon {spec.steps * per_step}; got {t!r}: round it to a multiple "
                    f"of batch_size * n_ctx"
                )
            eval_steps[int(t) // per_step] = int(t)
    eval_loss: dict[int, float] = {}
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if dev.type == "cuda" else nullcontext()

    torch.manual_seed(spec.seed)
    model = GPT(cfg).to(dev)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and not n.startswith(("wte", "wpe"))]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2 or n.startswith(("wte", "wpe"))]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": spec.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=spec.lr, betas=(0.9, spec.beta2), eps=1e-8,
    )
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)

    rng = np.random.default_rng([spec.seed, rank])
    local_batch = spec.batch_size // world
    steps = spec.steps
    high = len(train_tokens) - cfg.n_ctx - 1
    record = set(np.unique(np.geomspace(1, steps, spec.curve_points).astype(int)).tolist())
    curve_tokens, curve_loss = [], []
    ema = None
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, spec.lr, spec.warmup_frac, spec.min_lr_frac)
        x, y = _windows(train_tokens, rng.integers(0, high, size=local_batch), cfg.n_ctx)
        with autocast:
            _, loss = net(x.to(dev), y.to(dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if spec.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), spec.grad_clip)
        opt.step()
        value = float(loss.detach())
        # Smooth over ~2% of the run so the recorded curve shows the trend, not batch noise.
        beta = 1 - 1 / max(1.0, min(50.0, 0.02 * steps))
        ema = value if ema is None else beta * ema + (1 - beta) * value
        if step + 1 in record:
            curve_tokens.append((step + 1) * spec.batch_size * cfg.n_ctx)
            curve_loss.append(ema)
        if step + 1 in eval_steps:
            eval_loss[step + 1] = evaluate(model, val_tokens, cfg.n_ctx, spec.eval_sequences, dev, autocast)
        if progress is not None:
            progress(1)

    val = evaluate(model, val_tokens, cfg.n_ctx, spec.eval_sequences, dev, autocast)
    if world > 1:
        t = torch.tensor([val, ema, *(eval_loss[s] for s in sorted(eval_loss))], dtype=torch.float64, device=dev)
        dist.all_reduce(t)
        val, ema, *rest = (t / world).tolist()
        eval_loss = dict(zip(sorted(eval_loss), rest))
    seen = steps * spec.batch_size * cfg.n_ctx
    result = {
        "loss": val,
        "train_loss": ema,
        "steps": steps,
        "tokens": seen,
        "epochs": seen / len(train_tokens),
        "curve_tokens": curve_tokens,
        "curve_loss": curve_loss,
    }
    if eval_at_tokens is not None:
        result["eval_tokens"] = [eval_steps[s] for s in sorted(eval_steps)]
        result["eval_loss"] = [eval_loss[s] for s in sorted(eval_steps)]
    return result
