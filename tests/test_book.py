"""Tests of nsl_utils.book: what the chapters glue into their prose."""

import numpy as np
import pytest

myst_nb = pytest.importorskip("myst_nb")
from nsl_utils.book import glue_sci, glue_value, sci_text  # noqa: E402


def test_glue_value_passes_a_plain_float(monkeypatch):
    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: seen.append((key, value, display)))
    glue_value("k", np.float64(0.25))
    assert seen == [("k", 0.25, False)] and type(seen[0][1]) is float


@pytest.mark.parametrize("bad", [np.nan, np.inf, float("-inf")])
def test_glue_value_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="'k'"):
        glue_value("k", bad)


def test_checks_are_strict_in_the_build(monkeypatch):
    from nsl_utils.book import Checks

    monkeypatch.setenv("NSL_STRICT", "1")
    checks = Checks(inputs={"budget": (1e26, 5.76e23)})
    assert checks.close("within", 1.0, 1.05, rel=0.1)
    with pytest.raises(AssertionError, match=r"(?s)reproduced 2, published 1.*You changed budget = 1e\+26"):
        checks.close("a planted regression", 2.0, 1.0, abs=0.1)


def test_checks_explain_and_carry_on_in_a_readers_run(monkeypatch, capsys):
    from nsl_utils.book import Checks

    monkeypatch.delenv("NSL_STRICT", raising=False)
    checks = Checks(inputs={"budget": (1e26, 5.76e23), "seed": (0, 0)})
    assert not checks.that("optimum inside the range", False, "N* = 3e12")
    assert not checks.close("tokens per parameter", float("nan"), 20.0, rel=0.01)
    checks.done()
    out = capsys.readouterr().out
    assert "check failed: optimum inside the range (N* = 3e12)" in out
    assert "You changed budget = 1e+26 (book: 5.76e+23)" in out and "seed" not in out
    assert "2 check(s) did not hold" in out
    unchanged = Checks(inputs={"budget": (5.76e23, 5.76e23)})
    unchanged.that("x", False)
    assert "real discrepancy" in capsys.readouterr().out


def test_checks_refuse_an_ambiguous_tolerance():
    from nsl_utils.book import Checks

    with pytest.raises(ValueError, match="exactly one of abs= or rel="):
        Checks().close("x", 1.0, 1.0)
    with pytest.raises(ValueError, match="exactly one"):
        Checks().close("x", 1.0, 1.0, abs=0.1, rel=0.1)


@pytest.mark.parametrize(("value", "digits", "text"), [
    (5.76e23, 2, "5.76 × 10²³"), (np.float64(8.64e19), 2, "8.64 × 10¹⁹"), (1e-5, 0, "10⁻⁵"),
    (5.6e-16, 1, "5.6 × 10⁻¹⁶"), (-3e-3, 0, "−3 × 10⁻³"), (2.5, 1, "2.5"), (1e26, 1, "10²⁶"),
])
def test_sci_text_writes_powers_of_ten(value, digits, text):
    assert sci_text(value, digits) == text


def test_glue_sci_glues_a_string(monkeypatch):
    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: seen.append((key, value, display)))
    glue_sci("k", np.float64(5.76e23))
    assert seen == [("k", "5.76 × 10²³", False)]


@pytest.mark.parametrize("bad", [np.nan, np.inf, float("-inf")])
def test_glue_sci_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="'k'"):
        glue_sci("k", bad)
