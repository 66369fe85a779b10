"""The book's figure style, and the one figure several chapters draw: IsoFLOP profiles.

Figures keep a white background so that they read in the theme's dark mode and in print.
The palette is Okabe & Ito's (2008) eight colours, distinguishable under the common forms
of colour blindness. In a notebook the figures are served at twice the resolution of their size
on the page (IPython's "retina" PNGs), so they stay sharp on high-density screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from ._validation import as_finite_array, as_positive_array
from .fit import IsoFlopFit

__all__ = ["OKABE_ITO", "FIGURE_DPI", "use_book_style", "plot_isoflop"]

#: Okabe-Ito colours by name, in the order the property cycle uses them.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}


#: Pixels per inch of a figure as laid out on the page: a 6.4-inch figure is 704 CSS pixels wide.
#: In a notebook its image has twice as many pixels each way (see :func:`use_book_style`).
FIGURE_DPI = 110


def use_book_style() -> None:
    """Set the book's figure style (call once at the top of a notebook).

    Sets matplotlib's rcParams and, when running under IPython (a notebook, the book build, nbval),
    makes the inline backend emit "retina" PNGs: rendered at ``2 * FIGURE_DPI`` and tagged with
    their display size, so the page lays each figure out as before while a high-density screen
    gets twice the pixels. Elsewhere (scripts, tests) only the rcParams change.
    """
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": FIGURE_DPI,
            "savefig.dpi": 2 * FIGURE_DPI,
            "axes.prop_cycle": cycler(color=list(OKABE_ITO.values())),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 10,
        }
    )
    _serve_retina_figures()


def _serve_retina_figures() -> bool:
    """Under IPython, make the inline backend's PNGs retina ones; say whether it did."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    # The setting lives on the backend's configuration, not only on today's formatters: the
    # inline backend re-selects its formats from this configuration when matplotlib first
    # activates it, which may happen after this call (at the notebook's first figure).
    config = InlineBackend.instance(parent=shell)
    config.shell = shell
    config.figure_formats = {"retina"}
    return True


def plot_isoflop(
    ax: Axes,
    C: ArrayLike,
    N: ArrayLike,
    L: ArrayLike,
    fit: IsoFlopFit,
    *,
    colours: Mapping[float, Any] | None = None,
    window: float | None = None,
    label: bool = False,
    vertex: Mapping[str, Any] | None = None,
) -> dict[float, Any]:
    """Draw IsoFLOP profiles and their Approach-2 parabolas (Hoffmann et al. 2022, Sec. 3.2).

    For each budget: its runs as points (hollow where ``fit`` dropped the budget), the fitted
    parabola in ``ln N`` over the sizes it used, and its vertex ``(N*, L*)``, by default a black
    cross.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw; its x axis is set to log scale.
    C, N, L : array_like
        Budget (FLOP), model size (parameters, as ``fit`` counted them) and loss (nats/token) of
        each run, equal lengths.
    fit : IsoFlopFit
        The result of :func:`nsl_utils.fit.fit_isoflop` on the same runs.
    colours : mapping of float to colour, optional
        Colour per budget; default, viridis from the smallest budget to the largest.
    window : float, optional
        The ``window`` given to ``fit_isoflop``: each parabola is drawn within ``window`` (in
        ``ln N``) of its vertex; default, over all of the budget's sizes.
    label : bool
        Label each budget's points ``C = ... FLOP`` for a legend.
    vertex : mapping, optional
        Matplotlib style of the vertex markers, e.g. ``{"marker": "*", "ms": 14, "mec": "k"}``;
        without a ``color`` entry the budget's colour is used.

    Returns
    -------
    dict of float to colour
        The colour of each budget, for a legend or a second panel.
    """
    C, N = as_positive_array(C, "C"), as_positive_array(N, "N")
    L = as_finite_array(L, "L")
    if not C.shape == N.shape == L.shape:
        raise ValueError(f"C, N and L must have one entry per run; got shapes {C.shape}, {N.shape}, {L.shape}")
    budgets = np.unique(C)
    if colours is None:
        colours = dict(zip(budgets, mpl.colormaps["viridis"](np.linspace(0, 0.9, budgets.size))))
    missing = [b for b in budgets if b not in colours]
    if missing:
        raise ValueError(f"colours: no colour for budgets {missing}; give one per budget in C")
    for budget in budgets:
        sel, colour = C == budget, colours[budget]
        used = np.flatnonzero(fit.budgets == budget)
        ax.plot(N[sel], L[sel], "o", ms=3, color=colour, mfc=colour if used.size else "none",
                label=f"C = {budget:.0e} FLOP" if label else None)
        if used.size:
            i = int(used[0])
            if window is None:
                lo, hi = N[sel].min(), N[sel].max()
            else:
                lo, hi = fit.n_opt[i] * np.exp(-window), fit.n_opt[i] * np.exp(window)
            grid = np.geomspace(lo, hi, 100)
            ax.plot(grid, fit.parabola(i, grid), color=colour, lw=1)
            style = {"color": colour, **(vertex or {"marker": "x", "color": OKABE_ITO["black"], "ms": 5})}
            ax.plot(fit.n_opt[i], fit.loss_opt[i], ls="none", **style)
    ax.set_xscale("log")
    return dict(colours)
