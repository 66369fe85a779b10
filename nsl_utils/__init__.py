"""nsl_utils: the code behind the book *Scaling Laws, Reproduced*.

Modules, each named for what it holds:

- :mod:`nsl_utils.laws`: published scaling laws (Kaplan 2020, Chinchilla), the
  compute-optimal allocation and the inference-aware one (Sardana et al. 2024).
- :mod:`nsl_utils.counting`: parameter and FLOP counting of transformers, dense and
  mixture-of-experts (stored and active parameters).
- :mod:`nsl_utils.published`: published reference values with their citations.
- :mod:`nsl_utils.fit`: fitting scaling laws (Chinchilla's three approaches).
- :mod:`nsl_utils.porian`: Porian et al.'s (2024) IsoFLOP data and the exponents of their staircase.
- :mod:`nsl_utils.kaplan`: Kaplan et al.'s own machinery: L(N, S_min), the critical batch size,
  S_min and C_min, the compute-efficient frontier and their Table 6.
- :mod:`nsl_utils.reconcile`: Pearce & Song's reconciliation of Kaplan and Chinchilla.
- :mod:`nsl_utils.data_constrained`: Muennighoff et al.'s (2023) data-constrained law (effective
  data and parameters) and its optimum when the unique data are fixed.
- :mod:`nsl_utils.regimes`: variance- and resolution-limited scaling in solvable models.
- :mod:`nsl_utils.manifold`: interpolation on a d-dimensional cube and intrinsic dimension (TwoNN).
- :mod:`nsl_utils.teacher_student`: the PyTorch teacher-student experiment and its command.
- :mod:`nsl_utils.lm`: a tiny GPT, its training loop and the sweep command; with
  :mod:`nsl_utils.lm.schedule`, the learning-rate schedule experiment (one long cosine read early
  against cosines matched to the horizon), :mod:`nsl_utils.lm.repeat`, the repeated-data
  experiment (epochs of a fixed unique-token budget against fresh data), and
  :mod:`nsl_utils.lm.resumable`, the resumable session and command line those experiments share.
- :mod:`nsl_utils.calculator`: the compute-optimal and parameter calculator behind
  ``python -m nsl_utils``.
- :mod:`nsl_utils.datasets`: locating ``data/`` files and checking their sha256.
- :mod:`nsl_utils.provenance`: what a long experiment records about the machine and software.
- :mod:`nsl_utils.book`: what the chapters share with the book build (glued numbers, the checks).
- :mod:`nsl_utils.plotting`: the book's figure style.

Submodules are imported on demand so that ``import nsl_utils`` stays light (no torch).
"""

__version__ = "0.1.0"
