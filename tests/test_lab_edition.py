"""The lab edition (``_static/_ext/lab_notebooks.py``, ``scripts/lab_edition.py``): the book's executed
notebooks with every MyST-NB and Sphinx role resolved to what the book prints.

On a small fixture (a chapter, its glue data and a Sphinx environment stand-in) for each flavour:
glued numbers formatted as MyST-NB formats them and pointing at their code cell, figure, equation,
exercise and section references with the book's numbers and titles, author-year citations and a
reference list, exercises numbered and solutions folded (or left out for the student edition),
display math numbered as in the book; the Sphinx extension's download writer; the script keeps a
notebook a student changed. On the last real build, when there is one (``$NSL_BUILD_DIR``, default
``_build``): every chapter converts with no role left and every glued number as the book printed it.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_static" / "_ext"))
sys.path.insert(0, str(ROOT / "scripts"))

import lab_notebooks as ln  # noqa: E402
from myst_nb.core.variables import format_plain_text  # noqa: E402

BUILD = Path(os.environ.get("NSL_BUILD_DIR", ROOT / "_build")).resolve()

BIB = r"""
@article{kaplan2020scaling,
  author = {Kaplan, Jared and McCandlish, Sam and Henighan, Tom},
  title = {Scaling laws for neural language models},
  journal = {arXiv preprint arXiv:2001.08361},
  year = {2020},
}
@inproceedings{hoffmann2022training,
  author = {Hoffmann, Jordan and Borgeaud, Sebastian and Mensch, Arthur},
  title = {Training compute-optimal large language models},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2022},
}
@article{pearce2024reconciling,
  author = {Pearce, Tim and Song, Jinyeop},
  title = {Reconciling {Kaplan} and {Chinchilla} scaling laws},
  journal = {Transactions on Machine Learning Research},
  year = {2024},
}
"""

COLAB = """# Colab only: fetch the repository so nsl_utils and data/ are importable (a no-op elsewhere).
import sys
if "google.colab" in sys.modules:
    import subprocess
    subprocess.run(["git", "clone", "-q", "--depth", "1",
                    "https://github.com/example/book",
                    "/content/book"], check=True)
    sys.path.insert(0, "/content/book")"""

PROSE = """## Counting

The embeddings are {glue:text}`ch-share:.0%` of the parameters, and the budget is
{glue:text}`ch-budget` FLOP. {numref}`fig-ch-a` draws it; {eq}`ch-law` states it, and
{ref}`sec-ch-b` and {ref}`ex-ch-1` come back to it. See {doc}`other` and
{doc}`the notation <notation>`. Repeated {term}`epochs <epoch>` and {term}`compute-optimal`
models. As {cite:t}`kaplan2020scaling` found {cite:p}`kaplan2020scaling,hoffmann2022training`.

$$
L = E + A N^{-\\alpha}
$$ (ch-law)

and, unnumbered in the book,

$$
C \\approx 6ND.
$$
"""

SECTION = """(sec-ch-b)=
## Section $B$

Plain text with `{glue:text}` in code, left alone."""

EXERCISES = """## Exercises

```{exercise}
:label: ex-ch-1
**Pen and paper.** Derive {eq}`ch-law`.
```

```{solution} ex-ch-1
:class: dropdown
Differentiate:

$$
\\frac{\\partial L}{\\partial N} = 0
$$

```python
print("code in a solution")
```
```

:::{admonition} What to take away
:class: tip
A law in {cite:t}`pearce2024reconciling`.
:::"""


def _nb() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(COLAB),
        nbformat.v4.new_markdown_cell("# A chapter\n\nIt opens."),
        nbformat.v4.new_code_cell('from myst_nb import glue\nglue("ch-share", 0.3183, display=False)'),
        nbformat.v4.new_markdown_cell(PROSE),
        nbformat.v4.new_code_cell('glue("ch-budget", "3 × 10²¹", display=False)'),
        nbformat.v4.new_markdown_cell(SECTION),
        nbformat.v4.new_markdown_cell(EXERCISES),
    ]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None  # as MyST-NB writes a notebook it took from its cache
    return nb


GLUE = {
    "ch-share": {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "0.3183"}},
    "ch-budget": {"output_type": "display_data", "metadata": {}, "data": {"text/plain": "'3 × 10²¹'"}},
}


def _env(srcdir: Path, hide_solutions: bool = False) -> SimpleNamespace:
    """A stand-in for the Sphinx BuildEnvironment of a book with the fixture as chapter 2."""
    book = srcdir / "book"
    book.mkdir(parents=True, exist_ok=True)
    nbformat.write(_nb(), book / "ch.ipynb")
    other = nbformat.v4.new_notebook()
    other.cells = [nbformat.v4.new_markdown_cell("# Other chapter: $N$ and $D$")]
    nbformat.write(other, book / "other.ipynb")
    (book / "notation.md").write_text("# Notation\n\nSymbols.\n", encoding="utf-8")
    (book / "references.bib").write_text(BIB, encoding="utf-8")
    config = SimpleNamespace(
        numfig_format={"figure": "Fig. %s", "exercise": "Exercise %s"},
        math_eqref_format=None,
        hide_solutions=hide_solutions,
        mathjax3_config={},
        bibtex_bibfiles=["book/references.bib"],
    )
    docs = ["book/ch", "book/other", "book/notation"]
    suffix = {"book/ch": ".ipynb", "book/other": ".ipynb", "book/notation": ".md"}
    return SimpleNamespace(
        config=config,
        srcdir=str(srcdir),
        found_docs=set(docs),
        titles={d: SimpleNamespace(astext=lambda d=d: d) for d in docs},
        toc_fignumbers={"book/ch": {
            "figure": {"fig-ch-a": (2, 1)},
            "exercise": {"ex-ch-1": (2, 1)},
            "displaymath": {"equation-ch-law": (2, 1)},
        }},
        domaindata={
            "std": {"labels": {
                "fig-ch-a": ("book/ch", "fig-ch-a", "A long caption."),
                "ex-ch-1": ("book/ch", "ex-ch-1", "Exercise"),
                "sec-ch-b": ("book/ch", "sec-ch-b", "Section B"),
            }},
            "math": {"objects": {"ch-law": ("book/ch", 1)}},
        },
        doc2path=lambda doc: str(srcdir / (doc + suffix[doc])),
    )


def _convert(tmp_path: Path, flavour: str, hide_solutions: bool = False) -> nbformat.NotebookNode:
    index = ln.BookIndex.from_env(_env(tmp_path, hide_solutions))
    index.notebooks = {"book/ch", "book/other"}
    return ln.convert_notebook(_nb(), "book/ch", index, GLUE, None, flavour)


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("flavour", ln.FLAVOURS)
def test_every_role_resolved_as_the_book_prints_it(tmp_path, flavour):
    nb = _convert(tmp_path, flavour)
    text = _markdown(nb)
    assert ln.leftover_roles(nb) == []
    # Glued numbers: MyST-NB's own formatting, then the code cell (numbered in order) that glues them.
    assert format_plain_text("0.3183", ".0%") == "32%"
    assert "The embeddings are 32%<sup>[2]</sup> of the parameters" in text
    assert "3 × 10²¹<sup>[3]</sup> FLOP" in text
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3]
    # References with the book's numbers and titles; links to other chapters of the edition.
    assert "Fig. 2.1 draws it; (2.1) states it" in text
    assert "*Section $B$* and Exercise 2.1 come back" in text
    assert "See [Other chapter: $N$ and $D$](other.ipynb) and\nthe notation." in text
    assert "Repeated epochs and compute-optimal\nmodels." in text
    # Author-year citations, and the works cited listed at the end.
    assert "As Kaplan et al. (2020) found (Kaplan et al., 2020; Hoffmann et al., 2022)." in text
    assert "A law in Pearce and Song (2024)." in text
    references = nb.cells[-1].source
    assert references.startswith("## References")
    entries = references.splitlines()[2:]
    assert [e.split(",")[0].split("\\.")[0] for e in entries] == [
        "- Jordan Hoffmann", "- Jared Kaplan", "- Tim Pearce and Jinyeop Song"
    ]
    # Code spans are left alone; the note about the lab edition follows the title.
    assert "`{glue:text}`" in text
    assert nb.cells[2].cell_type == "markdown" and "lab edition" in nb.cells[2].source
    assert nb.metadata["lab_edition"] == {"flavour": flavour, "book_document": "book/ch"}


def test_myst_flavour_keeps_the_directives_jupyterlab_myst_renders(tmp_path):
    text = _markdown(_convert(tmp_path, "myst"))
    assert "```{math}\n:label: ch-law\n:enumerator: 2.1\nL = E + A N^{-\\alpha}\n```" in text
    assert "```{math}\n:enumerated: false\nC \\approx 6ND.\n```" in text
    # A fence longer than the math inside; the book's number on the exercise; solutions folded.
    assert "````{exercise}\n:label: ex-ch-1\n:enumerator: 2.1\n**Pen and paper.** Derive (2.1).\n````" in text
    assert "````{solution} ex-ch-1\n:class: dropdown\n" in text
    assert '```python\nprint("code in a solution")\n```\n````' in text
    assert ":::{admonition} What to take away\n:class: tip\n" in text
    assert "(sec-ch-b)=" in text


def test_plain_flavour_needs_no_myst(tmp_path):
    nb = _convert(tmp_path, "plain")
    text = _markdown(nb)
    assert "{exercise}" not in text and "{solution}" not in text and ":::" not in text
    assert "$$\nL = E + A N^{-\\alpha}\n\\tag{2.1}\n$$" in text
    assert "$$\nC \\approx 6ND.\n$$" in text
    assert "> **Exercise 2.1.**\n>\n> **Pen and paper.** Derive (2.1)." in text
    assert "<details><summary>Solution to Exercise 2.1</summary>\n\nDifferentiate:" in text
    assert '```python\nprint("code in a solution")\n```\n\n</details>' in text
    assert "> **What to take away**\n>\n> A law in Pearce and Song (2024)." in text
    assert "(sec-ch-b)=" not in text
    # The Colab cell fetches the repository wherever nsl_utils is missing, and is still Python.
    colab = nb.cells[0].source
    assert 'importlib.util.find_spec("nsl_utils") is None' in colab
    assert '"/content/book" if "google.colab" in sys.modules else "book"' in colab
    compile(colab, "colab", "exec")


@pytest.mark.parametrize("flavour", ln.FLAVOURS)
def test_student_edition_leaves_solutions_out(tmp_path, flavour):
    text = _markdown(_convert(tmp_path, flavour, hide_solutions=True))
    assert "Solution" not in text and "Differentiate" not in text and "code in a solution" not in text
    assert "Exercise 2.1" in text and "What to take away" in text


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{cite:t}`kaplan2020scaling`", "{cite:t}`nobody2099`", "nobody2099"),
        ("{glue:text}`ch-budget`", "{glue:text}`ch-missing`", "ch-missing"),
        ("{numref}`fig-ch-a`", "{numref}`fig-ch-z`", "fig-ch-z"),
        ("{eq}`ch-law`", "{eq}`ch-nope`", "ch-nope"),
        ("{doc}`other`", "{doc}`nowhere`", "nowhere"),
    ],
)
def test_unknown_reference_is_an_error(tmp_path, old, new, message):
    index = ln.BookIndex.from_env(_env(tmp_path))
    nb = _nb()
    nb.cells[3].source = nb.cells[3].source.replace(old, new)
    with pytest.raises(ln.LabEditionError, match=message):
        ln.convert_notebook(nb, "book/ch", index, GLUE, None, "myst")


def _fake_build(tmp_path: Path, builder: str = "html") -> SimpleNamespace:
    env = _env(tmp_path / "src")
    executed = tmp_path / "_build" / "jupyter_execute" / "book"
    executed.mkdir(parents=True)
    nbformat.write(_nb(), executed / "ch.ipynb")
    (executed / "ch.glue.json").write_text(json.dumps(GLUE), encoding="utf-8")
    sources = tmp_path / "_build" / "html" / "_sources" / "book"
    sources.mkdir(parents=True)
    nbformat.write(_nb(), sources / "ch.ipynb")  # what Sphinx copies: the source notebook
    env.mystnb_config = SimpleNamespace(
        output_folder=str(executed.parent), execution_cache_path=None
    )
    return SimpleNamespace(
        env=env, builder=SimpleNamespace(format=builder), outdir=str(tmp_path / "_build" / "html")
    )


def test_download_button_offers_the_executed_plain_notebook(tmp_path):
    app = _fake_build(tmp_path)
    ln._write_downloads(app, None)
    nb = nbformat.read(Path(app.outdir) / "_sources" / "book" / "ch.ipynb", as_version=4)
    assert nb.metadata["lab_edition"]["flavour"] == "plain"
    assert ln.leftover_roles(nb) == []
    assert "32%<sup>[2]</sup>" in _markdown(nb)


def test_download_writer_leaves_other_builders_and_failed_builds_alone(tmp_path):
    for app, exception in ((_fake_build(tmp_path / "a", "latex"), None),
                           (_fake_build(tmp_path / "b"), RuntimeError("build failed"))):
        ln._write_downloads(app, exception)
        nb = nbformat.read(Path(app.outdir) / "_sources" / "book" / "ch.ipynb", as_version=4)
        assert "lab_edition" not in nb.metadata


def test_script_keeps_a_notebook_the_student_changed(tmp_path, monkeypatch):
    import lab_edition

    app = _fake_build(tmp_path)
    build = tmp_path / "_build"
    monkeypatch.setattr(lab_edition, "load_index", lambda _build: ln.BookIndex.from_env(app.env))
    out = tmp_path / "lab"
    assert [p.name for p in lab_edition.write_edition(build, out)] == ["ch.ipynb"]
    target = out / "book" / "ch.ipynb"
    assert json.loads(target.read_text())["metadata"]["lab_edition"]["flavour"] == "myst"
    assert lab_edition.write_edition(build, out) == [target]  # unchanged: written again
    target.write_text(target.read_text().replace("It opens.", "It opens, says the student."))
    assert lab_edition.write_edition(build, out) == []
    assert "says the student" in target.read_text()
    assert lab_edition.write_edition(build, out, force=True) == [target]
    assert "says the student" not in target.read_text()


def test_script_without_a_build_says_what_to_do(tmp_path, capsys):
    import lab_edition

    assert lab_edition.main(["--build", str(tmp_path / "nothing")]) == 2
    assert "make book" in capsys.readouterr().err


# --- the last real build ------------------------------------------------------------------

GLUE_TEXT = re.compile(r"\{glue:text\}`([^`]+)`")


def _real_build() -> Path:
    if not (BUILD / ".doctrees" / "environment.pickle").is_file() or not (
        BUILD / "jupyter_execute"
    ).is_dir():
        pytest.skip(f"no book build in {BUILD} (make book); the fixture tests cover the converter")
    return BUILD


@pytest.fixture(scope="module")
def real_editions():
    import lab_edition

    build = _real_build()
    index = lab_edition.load_index(build)
    executed = ln.executed_notebooks(build / "jupyter_execute")
    editions = {
        flavour: ln.convert_build(index, build / "jupyter_execute", build / ".jupyter_cache", flavour)
        for flavour in ln.FLAVOURS
    }
    return executed, editions


def test_real_chapters_have_no_role_left(real_editions):
    executed, editions = real_editions
    assert executed, "the build has no executed notebook"
    for flavour, notebooks in editions.items():
        assert set(notebooks) == set(executed)
        for doc, nb in notebooks.items():
            assert ln.leftover_roles(nb) == [], f"{flavour} edition of {doc}"


def test_real_glued_numbers_are_the_books(real_editions):
    """Each {glue:text} of a chapter is its glue.json value, formatted as the book prints it,
    pointing at a code cell that calls glue."""
    executed, editions = real_editions
    checked = 0
    for doc, path in executed.items():
        source = nbformat.read(path, as_version=4)
        glue = json.loads(path.with_name(path.stem + ".glue.json").read_text(encoding="utf-8"))
        lab = editions["myst"][doc]
        lab_text = "\n".join(c.source for c in lab.cells if c.cell_type == "markdown")
        counts = {c.execution_count: c.source for c in lab.cells if c.cell_type == "code"}
        for cell in source.cells:
            if cell.cell_type != "markdown":
                continue
            for role in GLUE_TEXT.findall(cell.source):
                key, _, fmt = role.rpartition(":") if ":" in role else (role, "", "s")
                value = format_plain_text(glue[key]["data"]["text/plain"], fmt or "s")
                match = re.search(re.escape(ln._escape_inline(value)) + r"<sup>\[(\d+)\]</sup>", lab_text)
                assert match, f"{doc}: {key} = {value!r} not in the lab edition"
                assert "glue" in counts[int(match.group(1))], f"{doc}: {key} points at a cell without glue"
                checked += 1
    assert checked > 100
