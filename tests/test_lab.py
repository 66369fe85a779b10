"""A chapter of the lab edition in a real JupyterLab with jupyterlab-myst, and the page downloads.

``make lab`` opens the lab edition (``scripts/lab_edition.py``) in JupyterLab. Here one chapter
(``$NSL_LAB_CHAPTER``, default ``book/what_is_a_scaling_law``) is written from the last book build
(``$NSL_BUILD_DIR``, default ``_build``) into a temporary folder, served by ``jupyter lab`` on a
free localhost port with a token and its own settings, and opened in headless Chromium. Checks: the
markdown is rendered by jupyterlab-myst, its math by KaTeX without an error; no raw MyST role
(``{glue:text}``, ``{numref}``, ``{cite:t}``, ...) nor directive fence shows, and jupyterlab-myst
reports no unresolved reference; every solution starts folded and opens on a click; the glued
numbers show with the value the book printed and the ``[n]`` of their code cell; exercises and
equations carry the book's numbers; the figures of the book's run are there.

And the download button of every chapter page offers the executed notebook: the build wrote the
``plain`` lab edition (outputs, no role) where the button points, ``_build/html/_sources/``.

Without Chromium, JupyterLab or jupyterlab-myst, or without a build, the tests skip with what to
do, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "_static" / "_ext"))
sys.path.insert(0, str(ROOT / "scripts"))

import lab_notebooks as ln  # noqa: E402

BUILD = Path(os.environ.get("NSL_BUILD_DIR", ROOT / "_build")).resolve()
CHAPTER = os.environ.get("NSL_LAB_CHAPTER", "book/what_is_a_scaling_law")
IN_CI = os.environ.get("CI", "").lower() == "true"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TOKEN = "lab-edition-test"
#: Generous: the reference machine runs the browser beside other jobs.
TIMEOUT_S = 90
RAW = re.compile(r"\{(glue|numref|ref|eq|doc|term|cite)[\w:-]*\}|^\s*(```|:::)", re.M)


def _unavailable(reason: str) -> None:
    """Skip with ``reason`` on a developer's machine; fail under CI=true."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the lab test must run)", pytrace=False)
    pytest.skip(reason)


def _need_build() -> None:
    if not (BUILD / ".doctrees" / "environment.pickle").is_file() or not (
        BUILD / "jupyter_execute" / f"{CHAPTER}.ipynb"
    ).is_file():
        _unavailable(f"no book build with {CHAPTER} in {BUILD}: run `make book` first")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(url of the chapter in JupyterLab, the executed notebook, its glue data, its lab edition)."""
    if shutil.which("chromium") is None:
        _unavailable("no Chromium: install it with `apt-get install -y chromium` (Debian/Ubuntu)")
    for module in ("playwright", "jupyterlab", "jupyterlab_myst"):
        try:
            __import__(module)
        except ImportError:
            _unavailable(f"{module} is not installed: `make lab` or `pip install -r requirements.txt`")
    _need_build()
    import lab_edition

    out = tmp_path_factory.mktemp("lab")
    written = lab_edition.write_edition(BUILD, out, "myst", docs=[CHAPTER])
    assert [p.relative_to(out).as_posix() for p in written] == [f"{CHAPTER}.ipynb"]
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings"
    # Every cell in the page (no virtual scrolling), and no news or update pop-up.
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    port = _free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={out}"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not start:\n" + (home / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        executed = nbformat.read(BUILD / "jupyter_execute" / f"{CHAPTER}.ipynb", as_version=4)
        glue_path = BUILD / "jupyter_execute" / f"{CHAPTER}.glue.json"
        glue = json.loads(glue_path.read_text(encoding="utf-8"))
        edition = nbformat.read(out / f"{CHAPTER}.ipynb", as_version=4)
        yield f"http://127.0.0.1:{port}/lab/tree/{CHAPTER}.ipynb?token={TOKEN}&reset", executed, glue, edition
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    url, executed, _, _ = lab
    markdown_cells = sum(c.cell_type == "markdown" for c in lab[3].cells)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=LAUNCH_ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        console: list[str] = []
        pg.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        pg.goto(url, timeout=TIMEOUT_S * 1000)
        # jupyterlab-myst renders each markdown cell into a div.myst.
        pg.wait_for_function(
            f"() => document.querySelectorAll('.jp-MarkdownCell .myst').length >= {markdown_cells}",
            timeout=TIMEOUT_S * 1000,
        )
        pg.wait_for_function(
            "() => document.querySelectorAll('.jp-MarkdownCell .myst .katex').length > 0",
            timeout=TIMEOUT_S * 1000,
        )
        pg.console_messages = console  # type: ignore[attr-defined]
        yield pg
        browser.close()


def _rendered_text(page, hidden: bool = False) -> str:
    """The text jupyterlab-myst rendered; with ``hidden``, also that of folded solutions."""
    prop = "textContent" if hidden else "innerText"
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-MarkdownCell .myst'))"
        f".map(e => e.{prop}).join('\\n')"
    )


def test_math_is_rendered(page):
    counts = page.evaluate("""() => ({
        math: document.querySelectorAll('.jp-MarkdownCell .myst .katex').length,
        errors: Array.from(document.querySelectorAll('.jp-MarkdownCell .katex-error'))
                     .map(e => e.getAttribute('title') || e.textContent)})""")
    assert counts["math"] >= 20, counts
    assert counts["errors"] == []


def test_no_raw_role_or_directive_shows(page):
    text = _rendered_text(page) + "\n" + _rendered_text(page, hidden=True)
    raw = [m.group(0) for m in RAW.finditer(text)]
    assert raw == [], f"raw MyST in the rendered chapter: {raw[:10]}"
    unresolved = [m for m in page.console_messages if "not found" in m or "No target" in m]
    assert unresolved == [], unresolved


def test_solutions_start_folded_and_open_on_a_click(page, lab):
    solutions = sum(c.source.count("{solution}") for c in lab[3].cells if c.cell_type == "markdown")
    assert solutions > 0
    state = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-MarkdownCell .myst details'))
        .filter(d => (d.querySelector('summary') || {}).innerText?.startsWith('Solution to'))
        .map(d => ({open: d.open, title: d.querySelector('summary').innerText}))""")
    assert len(state) == solutions, state
    assert not any(s["open"] for s in state), state
    assert all(re.match(r"Solution to\s+Exercise\s\d+\.\d+", s["title"]) for s in state), state
    summary = page.locator(".jp-MarkdownCell .myst details summary", has_text="Solution to").first
    summary.scroll_into_view_if_needed()
    summary.click()
    details = page.locator(".jp-MarkdownCell .myst details", has_text="Solution to").first
    assert details.evaluate("d => d.open")
    assert details.evaluate("d => d.innerText.length") > len(state[0]["title"]) + 20


def test_glued_numbers_show_the_books_values(page, lab):
    from myst_nb.core.variables import format_plain_text

    _, executed, glue, _ = lab
    text = _rendered_text(page, hidden=True)
    roles = [r for c in executed.cells if c.cell_type == "markdown"
             for r in re.findall(r"\{glue:text\}`([^`]+)`", c.source)]
    assert roles
    for role in roles:
        key, _, fmt = role.rpartition(":") if ":" in role else (role, "", "s")
        value = format_plain_text(glue[key]["data"]["text/plain"], fmt or "s")
        assert re.search(re.escape(value) + r"\s*\[\d+\]", text), f"{key} = {value!r} not shown"


def test_book_numbers_citations_and_figures(page, lab):
    _, executed, _, _ = lab
    text = _rendered_text(page)
    assert re.search(r"Exercise\s\d+\.1\b", text)
    assert re.search(r"\(\d+\.\d+\)", text), "no equation number of the book"
    assert re.search(r"et al\. \(\d{4}\)|\(\w[\w -]* et al\., \d{4}", text), "no author-year citation"
    assert "References" in text
    figures = sum(1 for c in executed.cells if c.cell_type == "code"
                  and "figure" in c.metadata.get("mystnb", {}))
    images = page.evaluate("() => document.querySelectorAll('.jp-OutputArea-output img').length")
    assert images >= figures > 0


# --- the page downloads -------------------------------------------------------------------


def test_download_buttons_offer_the_executed_readable_notebook():
    sources = BUILD / "html" / "_sources"
    folder = BUILD / "jupyter_execute"
    executed = ln.executed_notebooks(folder) if folder.is_dir() else {}
    if not sources.is_dir() or not executed:
        _unavailable(f"no HTML build in {BUILD}: run `make book` first")
    for doc in executed:
        download = sources / f"{doc}.ipynb"
        if not download.is_file():
            continue  # not a page of this build's table of contents
        nb = nbformat.read(download, as_version=4)
        assert nb.metadata.get("lab_edition", {}).get("flavour") == "plain", f"{download} is the source"
        assert ln.leftover_roles(nb) == [], download
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{download}: no outputs"
