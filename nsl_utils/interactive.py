"""Interactive figures that work in the static book: no kernel, no server, no network.

The book's pages are plain HTML. An interactive figure here is a Bokeh document (Bokeh 3,
bokeh.org) whose controls only look answers up in a grid that :mod:`nsl_utils.explore` computed
when the notebook ran; a few lines of JavaScript per figure (``CustomJS``) copy the looked-up
numbers into the plot. BokehJS itself is served from the book's own ``_static/bokeh/`` folder
(:data:`STATIC_SUBDIR`), a copy of the files that ship inside the installed ``bokeh`` package
(:func:`vendor_bokehjs` refreshes it), loaded once per page.

Every figure is displayed as one output with two representations (:func:`embed`):

- ``text/html``: the interactive figure, with a picture of its starting state inside it that the
  figure hides once BokehJS has loaded, so that a reader without JavaScript (or a notebook viewer
  that does not run scripts, such as JupyterLab with an untrusted notebook) still sees the figure;
- ``image/png``: the same picture, which the book's PDF (LaTeX cannot show HTML) and the figure
  pack (``make figures``) take instead.

The pictures are drawn with matplotlib in the book's style at twice the page's resolution.
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nsl_utils.book import sci_text
from nsl_utils.explore import COUNTINGS, ExponentGrid, PlanGrid
from nsl_utils.plotting import FIGURE_DPI, OKABE_ITO
from nsl_utils.published import KAPLAN_N_OPT_EXPONENT

__all__ = [
    "STATIC_SUBDIR",
    "BOKEHJS_BUNDLES",
    "bokehjs_sources",
    "bokehjs_filenames",
    "vendor_bokehjs",
    "bokehjs_tags",
    "exponent_figure",
    "exponent_alt",
    "draw_exponent_state",
    "plan_figure",
    "plan_alt",
    "draw_plan_state",
    "embed",
]

#: Where the book keeps its copy of BokehJS, relative to the repository root.
STATIC_SUBDIR = "_static/bokeh"
#: The BokehJS bundles the figures need: the core library and its widgets (sliders, selects).
BOKEHJS_BUNDLES: tuple[str, ...] = ("bokeh", "bokeh-widgets")

_COUNTING_LABELS = {
    "total": "total: N_T and C_T = 6 N_T D (Chinchilla)",
    "nonembedding": "non-embedding: N_nonemb and C_nonemb (Kaplan)",
}
_COUNTING_SHORT = {"total": "total (Chinchilla's)", "nonembedding": "non-embedding (Kaplan's)"}
#: Model sizes marked on the planning figure's axis (multiples of the Chinchilla-optimal size).
_SIZE_TICKS = (0.2, 0.5, 1.0, 2.0, 4.0)
#: The sentence above each plot: left-aligned at the size of the page's captions.
_READOUT_STYLE = {"font-size": "14px", "line-height": "1.45", "text-align": "left"}
_VOCAB_NOTES = {32_000: " (Chinchilla's)", 50_257: " (GPT-2's, Kaplan's)"}


def _bokeh() -> Any:
    try:
        import bokeh
    except ImportError:  # a book dependency (requirements.txt), not one of the package's own
        raise ImportError(
            "the interactive figures need Bokeh: pip install -r requirements.txt "
            "(or pip install 'bokeh>=3.4,<4')"
        ) from None
    return bokeh


def bokehjs_filenames() -> list[str]:
    """The versioned file names of the bundles in the book's copy, e.g. ``bokeh-3.9.2.min.mjs``.

    The extension is ``.mjs``, not ``.js``: Jupyter Book adds every ``*.js`` file under
    ``_static/`` to every page of the book, and BokehJS belongs on the one page that uses it. A
    classic ``<script src>`` runs the file whatever its extension (servers give ``.mjs`` the
    JavaScript media type).
    """
    version = _bokeh().__version__
    return [f"{name}-{version}.min.mjs" for name in BOKEHJS_BUNDLES]


def bokehjs_sources() -> list[Path]:
    """The minified BokehJS bundles inside the installed ``bokeh`` package, in load order."""
    bokeh = _bokeh()
    folder = Path(bokeh.__file__).parent / "server" / "static" / "js"
    files = [folder / f"{name}.min.js" for name in BOKEHJS_BUNDLES]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"the installed bokeh package lacks {missing}; reinstall bokeh")
    return files


def vendor_bokehjs(static_dir: str | Path) -> list[Path]:
    """Copy the installed package's BokehJS bundles (and its licence) into ``static_dir``.

    Run it after upgrading Bokeh (``tests/test_explore.py`` fails until the book's copy
    matches the installed package), and delete the previous version's files.

    Parameters
    ----------
    static_dir : str or Path
        The folder the page loads them from (the repository's ``_static/bokeh``).

    Returns
    -------
    list of Path
        The files written.
    """
    bokeh = _bokeh()
    out = Path(static_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for source, name in zip(bokehjs_sources(), bokehjs_filenames()):
        shutil.copyfile(source, out / name)
        written.append(out / name)
    licences = sorted(
        Path(bokeh.__file__).parent.parent.glob(f"bokeh-{bokeh.__version__}.dist-info/**/LICENSE*")
    )
    if licences:
        shutil.copyfile(licences[0], out / "LICENSE.txt")
        written.append(out / "LICENSE.txt")
    return written


def bokehjs_tags(static_prefix: str = "../_static/") -> str:
    """``<script>`` tags that load the book's copy of BokehJS, for the first figure of a page.

    Parameters
    ----------
    static_prefix : str
        The URL of the site's ``_static/`` folder relative to the page (``../_static/`` for a
        page under ``book/``).
    """
    if not isinstance(static_prefix, str) or not static_prefix.endswith("/"):
        raise ValueError(f"static_prefix must be a URL folder ending in '/'; got {static_prefix!r}")
    folder = static_prefix + STATIC_SUBDIR.split("/", 1)[1] + "/"
    return "\n".join(f'<script src="{html.escape(folder + name)}"></script>' for name in bokehjs_filenames())


def _sig(values: Any, digits: int = 5) -> list[float]:
    """A flat list of floats rounded to ``digits`` significant digits (compact JSON)."""
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float).ravel()]


def _f32(values: Any) -> np.ndarray:
    """A flat float32 array: Bokeh sends it as base64, about 5 bytes a number."""
    return np.ascontiguousarray(np.asarray(values, dtype=np.float32).ravel())


def _upper(table: np.ndarray) -> np.ndarray:
    """The upper triangles (i <= j) of the last two axes, row by row, flattened (float32)."""
    n = table.shape[-1]
    rows, cols = np.triu_indices(n)
    return _f32(table[..., rows, cols])


def _check_choice(value: Any, options: Any, name: str) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}; got {value!r}")


def _style_plot(p: Any) -> None:
    p.background_fill_color = "white"
    p.border_fill_color = "white"
    p.outline_line_color = None
    p.grid.grid_line_alpha = 0.3
    for axis in p.axis:
        axis.axis_label_text_font_style = "normal"
        axis.axis_label_text_font_size = "12px"
        axis.major_label_text_font_size = "11px"
    p.toolbar_location = None


def _legend_style(p: Any, location: str) -> None:
    p.legend.location = location
    p.legend.label_text_font_size = "11px"
    p.legend.background_fill_alpha = 0.85
    p.legend.border_line_color = None
    p.legend.spacing = 0
    p.legend.padding = 4
    p.legend.glyph_height = 14


_EXPONENT_JS = """
const c = counting.active, v = Number(vocab.value);
const lo = slider.value[0], hi = slider.value[1];
const nv = D.nv, nw = D.nw, nc = D.nc;
const i = Math.round((lo - D.w0) / D.ws), j = Math.round((hi - D.w0) / D.ws);
// slope and intercept hold the upper triangle (i <= j) of each nw x nw table, row by row.
const k = (c * nv + v) * (nw * (nw + 1) / 2) + i * nw - i * (i - 1) / 2 + (j - i);
const a = D.slope[k], b = D.intercept[k];
const curve = (arr, vv) => arr.slice((c * nv + vv) * nc, (c * nv + vv + 1) * nc);
const pow = t => Math.pow(10, t);
frontier.data = {x: D.cx, y: curve(D.logn, v).map(pow)};
// A range of zero width reads the tangent: draw it half a decade either side.
const ends = hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
fit.data = {x: ends.map(pow), y: ends.map(t => pow(b + a * t))};
const others = [];
for (let vv = 0; vv < nv; vv++) { if (vv != v) others.push(curve(D.g, vv)); }
gall.data = {xs: others.map(() => D.cx), ys: others};
gsel.data = {x: D.cx, y: curve(D.g, v)};
gfit.data = {x: ends.map(pow), y: [a, a]};
for (const box of boxes) { box.left = pow(lo); box.right = pow(hi); }
const from = D.from[c * nv + v];
for (const span of spans) { span.location = pow(from); }
const inside = D.x.filter(t => t >= lo - 1e-9 && t <= hi + 1e-9);
const below = inside.filter(t => t < from).length;
const sup = t => "10<sup>" + (Math.round(t * 100) / 100) + "</sup>";
const fromText = (Math.pow(10, from - Math.floor(from))).toFixed(1) + " × " + sup(Math.floor(from));
const what = hi > lo
  ? "Fitted exponent <b>a = " + a.toFixed(3) + "</b> over budgets from " + sup(lo) + " to " + sup(hi) + " FLOP"
  : "A range of zero width reads the local exponent: <b>g = " + a.toFixed(3) + "</b> at " + sup(lo) + " FLOP";
const share = inside.length ? Math.round(100 * below / inside.length) : 0;
readout.text = what + " (" + D.countings[c] + ", " + D.vocabs[v] + "-token vocabulary"
  + (c == 0 ? ": in total counting the vocabulary changes nothing" : "") + "). "
  + "The law's own &beta;/(&alpha;+&beta;) is " + D.law_a.toFixed(3)
  + "; Kaplan et al. measured " + D.kaplan.toFixed(2) + ". "
  + (below ? share + "% of these budgets have an optimal model smaller than any the law was fitted on "
             + "(the law's smallest model is optimal from " + fromText + " FLOP)."
           : "At every one of these budgets the optimal model is inside the sizes the law was fitted on.");
"""


def exponent_figure(
    grid: ExponentGrid,
    *,
    counting: str = "nonembedding",
    vocab_size: int = 32_000,
    window: tuple[float, float] = (13.0, 20.5),
) -> Any:
    """The reconciliation as a Bokeh layout: counting, vocabulary and budget range as controls.

    Above, the controls and a sentence with the fitted exponent; then the compute-optimal
    frontier with the straight line fitted over the chosen budgets; below, the local exponent g
    along the frontier (the chosen vocabulary in colour, the others in grey) with the fitted
    exponent drawn across the chosen budgets, the law's β/(α+β) and Kaplan's 0.73. A shaded band
    marks the budgets; a vertical line, the budget from which the optimal model is inside the
    sizes the law was fitted on.

    Parameters
    ----------
    grid : ExponentGrid
        From :func:`nsl_utils.explore.exponent_grid`.
    counting : {"total", "nonembedding"}
        The starting counting.
    vocab_size : int
        The starting vocabulary, one of ``grid.vocab_sizes``.
    window : (float, float)
        The starting range of budgets, log10 FLOP, each end one of ``grid.window_ends``.

    Returns
    -------
    bokeh.models.LayoutDOM
        Named models for scripts and tests: ``counting`` (RadioButtonGroup), ``vocabulary``
        (Select), ``budget-range`` (RangeSlider), ``readout`` (Div) and the data sources
        ``frontier``, ``fit`` and ``exponent-fit``.
    """
    if not isinstance(grid, ExponentGrid):
        raise ValueError(f"grid must be an ExponentGrid from nsl_utils.explore.exponent_grid; got {grid!r}")
    _check_choice(counting, COUNTINGS, "counting")
    _check_choice(vocab_size, grid.vocab_sizes, "vocab_size")
    grid.window_index(*window)
    _bokeh()
    from bokeh.layouts import column
    from bokeh.models import (
        BoxAnnotation,
        ColumnDataSource,
        CustomJS,
        Div,
        RadioButtonGroup,
        Range1d,
        RangeSlider,
        Select,
        Span,
    )
    from bokeh.plotting import figure

    ends = grid.window_ends
    data = {
        "nv": len(grid.vocab_sizes),
        "nw": int(ends.size),
        "nc": int(grid.log10_compute.size),
        "w0": float(ends[0]),
        "ws": float(ends[1] - ends[0]),
        "x": _sig(grid.log10_compute, 8),
        "cx": _sig(10.0**grid.log10_compute, 6),
        "logn": _f32(grid.log10_n_opt),
        "g": _f32(grid.local_exponent),
        "slope": _upper(grid.slope),
        "intercept": _upper(grid.intercept),
        "from": _sig(grid.log10_fitted_from, 5),
        "countings": ["total counting", "non-embedding counting"],
        "vocabs": [f"{v:,}" for v in grid.vocab_sizes],
        "law_a": float(grid.params.a),
        "kaplan": float(KAPLAN_N_OPT_EXPONENT),
    }
    c, v = COUNTINGS.index(counting), grid.vocab_sizes.index(vocab_size)
    x = 10.0**grid.log10_compute
    i, j = grid.window_index(*window)
    slope, icpt = float(grid.slope[c, v, i, j]), float(grid.intercept[c, v, i, j])
    lo, hi = window if window[1] > window[0] else (window[0] - 0.5, window[1] + 0.5)
    fit_x = 10.0 ** np.array([lo, hi])
    frontier = ColumnDataSource({"x": x, "y": 10.0 ** grid.log10_n_opt[c, v]}, name="frontier")
    fit = ColumnDataSource({"x": fit_x, "y": 10.0 ** (icpt + slope * np.log10(fit_x))}, name="fit")
    others = [grid.local_exponent[c, k] for k in range(len(grid.vocab_sizes)) if k != v]
    gall = ColumnDataSource({"xs": [x] * len(others), "ys": others}, name="exponent-others")
    gsel = ColumnDataSource({"x": x, "y": grid.local_exponent[c, v]}, name="exponent-selected")
    gfit = ColumnDataSource({"x": fit_x, "y": [slope, slope]}, name="exponent-fit")

    counting_buttons = RadioButtonGroup(
        labels=[_COUNTING_LABELS[k] for k in COUNTINGS],
        active=c,
        name="counting",
        orientation="vertical",
        sizing_mode="stretch_width",
    )
    vocab_select = Select(
        title="Vocabulary size (tokens)",
        name="vocabulary",
        value=str(v),
        sizing_mode="stretch_width",
        options=[
            (str(k), f"{size:,}{_VOCAB_NOTES.get(size, '')}") for k, size in enumerate(grid.vocab_sizes)
        ],
    )
    slider = RangeSlider(
        title="Budgets the straight line is fitted over, log₁₀ FLOP",
        name="budget-range",
        start=float(ends[0]),
        end=float(ends[-1]),
        step=float(ends[1] - ends[0]),
        value=tuple(map(float, window)),
        format="0[.]0",
        sizing_mode="stretch_width",
    )
    readout = Div(name="readout", sizing_mode="stretch_width", styles=_READOUT_STYLE)

    x_range = Range1d(float(x[0]), float(x[-1]))
    top = figure(
        x_axis_type="log",
        y_axis_type="log",
        height=300,
        sizing_mode="stretch_width",
        x_range=x_range,
        tools="",
        name="frontier-plot",
        x_axis_label="compute C, counted as chosen (FLOP)",
        y_axis_label="optimal parameters N*",
    )
    bottom = figure(
        x_axis_type="log",
        height=280,
        sizing_mode="stretch_width",
        x_range=x_range,
        y_range=Range1d(0.45, 1.02),
        tools="",
        name="exponent-plot",
        x_axis_label="compute C, counted as chosen (FLOP)",
        y_axis_label="local exponent g",
    )
    boxes, spans = [], []
    for p in (top, bottom):
        box = BoxAnnotation(
            left=10.0 ** window[0],
            right=10.0 ** window[1],
            fill_color=OKABE_ITO["sky"],
            fill_alpha=0.18,
            line_alpha=0,
        )
        span = Span(
            location=10.0 ** grid.log10_fitted_from[c, v],
            dimension="height",
            line_color="grey",
            line_dash="dashdot",
            line_width=1,
        )
        p.add_layout(box)
        p.add_layout(span)
        boxes.append(box)
        spans.append(span)
        _style_plot(p)
    top.line(
        "x",
        "y",
        source=frontier,
        line_color=OKABE_ITO["blue"],
        line_width=2.5,
        legend_label="compute-optimal frontier",
    )
    top.line(
        "x",
        "y",
        source=fit,
        line_color=OKABE_ITO["vermillion"],
        line_width=2,
        line_dash="dashed",
        legend_label="straight line fitted over the band",
    )
    bottom.multi_line(
        "xs",
        "ys",
        source=gall,
        line_color="grey",
        line_alpha=0.45,
        line_width=1,
        legend_label="other vocabularies",
    )
    bottom.line(
        "x", "y", source=gsel, line_color=OKABE_ITO["blue"], line_width=2.5, legend_label="local exponent g"
    )
    bottom.line(
        "x",
        "y",
        source=gfit,
        line_color=OKABE_ITO["vermillion"],
        line_width=4,
        legend_label="fitted exponent a",
    )
    for value, dash, label in (
        (grid.params.a, "dashed", "law's β/(α+β)"),
        (KAPLAN_N_OPT_EXPONENT, "dotted", "Kaplan et al.'s 0.73"),
    ):
        bottom.line(
            [x[0], x[-1]],
            [value, value],
            line_color="black",
            line_dash=dash,
            line_width=1.2,
            legend_label=label,
        )
    _legend_style(top, "top_left")
    _legend_style(bottom, "top_right")
    bottom.add_layout(bottom.legend[0], "below")
    bottom.legend.location = "top_left"

    callback = CustomJS(
        args={
            "D": data,
            "counting": counting_buttons,
            "vocab": vocab_select,
            "slider": slider,
            "frontier": frontier,
            "fit": fit,
            "gall": gall,
            "gsel": gsel,
            "gfit": gfit,
            "boxes": boxes,
            "spans": spans,
            "readout": readout,
        },
        code=_EXPONENT_JS,
    )
    counting_buttons.js_on_change("active", callback)
    vocab_select.js_on_change("value", callback)
    slider.js_on_change("value", callback)
    readout.text = _exponent_text(grid, c, v, i, j, window)
    return column(
        counting_buttons,
        vocab_select,
        slider,
        readout,
        top,
        bottom,
        sizing_mode="stretch_width",
        name="explore-exponent",
    )


def _sup(t: float) -> str:
    return f"10<sup>{round(float(t), 2):g}</sup>"


def _exponent_text(grid: ExponentGrid, c: int, v: int, i: int, j: int, window: tuple[float, float]) -> str:
    """The readout sentence of :func:`exponent_figure`, as its JavaScript writes it."""
    a = float(grid.slope[c, v, i, j])
    lo, hi = window
    fr = float(grid.log10_fitted_from[c, v])
    inside = grid.log10_compute[(grid.log10_compute >= lo - 1e-9) & (grid.log10_compute <= hi + 1e-9)]
    below = int(np.sum(inside < fr))
    whole = np.floor(fr)
    if hi > lo:
        what = f"Fitted exponent <b>a = {a:.3f}</b> over budgets from {_sup(lo)} to {_sup(hi)} FLOP"
    else:
        what = f"A range of zero width reads the local exponent: <b>g = {a:.3f}</b> at {_sup(lo)} FLOP"
    counting = ["total counting", "non-embedding counting"][c]
    note = ": in total counting the vocabulary changes nothing" if c == 0 else ""
    text = (
        f"{what} ({counting}, {grid.vocab_sizes[v]:,}-token vocabulary{note}). The law's own "
        f"&beta;/(&alpha;+&beta;) is {grid.params.a:.3f}; Kaplan et al. measured {KAPLAN_N_OPT_EXPONENT:.2f}. "
    )
    if below:
        share = round(100 * below / inside.size)
        text += (
            f"{share}% of these budgets have an optimal model smaller than any the law was fitted on "
            f"(the law's smallest model is optimal from {10 ** (fr - whole):.1f} × {_sup(whole)} FLOP)."
        )
    else:
        text += "At every one of these budgets the optimal model is inside the sizes the law was fitted on."
    return text


def exponent_alt(
    grid: ExponentGrid,
    *,
    counting: str = "nonembedding",
    vocab_size: int = 32_000,
    window: tuple[float, float] = (13.0, 20.5),
) -> str:
    """Alt text for the picture of :func:`exponent_figure` in one state (numbers from the grid)."""
    if not isinstance(grid, ExponentGrid):
        raise ValueError(f"grid must be an ExponentGrid from nsl_utils.explore.exponent_grid; got {grid!r}")
    _check_choice(counting, COUNTINGS, "counting")
    _check_choice(vocab_size, grid.vocab_sizes, "vocab_size")
    i, j = grid.window_index(*window)
    c, v = COUNTINGS.index(counting), grid.vocab_sizes.index(vocab_size)
    a = float(grid.slope[c, v, i, j])
    g = grid.local_exponent[c, v]
    peak = int(np.argmax(g))
    n = grid.log10_n_opt[c, v]
    shape = (
        f"rising to a peak of {g[peak]:.2f} near {sci_text(10.0 ** grid.log10_compute[peak], 0)} FLOP "
        f"and falling towards {g[-1]:.2f}"
        if g.max() - g.min() > 0.01
        else f"flat at {g[0]:.2f}"
    )
    return (
        f"Two panels for {_COUNTING_SHORT[counting]} counting, a {vocab_size:,}-token vocabulary and budgets "
        f"from {sci_text(10.0 ** window[0], 1)} to {sci_text(10.0 ** window[1], 1)} FLOP, shaded. Left: optimal "
        f"parameters against compute on log axes, a curve rising from about {sci_text(10.0 ** n[0], 0)} to "
        f"{sci_text(10.0 ** n[-1], 0)} with a dashed straight line of slope {a:.2f} across the band. Right: the "
        f"local exponent g against compute, {shape}, grey curves for the other vocabularies and a thick bar at "
        f"{a:.2f} across the band, against Kaplan et al.'s {KAPLAN_N_OPT_EXPONENT:.2f} (dotted) and the law's "
        f"{grid.params.a:.2f} (dashed)."
    )


def draw_exponent_state(
    grid: ExponentGrid,
    *,
    counting: str = "nonembedding",
    vocab_size: int = 32_000,
    window: tuple[float, float] = (13.0, 20.5),
) -> Figure:
    """A picture of :func:`exponent_figure` in one state, drawn with matplotlib.

    The same two panels side by side (frontier and fitted line; local exponent and fitted
    exponent), for the page without JavaScript, the PDF and the figure pack.

    Parameters
    ----------
    grid, counting, vocab_size, window
        As for :func:`exponent_figure`.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot, so a notebook does not also show it on its own.
    """
    if not isinstance(grid, ExponentGrid):
        raise ValueError(f"grid must be an ExponentGrid from nsl_utils.explore.exponent_grid; got {grid!r}")
    _check_choice(counting, COUNTINGS, "counting")
    _check_choice(vocab_size, grid.vocab_sizes, "vocab_size")
    i, j = grid.window_index(*window)
    c, v = COUNTINGS.index(counting), grid.vocab_sizes.index(vocab_size)
    x = 10.0**grid.log10_compute
    a, b = float(grid.slope[c, v, i, j]), float(grid.intercept[c, v, i, j])
    lo, hi = window if window[1] > window[0] else (window[0] - 0.5, window[1] + 0.5)
    fit_x = 10.0 ** np.array([lo, hi])
    fig = Figure(figsize=(9.6, 3.9), dpi=FIGURE_DPI, facecolor="white")
    left, right = fig.subplots(1, 2)
    for ax in (left, right):
        ax.axvspan(10.0 ** window[0], 10.0 ** window[1], color=OKABE_ITO["sky"], alpha=0.18, lw=0)
        ax.axvline(10.0 ** grid.log10_fitted_from[c, v], color="grey", ls="-.", lw=1)
        ax.set_xscale("log")
        ax.set_xlim(x[0], x[-1])
        ax.set_xlabel("compute C, counted as chosen (FLOP)")
    left.loglog(
        x, 10.0 ** grid.log10_n_opt[c, v], color=OKABE_ITO["blue"], lw=2.2, label="compute-optimal frontier"
    )
    left.loglog(
        fit_x,
        10.0 ** (b + a * np.log10(fit_x)),
        "--",
        color=OKABE_ITO["vermillion"],
        lw=1.8,
        label=f"line fitted over the band, slope {a:.2f}",
    )
    left.set_ylabel("optimal parameters N*")
    left.legend(fontsize=8, loc="upper left")
    for k in range(len(grid.vocab_sizes)):
        if k != v:
            right.plot(
                x,
                grid.local_exponent[c, k],
                color="grey",
                alpha=0.45,
                lw=0.9,
                label="other vocabularies" if k == (1 if v == 0 else 0) else None,
            )
    right.plot(x, grid.local_exponent[c, v], color=OKABE_ITO["blue"], lw=2.2, label="local exponent g")
    right.plot(fit_x, [a, a], color=OKABE_ITO["vermillion"], lw=3.5, label=f"fitted exponent a = {a:.2f}")
    right.axhline(grid.params.a, color="black", ls="--", lw=1, label="law's β/(α+β)")
    right.axhline(KAPLAN_N_OPT_EXPONENT, color="black", ls=":", lw=1, label="Kaplan et al.'s 0.73")
    right.set_ylim(0.45, 1.02)
    right.set_ylabel("local exponent g = d log N* / d log C")
    right.legend(fontsize=7, loc="upper right")
    fig.suptitle(f"{_COUNTING_LABELS[counting]}; vocabulary {vocab_size:,}", fontsize=10)
    fig.tight_layout()
    return fig


_PLAN_JS = """
const b = Math.round((budget.value - D.b0) / D.bs), i = Math.round((demand.value - D.i0) / D.is);
const ns = D.ns, k = b * D.ni + i, off = k * ns;
const tr = D.training.slice(off, off + ns), inf = D.inference.slice(off, off + ns);
curves.data = {x: D.ratio, training: tr, inference: inf, lifetime: tr.map((t, q) => t + inf[q])};
const nr = D.n_aware[k] / D.n_chin[b];
// The Chinchilla-optimal plan sits at (1, 1) on these scales by definition.
aware.data = {x: [nr], y: [1 - D.saving[k]]};
const big = n => n >= 1e12 ? (n / 1e12).toPrecision(3) + " trillion" : (n / 1e9).toPrecision(3) + " billion";
const sup = t => "10<sup>" + (Math.round(t * 100) / 100) + "</sup>";
const tpp = (d, n) => Math.round(d / n);
const outside = [D.chin_out[b] ? "the Chinchilla-optimal plan" : "", D.aware_out[k] ? "the inference-aware plan" : ""]
  .filter(s => s).join(" and ");
readout.text = "A budget of " + sup(budget.value) + " FLOP buys a loss of <b>" + D.loss[b].toFixed(3)
  + " nats per token</b> with the Chinchilla-optimal model: <b>" + big(D.n_chin[b]) + " parameters</b> trained on "
  + big(D.d_chin[b]) + " tokens (" + tpp(D.d_chin[b], D.n_chin[b]) + " per parameter). If it will then process "
  + sup(demand.value) + " tokens, the same loss costs least with <b>" + big(D.n_aware[k]) + " parameters</b> on "
  + big(D.d_aware[k]) + " tokens (" + tpp(D.d_aware[k], D.n_aware[k]) + " per parameter): its training costs "
  + Math.round(100 * D.extra[k]) + "% more and its lifetime compute is <b>" + Math.round(100 * D.saving[k])
  + "% less</b>. " + (outside ? "Outside the sizes, tokens or budgets the law was fitted on: " + outside + "."
                             : "Both plans are inside the range the law was fitted on.");
"""


def plan_figure(grid: PlanGrid, *, log10_budget: float = 24.0, log10_inference: float = 13.0) -> Any:
    """The training-inference trade-off as a Bokeh layout: budget and inference demand as sliders.

    The plot shows, for every model size that reaches the loss the budget buys with the
    Chinchilla-optimal model, its training, inference and lifetime compute relative to the
    Chinchilla-optimal plan's lifetime compute; dots mark the Chinchilla-optimal and the
    inference-aware plan. A sentence gives both plans in numbers.

    Parameters
    ----------
    grid : PlanGrid
        From :func:`nsl_utils.explore.plan_grid`.
    log10_budget, log10_inference : float
        The starting budget (log10 FLOP) and demand (log10 tokens), positions of the grid.

    Returns
    -------
    bokeh.models.LayoutDOM
        Named models: ``budget`` and ``inference`` (Slider), ``plan-readout`` (Div) and the data
        sources ``plan-curves`` and ``aware-plan``.
    """
    if not isinstance(grid, PlanGrid):
        raise ValueError(f"grid must be a PlanGrid from nsl_utils.explore.plan_grid; got {grid!r}")
    b, i = grid.index(log10_budget, log10_inference)
    _bokeh()
    from bokeh.layouts import column
    from bokeh.models import ColumnDataSource, CustomJS, Div, FixedTicker, Range1d, Slider
    from bokeh.plotting import figure

    nb, ni = grid.log10_budget.size, grid.log10_inference.size
    budget = 10.0**grid.log10_budget
    extra = 6.0 * grid.n_aware * grid.d_aware / budget[:, None] - 1.0
    data = {
        "b0": float(grid.log10_budget[0]),
        "bs": float(grid.log10_budget[1] - grid.log10_budget[0]),
        "i0": float(grid.log10_inference[0]),
        "is": float(grid.log10_inference[1] - grid.log10_inference[0]),
        "ni": int(ni),
        "ns": int(grid.size_ratio.size),
        "ratio": _sig(grid.size_ratio, 5),
        "training": _f32(grid.training),
        "inference": _f32(grid.inference),
        "loss": _sig(grid.loss, 6),
        "n_chin": _sig(grid.n_chinchilla, 5),
        "d_chin": _sig(grid.d_chinchilla, 5),
        "n_aware": _sig(grid.n_aware, 5),
        "d_aware": _sig(grid.d_aware, 5),
        "saving": _sig(grid.saving_fraction, 5),
        "extra": _sig(extra, 5),
        "chin_out": [bool(o) for o in grid.chinchilla_outside],
        "aware_out": [bool(o) for o in grid.aware_outside.ravel()],
    }
    tr, inf = grid.training[b, i], grid.inference[b, i]
    curves = ColumnDataSource(
        {"x": grid.size_ratio, "training": tr, "inference": inf, "lifetime": tr + inf}, name="plan-curves"
    )
    aware = ColumnDataSource(
        {
            "x": [float(grid.n_aware[b, i] / grid.n_chinchilla[b])],
            "y": [float(1.0 - grid.saving_fraction[b, i])],
        },
        name="aware-plan",
    )
    step_b = float(grid.log10_budget[1] - grid.log10_budget[0])
    step_i = float(grid.log10_inference[1] - grid.log10_inference[0])
    budget_slider = Slider(
        title="Training budget C_T, log₁₀ FLOP",
        name="budget",
        start=float(grid.log10_budget[0]),
        end=float(grid.log10_budget[-1]),
        step=step_b,
        value=float(log10_budget),
        format="0[.]0",
        sizing_mode="stretch_width",
    )
    demand_slider = Slider(
        title="Tokens processed at inference over the model's life, log₁₀",
        name="inference",
        start=float(grid.log10_inference[0]),
        end=float(grid.log10_inference[-1]),
        step=step_i,
        value=float(log10_inference),
        format="0[.]0",
        sizing_mode="stretch_width",
    )
    readout = Div(name="plan-readout", sizing_mode="stretch_width", styles=_READOUT_STYLE)
    p = figure(
        x_axis_type="log",
        y_axis_type="log",
        height=320,
        sizing_mode="stretch_width",
        tools="",
        x_range=Range1d(float(grid.size_ratio[0]), float(grid.size_ratio[-1])),
        y_range=Range1d(0.02, 20.0),
        name="plan-plot",
        x_axis_label="model size N_T / the Chinchilla-optimal size (same loss)",
        y_axis_label="relative compute",
    )
    _style_plot(p)
    p.xaxis.ticker = FixedTicker(ticks=list(_SIZE_TICKS))
    p.line(
        "x",
        "training",
        source=curves,
        line_color=OKABE_ITO["blue"],
        line_width=1.8,
        line_dash="dashed",
        legend_label="training 6 N_T D",
    )
    p.line(
        "x",
        "inference",
        source=curves,
        line_color=OKABE_ITO["orange"],
        line_width=1.8,
        line_dash="dotted",
        legend_label="inference 2 N_T D_inf",
    )
    p.line(
        "x", "lifetime", source=curves, line_color="black", line_width=2.5, legend_label="lifetime: the sum"
    )
    p.scatter(
        [1.0],
        [1.0],
        size=9,
        marker="circle",
        color=OKABE_ITO["vermillion"],
        legend_label="Chinchilla-optimal plan",
    )
    p.scatter(
        "x",
        "y",
        source=aware,
        size=11,
        marker="diamond",
        color=OKABE_ITO["green"],
        legend_label="inference-aware plan",
    )
    _legend_style(p, "top_center")
    p.add_layout(p.legend[0], "below")
    p.legend.location = "top_left"
    callback = CustomJS(
        args={
            "D": data,
            "budget": budget_slider,
            "demand": demand_slider,
            "curves": curves,
            "aware": aware,
            "readout": readout,
        },
        code=_PLAN_JS,
    )
    budget_slider.js_on_change("value", callback)
    demand_slider.js_on_change("value", callback)
    readout.text = _plan_text(grid, b, i)
    return column(budget_slider, demand_slider, readout, p, sizing_mode="stretch_width", name="explore-plan")


def _big(n: float) -> str:
    return f"{n / 1e12:.3g} trillion" if n >= 1e12 else f"{n / 1e9:.3g} billion"


def _plan_text(grid: PlanGrid, b: int, i: int) -> str:
    """The readout sentence of :func:`plan_figure`, as its JavaScript writes it."""
    n_c, d_c = grid.n_chinchilla[b], grid.d_chinchilla[b]
    n_a, d_a = grid.n_aware[b, i], grid.d_aware[b, i]
    extra = 6.0 * n_a * d_a / 10.0 ** grid.log10_budget[b] - 1.0
    outside = " and ".join(
        s
        for s, o in (
            ("the Chinchilla-optimal plan", grid.chinchilla_outside[b]),
            ("the inference-aware plan", grid.aware_outside[b, i]),
        )
        if o
    )
    return (
        f"A budget of {_sup(grid.log10_budget[b])} FLOP buys a loss of <b>{grid.loss[b]:.3f} nats per token</b> "
        f"with the Chinchilla-optimal model: <b>{_big(n_c)} parameters</b> trained on {_big(d_c)} tokens "
        f"({round(d_c / n_c)} per parameter). If it will then process {_sup(grid.log10_inference[i])} tokens, "
        f"the same loss costs least with <b>{_big(n_a)} parameters</b> on {_big(d_a)} tokens "
        f"({round(d_a / n_a)} per parameter): its training costs {round(100 * extra)}% more and its "
        f"lifetime compute is <b>{round(100 * grid.saving_fraction[b, i])}% less</b>. "
        + (
            f"Outside the sizes, tokens or budgets the law was fitted on: {outside}."
            if outside
            else "Both plans are inside the range the law was fitted on."
        )
    )


def plan_alt(grid: PlanGrid, *, log10_budget: float = 24.0, log10_inference: float = 13.0) -> str:
    """Alt text for the picture of :func:`plan_figure` in one state (numbers from the grid)."""
    if not isinstance(grid, PlanGrid):
        raise ValueError(f"grid must be a PlanGrid from nsl_utils.explore.plan_grid; got {grid!r}")
    b, i = grid.index(log10_budget, log10_inference)
    ratio = float(grid.n_aware[b, i] / grid.n_chinchilla[b])
    return (
        f"Log-log plot for a budget of {sci_text(10.0 ** grid.log10_budget[b], 1)} FLOP and "
        f"{sci_text(10.0 ** grid.log10_inference[i], 1)} inference tokens: against model size relative to the "
        f"Chinchilla-optimal one, a dashed training curve with its minimum at 1, a dotted inference line rising "
        f"with size, and their black sum, U-shaped, with its minimum (a diamond) at {ratio:.2f} times the "
        f"Chinchilla-optimal size and {1 - grid.saving_fraction[b, i]:.2f} times its lifetime compute; a circle "
        f"marks the Chinchilla-optimal plan at 1, 1."
    )


def draw_plan_state(grid: PlanGrid, *, log10_budget: float = 24.0, log10_inference: float = 13.0) -> Figure:
    """A picture of :func:`plan_figure` in one state, drawn with matplotlib (see
    :func:`draw_exponent_state`)."""
    if not isinstance(grid, PlanGrid):
        raise ValueError(f"grid must be a PlanGrid from nsl_utils.explore.plan_grid; got {grid!r}")
    b, i = grid.index(log10_budget, log10_inference)
    fig = Figure(figsize=(6.4, 4.0), dpi=FIGURE_DPI, facecolor="white")
    ax = fig.subplots()
    r = grid.size_ratio
    ax.loglog(r, grid.training[b, i], "--", color=OKABE_ITO["blue"], label="training 6 N_T D")
    ax.loglog(r, grid.inference[b, i], ":", color=OKABE_ITO["orange"], label="inference 2 N_T D_inf")
    ax.loglog(r, grid.lifetime[b, i], color="black", lw=2.2, label="lifetime: the sum")
    ax.plot([1.0], [1.0], "o", color=OKABE_ITO["vermillion"], label="Chinchilla-optimal plan")
    ax.plot(
        [grid.n_aware[b, i] / grid.n_chinchilla[b]],
        [1.0 - grid.saving_fraction[b, i]],
        "D",
        color=OKABE_ITO["green"],
        label="inference-aware plan",
    )
    ax.set(
        xlim=(r[0], r[-1]),
        ylim=(0.02, 20.0),
        xlabel="model size N_T / the Chinchilla-optimal size (same loss)",
        ylabel="compute / the Chinchilla plan's lifetime compute",
        title=f"budget 10^{grid.log10_budget[b]:g} FLOP, 10^{grid.log10_inference[i]:g} inference tokens",
    )
    ax.set_xticks(_SIZE_TICKS, [f"{t:g}" for t in _SIZE_TICKS])
    ax.set_xticks([], minor=True)
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def embed(
    layout: Any,
    picture: Figure,
    *,
    alt: str,
    load_bokehjs: bool,
    static_prefix: str = "../_static/",
) -> dict[str, Any]:
    """One notebook output holding the interactive figure and its picture.

    Display it with ``IPython.display.display(bundle, raw=True)``. The HTML loads the book's copy
    of BokehJS (if ``load_bokehjs``: once per page, in the first figure), shows ``picture`` until
    BokehJS has drawn the figure and then hides it. The PNG is the same picture, taken by builders
    that cannot show HTML (the PDF) and by the figure pack.

    Parameters
    ----------
    layout : bokeh.models.LayoutDOM
        The figure, e.g. from :func:`exponent_figure`.
    picture : matplotlib.figure.Figure
        Its starting state, e.g. from :func:`draw_exponent_state`.
    alt : str
        Alt text of the picture (non-empty).
    load_bokehjs : bool
        Whether this output loads BokehJS (the first interactive figure of a page).
    static_prefix : str
        URL of the site's ``_static/`` folder relative to the page.

    Returns
    -------
    dict
        A MIME bundle: ``text/html``, ``image/png`` (base64, 220 dpi) and ``text/plain``.
    """
    bokeh = _bokeh()
    from bokeh.embed import components
    from bokeh.model import Model

    if not isinstance(layout, Model):
        raise ValueError(f"layout must be a Bokeh model (e.g. from exponent_figure); got {layout!r}")
    if not isinstance(picture, Figure):
        raise ValueError(f"picture must be a matplotlib Figure; got {picture!r}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty description of the picture")

    def png(dpi: int) -> str:
        buffer = io.BytesIO()
        picture.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    width_px = int(round(picture.get_figwidth() * FIGURE_DPI))
    script, div = components(layout)
    box = f"nsl-interactive-{uuid.uuid4().hex[:12]}"
    hide = (
        f'<script>(function () {{ if (window.Bokeh) {{ document.querySelector("#{box} '
        f'> img.nsl-interactive-picture").style.display = "none"; }} }})();</script>'
    )
    parts = [
        f'<div class="nsl-interactive" id="{box}" data-bokeh-version="{bokeh.__version__}">',
        f'<img class="nsl-interactive-picture" src="data:image/png;base64,{png(FIGURE_DPI)}" alt="{html.escape(alt)}" '
        f'width="{width_px}" style="max-width: 100%; height: auto;">',
        div,
        "</div>",
        bokehjs_tags(static_prefix) if load_bokehjs else "",
        script,
        hide,
    ]
    text = f"Interactive figure (Bokeh {bokeh.__version__}); picture of its starting state: {alt}"
    return {
        "text/html": "\n".join(p for p in parts if p),
        "image/png": png(2 * FIGURE_DPI),
        "text/plain": text,
    }
