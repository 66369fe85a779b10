"""Tests of nsl_utils.kaplan: Kaplan et al.'s L(N, S_min), B_crit, S_min, C_min and their frontier."""

from __future__ import annotations

import numpy as np
import pytest

from nsl_utils import kaplan, published, reconcile
from nsl_utils.kaplan import KAPLAN_2020, KAPLAN_2020_TABLE5, KaplanLaw
from nsl_utils.laws import BESIROGLU_2024

LAWS = [KAPLAN_2020, KAPLAN_2020_TABLE5]
BUDGETS = np.logspace(*published.PEARCE_SONG_LOG10_COMPUTE_RANGE, 12)


@pytest.mark.parametrize("law", LAWS)
def test_closed_form_exponents_match_appendix_b(law):
    e = kaplan.frontier_exponents(law)
    # Eq. B.7 prints 0.052 (the main text's 0.054 does not follow from the tabulated constants).
    assert abs(e["alpha_C"] - published.KAPLAN_ALPHA_C_MIN_PREDICTED_APPENDIX) < 0.001
    assert e["N"] + e["B"] + e["S"] == pytest.approx(1.0)
    assert e["D"] == pytest.approx(1.0 - e["N"])


@pytest.mark.parametrize("law", LAWS)
def test_numerical_frontier_matches_closed_form(law):
    e = kaplan.frontier_exponents(law)
    a_n, a_l = kaplan.frontier_fit(BUDGETS, law)
    assert a_n == pytest.approx(e["N"], abs=1e-6) and a_l == pytest.approx(-e["alpha_C"], abs=1e-9)
    measured = kaplan.allocation_exponents(BUDGETS, law)
    assert all(measured[k] == pytest.approx(e[k], abs=1e-6) for k in e), measured
    n, loss = kaplan.optimal_model(BUDGETS, law)
    # Eq. B.5: the efficient loss sits alpha_N/alpha_S above the converged loss of its model.
    assert np.allclose(loss / (law.N_c / n) ** law.alpha_N, 1 + kaplan.efficient_loss_excess(law), rtol=1e-6)
    # Eq. B.6/B.8: L = (C_c / C_min)^alpha_C exactly.
    assert np.allclose(loss, (kaplan.compute_scale(law) / BUDGETS) ** law.alpha_C, rtol=1e-9)
    # The minimum is a minimum: neighbours are worse.
    for f in (0.9, 1.1):
        assert np.all(kaplan.loss_at_compute_min(n * f, BUDGETS, law) > loss)


def test_fixed_batch_is_consistent_with_c_min():
    n, c, b = 3e6, 1e17, published.KAPLAN_BATCH_TOKENS
    loss = kaplan.loss_at_fixed_batch(n, c, b)
    c_min = kaplan.compute_min(c, b, loss)
    assert kaplan.loss_at_compute_min(n, c_min) == pytest.approx(loss, rel=1e-10)
    s = c / (6 * n * b)
    assert kaplan.loss_n_s(n, kaplan.steps_min(s, b, loss)) == pytest.approx(loss, rel=1e-10)
    # C_min = 6 N B_crit S_min (their definition, Sec. 6.1).
    assert 6 * n * kaplan.critical_batch(loss) * kaplan.steps_min(s, b, loss) == pytest.approx(c_min, rel=1e-12)
    # A tiny batch wastes nothing: C_min -> C.
    assert kaplan.loss_at_fixed_batch(n, c, 1e-3) == pytest.approx(kaplan.loss_at_compute_min(n, c), rel=1e-6)
    # A fixed batch far above B_crit at high loss makes the frontier steeper in C than in C_min.
    assert kaplan.frontier_fit(BUDGETS, batch=b)[0] > kaplan.frontier_fit(BUDGETS)[0] + 0.05


def test_critical_batch_values():
    assert kaplan.critical_batch(1.0) == pytest.approx(published.KAPLAN_TABLE5["B_star"])
    # Fig. 10: B_crit "approximately doubles for every 13% decrease in loss".
    assert kaplan.critical_batch(0.87) / kaplan.critical_batch(1.0) == pytest.approx(2.0, rel=0.05)


def test_empirical_allocation_reproduces_table6():
    got = kaplan.empirical_allocation()
    t6 = published.KAPLAN_TABLE6
    for key in ("p_N", "p_B", "p_S", "p_D"):
        assert abs(got[key] - t6[key]) < 0.005, key
    assert got["B_e"] == pytest.approx(t6["B_e"], rel=0.05)
    assert got["S_e"] == pytest.approx(t6["S_e"], rel=0.05)
    assert got["D_e"] == pytest.approx(t6["D_e"], rel=0.15)  # "2e10": one significant figure


def test_appendix_b_numbers():
    law = KAPLAN_2020_TABLE5
    cmp = kaplan.convergence_comparison(kaplan.efficient_loss_excess(law), 0.02, law)
    assert cmp["N"] == pytest.approx(2.7, abs=0.05) and cmp["S"] == pytest.approx(0.13, abs=0.005)
    assert cmp["C"] == pytest.approx(0.35, abs=0.01)
    lo, hi = kaplan.size_range_for_extra_compute(published.KAPLAN_SUBOPTIMAL_SIZES["extra_compute"], law)
    assert lo == pytest.approx(published.KAPLAN_SUBOPTIMAL_SIZES["smaller"], abs=0.05)
    assert hi == pytest.approx(published.KAPLAN_SUBOPTIMAL_SIZES["larger"], abs=0.05)
    assert 1 - kaplan.suboptimal_steps(2.2, law) == pytest.approx(
        published.KAPLAN_SUBOPTIMAL_SIZES["fewer_steps_larger"], abs=0.01)
    assert kaplan.suboptimal_compute(1.0, law) == pytest.approx(1.0)


def test_fixed_schedule_study_reduces_to_pearce_song():
    base = reconcile.simulate_kaplan_study(BESIROGLU_2024, aspect_ratio=published.PEARCE_SONG_ASPECT_RATIO)
    study = kaplan.simulate_fixed_schedule(BESIROGLU_2024, 0.0)
    assert study.exponent_nonembedding == pytest.approx(base.local_exponent_nonembedding, abs=1e-12)
    assert np.array_equal(study.optimal_nonembedding, base.optimal_nonembedding)
    # A penalty moves the frontier; capped at r = 1 it is a constant factor and moves nothing.
    assert kaplan.simulate_fixed_schedule(BESIROGLU_2024, 0.02).exponent_nonembedding != pytest.approx(
        base.local_exponent_nonembedding, abs=1e-3)
    flat = kaplan.simulate_fixed_schedule(BESIROGLU_2024, 0.02, max_ratio=1.0)
    assert flat.exponent_nonembedding == pytest.approx(base.local_exponent_nonembedding, abs=1e-12)
    assert np.all(study.ratio_at_optimum >= 1)
    # A negative kappa (a long schedule read early is better) is allowed while 1 + kappa ln r > 0.
    better = kaplan.simulate_fixed_schedule(BESIROGLU_2024, -0.02, max_ratio=10.0)
    assert better.exponent_nonembedding != pytest.approx(base.local_exponent_nonembedding, abs=1e-3)


@pytest.mark.parametrize("call, match", [
    (lambda: kaplan.critical_batch(-1.0), "loss must be positive"),
    (lambda: kaplan.critical_batch([2.0, np.nan]), "loss contains NaN"),
    (lambda: kaplan.steps_min(100, 0, 3.0), "batch must be positive"),
    (lambda: kaplan.compute_min(-1e15, 2**19, 3.0), "compute must be positive"),
    (lambda: kaplan.loss_n_s(0, 100), "n must be positive"),
    (lambda: kaplan.loss_at_compute_min(1e6, 0), "c_min must be positive"),
    (lambda: kaplan.loss_at_fixed_batch(1e6, 1e15, -5), "batch must be positive"),
    (lambda: kaplan.optimal_model([1e15], batch=0), "batch must be positive"),
    (lambda: kaplan.frontier_fit([1e15]), "compute needs at least 2 points"),
    (lambda: kaplan.allocation_exponents([1e15]), "compute needs at least 2 points"),
    (lambda: kaplan.frontier_exponents("kaplan"), "law must be a KaplanLaw"),
    (lambda: KaplanLaw(0.076, 8.8e13, -0.76, 2.1e3, 0.21, 2.1e8), "alpha_S must be positive"),
    (lambda: kaplan.empirical_allocation(p_N=1.2), "p_N must be below 1"),
    (lambda: kaplan.empirical_allocation(alpha_B=0), "alpha_B must be positive"),
    (lambda: kaplan.convergence_comparison(0.1, 0), "f_prime must be positive"),
    (lambda: kaplan.suboptimal_compute(0.1), "cannot reach the efficient model's loss"),
    (lambda: kaplan.size_range_for_extra_compute(-0.2), "extra must be positive"),
    (lambda: kaplan.simulate_fixed_schedule(BESIROGLU_2024, np.nan), "kappa must be a finite number"),
    (lambda: kaplan.simulate_fixed_schedule(BESIROGLU_2024, -0.5), "makes 1 \\+ kappa ln r negative"),
    (lambda: kaplan.simulate_fixed_schedule(BESIROGLU_2024, 0.01, max_ratio=0.5), "max_ratio must be at least 1"),
    (lambda: kaplan.simulate_fixed_schedule("epoch", 0.01), "params must be a ChinchillaParams"),
    (lambda: kaplan.simulate_fixed_schedule(BESIROGLU_2024, 0.01, schedule_tokens=1e7),
     "out of reach of every model"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
