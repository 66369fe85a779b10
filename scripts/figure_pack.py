"""Write every figure of the book at slide resolution, with its caption: ``make figures``.

A figure of the book is a notebook cell whose metadata names it and captions it
(``mystnb: {figure: {name: fig-..., caption: ...}}``). This script executes each chapter of
``_toc.yml`` (a copy in memory, with nbclient, the chapters side by side with ``--jobs``) with
matplotlib's inline backend drawing PNG at ``--dpi`` dots per inch (the book itself draws at 110),
and writes to ``--out``:

- ``<name>.png``: one file per figure, named after its label in the book, e.g. ``fig-defs-nopt.png``;
- ``captions.md``: every figure in book order, with its chapter, file, caption and alt text.

The checks in the notebooks run as in the build (``make figures`` sets ``NSL_STRICT=1``), so a pack
is only written from chapters that reproduce. Nothing is read from or written to the jupyter cache.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
DPI = 200


@dataclass(frozen=True)
class Figure:
    """One figure of the book: its label, caption and alt text, and where it is drawn."""

    name: str
    caption: str
    alt: str
    chapter: str
    notebook: str
    cell: int
    png: bytes = b""


def chapters(root: Path = ROOT) -> list[Path]:
    """The notebooks of the table of contents, in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return ""


def figure_cells(path: Path) -> list[Figure]:
    """The figures a notebook draws, without executing it."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
        if cell.cell_type == "code" and figure and figure.get("name"):
            alt = cell["metadata"]["mystnb"].get("image", {}).get("alt", "")
            found.append(Figure(figure["name"], figure.get("caption", ""), alt, _title(nb), path.name, i))
    return found


def render(path: Path, dpi: int = DPI, timeout: int = 600) -> tuple[list[Figure], float]:
    """Execute a copy of the notebook at ``path`` and return its figures as PNG, with the seconds it took."""
    from nbclient import NotebookClient

    figures = figure_cells(path)
    if not figures:
        return [], 0.0
    nb = nbformat.read(path, as_version=4)
    setup = nbformat.v4.new_code_cell(
        f'%config InlineBackend.print_figure_kwargs = {{"bbox_inches": "tight", "dpi": {int(dpi)}}}')
    nb.cells.insert(0, setup)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    drawn = []
    for figure in figures:
        images = [o["data"]["image/png"] for o in nb.cells[figure.cell + 1].get("outputs", [])
                  if "image/png" in o.get("data", {})]
        if len(images) != 1:
            raise RuntimeError(f"{path.name}: figure {figure.name} drew {len(images)} images, expected one")
        drawn.append(Figure(**{**figure.__dict__, "png": base64.b64decode(images[0])}))
    return drawn, seconds


def write_pack(figures: list[Figure], out: Path, dpi: int = DPI) -> None:
    """Write one PNG per figure and ``captions.md`` to ``out`` (replacing an earlier pack)."""
    names = [f.name for f in figures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"figure names must be unique; repeated: {duplicates}")
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.png"), out / "captions.md"]:
        old.unlink(missing_ok=True)
    lines = ["# The figures of *Scaling Laws, Reproduced*", "",
             f"Written by `make figures` from the executed chapters: PNG at {dpi} dpi, one file per figure,",
             "named after the figure's label in the book. Prose and figures of the book: CC BY 4.0.", ""]
    chapter = None
    for f in figures:
        (out / f"{f.name}.png").write_bytes(f.png)
        if f.chapter != chapter:
            chapter = f.chapter
            lines += [f"## {chapter} (`book/{f.notebook}`)", ""]
        lines += [f"### `{f.name}.png`", "", f.caption, ""]
        if f.alt:
            lines += [f"*Alt text:* {f.alt}", ""]
    (out / "captions.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "figures")
    parser.add_argument("--dpi", type=int, default=DPI)
    parser.add_argument("--jobs", type=int, default=2, help="chapters executed side by side")
    args = parser.parse_args(argv)
    if args.dpi < 200:
        parser.error("slides need at least 200 dpi")
    start = time.perf_counter()
    notebooks = [p for p in chapters() if figure_cells(p)]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(render, notebooks, [args.dpi] * len(notebooks)))
    figures = []
    for path, (drawn, seconds) in zip(notebooks, results):
        print(f"{path.name}: {len(drawn)} figures, executed in {seconds:.0f} s")
        figures += drawn
    write_pack(figures, args.out, args.dpi)
    print(f"{len(figures)} figures and captions.md in {os.path.relpath(args.out)} "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
