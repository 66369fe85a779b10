"""The book's figure style: a colour-blind-safe palette and white figure backgrounds.

Figures keep a white background so that they read in the theme's dark mode and in print.
The palette is Okabe & Ito's (2008) eight colours, distinguishable under the common forms
of colour blindness.
"""

from __future__ import annotations

import matplotlib as mpl
from cycler import cycler

__all__ = ["OKABE_ITO", "use_book_style"]

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


def use_book_style() -> None:
    """Set matplotlib's rcParams to the book's style (call once at the top of a notebook)."""
    mpl.rcParams.update(
        {
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 110,
            "axes.prop_cycle": cycler(color=list(OKABE_ITO.values())),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 10,
        }
    )
