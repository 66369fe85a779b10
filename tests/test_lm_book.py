"""The book sweep: its corpus preparation, its presets, its learning-rate rule and its analysis."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nsl_utils.laws import ChinchillaParams
from nsl_utils.lm import analysis, corpus
from nsl_utils.lm import sweep as sweep_mod
from nsl_utils.lm.sweep import BOOK_BUDGETS, budget_batch, book_lr, book_window, preset_runs
from nsl_utils.reconcile import local_exponent_limits

REST = """\
.. _tut-if:

:keyword:`!if` Statements
=========================

Perhaps the most well-known statement type is the :keyword:`if` statement.  For
example::

   >>> x = int(input("Please enter an integer: "))
   >>> if x < 0:
   ...     x = 0

There can be zero or more :keyword:`elif` parts, and the :keyword:`else` part is
optional; see :ref:`the tutorial <tut-match>` and ``case`` statements.

.. function:: abs(x)

   Return the absolute value of a number, which may be an integer or a float.

.. code-block:: python

   print("this is code and must go")

.. index:: statement: for

+------+------+
| a    | b    |
+------+------+
"""

KJV = """
Genesis 1

  1 In the beginning God created the heaven and the earth.
  2 And the earth was without form, and void.

Genesis 2

  1 Thus the heavens and the earth were finished.

Exodus 1

  1 Now these are the names of the children of Israel.
"""


def test_rest_prose_keeps_prose_and_drops_code_tables_and_markup():
    text = corpus.rest_prose(REST)
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "Perhaps the most well-known statement type is the if statement. For example:"
    assert paragraphs[1] == ("There can be zero or more elif parts, and the else part is optional; "
                             "see the tutorial and case statements.")
    assert paragraphs[2].startswith("Return the absolute value")
    for gone in (">>>", "print(", "int(input", "tut-if", "index", "+---", "| a", ":keyword:", "``", "==="):
        assert gone not in text
    assert corpus.rest_prose("") == ""


def test_kjv_books_split_chapters_and_strip_verse_numbers():
    books = corpus.kjv_books(KJV)
    assert [name for name, _ in books] == ["Genesis", "Exodus"]
    genesis = books[0][1]
    assert genesis.startswith("In the beginning God created") and "1 " not in genesis[:3]
    assert genesis.count("\n\n") == 1  # two chapters
    with pytest.raises(ValueError, match="unexpected line"):
        corpus.kjv_books("Genesis 1\nnot a verse\n")
    with pytest.raises(ValueError, match="bible -l0"):
        corpus.kjv_books("")


def test_assign_splits_holds_out_every_tenth_work_of_each_source():
    works = [{"work": f"{s}-{i:02d}", "source": s, "text": "x"} for s in ("a", "b") for i in range(20)]
    split = corpus.assign_splits(works[::-1])
    held = [w["work"] for w in split if w["split"] == "validation"]
    assert held == ["a-05", "a-15", "b-05", "b-15"]
    assert corpus.assign_splits(works) == split  # order of the input does not matter
    with pytest.raises(ValueError, match="unique"):
        corpus.assign_splits(works + works[:1])


def test_clean_is_idempotent():
    text = "a  \r\nb\n\n\n\nc"
    assert corpus.clean(text) == "a\nb\n\nc\n" == corpus.clean(corpus.clean(text))


def test_book_corpus_size_matches_the_preset():
    from nsl_utils.lm.data import CORPORA, load_tokens

    train = load_tokens("train", "book")
    assert len(train) == sweep_mod.BOOK_TRAIN_TOKENS
    assert int(train.max()) < CORPORA["book"].vocab_size
    with pytest.raises(ValueError, match="unknown corpus"):
        load_tokens("train", "wikipedia")


def test_book_preset_meets_the_design():
    runs = preset_runs("book")
    assert len({r.run_id for r in runs}) == len(runs)
    budgets = sorted({r.budget for r in runs})
    assert len(budgets) >= 6 and budgets[-1] / budgets[0] >= 100 - 1e-6  # two decades of C_T
    for c in budgets:
        at_c = [r for r in runs if r.budget == c]
        shapes = {(r.n_layer, r.d_model) for r in at_c}
        assert len(shapes) >= 8
        assert {r.seed for r in at_c} == {0, 1, 2}
        assert all(r.batch_size == budget_batch(c) for r in at_c)
    for r in runs:
        assert r.corpus == "book" and r.grad_clip == 1.0 and r.config.n_ctx == 16 and r.config.vocab_size == 2048
        assert r.lr == book_lr(r.d_model)
        assert r.tokens <= sweep_mod.BOOK_MAX_EPOCHS * sweep_mod.BOOK_TRAIN_TOKENS  # at most 2 epochs
        assert r.tokens // (r.batch_size * 16) >= 500  # enough steps for every size
    # seed-major order: all of seed 0 first, so a sweep cut short holds whole profiles
    seeds = [r.seed for r in runs]
    assert seeds == sorted(seeds)
    # the batch grows with the budget
    assert [budget_batch(c) for c in BOOK_BUDGETS] == sorted(budget_batch(c) for c in BOOK_BUDGETS)
    assert budget_batch(BOOK_BUDGETS[-1]) > budget_batch(BOOK_BUDGETS[0])


def test_book_window_and_batch_refuse_bad_budgets():
    assert len(book_window(1e12)) == 8
    with pytest.raises(ValueError, match="budget"):
        budget_batch(-1.0)
    with pytest.raises(ValueError, match="budget"):
        budget_batch(float("nan"))
    with pytest.raises(ValueError, match="d_model"):
        book_lr(0)


def test_learning_rate_rule_is_the_committed_pilots_fit():
    pilot = analysis.load_sweep(variant="lr-bracket")
    best = analysis.best_learning_rates(pilot)  # raises if any width's best rate is at a grid edge
    rule = analysis.lr_rule(best)
    assert rule.k == pytest.approx(sweep_mod.LR_RULE[0], rel=1e-3)
    assert -rule.p == pytest.approx(sweep_mod.LR_RULE[1], rel=1e-3)
    # every piloted width's chosen rate has a tried rate on each side
    for _, row in best.iterrows():
        tried = sorted(pilot.loc[(pilot.d_model == row.d_model) & (pilot.budget == row.budget), "lr"])
        assert tried[0] < row.lr_best < tried[-1]


def test_best_learning_rates_refuses_an_unbracketed_grid():
    df = pd.DataFrame({"n_layer": 1, "d_model": 16, "budget": 1e11, "lr": [1e-3, 2e-3, 4e-3],
                       "loss": [5.0, 4.9, 4.8]})
    with pytest.raises(ValueError, match="largest rate tried.*extend the grid"):
        analysis.best_learning_rates(df)
    with pytest.raises(ValueError, match="at least 3"):
        analysis.best_learning_rates(df.head(2))
    bracketed = df.assign(loss=[5.0, 4.8, 4.9])
    lr_opt = analysis.best_learning_rates(bracketed)["lr_opt"].iloc[0]
    assert 1e-3 < lr_opt < 4e-3


def _synthetic_book(a_noise: float = 0.0, law_counting: str = "total") -> pd.DataFrame:
    """The book preset's runs with losses from a Chinchilla-form law and seed noise."""
    rng = np.random.default_rng(0)
    rows = []
    for r in preset_runs("book"):
        c = r.config.params()
        n = c.total if law_counting == "total" else c.non_embedding
        law = lambda d: 1.5 + 60 / n**0.34 + 120 / d**0.34  # noqa: E731
        curve_tokens = np.unique(np.geomspace(r.batch_size * 16, r.tokens, 24).astype(int))
        rows.append({
            "run_id": r.run_id, "budget": r.budget, "n_layer": r.n_layer, "d_model": r.d_model,
            "seed": r.seed, "n_params_total": c.total, "n_params_nonembedding": c.non_embedding,
            "vocab_size": r.vocab_size, "n_ctx": r.config.n_ctx,
            "tokens": r.tokens, "loss": law(r.tokens) + a_noise * rng.normal(),
            "curve_tokens": " ".join(map(str, curve_tokens)),
            "curve_loss": " ".join(f"{law(t) + 0.05 * (1 - t / r.tokens):.5f}" for t in curve_tokens),
        })
    return pd.DataFrame(rows)


def test_book_analysis_recovers_a_known_law():
    df = _synthetic_book(a_noise=0.002)
    means = analysis.seed_means(df)
    assert len(means) == len(df) // 3 and set(means["n_seeds"]) == {3} and (means["loss_sd"] > 0).all()
    tot = analysis.approach2(df, "total")
    non = analysis.approach2(df, "nonembedding")
    assert tot.a == pytest.approx(0.5, abs=0.06)  # alpha = beta: N* ∝ C^(1/2) in the law's counting
    assert non.a > tot.a  # the same law read in N_nonemb is steeper (Pearce & Song 2024)
    slopes = analysis.local_slopes(tot)
    assert len(slopes) == tot.budgets.size - 1 and np.all(slopes["C_lo"] < slopes["C_hi"])
    share = analysis.embedding_share(df, tot.n_opt)
    assert np.all(np.diff(share) < 0) and share[0] > 0.8
    boot = analysis.bootstrap_book(df, n_boot=6, seed=0)
    counts = boot.groupby("estimate").size()
    for name in analysis.BOOTSTRAP_ESTIMATES:
        assert counts.get(name, 0) + boot.attrs["n_failed"][name] == 6
    wide = boot.pivot(index="replicate", columns="estimate", values="a")
    assert (wide["recount"] > wide["total"] + 0.1).all()
    assert (wide["frontier_nonembedding"] > wide["frontier_total"]).all()
    sens = analysis.grid_sensitivity(df, densities=(3, 5))
    assert list(sens["per_decade"]) == [3, 5] and (sens["a"] > tot.a).all()


def test_predicted_nonembedding_exponent_is_pearce_and_songs_local_slope():
    df = _synthetic_book()
    law = ChinchillaParams(E=1.5, A=60.0, B=120.0, alpha=0.34, beta=0.34)
    a, omega = analysis.predicted_nonembedding_exponent(df, law, (2e3, 2e5))
    # tied embedding and positions: about (V + n_ctx) d_model, V = 2048, d_model ~ N_nonemb^(1/3)
    assert 1e3 < omega < 1e4
    lo, hi = local_exponent_limits(law)
    assert 0.5 < a < 1.0 and a > hi  # inside the transition, above Chinchilla's own exponent
    with pytest.raises(ValueError, match="n_range"):
        analysis.predicted_nonembedding_exponent(df, law, (2e5, 2e3))
    with pytest.raises(ValueError, match="vocabularies"):
        analysis.predicted_nonembedding_exponent(df.assign(vocab_size=[2048, 4096] * (len(df) // 2)),
                                                 law, (2e3, 2e5))


def test_approach3_prefers_the_counting_the_losses_follow():
    df = _synthetic_book(law_counting="nonembedding").query("seed == 0")
    in_total, in_nonemb = analysis.approach3(df, "total"), analysis.approach3(df, "nonembedding")
    assert in_nonemb.objective < in_total.objective


def test_a_sweep_without_a_bracketed_budget_is_a_clear_error():
    df = _synthetic_book()
    # keep, at every budget, only sizes below its optimum: the lowest loss is at the largest size
    tot = analysis.approach2(df, "total")
    below = df[df["n_params_total"] < np.interp(df["budget"], tot.budgets, tot.n_opt) * 0.9]
    with pytest.raises(ValueError, match="minimum not bracketed"):
        analysis.approach2(below, "total")
    with pytest.raises(ValueError, match="no runs"):
        analysis.seed_means(df.head(0))
    with pytest.raises(ValueError, match="n_boot"):
        analysis.bootstrap_book(df, n_boot=0)
    with pytest.raises(ValueError, match="per_decade"):
        analysis.isoflop_points(df, "nonembedding", per_decade=0)
    empty = analysis.grid_sensitivity(below.query("budget < 2e11"), densities=(5,))
    assert np.isnan(empty["a"].iloc[0]) and "usable budgets" in empty["note"].iloc[0]


def test_simulated_losses_follow_a_law_with_the_measured_frontier():
    df = _synthetic_book(a_noise=0.002)
    measured = analysis.approach2(df, "total")
    law = analysis.law_with_frontier(measured)
    assert law.beta / (law.alpha + law.beta) == pytest.approx(measured.a)
    sim = analysis.simulate_losses(df, law, noise_sd=0.0)
    again = analysis.approach2(sim, "total")
    assert again.a == pytest.approx(measured.a, abs=0.03)
    assert np.allclose(again.n_opt, measured.n_opt, rtol=0.15)
    assert (sim["run_id"] == df["run_id"]).all() and not np.allclose(sim["loss"], df["loss"])
    noisy = analysis.simulate_losses(df, law, noise_sd=0.02, seed=1)
    assert 0.01 < (noisy["loss"] - sim["loss"]).std() < 0.03
    with pytest.raises(ValueError, match="noise_sd"):
        analysis.simulate_losses(df, law, noise_sd=-1.0)
    with pytest.raises(ValueError, match="fit.a"):
        analysis.law_with_frontier(replace(measured, a=1.2))


def test_embedding_share_at_places_pearce_and_songs_models():
    share = analysis.embedding_share_at([0.8e6, 4.6e6], 50257, n_layer=4)
    assert np.all(np.diff(share) < 0) and share.min() > 0.85
    tiny = analysis.embedding_share_at(64_032, 2048, n_layer=2)  # the book's L2 d24 exactly
    assert tiny[0] == pytest.approx(2064 * 24 / 64_032)
    with pytest.raises(ValueError, match="n_total"):
        analysis.embedding_share_at([1000.0], 50257, n_layer=4)
