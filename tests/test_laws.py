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


# --- inference-aware planning (Sardana et al. 2024) -----------------------------------------

CHINCHILLA_FORM = [laws.HOFFMANN_2022, laws.HOFFMANN_2022_UNROUNDED, laws.BESIROGLU_2024,
                   laws.SARDANA_2024]


def _sardana_fig1():
    """Sardana et al.'s Fig. 1 example, computed from the law: loss, the two models, their costs."""
    p, fig = laws.SARDANA_2024, published.SARDANA_FIG1
    c_13b = 6 * (fig["chinchilla_params"] / p.G) ** (1 / p.a)  # where N_opt(C) = 13B
    n_13b, d_13b = laws.compute_optimal(c_13b, p)
    loss = float(laws.chinchilla_loss(n_13b, d_13b, p))
    d_inf = fig["inference_tokens"]
    n_opt, d_opt = laws.inference_optimal(loss, d_inf, p)
    d_7b = laws.chinchilla_tokens_for_loss(fig["inference_aware_params"], loss, p)
    cost_13b = float(laws.lifetime_compute(n_13b, d_13b, d_inf))
    return {"loss": loss, "n_opt": float(n_opt), "d_opt": float(d_opt), "cost_13b": cost_13b,
            "cost_opt": float(laws.lifetime_compute(n_opt, d_opt, d_inf)),
            "cost_7b": float(laws.lifetime_compute(fig["inference_aware_params"], d_7b, d_inf))}


def test_sardana_fig1_is_reproduced():
    """13B Chinchilla-optimal vs 7B, 2T inference tokens: 1.7e22 FLOP (17%) saved (their Fig. 1)."""
    fig, r = published.SARDANA_FIG1, _sardana_fig1()
    for cost in (r["cost_7b"], r["cost_opt"]):  # the 7B model of the caption, and the optimum
        saving = r["cost_13b"] - cost
        assert saving == pytest.approx(fig["saving_flops"], abs=0.05e22)  # printed to 2 digits
        assert saving / r["cost_13b"] == pytest.approx(fig["saving_fraction"], abs=0.005)
    assert r["n_opt"] == pytest.approx(fig["inference_aware_params"], abs=0.5e9)  # "a 7B model"
    # The same computation with the published fit's other exponents does not reproduce it.
    for p in (laws.HOFFMANN_2022, laws.HOFFMANN_2022_UNROUNDED):
        c_13b = 6 * (fig["chinchilla_params"] / p.G) ** (1 / p.a)
        n, d = laws.compute_optimal(c_13b, p)
        loss = float(laws.chinchilla_loss(n, d, p))
        d7 = laws.chinchilla_tokens_for_loss(fig["inference_aware_params"], loss, p)
        saved = float(laws.lifetime_compute(n, d, 2e12) - laws.lifetime_compute(7e9, d7, 2e12))
        assert abs(saved - fig["saving_flops"]) > 0.05e22, p.source


def test_sardana_params_are_the_published_ones():
    p = laws.SARDANA_2024
    assert p.as_dict() == published.SARDANA_CHINCHILLA_FIT
    assert (p.A, p.B, p.E) == (laws.HOFFMANN_2022.A, laws.HOFFMANN_2022.B, laws.HOFFMANN_2022.E)
    assert p.fitted_range is laws.CHINCHILLA_FITTED_RANGE and "Sardana" in p.source


@pytest.mark.parametrize("params", CHINCHILLA_FORM)
@pytest.mark.parametrize("loss_above_e", [0.2, 0.4, 1.0])
@pytest.mark.parametrize("d_inf", [1e9, 2e12, 1e15])
def test_inference_optimal_matches_numeric_minimisation(params, loss_above_e, d_inf):
    loss = params.E + loss_above_e
    n_opt, d_opt = laws.inference_optimal(loss, d_inf, params)
    assert float(laws.chinchilla_loss(n_opt, d_opt, params)) == pytest.approx(loss, rel=1e-12)

    def cost(log_n):
        n = np.exp(log_n)
        return float(np.log(laws.lifetime_compute(n, laws.chinchilla_tokens_for_loss(n, loss, params),
                                                  d_inf)))

    n_min = (params.A / loss_above_e) ** (1 / params.alpha)  # below it the loss is out of reach
    res = minimize_scalar(cost, bounds=(np.log(n_min) + 1e-9, np.log(n_min) + 40), method="bounded",
                          options={"xatol": 1e-10})
    assert np.exp(res.x) == pytest.approx(float(n_opt), rel=1e-3)
    assert np.exp(cost(np.log(n_opt))) <= np.exp(res.fun) * (1 + 1e-9)


@pytest.mark.parametrize("params", CHINCHILLA_FORM)
def test_no_inference_is_the_chinchilla_optimum(params):
    C = np.array([1e19, 1e21, 5.76e23])
    n, d = laws.compute_optimal(C, params)
    loss = laws.chinchilla_loss(n, d, params)
    n_l, d_l = laws.compute_optimal_for_loss(loss, params)
    np.testing.assert_allclose(n_l, n, rtol=1e-10)
    np.testing.assert_allclose(d_l, d, rtol=1e-10)
    n_i, d_i = laws.inference_optimal(loss, 0.0, params)
    np.testing.assert_array_equal(n_i, n_l)
    np.testing.assert_array_equal(d_i, d_l)
    # A tiny demand moves the optimum continuously away from it.
    n_t, _ = laws.inference_optimal(loss, 1.0, params)
    np.testing.assert_allclose(n_t, n_l, rtol=1e-6)


def test_demand_shrinks_the_model_and_lengthens_training():
    d_inf = np.logspace(9, 16, 15)
    n, d = laws.inference_optimal(2.0, d_inf, laws.BESIROGLU_2024)
    assert n.shape == d.shape == d_inf.shape
    assert np.all(np.diff(n) < 0) and np.all(np.diff(d) > 0)
    # Training compute grows, lifetime compute falls below the Chinchilla-optimal plan's.
    n_c, d_c = laws.compute_optimal_for_loss(2.0, laws.BESIROGLU_2024)
    assert np.all(6 * n * d > 6 * n_c * d_c)
    assert np.all(laws.lifetime_compute(n, d, d_inf) < laws.lifetime_compute(n_c, d_c, d_inf))


def test_inference_optimal_broadcasts():
    n, d = laws.inference_optimal([[2.0], [2.2]], [0.0, 1e12, 1e14], laws.HOFFMANN_2022)
    assert n.shape == d.shape == (2, 3)
    for i, loss in enumerate((2.0, 2.2)):
        for j, d_inf in enumerate((0.0, 1e12, 1e14)):
            n1, d1 = laws.inference_optimal(loss, d_inf, laws.HOFFMANN_2022)
            assert (n[i, j], d[i, j]) == (pytest.approx(float(n1)), pytest.approx(float(d1)))


def test_tokens_for_loss_inverts_the_law():
    N = np.array([1e8, 1e9, 1e10])
    D = np.array([1e10, 3e11, 2e12])
    loss = laws.chinchilla_loss(N, D, laws.BESIROGLU_2024)
    np.testing.assert_allclose(laws.chinchilla_tokens_for_loss(N, loss, laws.BESIROGLU_2024), D,
                               rtol=1e-9)


def test_lifetime_compute_is_six_n_d_plus_two_n_d_inf():
    assert float(laws.lifetime_compute(7e9, 1e12, 2e12)) == pytest.approx(6 * 7e9 * 1e12 + 2 * 7e9 * 2e12)
    assert float(laws.lifetime_compute(7e9, 1e12, 0)) == 6 * 7e9 * 1e12
    assert laws.lifetime_compute([1e9, 2e9], 1e10, [[0], [1e10]]).shape == (2, 2)


@pytest.mark.parametrize(
    "call, match",
    [
        # An unreachable target: below (or at) the law's irreducible loss E; the fix is named.
        (lambda: laws.inference_optimal(1.5, 1e12, laws.HOFFMANN_2022), r"loss = 1\.5.*unreachable.*E = 1\.69.*above 1\.69"),
        (lambda: laws.inference_optimal(laws.BESIROGLU_2024.E, 1e12), r"loss .*unreachable.*pass a target loss above"),
        (lambda: laws.compute_optimal_for_loss([2.0, 1.0]), r"loss = 1 .*unreachable"),
        (lambda: laws.chinchilla_tokens_for_loss(1e9, 1.6, laws.HOFFMANN_2022), r"loss = 1\.6 .*unreachable"),
        # Reachable in principle, not by a model this small.
        (lambda: laws.chinchilla_tokens_for_loss(1e8, 2.0, laws.HOFFMANN_2022), r"out of reach of N = 1e\+08.*pass a larger N or a loss above"),
        # Negative or non-finite inference tokens.
        (lambda: laws.inference_optimal(2.0, -1e12), r"inference_tokens must be >= 0.*-1e\+12.*pass 0"),
        (lambda: laws.inference_optimal(2.0, [1e12, -1.0]), r"inference_tokens must be >= 0"),
        (lambda: laws.inference_optimal(2.0, np.nan), r"inference_tokens contains NaN"),
        (lambda: laws.lifetime_compute(1e9, 1e10, -5), r"inference_tokens must be >= 0"),
        (lambda: laws.lifetime_compute(-1e9, 1e10, 5), r"N must be positive"),
        (lambda: laws.lifetime_compute(1e9, 0, 5), r"D must be positive"),
        (lambda: laws.inference_optimal("abc", 1e12), r"loss must be numeric"),
        (lambda: laws.inference_optimal([2.0, 2.1], [1e12, 1e13, 1e14]), r"shapes do not broadcast"),
    ],
)
def test_inference_planning_bad_input_names_the_argument_and_the_fix(call, match):
    with pytest.raises(ValueError, match=match):
        call()
