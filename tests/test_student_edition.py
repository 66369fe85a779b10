"""The student edition (``make book EDITION=student``): the same book with the solutions left out.

A whole build takes minutes, so this checks the two things the edition rests on, cheaply: the
Sphinx configuration Jupyter Book derives from the generated ``_config.yml`` differs from the
default edition's only by ``hide_solutions`` (and by sharing the default build's jupyter cache);
and sphinx-exercise, given that configuration, drops a solution and keeps its exercise (a one-page
Sphinx build, about a second).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
pytest.importorskip("jupyter_book")
pytest.importorskip("sphinx_exercise")
from jupyter_book.config import get_final_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "edition_config.py"
_spec = importlib.util.spec_from_file_location("edition_config", SCRIPT)
edition_config = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(edition_config)


def _sphinx_config(path: Path) -> dict:
    config, _ = get_final_config(user_yaml=path, cli_config={"latex_individualpages": False}, sourcedir=ROOT)
    return config


def test_the_student_edition_differs_only_by_hiding_solutions(tmp_path):
    out = tmp_path / "student.yml"
    subprocess.run([sys.executable, str(SCRIPT), "student", "--out", str(out)], check=True, capture_output=True)
    student, full = _sphinx_config(out), _sphinx_config(ROOT / "_config.yml")
    differ = {k for k in set(student) | set(full) if student.get(k) != full.get(k)}
    assert differ == {"hide_solutions", "nb_execution_cache_path"}, differ
    assert student["hide_solutions"] is True and not full.get("hide_solutions")
    assert Path(student["nb_execution_cache_path"]) == ROOT / "_build" / ".jupyter_cache"
    # Local extensions are found from the generated file's folder too (Jupyter Book resolves their
    # paths against it): the edition names them absolutely, at the same place as the book's.
    written = yaml.safe_load(out.read_text())["sphinx"].get("local_extensions") or {}
    book = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"].get("local_extensions") or {}
    assert written == {name: str((ROOT / path).resolve()) for name, path in book.items()}


def test_the_full_edition_is_the_books_own_configuration():
    base = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert edition_config.edition_config(base, "full") == base
    with pytest.raises(ValueError, match="edition"):
        edition_config.edition_config(base, "teacher")


def test_the_makefile_builds_the_student_edition_from_the_generated_configuration():
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/edition_config.py student --out $(STUDENT_CONFIG)" in makefile
    assert "jupyter-book build . --config $(STUDENT_CONFIG)" in makefile


@pytest.mark.parametrize("hide", [False, True])
def test_sphinx_exercise_drops_the_solution_and_keeps_the_exercise(tmp_path, hide):
    pytest.importorskip("myst_parser")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        "extensions = ['myst_parser', 'sphinx_exercise']\n"
        f"hide_solutions = {hide!r}\n")
    (src / "index.md").write_text(
        "# Page\n\n```{exercise}\n:label: ex-toy\nTHE EXERCISE TEXT\n```\n\n"
        "```{solution} ex-toy\n:class: dropdown\nTHE SOLUTION TEXT\n```\n")
    subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", "-W", str(src), str(tmp_path / "html")],
                   check=True, capture_output=True)
    html = (tmp_path / "html" / "index.html").read_text()
    assert "THE EXERCISE TEXT" in html
    assert ("THE SOLUTION TEXT" in html) is not hide
