"""Tests of nsl_utils.porian on Porian et al.'s committed IsoFLOP points."""

import pandas as pd
import pytest

from nsl_utils import porian, published
from nsl_utils.datasets import checked_path

POINTS_SHA256 = "a96e27a04c94cdb5b8c98d6439b217645da89bfa7ff230bc9f4e918ea776ed3b"


@pytest.fixture(scope="module")
def points():
    return pd.read_csv(checked_path("porian/derived_isoflop_points.csv", POINTS_SHA256))


def test_staircase_descends_like_table_1(points):
    fits = porian.fit_staircase(points)
    assert list(fits) == list(porian.STEPS)
    for f, expected in zip(fits.values(), published.PORIAN_STAIRCASE_RW):
        assert abs(f.a - expected) < 0.04


def test_config_rows_selects_one_setup(points):
    rows = porian.config_rows(points, porian.STEPS["1. Kaplan's setup"], "owt2")
    assert len(rows) > 10 and set(rows["dataset"]) == {"owt2"}
    assert set(rows["param_count"]) == {"kaplan"}


def test_config_rows_bad_input(points):
    with pytest.raises(ValueError, match="config: no rows.*values present"):
        porian.config_rows(points, ("base", "long", "kaplan", "typo"))
    with pytest.raises(ValueError, match="config: expected 4"):
        porian.config_rows(points, ("base", "long"))
    with pytest.raises(ValueError, match="frame: missing columns"):
        porian.config_rows(points.drop(columns="warmup"), porian.STEPS["1. Kaplan's setup"])
