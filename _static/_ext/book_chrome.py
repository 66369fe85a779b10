"""Two fixes to the book's HTML that _config.yml alone cannot make (a local Sphinx extension).

1. An author-year bibliography. The citations in the text are author-year
   (``bibtex_reference_style: author_year``), but sphinxcontrib-bibtex labels the entries of the
   bibliography with the pybtex style's labels, which for ``plain`` are numbers [1], [2], ...
   The style ``authoryear`` registered here is pybtex's ``plain`` with labels made the way the
   citations are: "Kaplan et al., 2020", "Pearce and Song, 2024", "Hutter, 2021" (with a, b, ...
   when two works would share a label). Select it with ``bibtex_default_style: authoryear``.

2. The duplicated ``const THEBE_JS_URL`` script. Sphinx 7.4 registers an inline script added after
   the builder starts (``app.add_js_file(None, body=...)``, as sphinx-thebe and
   sphinx-togglebutton do) twice: once as filename ``None`` and, when it re-reads its registry
   before writing, once more as filename ``""``, and the two do not compare equal. Every page then
   declares ``const THEBE_JS_URL`` twice and the browser logs "Identifier 'THEBE_JS_URL' has
   already been declared". Here each page's script list keeps the first of equal scripts.

This folder sits under ``_static`` only so that the book's chrome lives in one place; it is left
out of the built site by ``exclude_patterns`` in ``_config.yml``.
"""

from __future__ import annotations

import os
from collections import Counter
from string import ascii_lowercase
from typing import Any

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting


def _surname(person: Any) -> str:
    """A person's surname as plain text ("{Epoch AI}" -> "Epoch AI", "de Las Casas" kept)."""
    parts = [*person.prelast_names, *person.last_names]
    return Text.from_latex(" ".join(parts)).render_as("text")


def author_year_label(entry: Any) -> str:
    """The label the text's author-year citations use: "Kaplan et al., 2020"."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in persons]
    if not names:
        who = entry.fields.get("key") or entry.fields.get("title", entry.key)
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2 and names[1] != "others":
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author-year labels; works that would share one get a, b, ... after the year."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year_label(e) for e in entries]
        counts, seen = Counter(labels), Counter()
        for label in labels:
            if counts[label] > 1:
                yield label + ascii_lowercase[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearSorting(AuthorYearTitleSorting):
    """Author, year, title, with surnames read as printed ("{Epoch AI}" sorts under E)."""

    def person_key(self, person: Any) -> str:
        first = Text.from_latex(" ".join(person.first_names + person.middle_names)).render_as("text")
        return f"{_surname(person)}  {first}".lower()


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` entries, sorted by author, year and title, with author-year labels."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearSorting


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    kept, seen = [], set()
    for script in scripts:
        filename = getattr(script, "filename", script)
        key = (
            os.fspath(filename) if filename else "",
            getattr(script, "priority", None),
            tuple(sorted(getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app) -> dict[str, Any]:
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    # After every other handler, so that scripts they add are seen too.
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
