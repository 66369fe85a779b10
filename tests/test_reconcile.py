"""Tests of nsl_utils.reconcile: Pearce & Song's (2024) embedding relation, local exponent and
simulated Kaplan-style study."""

import numpy as np
import pandas as pd
import pytest

from nsl_utils import published
from nsl_utils.datasets import DATA_DIR
from nsl_utils.laws import (
    BESIROGLU_2024,
    HOFFMANN_2022_UNROUNDED,
    ChinchillaParams,
    compute_optimal,
)
from nsl_utils.reconcile import (
    DEFAULT_OMEGA,
    aspect_ratio_from_omega,
    compute_to_converge,
    embedding_coefficient,
    fit_embedding_relation,
    fitted_exponent,
    frontier_compute,
    local_exponent,
    local_exponent_limits,
    optimal_nonembedding,
    restrict_to_model_range,
    simulate_kaplan_study,
    sliding_exponent,
    total_params,
)

LAWS = [BESIROGLU_2024, HOFFMANN_2022_UNROUNDED]


@pytest.fixture(scope="module")
def table_a9():
    df = pd.read_csv(DATA_DIR / "chinchilla_table_a9.csv")
    return df["params_millions"].to_numpy() * 1e6, df["d_model"].to_numpy()


# --- the embedding relation, Eq. (R1) --------------------------------------------------------


def test_embedding_coefficient_matches_shape_counting():
    # N_T - N_nonemb of a model with d_model = (A N_nonemb / 12)^(1/3) is V d_model
    # = ω N_nonemb^(1/3).
    n = 1e8
    d = (39.2 * n / 12) ** (1 / 3)
    assert embedding_coefficient(32000, 39.2) * n ** (1 / 3) == pytest.approx(32000 * d, rel=1e-12)
    assert embedding_coefficient(32000, 39.2, tied=False) == pytest.approx(
        2 * embedding_coefficient(32000, 39.2)
    )
    assert embedding_coefficient(32000, 39.2, n_ctx=2048) == pytest.approx(
        embedding_coefficient(34048, 39.2)
    )


def test_aspect_ratio_round_trip():
    omega = embedding_coefficient(32000, 39.2)
    assert aspect_ratio_from_omega(omega, 32000) == pytest.approx(39.2, rel=1e-12)
    assert aspect_ratio_from_omega(published.PEARCE_SONG_OMEGA, 32000) == pytest.approx(
        published.PEARCE_SONG_ASPECT_RATIO, abs=0.05
    )


def test_fit_recovers_synthetic_relation():
    n_ne = np.logspace(7, 10, 30)
    d = (40.0 * n_ne / 12) ** (1 / 3)
    n_t = n_ne + 32000 * d
    omega = fit_embedding_relation(n_t, d, 32000, exponent=1 / 3)
    assert omega == pytest.approx(embedding_coefficient(32000, 40.0), rel=1e-8)
    omega_free, p = fit_embedding_relation(n_t, d, 32000)
    assert p == pytest.approx(1 / 3, abs=1e-8)
    assert omega_free == pytest.approx(omega, rel=1e-6)


def test_fit_reproduces_pearce_song_on_table_a9(table_a9):
    n_t, d = table_a9
    omega, p = fit_embedding_relation(n_t, d, 32000)
    assert omega == pytest.approx(published.PEARCE_SONG_OMEGA, rel=0.01)
    assert p == pytest.approx(published.PEARCE_SONG_FREE_EXPONENT, abs=0.005)
    fixed = fit_embedding_relation(n_t, d, 32000, exponent=1 / 3)
    assert fixed == pytest.approx(published.PEARCE_SONG_OMEGA_FIXED_EXPONENT, rel=0.01)


def test_total_params():
    assert total_params(1e9, 1000.0) == pytest.approx(1e9 + 1000.0 * 1e3)


# --- the analytic frontier and the local exponent, Eqs. (R2)-(R3) -----------------------------

# g at four sizes with Epoch's coefficients and ω = 47491, as quoted in issue 4 (computed from
# Eq. R3; Pearce & Song plot g but do not print these values).
G_REFERENCE = {1e3: 0.763, 1e6: 0.963, 1e8: 0.613, 1e10: 0.518}


@pytest.mark.parametrize("n, g", sorted(G_REFERENCE.items()))
def test_local_exponent_reference_values(n, g):
    assert local_exponent(n, BESIROGLU_2024) == pytest.approx(g, abs=0.005)


@pytest.mark.parametrize("params", LAWS)
def test_local_exponent_limits(params):
    small, large = local_exponent_limits(params)
    assert small == pytest.approx(params.beta / (params.alpha / 3 + params.beta))
    assert large == pytest.approx(params.a)
    assert local_exponent(1e-12, params) == pytest.approx(small, abs=1e-6)
    assert local_exponent(1e30, params) == pytest.approx(large, abs=1e-6)
    # ω = 0 would make N_T = N_nonemb: the plain Chinchilla exponent at every size.
    g = local_exponent([1e3, 1e9], params, omega=1e-30)
    assert g == pytest.approx([large, large], abs=1e-9)


def test_local_exponent_is_vectorised_and_not_monotone():
    n = np.logspace(2, 12, 101).reshape(101, 1)
    g = local_exponent(n, BESIROGLU_2024)
    assert g.shape == (101, 1)
    peak = int(np.argmax(g))
    assert 0 < peak < 100
    assert g[peak, 0] > max(local_exponent_limits(BESIROGLU_2024))


@pytest.mark.parametrize("params", LAWS)
def test_frontier_is_stationary_point_of_the_loss(params):
    n = np.logspace(3, 11, 9)
    c = frontier_compute(n, params)
    n_numeric = optimal_nonembedding(c, params)
    np.testing.assert_allclose(n_numeric, n, rtol=1e-6)


@pytest.mark.parametrize("params", LAWS)
@pytest.mark.parametrize("omega", [DEFAULT_OMEGA, 2 * DEFAULT_OMEGA, 5000.0])
def test_analytic_g_matches_numerical_derivative(params, omega):
    # Slope of the numerically minimised frontier, by central differences in log C.
    n = np.logspace(3, 11, 17)
    c = frontier_compute(n, params, omega)
    h = 1e-3
    up = optimal_nonembedding(c * np.exp(h), params, omega)
    down = optimal_nonembedding(c * np.exp(-h), params, omega)
    numeric = (np.log(up) - np.log(down)) / (2 * h)
    np.testing.assert_allclose(local_exponent(n, params, omega), numeric, atol=1e-4)


def test_large_n_frontier_meets_chinchilla_allocation():
    # For N_nonemb >> ω^(3/2), N_T ≈ N_nonemb and C_nonemb ≈ C_T: the frontier nears Hoffmann's
    # Eq. (4).
    c = 1e30
    n_ne = optimal_nonembedding(c, BESIROGLU_2024)
    n_t, _ = compute_optimal(c, BESIROGLU_2024)
    assert n_ne == pytest.approx(n_t, rel=0.01)


def test_fitted_exponent_over_kaplan_range():
    c = np.logspace(*published.PEARCE_SONG_LOG10_COMPUTE_RANGE, 50)
    assert fitted_exponent(c, BESIROGLU_2024) == pytest.approx(
        published.PEARCE_SONG_LOCAL_EXPONENT_EPOCH, abs=0.02
    )


def test_sliding_exponent_and_convergence():
    c = np.logspace(10, 30, 201)
    n = 3.0 * c**0.5
    top, slope = sliding_exponent(c, n, decades=4)
    np.testing.assert_allclose(slope, 0.5, atol=1e-12)
    assert top[0] == pytest.approx(1e14)
    assert compute_to_converge(c, np.full(c.size, 0.5), 0.5) == c[0]
    est = np.where(c < 1e20, 0.9, 0.52)
    assert compute_to_converge(c, est, 0.5, 0.05) == pytest.approx(1e20)
    assert compute_to_converge(c, np.full(c.size, 0.9), 0.5) == np.inf


# --- the simulated study -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, expected",
    [
        (BESIROGLU_2024, published.PEARCE_SONG_LOCAL_EXPONENT_EPOCH),
        (HOFFMANN_2022_UNROUNDED, published.PEARCE_SONG_LOCAL_EXPONENT_CHINCHILLA),
    ],
)
@pytest.mark.parametrize("grid", [None, 1000])
def test_simulated_local_exponent(params, expected, grid):
    study = simulate_kaplan_study(params, token_grid_points=grid)
    assert study.local_exponent_nonembedding == pytest.approx(expected, abs=0.02)


def test_simulated_total_exponent_and_loss_slope():
    study = simulate_kaplan_study(BESIROGLU_2024)
    expected_total = published.PEARCE_SONG_TOTAL_EXPONENT_EPOCH
    assert study.exponent_total == pytest.approx(expected_total, abs=0.02)
    assert study.loss_compute_slope == pytest.approx(
        published.PEARCE_SONG_LOSS_COMPUTE_SLOPE, abs=0.005
    )
    assert study.compute_nonembedding.shape == study.optimal_nonembedding.shape == (100,)
    assert study.n_nonembedding.shape == (20,)
    assert set(study.optimal_nonembedding) <= set(study.n_nonembedding)
    assert study.omega == pytest.approx(embedding_coefficient(32000, 39.2))


# a_T that Pearce & Song's analysis script prints with coeffs = 'chin' (its active total-compute
# range, 10^14 to 10^20.7, and its 1000-point token grid): 0.4577.
SCRIPT_A_T_CHINCHILLA = 0.458


@pytest.mark.parametrize("grid", [None, 1000])
def test_default_total_range_is_pearce_song_script(grid):
    study = simulate_kaplan_study(HOFFMANN_2022_UNROUNDED, token_grid_points=grid)
    assert study.compute_total[0] == pytest.approx(1e14)
    assert study.compute_total[-1] == pytest.approx(10**20.7)
    assert study.exponent_total == pytest.approx(SCRIPT_A_T_CHINCHILLA, abs=0.01)


def test_token_grid_clamping_below_the_script_range():
    # Started at 10^13.4 instead of the script's 10^14 (a choice, not their setting), the grid
    # reading clamps the largest models at 1e6 tokens and credits them with losses they reach only
    # after spending more than the budget; the exact reading is unaffected.
    low = (13.4, 20.7)
    exact = simulate_kaplan_study(HOFFMANN_2022_UNROUNDED, log10_compute_total=low)
    grid = simulate_kaplan_study(
        HOFFMANN_2022_UNROUNDED, log10_compute_total=low, token_grid_points=1000
    )
    assert exact.exponent_total == pytest.approx(HOFFMANN_2022_UNROUNDED.a, abs=0.01)
    assert grid.optimal_total[0] == grid.n_total[-1]
    default_grid = simulate_kaplan_study(HOFFMANN_2022_UNROUNDED, token_grid_points=1000)
    low_budgets = default_grid.compute_total < 1e16
    assert not np.any(default_grid.optimal_total[low_budgets] == default_grid.n_total[-1])


def test_total_of_optimal_nonembedding():
    study = simulate_kaplan_study(BESIROGLU_2024)
    n_t = study.total_of_optimal_nonembedding
    assert n_t.shape == study.compute_nonembedding.shape
    grid = list(study.n_nonembedding)
    expected = [study.n_total[grid.index(n)] for n in study.optimal_nonembedding]
    np.testing.assert_array_equal(n_t, expected)


# --- the study restricted to a range of model sizes --------------------------------------------


@pytest.mark.parametrize("params", LAWS)
def test_restriction_to_every_model_is_the_full_study(params):
    study = simulate_kaplan_study(params)
    every = restrict_to_model_range(study, (1.0, np.inf))
    assert every.in_range_nonembedding.all() and every.in_range_total.all()
    assert every.models_in_range == study.n_total.size
    full = study.local_exponent_nonembedding
    assert every.exponent_nonembedding == pytest.approx(full, rel=1e-12)
    assert every.exponent_total == pytest.approx(study.exponent_total, rel=1e-12)


@pytest.mark.parametrize("params", LAWS)
def test_restriction_keeps_budgets_by_the_total_size_of_their_optimum(params):
    study = simulate_kaplan_study(params)
    lo = 44e6  # the smallest of Hoffmann et al.'s models (Table A9)
    part = restrict_to_model_range(study, (lo, np.inf))
    np.testing.assert_array_equal(
        part.in_range_nonembedding, study.total_of_optimal_nonembedding >= lo
    )
    np.testing.assert_array_equal(part.in_range_total, study.optimal_total >= lo)
    assert part.models_in_range == int(np.sum(study.n_total >= lo))
    # The kept budgets are the top of the compute range: the frontier rises with compute.
    kept = np.flatnonzero(part.in_range_nonembedding)
    np.testing.assert_array_equal(kept, np.arange(kept[0], study.compute_nonembedding.size))
    # Refitted by hand on the kept points.
    c, n = study.compute_nonembedding[kept], study.optimal_nonembedding[kept]
    assert part.exponent_nonembedding == pytest.approx(np.polyfit(np.log(c), np.log(n), 1)[0])


@pytest.mark.parametrize("params", LAWS)
def test_restricted_exponent_matches_the_continuum_over_the_same_budgets(params):
    # Independent of the grid of 20 models: exact optima (golden-section search) at the kept
    # budgets, then a straight line, agree with the grid study to 0.01.
    study = simulate_kaplan_study(params)
    part = restrict_to_model_range(study, (44e6, np.inf))
    c = study.compute_nonembedding[part.in_range_nonembedding]
    continuum = fitted_exponent(c, params, study.omega)
    assert part.exponent_nonembedding == pytest.approx(continuum, abs=0.01)
    # In total terms the restricted study still reads the law's own exponent.
    assert part.exponent_total == pytest.approx(params.a, abs=0.01)


def test_untied_embeddings_raise_the_kaplan_exponent():
    tied = simulate_kaplan_study(BESIROGLU_2024)
    untied = simulate_kaplan_study(BESIROGLU_2024, tied=False)
    assert untied.omega == pytest.approx(2 * tied.omega)
    assert untied.local_exponent_nonembedding > tied.local_exponent_nonembedding


# --- bad input ---------------------------------------------------------------------------------


def test_bad_input_names_the_argument(table_a9):
    n_t, d = table_a9
    with pytest.raises(ValueError, match="n_total"):
        fit_embedding_relation(n_t / 1e6, d, 32000)  # millions, not parameters
    with pytest.raises(ValueError, match="shapes"):
        fit_embedding_relation(n_t, d[:-1], 32000)
    with pytest.raises(ValueError, match="vocab_size"):
        fit_embedding_relation(n_t, d, 0)
    with pytest.raises(ValueError, match="n_total"):
        fit_embedding_relation(n_t[:2], d[:2], 32000)
    with pytest.raises(ValueError, match="exponent"):
        fit_embedding_relation(n_t, d, 32000, exponent=0.0)
    with pytest.raises(ValueError, match="n_nonembedding"):
        local_exponent([1e6, -1.0], BESIROGLU_2024)
    with pytest.raises(ValueError, match="n_nonembedding"):
        local_exponent([1e6, np.nan], BESIROGLU_2024)
    with pytest.raises(ValueError, match="omega"):
        local_exponent(1e6, BESIROGLU_2024, omega=0.0)
    with pytest.raises(ValueError, match="params"):
        local_exponent(1e6, {"alpha": 0.3})
    with pytest.raises(ValueError, match="omega"):
        frontier_compute(1e6, BESIROGLU_2024, omega=np.inf)
    with pytest.raises(ValueError, match="compute"):
        optimal_nonembedding([1e20, 0.0], BESIROGLU_2024)
    with pytest.raises(ValueError, match="aspect_ratio"):
        simulate_kaplan_study(BESIROGLU_2024, aspect_ratio=-1)
    with pytest.raises(ValueError, match="log10_tokens"):
        simulate_kaplan_study(BESIROGLU_2024, log10_tokens=(25, 6))
    with pytest.raises(ValueError, match="out of reach"):
        simulate_kaplan_study(BESIROGLU_2024, log10_compute_total=(40, 41))
    with pytest.raises(ValueError, match="n_models"):
        simulate_kaplan_study(BESIROGLU_2024, n_models=1)
    with pytest.raises(ValueError, match="n_ctx"):
        embedding_coefficient(32000, 39.2, n_ctx=-1)
    study = simulate_kaplan_study(BESIROGLU_2024)
    with pytest.raises(ValueError, match="n_total_range"):
        restrict_to_model_range(study, (1e9, 1e8))
    with pytest.raises(ValueError, match="n_total_range"):
        restrict_to_model_range(study, (0.0, 1e8))
    with pytest.raises(ValueError, match="n_total_range"):
        restrict_to_model_range(study, 44e6)
    with pytest.raises(ValueError, match="fewer than two"):
        restrict_to_model_range(study, (1e10, np.inf))  # above the largest model
    with pytest.raises(ValueError, match="study"):
        restrict_to_model_range({"exponent_total": 0.5}, (1.0, np.inf))


def test_frontier_that_falls_is_refused():
    # With small α and β the d log(share)/d log N term of 1/g wins near N^(2/3) ~ ω: the
    # stationary point would need less compute for a bigger model, so there is no frontier.
    odd = ChinchillaParams(E=1.0, A=400.0, B=400.0, alpha=0.05, beta=0.05)
    with pytest.raises(ValueError, match="1/g"):
        local_exponent(np.logspace(2, 8, 50), odd)
