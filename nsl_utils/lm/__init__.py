"""Small language models for measuring compute-optimal scaling on a laptop.

- :mod:`nsl_utils.lm.model`: ``GPTConfig`` and ``GPT``, a readable decoder-only transformer whose
  parameter count is :func:`nsl_utils.counting.transformer_params`.
- :mod:`nsl_utils.lm.train`: one run (AdamW, warmup and cosine decay to the run's horizon; CPU,
  CUDA with bf16, or DistributedDataParallel under ``torchrun``).
- :mod:`nsl_utils.lm.data` and :mod:`nsl_utils.lm.corpus`: the committed corpora (pilot and book) and their BPE tokenizers.
- :mod:`nsl_utils.lm.sweep`: presets and the resumable, shardable sweep behind
  ``python -m nsl_utils.lm sweep --preset {smoke,pilot,pilot-lr,lr-bracket,book} --out CSV [--resume] [--shard K/N]``.
- :mod:`nsl_utils.lm.analysis`: IsoFLOP optima and frontiers of a sweep in both countings
  (Approaches 1 to 3, bootstrap intervals, Pearce & Song's predicted exponent, simulated losses).
- :mod:`nsl_utils.lm.schedule` and :mod:`nsl_utils.lm.repeat`: the schedule experiment (a cosine
  matched to the horizon against one long schedule) and the repeated-data experiment.
- :mod:`nsl_utils.lm.resumable`: the resume checks, sidecar and command-line options the three
  experiments share.
"""

from nsl_utils.lm.model import GPT, GPTConfig
from nsl_utils.lm.sweep import run_sweep
from nsl_utils.lm.train import TrainSpec, train

__all__ = ["GPT", "GPTConfig", "TrainSpec", "train", "run_sweep"]
