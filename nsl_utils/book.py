"""What the chapters share for talking to the book build (MyST-NB), as opposed to the science."""

from __future__ import annotations

import math

__all__ = ["glue_value"]


def glue_value(key: str, value: float) -> None:
    """Glue a number for the prose of a chapter, as a plain float.

    MyST-NB formats a glued value with the spec written in the text (``{glue:text}`key:.2f```),
    but it formats a NumPy scalar through its ``repr`` (``np.float64(0.5)``), so every value is
    converted to a built-in ``float`` first.

    Parameters
    ----------
    key : str
        The glue key the chapter's prose refers to.
    value : float
        The number; any real scalar (NumPy included).

    Raises
    ------
    ValueError
        If ``value`` is not finite: a NaN in the prose would be a silent failure of the cell
        that computed it.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"glue_value: {key!r} is {number}; fix the computation that produced it")
    from myst_nb import glue  # a dependency of the book, not of the package's numerics

    glue(key, number, display=False)
