"""Tests of nsl_utils.porian on Porian et al.'s committed IsoFLOP points."""

import numpy as np
import pandas as pd
import pytest

from nsl_utils import porian, published
from nsl_utils.datasets import checked_path
from nsl_utils.fit import fit_isoflop_akima, fit_power_law, fit_weighted_power_law
from nsl_utils.laws import BESIROGLU_2024, chinchilla_loss, compute_optimal

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


# --- Porian et al.'s own estimator: Akima minima, seed-noise bootstrap, weighted fit ----------

OPTIMA_SHA256 = "dd752d4765e5ff808bdf977e3292da3c44ac0140cebafbaeb362fb5cbbc2575b"
PUBLISHED = {"rw": published.PORIAN_STAIRCASE_RW, "owt2": published.PORIAN_STAIRCASE_OWT2}


@pytest.fixture(scope="module")
def optima():
    return pd.read_csv(checked_path("porian/derived_optimal_pairs.csv", OPTIMA_SHA256))


@pytest.fixture(scope="module")
def akima_fits(points):
    return {ds: porian.fit_staircase_akima(points, dataset=ds) for ds in PUBLISHED}


@pytest.mark.parametrize("dataset", ["rw", "owt2"])
def test_akima_estimator_reproduces_table_1(akima_fits, dataset):
    # Tolerance 0.005: the published values have three decimals (±0.0005) and the bootstrap
    # draws differ from theirs; over seeds 0-5 the largest difference seen is 0.0027.
    for f, expected in zip(akima_fits[dataset].values(), PUBLISHED[dataset]):
        assert abs(f.a - expected) < 0.005
        assert f.a_ci[0] < f.a < f.a_ci[1]


@pytest.mark.parametrize("dataset", ["rw", "owt2"])
def test_weighted_fit_of_their_medians_reproduces_table_1(optima, dataset):
    # The last step alone, on their own bootstrap medians and weights: deterministic, so the
    # tolerance is the rounding of the published values (0.0005) plus the CSV's six digits.
    fits = porian.fit_published_optima(optima, dataset=dataset)
    assert list(fits) == list(porian.STEPS)
    for f, expected in zip(fits.values(), PUBLISHED[dataset]):
        assert abs(f.p - expected) < 0.001


@pytest.mark.parametrize("dataset", ["rw", "owt2"])
def test_akima_budgets_medians_and_weights_match_theirs(akima_fits, optima, dataset):
    for step, f in akima_fits[dataset].items():
        theirs = porian.config_rows(optima, porian.STEPS[step], dataset).dropna(subset=["N_opt"])
        # The same budgets survive the bootstrap test as in their analysis.
        np.testing.assert_array_equal(f.budgets, theirs["flops"].to_numpy())
        # Medians within 5% (ln N within 0.05: a few steps of the interpolation grid) and the
        # spread of ln N* within 10% (both are bootstrap estimates from different draws).
        assert np.max(np.abs(np.log(f.n_opt / theirs["N_opt"].to_numpy()))) < 0.05
        assert np.max(np.abs(np.log(f.n_star_log_std / theirs["n_star_log_std"].to_numpy()))) < 0.1


def test_akima_estimator_is_seeded(points):
    rows = porian.config_rows(points, porian.STEPS["3. correct the warmup"], "rw")
    args = (rows["flops"], rows["N"], rows["loss"])
    one = fit_isoflop_akima(*args, seed_noise=0.002, n_boot=200, seed=3)
    two = fit_isoflop_akima(*args, seed_noise=0.002, n_boot=200, seed=3)
    np.testing.assert_array_equal(one.n_opt, two.n_opt)
    assert one.a == two.a and one.n_boot == 200 and one.seed_noise == 0.002


def _chinchilla_profiles(budgets=np.logspace(18, 22, 5), n_per=11, span=1.0):
    C, N = [], []
    for c in budgets:
        n_star, _ = compute_optimal(c, BESIROGLU_2024)
        sizes = n_star * np.logspace(-span, span, n_per)
        C.append(np.full(n_per, c))
        N.append(sizes)
    C, N = np.concatenate(C), np.concatenate(N)
    return C, N, chinchilla_loss(N, C / (6 * N), BESIROGLU_2024)


def test_akima_recovers_a_known_exponent():
    C, N, L = _chinchilla_profiles()
    fit = fit_isoflop_akima(C, N, L, seed_noise=0.002, n_boot=300)
    # Noise of 0.002 nats on losses near 2 moves the minimum of a flat profile by a few percent;
    # the exponent over four decades of compute is within 0.01.
    assert fit.a == pytest.approx(BESIROGLU_2024.a, abs=0.01)
    n_true, _ = compute_optimal(fit.budgets, BESIROGLU_2024)
    np.testing.assert_allclose(fit.n_opt, n_true, rtol=0.1)
    assert fit.dropped == () and np.all(fit.valid_fraction > 0.5)
    # The interpolant passes through the data and is NaN outside the sizes trained.
    sel = C == fit.budgets[0]
    np.testing.assert_allclose(fit.curve(0, N[sel]), L[sel], rtol=1e-12)
    assert np.isnan(fit.curve(0, [N[sel].min() / 2])[0])


def test_akima_without_noise_uses_the_interpolated_minimum():
    C, N, L = _chinchilla_profiles(n_per=9)
    fit = fit_isoflop_akima(C, N, L, seed_noise=0.0, n_boot=10)
    np.testing.assert_array_equal(fit.n_opt, fit.n_opt_point)
    # With no scatter the spread is its floor, 0.33 x the grid's spacing x 25 (about a third
    # of the spacing of the sizes in ln N: 2 ln 10 / 8 here, times 200/199 grid steps).
    floor = 0.33 * 25 * (2 * np.log(10) / (8 * 25 - 1))
    np.testing.assert_allclose(fit.n_star_log_std, floor, rtol=1e-9)


def test_akima_drops_unbracketed_and_small_budgets():
    C, N, L = _chinchilla_profiles(budgets=np.logspace(18, 21, 4))
    # A budget whose sizes all sit above the optimum: almost every bootstrap minimum is at
    # the smallest size, so fewer than half are bracketed.
    n_star, _ = compute_optimal(1e22, BESIROGLU_2024)
    n_bad = n_star * np.logspace(0.5, 1.5, 6)
    C = np.r_[C, np.full(6, 1e22), 1e23, 1e23]
    N = np.r_[N, n_bad, 1e10, 2e10]
    L = np.r_[L, chinchilla_loss(n_bad, 1e22 / (6 * n_bad), BESIROGLU_2024), 2.0, 2.1]
    fit = fit_isoflop_akima(C, N, L, seed_noise=0.002, n_boot=100)
    reasons = dict(fit.dropped)
    assert "fewer than half" in reasons[1e22] and "at least 3" in reasons[1e23]
    assert fit.budgets.size == 4


def test_akima_bad_input():
    C, N, L = _chinchilla_profiles(budgets=[1e19, 1e20], n_per=5)
    with pytest.raises(ValueError, match="L contains NaN"):
        fit_isoflop_akima(C, N, np.r_[L[:-1], np.nan], seed_noise=0.002)
    with pytest.raises(ValueError, match="matching shapes"):
        fit_isoflop_akima(C, N[:-1], L, seed_noise=0.002)
    with pytest.raises(ValueError, match="C: need at least 2 usable budgets"):
        fit_isoflop_akima(C[:5], N[:5], L[:5], seed_noise=0.002)
    with pytest.raises(ValueError, match="N: a size appears twice"):
        fit_isoflop_akima(C, np.r_[N[0], N[:-1]], L, seed_noise=0.002)
    with pytest.raises(ValueError, match="seed_noise must be"):
        fit_isoflop_akima(C, N, L, seed_noise=-0.01)
    with pytest.raises(ValueError, match="seed_noise: .* non-positive"):
        fit_isoflop_akima(C, N, L, seed_noise=10.0)
    with pytest.raises(ValueError, match="n_boot must be a positive integer"):
        fit_isoflop_akima(C, N, L, seed_noise=0.002, n_boot=0)
    with pytest.raises(ValueError, match="min_std_factor must be"):
        fit_isoflop_akima(C, N, L, seed_noise=0.002, min_std_factor=float("nan"))
    with pytest.raises(ValueError, match="dataset: no seed noise known"):
        porian.fit_staircase_akima(pd.DataFrame(), dataset="c4")


def test_weighted_power_law():
    x = np.logspace(16, 19, 8)
    y = 2e-3 * x**0.6
    std = np.linspace(0.05, 0.3, 8)
    exact = fit_weighted_power_law(x, y, std)
    assert exact.p == pytest.approx(0.6, abs=1e-12) and exact.k == pytest.approx(2e-3, rel=1e-9)
    # Equal weights: ordinary least squares.
    rng = np.random.default_rng(1)
    y_noisy = y * np.exp(rng.normal(0, 0.1, x.size))
    ols = fit_power_law(x, y_noisy)
    wls = fit_weighted_power_law(x, y_noisy, np.full(x.size, 0.2))
    assert wls.p == pytest.approx(ols.p, abs=1e-12)
    np.testing.assert_allclose(wls.p_ci, ols.p_ci, atol=1e-12)
    # A point with a huge uncertainty barely pulls the fit.
    y_out = y.copy()
    y_out[-1] *= 3.0
    down = fit_weighted_power_law(x, y_out, np.r_[np.full(7, 0.1), 1e3])
    assert down.p == pytest.approx(0.6, abs=1e-6)
    assert fit_power_law(x, y_out).p > 0.65


def test_weighted_power_law_bad_input():
    x, y, s = [1.0, 10.0, 100.0], [1.0, 2.0, 4.0], [0.1, 0.1, 0.1]
    with pytest.raises(ValueError, match="log_std must be positive"):
        fit_weighted_power_law(x, y, [0.1, 0.0, 0.1])
    with pytest.raises(ValueError, match="log_std contains NaN"):
        fit_weighted_power_law(x, y, [0.1, np.nan, 0.1])
    with pytest.raises(ValueError, match="matching shapes"):
        fit_weighted_power_law(x, y, s[:2])
    with pytest.raises(ValueError, match="x needs at least 2 points"):
        fit_weighted_power_law(x[:1], y[:1], s[:1])
    with pytest.raises(ValueError, match="distinct"):
        fit_weighted_power_law([1.0, 1.0], [1.0, 2.0], [0.1, 0.1])
    with pytest.raises(ValueError, match="optima: missing columns"):
        porian.fit_published_optima(pd.DataFrame({"flops": [1.0]}))
