"""The grids behind the interactive figures (nsl_utils.explore) and their embedding (nsl_utils.interactive).

The browser half, that the built page's controls move its figures, is tests/test_interactive.py.
"""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nsl_utils import explore, published, reconcile
from nsl_utils.calculator import inference_plan
from nsl_utils.laws import BESIROGLU_2024, HOFFMANN_2022, compute_optimal, lifetime_compute

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def grid() -> explore.ExponentGrid:
    return explore.exponent_grid(BESIROGLU_2024)


@pytest.fixture(scope="module")
def plans() -> explore.PlanGrid:
    return explore.plan_grid(BESIROGLU_2024)


# --- the exponent grid --------------------------------------------------------------------


def test_exponent_grid_shapes(grid):
    nv, nc, nw = len(grid.vocab_sizes), grid.log10_compute.size, grid.window_ends.size
    assert grid.vocab_sizes == tuple(sorted(explore.DEFAULT_VOCAB_SIZES))
    assert grid.log10_n_opt.shape == grid.local_exponent.shape == (2, nv, nc)
    assert grid.slope.shape == grid.intercept.shape == (2, nv, nw, nw)
    assert grid.log10_fitted_from.shape == (2, nv)
    assert grid.log10_compute[0] == 11.0 and grid.log10_compute[-1] == 25.0
    assert np.allclose(np.diff(grid.log10_compute), 0.1)
    assert np.allclose(np.diff(grid.window_ends), 0.5)
    # every window end is a budget of the frontier
    assert np.all(np.isin(np.round(grid.window_ends, 6), np.round(grid.log10_compute, 6)))
    lower = np.tril(np.ones((nw, nw), bool), k=-1)
    assert np.all(np.isnan(grid.slope[..., lower])) and not np.any(np.isnan(grid.slope[..., ~lower]))


def test_total_counting_reads_the_law_everywhere(grid):
    upper = ~np.isnan(grid.slope[0])
    assert np.allclose(grid.slope[0][upper], BESIROGLU_2024.a, atol=1e-9)
    n_opt, _ = compute_optimal(10.0**grid.log10_compute, BESIROGLU_2024)
    for v in range(len(grid.vocab_sizes)):
        assert np.allclose(grid.log10_n_opt[0, v], np.log10(n_opt))


@pytest.mark.parametrize("vocab", [8_000, 32_000, 256_000])
@pytest.mark.parametrize("window", [(13.0, 20.5), (11.0, 25.0), (18.0, 19.0), (20.5, 21.0)])
def test_nonembedding_fit_equals_reconcile_fitted_exponent(grid, vocab, window):
    x = grid.log10_compute
    budgets = 10.0 ** x[(x >= window[0] - 1e-9) & (x <= window[1] + 1e-9)]
    omega = reconcile.embedding_coefficient(vocab, published.PEARCE_SONG_ASPECT_RATIO)
    expected = reconcile.fitted_exponent(budgets, BESIROGLU_2024, omega)
    assert grid.exponent("nonembedding", vocab, window) == pytest.approx(expected, abs=1e-9)


def test_fitted_line_goes_through_the_frontier_on_average(grid):
    c, v = 1, grid.vocab_sizes.index(32_000)
    i, j = grid.window_index(13.0, 20.5)
    x = grid.log10_compute
    inside = (x >= 13.0 - 1e-9) & (x <= 20.5 + 1e-9)
    residual = grid.log10_n_opt[c, v, inside] - (
        grid.intercept[c, v, i, j] + grid.slope[c, v, i, j] * x[inside]
    )
    assert abs(residual.mean()) < 1e-9  # least squares with an intercept: residuals sum to zero


def test_a_range_of_zero_width_reads_the_local_exponent(grid):
    c, v = 1, grid.vocab_sizes.index(50_257)
    for i, end in enumerate(grid.window_ends):
        k = int(np.argmin(np.abs(grid.log10_compute - end)))
        assert grid.slope[c, v, i, i] == grid.local_exponent[c, v, k]
        tangent = grid.intercept[c, v, i, i] + grid.slope[c, v, i, i] * end
        assert tangent == pytest.approx(grid.log10_n_opt[c, v, k])
    n = 10.0 ** grid.log10_n_opt[c, v]
    assert np.allclose(grid.local_exponent[c, v], reconcile.local_exponent(n, BESIROGLU_2024, grid.omegas[v]))


def test_reproduces_the_chapter_over_kaplans_range(grid):
    # Pearce & Song's 0.78 with Epoch's coefficients, and the chapter's ordering in vocabulary.
    reads = {v: grid.exponent("nonembedding", v, (13.0, 20.5)) for v in grid.vocab_sizes}
    assert reads[32_000] == pytest.approx(published.PEARCE_SONG_LOCAL_EXPONENT_EPOCH, abs=0.02)
    assert reads[8_000] < reads[16_000] < reads[32_000] < reads[50_257]
    assert reads[256_000] < max(reads.values())


def test_fitted_from_is_where_the_smallest_fitted_model_becomes_optimal(grid):
    smallest = published.HOFFMANN_TABLE_A9_PARAMS_RANGE[0]
    assert grid.smallest_fitted_model == smallest
    for v, omega in enumerate(grid.omegas):
        c_total = grid.fitted_from("total", grid.vocab_sizes[v])
        assert compute_optimal(c_total, BESIROGLU_2024)[0] == pytest.approx(smallest, rel=1e-9)
        c_ne = grid.fitted_from("nonembedding", grid.vocab_sizes[v])
        n_ne = reconcile.optimal_nonembedding(c_ne, BESIROGLU_2024, omega)
        assert reconcile.total_params(n_ne, omega) == pytest.approx(smallest, rel=1e-6)


def test_an_untied_head_is_a_doubled_vocabulary():
    untied = explore.exponent_grid(vocab_sizes=[32_000], tied=False)
    doubled = explore.exponent_grid(vocab_sizes=[64_000])
    assert untied.omegas[0] == pytest.approx(doubled.omegas[0])
    assert np.allclose(untied.slope, doubled.slope, equal_nan=True)


def test_other_laws_and_grids():
    g = explore.exponent_grid(
        HOFFMANN_2022, vocab_sizes=(50_257, 8_000), log10_compute=(12.0, 22.0), step=0.25, window_step=1.0
    )
    assert g.vocab_sizes == (8_000, 50_257)
    assert g.window_ends.tolist() == list(np.arange(12.0, 22.5, 1.0))
    assert g.exponent("total", 8_000, (12.0, 22.0)) == pytest.approx(HOFFMANN_2022.a)
    c, n = g.frontier("nonembedding", 8_000)
    assert c.shape == n.shape == (41,) and np.all(np.diff(n) > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params": "epoch"}, "ChinchillaParams"),
        ({"aspect_ratio": 0.0}, "aspect_ratio"),
        ({"tied": "yes"}, "tied"),
        ({"vocab_sizes": []}, "non-empty"),
        ({"vocab_sizes": [32_000, 32_000]}, "no repeats"),
        ({"vocab_sizes": [32_000, -5]}, "positive integer"),
        ({"vocab_sizes": 32_000}, "sequence"),
        ({"log10_compute": (25.0, 11.0)}, "low < high"),
        ({"log10_compute": (11.0, np.inf)}, "finite"),
        ({"log10_compute": "11 to 25"}, "pair"),
        ({"step": 0.3}, "whole steps"),
        ({"step": -0.1}, "positive"),
        ({"window_step": 0.25}, "whole multiple"),
        ({"window_step": 0.3}, "whole steps"),
        ({"smallest_fitted_model": 0}, "smallest_fitted_model"),
    ],
)
def test_exponent_grid_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.exponent_grid(**kwargs)


def test_exponent_lookup_rejects_bad_choices(grid):
    with pytest.raises(ValueError, match="counting"):
        grid.exponent("kaplan", 32_000, (13.0, 20.5))
    with pytest.raises(ValueError, match="vocab_size"):
        grid.exponent("total", 12_345, (13.0, 20.5))
    with pytest.raises(ValueError, match="position of the grid's range slider"):
        grid.exponent("total", 32_000, (13.2, 20.5))
    with pytest.raises(ValueError, match="low <= log10_high"):
        grid.window_index(20.5, 13.0)


# --- the planning grid --------------------------------------------------------------------


def test_plan_grid_shapes(plans):
    nb, ni, ns = plans.log10_budget.size, plans.log10_inference.size, plans.size_ratio.size
    assert (nb, ni, ns) == (13, 13, 32)
    assert plans.training.shape == plans.inference.shape == plans.lifetime.shape == (nb, ni, ns)
    assert plans.n_aware.shape == plans.d_aware.shape == plans.saving_fraction.shape == (nb, ni)
    assert plans.aware_outside.shape == (nb, ni) and plans.chinchilla_outside.shape == (nb,)
    # the smallest model that reaches the loss at all: its parameter term is the whole reducible loss
    floor = (BESIROGLU_2024.a) ** (1 / BESIROGLU_2024.alpha)
    assert plans.size_ratio[0] == pytest.approx(1.03 * floor) and plans.size_ratio[-1] == pytest.approx(4.0)


@pytest.mark.parametrize(("budget", "demand"), [(20.0, 9.0), (24.0, 13.0), (23.5, 12.5), (26.0, 15.0)])
def test_plan_grid_equals_the_calculator(plans, budget, demand):
    b, i = plans.index(budget, demand)
    plan = inference_plan(10.0**budget, inference_tokens=10.0**demand, warn=False)
    chin, aware = plan["plans"]["chinchilla"], plan["plans"]["inference_aware"]
    assert plans.loss[b] == pytest.approx(plan["target_loss"], rel=1e-12)
    assert plans.n_chinchilla[b] == pytest.approx(chin["n"], rel=1e-12)
    assert plans.n_aware[b, i] == pytest.approx(aware["n"], rel=1e-9)
    assert plans.d_aware[b, i] == pytest.approx(aware["d_train"], rel=1e-9)
    assert plans.saving_fraction[b, i] == pytest.approx(plan["saving_fraction"], rel=1e-9)
    assert plans.aware_outside[b, i] == any("inference-aware" in w for w in plan["warnings"])
    assert plans.chinchilla_outside[b] == any("Chinchilla-optimal" in w for w in plan["warnings"])


def test_plan_curves_are_costs_relative_to_the_chinchilla_plan(plans):
    b, i = plans.index(24.0, 13.0)
    demand = 1e13
    sizes = plans.n_chinchilla[b] * plans.size_ratio
    from nsl_utils.laws import chinchilla_tokens_for_loss

    tokens = chinchilla_tokens_for_loss(sizes, plans.loss[b], BESIROGLU_2024)
    reference = lifetime_compute(plans.n_chinchilla[b], plans.d_chinchilla[b], demand)
    assert np.allclose(plans.lifetime[b, i], lifetime_compute(sizes, tokens, demand) / reference)
    # the inference-aware plan is the minimum: no size on the curve costs less
    assert plans.lifetime[b, i].min() >= 1 - plans.saving_fraction[b, i] - 1e-12
    # more demand saves more, and the model shrinks
    assert np.all(np.diff(plans.saving_fraction[b]) > 0)
    assert np.all(np.diff(plans.n_aware[b]) < 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params": None}, "ChinchillaParams"),
        ({"log10_budget": (26.0, 20.0)}, "low < high"),
        ({"budget_step": 0.35}, "whole steps"),
        ({"inference_step": 0.0}, "positive"),
        ({"n_sizes": 1}, "at least 2"),
        ({"n_sizes": 2.5}, "positive integer"),
    ],
)
def test_plan_grid_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore.plan_grid(**kwargs)


def test_plan_index_rejects_off_grid_values(plans):
    with pytest.raises(ValueError, match="log10_budget"):
        plans.index(24.3, 13.0)
    with pytest.raises(ValueError, match="log10_inference"):
        plans.index(24.0, 16.0)


# --- the interactive figures (Bokeh), their pictures and the page's copy of BokehJS ---------

bokeh = pytest.importorskip("bokeh")
from nsl_utils import interactive  # noqa: E402  (needs bokeh)


def test_the_books_copy_of_bokehjs_is_the_installed_one():
    folder = ROOT / interactive.STATIC_SUBDIR
    names = interactive.bokehjs_filenames()
    assert names == [f"bokeh-{bokeh.__version__}.min.mjs", f"bokeh-widgets-{bokeh.__version__}.min.mjs"]
    for source, name in zip(interactive.bokehjs_sources(), names):
        copy = folder / name
        assert copy.is_file(), (
            f'{copy} is missing: run `python -c "from nsl_utils.interactive import '
            f"vendor_bokehjs; vendor_bokehjs('{interactive.STATIC_SUBDIR}')\"`"
        )
        assert (
            copy.read_bytes() == source.read_bytes()
        ), f"{copy} differs from the installed bokeh's {source.name}"
    stale = sorted(p.name for p in folder.iterdir() if p.name not in names + ["LICENSE.txt"])
    assert not stale, f"files of another BokehJS version in {folder}: {stale}; delete them"
    # Jupyter Book adds every *.js file under _static/ to every page: the bundles must not be one.
    assert not list(folder.rglob("*.js")), "BokehJS as .js would load on every page of the book"
    assert (folder / "LICENSE.txt").is_file()


def test_bokeh_is_pinned_where_the_book_installs_from():
    requirements = (ROOT / "requirements.txt").read_text()
    lock = (ROOT / "requirements-lock.txt").read_text()
    assert re.search(r"^bokeh[<>=]", requirements, re.M), "requirements.txt does not name bokeh"
    assert (
        f"\nbokeh=={bokeh.__version__}\n" in f"\n{lock}"
    ), "requirements-lock.txt does not pin the installed bokeh"


def test_vendor_bokehjs_writes_the_bundles_and_the_licence(tmp_path):
    written = interactive.vendor_bokehjs(tmp_path / "bokeh")
    assert sorted(p.name for p in written) == sorted(interactive.bokehjs_filenames() + ["LICENSE.txt"])


def test_bokehjs_tags():
    tags = interactive.bokehjs_tags()
    for name in interactive.bokehjs_filenames():
        assert f'<script src="../_static/bokeh/{name}"></script>' in tags
    with pytest.raises(ValueError, match="ending in '/'"):
        interactive.bokehjs_tags("../_static")


def _named(layout, name):
    model = layout.select_one({"name": name})
    assert model is not None, f"no model named {name!r}"
    return model


def test_exponent_figure_starts_where_asked(grid):
    layout = interactive.exponent_figure(grid, counting="total", vocab_size=8_000, window=(14.0, 19.0))
    assert _named(layout, "counting").active == 0
    assert _named(layout, "vocabulary").value == "0"
    assert tuple(_named(layout, "budget-range").value) == (14.0, 19.0)
    fit = _named(layout, "exponent-fit").data
    assert list(fit["y"]) == pytest.approx([BESIROGLU_2024.a] * 2)
    readout = _named(layout, "readout").text
    assert f"a = {BESIROGLU_2024.a:.3f}" in readout and "vocabulary changes nothing" in readout


def test_exponent_figure_readout_and_window_of_zero_width(grid):
    layout = interactive.exponent_figure(grid, window=(16.0, 16.0))
    readout = _named(layout, "readout").text
    assert "local exponent: <b>g = " in readout
    x = _named(layout, "fit").data["x"]
    assert np.log10(x).tolist() == pytest.approx([15.5, 16.5])  # the tangent, half a decade either side
    start = interactive.exponent_figure(grid)
    assert "62% of these budgets" in _named(start, "readout").text


def test_exponent_figure_javascript_indexes_the_packed_tables(grid):
    # The callback reads slope[k] with k = block + i*nw - i*(i-1)/2 + (j-i); check it in Python.
    layout = interactive.exponent_figure(grid)
    callback = _named(layout, "budget-range").js_property_callbacks["change:value"][0]
    data = callback.args["D"]
    nv, nw = data["nv"], data["nw"]
    for c in (0, 1):
        for v in (0, nv - 1):
            for i, j in [(0, 0), (4, 19), (nw - 2, nw - 1), (nw - 1, nw - 1)]:
                k = (c * nv + v) * (nw * (nw + 1) // 2) + i * nw - i * (i - 1) // 2 + (j - i)
                assert data["slope"][k] == pytest.approx(grid.slope[c, v, i, j], abs=1e-6)
                assert data["intercept"][k] == pytest.approx(grid.intercept[c, v, i, j], rel=1e-6)


def test_plan_figure_starts_where_asked(plans):
    layout = interactive.plan_figure(plans, log10_budget=22.0, log10_inference=11.0)
    b, i = plans.index(22.0, 11.0)
    assert _named(layout, "budget").value == 22.0 and _named(layout, "inference").value == 11.0
    aware = _named(layout, "aware-plan").data
    assert aware["x"][0] == pytest.approx(plans.n_aware[b, i] / plans.n_chinchilla[b])
    assert aware["y"][0] == pytest.approx(1 - plans.saving_fraction[b, i])
    assert f"{round(100 * plans.saving_fraction[b, i])}% less" in _named(layout, "plan-readout").text


def test_figures_reject_bad_input(grid, plans):
    with pytest.raises(ValueError, match="ExponentGrid"):
        interactive.exponent_figure(plans)
    with pytest.raises(ValueError, match="counting"):
        interactive.exponent_figure(grid, counting="kaplan")
    with pytest.raises(ValueError, match="vocab_size"):
        interactive.draw_exponent_state(grid, vocab_size=1)
    with pytest.raises(ValueError, match="range slider"):
        interactive.exponent_alt(grid, window=(13.0, 20.7))
    with pytest.raises(ValueError, match="PlanGrid"):
        interactive.plan_figure(grid)
    with pytest.raises(ValueError, match="log10_budget"):
        interactive.draw_plan_state(plans, log10_budget=30.0)


def test_embed_makes_one_output_with_the_figure_and_its_picture(grid):
    from PIL import Image

    layout = interactive.exponent_figure(grid)
    picture = interactive.draw_exponent_state(grid)
    alt = interactive.exponent_alt(grid)
    bundle = interactive.embed(layout, picture, alt=alt, load_bokehjs=True)
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    page = bundle["text/html"]
    assert page.count("<script src=") == 2 and 'data-root-id="' in page
    assert re.search(r'<img class="nsl-interactive-picture" src="data:image/png;base64,[^"]+" alt="', page)
    assert "Two panels for non-embedding (Kaplan&#x27;s) counting" in page  # the alt text, escaped
    # the PNG output is the picture at twice the page's resolution (the figure pack needs >= 200 dpi)
    with Image.open(io.BytesIO(base64.b64decode(bundle["image/png"]))) as image:
        assert min(image.info["dpi"]) >= 199.5
        assert image.size[0] >= 2 * 9.6 * 110 * 0.9
    # the document is Bokeh's, of the installed version, with the named controls
    assert f'"version":"{bokeh.__version__}"' in page
    again = interactive.embed(
        interactive.plan_figure(explore.plan_grid()), picture, alt="x", load_bokehjs=False
    )
    assert "<script src=" not in again["text/html"]


def test_embed_rejects_bad_input(grid):
    layout = interactive.exponent_figure(grid)
    picture = interactive.draw_exponent_state(grid)
    with pytest.raises(ValueError, match="alt"):
        interactive.embed(layout, picture, alt=" ", load_bokehjs=True)
    with pytest.raises(ValueError, match="matplotlib Figure"):
        interactive.embed(layout, "picture.png", alt="x", load_bokehjs=True)
    with pytest.raises(ValueError, match="Bokeh model"):
        interactive.embed({"x": 1}, picture, alt="x", load_bokehjs=True)


def test_pictures_have_labelled_axes(grid, plans):
    for fig in (interactive.draw_exponent_state(grid), interactive.draw_plan_state(plans)):
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()


# --- the page ----------------------------------------------------------------------------


def test_the_page_follows_the_reconciliation_chapter():
    toc = (ROOT / "_toc.yml").read_text()
    assert re.search(r"- file: book/reconcile\n\s+- file: book/explore\n", toc)


def test_the_page_loads_bokehjs_once():
    nb = json.loads((ROOT / "book" / "explore.ipynb").read_text())
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    embeds = [src for src in code if "interactive.embed(" in src]
    assert len(embeds) == 2
    assert sum("load_bokehjs=True" in src for src in embeds) == 1
    assert "load_bokehjs=True" in embeds[0]
