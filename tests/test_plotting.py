"""Tests of nsl_utils.plotting: the book style and the shared IsoFLOP figure."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nsl_utils.fit import fit_isoflop  # noqa: E402
from nsl_utils.laws import HOFFMANN_2022, chinchilla_loss  # noqa: E402
from nsl_utils.plotting import OKABE_ITO, plot_isoflop, use_book_style  # noqa: E402


@pytest.fixture
def profiles():
    budgets = np.repeat([1e18, 1e19, 1e20], 9)
    N = np.concatenate([np.logspace(7.3, 9.3, 9), np.logspace(7.8, 9.8, 9), np.logspace(8.3, 10.3, 9)])
    L = chinchilla_loss(N, budgets / (6 * N), HOFFMANN_2022)
    return budgets, N, L, fit_isoflop(budgets, N, L)


def test_plot_isoflop_draws_points_parabola_and_vertex_per_budget(profiles):
    use_book_style()
    fig, ax = plt.subplots()
    colours = plot_isoflop(ax, *profiles, label=True)
    assert set(colours) == {1e18, 1e19, 1e20}
    assert len(ax.lines) == 3 * 3 and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.legend().get_texts()] == ["C = 1e+18 FLOP", "C = 1e+19 FLOP", "C = 1e+20 FLOP"]
    vertex = ax.lines[2]
    assert vertex.get_marker() == "x" and vertex.get_color() == OKABE_ITO["black"]
    plt.close(fig)


def test_plot_isoflop_bad_input(profiles):
    C, N, L, fit = profiles
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="one entry per run"):
        plot_isoflop(ax, C, N[:-1], L, fit)
    with pytest.raises(ValueError, match="colours: no colour"):
        plot_isoflop(ax, C, N, L, fit, colours={1e18: "red"})
    plt.close(fig)
