"""What the chapters share for talking to the book build (MyST-NB), as opposed to the science."""

from __future__ import annotations

import builtins
import math
import os
from dataclasses import dataclass, field

__all__ = ["glue_value", "glue_sci", "sci_text", "Checks", "strict_checks", "STRICT_ENV"]


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


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def sci_text(value: float, digits: int = 2) -> str:
    """A number in scientific notation as prose: ``5.76e23`` becomes ``"5.76 × 10²³"``.

    Parameters
    ----------
    value : float
        The number; any real scalar (NumPy included).
    digits : int, optional
        Digits after the decimal point of the mantissa (``format(value, f".{digits}e")``).
        A mantissa of exactly 1 is dropped (``1e-05`` becomes ``"10⁻⁵"``); an exponent of 0
        gives the mantissa alone.

    Returns
    -------
    str
        The number with a ``×`` sign and a Unicode-superscript power of ten.

    Raises
    ------
    ValueError
        If ``value`` is not finite.

    Examples
    --------
    >>> sci_text(5.76e23)
    '5.76 × 10²³'
    >>> sci_text(1e-5, digits=0)
    '10⁻⁵'
    >>> sci_text(-3.2e-3, digits=1)
    '−3.2 × 10⁻³'
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"sci_text: {number} is not a finite number")
    mantissa, exponent = format(number, f".{int(digits)}e").split("e")
    power = int(exponent)
    sign = "−" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("-")
    if power == 0:
        return sign + mantissa
    ten = "10" + str(power).translate(_SUPERSCRIPT)
    if float(mantissa) == 1.0:
        return sign + ten
    return f"{sign}{mantissa} × {ten}"


def glue_sci(key: str, value: float, digits: int = 2) -> None:
    """Glue a number for the prose in scientific notation, as text like ``"5.76 × 10²³"``.

    Use it, with a plain ``{glue:text}`key``` role (no format spec), where the prose would
    otherwise show e-notation (``{glue:text}`key:.2e``` gives ``5.76e+23``).

    Parameters
    ----------
    key : str
        The glue key the chapter's prose refers to.
    value : float
        The number; any real scalar (NumPy included).
    digits : int, optional
        Digits after the decimal point of the mantissa; see :func:`sci_text`.

    Raises
    ------
    ValueError
        If ``value`` is not finite, as :func:`glue_value`.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"glue_sci: {key!r} is {number}; fix the computation that produced it")
    from myst_nb import glue

    glue(key, sci_text(number, digits), display=False)


#: Environment variable that makes :class:`Checks` strict: ``make book``, ``make test`` and CI set
#: it, so a reproduction that breaks fails the build; a reader's own run leaves it unset.
STRICT_ENV = "NSL_STRICT"


def strict_checks() -> bool:
    """Whether checks raise (``NSL_STRICT`` set to anything but ``""`` or ``"0"``)."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


@dataclass
class Checks:
    """A chapter's published-value checks: strict in the build, explanatory in a reader's run.

    Each chapter ends with checks of what its prose claims. Under ``make book``, ``make test`` and
    CI (``NSL_STRICT=1``) a failed check raises ``AssertionError``, so a broken reproduction fails
    the build. In a reader's own run a failed check prints what differs and why, naming the inputs
    that differ from the book's, and the notebook runs on: doing an exercise that changes an input
    should teach, not crash.

    Parameters
    ----------
    inputs : dict
        The chapter's inputs a reader is invited to change, each as ``name: (value, book_value)``.

    Examples
    --------
    >>> checks = Checks(inputs={"budget": (5.76e23, 5.76e23)})
    >>> checks.close("tokens per parameter", 20.4, 20.0, rel=0.05)
    True
    >>> checks.done()
    """

    inputs: dict[str, tuple[object, object]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, tuple[object, object]]:
        """The inputs whose value differs from the book's."""
        return {k: v for k, v in self.inputs.items() if not _same(*v)}

    def that(self, claim: str, condition: bool, detail: str = "") -> bool:
        """Check a claim the prose makes; ``detail`` says what was measured."""
        if bool(condition):
            return True
        message = f"check failed: {claim}" + (f" ({detail})" if detail else "")
        self._fail(message)
        return False

    def close(self, claim: str, value: float, published: float, *, abs: float | None = None,
              rel: float | None = None) -> bool:
        """Check that ``value`` is within ``abs`` (absolute) or ``rel`` (relative) of ``published``."""
        if (abs is None) == (rel is None):
            raise ValueError("close: give exactly one of abs= or rel= as the tolerance, e.g. rel=0.01")
        v, p = float(value), float(published)
        tol = abs if abs is not None else rel * builtins.abs(p)
        band = f"±{abs:g}" if abs is not None else f"±{100 * rel:g}%"
        ok = math.isfinite(v) and builtins.abs(v - p) <= tol
        return self.that(claim, ok, f"reproduced {v:.4g}, published {p:.4g}, tolerance {band}")

    def _fail(self, message: str) -> None:
        moved = self.changed()
        if moved:
            why = ", ".join(f"{k} = {v!r} (book: {b!r})" for k, (v, b) in moved.items())
            message += (f"\n  You changed {why}: the published value holds for the book's inputs, so with "
                        "yours the reproduction is expected to move. The notebook carries on.")
        else:
            message += ("\n  No input differs from the book's: this is a real discrepancy on your machine "
                        "(a library version, or a changed data file); please report it with this message.")
        self.failures.append(message)
        if strict_checks():
            raise AssertionError(message)
        print(message)

    def done(self) -> None:
        """End of the chapter's checks: a one-line summary in a reader's run if any failed."""
        if self.failures and not strict_checks():
            print(f"{len(self.failures)} check(s) did not hold with these inputs; see the messages above.")


def _same(a: object, b: object) -> bool:
    try:
        return bool(a == b) or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b))
    except (TypeError, ValueError):
        return a is b
