"""nsl_utils: the code behind the book *Scaling Laws, Reproduced*.

Modules, each named for what it holds:

- :mod:`nsl_utils.laws`: published scaling laws (Kaplan 2020, Chinchilla) and the
  compute-optimal allocation.
- :mod:`nsl_utils.counting`: parameter and FLOP counting of transformers.
- :mod:`nsl_utils.published`: published reference values with their citations.
- :mod:`nsl_utils.fit`: fitting scaling laws (Chinchilla's three approaches).
- :mod:`nsl_utils.reconcile`: Pearce & Song's reconciliation of Kaplan and Chinchilla.
- :mod:`nsl_utils.regimes`: variance- and resolution-limited scaling in solvable models.
- :mod:`nsl_utils.manifold`: interpolation on a d-dimensional cube and intrinsic dimension (TwoNN).
- :mod:`nsl_utils.teacher_student`: the PyTorch teacher-student experiment and its command.
- :mod:`nsl_utils.lm`: a tiny GPT, its training loop and the sweep command.
- :mod:`nsl_utils.calculator`: the compute-optimal and parameter calculator behind
  ``python -m nsl_utils``.
- :mod:`nsl_utils.datasets`: locating ``data/`` files and checking their sha256.
- :mod:`nsl_utils.plotting`: the book's figure style.

Submodules are imported on demand so that ``import nsl_utils`` stays light (no torch).
"""

__version__ = "0.1.0"
