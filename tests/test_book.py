"""Tests of nsl_utils.book: what the chapters glue into their prose."""

import numpy as np
import pytest

myst_nb = pytest.importorskip("myst_nb")
from nsl_utils.book import glue_value  # noqa: E402


def test_glue_value_passes_a_plain_float(monkeypatch):
    seen = []
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display: seen.append((key, value, display)))
    glue_value("k", np.float64(0.25))
    assert seen == [("k", 0.25, False)] and type(seen[0][1]) is float


@pytest.mark.parametrize("bad", [np.nan, np.inf, float("-inf")])
def test_glue_value_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="'k'"):
        glue_value("k", bad)
