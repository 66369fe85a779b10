"""The built book, opened in headless Chromium as a reader would (Python Playwright).

Checks, for every page in ``_toc.yml``: it loads; every internal link and image resolves; the
browser reports no console error beyond the duplicate ``THEBE_JS_URL`` declaration that Jupyter
Book 1.0.4 emits; MathJax raises no error. For every notebook chapter: at least one figure with an
image, a caption and alt text, rendered math, and every glued number in the text. For every
folded solution: it starts hidden and clicking its toggle reveals it.

The site is served from ``$NSL_SITE_DIR`` (default ``_build/html``; build it first with
``make build-strict``), its pages listed by ``$NSL_SITE_TOC`` (default ``_toc.yml``), by a local http.server on 127.0.0.1. Requests to other hosts are blocked so
the test is the same offline and on; MathJax, which the book loads from a CDN, is served from a
local MathJax 3 copy when one is found (``$NSL_MATHJAX_DIR``, or the ``sphinx-mathjax-offline``
package) or already shipped in the built site.

Without Chromium or a built site the tests skip with a message saying what to do, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE_DIR = Path(os.environ.get("NSL_SITE_DIR", ROOT / "_build" / "html")).resolve()
#: The table of contents the site was built from; a partial build (``--toc``) names its own.
TOC_PATH = Path(os.environ.get("NSL_SITE_TOC", ROOT / "_toc.yml")).resolve()
IN_CI = os.environ.get("CI", "").lower() == "true"

LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Console errors every page shows for a known reason: Jupyter Book 1.0.4 declares
#: ``const THEBE_JS_URL`` in two script tags, so the second raises a SyntaxError.
KNOWN_CONSOLE_ERRORS = ("THEBE_JS_URL",)
#: Where the book's pages load MathJax 3 from (Sphinx's default mathjax_path).
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
GLUE_ROLE = re.compile(r"\{glue(?::(?:text|any|math))?\}`[^`]+`")
PAGE_TIMEOUT_MS = 30_000


def _unavailable(reason: str) -> None:
    """Skip with ``reason`` on a developer's machine; fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the site test must run)", pytrace=False)
    pytest.skip(reason)


# --- what the table of contents promises ------------------------------------------------


def _toc_files() -> list[str]:
    """Every file of the table of contents, root first, in reading order (without extension)."""
    toc = yaml.safe_load(TOC_PATH.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("chapters", "sections"):
                walk(entry.get(key, []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    walk(toc.get("sections", []))
    return files


TOC_FILES = _toc_files()
NOTEBOOKS = [f for f in TOC_FILES if (ROOT / f"{f}.ipynb").is_file()]


def _glue_count(notebook: str) -> int:
    """Number of inline glue roles in the markdown cells of a notebook."""
    nb = json.loads((ROOT / f"{notebook}.ipynb").read_text(encoding="utf-8"))
    return sum(
        len(GLUE_ROLE.findall("".join(cell["source"])))
        for cell in nb["cells"] if cell["cell_type"] == "markdown"
    )


# --- fixtures: the site, a local server, a browser --------------------------------------


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE_DIR / "index.html").is_file():
        _unavailable(
            f"no built book in {SITE_DIR}: run `make build-strict` first, "
            "or point NSL_SITE_DIR at a build's html folder"
        )
    return SITE_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _local_mathjax() -> Path | None:
    """A local MathJax 3 ``es5`` folder to serve in place of the CDN, if there is one."""
    if os.environ.get("NSL_MATHJAX_DIR"):
        return Path(os.environ["NSL_MATHJAX_DIR"])
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent / "static" / "mathjax"
        if (folder / "tex-mml-chtml.js").is_file():
            return folder
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = shutil.which("chromium")
    install = "install it with `apt-get install -y chromium` (Debian/Ubuntu)"
    if executable is None:
        _unavailable(f"Chromium not found on PATH: {install}, then rerun `make site`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is missing: `pip install -r requirements.txt`")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


# --- one visit per page, recorded -------------------------------------------------------


@dataclass
class PageVisit:
    """What a reader's browser saw on one page."""

    url: str
    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    blocked_external: list[str] = field(default_factory=list)
    mathjax_loaded: bool = False
    math_rendered: int = 0
    math_errors: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    glued: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    srcs: list[str] = field(default_factory=list)
    solutions: list[dict] = field(default_factory=list)
    error: str | None = None


_FIGURES_JS = """() => Array.from(document.querySelectorAll("main figure")).map(f => {
  const img = f.querySelector("img");
  const cap = f.querySelector("figcaption");
  return {id: f.id, loaded: !!img && img.complete && img.naturalWidth > 0,
          alt: img ? (img.getAttribute("alt") || "") : "",
          caption: cap ? cap.innerText.trim() : ""};
})"""
_IMAGES_JS = """() => Array.from(document.images)
  .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute("src"))"""
_MATH_JS = """async () => {
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return null;
  await MathJax.startup.promise;
  return {rendered: document.querySelectorAll("mjx-container").length,
          errors: Array.from(document.querySelectorAll("mjx-merror"))
                       .map(e => e.getAttribute("data-mjx-error") || e.textContent)};
}"""


def _visit(browser, base_url: str, file: str) -> PageVisit:
    url = urljoin(base_url, f"{file}.html")
    visit = PageVisit(url=url)
    mathjax = _local_mathjax()
    context = browser.new_context()
    page = context.new_page()

    def route(r) -> None:
        req_url = r.request.url
        if req_url.startswith(base_url):
            r.continue_()
        elif req_url.startswith(MATHJAX_CDN) and mathjax is not None:
            local = mathjax / urlsplit(req_url).path.split("/es5/", 1)[1]
            if local.is_file():
                r.fulfill(path=str(local))
            else:
                r.fulfill(status=404, body="not in the local MathJax copy")
        else:
            visit.blocked_external.append(req_url)
            r.abort()

    def on_console(msg) -> None:
        if msg.type != "error":
            return
        source = (msg.location or {}).get("url", "")
        # A request to another host was blocked on purpose (see route), not by the site.
        if msg.text.startswith("Failed to load resource") and not source.startswith(base_url):
            return
        visit.console_errors.append(f"{msg.text} ({source})")

    def on_response(resp) -> None:
        if resp.url.startswith(base_url) and resp.status >= 400:
            visit.failed_local.append(f"{resp.status} {resp.url}")

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: visit.console_errors.append(f"uncaught: {exc}"))
    page.on("response", on_response)
    try:
        response = page.goto(url, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        visit.status = response.status if response else None
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
        math = page.evaluate(_MATH_JS)
        if math is not None:
            visit.mathjax_loaded = True
            visit.math_rendered = math["rendered"]
            visit.math_errors = math["errors"]
        visit.figures = page.evaluate(_FIGURES_JS)
        visit.glued = page.eval_on_selector_all(
            "main .pasted-text, main .pasted-inline", "els => els.map(e => e.textContent.trim())"
        )
        visit.broken_images = page.evaluate(_IMAGES_JS)
        visit.hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        visit.srcs = page.eval_on_selector_all("img[src]", "els => els.map(i => i.src)")
        visit.solutions = _check_solutions(page)
    except Exception as exc:  # recorded once, so each test of this page reports it without a rerun
        visit.error = f"{type(exc).__name__}: {exc}"
    finally:
        context.close()
    return visit


def _check_solutions(page) -> list[dict]:
    """For each folded solution: is its body hidden before, and shown after clicking its toggle?"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    results = []
    solutions = page.locator("main div.solution.dropdown")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator("section").first
        hidden_before = not body.is_visible()
        button = solution.locator("button.toggle-button")
        if button.count():
            button.first.click(timeout=5_000)
            try:
                body.wait_for(state="visible", timeout=5_000)
            except PlaywrightTimeout:
                pass
        results.append({"id": solution.get_attribute("id"), "hidden_before": hidden_before,
                        "has_toggle": bool(button.count()), "shown_after": body.is_visible()})
    return results


@pytest.fixture(scope="session")
def visit(browser, base_url: str):
    """``visit(file)``: the page's record, visited once per session; fails if the visit failed."""
    visited = functools.cache(functools.partial(_visit, browser, base_url))

    def checked(file: str) -> PageVisit:
        record = visited(file)
        if record.error:
            pytest.fail(f"{file}: the browser could not finish reading the page: {record.error}")
        return record

    return checked


# --- link checking ----------------------------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@functools.cache
def _ids_of(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


def _unresolved(urls: list[str], base_url: str, site_dir: Path) -> list[str]:
    """The local URLs among ``urls`` whose file, or anchor within it, does not exist."""
    bad = []
    for url in sorted(set(urls)):
        if not url.startswith(base_url):
            continue
        parts = urlsplit(url)
        path = site_dir / unquote(parts.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            bad.append(f"{url} (no file)")
        elif parts.fragment and path.suffix == ".html" and unquote(parts.fragment) not in _ids_of(path):
            bad.append(f"{url} (no anchor #{parts.fragment})")
    return bad


# --- the tests --------------------------------------------------------------------------


def test_toc_lists_pages():
    assert TOC_FILES and TOC_FILES[0] == "book/intro"
    assert NOTEBOOKS, "no notebook chapter in _toc.yml"


@pytest.mark.parametrize("file", TOC_FILES)
def test_page_loads_cleanly(file, visit, site_dir):
    v = visit(file)
    assert v.status == 200, f"{v.url} answered {v.status}"
    assert not v.failed_local, f"{file}: local requests failed: {v.failed_local}"
    unexpected = [e for e in v.console_errors if not any(k in e for k in KNOWN_CONSOLE_ERRORS)]
    assert not unexpected, f"{file}: console errors: {unexpected}"
    assert not v.math_errors, f"{file}: MathJax errors: {v.math_errors}"


@pytest.mark.parametrize("file", TOC_FILES)
def test_links_and_images_resolve(file, visit, base_url, site_dir):
    v = visit(file)
    broken = _unresolved(v.hrefs, base_url, site_dir) + _unresolved(v.srcs, base_url, site_dir)
    assert not broken, f"{file}: unresolved internal links or images: {broken}"
    assert not v.broken_images, f"{file}: images that did not load: {v.broken_images}"


@pytest.mark.parametrize("file", NOTEBOOKS)
def test_notebook_has_captioned_figure(file, visit):
    figures = visit(file).figures
    assert figures, f"{file}: no figure"
    for fig in figures:
        assert fig["loaded"], f"{file}: figure {fig['id']!r} has no loaded image"
        assert fig["caption"], f"{file}: figure {fig['id']!r} has no caption"
        assert fig["alt"], f"{file}: figure {fig['id']!r} has no alt text"


@pytest.mark.parametrize("file", NOTEBOOKS)
def test_notebook_math_is_rendered(file, visit):
    v = visit(file)
    assert v.status == 200, f"{v.url} answered {v.status}"
    if not v.mathjax_loaded:
        _unavailable(
            f"{file}: MathJax did not load (offline, and no local MathJax 3): "
            "`pip install sphinx-mathjax-offline==0.0.2` or set NSL_MATHJAX_DIR to a MathJax 3 "
            "es5 folder"
        )
    assert v.math_rendered > 0, f"{file}: no MathJax output (mjx-container) on the page"


@pytest.mark.parametrize("file", NOTEBOOKS)
def test_glued_numbers_appear(file, visit):
    expected = _glue_count(file)
    glued = visit(file).glued
    assert len(glued) >= expected, f"{file}: {expected} glue roles in the source, {len(glued)} on the page"
    assert all(glued), f"{file}: an empty glued value: {glued}"


@pytest.mark.parametrize("file", TOC_FILES)
def test_solutions_start_hidden_and_open_on_click(file, visit):
    solutions = visit(file).solutions
    if file in NOTEBOOKS:
        assert solutions, f"{file}: no folded solution (each chapter ends with exercises)"
    for s in solutions:
        assert s["hidden_before"], f"{file}: solution {s['id']} is visible before clicking"
        assert s["has_toggle"], f"{file}: solution {s['id']} has no toggle button"
        assert s["shown_after"], f"{file}: solution {s['id']} stays hidden after clicking"
