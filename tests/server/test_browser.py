"""The web page in a real browser: Playwright driving Debian's Chromium (`apt-get install chromium`; CI's
.ci/run installs it). Analyse the example page, toggle a layer, check highlights and panels; a hostile page
stays inert (no dialog, no script, no request to another host). Marked `model`: the server runs the shipped
models. `UPDATE_SCREENSHOTS=1` writes the screenshot into docs/ (otherwise into the test's temp folder)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from live import live_server
from testpaths import EXAMPLES, ROOT

from unspun.options import Options

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api", reason="the [dev] extra's playwright")

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed here (apt-get install chromium); "
                              "CI has it"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with live_server(Options()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


class Watch:
    """A page that records dialogs, requests to any other host, and page errors."""

    def __init__(self, browser: Any, base: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        own = urlsplit(base).netloc

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_route(route: Any) -> None:
            url = route.request.url
            if urlsplit(url).netloc != own and not url.startswith(("blob:", "data:")):
                self.foreign.append(url)
                route.abort()
            else:
                route.continue_()

        self.page.on("dialog", on_dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.route("**/*", on_route)
        self.page.goto(base)

    def analyse(self) -> None:
        self.page.click("#analyze")
        self.page.wait_for_selector("#result:not([hidden])", timeout=120_000)


def test_example_page(browser: Any, server: str, tmp_path: Path) -> None:
    w = Watch(browser, server)
    page = w.page
    page.click("#tab-file")
    page.set_input_files("#file", str(EXAMPLES / "port-deal.html"))
    w.analyse()
    assert "Port Authority" in page.inner_text("#doc-title")
    # blocks per voice: the title, the blogger, the quoted outlet, the commenters
    assert page.locator("#text .b-quoted").count() >= 1 and page.locator("#text .b-comment").count() >= 3
    assert "Coastal Ledger" in page.inner_text("#text .b-quoted >> nth=0")
    # the legend lists the layers; hate spans are highlighted in the text
    legend = page.inner_text("#legend")
    for title in ("Hate and offence", "Entities", "Outlets"):
        assert title in legend
    hate = page.locator("#text .l-hate")
    assert hate.count() >= 1
    assert "hate:" in (hate.first.get_attribute("title") or "")
    # panels: structure, hate with its targets and rationale words, entities, outlets, the per-voice summary
    for panel in ("#p-structure", "#p-hate", "#p-entities", "#p-outlets", "#p-summary"):
        assert page.locator(panel).count() == 1, panel
    hate_panel = page.inner_text("#p-hate")
    assert "targets" in hate_panel and "rationale" in hate_panel
    assert "Coastal Ledger" in page.inner_text("#p-outlets")
    assert "commenter" in page.inner_text("#p-summary")
    # toggling a layer switches its highlighting off, and on again
    first = hate.first
    styled = first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert styled != "none"
    page.uncheck("#t-hate")
    assert "off" in (first.get_attribute("class") or "")
    assert first.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"
    page.check("#t-hate")
    assert first.evaluate("e => getComputedStyle(e).textDecorationLine") == styled
    # the JSON download
    with page.expect_download() as download:
        page.click("#download")
    saved = Path(download.value.path()).read_text("utf-8")
    assert '"schema": "unspun/1"' in saved
    shot = (ROOT / "docs" / "web-page.png") if os.environ.get("UPDATE_SCREENSHOTS") == "1" else (
        tmp_path / "web-page.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert not w.dialogs and not w.foreign and not w.errors


HOSTILE_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Breaking &lt;script&gt;window.__pwned=1&lt;/script&gt; news</title>
<script>window.__pwned = 'head';</script></head>
<body><article><h1>Harbour &lt;img src=x onerror="window.__pwned=2"&gt; report</h1>
<p>The council said on Tuesday that the port will reopen. &lt;script&gt;alert('xss')&lt;/script&gt; Officials
confirmed the date.</p>
<p>Read <a href="javascript:window.__pwned=3">the full report</a> and
<img src="http://tracker.example/pixel.gif" onerror="window.__pwned=4"> the notes.
Attachment: \u202egnp.exe was mentioned by the clerk.</p>
<blockquote cite="javascript:window.__pwned=5"><p>"We will reopen soon," the Coastal Ledger reported.</p>
</blockquote>
<p>&lt;iframe src="http://evil.example/"&gt;&lt;/iframe&gt;
&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</p>
</article></body></html>"""

HOSTILE_TEXT = ("Harbour news <script>window.__pwned=6</script>\n\n"
                "The port reopened on Tuesday. <img src=x onerror=\"window.__pwned=7\"> The mayor spoke.\n\n"
                "<a href=\"javascript:window.__pwned=8\">click</a> and \u202etxt.exe and "
                "\u2066isolated\u2069.\n")


@pytest.mark.parametrize("format_, content", [("html", HOSTILE_HTML), ("text", HOSTILE_TEXT)])
def test_hostile_page_stays_inert(browser: Any, server: str, format_: str, content: str) -> None:
    w = Watch(browser, server)
    page = w.page
    page.fill("#paste", content)
    page.check(f'input[name="format"][value="{format_}"]')
    w.analyse()
    assert page.evaluate("window.__pwned") is None
    assert not w.dialogs and not w.foreign and not w.errors
    for selector in ("script", "img", "iframe", "a[href^='javascript']", "[onerror]", "[onclick]"):
        assert page.locator(f"#result {selector}").count() == 0, selector
    shown = page.inner_text("#text")
    if format_ == "text":  # the markup is shown as the text it is
        assert "<script>window.__pwned=6</script>" in shown
        assert '<img src=x onerror="window.__pwned=7">' in shown
    else:
        assert "<script>alert('xss')</script>" in shown
    # the bidi override is shown as a marker, never applied
    assert "[U+202E]" in shown
    assert "\u202e" not in page.evaluate("document.getElementById('text').textContent")
    # links in the page are only http(s)
    hrefs = page.eval_on_selector_all("#result a", "els => els.map(e => e.getAttribute('href'))")
    assert all(h.startswith(("http://", "https://")) for h in hrefs)


def test_saved_analysis_and_errors(browser: Any, server: str, tmp_path: Path) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(f"{server}/v1/analyze", data=json.dumps(
        {"text": "A short post about the harbour.", "id": "saved"}).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as r:
        (tmp_path / "saved.json").write_bytes(r.read())
    w = Watch(browser, server)
    page = w.page
    page.click("#tab-file")
    page.set_input_files("#file", str(tmp_path / "saved.json"))
    w.analyse()
    assert "A short post about the harbour." in page.inner_text("#text")
    # an error from the server is shown as text
    page.click("#tab-url")
    page.fill("#url", "http://169.254.169.254/latest/meta-data/")
    page.click("#analyze")
    page.wait_for_selector("#error:not([hidden])")
    assert "link-local address" in page.inner_text("#error")
    assert not w.foreign and not w.dialogs
