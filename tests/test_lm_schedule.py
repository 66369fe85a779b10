"""Tests of the schedule experiment (nsl_utils.lm.schedule) and of train(eval_at_tokens=...)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from nsl_utils.lm import schedule as sched
from nsl_utils.lm.model import GPTConfig
from nsl_utils.lm.schedule import (
    PRESETS, SchedulePreset, fit_log_penalty, penalties, penalty_summary, preset_jobs, read_schedule, run_schedule,
)
from nsl_utils.lm.train import TrainSpec, train

RNG_TOKENS = np.random.default_rng(0).integers(0, 64, size=4000).astype(np.int32)
TINY = SchedulePreset(1, 8, 2, "pilot", long_steps=20, batch=2, ratios=(2.0, 4.0), seeds=(0, 1),
                      warmup_steps=2, lr=3e-3)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def tiny(monkeypatch):
    """The TINY preset under the name "tiny", on random tokens (no corpus to load)."""
    from nsl_utils.lm import data

    monkeypatch.setattr(data, "load_tokens", lambda split, corpus="pilot": RNG_TOKENS)
    monkeypatch.setitem(sched.PRESETS, "tiny", TINY)
    return TINY


# --- train(eval_at_tokens=...) -------------------------------------------------------------

SPEC = TrainSpec(GPTConfig(1, 16, 2, 64, 8), tokens=40 * 4 * 8, batch_size=4, lr=3e-3, seed=3)


def test_eval_at_tokens_reads_the_run_without_changing_it():
    plain = train(SPEC, RNG_TOKENS, RNG_TOKENS, device="cpu")
    assert "eval_tokens" not in plain and "eval_loss" not in plain  # the old return value, unchanged
    read = train(SPEC, RNG_TOKENS, RNG_TOKENS, device="cpu", eval_at_tokens=[1280, 64, 32 * 5, np.int64(64)])
    assert read["loss"] == plain["loss"] and read["curve_loss"] == plain["curve_loss"]
    assert read["eval_tokens"] == [64, 160, 1280]  # sorted, repeats dropped; the horizon is 40 steps of 32
    assert read["eval_loss"][-1] == pytest.approx(plain["loss"])  # the horizon's read is the final loss
    assert read["eval_loss"][0] > read["eval_loss"][-1]


@pytest.mark.parametrize("bad", [[0], [33], [1280 + 32], [32.0], [True], [-32]])
def test_eval_at_tokens_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="eval_at_tokens must hold whole numbers of steps"):
        train(SPEC, RNG_TOKENS, RNG_TOKENS, device="cpu", eval_at_tokens=bad)


# --- presets -------------------------------------------------------------------------------

def test_presets_are_consistent():
    book = PRESETS["book"]
    jobs = preset_jobs("book")
    assert len(jobs) == len(book.seeds) * (1 + len(book.ratios))
    assert len({j.run_id for j in jobs}) == len(jobs)
    assert {j.steps for j in jobs if j.schedule == "matched"} == {book.read_steps(r) for r in book.ratios}
    # Hoffmann et al.'s Fig. A1 ratios above 1 are all there.
    from nsl_utils import published

    assert set(published.HOFFMANN_FIG_A1_CYCLE_RATIOS) - {1.0} <= set(book.ratios)
    assert book.config.params().total == 91_520
    with pytest.raises(ValueError, match="unknown preset 'nope'.*book"):
        preset_jobs("nope")


@pytest.mark.parametrize("kw, match", [
    ({"ratios": (1.0, 2.0)}, "ratios must be numbers above 1"),
    ({"ratios": ()}, "ratios must be numbers above 1"),
    ({"ratios": (2.0, 2.01)}, "must be distinct"),
    ({"ratios": (15.0,)}, "after the 2 warmup steps"),
    ({"seeds": ()}, "seeds must name at least one seed"),
    ({"min_lr_frac": 1.5}, "min_lr_frac must lie in"),
    ({"lr": -1.0}, "lr must be positive"),
    ({"batch": 0}, "batch must be a positive integer"),
])
def test_bad_presets(kw, match):
    fields = {**TINY.__dict__, **kw}
    with pytest.raises(ValueError, match=match):
        SchedulePreset(**fields)


# --- the experiment ------------------------------------------------------------------------

def test_run_resume_and_shards(tiny, tmp_path):
    full = run_schedule("tiny", tmp_path / "full.csv", progress=False)
    # Per seed: the long run read at each ratio and at its end, and one row per matched run.
    assert len(full) == 2 * (3 + 2)
    assert set(full["run_id"]) == {j.run_id for j in preset_jobs(TINY)}
    long = full[full["schedule"] == "long"]
    assert sorted(long["ratio"].unique()) == [1.0, 2.0, 4.0] and set(long["steps"]) == {5, 10, 20}
    assert (full["tokens"] == full["steps"] * 2 * 16).all()
    # The long run's end is a matched run of its own horizon: reading it at r = 1 is its final loss.
    pen = penalties(full)
    assert len(pen) == 4 and set(pen["ratio"]) == {2.0, 4.0}
    # Deterministic on CPU: a rerun and two shards give the same losses.
    parts = [run_schedule("tiny", tmp_path / f"s{k}.csv", shard=f"{k}/2", progress=False) for k in (1, 2)]
    both = pd.concat(parts).sort_values(["run_id", "steps"]).reset_index(drop=True)
    ref = full.sort_values(["run_id", "steps"]).reset_index(drop=True)
    assert both["loss"].tolist() == ref["loss"].tolist()
    # Resume: an interrupted run (its rows missing) is rerun, the others are kept.
    cut = tmp_path / "cut.csv"
    ref[ref["run_id"] != "matched-r2-S10-s1"].to_csv(cut, index=False)
    resumed = run_schedule("tiny", cut, resume=True, progress=False)
    assert sorted(resumed["loss"]) == sorted(ref["loss"])
    meta = json.loads((tmp_path / "cut.csv.meta.json").read_text())
    assert meta["sessions"][-1]["runs"] == ["matched-r2-S10-s1"] and meta["sessions"][-1]["wall_seconds"] >= 0
    assert meta["sessions"][-1]["settings"]["long_steps"] == 20


def test_refuses_to_overwrite_or_mix(tiny, tmp_path, capsys):
    out = tmp_path / "a.csv"
    run_schedule("tiny", out, progress=False)
    with pytest.raises(ValueError, match="exists; pass --resume"):
        run_schedule("tiny", out, progress=False)
    with pytest.raises(ValueError, match="other settings.*min_lr_frac"):
        run_schedule("tiny", out, resume=True, min_lr_frac=0.0, progress=False)
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="does not have the schedule columns"):
        run_schedule("tiny", bad, resume=True, progress=False)
    lines = out.read_text().splitlines()
    damaged = tmp_path / "damaged.csv"
    damaged.write_text("\n".join(lines[:3] + [lines[3].split(",", 5)[0] + ",tiny,long,x"]) + "\n")
    with pytest.raises(ValueError, match="damaged row"):
        read_schedule(damaged)
    assert sched.main(["--preset", "nope", "--out", str(tmp_path / "n.csv"), "--no-progress"]) == 2
    assert "unknown preset" in capsys.readouterr().err and not (tmp_path / "n.csv").exists()


def test_command_line_records_itself_in_the_sidecar(tiny, tmp_path):
    out = tmp_path / "cli.csv"
    assert sched.main(["--preset", "tiny", "--out", str(out), "--shard", "2/2", "--no-progress"]) == 0
    session = json.loads((tmp_path / "cli.csv.meta.json").read_text())["sessions"][0]
    assert session["command"] == f"python -m nsl_utils.lm.schedule --preset tiny --out {out} --shard 2/2 --no-progress"
    assert list(session)[:4] == ["command", "preset", "settings", "shard"] and session["shard"] == "2/2"
    assert session["hardware"]["device"] == "cpu" and session["runs"] == [j.run_id for j in preset_jobs(TINY)][1::2]
    # Called from Python, the session has no command.
    run_schedule("tiny", out, resume=True, progress=False)
    assert json.loads((tmp_path / "cli.csv.meta.json").read_text())["sessions"][1]["command"] is None


@pytest.mark.parametrize("command", ["sweep", "schedule", "repeat"])
def test_the_experiments_share_their_command_line_options(command, capsys):
    """python -m nsl_utils.lm sweep, python -m nsl_utils.lm.schedule and .repeat take the same options."""
    from nsl_utils.lm import __main__ as lm_main
    from nsl_utils.lm import repeat

    run = {"sweep": lambda: lm_main.main(["sweep", "--help"]), "schedule": lambda: sched.main(["--help"]),
           "repeat": lambda: repeat.main(["--help"])}[command]
    with pytest.raises(SystemExit) as done:
        run()
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in ("--preset PRESET", "--out OUT", "--resume", "--shard SHARD", "--device {cpu,cuda}",
                   "--threads THREADS", "--no-progress"):
        assert option in text, f"{command}: {option} missing from --help"


def test_penalties_and_log_fit():
    rows = []
    for seed in (0, 1):
        for r, lm, ll in [(2.0, 5.0, 5.1), (4.0, 6.0, 6.3)]:
            steps = int(40 / r)
            rows.append({"schedule": "long", "seed": seed, "steps": steps, "tokens": steps * 10, "ratio": r,
                         "loss": ll + 0.01 * seed})
            rows.append({"schedule": "matched", "seed": seed, "steps": steps, "tokens": steps * 10, "ratio": 1.0,
                         "loss": lm})
    df = pd.DataFrame(rows)
    pen = penalties(df)
    assert pen["penalty"].round(6).tolist() == [0.1, 0.11, 0.3, 0.31]
    summary = penalty_summary(df)
    assert summary.loc[4.0, "mean"] == pytest.approx(0.305) and summary.loc[4.0, "n"] == 2
    assert summary.loc[2.0, "std"] == pytest.approx(np.std([0.1, 0.11], ddof=1))
    r = np.array([1.5, 2, 5, 10])
    assert fit_log_penalty(r, 0.02 * np.log(r)) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="ratio must be above 1"):
        fit_log_penalty([1.0, 2.0], [0.0, 0.01])
    with pytest.raises(ValueError, match="matching shapes"):
        fit_log_penalty([2.0, 3.0], [0.01])
    with pytest.raises(ValueError, match="lacks"):
        penalties(df.drop(columns="steps"))
    with pytest.raises(ValueError, match="no long-run read with a matched run"):
        penalties(df[df["schedule"] == "long"])


def test_committed_csv_holds_the_book_preset():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "lm_schedule.csv"
    if not path.exists():
        pytest.skip("data/lm_schedule.csv not made yet: python -m nsl_utils.lm.schedule --preset book")
    df = read_schedule(path)
    assert set(df["run_id"]) == {j.run_id for j in preset_jobs("book")}
    assert len(penalties(df)) == len(PRESETS["book"].seeds) * len(PRESETS["book"].ratios)
