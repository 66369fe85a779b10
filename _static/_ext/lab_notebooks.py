"""The lab edition: the book's executed notebooks, readable outside the book (a Sphinx extension).

The chapters are MyST notebooks written for the book build: their prose says
``{glue:text}`defs-ratio:.1f``` where the book prints a computed number, ``{numref}`fig-defs-nopt```
where it prints "Fig. 2.3", ``{cite:t}`kaplan2020scaling``` where it prints "Kaplan et al. (2020)".
JupyterLab, even with ``jupyterlab-myst``, cannot resolve these: it has no glue data, no book-wide
numbering and no bibliography. This module makes, from each notebook as the book build executed it
(``_build/jupyter_execute/book/<name>.ipynb`` and ``<name>.glue.json``, with the outputs of the run
from the build's jupyter-cache: MyST-NB writes a notebook it took from its cache without them), a
copy whose markdown says what the book says:

- every glued number is the value the book printed, formatted as the book formats it (MyST-NB's own
  ``format_plain_text``), followed by a superscript ``[n]``: the code cell, prompt ``[n]`` of the
  book's run, that computes it (the cache keeps the glue outputs in their cells);
- ``{numref}``, ``{ref}``, ``{eq}`` and ``{doc}`` become the number or title the book build gave
  them (read from the Sphinx environment), a link when the target is another chapter;
- ``{cite:t}``/``{cite:p}`` become "Kaplan et al. (2020)"/"(Kaplan et al., 2020)", with the labels of
  the book's bibliography (``book_chrome.author_year_label``), and a "References" cell at the end
  lists the works the chapter cites; ``{term}`` becomes the term;
- a note after the title says where the numbers come from and what ``[n]`` means.

Two flavours:

``myst`` (``make lab``, for JupyterLab with ``jupyterlab-myst``)
    keeps the directives jupyterlab-myst renders: ``{exercise}`` (numbered as in the book with
    ``:enumerator:``), ``{solution}`` with ``:class: dropdown`` (folded), admonitions. Display math
    becomes ``{math}`` directives, numbered as in the book when labelled (``:enumerator: 2.3``) and
    unnumbered otherwise, since jupyterlab-myst would number every ``$$`` block (1), (2), ...
``plain`` (the page's download button, for any Jupyter front end or Colab)
    uses only CommonMark, HTML and ``$`` math: an exercise is a quoted paragraph that starts with
    **Exercise 2.1.**, a solution a ``<details>`` block, an admonition a quote with a bold title, a
    labelled equation carries ``\\tag{2.3}``. Its Colab cell also fetches the repository outside
    Colab when ``nsl_utils`` cannot be imported, so the downloaded notebook runs outside a clone.

When the book is built without solutions (``hide_solutions``, the student edition), both leave the
solutions out.

As a Sphinx extension (``sphinx.local_extensions`` in ``_config.yml``) it writes the ``plain``
edition of every executed notebook over the copy of its source in ``_build/html/_sources/``, which
is what the page's download button (".ipynb") offers. ``scripts/lab_edition.py`` makes the ``myst``
edition for ``make lab`` from a finished build's saved environment.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from book_chrome import AuthorYearStyle, author_year_label  # noqa: E402

FLAVOURS = ("myst", "plain")
#: Every role the converter resolves; any other ``{name}`...``` left in a notebook is an error.
ROLE = re.compile(r"\{(?P<name>[a-z][\w:-]*)\}`(?P<text>[^`]*)`")
#: Roles the converter must remove (the tests check that none is left).
RESOLVED_ROLES = (
    "glue", "glue:text", "glue:any", "glue:md", "numref", "ref", "eq", "doc", "term",
    "cite", "cite:t", "cite:p", "cite:ts", "cite:ps",
)
FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
CODE_FENCE_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
MATH_CLOSE = re.compile(r"^\s*\$\$\s*(?:\((?P<label>[^()\s]+)\))?\s*$")
TARGET = re.compile(r"^\s*\((?P<label>[^()\s]+)\)=\s*$")
COLAB_MARK = "# Colab only:"

NOTE_TEXT = (
    "This is the lab edition of a chapter of *Scaling Laws, Reproduced*, made from the book's own "
    "run: the outputs below and every number in the text are the values the book printed. Each "
    "number in the text is followed by a small [n]: the code cell, shown with [n]: at its left, "
    "that computes it. If you change an input and rerun, rerun that cell and print the variable "
    "it glues to see the new value. Figure, equation and exercise numbers are the book's; a link "
    "to another chapter opens that chapter's notebook."
)


class LabEditionError(ValueError):
    """A reference the book build does not know, or markup the converter cannot read."""


# --- what the book build knows ----------------------------------------------------------


@dataclass
class BookIndex:
    """Numbers, titles and citations as the book build assigned them."""

    #: label -> (docname, kind, number as "2.3" or "" when unnumbered, title)
    labels: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    #: equation label -> (docname, "2.3")
    equations: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: docname -> title (markdown)
    titles: dict[str, str] = field(default_factory=dict)
    #: docnames that are notebooks of the lab edition
    notebooks: set[str] = field(default_factory=set)
    numfig_format: dict[str, str] = field(default_factory=dict)
    eqref_format: str = "({number})"
    hide_solutions: bool = False
    math_macros: dict[str, str] = field(default_factory=dict)
    #: citation key -> pybtex Entry
    bibliography: dict[str, Any] = field(default_factory=dict)
    #: citation key -> "Kaplan et al., 2020"
    labels_of_works: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Any, srcdir: Path | None = None) -> "BookIndex":
        """Read the index from a Sphinx BuildEnvironment (live, or unpickled after a build)."""
        from pybtex.database import parse_file

        srcdir = Path(srcdir or env.srcdir)
        index = cls()
        config = env.config
        index.numfig_format = dict(getattr(config, "numfig_format", {}) or {})
        index.numfig_format.setdefault("exercise", "Exercise %s")
        index.eqref_format = getattr(config, "math_eqref_format", None) or "({number})"
        index.hide_solutions = bool(getattr(config, "hide_solutions", False))
        mathjax = getattr(config, "mathjax3_config", None) or {}
        index.math_macros = dict((mathjax.get("tex") or {}).get("macros") or {})

        # (docname, node id) -> (kind, "2.3"): numbered figures, exercises and equations.
        numbers: dict[tuple[str, str], tuple[str, str]] = {}
        for doc in env.found_docs:
            title = env.titles.get(doc)
            index.titles[doc] = _heading_markdown(srcdir, env, doc) or (
                title.astext() if title is not None else doc
            )
            for kind, ids in env.toc_fignumbers.get(doc, {}).items():
                for node_id, number in ids.items():
                    numbers[(doc, node_id)] = (kind, ".".join(map(str, number)))

        std = env.domaindata["std"]
        for label, (doc, node_id, title) in std["labels"].items():
            kind, number = numbers.get((doc, node_id), ("section", ""))
            index.labels[label] = (doc, kind, number, title)
        for label, (doc, number) in env.domaindata["math"]["objects"].items():
            node_id = "equation-" + label
            found = numbers.get((doc, node_id)) or numbers.get((doc, node_id.replace("_", "-")))
            index.equations[label] = (doc, found[1] if found else str(number))
        # Section titles with their math: the heading that follows a "(label)=" target.
        for doc in env.found_docs:
            for label, heading in _section_headings(srcdir, env, doc).items():
                if label in index.labels and index.labels[label][1] == "section":
                    d, kind, number, _ = index.labels[label]
                    index.labels[label] = (d, kind, number, heading)

        for bibfile in getattr(config, "bibtex_bibfiles", []) or []:
            index.bibliography.update(parse_file(str(srcdir / bibfile)).entries)
        return index


def _markdown_sources(srcdir: Path, env: Any, doc: str) -> list[str]:
    path = Path(env.doc2path(doc))
    if not path.is_absolute():
        path = srcdir / path
    if not path.is_file():
        return []
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    return [path.read_text(encoding="utf-8")]


def _heading_markdown(srcdir: Path, env: Any, doc: str) -> str | None:
    for text in _markdown_sources(srcdir, env, doc):
        match = re.search(r"^#\s+(.+?)\s*$", text, re.M)
        if match:
            return match.group(1)
    return None


def _section_headings(srcdir: Path, env: Any, doc: str) -> dict[str, str]:
    found = {}
    for text in _markdown_sources(srcdir, env, doc):
        for match in re.finditer(r"^\(([^()\s]+)\)=\s*\n+#{1,6}\s+(.+?)\s*$", text, re.M):
            found[match.group(1)] = match.group(2)
    return found


# --- glue data ----------------------------------------------------------------------------


def outputs_from_cache(executed: Any, cache_path: Path | None) -> tuple[Any, dict[str, int]]:
    """The notebook with the outputs of the build's run, and glue key -> index of its code cell.

    MyST-NB writes to ``jupyter_execute`` the notebook it read, which has the outputs only when the
    build executed it: a notebook it took from its jupyter-cache is written without them. The cache
    keeps the notebook as it ran, glue outputs included, so the outputs, the execution counts and
    which cell glued which key are taken from there, and the glue outputs then dropped as MyST-NB
    drops them. Without a cache record (no cache, or a build that did not cache), ``executed`` as it
    is and an empty mapping.
    """
    if cache_path is None or not Path(cache_path).is_dir():
        return executed, {}
    try:
        from jupyter_cache import get_cache

        _, merged = get_cache(str(cache_path)).merge_match_into_notebook(executed)
    except Exception:  # no record (the build did not cache it), or a cache of another version
        return executed, {}
    from myst_nb.ext.glue import extract_glue_data_cell

    found: dict[str, int] = {}
    for i, cell in enumerate(merged.cells):
        if cell.cell_type == "code":
            for key, _ in extract_glue_data_cell(cell):
                found.setdefault(key, i)
    return merged, found


def glue_cells_from_source(executed: Any) -> dict[str, int]:
    """Glue key -> code cell, for keys given as string literals to ``glue``/``glue_*`` calls."""
    found: dict[str, int] = {}
    call = re.compile(r"""\bglue\w*\(\s*["']([^"'{}]+)["']""")
    for i, cell in enumerate(executed.cells):
        if cell.cell_type == "code":
            for match in call.finditer(cell.source):
                found.setdefault(match.group(1), i)
    return found


def format_glue_text(data: dict[str, Any], fmt: str) -> str:
    """A glued value's text as MyST-NB's ``{glue:text}`` role prints it."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(data["text/plain"], fmt)


# --- one notebook ----------------------------------------------------------------------


@dataclass
class _Context:
    doc: str
    index: BookIndex
    flavour: str
    glue: dict[str, Any]
    glue_cells: dict[str, int]
    executed: Any
    cited: list[str] = field(default_factory=list)


def _escape_inline(text: str) -> str:
    """Text safe to drop into markdown prose (a glued value may hold *, _, |, $ or <)."""
    text = re.sub(r"([\\`*_|$\[\]])", r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _relative_doc(current: str, target: str) -> str:
    """A ``{doc}`` target as a docname: relative to the current document's folder unless absolute."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = PurePosixPath(current).parent
    parts: list[str] = []
    for part in (folder / target).parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _split_title(text: str) -> tuple[str | None, str]:
    """``title <target>`` -> (title, target); ``target`` -> (None, target)."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", text, re.S)
    if match and match.group(1):
        return match.group(1), match.group(2).strip()
    return None, text.strip()


def _link(ctx: _Context, text: str, doc: str) -> str:
    """``text``, a link to ``doc``'s notebook when it is another chapter of the lab edition."""
    if doc != ctx.doc and doc in ctx.index.notebooks:
        rel = PurePosixPath(doc).name + ".ipynb"
        if PurePosixPath(doc).parent != PurePosixPath(ctx.doc).parent:
            rel = "../" * len(PurePosixPath(ctx.doc).parent.parts) + doc + ".ipynb"
        return f"[{text}]({rel})"
    return text


def _label(index: BookIndex, key: str) -> str:
    """The book's author-year label of a work, "Kaplan et al., 2020" (computed once: pybtex is slow)."""
    if key not in index.labels_of_works:
        index.labels_of_works[key] = author_year_label(index.bibliography[key])
    return index.labels_of_works[key]


def _cite_parts(ctx: _Context, key: str) -> tuple[str, str]:
    entry = ctx.index.bibliography.get(key)
    if entry is None:
        raise LabEditionError(f"{ctx.doc}: citation {key!r} is not in the bibliography")
    if key not in ctx.cited:
        ctx.cited.append(key)
    who, _, year = _label(ctx.index, key).rpartition(", ")
    return who, year


def _resolve_role(ctx: _Context, name: str, text: str) -> str:
    index = ctx.index
    if name.startswith("glue"):
        key, fmt = text, "s"
        if name in ("glue:text", "glue:md") and ":" in text:
            key, fmt = text.rsplit(":", 1)
        if "::" in key:
            raise LabEditionError(f"{ctx.doc}: glue from another document ({text!r}) is not supported")
        if key not in ctx.glue:
            raise LabEditionError(f"{ctx.doc}: no glued value {key!r}")
        data = ctx.glue[key].get("data", {})
        if name == "glue:md" and "text/markdown" in data:
            value = data["text/markdown"]
        elif "text/plain" in data:
            value = _escape_inline(format_glue_text(data, fmt if name != "glue:md" else "s"))
        else:
            value = "(an output)"
        cell = ctx.glue_cells.get(key)
        count = ctx.executed.cells[cell].get("execution_count") if cell is not None else None
        pointer = f"[{count}]" if count else "[computed in this notebook]"
        return f"{value}<sup>{pointer}</sup>"
    if name == "term":
        title, target = _split_title(text)
        return title or target
    if name.startswith("cite"):
        parts = [_cite_parts(ctx, k.strip()) for k in text.split(",") if k.strip()]
        if name in ("cite:t", "cite:ts"):
            return "; ".join(f"{who} ({year})" for who, year in parts)
        return "(" + "; ".join(f"{who}, {year}" for who, year in parts) + ")"
    if name == "doc":
        title, target = _split_title(text)
        doc = _relative_doc(ctx.doc, target)
        if doc not in index.titles:
            raise LabEditionError(f"{ctx.doc}: {{doc}} target {target!r} is not in the book")
        return _link(ctx, title or index.titles[doc], doc)
    if name == "eq":
        title, target = _split_title(text)
        if target not in index.equations:
            raise LabEditionError(f"{ctx.doc}: no equation labelled {target!r}")
        doc, number = index.equations[target]
        label = title or index.eqref_format.format(number=number)
        return _link(ctx, label, doc)
    if name in ("numref", "ref"):
        title, target = _split_title(text)
        target = target.lower()
        if target not in index.labels:
            raise LabEditionError(f"{ctx.doc}: no label {target!r} in the book")
        doc, kind, number, heading = index.labels[target]
        if number and (name == "numref" or (kind == "exercise" and not title)):
            template = title or index.numfig_format.get(kind, "%s")
            label = template.replace("%s", number).replace("{number}", number)
            label = label.replace("{name}", heading)
        else:
            label = title or heading
            if not title and kind == "section" and doc == ctx.doc:
                label = f"*{label}*"
        return _link(ctx, label, doc)
    raise LabEditionError(f"{ctx.doc}: role {{{name}}} is not supported")


def resolve_roles(ctx: _Context, text: str) -> str:
    """Every resolvable role of a line of prose, replaced by what the book prints."""

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in RESOLVED_ROLES:
            return match.group(0)
        return _resolve_role(ctx, name, match.group("text"))

    return ROLE.sub(replace, text)


def _macros(ctx: _Context, text: str) -> str:
    for name, body in ctx.index.math_macros.items():
        body = body[0] if isinstance(body, list) else body
        text = re.sub(r"\\" + re.escape(name) + r"(?![A-Za-z])", lambda _m, b=body: b, text)
    return text


def convert_markdown(ctx: _Context, source: str) -> str:
    """One markdown cell of the book, as the lab edition's flavour writes it."""
    lines = source.split("\n")
    out: list[str] = []
    # Open directives: (fence char, fence length as written, length written, kind, prefix).
    stack: list[dict[str, Any]] = []
    prefix = ""
    i = 0
    plain = ctx.flavour == "plain"

    def emit(line: str) -> None:
        out.append((prefix + line).rstrip() if line.strip() or prefix else line)

    def skip() -> bool:
        return any(frame.get("skip") for frame in stack)

    while i < len(lines):
        line = lines[i]
        # The closing fence of the innermost open directive.
        if stack and re.match(
            rf"^\s*{re.escape(stack[-1]['char'])}{{{stack[-1]['length']},}}\s*$", line
        ):
            frame = stack.pop()
            prefix = frame["outer_prefix"]
            if not frame.get("skip") and not skip():
                for closing in frame["close"]:
                    emit(closing)
            i += 1
            continue
        # A code block: copied as it is.
        code = CODE_FENCE_OPEN.match(line)
        if code and not FENCE_OPEN.match(line):
            fence = code.group("fence")
            if not skip():
                emit(line)
            i += 1
            while i < len(lines):
                if not skip():
                    emit(lines[i])
                if re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[i]):
                    break
                i += 1
            i += 1
            continue
        opener = FENCE_OPEN.match(line)
        if opener:
            i = _open_directive(ctx, lines, i, opener, stack, emit, skip, plain, prefix)
            prefix = stack[-1]["prefix"] if stack else prefix
            continue
        # Display math, $$ ... $$ with an optional (label).
        if line.strip() == "$$":
            body: list[str] = []
            i += 1
            while i < len(lines) and not MATH_CLOSE.match(lines[i]):
                body.append(_macros(ctx, lines[i]))
                i += 1
            if i == len(lines):
                raise LabEditionError(f"{ctx.doc}: a $$ block is not closed")
            label = MATH_CLOSE.match(lines[i]).group("label")
            i += 1
            if skip():
                continue
            number = None
            if label:
                if label not in ctx.index.equations:
                    raise LabEditionError(f"{ctx.doc}: equation {label!r} has no number")
                number = ctx.index.equations[label][1]
            if plain:
                emit("$$")
                for b in body:
                    emit(b)
                if number:
                    emit(f"\\tag{{{number}}}")
                emit("$$")
            else:
                emit("```{math}")
                if label:
                    emit(f":label: {label}")
                    emit(f":enumerator: {number}")
                else:
                    emit(":enumerated: false")
                for b in body:
                    emit(b)
                emit("```")
            continue
        if skip():
            i += 1
            continue
        target = TARGET.match(line)
        if target and plain:
            i += 1
            continue
        emit(resolve_roles(ctx, _inline_math_macros(ctx, line)))
        i += 1
    if stack:
        raise LabEditionError(f"{ctx.doc}: directive {stack[-1]['name']} is not closed")
    return "\n".join(out).strip("\n")


def _inline_math_macros(ctx: _Context, line: str) -> str:
    if not ctx.index.math_macros or "$" not in line:
        return line
    return re.sub(r"\$[^$]+\$", lambda m: _macros(ctx, m.group(0)), line)


def _open_directive(ctx, lines, i, opener, stack, emit, skip, plain, prefix) -> int:
    """Handle a directive's opening line and options; returns the index of its first body line."""
    name, arg = opener.group("name"), opener.group("arg").strip()
    fence = opener.group("fence")
    options: list[tuple[str, str]] = []
    j = i + 1
    while j < len(lines) and OPTION.match(lines[j]):
        match = OPTION.match(lines[j])
        options.append((match.group("key"), match.group("value")))
        j += 1
    opts = dict(options)
    frame: dict[str, Any] = {
        "char": fence[0], "length": len(fence), "name": name, "close": [],
        "outer_prefix": prefix, "prefix": prefix,
    }
    stack.append(frame)
    if skip() and not frame.get("skip"):
        return j
    if name == "solution" and ctx.index.hide_solutions:
        frame["skip"] = True
        return j
    arg = resolve_roles(ctx, arg)
    if plain:
        if name == "exercise":
            label = opts.get("label", "").lower()
            number = ctx.index.labels.get(label, ("", "", "", ""))[2]
            title = f"**Exercise {number}.**" if number else "**Exercise.**"
            if arg:
                title += f" ({arg})"
            emit(f"> {title}")
            emit(">")
            frame["prefix"] = prefix + "> "
            frame["close"] = [""]
        elif name in ("solution", "dropdown"):
            if name == "solution":
                label = arg.lower()
                number = ctx.index.labels.get(label, ("", "", "", ""))[2]
                summary = f"Solution to Exercise {number}" if number else "Solution"
            else:
                summary = arg or "Details"
            emit(f"<details><summary>{summary}</summary>")
            emit("")
            frame["close"] = ["", "</details>"]
        else:
            # An admonition (or any other box): a quote with its title in bold.
            title = arg or name.replace("-", " ").capitalize()
            emit(f"> **{title}**")
            emit(">")
            frame["prefix"] = prefix + "> "
            frame["close"] = [""]
        return j
    # myst: the directive as it is, with a backtick fence one longer than any math inside it.
    new_fence = fence if fence[0] == ":" else "`" * max(len(fence), 4)
    emit(f"{new_fence}{{{name}}}" + (f" {arg}" if arg else ""))
    for key, value in options:
        emit(f":{key}: {value}".rstrip())
    if name == "exercise" and "enumerator" not in opts:
        label = opts.get("label", "").lower()
        number = ctx.index.labels.get(label, ("", "", "", ""))[2]
        if number:
            emit(f":enumerator: {number}")
    frame["close"] = [new_fence]
    return j


def _references_cell(ctx: _Context) -> str | None:
    if not ctx.cited:
        return None
    from pybtex.backends.markdown import Backend

    style, backend = AuthorYearStyle(), Backend()
    items = []
    for key in ctx.cited:
        entry = ctx.index.bibliography[key]
        text = style.format_entry(_label(ctx.index, key), entry).text.render(backend)
        items.append((_label(ctx.index, key).lower(), "- " + text.replace("\n", " ")))
    items.sort()
    return "## References\n\n" + "\n".join(item for _, item in items)


def _note_cell(ctx: _Context) -> str:
    if ctx.flavour == "myst":
        return f":::{{note}} The lab edition\n{NOTE_TEXT}\n:::"
    return "> **The lab edition.** " + NOTE_TEXT


def _colab_cell_anywhere(source: str) -> str:
    """The Colab cell, made to fetch the repository wherever ``nsl_utils`` cannot be imported."""
    if not source.startswith(COLAB_MARK) or 'if "google.colab" in sys.modules:' not in source:
        return source
    source = source.replace(
        COLAB_MARK + " fetch",
        "# Outside a clone of the book's repository (Colab, or a downloaded notebook): fetch",
        1,
    )
    source = source.replace(
        'if "google.colab" in sys.modules:',
        "import importlib.util\n"
        'if "google.colab" in sys.modules or importlib.util.find_spec("nsl_utils") is None:',
        1,
    )
    # Colab clones into /content; elsewhere next to the notebook.
    source = re.sub(
        r'"/content/([\w.-]+)"',
        r'("/content/\1" if "google.colab" in sys.modules else "\1")',
        source,
    )
    return source


def convert_notebook(
    executed: Any,
    doc: str,
    index: BookIndex,
    glue: dict[str, Any],
    glue_cells: dict[str, int] | None = None,
    flavour: str = "myst",
) -> Any:
    """The lab edition of one executed notebook (a new ``NotebookNode``)."""
    if flavour not in FLAVOURS:
        raise ValueError(f"flavour must be one of {FLAVOURS}, not {flavour!r}")
    nb = copy.deepcopy(executed)
    # A notebook MyST-NB took from its cache has outputs but no execution counts; the build ran
    # the cells in order, so number them so, as the pointers after glued numbers read them.
    for ordinal, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        if cell.get("execution_count") is None:
            cell.execution_count = ordinal
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = ordinal
    cells = glue_cells_from_source(nb)
    cells.update(glue_cells or {})
    ctx = _Context(doc=doc, index=index, flavour=flavour, glue=glue, glue_cells=cells, executed=nb)
    title_at = None
    for position, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = convert_markdown(ctx, cell.source)
            if title_at is None and re.search(r"^#\s", cell.source, re.M):
                title_at = position
        elif cell.cell_type == "code" and flavour == "plain":
            cell.source = _colab_cell_anywhere(cell.source)
    note = nbformat.v4.new_markdown_cell(_note_cell(ctx))
    nb.cells.insert(0 if title_at is None else title_at + 1, note)
    references = _references_cell(ctx)
    if references:
        nb.cells.append(nbformat.v4.new_markdown_cell(references))
    nb.metadata.setdefault("lab_edition", {})
    nb.metadata["lab_edition"] = {"flavour": flavour, "book_document": doc}
    return nb


def leftover_roles(nb: Any) -> list[str]:
    """Every resolvable role still in a notebook's markdown (empty for a finished lab edition)."""
    left = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            left += [m.group(0) for m in ROLE.finditer(cell.source) if m.group("name") in RESOLVED_ROLES]
    return left


# --- a whole build ----------------------------------------------------------------------


def executed_notebooks(output_folder: Path) -> dict[str, Path]:
    """docname -> executed notebook in MyST-NB's output folder (``_build/jupyter_execute``)."""
    found = {}
    for path in sorted(Path(output_folder).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        found[path.relative_to(output_folder).with_suffix("").as_posix()] = path
    return found


def convert_build(
    index: BookIndex,
    output_folder: Path,
    cache_path: Path | None,
    flavour: str,
    docs: list[str] | None = None,
) -> dict[str, Any]:
    """docname -> lab-edition notebook, for every executed notebook of a build (or ``docs``)."""
    found = executed_notebooks(output_folder)
    index.notebooks = set(found)
    result = {}
    for doc, path in found.items():
        if docs is not None and doc not in docs:
            continue
        executed, cells = outputs_from_cache(nbformat.read(path, as_version=4), cache_path)
        glue_path = path.with_name(path.stem + ".glue.json")
        glue = json.loads(glue_path.read_text(encoding="utf-8")) if glue_path.is_file() else {}
        result[doc] = convert_notebook(executed, doc, index, glue, cells, flavour)
    return result


# --- the Sphinx extension: the download button offers the executed, readable notebook ----


def _write_downloads(app: Any, exception: Exception | None) -> None:
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    if exception is not None or app.builder.format != "html":
        return
    config = app.env.mystnb_config
    output_folder = Path(config.output_folder)
    if not output_folder.is_dir():
        return
    index = BookIndex.from_env(app.env)
    cache = Path(config.execution_cache_path) if config.execution_cache_path else None
    docs = [d for d in executed_notebooks(output_folder) if d in app.env.found_docs]
    try:
        editions = convert_build(index, output_folder, cache, "plain", docs)
    except LabEditionError as error:
        logger.warning(f"lab edition: {error}", type="lab_edition")
        return
    sources = Path(app.outdir) / "_sources"
    written = 0
    for doc, nb in editions.items():
        target = sources / f"{doc}.ipynb"
        if target.parent.is_dir():
            nbformat.write(nb, target)
            written += 1
    logger.info(f"lab edition: {written} executed notebooks written for the download buttons")


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _write_downloads)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
