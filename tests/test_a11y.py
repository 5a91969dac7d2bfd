"""Accessibility: every chart has a text description a screen reader reaches, headings
are in order, tables have header rows, and the chart palette survives colour-vision
deficiencies.

axe-core, which tests/test_pages.py runs on every page, is vendored in
tests/vendor/axe-core (MPL-2.0, from the npm registry), so it needs no network.
"""

from __future__ import annotations

import html
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import serving
from helpers import AXE, visit_page

from chinaev.report import charts


def test_axe_is_vendored_with_its_licence():
    assert AXE.stat().st_size > 100_000
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text(encoding="utf-8")


# -- static checks of the HTML -------------------------------------------------------------


class _Structure(HTMLParser):
    """Headings, tables and chart boxes inside the page's <main>."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <main>
        self.headings: list[int] = []
        self.tables: list[dict] = []
        self.charts: list[dict] = []
        self._chart_text: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.depth += 1
        if not self.depth:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables.append({"th_in_head": 0, "thead": False})
        if tag == "thead" and self.tables:
            self.tables[-1]["thead"] = True
        if tag == "th" and self.tables and self.tables[-1]["thead"]:
            self.tables[-1]["th_in_head"] += 1
        if tag == "div" and "chinaev-chart" in (attrs.get("class") or "").split():
            self.charts.append(
                {"role": attrs.get("role"), "label": attrs.get("aria-label") or "", "text": ""}
            )
        if tag == "p" and "chinaev-chart-description" in (attrs.get("class") or ""):
            self._chart_text = self.charts[-1] if self.charts else None

    def handle_endtag(self, tag):
        if tag == "main":
            self.depth -= 1
        if tag == "p":
            self._chart_text = None

    def handle_data(self, data):
        if self._chart_text is not None:
            self._chart_text["text"] += data


def structure(page: Path) -> _Structure:
    parser = _Structure()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.slow
def test_every_chart_has_a_description_a_screen_reader_reaches(built_book):
    charts_seen = 0
    for name in built_book.chapter_pages():
        for chart in structure(built_book.html / f"{name}.html").charts:
            charts_seen += 1
            # role=img with a label: a screen reader announces the label as the image.
            assert chart["role"] == "img" and len(chart["label"]) > 20, (name, chart)
            # The same words in the page, for readers without CSS or JavaScript.
            assert " ".join(chart["text"].split()) == " ".join(chart["label"].split())
    assert charts_seen >= 1


@pytest.mark.slow
def test_headings_are_in_order_and_tables_have_header_rows(built_book):
    for name in built_book.pages():
        page = structure(built_book.html / f"{name}.html")
        assert page.headings and page.headings[0] == 1, (name, page.headings)
        for before, after in itertools.pairwise(page.headings):
            assert after <= before + 1, f"{name}: h{before} followed by h{after}"
        for table in page.tables:
            assert table["thead"] and table["th_in_head"] >= 1, f"{name}: table without headers"


# -- the palette -------------------------------------------------------------------------

# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}


def _linear(colour: str) -> list[float]:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(colour: str, matrix=None) -> tuple[float, float, float]:
    rgb = _linear(colour)
    if matrix:
        rgb = [sum(m * c for m, c in zip(row, rgb, strict=True)) for row in matrix]
    return _lab(rgb)


def closest_pair(colours: list[str]) -> float:
    """The smallest CIE76 colour difference between two colours, under any vision."""
    return min(
        sum((p - q) ** 2 for p, q in zip(_seen(a, m), _seen(b, m), strict=True)) ** 0.5
        for m in [None, *CVD.values()]
        for a, b in itertools.combinations(colours, 2)
    )


def contrast(colour: str, background: str = "#FFFFFF") -> float:
    def luminance(c: str) -> float:
        r, g, b = _linear(c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Series beyond five need another cue than colour (see charts.PALETTE).
SERIES = 5
# CIE76. Okabe–Ito keeps its closest pair near 17 under full dichromacy; the red and
# green of a common default palette fall to about 7.
MIN_DIFFERENCE = 15


def test_palette_stays_distinct_under_colour_vision_deficiencies():
    assert closest_pair(charts.PALETTE[:SERIES]) >= MIN_DIFFERENCE
    # The check can fail: red and green of a common default palette merge for deuteranopes.
    assert closest_pair(["#d62728", "#2ca02c"]) < MIN_DIFFERENCE


def test_palette_and_text_contrast_with_the_white_background():
    assert all(contrast(c) >= 3 for c in charts.PALETTE[:SERIES])  # WCAG 1.4.11
    for colour in (charts.TEXT_COLOUR, charts.MUTED_COLOUR):
        assert contrast(colour) >= 4.5  # WCAG 1.4.3
    assert charts.theme_config()["config"]["range"]["category"] == charts.PALETTE


def test_chart_html_exposes_its_description():
    spec = {"description": 'Bar chart: "A" & <B>', "mark": "bar"}
    box = charts.to_html(spec)
    assert 'role="img"' in box
    assert f'aria-label="{html.escape(spec["description"], quote=True)}"' in box
    assert f'<p class="chinaev-chart-description">{html.escape(spec["description"])}' in box


def test_the_page_check_finds_a_wcag_fault_and_an_extra_rule_fault(chromium, tmp_path):
    # visit_page runs the rules of the WCAG tags and the extra rules in one axe run:
    # a page with an image without text (WCAG) and a skipped heading level (extra).
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main>'
        '<h1>Title</h1><h4>Skipped two levels</h4><img src="x.png"></main></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "x.png").write_bytes(b"")
    with serving(tmp_path) as base_url:
        result = visit_page(chromium, base_url, "bad")
    found = {violation["id"] for violation in result["axe"]}
    assert {"image-alt", "heading-order"} <= found, found
