"""Tests of nsl_utils.regimes: the solvable models of the four scaling regimes."""

import numpy as np
import pytest

from nsl_utils import regimes as R

# --- Hutter's model -------------------------------------------------------------------------


def test_zipf_probabilities_normalised_and_decreasing():
    theta = R.zipf_probabilities(1.0, 1000)
    assert theta.sum() == pytest.approx(1.0)
    assert np.all(np.diff(theta) < 0)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
def test_hutter_exact_slope(alpha):
    n = np.logspace(2, 4, 5)
    slope = R.loglog_slope(n, R.hutter_error(n, alpha, n_features=10**5))
    assert slope == pytest.approx(-alpha / (1 + alpha), abs=0.02)


def test_hutter_error_matches_direct_sum_and_shape():
    theta = R.zipf_probabilities(1.0, 50)
    n = np.array([[1, 10], [100, 1000]])
    direct = np.array([[np.sum(theta * (1 - theta) ** k) for k in row] for row in n])
    np.testing.assert_allclose(R.hutter_error(n, 1.0, n_features=50), direct, rtol=1e-12)


def test_hutter_mc_agrees_with_exact():
    n = np.array([10, 100, 1000])
    exact = R.hutter_error(n, 1.0, n_features=10**4)
    mc = R.hutter_error_mc(n, 1.0, n_features=10**4, n_trials=200, seed=1)
    np.testing.assert_allclose(mc, exact, rtol=0.05)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n=[10], alpha=0.0), "alpha"),
        (dict(n=[10], alpha=-1.0), "alpha"),
        (dict(n=[0.5], alpha=1.0), "n"),
        (dict(n=[np.nan], alpha=1.0), "n"),
        (dict(n=[10], alpha=1.0, n_features=0), "n_features"),
    ],
)
def test_hutter_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        R.hutter_error(**kwargs)


# --- Linear random-feature model ------------------------------------------------------------


def _brute_force_rf_loss(Z, V, lam):
    S = lam.size
    F = Z * np.sqrt(lam)
    M = V.T @ np.linalg.pinv(F @ V.T) @ F
    return 0.5 * np.sum((np.sqrt(lam)[:, None] * (np.eye(S) - M)) ** 2)


def test_rf_loss_matches_brute_force_and_duality():
    rng = np.random.default_rng(3)
    lam = R.power_law_spectrum(1.0, 120)
    Z, V = rng.standard_normal((30, 120)), rng.standard_normal((17, 120))
    loss = R.linear_rf_loss_from_draws(Z, V, lam)
    assert loss == pytest.approx(_brute_force_rf_loss(Z, V, lam), rel=1e-9)
    assert R.linear_rf_loss_from_draws(V, Z, lam) == pytest.approx(loss, rel=1e-9)


def test_rf_loss_infinite_limits():
    rng = np.random.default_rng(4)
    lam = R.power_law_spectrum(1.0, 80)
    Z = rng.standard_normal((25, 80))
    # P = None is the student with every teacher feature, V = identity
    assert R.linear_rf_loss_from_draws(Z, None, lam) == pytest.approx(
        R.linear_rf_loss_from_draws(Z, np.eye(80), lam), rel=1e-8
    )
    assert R.linear_rf_loss_from_draws(None, None, lam) == 0.0
    # nothing learnt from nothing: one direction of 80 captures only part of the variance
    assert 0 < R.linear_rf_loss(1, None, 1.0, 80) < 0.5 * lam.sum()


def test_linear_rf_resolution_limited_slope():
    P = np.array([5, 10, 20, 40])
    L = [np.mean([R.linear_rf_loss(None, int(p), 1.0, 2000, seed=s) for s in range(3)]) for p in P]
    assert R.loglog_slope(P, L) == pytest.approx(-1.0, abs=0.1)


def test_linear_rf_variance_limited_excess():
    P, D = 10, np.array([100, 200, 400])
    excess = []
    for d in D:
        vals = [R.linear_rf_loss(int(d), P, 1.0, 500, s) - R.linear_rf_loss(None, P, 1.0, 500, s)
                for s in range(20)]
        excess.append(np.mean(vals))
    assert R.loglog_slope(D, excess) == pytest.approx(-1.0, abs=0.15)
    L_inf = np.mean([R.linear_rf_loss(None, P, 1.0, 500, s) for s in range(20)])
    assert excess[0] == pytest.approx(L_inf * P / (D[0] - P - 1), rel=0.25)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(D=0, P=5, alpha_K=1.0), "D"),
        (dict(D=2.5, P=5, alpha_K=1.0), "D"),
        (dict(D=10, P=-1, alpha_K=1.0), "P"),
        (dict(D=10, P=5, alpha_K=0.0), "alpha_K"),
        (dict(D=10, P=5000, alpha_K=1.0), "P"),
        (dict(D=10, P=5, alpha_K=1.0, n_teacher_features=0), "n_teacher_features"),
    ],
)
def test_linear_rf_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        R.linear_rf_loss(**kwargs)


def test_rf_from_draws_bad_shapes():
    with pytest.raises(ValueError, match="Z"):
        R.linear_rf_loss_from_draws(np.ones((3, 4)), None, np.ones(5))


# --- ReLU random features -------------------------------------------------------------------


def test_arccos_kernel_is_relu_feature_limit():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 3))
    W = rng.standard_normal((200_000, 3))
    Phi = np.maximum(X @ W.T, 0)
    np.testing.assert_allclose(Phi @ Phi.T / W.shape[0], R.arccos_kernel(X), rtol=0.02, atol=0.01)


def test_relu_rf_loss_limits_and_order():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((300, 3))
    K = R.arccos_kernel(X)
    ev = R.kernel_spectrum(K)
    assert np.all(np.diff(ev) <= 1e-12) and ev[0] > 0
    before = 0.5 * np.trace(K) / 300
    small, big = R.relu_rf_loss(None, 5, X, K), R.relu_rf_loss(None, 40, X, K)
    assert 0 < big < small < before
    assert R.relu_rf_loss(None, None, X, K) == 0.0
    # very wide student ≈ kernel regression
    wide, kernel = R.relu_rf_loss(20, 20000, X, K), R.relu_rf_loss(20, None, X, K)
    assert wide == pytest.approx(kernel, rel=0.05)


def test_relu_rf_bad_input():
    X = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="P"):
        R.relu_rf_loss(5, 0, X, R.arccos_kernel(X))


# --- Training time and helpers ---------------------------------------------------------------


def test_gradient_flow_slope():
    t = np.logspace(2, 4, 5)
    assert R.loglog_slope(t, R.gradient_flow_loss(t, 2.0, 1.5)) == pytest.approx(-2 / 3, abs=0.02)
    with pytest.raises(ValueError, match="a"):
        R.gradient_flow_loss(t, 1.0, 1.0)


def test_loglog_slope_exact_and_bad_input():
    x = np.array([1.0, 10.0, 100.0])
    assert R.loglog_slope(x, 3 * x**-0.7) == pytest.approx(-0.7)
    with pytest.raises(ValueError, match="y"):
        R.loglog_slope(x, [1.0, -1.0, 2.0])
    with pytest.raises(ValueError, match="x"):
        R.loglog_slope([1.0], [1.0])


def test_kernel_spectrum_top_matches_full():
    X = np.random.default_rng(9).standard_normal((100, 3))
    K = R.arccos_kernel(X)
    np.testing.assert_allclose(R.kernel_spectrum(K, top=10), R.kernel_spectrum(K)[:10], rtol=1e-8)
    with pytest.raises(ValueError, match="top"):
        R.kernel_spectrum(K, top=101)


def test_rf_loss_wide_student_branch_matches_brute_force():
    rng = np.random.default_rng(10)
    lam = R.power_law_spectrum(0.5, 90)
    Z, V = rng.standard_normal((12, 90)), rng.standard_normal((40, 90))  # P > D branch
    assert R.linear_rf_loss_from_draws(Z, V, lam) == pytest.approx(_brute_force_rf_loss(Z, V, lam), rel=1e-9)


def test_manifold_names_are_reexported():
    from nsl_utils import manifold as M

    assert R.intrinsic_dimension is M.intrinsic_dimension
    assert R.interpolation_error is M.interpolation_error
