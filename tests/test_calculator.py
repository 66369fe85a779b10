"""The planning calculator: nsl_utils.calculator and its command line, python -m nsl_utils."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from nsl_utils import calculator
from nsl_utils.__main__ import main
from nsl_utils.counting import flops_per_token, transformer_params
from nsl_utils.laws import (
    BESIROGLU_2024,
    HOFFMANN_2022,
    HOFFMANN_2022_UNROUNDED,
    chinchilla_loss,
    compute_optimal,
    kaplan_loss,
    kaplan_n_opt,
)
from nsl_utils.published import GOPHER_FLOPS, REFERENCE_MODELS

GPT2_SMALL = ["--n-layer", "12", "--d-model", "768", "--vocab", "50257", "--n-ctx", "1024"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nsl_utils ARGS`` in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "nsl_utils", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )


# --- optimal_allocation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "law, params",
    [("epoch", BESIROGLU_2024), ("hoffmann", HOFFMANN_2022),
     ("hoffmann-unrounded", HOFFMANN_2022_UNROUNDED)],
)
def test_optimal_matches_laws_module(law, params):
    r = calculator.optimal_allocation(GOPHER_FLOPS, law)
    n, d = compute_optimal(GOPHER_FLOPS, params)
    assert r["n_opt"] == pytest.approx(float(n), rel=1e-12)
    assert r["d_opt"] == pytest.approx(float(d), rel=1e-12)
    assert 6 * r["n_opt"] * r["d_opt"] == pytest.approx(GOPHER_FLOPS, rel=1e-12)
    assert r["tokens_per_parameter"] == pytest.approx(r["d_opt"] / r["n_opt"])
    assert r["loss"] == pytest.approx(float(chinchilla_loss(n, d, params)))
    assert r["parameter_count"] == "total"
    assert r["source"] == params.source


def test_optimal_kaplan_counts_non_embedding():
    r = calculator.optimal_allocation(GOPHER_FLOPS, "kaplan")
    assert r["parameter_count"] == "non-embedding"
    assert r["n_opt"] == pytest.approx(float(kaplan_n_opt(GOPHER_FLOPS)))
    assert 6 * r["n_opt"] * r["d_opt"] == pytest.approx(GOPHER_FLOPS)
    assert r["loss"] == pytest.approx(float(kaplan_loss(r["n_opt"], r["d_opt"])))
    # Kaplan's law puts far more of a big budget into parameters than Chinchilla's does.
    assert r["tokens_per_parameter"] < calculator.optimal_allocation(GOPHER_FLOPS)["tokens_per_parameter"]


def test_epoch_law_at_gopher_budget_is_near_chinchilla():
    """Chinchilla (70B params, 1.4T tokens) used Gopher's budget; Epoch's refit agrees within 10%."""
    n_chin, d_chin = REFERENCE_MODELS["Chinchilla"]
    r = calculator.optimal_allocation(GOPHER_FLOPS, "epoch")
    assert r["n_opt"] == pytest.approx(n_chin, rel=0.10)
    assert r["tokens_per_parameter"] == pytest.approx(d_chin / n_chin, rel=0.10)


def test_optimal_grows_with_budget():
    small, big = (calculator.optimal_allocation(c) for c in (1e20, 1e24))
    assert big["n_opt"] > small["n_opt"] and big["d_opt"] > small["d_opt"]
    assert big["loss"] < small["loss"]


@pytest.mark.parametrize("bad", [0.0, -1e23, float("nan"), float("inf"), "lots"])
def test_optimal_rejects_bad_flops(bad):
    with pytest.raises(ValueError, match="flops"):
        calculator.optimal_allocation(bad)


def test_optimal_rejects_unknown_law():
    with pytest.raises(ValueError, match="law must be one of"):
        calculator.optimal_allocation(1e23, "chinchilla")


# --- model_counts -------------------------------------------------------------------------


def test_params_gpt2_small():
    r = calculator.model_counts(12, 768, 50257, 1024)
    counts = transformer_params(12, 768, 50257, 1024)
    assert r["total"] == counts.total == 124_439_808
    assert r["embedding"] == counts.embedding
    assert r["non_embedding"] == counts.non_embedding
    assert r["total"] == r["embedding"] + r["head"] + r["non_embedding"]
    assert set(r["flops_per_token"]) == {"6N", "kaplan", "chinchilla"}
    for method, value in r["flops_per_token"].items():
        assert value == flops_per_token(12, 768, 50257, 1024, method=method)
    assert r["flops_per_token"]["6N"] == 6 * r["total"]


def test_params_untied_and_tokens():
    r = calculator.model_counts(2, 64, 1000, 128, tied=False, tokens=1e9)
    assert r["head"] == 1000 * 64
    assert r["training_flops"]["6N"] == pytest.approx(6 * r["total"] * 1e9)
    assert "training_flops" not in calculator.model_counts(2, 64, 1000, 128)


@pytest.mark.parametrize("kwargs", [{"n_layer": 0}, {"d_model": -8}, {"n_layer": 1.5},
                                    {"tokens": -1.0}, {"d_ff": 0}])
def test_params_rejects_bad_sizes(kwargs):
    args = {"n_layer": 2, "d_model": 64, "vocab_size": 100, "n_ctx": 16} | kwargs
    with pytest.raises(ValueError):
        calculator.model_counts(**args)


# --- the command line, in process ---------------------------------------------------------


def test_main_optimal_json(capsys):
    assert main(["optimal", "--flops", "5.76e23", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == calculator.optimal_allocation(5.76e23, "epoch")


@pytest.mark.parametrize("law", list(calculator.LAWS))
def test_main_optimal_text_each_law(law, capsys):
    assert main(["optimal", "--flops", "1e22", "--law", law]) == 0
    out = capsys.readouterr().out
    assert "N*" in out and "D*" in out and "tokens per parameter" in out and "nats/token" in out
    expected = "non-embedding parameters" if law == "kaplan" else "total parameters"
    assert expected in out


def test_main_params_text(capsys):
    assert main(["params", *GPT2_SMALL]) == 0
    out = capsys.readouterr().out
    assert "124,439,808" in out and "non-embedding" in out
    for label in ("6N", "kaplan", "chinchilla"):
        assert label in out


def test_main_bad_value_is_one_line(capsys):
    assert main(["optimal", "--flops", "-1e23"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "flops" in err and "Traceback" not in err


def test_main_unknown_law_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["optimal", "--flops", "1e23", "--law", "bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bogus" in err


# --- the command line, as a subprocess ----------------------------------------------------


def test_cli_optimal_json_subprocess():
    proc = run_cli("optimal", "--flops", "5.76e23", "--law", "kaplan", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["law"] == "kaplan" and out["parameter_count"] == "non-embedding"
    assert np.isclose(out["n_opt"], float(kaplan_n_opt(5.76e23)))


def test_cli_params_json_subprocess():
    proc = run_cli("params", *GPT2_SMALL, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["total"] == 124_439_808
    assert out["flops_per_token"]["6N"] == 6 * 124_439_808


@pytest.mark.parametrize("command", [["--help"], ["optimal", "--help"], ["params", "--help"]])
def test_cli_help(command):
    proc = run_cli(*command)
    assert proc.returncode == 0
    assert "usage:" in proc.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["optimal", "--flops", "-5.76e23"], "flops"),
        (["optimal", "--flops", "0"], "flops"),
        (["optimal", "--flops", "1e23", "--law", "chinchilla"], "invalid choice"),
        (["optimal"], "--flops"),
        (["params", "--n-layer", "0", "--d-model", "768"], "n_layer"),
        (["params", "--n-layer", "12"], "--d-model"),
        ([], "required"),
    ],
)
def test_cli_bad_input_one_line_no_traceback(args, needle):
    proc = run_cli(*args)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr
