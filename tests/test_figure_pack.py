"""The figure pack (``make figures``, scripts/figure_pack.py): one PNG at slide resolution per figure.

Rendering the whole book takes minutes, so the rendering path is tested on a one-figure notebook
(a real kernel, a few seconds), and the book's own figures are checked statically: each has a unique
label and a caption, which is what names and captions its file in the pack.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
PIL = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("figure_pack", ROOT / "scripts" / "figure_pack.py")
figure_pack = importlib.util.module_from_spec(_spec)
sys.modules["figure_pack"] = figure_pack  # dataclasses look their module up there
_spec.loader.exec_module(figure_pack)


def _toy_notebook(path: Path, dpi: int | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    style = "" if dpi is None else (
        f'%config InlineBackend.print_figure_kwargs = {{"bbox_inches": "tight", "dpi": {dpi}}}\n')
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A toy chapter"),
        nbformat.v4.new_code_cell(style + "import matplotlib.pyplot as plt\nx = [1, 2, 3]"),
        nbformat.v4.new_code_cell(
            "fig, ax = plt.subplots(figsize=(4, 3))\nax.plot(x, x)\nplt.show()",
            metadata={"mystnb": {"figure": {"name": "fig-toy", "caption": "A straight line."},
                                 "image": {"alt": "A rising line."}}}),
        nbformat.v4.new_code_cell("print('no figure here')"),
    ]
    nbformat.write(nb, path)
    return path


def test_a_figure_is_written_at_slide_resolution_with_its_caption(tmp_path):
    figures, _ = figure_pack.render(_toy_notebook(tmp_path / "toy.ipynb"), dpi=200)
    assert [f.name for f in figures] == ["fig-toy"]
    out = tmp_path / "figures"
    figure_pack.write_pack(figures, out, dpi=200)
    with PIL.open(out / "fig-toy.png") as image:
        assert image.format == "PNG"
        assert min(image.info["dpi"]) >= 199.5, image.info
        # 4 x 3 inches at 200 dpi, less what bbox_inches="tight" trims
        assert image.size[0] > 600 and image.size[1] > 450, image.size
    captions = (out / "captions.md").read_text()
    assert "## A toy chapter (`book/toy.ipynb`)" in captions
    assert "### `fig-toy.png`\n\nA straight line." in captions and "*Alt text:* A rising line." in captions


def test_figures_come_from_the_build_cache_when_it_holds_them_at_slide_resolution(tmp_path):
    """What `make figures` does after `make book`: no chapter runs twice if the cache will do."""
    jupyter_cache = pytest.importorskip("jupyter_cache")
    from jupyter_cache.base import CacheBundleIn

    cache_dir = tmp_path / "cache"
    cache = jupyter_cache.get_cache(str(cache_dir))
    paths = {}
    for dpi in (220, 100):  # as the book draws them (retina), and as a too-coarse build would
        paths[dpi] = _toy_notebook(tmp_path / f"toy{dpi}.ipynb", dpi)
        nb = nbformat.read(paths[dpi], as_version=4)
        nbclient.NotebookClient(nb, kernel_name="python3", record_timing=False,  # as MyST-NB runs them
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(paths[dpi])), check_validity=False)
    figures, seconds = figure_pack.render(paths[220], dpi=200, cache_dir=cache_dir)
    assert seconds is None and [f.name for f in figures] == ["fig-toy"]
    assert figure_pack.png_dpi(figures[0].png) >= 219.5
    assert figure_pack.from_cache(paths[100], cache_dir, dpi=200) is None  # re-executed at 200 instead
    nb = nbformat.read(paths[220], as_version=4)
    nb.cells[1].source += "\ny = 1"  # changed code: the cached run no longer applies
    nbformat.write(nb, paths[220])
    assert figure_pack.from_cache(paths[220], cache_dir, dpi=200) is None


def test_a_pack_refuses_repeated_names_and_replaces_an_old_pack(tmp_path):
    fig = figure_pack.Figure("fig-a", "cap", "", "Chapter", "c.ipynb", 1, b"\x89PNG")
    with pytest.raises(ValueError, match="fig-a"):
        figure_pack.write_pack([fig, fig], tmp_path)
    (tmp_path / "fig-stale.png").write_bytes(b"old")
    figure_pack.write_pack([fig], tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captions.md", "fig-a.png"]


def test_every_figure_of_the_book_has_a_unique_label_and_a_caption():
    chapters = figure_pack.chapters()
    assert any(p.name == "what_is_a_scaling_law.ipynb" for p in chapters), chapters
    figures = [f for p in chapters for f in figure_pack.figure_cells(p)]
    assert len(figures) >= 20, len(figures)
    names = [f.name for f in figures]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    for f in figures:
        assert f.name.startswith("fig-") and f.caption.strip(), f
    # Every notebook cell with a figure label is found (the pack misses none).
    labelled = sum('"figure"' in json.dumps(c.get("metadata", {}))
                   for p in chapters for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code")
    assert labelled == len(figures)
