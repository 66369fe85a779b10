"""Checks that teach instead of crash (issue 13).

The "change a number" exercises that change an input of a chapter's checks, done as written in a
reader's run (``NSL_STRICT`` unset), run to the end and print which claims no longer hold and which
input moved them: ``budget = 1e26`` and ``experts_per_token = 1`` (the definitions chapter),
``cutoff = np.inf`` (fitting Chinchilla), ``b_kaplan`` 16 times smaller (Kaplan's method) and the
data-only decay ``LAW`` (data-constrained scaling). A planted regression with nothing changed by the
reader still fails under ``NSL_STRICT=1``, as in ``make book``, ``make test`` and CI. Each case
executes a modified copy of a chapter with nbclient (5 s to a minute or two each), so this file also
runs the notebook code the static rules below look at.

The static rules: every chapter's claims are checked through ``nsl_utils.book.Checks`` in hidden
cells, with no bare ``assert`` left to crash a reader's run, and each notebook ends its checks with
``checks.done()``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("myst_nb")

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"

# (notebook, exercise label, the code the exercise changes, that code changed as a reader changes it,
# the words of the exercise that ask for the change, compared with white space folded). The input
# set by the last line of the change is the one the checks must say was changed.
DATA_ONLY_LAW = ("LAW = dataclasses.replace(LAW, r_d_star=published.MUENNIGHOFF_R_D_STAR_DATA_ONLY, "
                 "r_n_star=math.inf)")
EXERCISES = [
    ("what_is_a_scaling_law.ipynb", "ex-defs-4", "budget = published.GOPHER_FLOPS", "budget = 1e26",
     "`budget = 1e26`"),
    ("what_is_a_scaling_law.ipynb", "ex-defs-5", 'experts_per_token = mixtral["experts_per_token"]',
     "experts_per_token = 1", "`experts_per_token = 1`"),
    ("fitting_chinchilla.ipynb", "ex-fitting-chinchilla-2",
     'cutoff = np.sort(raw["loss"].to_numpy())[-published.EPOCH_N_EXCLUDED]', "cutoff = np.inf", "`cutoff = np.inf`"),
    ("kaplan_method.ipynb", "ex-kaplan-4", "b_kaplan = published.KAPLAN_BATCH_TOKENS",
     "b_kaplan = published.KAPLAN_BATCH_TOKENS / 16", "Set `b_kaplan` 16 times smaller"),
    # "In the cell that sets LAW": a line after the one that sets the book's law.
    ("data_constrained.ipynb", "ex-dc-2", "LAW = dc.MUENNIGHOFF_2023\n",
     f"LAW = dc.MUENNIGHOFF_2023\n{DATA_ONLY_LAW}\n", f"set `{DATA_ONLY_LAW}`"),
]
# (notebook, a computed value, the same value perturbed): a regression no reader input explains.
REGRESSIONS = [
    ("what_is_a_scaling_law.ipynb", '"tokens/param": d_closed / n_closed', '"tokens/param": 1.3 * d_closed / n_closed'),
    ("fitting_chinchilla.ipynb", 'L = runs["loss"].to_numpy()', 'L = 1.02 * runs["loss"].to_numpy()'),
]


def _chapters() -> list[Path]:
    """The notebooks of the table of contents, in its order."""
    toc = (ROOT / "_toc.yml").read_text()
    files = [ROOT / f"{f}.ipynb" for f in re.findall(r"-\s*file:\s*(\S+)", toc)]
    return [f for f in files if f.exists()]


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _execute_copy(name: str, old: str, new: str, strict: bool, monkeypatch):
    """Execute a copy of book/<name> with ``old`` replaced by ``new`` in its one code cell holding it."""
    nb = nbformat.read(BOOK / name, as_version=4)
    hits = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
    assert len(hits) == 1, f"{name}: {old!r} is in {len(hits)} code cells, expected one"
    hits[0].source = hits[0].source.replace(old, new)
    if strict:
        monkeypatch.setenv("NSL_STRICT", "1")
    else:
        monkeypatch.delenv("NSL_STRICT", raising=False)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(BOOK)}})
    return nb, client


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("name, label, old, new, asks", EXERCISES,
                         ids=[e[1] if isinstance(e, tuple) else None for e in EXERCISES])
def test_the_exercise_as_written_runs_to_the_end_and_explains(name, label, old, new, asks, monkeypatch):
    nb = json.loads((BOOK / name).read_text())
    text = next(_source(c) for c in nb["cells"] if f":label: {label}\n" in _source(c))
    exercise = text.split(f":label: {label}\n", 1)[1].split("```", 1)[0]
    assert " ".join(asks.split()) in " ".join(exercise.split()), f"{label} no longer asks for {asks!r}; update this test"

    executed, client = _execute_copy(name, old, new, strict=False, monkeypatch=monkeypatch)
    client.execute()  # raises CellExecutionError if any cell fails
    last = executed.cells[-1]
    assert "Checks(" in last.source and "checks.done()" in last.source, f"{name}: the last cell is not its checks"
    out = _stdout(last)
    variable = new.strip().splitlines()[-1].split(" = ")[0]
    assert "check failed:" in out, f"{name}: the exercise moved no check, so there is nothing to explain:\n{out}"
    assert f"You changed {variable} = " in out, out
    assert "the published value holds for the book's inputs" in out, out
    assert "real discrepancy" not in out, out
    assert re.search(r"\d+ check\(s\) did not hold with these inputs", out), out


@pytest.mark.parametrize("name, old, new", REGRESSIONS, ids=[r[0].removesuffix(".ipynb") for r in REGRESSIONS])
def test_a_planted_regression_fails_the_strict_build(name, old, new, monkeypatch):
    executed, client = _execute_copy(name, old, new, strict=True, monkeypatch=monkeypatch)
    with pytest.raises(nbclient.exceptions.CellExecutionError) as failure:
        client.execute()
    assert failure.value.ename == "AssertionError", failure.value
    assert "check failed:" in str(failure.value) and "No input differs from the book's" in str(failure.value)
    # It is the checks cell that failed, not the computation that was perturbed.
    failed = [c for c in executed.cells if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "Checks(" in failed[0].source, [c.source[:80] for c in failed]


@pytest.mark.parametrize("path", _chapters(), ids=lambda p: p.name)
def test_claims_are_checked_through_checks_in_hidden_cells(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    uses = re.compile(r"\bChecks\(|\bchecks\.(?:close|that|done)\(")
    with_checks = [c for c in code if uses.search(_source(c))]
    assert with_checks, f"{path.name}: no cell checks its claims with nsl_utils.book.Checks"
    for cell in with_checks:
        assert "remove-cell" in cell["metadata"].get("tags", []), f"{path.name}: a checks cell is not hidden"
    for cell in code:
        bare = [line for line in _source(cell).splitlines() if line.strip().startswith("assert ")]
        assert not bare, f"{path.name}: a bare assert stops a reader's run instead of explaining: {bare[0]!r}"
    last = _source(with_checks[-1])
    assert with_checks[-1] is code[-1] and "checks.done()" in last, f"{path.name}: the last code cell must end the checks"
    assert re.search(r"Checks\(inputs=", "".join(_source(c) for c in with_checks)), \
        f"{path.name}: name the chapter's reader-facing inputs in Checks(inputs=...)"
