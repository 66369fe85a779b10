"""The teaching page is a kit per lesson (issue 13), and what it says about exercises is true.

Each lesson has learning goals, pre-reading, a 90-minute plan whose rows follow on from each other,
the exercises to assign with their kind, and the figures for slides. Every exercise and figure it
names exists in the chapters, and the kind it gives an exercise is the one the exercise states in
its first line. Notebook run times are not typed: the build writes them (MyST-NB's nb-exec-table).
The chapters and sections of issue 15 have their place: a lesson each for Kaplan's method and for
data-constrained scaling, and the mixture-of-experts and inference-aware sections in the lessons
that teach their chapters.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
KINDS = ("pen and paper", "change a number", "open")


def _page() -> str:
    return (BOOK / "teaching.md").read_text()


def _lessons() -> dict[str, str]:
    parts = re.split(r"^## (Lesson \d+: .*)$", _page(), flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ", 1)[0] for i in range(1, len(parts), 2)}


def _markdown_of_chapters() -> str:
    text = []
    for path in BOOK.glob("*.ipynb"):
        text += ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "markdown"]
    return "\n".join(text)


def _exercise_kinds() -> dict[str, str | None]:
    """Each exercise label of the chapters and the kind its first line states (None if it states none)."""
    found = {}
    for match in re.finditer(r"```\{exercise\}[^\n]*\n:label: (\S+)\n+(.*)", _markdown_of_chapters()):
        first = re.match(r"\*\*(.+?)\.\*\*", match.group(2))
        found[match.group(1)] = first.group(1).lower() if first and first.group(1).lower() in KINDS else None
    return found


def _figure_labels() -> set[str]:
    labels = set()
    for path in BOOK.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
            if name:
                labels.add(name)
    return labels


NUMBER_WORDS = {5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def test_lessons_are_numbered_in_order_and_counted_in_the_opening():
    numbers = [int(re.match(r"Lesson (\d+):", name).group(1)) for name in _lessons()]
    assert numbers == list(range(1, 8)), numbers
    assert f"{NUMBER_WORDS[len(numbers)]} lessons of 90 minutes" in _page()


def _lesson(title_start: str) -> str:
    return next(text for name, text in _lessons().items() if name.split(": ", 1)[1].startswith(title_start))


@pytest.mark.parametrize("chapter, title", [("kaplan_method", "how Kaplan et al. measured"),
                                            ("data_constrained", "running out of data")])
def test_the_new_chapters_have_a_lesson_of_their_own(chapter, title):
    """Issue 15: each new chapter is the pre-reading of its lesson, whose kit assigns its exercises."""
    lesson = _lesson(title)
    pre_reading = lesson.split("**Pre-reading**", 1)[1].split("\n\n", 1)[0]
    assert f"{{doc}}`{chapter}`" in pre_reading, pre_reading
    prefix = {"kaplan_method": "ex-kaplan-", "data_constrained": "ex-dc-"}[chapter]
    assigned = set(re.findall(r"\{ref\}`(ex-[\w-]+)`", lesson.split("**Exercises to assign.**", 1)[1]))
    chapter_exercises = {label for label in _exercise_kinds() if label.startswith(prefix)}
    assert chapter_exercises and chapter_exercises <= assigned, sorted(chapter_exercises - assigned)


def test_the_new_sections_are_in_the_lesson_of_their_chapter():
    """Issue 15: mixtures of experts (definitions chapter) and inference-aware planning (calculator) in lesson 1."""
    lesson = _lesson("what a scaling law is")
    for name in ("<defs-moe>`", "{ref}`ex-defs-5`", "{numref}`fig-defs-moe-ratio`",
                 "--inference-tokens", "{ref}`ex-calculator-5`", "{numref}`fig-calculator-inference`"):
        assert name in lesson, name


@pytest.mark.parametrize("lesson", list(_lessons()))
def test_each_lesson_is_a_kit(lesson):
    text = _lessons()[lesson]
    for part in ("**Goals.**", "**Pre-reading**", "**In class.**", "**Exercises to assign.**",
                 "**Figures for slides.**", "**Project.**"):
        assert part in text, f"{lesson}: no {part}"
    rows = re.findall(r"^\| (\d+)–(\d+) \| ([^|]+) \|", text, flags=re.M)
    assert rows, f"{lesson}: no timed plan"
    assert rows[0][0] == "0" and rows[-1][1] == "90", rows
    for (_, end, _), (start, _, _) in zip(rows, rows[1:]):
        assert end == start, f"{lesson}: the plan jumps from {end} to {start} minutes"
    activities = " ".join(r[2].lower() for r in rows)
    assert "demo" in activities and "exercises" in activities and "discussion" in activities, activities


@pytest.mark.parametrize("lesson", list(_lessons()))
def test_the_kinds_the_kit_gives_are_the_exercises_own(lesson):
    kinds = _exercise_kinds()
    assign = _lessons()[lesson].split("**Exercises to assign.**", 1)[1].split("\n\n", 1)[0]
    pending: list[str] = []
    stated = {}
    for token in re.finditer(r"\{ref\}`(ex-[\w-]+)`|\(([^)]*)\)", assign):
        if token.group(1):
            pending.append(token.group(1))
            continue
        kind = next((k for k in KINDS if token.group(2).lower().startswith(k)), None)
        for label in pending:
            stated[label] = kind
        pending = []
    assert stated, f"{lesson}: the exercises to assign say no kind"
    for label, kind in stated.items():
        assert label in kinds, f"{lesson}: {label} is not an exercise of the book"
        if kinds[label] is not None and kind is not None:
            assert kind == kinds[label], f"{lesson}: {label} is '{kinds[label]}' in its chapter, '{kind}' here"


def test_every_exercise_and_figure_the_page_names_exists():
    page = _page()
    exercises, figures = set(_exercise_kinds()), _figure_labels()
    for label in re.findall(r"\{ref\}`(ex-[\w-]+)`", page):
        assert label in exercises, label
    for label in re.findall(r"\{numref\}`(fig-[\w-]+)`", page):
        assert label in figures, label


def test_chapter_exercises_state_their_kind():
    kinds = _exercise_kinds()
    assert kinds and all(kinds.values()), f"exercises that do not say their kind: {sorted(k for k, v in kinds.items() if not v)}"


def test_run_times_are_measured_by_the_build_not_typed():
    page = _page()
    assert "```{nb-exec-table}\n```" in page
    assert not re.search(r"\|\s*\d+(\.\d+)?\s*s\s*\|", page), "a run time typed into a table"


def test_lesson_2_points_at_the_variable_exercise_3_2_changes():
    lesson = _lesson("fitting a scaling law honestly")
    assert "`cutoff = np.inf`" in lesson and "EPOCH_N_EXCLUDED" not in lesson
    exercise = _markdown_of_chapters().split(":label: ex-fitting-chinchilla-2", 1)[1].split("```", 1)[0]
    assert "`cutoff = np.inf`" in exercise
