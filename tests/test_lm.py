"""Tests of nsl_utils.lm: the model, the training loop, the sweep CLI and its failure modes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch

from nsl_utils.counting import transformer_params
from nsl_utils.lm import sweep as sweep_mod
from nsl_utils.lm.__main__ import main as cli
from nsl_utils.lm.model import GPT, GPTConfig
from nsl_utils.lm.sweep import Run, parse_shard, preset_runs, read_sweep, run_sweep
from nsl_utils.lm.train import TrainSpec, lr_at, train

RNG_TOKENS = np.random.default_rng(0).integers(0, 64, size=4000).astype(np.int32)


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture
def tiny_preset(monkeypatch):
    """A three-run preset that trains in about a second, on random tokens (no corpus to load)."""
    from nsl_utils.lm import data

    monkeypatch.setattr(data, "load_tokens", lambda split, corpus="pilot": RNG_TOKENS)
    runs = [Run(1, 8, 2, 3e8, target_steps=10, min_batch=2), Run(1, 16, 2, 3e8, target_steps=10, min_batch=2),
            Run(2, 8, 2, 3e8, target_steps=10, min_batch=2)]
    monkeypatch.setitem(sweep_mod.PRESETS, "tiny", runs)
    return runs


def test_shapes():
    cfg = GPTConfig(2, 32, 4, 100, 16)
    model = GPT(cfg)
    idx = torch.randint(0, 100, (3, 16))
    logits, loss = model(idx, idx)
    assert logits.shape == (3, 16, 100)
    assert loss.shape == () and loss.item() > 0
    logits, loss = model(idx[:, :5])
    assert logits.shape == (3, 5, 100) and loss is None
    with pytest.raises(ValueError, match="n_ctx"):
        model(torch.randint(0, 100, (1, 17)))


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("shape", [(1, 8, 1, 4096, 16), (3, 48, 4, 500, 32), (2, 64, 8, 77, 9)])
def test_param_counts_agree_with_counting(shape, tied, bias):
    n_layer, d_model, n_head, vocab, n_ctx = shape
    cfg = GPTConfig(n_layer, d_model, n_head, vocab, n_ctx, bias=bias, tied=tied)
    counts = transformer_params(n_layer, d_model, vocab, n_ctx, bias=bias, tied=tied)
    model = GPT(cfg)
    assert model.num_params() == counts.total == cfg.params().total
    emb = model.wte.weight.numel() + model.wpe.weight.numel()
    head = 0 if model.head is None else model.head.weight.numel()
    assert (emb, head) == (counts.embedding, counts.head)
    assert model.num_params() - emb - head == counts.non_embedding


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="divisible by n_head"):
        GPTConfig(2, 30, 4, 100, 16)
    with pytest.raises(ValueError, match="n_layer"):
        GPTConfig(0, 32, 4, 100, 16)
    with pytest.raises(ValueError, match="batch"):
        TrainSpec(GPTConfig(1, 8, 1, 64, 16), tokens=10, batch_size=4, lr=1e-3)


def test_lr_schedule():
    steps, lr = 1000, 1e-2
    assert lr_at(0, steps, lr) == pytest.approx(lr / 50)
    assert lr_at(49, steps, lr) == pytest.approx(lr)
    assert lr_at(999, steps, lr) == pytest.approx(0.1 * lr, rel=1e-3)
    values = [lr_at(s, steps, lr) for s in range(50, steps)]
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_loss_falls_on_tiny_overfit():
    tokens = np.tile(np.arange(20, dtype=np.int32), 50)  # a memorisable sequence
    spec = TrainSpec(GPTConfig(1, 32, 2, 64, 8), tokens=300 * 8 * 8, batch_size=8, lr=1e-2)
    res = train(spec, tokens, tokens, device="cpu")
    assert res["curve_loss"][0] > 4.0  # ln 64 = 4.16 at initialisation
    assert res["loss"] < 0.5
    assert res["steps"] == 300 and res["tokens"] == 300 * 64


def test_training_is_deterministic():
    spec = TrainSpec(GPTConfig(1, 16, 2, 64, 8), tokens=40 * 4 * 8, batch_size=4, lr=3e-3, seed=3)
    a = train(spec, RNG_TOKENS, RNG_TOKENS, device="cpu")
    b = train(spec, RNG_TOKENS, RNG_TOKENS, device="cpu")
    assert a["loss"] == b["loss"] and a["curve_loss"] == b["curve_loss"]


def test_beta2_reaches_adamw_and_is_checked():
    spec = TrainSpec(GPTConfig(1, 16, 2, 64, 8), tokens=40 * 4 * 8, batch_size=4, lr=3e-3)
    assert spec.beta2 == 0.95
    a = train(spec, RNG_TOKENS, RNG_TOKENS, device="cpu")
    b = train(TrainSpec(spec.config, spec.tokens, spec.batch_size, spec.lr, beta2=0.999), RNG_TOKENS,
              RNG_TOKENS, device="cpu")
    assert a["loss"] != b["loss"]
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="beta2"):
            TrainSpec(spec.config, spec.tokens, spec.batch_size, spec.lr, beta2=bad)


def test_presets_and_shards():
    assert len(preset_runs("smoke")) >= 3
    pilot = preset_runs("pilot")
    assert len({r.run_id for r in pilot}) == len(pilot)
    assert len({(r.n_layer, r.d_model) for r in pilot}) >= 6
    assert all(r.tokens / (r.batch_size * 16) > 1000 for r in pilot)
    assert {r.beta2 for r in pilot} == {sweep_mod.PILOT_BETA2} and {r.beta2 for r in preset_runs("smoke")} == {0.95}
    # the committed pilot sweep holds exactly the pilot preset's runs
    from nsl_utils.lm import analysis

    assert set(analysis.load_sweep(variant="pilot")["run_id"]) == {r.run_id for r in pilot}
    with pytest.raises(ValueError, match="unknown preset 'nope'.*book"):
        preset_runs("nope")
    assert parse_shard("2/3") == (2, 3) and parse_shard(None) == (1, 1)
    for bad in ("0/2", "3/2", "a/b", "2"):
        with pytest.raises(ValueError, match="shard"):
            parse_shard(bad)


def test_sweep_resume_and_shards(tiny_preset, tmp_path):
    full = run_sweep("tiny", tmp_path / "full.csv", progress=False)
    assert list(full["run_id"]) == [r.run_id for r in tiny_preset]
    assert (full["flops"] == 6 * full["n_params_total"] * full["tokens"]).all()
    assert (tmp_path / "full.csv.meta.json").exists()

    # Interrupted after the first run: resume appends only the missing ones, same numbers.
    lines = (tmp_path / "full.csv").read_text().splitlines(keepends=True)
    (tmp_path / "part.csv").write_text("".join(lines[:2]))
    resumed = run_sweep("tiny", tmp_path / "part.csv", resume=True, progress=False)
    pd.testing.assert_series_equal(resumed["loss"], full["loss"])

    # Shards partition the runs.
    parts = [run_sweep("tiny", tmp_path / f"s{k}.csv", shard=f"{k}/2", progress=False) for k in (1, 2)]
    ids = sorted(pd.concat(parts)["run_id"])
    assert ids == sorted(full["run_id"])
    assert len(parts[0]) == 2 and len(parts[1]) == 1


def test_sweep_refuses_to_overwrite_or_resume_from_garbage(tiny_preset, tmp_path, capsys):
    out = tmp_path / "runs.csv"
    out.write_text("this,is\nnot,a sweep\n")
    before = out.read_bytes()
    with pytest.raises(ValueError, match="--resume"):
        run_sweep("tiny", out, progress=False)
    with pytest.raises(ValueError, match="sweep columns"):
        run_sweep("tiny", out, resume=True, progress=False)
    assert cli(["sweep", "--preset", "tiny", "--out", str(out), "--resume", "--no-progress"]) == 2
    assert "sweep columns" in capsys.readouterr().err
    assert out.read_bytes() == before

    # A row cut off mid-write: a clear error naming the line.
    header = ",".join(sweep_mod.COLUMNS)
    out.write_text(header + "\nL1-d8,tiny,1,8\n")
    before = out.read_bytes()
    with pytest.raises(ValueError, match="damaged row"):
        read_sweep(out)
    assert out.read_bytes() == before


def test_sweep_beta2_override(tiny_preset, tmp_path, capsys):
    base = run_sweep("tiny", tmp_path / "base.csv", progress=False)
    assert (base["beta2"] == 0.95).all()
    out = tmp_path / "b2.csv"
    assert cli(["sweep", "--preset", "tiny", "--out", str(out), "--beta2", "0.99", "--no-progress"]) == 0
    tuned = read_sweep(out)
    # Same runs (and run ids), another optimizer setting, recorded per row.
    assert list(tuned["run_id"]) == list(base["run_id"]) and (tuned["beta2"] == 0.99).all()
    assert (tuned["loss"] != base["loss"]).all()
    # Resuming with another beta2 would mix two sweeps in one file: refused, file untouched.
    before = out.read_bytes()
    with pytest.raises(ValueError, match="beta2"):
        run_sweep("tiny", out, resume=True, progress=False)
    assert cli(["sweep", "--preset", "tiny", "--out", str(out), "--resume", "--beta2", "1.2", "--no-progress"]) == 2
    assert "beta2" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_sweep_csv_without_beta2_column_still_reads(tiny_preset, tmp_path):
    full = run_sweep("tiny", tmp_path / "new.csv", progress=False)
    old = tmp_path / "old.csv"
    full.drop(columns="beta2").to_csv(old, index=False)  # as written before the column existed
    df = read_sweep(old)
    assert list(df.columns) == sweep_mod.COLUMNS and (df["beta2"] == 0.95).all()
    pd.testing.assert_series_equal(df["loss"], full["loss"])
    before = old.read_bytes()
    with pytest.raises(ValueError, match="before the beta2 column"):
        run_sweep("tiny", old, resume=True, progress=False)
    assert old.read_bytes() == before


def test_cli_unknown_preset(tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert cli(["sweep", "--preset", "nope", "--out", str(out), "--no-progress"]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert not out.exists()


DDP_SCRIPT = """
import json, sys
import numpy as np, torch, torch.distributed as dist, torch.multiprocessing as mp
from nsl_utils.lm.model import GPTConfig
from nsl_utils.lm.train import TrainSpec, train

def worker(rank, folder):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=2)
    tokens = np.random.default_rng(0).integers(0, 64, size=4000).astype(np.int32)
    spec = TrainSpec(GPTConfig(1, 16, 2, 64, 8), tokens=30 * 4 * 8, batch_size=4, lr=3e-3)
    res = train(spec, tokens, tokens, device="cpu")
    with open(f"{folder}/rank{rank}.json", "w") as fh:
        json.dump({"loss": res["loss"], "tokens": res["tokens"]}, fh)
    dist.destroy_process_group()

if __name__ == "__main__":
    mp.spawn(worker, args=(sys.argv[1],), nprocs=2)
"""


def test_ddp_two_cpu_processes(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(textwrap.dedent(DDP_SCRIPT))
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, timeout=120)
    import json

    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    # The validation loss is averaged over processes, and DDP keeps their weights identical.
    assert ranks[0] == ranks[1]
    assert ranks[0]["tokens"] == 30 * 4 * 8 and 0 < ranks[0]["loss"] < 5


def _synthetic_sweep() -> pd.DataFrame:
    """The pilot preset's runs with losses from a Chinchilla-form law (a = 0.5 in N_T) and curves."""
    from nsl_utils.lm.sweep import preset_runs

    rows = []
    for r in preset_runs("pilot"):
        c = r.config.params()
        law = lambda d: 1.0 + 150 / c.total**0.34 + 300 / d**0.34  # noqa: E731
        curve_tokens = np.unique(np.geomspace(r.batch_size * 16, r.tokens, 24).astype(int))
        rows.append({
            "run_id": r.run_id, "budget": r.budget, "n_layer": r.n_layer, "d_model": r.d_model,
            "n_params_total": c.total, "n_params_nonembedding": c.non_embedding, "tokens": r.tokens,
            "loss": law(r.tokens), "curve_tokens": " ".join(map(str, curve_tokens)),
            # mid-run loss sits above the law (the learning rate has not decayed yet)
            "curve_loss": " ".join(f"{law(t) + 0.05 * (1 - t / r.tokens):.5f}" for t in curve_tokens),
        })
    return pd.DataFrame(rows)


def test_analysis_recovers_a_known_exponent():
    from nsl_utils.lm import analysis

    df = _synthetic_sweep()
    ex = analysis.exponents(df)
    assert ex["total_isoflop"] == pytest.approx(0.5, abs=0.03)
    # Counting the same optima without embeddings steepens the frontier (Pearce & Song 2024).
    assert ex["nonembedding_of_optima"] > ex["total_isoflop"] + 0.1
    assert ex["nonembedding_frontier"] > ex["total_frontier"]
    boot = analysis.bootstrap_exponents(df, n_boot=5, seed=0)
    assert len(boot) + boot.attrs["n_failed"] == 5
    pts = analysis.isoflop_points(df, "total")
    assert set(pts["C"]) == set(df["budget"])
    with pytest.raises(ValueError, match="counting"):
        analysis.isoflop_points(df, "embedding")


def test_loss_curves_long_form():
    from nsl_utils.lm import analysis

    df = _synthetic_sweep().head(3)
    curves = analysis.loss_curves(df)
    assert set(curves["run_id"]) == set(df["run_id"])
    assert (curves.groupby("run_id")["tokens"].max().loc[df["run_id"]].to_numpy() == df["tokens"].to_numpy()).all()


def test_load_sweep_variants():
    from nsl_utils.lm import analysis

    assert set(analysis.load_sweep(variant="pilot-beta2-0.95")["beta2"]) == {0.95}
    with pytest.raises(ValueError, match="variant must be one of"):
        analysis.load_sweep(variant="tuned")
