"""The built HTML book works offline: no outside assets, every chart drawn, no errors.

Runs on the fixture minibook and on the real book (see `built_book` in conftest).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# <link rel=...> values that make the browser fetch something.
FETCHING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "icon",
}
CSS_URL = re.compile(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?([^'")\s;]+)""", re.IGNORECASE)
CHART_DIV = "div.chinaev-chart"


def is_external(url: str) -> bool:
    return bool(EXTERNAL.match(url.strip()))


class _AssetParser(HTMLParser):
    """Collects addresses the page loads by itself: scripts, styles, fonts, images, frames."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self.urls.append(attrs["href"])
        if attrs.get("style"):
            self.urls += CSS_URL.findall(attrs["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += CSS_URL.findall(data)


def external_assets(html_dir: Path) -> list[str]:
    """`file: url` for every outside address a page or stylesheet would load."""
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        parser = _AssetParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        found += [f"{page.relative_to(html_dir)}: {url}" for url in parser.urls if is_external(url)]
    for css in sorted(html_dir.rglob("*.css")):
        urls = CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace"))
        found += [f"{css.relative_to(html_dir)}: {url}" for url in urls if is_external(url)]
    return found


def check_page(browser, base_url: str, page_name: str) -> dict:
    """Open one page offline; report outside requests, errors and undrawn charts."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked, errors = [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    try:
        page.goto(f"{base_url}{page_name}.html", wait_until="load")
        # Each chart either draws (svg/canvas appears) or records an error.
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel)].every(
                   d => d.querySelector('svg, canvas') || d.dataset.chartError)""",
            arg=CHART_DIV,
            timeout=20_000,
        )
        page.wait_for_load_state("networkidle")
        charts = page.eval_on_selector_all(
            CHART_DIV,
            """divs => divs.map(d => ({
                   id: d.id,
                   drawn: !!d.querySelector('svg, canvas'),
                   error: d.dataset.chartError || '',
                   label: d.getAttribute('aria-label') || '',
                   role: d.getAttribute('role') || ''}))""",
        )
    finally:
        page.close()
    return {"blocked": blocked, "errors": errors, "charts": charts}


@pytest.mark.slow
def test_no_page_or_stylesheet_loads_from_another_host(built_book):
    assert built_book.html.joinpath("index.html").exists()
    assert external_assets(built_book.html) == []


@pytest.mark.slow
def test_no_thebe_script_or_cdn_in_pages(built_book):
    for page in built_book.html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "THEBE_JS_URL" not in text, page
        assert "unpkg.com" not in text and "cdn.jsdelivr" not in text, page


@pytest.mark.slow
def test_every_page_renders_offline_without_errors(served, chromium):
    base_url, book = served
    for name in book.pages():
        result = check_page(chromium, base_url, name)
        assert result["blocked"] == [], f"{name}: requests to other hosts"
        assert result["errors"] == [], f"{name}: console or page errors"
        for chart in result["charts"]:
            assert chart["drawn"] and not chart["error"], f"{name}: chart {chart} not drawn"
            assert chart["role"] == "img" and chart["label"], (
                f"{name}: chart {chart['id']} unlabelled"
            )


@pytest.mark.slow
def test_chapters_with_glued_figures_have_charts(built_book):
    # Guards the browser test above against passing because no chart was found.
    divs = sum(
        (built_book.html / f"{name}.html")
        .read_text(encoding="utf-8")
        .count('class="chinaev-chart"')
        for name in built_book.chapter_pages()
    )
    assert divs >= 1


def test_external_asset_scan_catches_cdn_references(tmp_path):
    # The scan itself must be able to fail.
    (tmp_path / "page.html").write_text(
        '<script src="https://cdn.example.org/vega.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        '<a href="https://example.org/">a reference is fine</a>'
        '<style>@import url("https://fonts.example.org/x.css");</style>',
        encoding="utf-8",
    )
    (tmp_path / "site.css").write_text("body{background:url(https://example.org/bg.png)}")
    (tmp_path / "local.css").write_text("body{background:url(images/bg.png)}")
    found = external_assets(tmp_path)
    assert len(found) == 4, found
