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
