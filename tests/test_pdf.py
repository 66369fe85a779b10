"""The book's PDF (``make pdf`` writes ``_build/pdf/book.pdf``), read back with poppler-utils.

``pdftotext`` gives the text of every page; ``pdftohtml -xml`` gives the same text with the font of
each run, which tells the prose from code (the monospaced font of code cells, outputs and inline
literals) and from typeset math (the math font), and the PDF's bookmarks. The chapters are the
files of ``_toc.yml``, in order: chapter K of the PDF is the K-th file after the root, and its pages
run from its bookmark to the next one. Checks:

- the page count lies between two bounds: a few pages per chapter at least, and not so many that an
  output or a table ran away;
- a table of contents: the front matter lists every chapter's title, and the PDF has one bookmark
  per chapter, in the order of ``_toc.yml``, each titled as the chapter's first heading;
- every chapter title (the first heading of its page, math left out) is in the text, and the
  chapter's first page carries it;
- numbered figures: each chapter's figures (notebook cells with ``mystnb.figure``) appear as the
  captions "Fig. K.1:", "Fig. K.2:", ... on its pages;
- typeset math: a chapter whose source has math has text set in the math font;
- nothing leaks into the prose of any chapter: no MyST role or directive (``{glue:text}``,
  ``{numref}``, ``:::``), no raw LaTeX (``\\frac``, ``_{``, ``^{``, a ``$`` that is not a price), no
  unresolved reference (``??``); and nowhere, code outputs included, a raw Python representation
  (``<pandas.io.formats.style.Styler at 0x...>``).

Two checks need no PDF: the build's configuration (``scripts/pdf_config.py``) and the conversion of
the notebooks' HTML tables (``latex/book_pdf.py``).

A fault that lies in a notebook (which only its authors edit) may be marked ``xfail(strict=True)``
for its chapter in ``KNOWN_FAULTS``, as in ``tests/test_site.py``.

Without the PDF (build it with ``make pdf``, which needs TeX Live: see the README) or without
poppler-utils the tests skip and say so, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from test_site import _toc_files  # the one reading of _toc.yml the browser test uses too

ROOT = Path(__file__).resolve().parents[1]
PDF = Path(os.environ.get("NSL_PDF", ROOT / "_build" / "pdf" / "book.pdf")).resolve()
TOC_PATH = ROOT / "_toc.yml"
IN_CI = os.environ.get("CI", "").lower() == "true"

#: Bounds on the page count: at least this many pages per chapter, at most this many in all.
MIN_PAGES_PER_CHAPTER = 2
MAX_PAGES = 450

#: Leaks in the prose (text set in neither the code font nor the math font).
PROSE_LEAKS = {
    "MyST role or raw braces": re.compile(r"\{[a-z]+(?::[a-z-]+)*\}`?"),
    "MyST directive fence": re.compile(r":::|```"),
    "raw LaTeX command": re.compile(r"\\[A-Za-z]+"),
    "raw LaTeX sub- or superscript": re.compile(r"[_^]\{"),
    "raw math delimiter": re.compile(r"\$(?![\d.,]+\b)"),
    "unresolved reference": re.compile(r"\?\?"),
}
#: A raw Python representation, anywhere (outputs included).
RAW_REPR = re.compile(r"<[\w.]+(?: object)? at 0x[0-9a-fA-F]+>")

#: Faults that lie in a notebook: ``{(check, file): reason}``, each marks that one check of that
#: chapter ``xfail(strict=True)``. Fix the notebook, then delete the entry (a fixed chapter turns
#: its strict xfail into a failure, so stale entries cannot stay).
KNOWN_FAULTS: dict[tuple[str, str], str] = {}


def _unavailable(reason: str) -> None:
    """Skip with ``reason`` on a developer's machine; fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the PDF test must run)", pytrace=False)
    pytest.skip(reason)


def _mark(check: str, file: str) -> object:
    reason = KNOWN_FAULTS.get((check, file))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(file, marks=marks, id=file)


# --- what the sources promise ------------------------------------------------------------


def _source(file: str) -> tuple[str, list[dict]]:
    """The markdown of a page (all markdown cells of a notebook) and its notebook cells."""
    md, nb = ROOT / f"{file}.md", ROOT / f"{file}.ipynb"
    if md.is_file():
        return md.read_text(encoding="utf-8"), []
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    text = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return text, cells


def title(file: str) -> str:
    """The first heading of a page: its title in the book."""
    text, _ = _source(file)
    text = re.sub(r"(?ms)^(```|~~~).*?^\1", "", text)
    match = re.search(r"(?m)^# +(.+?)\s*$", text)
    assert match, f"{file}: no first heading"
    return match.group(1)


def figure_count(file: str) -> int:
    """How many numbered figures the page has: notebook cells with ``mystnb.figure`` whose output
    is shown, and ``figure`` directives."""
    text, cells = _source(file)
    count = len(re.findall(r"(?m)^(?:```|:::)\{figure\}", text))
    for cell in cells:
        meta = cell.get("metadata", {})
        tags = set(meta.get("tags", []))
        if "figure" in (meta.get("mystnb") or {}) and not tags & {"remove-cell", "remove-output"}:
            count += 1
    return count


def has_math(file: str) -> bool:
    text, _ = _source(file)
    text = re.sub(r"`[^`\n]*`", "", text)
    return bool(re.search(r"\$[^$\s]|\{math\}`|```\{math\}", text))


def _normal(text: str) -> str:
    """Whitespace collapsed, typographic quotes and dashes as ASCII."""
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"), ("\u00ad", "")):
        text = text.replace(a, b)
    return " ".join(text.split())


def title_pattern(heading: str, flags: int = 0) -> re.Pattern[str]:
    """A heading as it reads in the PDF: its inline math (``$...$``) may be set in any way, its
    MyST markup is gone, its words may break across lines."""
    heading = re.sub(r"\{[a-z:]+\}`([^`<]*?)(?:\s*<[^>]*>)?`", r"\1", heading)
    heading = heading.replace("*", "").replace("`", "")
    parts = re.split(r"\$[^$]+\$", _normal(heading))
    words = [r"\s+".join(re.escape(w) for w in part.split()) for part in parts]
    return re.compile(r"\s*.{0,60}?\s*".join(w for w in words if w) or r"$^", re.S | flags)


TOC_FILES = _toc_files(TOC_PATH)
CHAPTERS = TOC_FILES[1:]


# --- what the PDF holds ------------------------------------------------------------------


@dataclass
class Book:
    pages: list[str]  #: the text of each page (pdftotext), page 1 first
    prose: list[str]  #: per page, the text set in neither the code font nor the math font
    math_runs: list[int]  #: per page, how many runs of text are set in the math font
    bookmarks: list[tuple[str, int]]  #: the chapters' bookmarks: (title, first page)
    front_end: int  #: the last page before the first bookmark (title page, contents, the root)

    def chapter_pages(self, file: str) -> range:
        """The pages of a chapter (1-based), from its bookmark to the next one."""
        k = CHAPTERS.index(file)
        start = self.bookmarks[k][1]
        end = self.bookmarks[k + 1][1] if k + 1 < len(self.bookmarks) else len(self.pages) + 1
        return range(start, max(start + 1, end))

    def text(self, pages: range) -> str:
        return "\n".join(self.pages[p - 1] for p in pages)


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=300).stdout


def _bookmarks(root: ET.Element) -> list[tuple[str, int]]:
    """The bookmarks one level below the parts (or the top level when the book has no parts)."""
    top = root.find("outline")
    if top is None:
        return []
    has_parts = bool(yaml.safe_load(TOC_PATH.read_text(encoding="utf-8")).get("parts"))
    outlines = top.findall("outline") if has_parts else [top]
    return [("".join(item.itertext()), int(item.get("page", "0")))
            for outline in outlines for item in outline.findall("item")]


@functools.cache
def book() -> Book:
    if not PDF.is_file():
        _unavailable(f"no PDF at {PDF}: build it with `make pdf` (needs TeX Live, see the README)")
    missing = [tool for tool in ("pdftotext", "pdftohtml") if shutil.which(tool) is None]
    if missing:
        _unavailable(f"{' and '.join(missing)} not found: install poppler-utils "
                     "(sudo apt-get install -y poppler-utils)")
    pages = _run("pdftotext", "-enc", "UTF-8", str(PDF), "-").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    root = ET.fromstring(_run("pdftohtml", "-xml", "-i", "-q", "-stdout", "-enc", "UTF-8", str(PDF)))
    fonts = {f.get("id"): f.get("family", "") for f in root.iter("fontspec")}
    prose, math_runs = [], []
    for page in root.findall("page"):
        words, math = [], 0
        for run in page.findall("text"):
            family = fonts.get(run.get("font"), "")
            if "Math" in family:
                math += 1
            elif "Mono" not in family:
                words.append("".join(run.itertext()))
        prose.append(" ".join(words))
        math_runs.append(math)
    marks = _bookmarks(root)
    front_end = (min(p for _, p in marks) - 1) if marks else len(pages)
    return Book(pages, prose, math_runs, marks[: len(CHAPTERS)], front_end)


# --- the tests ---------------------------------------------------------------------------


def test_page_count() -> None:
    b = book()
    assert len(b.pages) == len(b.prose), "pdftotext and pdftohtml disagree on the number of pages"
    low = MIN_PAGES_PER_CHAPTER * len(TOC_FILES)
    assert low <= len(b.pages) <= MAX_PAGES, (
        f"{len(b.pages)} pages: expected between {low} ({MIN_PAGES_PER_CHAPTER} per page of _toc.yml) "
        f"and {MAX_PAGES}")


def test_bookmarks_are_the_chapters_in_order() -> None:
    b = book()
    assert len(b.bookmarks) == len(CHAPTERS), (
        f"{len(b.bookmarks)} chapter bookmarks for {len(CHAPTERS)} chapters in _toc.yml: "
        f"{[t for t, _ in b.bookmarks]}")
    wrong = [(file, mark) for file, (mark, _) in zip(CHAPTERS, b.bookmarks)
             if not title_pattern(title(file)).search(_normal(mark))]
    assert not wrong, f"bookmarks out of the order of _toc.yml or mistitled: {wrong}"
    starts = [page for _, page in b.bookmarks]
    assert starts == sorted(starts), f"chapters' first pages out of order: {starts}"


def test_contents_lists_every_chapter() -> None:
    b = book()
    front = _normal(b.text(range(1, b.front_end + 1)))
    assert re.search(r"(?i)\bcontents\b", front), "no table of contents before the first part"
    missing = [file for file in CHAPTERS if not title_pattern(title(file)).search(front)]
    assert not missing, f"chapters missing from the table of contents: {missing}"


@pytest.mark.parametrize("file", TOC_FILES)
def test_chapter_title(file: str) -> None:
    b = book()
    pattern = title_pattern(title(file))
    assert pattern.search(_normal("\n".join(b.pages))), f"{file}: title {title(file)!r} not in the PDF"
    if file in CHAPTERS:
        # The chapter's heading, which the book's LaTeX style sets in capitals.
        first = b.chapter_pages(file)[0]
        assert title_pattern(title(file), re.I).search(_normal(b.pages[first - 1])), (
            f"{file}: its first page ({first}) does not carry its title {title(file)!r}")


@pytest.mark.parametrize("file", [f for f in CHAPTERS if figure_count(f)])
def test_figures_numbered_with_captions(file: str) -> None:
    b = book()
    k = CHAPTERS.index(file) + 1
    text = _normal(b.text(b.chapter_pages(file)))
    found = {int(i) for i in re.findall(rf"\bFig\. {k}\.(\d+): \S", text)}
    expected = set(range(1, figure_count(file) + 1))
    assert found == expected, (
        f"{file} (chapter {k}): captions Fig. {k}.i found for i in {sorted(found)}, "
        f"expected {sorted(expected)} ({figure_count(file)} figures in the source)")


@pytest.mark.parametrize("file", [f for f in TOC_FILES if has_math(f)])
def test_math_typeset(file: str) -> None:
    b = book()
    pages = b.chapter_pages(file) if file in CHAPTERS else range(1, b.front_end + 1)
    runs = sum(b.math_runs[p - 1] for p in pages)
    assert runs > 0, f"{file}: its source has math, but no text on pages {pages.start}-{pages.stop - 1} " \
                     "is set in the math font"


@pytest.mark.parametrize("file", [_mark("leaks", f) for f in TOC_FILES])
def test_no_leaks(file: str) -> None:
    b = book()
    pages = b.chapter_pages(file) if file in CHAPTERS else range(1, b.front_end + 1)
    found = []
    for p in pages:
        prose = b.prose[p - 1]
        for what, pattern in PROSE_LEAKS.items():
            for m in pattern.finditer(prose):
                found.append(f"p. {p}, {what}: ...{prose[max(0, m.start() - 50):m.end() + 30]}...")
        for m in RAW_REPR.finditer(b.pages[p - 1]):
            found.append(f"p. {p}, raw Python representation: {m.group(0)}")
    assert not found, f"{file}: " + "\n".join(found[:20])


# --- the parts of the build that need no PDF -------------------------------------------------


def test_pdf_configuration_reuses_the_cache_and_loads_the_pdf_extension() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("pdf_config", ROOT / "scripts" / "pdf_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config = module.pdf_config(base, ROOT)
    assert config["execute"]["cache"] == str((ROOT / "_build" / ".jupyter_cache").resolve())
    extensions = config["sphinx"]["local_extensions"]
    assert extensions["book_pdf"] == str((ROOT / "latex").resolve())
    assert all(Path(path).is_absolute() and Path(path).is_dir() for path in extensions.values())
    assert base["latex"]["latex_engine"] == "xelatex"
    assert "latex/bbm.sty" in base["sphinx"]["config"]["latex_additional_files"]
    assert (ROOT / "latex" / "bbm.sty").is_file()
    assert base == yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")), "base changed"


def test_html_tables_become_docutils_tables() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "latex"))
    try:
        from book_pdf import html_table_to_nodes
    finally:
        sys.path.remove(str(ROOT / "latex"))
    from docutils import nodes

    html = """<style>td {color: red}</style><table id="T_x"><caption>Two&nbsp;sources</caption>
      <thead><tr><th class="blank">&nbsp;</th><th></th><th colspan="2">characters</th></tr>
      <tr><th>source</th><th>split</th><th>a</th><th>b</th></tr></thead>
      <tbody><tr><th rowspan="2">kjv</th><th>train</th><td>59</td><td>3,651,703</td></tr>
      <tr><th>validation</th><td>7</td><td>487,269</td></tr></tbody></table>"""
    caption, table = html_table_to_nodes(html)
    assert caption.astext() == "Two sources"
    tgroup = table[0]
    assert tgroup["cols"] == 4
    head, body = tgroup.children[-2:]
    assert isinstance(head, nodes.thead) and isinstance(body, nodes.tbody)
    assert [e.get("morecols", 0) for e in head[0]] == [0, 0, 1]
    assert body[0][0]["morerows"] == 1 and body[0][0].astext() == "kjv"
    assert [e.astext() for e in body[1]] == ["validation", "7", "487,269"]
    assert "color" not in table.astext()
    assert html_table_to_nodes("<p>no table</p>") == []
