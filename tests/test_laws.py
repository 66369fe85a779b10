"""Tests of nsl_utils.laws: the published laws and the compute-optimal allocation."""

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from nsl_utils import laws, published


@pytest.mark.parametrize(
    "params", [laws.HOFFMANN_2022, laws.HOFFMANN_2022_UNROUNDED, laws.BESIROGLU_2024]
)
@pytest.mark.parametrize("C", [1e18, 5.76e23, 1e26])
def test_closed_form_optimum_matches_numeric_minimisation(params, C):
    n_opt, d_opt = laws.compute_optimal(C, params)

    def loss(log_n):
        n = np.exp(log_n)
        return float(laws.chinchilla_loss(n, C / (6 * n), params))

    res = minimize_scalar(loss, bounds=(np.log(1e5), np.log(1e14)), method="bounded",
                          options={"xatol": 1e-12})
    assert np.exp(res.x) == pytest.approx(float(n_opt), rel=1e-4)
    assert 6 * n_opt * d_opt == pytest.approx(C, rel=1e-12)


def test_compute_optimal_exponents():
    C = np.array([1e20, 1e22])
    n, d = laws.compute_optimal(C, laws.BESIROGLU_2024)
    slope_n = np.diff(np.log(n)) / np.diff(np.log(C))
    slope_d = np.diff(np.log(d)) / np.diff(np.log(C))
    assert slope_n[0] == pytest.approx(laws.BESIROGLU_2024.a)
    assert slope_d[0] == pytest.approx(laws.BESIROGLU_2024.b)
    assert laws.BESIROGLU_2024.a + laws.BESIROGLU_2024.b == pytest.approx(1.0)


@pytest.mark.parametrize(
    "params, expected",
    [(laws.HOFFMANN_2022, 92.6), (laws.HOFFMANN_2022_UNROUNDED, 58.9), (laws.BESIROGLU_2024, 18.4)],
)
def test_tokens_per_parameter_at_gopher_budget(params, expected):
    n, d = laws.compute_optimal(published.GOPHER_FLOPS, params)
    assert float(d / n) == pytest.approx(expected, abs=0.05)


def test_chinchilla_loss_values_and_broadcasting():
    p = laws.ChinchillaParams(E=1.0, A=2.0, B=3.0, alpha=1.0, beta=1.0)
    assert float(laws.chinchilla_loss(2.0, 3.0, p)) == pytest.approx(1.0 + 1.0 + 1.0)
    out = laws.chinchilla_loss(np.array([[1.0], [2.0]]), np.array([1.0, 3.0, 9.0]), p)
    assert out.shape == (2, 3)


def test_kaplan_laws():
    k = laws.KAPLAN_2020
    assert float(laws.kaplan_loss_n(k.N_c)) == pytest.approx(1.0)
    assert float(laws.kaplan_loss_d(k.D_c)) == pytest.approx(1.0)
    assert float(laws.kaplan_loss_cmin(k.C_c_min_pf_days)) == pytest.approx(1.0)
    # With unlimited data the joint law reduces to a pure power law in N.
    n = np.array([1e6, 1e8])
    joint = laws.kaplan_loss(n, 1e40)
    assert np.allclose(joint, (k.joint_N_c / n) ** k.joint_alpha_N, rtol=1e-6)
    # N_opt = 1.3e9 at one PF-day.
    assert float(laws.kaplan_n_opt(published.PF_DAY)) == pytest.approx(1.3e9)


def test_params_properties():
    p = laws.HOFFMANN_2022
    assert p.a == pytest.approx(0.28 / 0.62)
    assert p.G == pytest.approx((0.34 * 406.4 / (0.28 * 410.7)) ** (1 / 0.62))
    assert p.as_dict()["E"] == 1.69
    assert "Hoffmann" in p.source


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: laws.chinchilla_loss(-1.0, 1e9), "N"),
        (lambda: laws.chinchilla_loss(1e9, np.nan), "D"),
        (lambda: laws.chinchilla_loss(np.ones(2), np.ones(3)), "shapes"),
        (lambda: laws.compute_optimal(0.0), "C"),
        (lambda: laws.compute_optimal(np.inf), "C"),
        (lambda: laws.kaplan_loss(1e9, -5), "D"),
        (lambda: laws.kaplan_n_opt([1e20, -1]), "C"),
        (lambda: laws.kaplan_loss_cmin("abc"), "C_min_pf_days"),
        (lambda: laws.ChinchillaParams(E=1.0, A=-1.0, B=1.0, alpha=0.3, beta=0.3), "A"),
        (lambda: laws.ChinchillaParams(E=np.nan, A=1.0, B=1.0, alpha=0.3, beta=0.3), "E"),
    ],
)
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


# --- the range each law was fitted on -------------------------------------------------------


def test_chinchilla_fits_carry_the_papers_range():
    r = laws.CHINCHILLA_FITTED_RANGE
    assert r.parameters == published.HOFFMANN_TABLE_A9_PARAMS_RANGE == (44e6, 16.183e9)
    assert r.tokens == published.HOFFMANN_TOKENS_RANGE == (5e9, 500e9)
    assert r.compute == published.HOFFMANN_ISOFLOP_BUDGET_RANGE == (6e18, 3e21)
    assert (r.parameter_symbol, r.compute_symbol) == ("N_T", "C_T")
    for params in (laws.HOFFMANN_2022, laws.HOFFMANN_2022_UNROUNDED, laws.BESIROGLU_2024):
        assert params.fitted_range is r
    # The abstract's rounder "70 million to over 16 billion" lies inside Table A9's span.
    low, high = published.HOFFMANN_PARAMS_RANGE_ABSTRACT
    assert r.parameters[0] <= low and high <= r.parameters[1]


def test_chinchilla_range_against_the_digitised_runs():
    """What the docstring of CHINCHILLA_FITTED_RANGE says of Epoch's digitised Figure 4 data."""
    import pandas as pd

    from nsl_utils.datasets import checked_path

    path = checked_path("svg_extracted_data.csv",
                        "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30")
    data = pd.read_csv(path).sort_values("loss").iloc[: -published.EPOCH_N_EXCLUDED]
    n, c = data["Model Size"].to_numpy(), data["Training FLOP"].to_numpy()
    d = c / (6 * n)
    r = laws.CHINCHILLA_FITTED_RANGE
    assert r.parameters[0] <= n.min() and n.max() <= r.parameters[1] * 1.01
    assert c.min() == pytest.approx(1.4e18, rel=0.05) and c.max() == pytest.approx(1.3e22, rel=0.05)
    assert d.min() == pytest.approx(8.2e8, rel=0.05) and d.max() < r.tokens[1]
    # The stated compute range is the conservative one: the fitted runs reach beyond it.
    assert c.min() < r.compute[0] and c.max() > r.compute[1]


def test_kaplan_range():
    r = laws.KAPLAN_2020.fitted_range
    assert r is laws.KAPLAN_FITTED_RANGE
    assert r.parameters == published.KAPLAN_NONEMB_PARAMS_RANGE == (768.0, 1.5e9)
    assert r.tokens == published.KAPLAN_TOKENS_RANGE == (22e6, 23e9)
    assert (r.parameter_symbol, r.compute_symbol) == ("N_nonemb", "C_min")
    # The compute range is the C_min at which Eq. (6.1) gives the smallest and largest model ...
    assert float(laws.kaplan_n_opt(r.compute[0])) == pytest.approx(768.0, rel=1e-9)
    assert float(laws.kaplan_n_opt(r.compute[1])) == pytest.approx(1.5e9, rel=1e-9)
    assert r.compute[0] / published.PF_DAY == pytest.approx(2.9e-9, rel=0.02)
    assert r.compute[1] / published.PF_DAY == pytest.approx(1.2, rel=0.02)
    # ... which spans the "eight orders of magnitude in C_min" of their Sec. 1.2.
    assert 8 <= np.log10(r.compute[1] / r.compute[0]) < 9


def test_outside_names_value_range_source_and_factor():
    r = laws.CHINCHILLA_FITTED_RANGE
    assert r.outside(N=1e9, D=2e10, C=1e20) == []
    assert r.outside(N=44e6, D=500e9, C=6e18) == []  # the ends belong to the range
    below, above = r.outside(C=6e16), r.outside(N=1.6183e11)
    assert below == ["C_T = 6e+16 FLOP is outside the fitted range, 6e+18 to 3e+21 FLOP "
                     "(Hoffmann et al. 2022, Sec. 3.2, the IsoFLOP budgets), a factor 100 below it"]
    assert above == ["N_T = 1.62e+11 parameters is outside the fitted range, 4.4e+07 to 1.62e+10 "
                     "parameters (Hoffmann et al. 2022, Table A9), a factor 10 above it"]
    assert len(r.outside(N=1.0, D=1.0, C=1.0)) == 3
    assert r.describe() == (
        "N_T 4.4e+07 to 1.62e+10, D 5e+09 to 5e+11 tokens, C_T 6e+18 to 3e+21 FLOP")
    assert r.as_dict()["compute"] == [6e18, 3e21]


def test_fitted_range_is_not_part_of_equality():
    refit = laws.ChinchillaParams(**laws.HOFFMANN_2022.as_dict(), source=laws.HOFFMANN_2022.source)
    assert refit.fitted_range is None and refit == laws.HOFFMANN_2022


def test_kaplan_c_min():
    """Kaplan et al. (2020), Eq. (5.5): C_min = C / (1 + B / B_crit); C / 2 at the critical batch."""
    assert float(laws.kaplan_c_min(1e20)) == pytest.approx(5e19)
    assert float(laws.kaplan_c_min(1e20, batch_over_critical=3.0)) == pytest.approx(2.5e19)
    assert np.allclose(laws.kaplan_c_min([2.0, 4.0], 0.25), [1.6, 3.2])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: laws.FittedRange(parameters=(1e9, 1e8), tokens=(1, 2), compute=(1, 2)),
         r"FittedRange\.parameters must satisfy 0 < low < high"),
        (lambda: laws.FittedRange(parameters=(1, 2), tokens=(0.0, 2), compute=(1, 2)),
         r"FittedRange\.tokens must satisfy 0 < low < high"),
        (lambda: laws.FittedRange(parameters=(1, 2), tokens=(1, 2), compute=5e20),
         r"FittedRange\.compute must be a pair \(low, high\)"),
        (lambda: laws.CHINCHILLA_FITTED_RANGE.outside(N=-1.0), r"N must be positive"),
        (lambda: laws.CHINCHILLA_FITTED_RANGE.outside(C=np.nan), r"C contains NaN"),
        (lambda: laws.kaplan_c_min(1e20, batch_over_critical=0.0), r"batch_over_critical must be positive"),
        (lambda: laws.kaplan_c_min(-1e20), r"C must be positive"),
    ],
)
def test_range_bad_input_names_the_argument_and_the_fix(call, match):
    with pytest.raises(ValueError, match=match):
        call()
