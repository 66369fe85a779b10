"""Input checks shared by the public functions of :mod:`nsl_utils`.

Every public function validates its arguments here so that bad input raises a
``ValueError`` that names the argument and says how to fix it, instead of
returning NaN further down the line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_finite_array(value: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``value`` as a float array, raising if any entry is NaN or infinite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; got {value!r}") from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; drop or fix those entries")
    return arr


def as_positive_array(value: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``value`` as a float array, raising unless every entry is finite and > 0."""
    arr = as_finite_array(value, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive (> 0); got a minimum of {arr.min()!r}")
    return arr


def positive_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a float, raising unless it is a finite number > 0."""
    arr = as_positive_array(value, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number; got an array of shape {arr.shape}")
    return float(arr)


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer (>= 1); got {value!r}")
    return int(value)


def same_shape(**arrays: NDArray[np.float64]) -> None:
    """Raise unless all the named arrays have the same shape."""
    shapes = {name: np.shape(arr) for name, arr in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ValueError(f"arrays must have matching shapes; got {listed}")


def at_least(arr: NDArray[np.float64], n: int, name: str, why: str = "to fit") -> None:
    """Raise unless ``arr`` holds at least ``n`` points."""
    if np.size(arr) < n:
        raise ValueError(f"{name} needs at least {n} points {why}; got {np.size(arr)}")


def broadcastable(**arrays: NDArray[np.float64]) -> None:
    """Raise unless the named arrays broadcast against each other."""
    try:
        np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
    except ValueError:
        listed = ", ".join(f"{n} {np.shape(a)}" for n, a in arrays.items())
        raise ValueError(f"shapes do not broadcast: {listed}; pass matching arrays") from None
