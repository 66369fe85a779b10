r"""Five fixes to the book's PDF that _config.yml alone cannot make (a Sphinx extension).

``make pdf`` loads it through the configuration ``scripts/pdf_config.py`` writes for the LaTeX
build; the HTML build never sees it. It does nothing for builders other than LaTeX.

1. Exercise numbers as in the HTML book. sphinx-jupyterbook-latex makes the parts of ``_toc.yml``
   LaTeX parts and, with them, sets ``numfig_secnum_depth`` to 2. That depth does two things: in
   the LaTeX it makes figures, tables and equations count within each chapter (Fig. 2.1; sphinx.sty's
   ``numfigreset``, which counts from the part), which the book wants; and in the numbers Sphinx
   itself gives to exercises (which have no LaTeX counter) it adds the section: "Exercise 2.10.4"
   where the HTML book, the teaching page and every reference say "Exercise 2.4", which it does
   not. So Sphinx reads the pages and numbers the exercises with depth 1, and the LaTeX is written
   with the depth sphinx-jupyterbook-latex chose. (The environment is pickled between the two,
   with depth 1, the value the next build starts with, so a second ``make pdf`` does not re-read
   every page for a changed setting.)

2. References to an exercise of another chapter. sphinx-exercise writes a reference to an
   exercise of the same chapter as ``\hyperref[exercise:<label>]{Exercise 2.4}``, but one from
   another page (the teaching page's lesson plans name dozens) is left to Sphinx, whose LaTeX
   writer prints the number with ``\ref{<doc>:<label>}``: a LaTeX label that exercises, which
   have no LaTeX counter, do not set, so the PDF said "Exercise ??". Each such reference is handed
   to sphinx-exercise's own LaTeX reference node, as one within the chapter is.

3. Tables. The notebooks show their tables as pandas ``Styler`` objects and DataFrames, whose
   formatted form is their ``text/html`` output; LaTeX cannot use HTML, so MyST-NB falls back to
   ``text/plain``, which for a Styler is ``<pandas.io.formats.style.Styler at 0x...>`` and for a
   DataFrame an unformatted block of monospaced text. Here every such ``text/html`` output that
   holds a ``<table>`` becomes a docutils table (header rows, row headers, row and column spans
   and the caption kept; the cells' text as the HTML book shows it), which Sphinx typesets like
   the tables of the text. Other outputs are left to MyST-NB.

4. "Solution to Exercise 2.4". sphinx-exercise titles a solution "Solution to" followed by a link
   whose text starts with the space, " Exercise 2.4"; LaTeX drops a space that opens the link's
   text, so the PDF read "Solution toExercise 2.4". The space moves out of the link.

5. Titles with math in references. A reference to a page or a section without text of its own
   (``{doc}`kaplan_method```, ``{ref}`sec-kaplan-cmin```) gets from Sphinx the target's title as
   plain text, so a title with math reads as its LaTeX source: "How Kaplan et al. measured
   N_{\text{opt}} \propto C_{\text{min}}^{0.73}". Such a reference gets the title itself, math
   typeset, as its text.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.latex import LaTeXBuilder
from sphinx.transforms.post_transforms import SphinxPostTransform


def number_exercises_by_chapter(app: Sphinx) -> None:
    """``builder-inited``, after sphinx-jupyterbook-latex's handler: Sphinx numbers by chapter."""
    if isinstance(app.builder, LaTeXBuilder):
        app.env.book_pdf_latex_secnum_depth = app.config.numfig_secnum_depth
        app.config.numfig_secnum_depth = 1


def number_latex_by_part(app: Sphinx, doctree: Any, docname: str) -> None:
    """``doctree-resolved``, which the LaTeX builder emits for the whole book after reading and
    pickling the environment and before it writes: give the LaTeX writer back
    sphinx-jupyterbook-latex's depth."""
    depth = getattr(app.env, "book_pdf_latex_secnum_depth", None)
    if isinstance(app.builder, LaTeXBuilder) and depth is not None:
        app.config.numfig_secnum_depth = depth


class CrossChapterExerciseReferences(SphinxPostTransform):
    """A reference ``%doc#label`` to an enumerated exercise becomes one ``#label`` (``refid``),
    which sphinx-exercise's ``ResolveLinkTextToSolutions`` (priority 22) writes for LaTeX."""

    default_priority = 21
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        registry = getattr(self.env, "sphinx_exercise_registry", None)
        if not registry:
            return
        from sphinx_exercise.nodes import exercise_enumerable_node

        for node in list(self.document.findall(nodes.reference)):
            refuri = node.get("refuri", "")
            if node.get("refid") or not refuri.startswith("%") or "#" not in refuri:
                continue
            docname, label = refuri[1:].split("#", 1)
            target = registry.get(label)
            if (target is None or target.get("docname") != docname
                    or not isinstance(target.get("node"), exercise_enumerable_node)):
                continue
            del node["refuri"]
            node["refid"] = label


class _Cell:
    def __init__(self, header: bool, colspan: int, rowspan: int) -> None:
        self.header, self.colspan, self.rowspan, self.text = header, colspan, rowspan, ""


class _HTMLTable(HTMLParser):
    """The first ``<table>`` of an HTML fragment: its caption and its rows of cells, each row
    marked as a header row (in ``<thead>``) or not. Text inside ``<style>`` is ignored."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.caption = ""
        self.rows: list[tuple[bool, list[_Cell]]] = []
        self._in = {"table": 0, "thead": 0, "style": 0, "caption": 0}
        self._cell: _Cell | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if tag in self._in:
            self._in[tag] += 1
        elif tag == "tr" and self._in["table"]:
            self.rows.append((bool(self._in["thead"]), []))
        elif tag in ("td", "th") and self.rows:
            a = dict(attrs)
            self._cell = _Cell(tag == "th", int(a.get("colspan") or 1), int(a.get("rowspan") or 1))
            self.rows[-1][1].append(self._cell)
        elif tag == "br" and self._cell is not None:
            self._cell.text += " "

    def handle_endtag(self, tag: str) -> None:
        if self._done:
            return
        if tag in self._in:
            self._in[tag] = max(0, self._in[tag] - 1)
            if tag == "table" and not self._in["table"]:
                self._done = True
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._done or self._in["style"]:
            return
        if self._cell is not None:
            self._cell.text += data
        elif self._in["caption"]:
            self.caption += data


def _clean(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def html_table_to_nodes(html: str) -> list[nodes.Element]:
    """The docutils nodes (a caption paragraph, if any, and a table) for the first table of
    ``html``, or ``[]`` when it has none."""
    parser = _HTMLTable()
    parser.feed(html)
    parser.close()
    rows = [(head, cells) for head, cells in parser.rows if cells]
    if not rows:
        return []
    # The number of columns: lay the rows out as a browser does, with row spans carried down.
    ncols, covering = 0, {}  # column -> rows (from this one) that a cell above still covers
    for _, cells in rows:
        covered, col = {c for c, n in covering.items() if n > 0}, 0
        for cell in cells:
            while col in covered:
                col += 1
            for k in range(cell.colspan):
                covering[col + k] = cell.rowspan
            col += cell.colspan
        ncols = max(ncols, col, max(covered, default=-1) + 1)
        covering = {c: n - 1 for c, n in covering.items() if n > 1}
    table = nodes.table(classes=["nb-output-table"])
    tgroup = nodes.tgroup(cols=ncols)
    table += tgroup
    tgroup += [nodes.colspec(colwidth=1) for _ in range(ncols)]
    thead, tbody = nodes.thead(), nodes.tbody()
    for head, cells in rows:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if cell.colspan > 1:
                entry["morecols"] = cell.colspan - 1
            if cell.rowspan > 1:
                entry["morerows"] = cell.rowspan - 1
            text = _clean(cell.text)
            if text:
                para = nodes.paragraph()
                para += nodes.strong(text, text) if cell.header and not head else nodes.Text(text)
                entry += para
            row += entry
        (thead if head else tbody).append(row)
    if len(thead):
        tgroup += thead
    tgroup += tbody
    out: list[nodes.Element] = []
    caption = _clean(parser.caption)
    if caption:
        out.append(nodes.paragraph(caption, caption))
    out.append(table)
    return out


class TablesFromHTML(SphinxPostTransform):
    """Before MyST-NB's ``SelectMimeType`` (priority 4) picks ``text/plain`` for LaTeX: each
    output bundle with an HTML table is replaced by that table as docutils nodes."""

    default_priority = 3
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        def is_bundle(node: nodes.Node) -> bool:
            return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"

        for bundle in list(self.document.findall(is_bundle)):
            for mime in bundle.children:
                if mime.get("mime_type") != "text/html":
                    continue
                html = "".join(raw.astext() for raw in mime.findall(nodes.raw))
                if "<table" not in html:
                    continue
                new = html_table_to_nodes(html)
                if new:
                    bundle.replace_self(new)
                break


class SolutionTitleSpace(SphinxPostTransform):
    """After sphinx-exercise has made the solutions' titles (priority 21): "Solution to" + " "
    + link("Exercise 2.4") instead of "Solution to" + link(" Exercise 2.4")."""

    default_priority = 23
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        from sphinx_exercise.nodes import solution_node

        for solution in self.document.findall(solution_node):
            title = solution.children[0] if solution.children else None
            if not isinstance(title, nodes.title) or len(title.children) < 2:
                continue
            text, link = title.children[0], title.children[1]
            if not (isinstance(text, nodes.Text) and isinstance(link, nodes.reference)
                    and link.children and isinstance(link.children[0], nodes.Text)):
                continue
            first = link.children[0]
            if first.startswith(" ") and not text.endswith(" "):
                title.replace(text, nodes.Text(str(text) + " "))
                link.replace(first, nodes.Text(str(first).lstrip(" ")))


class MathInReferenceTitles(SphinxPostTransform):
    """After Sphinx has resolved the references (priority 10): a reference whose text is the
    plain text of a section title with math gets that title's nodes instead."""

    default_priority = 15
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        titles: dict[str, nodes.title] = {}
        for title in self.document.findall(nodes.title):
            if isinstance(title.parent, nodes.section) and any(title.findall(nodes.math)):
                titles.setdefault(title.astext(), title)
        if not titles:
            return
        for ref in self.document.findall(nodes.reference):
            title = titles.get(ref.astext())
            if title is None or any(ref.findall(nodes.math)):
                continue
            only = ref.children[0] if len(ref.children) == 1 else None
            inner = only if isinstance(only, nodes.inline) else ref
            inner.children = []
            inner.extend(child.deepcopy() for child in title.children)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", number_exercises_by_chapter, priority=900)
    app.connect("doctree-resolved", number_latex_by_part)
    app.add_post_transform(CrossChapterExerciseReferences)
    app.add_post_transform(TablesFromHTML)
    app.add_post_transform(SolutionTitleSpace)
    app.add_post_transform(MathInReferenceTitles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
