"""The interactive figures of the built book (book/explore), moved in headless Chromium.

The page's two Bokeh figures must work as a reader finds them: offline (every request to another
host is blocked), with no kernel, and without a single console error. Each test opens the page,
moves one control as a reader would (the keyboard on a slider's handle, a click on a button, a
choice in a menu) and checks that the plotted data and the sentence above the plot change, and
that the pixels of the figure change too. Moving a control away and back must give the sentence
the page started with: the JavaScript that writes it and the Python that wrote it at build time
agree.

It reuses the site test's fixtures (tests/test_site.py): the built site served on 127.0.0.1,
Debian's Chromium through Playwright, and the same rule for what is missing: without Chromium or
a built site the tests skip with a message, except under ``CI=true``, where they fail. Build the
site first (``make build-strict``).
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from test_site import (  # noqa: F401  (fixtures: pytest finds them by name in this module)
    DESKTOP,
    PAGE_TIMEOUT_MS,
    PHONE,
    TOC_FILES,
    _offline_route,
    _unavailable,
    base_url,
    browser,
    site_dir,
)

PAGE = "book/explore"

#: The named Bokeh models the tests read (see nsl_utils.interactive): their data, value or text.
_READ_JS = """(names) => {
  const out = {};
  for (const doc of Bokeh.documents) {
    for (const name of names) {
      const m = doc.get_model_by_name(name);
      if (m == null) continue;
      if (m.data !== undefined) {
        out[name] = Object.fromEntries(Array.from(m.data.entries ? m.data.entries() : Object.entries(m.data))
          .map(([k, v]) => [k, Array.from(v, x => (Array.isArray(x) || ArrayBuffer.isView(x)) ? Array.from(x) : x)]));
      } else if (m.text !== undefined) {
        out[name] = m.text;
      } else if (m.active !== undefined) {
        out[name] = m.active;
      } else {
        out[name] = Array.isArray(m.value) ? Array.from(m.value) : m.value;
      }
    }
  }
  return out;
}"""
EXPONENT_MODELS = [
    "counting",
    "vocabulary",
    "budget-range",
    "readout",
    "frontier",
    "fit",
    "exponent-fit",
    "exponent-selected",
]
PLAN_MODELS = ["budget", "inference", "plan-readout", "plan-curves", "aware-plan"]


class _Page:
    """The explore page open in a fresh browser context, with what went wrong recorded."""

    def __init__(self, browser, base_url: str, viewport: dict, **options) -> None:
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.blocked: list[str] = []
        self.failed_local: list[str] = []
        route = _offline_route(base_url, self.blocked)

        def on_console(msg) -> None:
            source = (msg.location or {}).get("url", "")
            if msg.type == "error" and not (
                msg.text.startswith("Failed to load resource") and not source.startswith(base_url)
            ):
                self.console_errors.append(f"{msg.text} ({source})")

        self.context = browser.new_context(viewport=viewport, **options)
        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", on_console)
        self.page.on("pageerror", lambda exc: self.console_errors.append(f"uncaught: {exc}"))
        self.page.on(
            "response",
            lambda r: (
                self.failed_local.append(f"{r.status} {r.url}")
                if r.url.startswith(base_url) and r.status >= 400
                else None
            ),
        )
        self.page.goto(urljoin(base_url, f"{PAGE}.html"), wait_until="load", timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_function(
            "window.Bokeh !== undefined && Bokeh.documents.length === 2", timeout=PAGE_TIMEOUT_MS
        )
        # Both documents have drawn: every plot's canvas has a size.
        self.page.wait_for_function(
            """() => Bokeh.documents.every(d => d.is_idle)""", timeout=PAGE_TIMEOUT_MS
        )

    def read(self, names: list[str]) -> dict:
        return self.page.evaluate(_READ_JS, names)

    def figure(self, name: str):
        """The figure's box on the page (its MyST-NB <figure>, named by its label)."""
        return self.page.locator(f"figure#{name}")

    def handles(self, figure: str):
        """The slider handles inside a figure (Playwright's CSS pierces Bokeh's shadow roots)."""
        return self.figure(figure).locator(".noUi-handle")

    def press(self, handle, key: str, times: int = 1) -> None:
        handle.focus()
        for _ in range(times):
            handle.press(key)

    def settle(self) -> None:
        self.page.wait_for_function("() => Bokeh.documents.every(d => d.is_idle)", timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_timeout(150)  # one animation frame and then some, for the canvas

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def explore(browser, base_url, site_dir):
    if PAGE not in TOC_FILES:
        pytest.fail(f"{PAGE} is not in _toc.yml")
    if not (site_dir / f"{PAGE}.html").is_file():
        _unavailable(f"the built site in {site_dir} has no {PAGE}.html: rebuild it (`make build-strict`)")
    page = _Page(browser, base_url, DESKTOP)
    yield page
    page.close()


def _changed(before: dict, after: dict, key: str) -> bool:
    return before[key] != after[key]


def test_page_loads_offline_without_errors(explore):
    assert not explore.console_errors, f"console errors: {explore.console_errors}"
    assert not explore.failed_local, f"local requests failed: {explore.failed_local}"
    scripts = explore.page.eval_on_selector_all(
        "script[src*='_static/bokeh/']", "els => els.map(e => e.getAttribute('src'))"
    )
    assert len(scripts) == len(set(scripts)) == 2, f"BokehJS should load once per page: {scripts}"
    assert not [u for u in explore.blocked if "bokeh" in u], f"BokehJS from another host: {explore.blocked}"
    # Once BokehJS has drawn, each figure hides the picture of its starting state.
    hidden = explore.page.eval_on_selector_all(
        "img.nsl-interactive-picture", "els => els.map(e => getComputedStyle(e).display)"
    )
    assert hidden == ["none", "none"], hidden
    for name in ("fig-explore-exponent", "fig-explore-plan"):
        canvases = explore.figure(name).locator("canvas")
        assert canvases.count() > 0, f"{name}: Bokeh drew no canvas"
        box = canvases.first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, f"{name}: canvas {box}"


def test_moving_the_budget_range_changes_the_fit(explore):
    before = explore.read(EXPONENT_MODELS)
    assert before["budget-range"] == [13, 20.5]
    pixels = explore.figure("fig-explore-exponent").screenshot()
    low = explore.handles("fig-explore-exponent").nth(0)
    explore.press(low, "ArrowRight", times=6)  # three decades up, in half-decade steps
    explore.settle()
    after = explore.read(EXPONENT_MODELS)
    assert after["budget-range"] == [16, 20.5]
    for key in ("fit", "exponent-fit", "readout"):
        assert _changed(before, after, key), f"{key} did not change when the slider moved"
    # The frontier itself does not depend on the range (the page's grid holds it in float32).
    assert after["frontier"]["y"] == pytest.approx(before["frontier"]["y"], rel=1e-5)
    assert "from 10<sup>16</sup> to 10<sup>20.5</sup>" in after["readout"]
    assert (
        after["exponent-fit"]["y"][0] < before["exponent-fit"]["y"][0]
    ), "dropping the small budgets lowers a"
    assert explore.figure("fig-explore-exponent").screenshot() != pixels, "the figure's pixels did not change"
    # Back where it started: the JavaScript writes the sentence the Python wrote at build time.
    explore.press(low, "ArrowLeft", times=6)
    explore.settle()
    back = explore.read(EXPONENT_MODELS)
    assert back["budget-range"] == [13, 20.5]
    assert back["readout"] == before["readout"]
    assert back["fit"]["y"] == pytest.approx(before["fit"]["y"], rel=1e-4)
    assert not explore.console_errors, explore.console_errors


def test_switching_the_counting_removes_the_bias(explore):
    before = explore.read(EXPONENT_MODELS)
    explore.figure("fig-explore-exponent").get_by_role("button", name="total: N_T").click()
    explore.settle()
    after = explore.read(EXPONENT_MODELS)
    assert after["counting"] == 0
    for key in ("frontier", "fit", "exponent-fit", "exponent-selected", "readout"):
        assert _changed(before, after, key), f"{key} did not change with the counting"
    law_a = after["exponent-fit"]["y"][0]
    assert law_a == pytest.approx(0.513, abs=0.005)  # Epoch's beta / (alpha + beta)
    assert (
        max(abs(g - law_a) for g in after["exponent-selected"]["y"]) < 1e-6
    ), "g is constant in total counting"
    assert "vocabulary changes nothing" in after["readout"]
    assert not explore.console_errors, explore.console_errors


def test_choosing_a_vocabulary_moves_the_exponent(explore):
    before = explore.read(EXPONENT_MODELS)
    explore.figure("fig-explore-exponent").locator("select").select_option(index=0)  # 8,000 tokens
    explore.settle()
    after = explore.read(EXPONENT_MODELS)
    assert after["vocabulary"] == "0"
    for key in ("frontier", "exponent-selected", "exponent-fit", "readout"):
        assert _changed(before, after, key), f"{key} did not change with the vocabulary"
    assert "8,000-token vocabulary" in after["readout"]
    assert after["exponent-fit"]["y"][0] < before["exponent-fit"]["y"][0] - 0.05
    assert not explore.console_errors, explore.console_errors


def test_moving_the_planning_sliders_changes_the_plan(explore):
    before = explore.read(PLAN_MODELS)
    assert (before["budget"], before["inference"]) == (24, 13)
    pixels = explore.figure("fig-explore-plan").screenshot()
    budget, demand = explore.handles("fig-explore-plan").nth(0), explore.handles("fig-explore-plan").nth(1)
    explore.press(demand, "ArrowRight", times=2)  # ten times the inference tokens
    explore.settle()
    after = explore.read(PLAN_MODELS)
    assert after["inference"] == 14
    for key in ("plan-curves", "aware-plan", "plan-readout"):
        assert _changed(before, after, key), f"{key} did not change when the inference slider moved"
    assert after["aware-plan"]["x"][0] < before["aware-plan"]["x"][0], "more demand, a smaller model"
    assert explore.figure("fig-explore-plan").screenshot() != pixels, "the figure's pixels did not change"
    explore.press(budget, "ArrowLeft", times=2)
    explore.settle()
    moved = explore.read(PLAN_MODELS)
    assert moved["budget"] == 23 and "10<sup>23</sup> FLOP" in moved["plan-readout"]
    explore.press(budget, "ArrowRight", times=2)
    explore.press(demand, "ArrowLeft", times=2)
    explore.settle()
    assert explore.read(PLAN_MODELS)["plan-readout"] == before["plan-readout"]
    assert not explore.console_errors, explore.console_errors


def test_figures_fit_a_phone(browser, base_url, site_dir):
    if not (site_dir / f"{PAGE}.html").is_file():
        _unavailable(f"the built site in {site_dir} has no {PAGE}.html: rebuild it (`make build-strict`)")
    phone = _Page(browser, base_url, PHONE, is_mobile=True, has_touch=True)
    try:
        width = phone.page.evaluate("() => document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"the page scrolls sideways at {PHONE['width']} px ({width} px)"
        for name in ("fig-explore-exponent", "fig-explore-plan"):
            box = phone.figure(name).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, f"{name}: {box}"
        assert not phone.console_errors, phone.console_errors
    finally:
        phone.close()
