"""Tests of nsl_utils.data_constrained (Muennighoff et al. 2023) and nsl_utils.lm.repeat."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from nsl_utils import data_constrained as dc
from nsl_utils import published
from nsl_utils.laws import chinchilla_loss, compute_optimal
from nsl_utils.lm import repeat
from nsl_utils.lm.sweep import N_CTX, budget_batch

LAW = dc.MUENNIGHOFF_2023
C4 = dc.MUENNIGHOFF_2023_C4


# --- the published numbers --------------------------------------------------------------------

def test_constants_round_to_the_printed_law():
    printed = published.MUENNIGHOFF_C4_PRINTED
    assert round(C4.A) == printed["A"] and round(C4.B) == printed["B"]
    assert round(C4.E, 2) == printed["E"] and round(C4.alpha, 3) == printed["alpha"] == round(C4.beta, 3)
    assert round(LAW.r_d_star, 1) == published.MUENNIGHOFF_R_D_STAR
    assert round(LAW.r_n_star, 1) == published.MUENNIGHOFF_R_N_STAR
    # U_N = 0.051 U_D (their Eq. 17)
    assert dc.unique_params(1e9) / 1e9 == pytest.approx(published.MUENNIGHOFF_UN_PER_UD, abs=5e-4)


def test_readme_losses_reproduced_to_machine_precision():
    expected = published.MUENNIGHOFF_README_LOSSES
    fig1 = published.MUENNIGHOFF_FIG1
    (n_dc, d_dc), (n_ch, d_ch) = fig1["data_constrained"], fig1["chinchilla"]
    u = published.MUENNIGHOFF_FIG1["unique_tokens"]
    assert float(dc.data_constrained_loss(n_dc, d_dc, u)) == pytest.approx(expected["data_constrained"], rel=1e-12)
    assert float(dc.data_constrained_loss(n_ch, d_ch, u)) == pytest.approx(expected["chinchilla"], rel=1e-12)


def test_gopher_allocation_of_the_c4_fit():
    n, d = compute_optimal(published.GOPHER_FLOPS, C4)
    assert float(n) == pytest.approx(published.MUENNIGHOFF_GOPHER_ALLOCATION["N"], rel=0.005)
    assert float(d) == pytest.approx(published.MUENNIGHOFF_GOPHER_ALLOCATION["D"], rel=0.005)


def test_optimal_allocation_matches_the_readme_grid_search():
    n, d = published.MUENNIGHOFF_FIG1["chinchilla"]
    best = dc.optimal_allocation(6 * n * d, published.MUENNIGHOFF_FIG1["unique_tokens"])
    ref = published.MUENNIGHOFF_README_ALLOCATION
    assert best.params == pytest.approx(ref["params"], rel=0.01)
    assert best.tokens == pytest.approx(ref["tokens"], rel=0.01)
    assert best.epochs == pytest.approx(ref["epochs"], abs=0.05)
    assert 6 * best.params * best.tokens == pytest.approx(6 * n * d)
    # the optimum is no worse than the README's two models
    assert best.loss <= published.MUENNIGHOFF_README_LOSSES["data_constrained"]


def test_appendix_a_worked_example():
    # U = 1, four repeats, R*_D = 3: D' = 1 + 3 (1 - e^(-4/3)) = 3.21 (App. A)
    assert float(dc.effective_data(1.0, 5.0, 3.0)) == pytest.approx(3.21, abs=0.005)
    # 100 repeats: "3.99", and "the effective data will never exceed 4" (the printed value is truncated)
    assert 3.99 <= float(dc.effective_data(1.0, 101.0, 3.0)) < 4.0


# --- properties of the law ----------------------------------------------------------------------

def test_one_epoch_or_less_is_fresh():
    d = np.array([1e6, 5e8, 1e9])
    assert np.allclose(dc.effective_data(1e9, d), d)
    assert np.allclose(dc.effective_epochs([0.25, 1.0]), [0.25, 1.0])
    assert np.allclose(dc.repeated_token_value([0.5, 1.0]), 1.0)


def test_effective_data_saturates_and_decays():
    e = np.array([1, 2, 4, 8, 16, 32, 1e4])
    eff = dc.effective_epochs(e)
    assert np.all(np.diff(eff) > 0) and np.all(eff <= e + 1e-12)
    assert eff[-1] == pytest.approx(1 + LAW.r_d_star, rel=1e-9)
    # at R_D = R*_D a repeated token is worth 1/e of a fresh one
    assert float(dc.repeated_token_value(1 + LAW.r_d_star)) == pytest.approx(math.exp(-1))
    # no decay: repeated tokens are fresh ones
    assert np.allclose(dc.effective_data(1e9, e * 1e9, math.inf), e * 1e9)


def test_effective_params_only_decays_excess_parameters():
    u = 1e9
    u_n = float(dc.unique_params(u))
    assert float(dc.effective_params(0.5 * u_n, 4e9, u)) == pytest.approx(0.5 * u_n)
    big = float(dc.effective_params(100 * u_n, 4e9, u))
    assert u_n < big < u_n * (1 + LAW.r_n_star)
    no_decay = dc.DataConstrainedParams(C4, r_d_star=math.inf, r_n_star=math.inf)
    assert float(dc.effective_params(100 * u_n, 4e9, u, no_decay)) == pytest.approx(100 * u_n)


def test_reduces_to_the_chinchilla_law_with_fresh_data():
    n, d = 1e8, 2e9  # N below the unique data's optimum (0.051 x 2e9 = 1e8)
    assert float(dc.data_constrained_loss(n * 0.99, d, d)) == pytest.approx(float(chinchilla_loss(n * 0.99, d, C4)))
    no_decay = dc.DataConstrainedParams(C4, r_d_star=math.inf, r_n_star=math.inf)
    assert float(dc.data_constrained_loss(1e10, 1e11, 1e9, no_decay)) == pytest.approx(
        float(chinchilla_loss(1e10, 1e11, C4)))


def test_broadcasting():
    out = dc.data_constrained_loss(np.array([[1e8], [1e9]]), np.array([1e10, 4e10, 1.6e11]), 1e10)
    assert out.shape == (2, 3) and np.all(np.diff(out, axis=1) < 0)


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, name", [
    (lambda: dc.effective_data(1e9, -5.0), "tokens"),
    (lambda: dc.effective_data(-1e9, 5e9), "unique_tokens"),
    (lambda: dc.effective_data(0.0, 5e9), "unique_tokens"),
    (lambda: dc.effective_epochs(-1.0), "epochs"),
    (lambda: dc.effective_epochs([4.0, 0.0]), "epochs"),
    (lambda: dc.repeated_token_value(-2), "epochs"),
    (lambda: dc.effective_params(-1e9, 1e10, 1e9), "params"),
    (lambda: dc.data_constrained_loss(1e9, [-1e10], 1e9), "tokens"),
    (lambda: dc.data_constrained_loss(1e9, 1e10, -1e9), "unique_tokens"),
    (lambda: dc.optimal_allocation(-1e21, 1e9), "compute"),
    (lambda: dc.optimal_allocation(1e21, -1e9), "unique_tokens"),
    (lambda: dc.apparent_r_d_star(-1.0, [1, 2, 4]), "tokens_per_param"),
])
def test_negative_counts_name_the_argument_and_the_fix(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must be positive .*: pass "):
        call()


@pytest.mark.parametrize("bad", [0.0, -3.0, float("nan"), "many"])
def test_bad_decay_constant(bad):
    with pytest.raises(ValueError, match="r_d_star must be"):
        dc.effective_data(1e9, 4e9, bad)
    with pytest.raises(ValueError, match="r_n_star must be"):
        dc.DataConstrainedParams(C4, r_d_star=15.0, r_n_star=bad)


def test_nan_and_shape_errors():
    with pytest.raises(ValueError, match="tokens contains NaN"):
        dc.effective_data(1e9, [np.nan])
    with pytest.raises(ValueError, match="do not broadcast"):
        dc.effective_data(np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="matching shapes"):
        dc.fit_fresh_data([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least 3 distinct"):
        dc.fit_fresh_data([1e6, 1e6, 2e6], [3.0, 3.0, 2.9])


# --- fitting R*_D ----------------------------------------------------------------------------------

def _synthetic(r_star, u=1e5, e=(1, 2, 4, 8, 16, 32)):
    d = np.array(e, float) * u
    fresh = 2.0 + 300.0 * d**-0.4
    rep = 2.0 + 300.0 * dc.effective_data(u, d, r_star) ** -0.4
    return u, d, fresh, rep


def test_fit_fresh_data_recovers_a_power_law():
    d = np.geomspace(1e5, 3e6, 6)
    fit = dc.fit_fresh_data(d, 2.0 + 300.0 * d**-0.4)
    assert (fit.E, fit.B, fit.beta) == pytest.approx((2.0, 300.0, 0.4), rel=1e-4)
    assert np.allclose(fit.predict(d), 2.0 + 300.0 * d**-0.4)
    with pytest.raises(ValueError, match="do not fall"):
        dc.fit_fresh_data(d, 2.0 + 1e-3 * np.log(d))


@pytest.mark.parametrize("r_star", [2.0, 6.0, 15.4])
def test_fit_r_d_star_recovers_the_decay(r_star):
    u, d, fresh, rep = _synthetic(r_star)
    fit = dc.fit_r_d_star(np.r_[np.full(6, u), d], np.r_[d, d], np.r_[rep, fresh])
    assert fit.r_d_star == pytest.approx(r_star, rel=1e-3) and not fit.at_bound and fit.n_runs == 12
    assert (fit.E, fit.B, fit.beta) == pytest.approx((2.0, 300.0, 0.4), rel=1e-3)
    assert np.allclose(fit.predict(u, d), rep, atol=1e-6) and fit.rmse < 1e-6


def test_fit_r_d_star_flags_no_decay():
    u, d, fresh, _ = _synthetic(1.0)
    fit = dc.fit_r_d_star(np.r_[np.full(6, u), d], np.r_[d, d], np.r_[fresh, fresh])  # repeats as good as fresh
    assert fit.at_bound == "upper"
    with pytest.raises(ValueError, match="at least 4 runs"):
        dc.fit_r_d_star(u, d[:3], fresh[:3])
    with pytest.raises(ValueError, match="tokens must be positive"):
        dc.fit_r_d_star(u, -d, fresh)


def test_apparent_r_d_star_absorbs_the_parameter_decay():
    e = [1, 2, 4, 8, 16, 32]
    # U at least the data a model needs at one epoch (U_N >= N): the law's own R*_D comes back
    enough = dc.apparent_r_d_star(1 / published.MUENNIGHOFF_UN_PER_UD * 1.05, e)
    assert enough.r_d_star == pytest.approx(LAW.r_d_star, rel=1e-4)
    # a model far larger than its unique data: excess parameters decay too, and a data-only fit
    # puts that on R*_D
    small = dc.apparent_r_d_star(1.4, e)
    assert 1.0 < small.r_d_star < 0.5 * LAW.r_d_star
    # with alpha = beta the answer does not depend on the scale
    assert dc.apparent_r_d_star(1.4, e, params=1e7).r_d_star == pytest.approx(small.r_d_star, rel=1e-4)


# --- the repeated-data experiment (nsl_utils.lm.repeat) --------------------------------------------

def test_unique_subset_spreads_whole_chunks():
    tokens = np.arange(10_000, dtype=np.int32)
    sub = repeat.unique_subset(tokens, 1000, chunk=100)
    assert sub.dtype == np.int32 and len(sub) == 1000
    starts = sub[::100]
    assert list(starts) == [i * 100 // 10 * 100 for i in range(10)]  # chunks 0, 10, 20, ...
    assert np.all(np.diff(sub.reshape(10, 100), axis=1) == 1)  # each chunk contiguous
    with pytest.raises(ValueError, match="whole number of chunks"):
        repeat.unique_subset(tokens, 1050, chunk=100)
    with pytest.raises(ValueError, match="more than the split"):
        repeat.unique_subset(tokens, 20_000, chunk=100)
    with pytest.raises(ValueError, match="unique_tokens must be a positive integer"):
        repeat.unique_subset(tokens, -100, chunk=100)


def test_preset_pairs_share_everything_but_the_data():
    runs = repeat.repeat_runs("repeat")
    assert len(runs) == 24 and len({r.run_id for r in runs}) == 24
    for rep, fresh in zip(runs[0::2], runs[1::2]):
        assert (rep.data, fresh.data) == ("repeated", "fresh")
        assert (rep.tokens, rep.batch_size, rep.lr, rep.seed) == (fresh.tokens, fresh.batch_size, fresh.lr, fresh.seed)
        total = rep.config.params().total
        assert rep.batch_size == budget_batch(6.0 * total * rep.epochs * rep.unique_tokens)
        assert rep.epochs * rep.unique_tokens - rep.tokens < rep.batch_size * N_CTX
    assert sorted({r.epochs for r in runs}) == list(repeat.REPEAT_EPOCHS)
    # the longest fresh run reads less than one expected pass of the book corpus's training split
    from nsl_utils.lm.sweep import BOOK_TRAIN_TOKENS
    assert max(r.tokens for r in runs) < BOOK_TRAIN_TOKENS
    with pytest.raises(ValueError, match="unknown preset"):
        repeat.repeat_runs("nope")
    with pytest.raises(ValueError, match="data must be"):
        repeat.RepeatRun(1, 8, 1, 4096, 2, "stale")
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        repeat.RepeatRun(1, 8, 1, 4096, -2, "fresh")


@pytest.fixture
def tiny_repeat(monkeypatch):
    """A four-run preset on random tokens (no corpus to load) that trains in about a second."""
    from nsl_utils.lm import data

    rng_tokens = np.random.default_rng(0).integers(0, 64, size=8192).astype(np.int32)
    monkeypatch.setattr(data, "load_tokens", lambda split, corpus="pilot": rng_tokens)
    runs = [repeat.RepeatRun(1, 8, 2, 512, e, kind, 0, corpus="pilot", chunk=128, eval_sequences=32)
            for e in (1, 2) for kind in ("repeated", "fresh")]
    monkeypatch.setitem(repeat.REPEAT_PRESETS, "tiny", runs)
    torch.set_num_threads(1)
    return runs


def test_run_repeat_writes_resumes_and_pairs(tiny_repeat, tmp_path):
    out = tmp_path / "rep.csv"
    assert repeat.main(["--preset", "tiny", "--out", str(out), "--shard", "1/2", "--no-progress"]) == 0
    first = repeat.read_repeat(out)
    assert list(first["run_id"]) == [tiny_repeat[0].run_id, tiny_repeat[2].run_id]
    # an existing CSV needs --resume
    assert repeat.main(["--preset", "tiny", "--out", str(out), "--no-progress"]) == 2
    df = repeat.run_repeat("tiny", out, resume=True, progress=False)
    assert len(df) == 4 and set(df["data"]) == {"repeated", "fresh"}
    rep = df[df["data"] == "repeated"]
    assert (rep["pool_tokens"] == 512).all() and (df[df["data"] == "fresh"]["pool_tokens"] == 8192).all()
    assert np.allclose(rep["epochs"], rep["tokens"] / 512)
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
    assert meta["sessions"][0]["command"].startswith("python -m nsl_utils.lm.repeat --preset tiny")
    assert meta["sessions"][1]["command"] is None and "torch" in meta["sessions"][1]["versions"]
    pairs = repeat.paired(df)
    assert len(pairs) == 2 and np.allclose(pairs["gap"], pairs["loss_repeated"] - pairs["loss_fresh"])


def test_read_repeat_refuses_damaged_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="does not have the repeat columns"):
        repeat.read_repeat(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="not a readable repeat CSV"):
        repeat.read_repeat(empty)
    with pytest.raises(ValueError, match="no repeated run has a fresh partner"):
        repeat.paired(pd.DataFrame(columns=repeat.REPEAT_COLUMNS))


def test_distinct_fraction_and_repetition_shift():
    assert float(repeat.distinct_fraction(1.0)) == pytest.approx(1 - math.exp(-1))
    assert float(repeat.distinct_fraction(0.0)) == 0.0
    with pytest.raises(ValueError, match="epochs must be finite and >= 0"):
        repeat.distinct_fraction(-1.0)
    d = np.array([5e5, 1e6, 4e6])
    shift = repeat.repetition_shift(d, 1e6, 3.0, B=100.0, beta=0.3)
    assert shift[0] == 0 and shift[1] == 0 and shift[2] > 0  # at most one expected pass: no penalty
    assert np.all(repeat.repetition_shift(d, 1e6, 3.0, B=100.0, beta=0.3, coverage=True) > 0)
    assert np.allclose(repeat.repetition_shift(d, 1e6, math.inf, B=100.0, beta=0.3), 0)


def test_committed_csv_holds_the_whole_preset():
    df = repeat.load_repeat()  # sha256-checked
    assert set(df["run_id"]) == {r.run_id for r in repeat.repeat_runs("repeat")}
    pairs = repeat.paired(df)
    assert len(pairs) == 12 and (pairs["gap"] > 0).all()
    for coverage in (False, True):
        fit = repeat.fit_repeat(df, coverage=coverage)
        assert not fit.at_bound and 1.0 < fit.r_d_star < dc.MUENNIGHOFF_2023.r_d_star
    with pytest.raises(ValueError, match="one model"):
        repeat.fit_repeat(pd.concat([df, df.assign(d_model=16)]))
