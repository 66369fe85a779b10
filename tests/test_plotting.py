"""Tests of nsl_utils.plotting: the book style and the shared IsoFLOP figure."""

import base64

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


def test_use_book_style_sets_the_page_resolution_outside_ipython(monkeypatch):
    import IPython

    from nsl_utils import plotting

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    plotting.use_book_style()
    assert matplotlib.rcParams["figure.dpi"] == plotting.FIGURE_DPI
    assert matplotlib.rcParams["savefig.dpi"] == 2 * plotting.FIGURE_DPI
    assert matplotlib.rcParams["figure.facecolor"] == "white"
    assert plotting._serve_retina_figures() is False  # no shell: nothing to configure


# matplotlib-inline's own observer of figure_formats uses a traitlets API it deprecates.
@pytest.mark.filterwarnings("ignore:InlineBackend._figure_formats_changed:DeprecationWarning")
def test_use_book_style_serves_retina_pngs_under_ipython():
    """In a shell, figures become PNGs with twice the pixels of their display size."""
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.config import InlineBackend
    from traitlets.config import Config

    from nsl_utils import plotting

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # no history file written by the test
    shell = InteractiveShell.instance(config=config)
    try:
        use_book_style()
        assert InlineBackend.instance().figure_formats == {"retina"}
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.plot([0, 1], [0, 1])
        data, metadata = shell.display_formatter.formatters["image/png"](fig)
        png = base64.b64decode(data) if isinstance(data, str) else data
        width, height = (int(v) for v in np.frombuffer(png[16:24], dtype=">u4"))
        assert metadata["width"] == width // 2 and metadata["height"] == height // 2
        # Displayed at FIGURE_DPI (bbox_inches="tight" trims a little), served at twice that.
        assert 0.8 * 4 * plotting.FIGURE_DPI < metadata["width"] <= 4 * plotting.FIGURE_DPI
        plt.close(fig)
    finally:
        InlineBackend.instance().figure_formats = {"png"}
        InlineBackend.clear_instance()
        InteractiveShell.clear_instance()
