"""Tests of nsl_utils.teacher_student: one tiny training run, the resumable sweep, the CLI."""

import csv
import json

import pytest

torch = pytest.importorskip("torch")
from nsl_utils import teacher_student as TS  # noqa: E402


def test_train_student_fits_and_reports():
    row = TS.train_student(2, 32, seed=0, width=8, iters=30, n_test=64)
    assert set(TS.COLUMNS) <= set(row)
    assert 0 <= row["train_loss"] < row["test_loss"] < 5.0


def test_train_student_bad_input():
    with pytest.raises(ValueError, match="D"):
        TS.train_student(2, 0)


def test_sweep_resumes_and_writes_sidecar(tmp_path):
    out = tmp_path / "ts.csv"
    TS.main(["--out", str(out), "--dims", "2", "--sizes", "16", "--seeds", "0",
             "--width", "4", "--iters", "5"])
    TS.main(["--out", str(out), "--dims", "2", "--sizes", "16", "32", "--seeds", "0",
             "--width", "4", "--iters", "5", "--resume"])
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["D"]) for r in rows] == [16, 32]  # the first row was kept, not rerun
    first, second = json.loads(out.with_suffix(".json").read_text())["sessions"]
    assert first["runs_this_invocation"] == 1 and "--resume" not in first["command"]
    assert second["runs_this_invocation"] == 1 and "--resume" in second["command"]
    assert second["environment"]["torch"] == torch.__version__


def test_resume_refuses_other_settings(tmp_path):
    out = tmp_path / "ts.csv"
    args = ["--out", str(out), "--dims", "2", "--sizes", "16", "--seeds", "0", "1", "--width", "4",
            "--iters", "5"]
    TS.main(args)
    TS.main(args + ["--resume"])  # same settings, several seeds: accepted
    with pytest.raises(ValueError, match="frequency"):
        TS.main(args + ["--resume", "--frequency", "1.0"])
    with pytest.raises(ValueError, match="width"):  # defaults count as settings too
        TS.run_sweep(out, [2], [16], [0], resume=True, iters=5)


def test_parallel_sweep_matches_serial(tmp_path):
    grid = dict(dims=[2], sizes=[16, 24], seeds=[0, 1], resume=False, width=4, iters=5, n_test=64)
    TS.run_sweep(tmp_path / "serial.csv", **grid)
    TS.run_sweep(tmp_path / "parallel.csv", jobs=2, **grid)
    assert (tmp_path / "serial.csv").read_text() == (tmp_path / "parallel.csv").read_text()
    with pytest.raises(ValueError, match="jobs"):
        TS.run_sweep(tmp_path / "bad.csv", jobs=0, **grid)


def test_data_slopes_recovers_a_power_law():
    import pandas as pd

    D = [128, 256, 512, 1024]
    runs = pd.DataFrame([{"d": d, "D": n, "seed": s, "train_loss": 0.0, "test_loss": (1 + s) * n ** (-4 / d)}
                         for d in (4, 8) for n in D for s in (0, 1)])
    mean, slopes = TS.data_slopes(runs)
    assert len(mean) == 8 and abs(slopes.loc[4, "slope"] + 1.0) < 1e-9
    assert abs(slopes.loc[8, "seed_min"] + 0.5) < 1e-9 and abs(slopes.loc[8, "seed_max"] + 0.5) < 1e-9
    assert slopes.loc[8, "ci_low"] <= slopes.loc[8, "slope"] <= slopes.loc[8, "ci_high"]
    with pytest.raises(ValueError, match="at least 3"):
        TS.data_slopes(runs[runs.D <= 256])
    with pytest.raises(ValueError, match="missing columns"):
        TS.data_slopes(runs.drop(columns="test_loss"))
