"""Tests of nsl_utils.fit: power laws, Approaches 1-3 and the bootstrap."""

from dataclasses import replace

import numpy as np
import pytest

from nsl_utils.fit import envelope, fit_isoflop, fit_power_law
from nsl_utils.laws import BESIROGLU_2024, chinchilla_loss, compute_optimal


# --- fit_power_law -------------------------------------------------------------------------


def test_power_law_exact():
    x = np.logspace(0, 4, 9)
    fit = fit_power_law(x, 3.0 * x**0.5)
    assert fit.p == pytest.approx(0.5, abs=1e-12)
    assert fit.k == pytest.approx(3.0, rel=1e-10)
    assert fit.n == 9
    assert fit.p_ci[0] == pytest.approx(0.5, abs=1e-9) and fit.p_ci[1] == pytest.approx(0.5, abs=1e-9)
    assert fit.predict([10.0]) == pytest.approx(3.0 * 10**0.5)


def test_power_law_interval_covers_truth():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(200):
        x = np.logspace(0, 3, 12)
        y = 2.0 * x**-0.3 * np.exp(rng.normal(0, 0.05, x.size))
        lo, hi = fit_power_law(x, y, ci=0.9).p_ci
        hits += lo <= -0.3 <= hi
    assert 0.84 <= hits / 200 <= 0.96


def test_power_law_two_points_has_infinite_interval():
    fit = fit_power_law([1.0, 10.0], [1.0, 100.0])
    assert fit.p == pytest.approx(2.0)
    assert fit.p_ci == (-np.inf, np.inf)


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([1.0, 2.0, 3.0], [1.0, -1.0, 2.0], "y must be positive"),
        ([1.0, np.nan, 3.0], [1.0, 1.0, 2.0], "x contains NaN"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "matching shapes"),
        ([1.0], [1.0], "x needs at least 2"),
        ([2.0, 2.0, 2.0], [1.0, 2.0, 3.0], "distinct"),
    ],
)
def test_power_law_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(x, y)


def test_power_law_bad_ci():
    with pytest.raises(ValueError, match="ci"):
        fit_power_law([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ci=1.5)


# --- envelope (Approach 1) -----------------------------------------------------------------


def _training_curves(params=BESIROGLU_2024, n_sizes=12, n_grid=40):
    """Loss of every size on a shared compute grid (D = C / 6N)."""
    sizes = np.logspace(7.5, 10.5, n_sizes)
    grid = np.logspace(18, 22, n_grid)
    C, N = np.meshgrid(grid, sizes)
    C, N = C.ravel(), N.ravel()
    return C, N, chinchilla_loss(N, C / (6 * N), params)


def test_envelope_picks_minimum_and_recovers_exponent():
    C, N, L = _training_curves(n_sizes=60, n_grid=30)
    env = envelope(C, L, N)
    assert env.C.size == 30
    for c, loss, idx in zip(env.C, env.loss, env.index):
        assert loss == L[C == c].min() and C[idx] == c and L[idx] == loss
    assert env.a == pytest.approx(BESIROGLU_2024.a, abs=0.03)
    assert env.loss_fit.p < 0


def test_envelope_without_n():
    C, N, L = _training_curves()
    env = envelope(C, L)
    assert env.n_opt is None
    with pytest.raises(ValueError, match="pass N"):
        env.a


def test_envelope_bad_input():
    with pytest.raises(ValueError, match="L must be positive"):
        envelope([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="C needs at least 2"):
        envelope([1.0, 1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="matching shapes"):
        envelope([1.0, 2.0], [1.0, 2.0], [1.0])


# --- fit_isoflop (Approach 2) --------------------------------------------------------------


def _isoflop_runs(budgets, params=BESIROGLU_2024, n_per=9, span=1.0, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    C, N = [], []
    for c in budgets:
        n_star, _ = compute_optimal(c, params)
        sizes = n_star * np.logspace(-span, span, n_per)
        C.append(np.full(n_per, c))
        N.append(sizes)
    C, N = np.concatenate(C), np.concatenate(N)
    L = chinchilla_loss(N, C / (6 * N), params) + noise * rng.standard_normal(C.size)
    return C, N, L


def test_isoflop_recovers_exponent():
    C, N, L = _isoflop_runs(np.logspace(18, 22, 5), span=0.5)
    fit = fit_isoflop(C, N, L)
    assert fit.a == pytest.approx(BESIROGLU_2024.a, abs=0.01)
    assert fit.a_ci[0] <= fit.a <= fit.a_ci[1]
    assert fit.budgets.size == 5 and fit.n_opt.size == 5 and fit.loss_opt.size == 5
    assert fit.dropped == ()
    n_true, _ = compute_optimal(fit.budgets, BESIROGLU_2024)
    np.testing.assert_allclose(fit.n_opt, n_true, rtol=0.1)
    np.testing.assert_allclose(fit.k * fit.budgets**fit.a, fit.n_opt, rtol=0.05)


def test_isoflop_drops_unbracketed_budget():
    C, N, L = _isoflop_runs(np.logspace(18, 21, 4), span=0.5)
    # A budget whose sizes all sit above the optimum: the lowest loss is at the smallest size.
    c_bad = 1e22
    n_star, _ = compute_optimal(c_bad, BESIROGLU_2024)
    n_bad = n_star * np.logspace(0.3, 1.3, 5)
    C = np.r_[C, np.full(5, c_bad)]
    N = np.r_[N, n_bad]
    L = np.r_[L, chinchilla_loss(n_bad, c_bad / (6 * n_bad))]
    # And one with too few runs.
    C, N, L = np.r_[C, 1e23, 1e23], np.r_[N, 1e10, 2e10], np.r_[L, 2.0, 2.1]
    fit = fit_isoflop(C, N, L)
    assert 1e22 not in fit.budgets and 1e23 not in fit.budgets
    reasons = dict(fit.dropped)
    assert "not bracketed" in reasons[1e22] and "smallest" in reasons[1e22]
    assert "at least 3" in reasons[1e23]
    assert fit.budgets.size == 4


def test_isoflop_window_keeps_points_near_minimum():
    C, N, L = _isoflop_runs(np.logspace(18, 21, 4), n_per=15, span=1.5)
    wide = fit_isoflop(C, N, L)
    narrow = fit_isoflop(C, N, L, window=0.8)
    assert abs(narrow.a - BESIROGLU_2024.a) <= abs(wide.a - BESIROGLU_2024.a) + 1e-3
    assert narrow.parabola(0, narrow.n_opt[:1])[0] == pytest.approx(narrow.loss_opt[0])


def test_isoflop_needs_two_budgets():
    C, N, L = _isoflop_runs([1e19], span=0.5)
    with pytest.raises(ValueError, match="C: need at least 2 usable budgets"):
        fit_isoflop(C, N, L)


def test_isoflop_two_budgets_infinite_interval():
    C, N, L = _isoflop_runs([1e19, 1e20], span=0.5)
    fit = fit_isoflop(C, N, L)
    assert fit.a_ci == (-np.inf, np.inf)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"N": [1.0, -2.0, 3.0]}, "N must be positive"),
        ({"L": [1.0, np.nan, 3.0]}, "L contains NaN"),
        ({"C": [1.0, 1.0]}, "matching shapes"),
        ({"window": -1.0}, "window"),
        ({"ci": 0.0}, "ci"),
    ],
)
def test_isoflop_bad_input(kwargs, match):
    args = {"C": [1.0, 1.0, 1.0], "N": [1.0, 2.0, 3.0], "L": [3.0, 2.0, 3.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit_isoflop(**args)


# --- Approach 3: fit_parametric, huber_objective, bootstrap_parametric -----------------------

from nsl_utils.fit import (  # noqa: E402
    THETA_NAMES,
    _huber_lse,
    bootstrap_parametric,
    fit_parametric,
    hoffmann_grid,
    huber_objective,
)
from nsl_utils.laws import ChinchillaParams  # noqa: E402


# Synthetic data from a fixed law (Epoch's headline fit with the E it carried when these tests were
# written), so that a correction to a published constant does not change the tests' data.
SYNTHETIC_LAW = replace(BESIROGLU_2024, E=1.8172, source="synthetic test law")


def _synthetic(params=SYNTHETIC_LAW, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    N, D = np.meshgrid(np.logspace(7.5, 10, 8), np.logspace(9, 11.5, 8))
    N, D = N.ravel(), D.ravel()
    L = chinchilla_loss(N, D, params) * np.exp(noise * rng.standard_normal(N.size))
    return N, D, L


def _subgrid(k=150, seed=0):
    grid = hoffmann_grid()
    return grid[np.random.default_rng(seed).choice(len(grid), k, replace=False)]


def test_hoffmann_grid():
    grid = hoffmann_grid()
    assert grid.shape == (4500, 5) and len(THETA_NAMES) == 5
    assert np.unique(grid, axis=0).shape[0] == 4500
    a, b, e, alpha, beta = grid.T
    assert set(a) == set(b) == {0.0, 5.0, 10.0, 15.0, 20.0, 25.0}
    assert set(e) == {-1.0, -0.5, 0.0, 0.5, 1.0}
    assert set(alpha) == set(beta) == {0.0, 0.5, 1.0, 1.5, 2.0}


def test_gradient_matches_finite_differences():
    N, D, L = _synthetic(noise=0.01)
    lN, lD, lL = np.log(N), np.log(D), np.log(L)
    rng = np.random.default_rng(1)
    theta = rng.normal([6.0, 7.0, 0.6, 0.35, 0.35], 0.3, (4, 5))
    w = rng.integers(0, 3, (4, N.size)).astype(float)
    for weights in (None, w):
        f, g = _huber_lse(theta, lN, lD, lL, 1e-3, weights, 1.0)
        for j in range(5):
            h = np.zeros(5)
            h[j] = 1e-6
            fp, _ = _huber_lse(theta + h, lN, lD, lL, 1e-3, weights, 1.0)
            fm, _ = _huber_lse(theta - h, lN, lD, lL, 1e-3, weights, 1.0)
            np.testing.assert_allclose(g[:, j], (fp - fm) / 2e-6, rtol=1e-4, atol=1e-9)


def test_huber_objective_values():
    N, D, L = _synthetic()
    assert huber_objective(SYNTHETIC_LAW, N, D, L) == pytest.approx(0.0, abs=1e-20)
    theta = np.array([6.0, 7.0, 0.6, 0.35, 0.35])
    total = huber_objective(theta, N, D, L)
    assert huber_objective(theta, N, D, L, reduce="mean") == pytest.approx(total / N.size)
    rows = huber_objective(np.stack([theta, theta]), N, D, L)
    assert rows.shape == (2,) and rows[0] == pytest.approx(total)
    # Far from the data every residual is in Huber's linear part: δ(|r| - δ/2).
    pred = np.log(chinchilla_loss(N, D, ChinchillaParams(E=10.0, A=1.0, B=1.0, alpha=1.0, beta=1.0)))
    expected = np.sum(1e-3 * (np.abs(pred - np.log(L)) - 0.5e-3))
    far = ChinchillaParams(E=10.0, A=1.0, B=1.0, alpha=1.0, beta=1.0)
    assert huber_objective(far, N, D, L) == pytest.approx(expected, rel=1e-9)


def test_fit_parametric_recovers_known_law():
    N, D, L = _synthetic()
    fit = fit_parametric(N, D, L, init=_subgrid())
    assert fit.n_starts == 150 and fit.starts.shape == (150, 5)
    assert fit.objective < 1e-12
    p = fit.params
    assert isinstance(p, ChinchillaParams)
    for name in ("E", "A", "B", "alpha", "beta"):
        assert getattr(p, name) == pytest.approx(getattr(BESIROGLU_2024, name), rel=1e-3)
    assert fit.a == pytest.approx(BESIROGLU_2024.a, rel=1e-3)
    assert fit.final_objectives.shape == (150,) and fit.n_iter.shape == (150,)
    assert fit.objective == fit.final_objectives.min()


def test_batched_matches_scipy_on_same_starts():
    N, D, L = _synthetic(noise=0.02, seed=3)
    starts = _subgrid(40, seed=2)
    batched = fit_parametric(N, D, L, init=starts)
    scipy_fit = fit_parametric(N, D, L, init=starts, optimizer="scipy")
    assert scipy_fit.n_starts == 40 and scipy_fit.optimizer == "scipy"
    # Same optimum; the batched run polishes further, so it may only be lower.
    assert batched.objective <= scipy_fit.objective * (1 + 1e-6)
    assert batched.objective == pytest.approx(scipy_fit.objective, rel=1e-6)
    np.testing.assert_allclose(batched.theta, scipy_fit.theta, rtol=2e-3, atol=2e-3)


def test_fit_parametric_single_start_from_params():
    N, D, L = _synthetic(noise=0.01)
    fit = fit_parametric(N, D, L, init=BESIROGLU_2024)
    assert fit.n_starts == 1
    assert fit.objective <= huber_objective(BESIROGLU_2024, N, D, L)


def test_mean_reduction_scales_objective():
    N, D, L = _synthetic(noise=0.02)
    start = np.array([[6.0, 7.0, 0.5, 0.3, 0.3]])
    fs = fit_parametric(N, D, L, init=start)
    fm = fit_parametric(N, D, L, init=start, reduce="mean")
    # Scale-invariant stopping: the batched optimiser finds the same optimum either way.
    assert fm.objective * N.size == pytest.approx(fs.objective, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"L": np.r_[np.nan, np.ones(63)]}, "L contains NaN"),
        ({"N": -np.ones(64)}, "N must be positive"),
        ({"D": np.ones(10)}, "matching shapes"),
        ({"N": np.ones(3), "D": np.ones(3), "L": np.ones(3)}, "N needs at least 6"),
        ({"delta": 0.0}, "delta"),
        ({"reduce": "median"}, "reduce"),
        ({"init": np.ones((3, 4))}, "init"),
        ({"init": "grid"}, "init"),
        ({"optimizer": "adam"}, "optimizer"),
        ({"n_polish": 0}, "n_polish"),
        ({"search_tol": 0.0}, "search_tol"),
    ],
)
def test_fit_parametric_bad_input(kwargs, match):
    N, D, L = _synthetic()
    args = {"N": N, "D": D, "L": L, "init": BESIROGLU_2024}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit_parametric(**args)


def test_bootstrap_intervals():
    N, D, L = _synthetic(noise=0.02, seed=5)
    fit = fit_parametric(N, D, L, init=_subgrid(60))
    boot = bootstrap_parametric(N, D, L, n_boot=64, seed=1, fit=fit, ci=0.9)
    assert boot.n_boot == 64 and boot.ci == 0.9 and boot.fit is fit
    assert set(boot.intervals) == {"E", "A", "B", "alpha", "beta", "a"}
    for name, (lo, hi) in boot.intervals.items():
        assert lo < hi
        assert boot.samples[name].shape == (64,)
    assert boot.intervals["alpha"][0] < fit.alpha < boot.intervals["alpha"][1]
    assert boot.intervals["a"][0] < fit.a < boot.intervals["a"][1]
    again = bootstrap_parametric(N, D, L, n_boot=64, seed=1, fit=fit, ci=0.9)
    np.testing.assert_array_equal(again.samples["alpha"], boot.samples["alpha"])


def test_bootstrap_bad_input():
    N, D, L = _synthetic()
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_parametric(N, D, L, n_boot=0)
    with pytest.raises(ValueError, match="ci"):
        bootstrap_parametric(N, D, L, n_boot=4, ci=95)
    with pytest.raises(ValueError, match="L must be positive"):
        bootstrap_parametric(N, D, -L, n_boot=4)
