"""The built HTML book works offline: no outside assets, every chart drawn, no errors.

Runs on the real book (see `built_book` in conftest); the browser checks of every
page are in test_pages.py.
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
def test_chapters_with_glued_figures_have_charts(built_book):
    # Guards the browser test (test_pages.py) against passing because no chart was found.
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
