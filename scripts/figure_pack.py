"""Write every figure of the book at slide resolution, with its caption: ``make figures``.

A figure of the book is a notebook cell whose metadata names it and captions it
(``mystnb: {figure: {name: fig-..., caption: ...}}``). For each chapter of ``_toc.yml`` this script
takes the figures the book build drew, from its jupyter cache (``_build/.jupyter_cache``), when the
cache holds the chapter's current code and every figure there is a PNG of at least ``--dpi`` dots per
inch (``nsl_utils.plotting.use_book_style`` draws them at twice its 110 dpi). Otherwise it executes a
copy of the chapter in memory with nbclient (chapters side by side with ``--jobs``), with matplotlib's
inline backend drawing PNG at ``--dpi``. It writes to ``--out``:

- ``<name>.png``: one file per figure, named after its label in the book, e.g. ``fig-defs-nopt.png``;
- ``captions.md``: every figure in book order, with its chapter, file, caption and alt text.

Either way the figures come from a run whose checks passed: the build's cache keeps only notebooks
that executed without error under ``NSL_STRICT=1``, and ``make figures`` sets ``NSL_STRICT=1`` for the
chapters it executes itself. Nothing is written to the cache.
"""

from __future__ import annotations

import argparse
import base64
import io
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


def png_dpi(png: bytes) -> float:
    """The resolution a PNG declares (its pHYs chunk, as matplotlib writes it); 0 if none."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return float(min(image.info.get("dpi", (0, 0))))


def _drawn(nb, figures: list[Figure], offset: int, where: str) -> list[Figure]:
    drawn = []
    for figure in figures:
        images = [o["data"]["image/png"] for o in nb.cells[figure.cell + offset].get("outputs", [])
                  if "image/png" in o.get("data", {})]
        if len(images) != 1:
            raise RuntimeError(f"{where}: figure {figure.name} drew {len(images)} images, expected one")
        drawn.append(Figure(**{**figure.__dict__, "png": base64.b64decode(images[0])}))
    return drawn


def from_cache(path: Path, cache_dir: Path, dpi: int = DPI) -> list[Figure] | None:
    """The figures the book build drew for ``path``, if its cache holds them at ``dpi`` or more."""
    figures = figure_cells(path)
    if not figures or not (cache_dir / "global.db").exists():
        return None
    from jupyter_cache import get_cache

    try:
        _, nb = get_cache(str(cache_dir)).merge_match_into_notebook(nbformat.read(path, as_version=4))
        drawn = _drawn(nb, figures, 0, f"{path.name} (cached)")
    except (KeyError, RuntimeError):
        return None
    return drawn if all(png_dpi(f.png) >= dpi - 0.5 for f in drawn) else None


def render(path: Path, dpi: int = DPI, timeout: int = 600,
           cache_dir: Path | None = None) -> tuple[list[Figure], float | None]:
    """The figures of the notebook at ``path`` as PNG, and the seconds executing it took.

    From the build's cache in ``cache_dir`` when it holds them at ``dpi`` or more (the seconds are
    then ``None``); otherwise from executing a copy with the inline backend drawing at ``dpi``.
    """
    from nbclient import NotebookClient

    figures = figure_cells(path)
    if not figures:
        return [], 0.0
    if cache_dir is not None:
        cached = from_cache(path, cache_dir, dpi)
        if cached is not None:
            return cached, None
    nb = nbformat.read(path, as_version=4)
    # After use_book_style's own setting (retina PNG at twice 110 dpi) the figures are drawn at dpi.
    setup = nbformat.v4.new_code_cell(
        f'%config InlineBackend.print_figure_kwargs = {{"bbox_inches": "tight", "dpi": {int(dpi)}}}')
    nb.cells.insert(0, setup)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return _drawn(nb, figures, 1, path.name), time.perf_counter() - start


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
             f"Written by `make figures` from the executed chapters: PNG at {dpi} dpi or more, one file per",
             "figure, named after the figure's label in the book. Prose and figures of the book: CC BY 4.0.", ""]
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
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache",
                        help="the book build's jupyter cache, read when it holds a chapter's figures")
    parser.add_argument("--no-cache", action="store_true", help="execute every chapter")
    args = parser.parse_args(argv)
    if args.dpi < 200:
        parser.error("slides need at least 200 dpi")
    start = time.perf_counter()
    notebooks = [p for p in chapters() if figure_cells(p)]
    cache = None if args.no_cache else args.cache
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(render, notebooks, [args.dpi] * len(notebooks), [600] * len(notebooks),
                                [cache] * len(notebooks)))
    figures = []
    for path, (drawn, seconds) in zip(notebooks, results):
        how = "from the build's cache" if seconds is None else f"executed in {seconds:.0f} s"
        print(f"{path.name}: {len(drawn)} figures, {how}")
        figures += drawn
    write_pack(figures, args.out, args.dpi)
    print(f"{len(figures)} figures and captions.md in {os.path.relpath(args.out)} "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
