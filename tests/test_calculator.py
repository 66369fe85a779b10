"""The planning calculator: nsl_utils.calculator and its command line, python -m nsl_utils."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from nsl_utils import calculator
from nsl_utils.__main__ import main
from nsl_utils.counting import flops_per_token, transformer_params
from nsl_utils.laws import (
    BESIROGLU_2024,
    CHINCHILLA_FITTED_RANGE,
    HOFFMANN_2022,
    HOFFMANN_2022_UNROUNDED,
    KAPLAN_FITTED_RANGE,
    FittedRangeWarning,
    chinchilla_loss,
    compute_optimal,
    kaplan_loss_cmin,
    kaplan_n_opt,
)
from nsl_utils.published import GOPHER_FLOPS, PF_DAY, REFERENCE_MODELS

GPT2_SMALL = ["--n-layer", "12", "--d-model", "768", "--vocab", "50257", "--n-ctx", "1024"]
WARNING_PREFIX = "python -m nsl_utils optimal: warning: "


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
    r = calculator.optimal_allocation(GOPHER_FLOPS, law, warn=False)
    n, d = compute_optimal(GOPHER_FLOPS, params)
    assert r["n_opt"] == pytest.approx(float(n), rel=1e-12)
    assert r["d_opt"] == pytest.approx(float(d), rel=1e-12)
    assert 6 * r["n_opt"] * r["d_opt"] == pytest.approx(GOPHER_FLOPS, rel=1e-12)
    assert r["tokens_per_parameter"] == pytest.approx(r["d_opt"] / r["n_opt"])
    assert r["loss"] == pytest.approx(float(chinchilla_loss(n, d, params)))
    assert r["parameter_count"] == "total"
    assert r["compute"] == "total" and r["compute_meaning"].startswith("C_T = 6 N_T D")
    assert "MassiveText" in r["loss_measured_on"]
    assert r["source"] == params.source
    assert r["fitted_range"] == CHINCHILLA_FITTED_RANGE.as_dict()


# --- Kaplan's law: what its compute means, converted or refused -----------------------------


def test_kaplan_refuses_total_compute():
    """C_T counts embeddings; Kaplan's C_min does not. No silent conversion."""
    with pytest.raises(ValueError) as exc:
        calculator.optimal_allocation(GOPHER_FLOPS, "kaplan")
    msg = str(exc.value)
    assert "compute='total' cannot go into law 'kaplan'" in msg
    assert "C_min" in msg and "C_T = 6 N_T D" in msg
    assert "compute='nonemb'" in msg and "--compute nonemb" in msg  # the fix


@pytest.mark.parametrize("kind", ["nonemb", "cmin"])
def test_chinchilla_laws_refuse_non_embedding_compute(kind):
    with pytest.raises(ValueError) as exc:
        calculator.optimal_allocation(GOPHER_FLOPS, "epoch", compute=kind)
    msg = str(exc.value)
    assert f"compute={kind!r} cannot go into law 'epoch'" in msg
    assert "compute='total'" in msg and "--compute total" in msg


def test_kaplan_nonembedding_budget_is_converted_to_c_min():
    """C_nonemb of a run at the critical batch size is 2 C_min (Kaplan et al. 2020, Eq. 5.5, Sec. 6.3)."""
    c = GOPHER_FLOPS
    r = calculator.optimal_allocation(c, "kaplan", compute="nonemb", warn=False)
    assert r["c_min"] == pytest.approx(c / 2, rel=1e-15)
    assert r["flops_nonembedding"] == pytest.approx(c, rel=1e-15)
    assert r["n_opt"] == pytest.approx(float(kaplan_n_opt(c / 2)), rel=1e-12)
    # D = 2 C_min / (6 N), Kaplan et al.'s Eq. (6.7): the tokens of a run at the critical batch size.
    assert 6 * r["n_opt"] * r["d_opt"] == pytest.approx(c, rel=1e-12)
    assert r["loss"] == pytest.approx(float(kaplan_loss_cmin(c / 2 / PF_DAY)), rel=1e-12)
    assert r["loss_equation"] == "Kaplan et al. (2020), Eq. (1.3), L(C_min)"
    assert r["parameter_count"] == "non-embedding"
    assert "WebText2" in r["loss_measured_on"] and "50,257" in r["loss_measured_on"]
    assert r["fitted_range"] == KAPLAN_FITTED_RANGE.as_dict()
    # The old bug: total compute fed straight into Eq. (6.1) gave 0.148 tokens per parameter.
    assert r["tokens_per_parameter"] == pytest.approx(0.408, abs=0.001)
    # Kaplan's law still puts far more of a budget into parameters than Chinchilla's does.
    epoch = calculator.optimal_allocation(GOPHER_FLOPS, warn=False)
    assert r["tokens_per_parameter"] < epoch["tokens_per_parameter"] / 10


def test_kaplan_c_min_budget_is_used_as_given():
    r = calculator.optimal_allocation(1e18, "kaplan", compute="cmin", warn=False)
    assert r["c_min"] == 1e18 and r["flops_nonembedding"] == 2e18
    assert r["n_opt"] == pytest.approx(float(kaplan_n_opt(1e18)), rel=1e-12)
    assert 6 * r["n_opt"] * r["d_opt"] == pytest.approx(2e18, rel=1e-12)


def test_kaplan_loss_is_never_in_a_chinchilla_result():
    """Each result says what its loss is measured on; the two families differ."""
    k = calculator.optimal_allocation(1e19, "kaplan", compute="nonemb", warn=False)
    c = calculator.optimal_allocation(1e19, "epoch", warn=False)
    assert k["loss_measured_on"] != c["loss_measured_on"]
    assert "WebText2" not in c["loss_measured_on"] and "MassiveText" not in k["loss_measured_on"]


# --- validity warnings: leaving the fitted range ---------------------------------------------


def test_inside_the_fitted_range_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = calculator.optimal_allocation(1e20, "epoch")
        k = calculator.optimal_allocation(1e18, "kaplan", compute="nonemb")
    assert r["warnings"] == [] and k["warnings"] == []


def test_tiny_budget_warns_with_the_range_and_the_uniform_guess():
    """--flops 1e10 used to predict 46.5 nats per token without a word."""
    with pytest.warns(FittedRangeWarning) as record:
        r = calculator.optimal_allocation(1e10, "epoch")
    assert r["loss"] == pytest.approx(46.5, abs=0.05)
    text = " ".join(r["warnings"])
    assert [str(w.message) for w in record] == r["warnings"]
    assert "C_T = 1e+10 FLOP is outside the fitted range, 6e+18 to 3e+21 FLOP" in text
    assert "Hoffmann et al. 2022, Sec. 3.2" in text
    assert "N_T = " in text and "4.4e+07 to 1.62e+10 parameters" in text
    assert "5e+09 to 5e+11 tokens" in text
    assert f"ln(32,000) = {math.log(32000):.3g}" in text


def test_huge_budget_warns():
    """--flops 1e50 used to print 2.04e12 T parameters without a word."""
    r = calculator.optimal_allocation(1e50, "epoch", warn=False)
    assert len(r["warnings"]) == 3
    assert all("extrapolates" in w and "above it" in w for w in r["warnings"])


def test_gopher_budget_is_an_extrapolation_of_every_law():
    for law in ("epoch", "hoffmann", "hoffmann-unrounded"):
        r = calculator.optimal_allocation(GOPHER_FLOPS, law, warn=False)
        assert any("C_T = 5.76e+23 FLOP" in w and "a factor 192 above it" in w for w in r["warnings"])
    k = calculator.optimal_allocation(GOPHER_FLOPS, "kaplan", compute="nonemb", warn=False)
    assert any("N_nonemb = " in w and "768 to 1.5e+09 parameters (Kaplan et al. 2020, Sec. 3)" in w
               for w in k["warnings"])
    assert not any("C*" in w for w in k["warnings"])  # 3,333 PF-days: below Kaplan's C*


def test_kaplan_breakdown_point_is_named():
    r = calculator.optimal_allocation(1e25, "kaplan", compute="nonemb", warn=False)
    assert any("C* ~ 1e+04 PF-days" in w and "Sec. 6.3" in w for w in r["warnings"])


def test_epoch_law_at_gopher_budget_is_near_chinchilla():
    """Chinchilla (70B params, 1.4T tokens) used Gopher's budget; Epoch's refit agrees within 10%."""
    n_chin, d_chin = REFERENCE_MODELS["Chinchilla"]
    r = calculator.optimal_allocation(GOPHER_FLOPS, "epoch", warn=False)
    assert r["n_opt"] == pytest.approx(n_chin, rel=0.10)
    assert r["tokens_per_parameter"] == pytest.approx(d_chin / n_chin, rel=0.10)


def test_optimal_grows_with_budget():
    small, big = (calculator.optimal_allocation(c, warn=False) for c in (1e20, 1e24))
    assert big["n_opt"] > small["n_opt"] and big["d_opt"] > small["d_opt"]
    assert big["loss"] < small["loss"]


@pytest.mark.parametrize("bad", [0.0, -1e23, float("nan"), float("inf"), "lots"])
def test_optimal_rejects_bad_flops(bad):
    with pytest.raises(ValueError, match=r"flops must be .*e\.g\. 5\.76e23"):
        calculator.optimal_allocation(bad)


def test_optimal_rejects_unknown_law():
    with pytest.raises(ValueError, match="law must be one of epoch, hoffmann, hoffmann-unrounded, kaplan"):
        calculator.optimal_allocation(1e23, "chinchilla")


def test_optimal_rejects_unknown_compute():
    with pytest.raises(ValueError, match="compute must be one of total, nonemb, cmin; got 'C_T'"):
        calculator.optimal_allocation(1e23, compute="C_T")


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
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out == calculator.optimal_allocation(5.76e23, "epoch", warn=False)
    # Outside the fitted range: the warnings are in the JSON and, one line each, on stderr.
    assert out["warnings"] and captured.err.splitlines() == [WARNING_PREFIX + w for w in out["warnings"]]


@pytest.mark.parametrize("law", list(calculator.LAWS))
def test_main_optimal_text_each_law(law, capsys):
    compute = calculator.LAW_COMPUTE[law][-1]
    assert main(["optimal", "--flops", "1e22", "--law", law, "--compute", compute]) == 0
    out = capsys.readouterr().out
    assert "N*" in out and "D*" in out and "tokens per" in out and "nats/token" in out
    assert "fitted on:" in out and "measured as:" in out
    if law == "kaplan":
        assert "non-embedding parameters N_nonemb" in out and "C_nonemb = 1.0000e+22 FLOP" in out
        assert "C_min   5.0000e+21 FLOP" in out and "not comparable" in out
    else:
        assert "total parameters N_T" in out and "C_T = 1.0000e+22 FLOP" in out


def test_main_params_text(capsys):
    assert main(["params", *GPT2_SMALL]) == 0
    out = capsys.readouterr().out
    assert "124,439,808" in out
    assert "non-embedding parameters N_nonemb" in out and "embedding parameters N_emb" in out
    assert "total parameters N_T" in out
    assert "N_E" not in out and "N_\\E" not in out  # the old, ambiguous notation
    for label in ("6N", "kaplan", "chinchilla"):
        assert label in out


def test_main_params_tokens_say_which_compute(capsys):
    assert main(["params", *GPT2_SMALL, "--tokens", "1e9"]) == 0
    out = capsys.readouterr().out
    assert "6N gives C_T" in out and "C_nonemb" in out


def test_main_huge_counts_have_no_suffix(capsys):
    assert main(["optimal", "--flops", "1e50"]) == 0
    out = capsys.readouterr().out
    assert "2.0396e+24\n" in out and "e+12 T" not in out


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
    proc = run_cli("optimal", "--flops", "5.76e23", "--law", "kaplan", "--compute", "nonemb", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["law"] == "kaplan" and out["parameter_count"] == "non-embedding"
    assert np.isclose(out["n_opt"], float(kaplan_n_opt(5.76e23 / 2)))
    assert proc.stderr.splitlines() == [WARNING_PREFIX + w for w in out["warnings"]]


@pytest.mark.parametrize("flops", ["1e10", "1e50"])
def test_cli_warns_outside_the_fitted_range_exit_0(flops):
    proc = run_cli("optimal", "--flops", flops)
    assert proc.returncode == 0, proc.stderr
    assert "Compute-optimal allocation" in proc.stdout and "warning" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) >= 3 and all(line.startswith(WARNING_PREFIX) for line in lines)
    assert any("6e+18 to 3e+21 FLOP (Hoffmann et al. 2022, Sec. 3.2, the IsoFLOP budgets)" in line
               for line in lines)
    assert any("4.4e+07 to 1.62e+10 parameters (Hoffmann et al. 2022, Table A9)" in line for line in lines)
    assert any("5e+09 to 5e+11 tokens (Hoffmann et al. 2022, abstract)" in line for line in lines)
    assert "Traceback" not in proc.stderr


def test_cli_kaplan_warning_names_its_range():
    proc = run_cli("optimal", "--flops", "5.76e23", "--law", "kaplan", "--compute", "nonemb")
    assert proc.returncode == 0, proc.stderr
    assert "768 to 1.5e+09 parameters (Kaplan et al. 2020, Sec. 3)" in proc.stderr
    assert "2.2e+07 to 2.3e+10 tokens" in proc.stderr


def test_cli_inside_the_fitted_range_is_silent():
    proc = run_cli("optimal", "--flops", "1e20")
    assert proc.returncode == 0 and proc.stderr == ""


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
        (["optimal", "--flops", "1e23", "--law", "kaplan"], "--compute nonemb"),
        (["optimal", "--flops", "1e23", "--compute", "nonemb"], "--compute total"),
        (["optimal", "--flops", "1e23", "--compute", "flop"], "invalid choice"),
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


# --- inference_plan: Sardana et al. (2024) ------------------------------------------------

from nsl_utils.laws import (  # noqa: E402
    SARDANA_2024,
    compute_optimal_for_loss,
    inference_optimal,
    lifetime_compute,
)


@pytest.mark.parametrize("law", ["epoch", "hoffmann", "hoffmann-unrounded"])
def test_plan_for_a_budget_starts_from_the_compute_optimal_model(law):
    r = calculator.inference_plan(GOPHER_FLOPS, law, inference_tokens=2e13, warn=False)
    base = calculator.optimal_allocation(GOPHER_FLOPS, law, warn=False)
    chin, aware = r["plans"]["chinchilla"], r["plans"]["inference_aware"]
    assert chin["n"] == base["n_opt"] and chin["d_train"] == base["d_opt"]
    assert r["target_loss"] == base["loss"] and r["target"] == "flops" and r["flops"] == GOPHER_FLOPS
    n, d = inference_optimal(base["loss"], 2e13, calculator.LAWS[law])
    assert aware["n"] == pytest.approx(float(n), rel=1e-12) and aware["d_train"] == pytest.approx(float(d), rel=1e-12)
    # Sardana et al.'s accounting, for each plan.
    for plan in (chin, aware):
        assert plan["training_flops"] == pytest.approx(6 * plan["n"] * plan["d_train"], rel=1e-12)
        assert plan["inference_flops"] == pytest.approx(2 * plan["n"] * 2e13, rel=1e-12)
        assert plan["lifetime_flops"] == pytest.approx(
            float(lifetime_compute(plan["n"], plan["d_train"], 2e13)), rel=1e-12)
        assert plan["tokens_per_parameter"] == pytest.approx(plan["d_train"] / plan["n"])
        assert float(chinchilla_loss(plan["n"], plan["d_train"], calculator.LAWS[law])) == pytest.approx(r["target_loss"])
    assert chin["training_flops"] == pytest.approx(GOPHER_FLOPS, rel=1e-12)
    # The inference-aware model is smaller, trains longer and costs less over its life.
    assert aware["n"] < chin["n"] and aware["d_train"] > chin["d_train"]
    assert aware["training_flops"] > chin["training_flops"]
    assert r["saving_flops"] == pytest.approx(chin["lifetime_flops"] - aware["lifetime_flops"])
    assert 0 < r["saving_fraction"] == pytest.approx(r["saving_flops"] / chin["lifetime_flops"])


def test_plan_for_a_target_loss():
    r = calculator.inference_plan(law="hoffmann", loss=2.0, inference_tokens=2e12, warn=False)
    n, d = compute_optimal_for_loss(2.0, HOFFMANN_2022)
    assert r["target"] == "loss" and r["flops"] is None and r["target_loss"] == 2.0
    assert r["plans"]["chinchilla"]["n"] == float(n) and r["plans"]["chinchilla"]["d_train"] == float(d)
    assert r["plans"]["inference_aware"]["n"] < float(n)


def test_plan_without_inference_is_the_chinchilla_plan():
    r = calculator.inference_plan(loss=2.1, warn=False)
    assert r["inference_tokens"] == 0.0
    assert r["plans"]["chinchilla"] == r["plans"]["inference_aware"]
    assert r["saving_flops"] == 0.0 and r["plans"]["chinchilla"]["inference_flops"] == 0.0


def test_plan_inside_the_fitted_range_is_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = calculator.inference_plan(1e20, inference_tokens=1e11)
    assert r["warnings"] == [] and r["saving_fraction"] > 0.1


def test_plan_warns_for_each_plan_outside_the_fitted_range():
    with pytest.warns(FittedRangeWarning) as record:
        r = calculator.inference_plan(GOPHER_FLOPS, inference_tokens=2e13)
    assert [str(w.message) for w in record] == r["warnings"]
    chin = [w for w in r["warnings"] if "Chinchilla-optimal plan:" in w]
    aware = [w for w in r["warnings"] if "inference-aware plan:" in w]
    assert len(chin) == 3 and len(aware) == 3  # N_T, D and C_T of each
    assert any("D = 5.24e+12 tokens is outside the fitted range, 5e+09 to 5e+11 tokens" in w for w in aware)
    assert any("C_T = 5.76e+23 FLOP" in w for w in chin)


def test_plan_sardana_fig1_through_the_calculator(monkeypatch):
    """Sardana et al.'s Fig. 1 with their coefficients, through inference_plan: the budget at which
    the Chinchilla-optimal model has 13B parameters, 2T inference tokens."""
    monkeypatch.setitem(calculator.LAWS, "sardana", SARDANA_2024)
    monkeypatch.setitem(calculator.LAW_COMPUTE, "sardana", ("total",))
    c_13b = 6 * (13e9 / SARDANA_2024.G) ** (1 / SARDANA_2024.a)
    r = calculator.inference_plan(c_13b, "sardana", inference_tokens=2e12, warn=False)
    assert r["plans"]["chinchilla"]["n"] == pytest.approx(13e9)
    assert r["plans"]["inference_aware"]["n"] == pytest.approx(7e9, abs=0.5e9)
    assert r["saving_flops"] == pytest.approx(1.7e22, abs=0.05e22)
    assert r["saving_fraction"] == pytest.approx(0.17, abs=0.005)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "exactly one target: flops .* or loss"),
        ({"flops": 1e23, "loss": 2.0}, "exactly one target"),
        ({"flops": 1e23, "inference_tokens": -1e12}, r"inference_tokens must be a finite number >= 0.*got -1e\+12"),
        ({"flops": 1e23, "inference_tokens": float("nan")}, "inference_tokens must be a finite number >= 0"),
        ({"flops": 1e23, "inference_tokens": "many"}, "inference_tokens must be a number"),
        ({"loss": 1.7, "inference_tokens": 1e12}, r"loss = 1\.7 .*unreachable.*E = 1\.817.*pass a target loss above"),
        ({"loss": -2.0}, r"loss must be a finite number > 0"),
        ({"flops": -1e23}, "flops must be a finite number > 0"),
        ({"flops": 1e23, "law": "kaplan", "compute": "nonemb", "inference_tokens": 1e12},
         r"law 'kaplan' cannot plan for inference.*use one of 'epoch'"),
        ({"flops": 1e23, "law": "chinchilla"}, "law must be one of"),
        ({"loss": 2.0, "compute": "nonemb"}, "compute='nonemb' cannot go into law 'epoch'"),
    ],
)
def test_plan_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        calculator.inference_plan(**{"warn": False, **kwargs})


def test_main_inference_json(capsys):
    assert main(["optimal", "--flops", "5.76e23", "--inference-tokens", "2e13", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out == calculator.inference_plan(5.76e23, inference_tokens=2e13, warn=False)
    assert captured.err.splitlines() == [WARNING_PREFIX + w for w in out["warnings"]]


def test_main_inference_text_prints_both_plans_and_their_costs(capsys):
    assert main(["optimal", "--loss", "2.0", "--inference-tokens", "2e12", "--law", "hoffmann"]) == 0
    out = capsys.readouterr().out
    r = calculator.inference_plan(loss=2.0, law="hoffmann", inference_tokens=2e12, warn=False)
    assert "Chinchilla-optimal" in out and "inference-aware" in out and "Sardana et al. (2024)" in out
    assert "target  L = 2.0000 nats/token: given" in out and "D_inf = 2.0000e+12" in out
    for plan in r["plans"].values():
        for key in ("n", "d_train", "training_flops", "inference_flops", "lifetime_flops"):
            assert f"{plan[key]:.4e}" in out, key
    assert "total parameters N_T" in out and "lifetime compute" in out
    assert f"{r['saving_flops']:.4e} FLOP ({r['saving_fraction']:.1%}) less" in out
    assert "fitted on:" in out


def test_main_budget_with_inference_names_the_budget(capsys):
    assert main(["optimal", "--flops", "1e20", "--inference-tokens", "1e11"]) == 0
    captured = capsys.readouterr()
    folded = " ".join(captured.out.split())  # the text wraps at 77 columns
    assert "compute-optimal model for C_T = 1.0000e+20 FLOP" in folded and captured.err == ""


@pytest.mark.parametrize("argv", [
    ["optimal", "--flops", "5.76e23"],
    ["optimal", "--flops", "5.76e23", "--law", "kaplan", "--compute", "nonemb"],
    ["optimal", "--flops", "5.76e23", "--inference-tokens", "2e13"],
    ["optimal", "--loss", "2.0", "--inference-tokens", "2e12"],
    ["params", "--n-layer", "12", "--d-model", "768", "--vocab", "50257", "--tokens", "1e10"],
    ["params", "--n-layer", "32", "--d-model", "4096", "--vocab", "32000", "--n-experts", "8",
     "--experts-per-token", "2", "--mlp", "swiglu", "--d-ff", "14336", "--n-kv-head", "8"],
])
def test_main_text_fits_an_80_column_terminal_and_the_book_column(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 77, out


def test_main_without_inference_keeps_the_allocation_output(capsys):
    assert main(["optimal", "--flops", "1e20"]) == 0
    assert capsys.readouterr().out.startswith("Compute-optimal allocation under law 'epoch'")


def test_cli_inference_subprocess_warns_exit_0():
    proc = run_cli("optimal", "--flops", "5.76e23", "--inference-tokens", "2e13")
    assert proc.returncode == 0, proc.stderr
    assert "Inference-aware plan" in proc.stdout and "warning" not in proc.stdout
    lines = proc.stderr.splitlines()
    assert len(lines) == 6 and all(line.startswith(WARNING_PREFIX) for line in lines)


@pytest.mark.parametrize(
    "args, needle",
    [
        (["optimal", "--flops", "1e23", "--inference-tokens", "-1e12"], "inference_tokens must be a finite number >= 0"),
        (["optimal", "--loss", "1.5", "--inference-tokens", "1e12"], "pass a target loss above 1.817"),
        (["optimal", "--loss", "2", "--flops", "1e23"], "not allowed with argument"),
        (["optimal", "--inference-tokens", "1e12"], "one of the arguments --flops --loss is required"),
        (["optimal", "--flops", "1e23", "--law", "kaplan", "--compute", "nonemb", "--inference-tokens", "1e12"],
         "cannot plan for inference"),
        (["optimal", "--loss", "2.0", "--law", "kaplan"], "cannot plan for inference"),
        (["optimal", "--flops", "1e23", "--inference-tokens", "lots"], "invalid float value"),
    ],
)
def test_cli_inference_bad_input_one_line_no_traceback(args, needle):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr


def test_cli_help_lists_the_inference_options():
    proc = run_cli("optimal", "--help")
    assert "--inference-tokens" in proc.stdout and "--loss" in proc.stdout
    assert "Sardana" in proc.stdout


# --- model_counts and params for a mixture of experts (Mixtral 8x7B) ------------------------

from nsl_utils.counting import moe_params  # noqa: E402
from nsl_utils.published import (  # noqa: E402
    MIXTRAL_8X7B_ACTIVE_PARAMS,
    MIXTRAL_8X7B_CONFIG,
    MIXTRAL_8X7B_PRINTED_PRECISION,
    MIXTRAL_8X7B_TOTAL_PARAMS,
)

MIXTRAL_KWARGS = dict(
    d_ff=14336, n_head=32, n_kv_head=8, head_dim=128, n_experts=8, experts_per_token=2,
    mlp="swiglu", norm="rmsnorm", bias=False, tied=False, positions="rotary",
)
MIXTRAL_CLI = ["--n-layer", "32", "--d-model", "4096", "--n-head", "32", "--n-kv-head", "8",
               "--head-dim", "128", "--d-ff", "14336", "--vocab", "32000", "--n-ctx", "32768",
               "--n-experts", "8", "--experts-per-token", "2", "--mlp", "swiglu", "--norm",
               "rmsnorm", "--no-bias", "--untied", "--rotary"]


def test_model_counts_mixtral_reproduces_the_paper():
    r = calculator.model_counts(32, 4096, 32000, 32768, **MIXTRAL_KWARGS)
    assert r["architecture"] == "mixture of experts"
    assert abs(r["total"] - MIXTRAL_8X7B_TOTAL_PARAMS) <= MIXTRAL_8X7B_PRINTED_PRECISION
    assert abs(r["active"] - MIXTRAL_8X7B_ACTIVE_PARAMS) <= MIXTRAL_8X7B_PRINTED_PRECISION
    c = moe_params(32, 4096, 32000, **{k: v for k, v in MIXTRAL_KWARGS.items() if k != "positions"})
    assert (r["total"], r["active"], r["expert"], r["router"]) == (c.total, c.active, c.expert, c.router)
    assert r["config"]["n_moe_layers"] == 32 and r["config"]["n_kv_head"] == 8
    # The shape the paper's Table 1 gives, as published.py holds it.
    for key in ("n_layer", "d_model", "vocab_size", "n_ctx", "d_ff", "n_head", "n_kv_head", "head_dim",
                "n_experts", "experts_per_token"):
        assert r["config"][key] == MIXTRAL_8X7B_CONFIG[key], key


def test_model_counts_mixtral_flops_follow_the_active_count():
    r = calculator.model_counts(32, 4096, 32000, 32768, tokens=1e12, **MIXTRAL_KWARGS)
    assert set(r["flops_per_token"]) == set(calculator.ACTIVE_FLOP_METHODS)
    assert r["flops_per_token"]["6N"] == 6 * r["active"]
    assert r["inference_flops_per_token"]["2N"] == 2 * r["active"]
    assert r["flops_per_token"]["6N_T"] == 6 * r["total"]
    attention = 2 * 32 * 32768 * 4096
    assert r["flops_per_token"]["kaplan"] == 6 * r["active_non_embedding"] + 3 * attention
    assert r["inference_flops_per_token"]["kaplan"] == 2 * r["active_non_embedding"] + attention
    assert r["flops_per_token"]["standard"] == 6 * (r["active_non_embedding"] + 32000 * 4096)
    assert r["training_flops"]["6N"] == pytest.approx(6 * r["active"] * 1e12)


def test_model_counts_dense_llama_style_has_no_experts():
    kwargs = {k: v for k, v in MIXTRAL_KWARGS.items() if k not in ("n_experts", "experts_per_token")}
    r = calculator.model_counts(32, 4096, 32000, 32768, **kwargs)
    assert r["architecture"] == "dense" and r["active"] == r["total"] == 7_241_732_096
    assert r["router"] == 0 and "6N_T" not in r["flops_per_token"]


def test_model_counts_gpt2_result_is_unchanged():
    r = calculator.model_counts(12, 768, 50257, 1024)
    assert "active" not in r and set(r["flops_per_token"]) == set(calculator.FLOP_METHODS)
    # The GPT-2 block described with the new options gives the same counts.
    same = calculator.model_counts(12, 768, 50257, 1024, n_experts=1, experts_per_token=1)
    assert (same["total"], same["embedding"], same["non_embedding"]) == (
        r["total"], r["embedding"], r["non_embedding"])
    assert same["flops_per_token"]["6N"] == r["flops_per_token"]["6N"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_experts": 8, "experts_per_token": 9}, "experts_per_token .9. cannot exceed n_experts .8."),
        ({"n_experts": 8, "experts_per_token": 0}, "experts_per_token"),
        ({"n_experts": 0, "experts_per_token": 1}, "n_experts"),
        ({"n_experts": -2, "experts_per_token": 1}, "n_experts"),
        ({"n_experts": 8}, "--experts-per-token"),
        ({"experts_per_token": 2}, "--n-experts"),
        ({"n_experts": 8, "experts_per_token": 2, "moe_every": 0}, "moe_every"),
        ({"n_experts": 8, "experts_per_token": 2, "n_shared_experts": -1}, "n_shared_experts"),
        ({"positions": "alibi"}, "positions"),
        ({"n_kv_head": 3}, "n_kv_head"),
    ],
)
def test_model_counts_rejects_bad_moe_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        calculator.model_counts(4, 64, 100, 16, **kwargs)


def test_main_params_mixtral_text(capsys):
    assert main(["params", *MIXTRAL_CLI, "--tokens", "1e12"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Mixture-of-experts transformer:")
    assert "46,702,792,704" in out and "12,879,925,248" in out
    assert "total parameters N_T" in out and "active parameters N_active" in out
    assert "8 per MoE layer, 2 per token" in out
    assert "training FLOPs per token" in out and "inference FLOPs per token" in out
    assert f"{6 * 12_879_925_248:.4e}" in out and f"{2 * 12_879_925_248:.4e}" in out
    assert "N_E" not in out


def test_cli_params_mixtral_json_subprocess():
    proc = run_cli("params", *MIXTRAL_CLI, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["total"] == 46_702_792_704 and out["active"] == 12_879_925_248
    assert out["flops_per_token"]["6N"] == 6 * out["active"]


def test_cli_help_lists_the_moe_options():
    proc = run_cli("params", "--help")
    assert proc.returncode == 0
    for option in ("--n-experts", "--experts-per-token", "--n-shared-experts", "--moe-every",
                   "--n-kv-head", "--head-dim", "--mlp", "--norm", "--no-bias", "--rotary"):
        assert option in proc.stdout, option


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--n-experts", "8", "--experts-per-token", "9"], "lower experts_per_token to at most 8"),
        (["--n-experts", "8", "--experts-per-token", "0"], "experts_per_token"),
        (["--n-experts", "0", "--experts-per-token", "1"], "n_experts"),
        (["--n-experts", "-8", "--experts-per-token", "2"], "n_experts"),
        (["--n-experts", "8"], "--experts-per-token"),
        (["--n-experts", "8", "--experts-per-token", "2", "--mlp", "relu"], "invalid choice"),
    ],
)
def test_cli_moe_bad_input_one_line_no_traceback(extra, needle):
    proc = run_cli("params", "--n-layer", "4", "--d-model", "64", *extra)
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr
