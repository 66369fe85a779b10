"""Rules every notebook of the book follows (checked without executing them)."""

import json
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} cell {i} holds outputs; clear them"
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checks_and_style(path):
    nb = json.loads(path.read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    # Published-value checks: nsl_utils.book.Checks (strict in the build, explanatory in a reader's run).
    assert any("Checks(" in src or "assert" in src for src in code), f"{path.name} has no check cell"
    assert not any('matplotlib.use("Agg")' in s or "matplotlib.use('Agg')" in s for s in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_hidden_colab_setup(path):
    nb = json.loads(path.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    src = "".join(first["source"])
    # Only inside Colab may it touch the network; locally and under test it must do nothing.
    assert 'if "google.colab" in sys.modules:' in src, f"{path.name}: first code cell is not the Colab setup"
    assert "remove-cell" in first["metadata"].get("tags", []), f"{path.name}: Colab cell is not hidden"
