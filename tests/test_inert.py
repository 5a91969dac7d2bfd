"""Text from the data reaches the reader as inert text: never markup, never script.

The escaping helpers, tested on their own; tests/test_inert_book.py plants markup in every
text field of the package and checks the real chapters, built, in Chromium.

A copy of the data package gets markup and script planted in the fields a chapter
shows (a source title and publisher, a quote, a correction, a derived figure's note,
an entity name, aliases, destinations); a fixture chapter (tests/fixtures/inert)
shows them through the book's own helpers in prose, a chart's categories, series and
tooltips, tables and the sources list. The chapter is run with `chinaev run`, the
book built, and headless Chromium checks that no planted script ran, no planted
element exists, and every planted string reads exactly as written.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import markdown_it
import pytest
import yaml
from helpers import ROOT
from planted import hostile

from chinaev.report import escape

# Sphinx's smart quotes set ' and " as curly quotes in running text: typography, not
# markup, and the words read the same.
CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def flat(value: str) -> str:
    return " ".join(value.translate(CURLY).split())


def open_page(browser, html_dir: Path, name: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith("file://") else route.abort()
        ),
    )
    events = {"dialogs": [], "errors": []}
    page.on("dialog", lambda dialog: (events["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: events["errors"].append(str(error)))
    page.goto((html_dir / f"{name}.html").as_uri(), wait_until="load")
    page.wait_for_function(
        """() => [...document.querySelectorAll('div.chinaev-chart')].every(
               d => d.querySelector('svg, canvas') || d.dataset.chartError)""",
        timeout=20_000,
    )
    return page, events


# The helpers themselves, without a build.

SAMPLES = [
    hostile("x"),
    "# heading? - item? > quote? 1. list? (target)= % comment :::",
    "Transport & Environment, &amp; &#60; &lt;",
    "line one\nline two\n\n```\ncode fence\n```",
    "a | b \\| c \\",
    "{eval-rst}`x` {{ title }} [^1] ![i](x.png) <https://example.org>",
]


@pytest.mark.parametrize("value", SAMPLES)
def test_myst_escape_renders_as_written(value):
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    rendered = parser.render(f"Text: {escape.myst(value)}")
    inner = re.fullmatch(r"<p>(.*)</p>\n", rendered, re.DOTALL)
    assert inner, rendered
    assert "<" not in inner.group(1).replace("&lt;", ""), rendered  # no element at all
    assert html.unescape(inner.group(1)) == "Text: " + flat(value)


def test_table_cells_are_escaped_and_keep_their_column():
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    row = f"| {escape.myst('a | b')} | {escape.myst('<b>c</b>')} |"
    rendered = parser.render(f"| x | y |\n|---|---|\n{row}\n")
    assert "<td>a | b</td>" in rendered and "<td>&lt;b&gt;c&lt;/b&gt;</td>" in rendered


def test_table_cells_keep_the_books_citation_links_and_nothing_else():
    parser = markdown_it.MarkdownIt("commonmark").enable("table")
    cells = [
        "nearly 26 million [[18]](#production-src-china-vehicle-production-2020)",
        "raised from 25% [[C1]](#western-responses-register-1)",
        "[[1]](javascript:alert(1)) [x](#production-src-a) [[2]](https://example.org/)",
    ]
    row = "| " + " | ".join(escape.myst_cell(c) for c in cells) + " |"
    rendered = parser.render(f"| a | b | c |\n|---|---|---|\n{row}\n")
    assert '<a href="#production-src-china-vehicle-production-2020">[18]</a>' in rendered
    assert '<a href="#western-responses-register-1">[C1]</a>' in rendered
    # Links of any other shape, or to anywhere else, read as written.
    assert rendered.count("<a ") == 2, rendered
    assert "[[1]](javascript:alert(1)) [x](#production-src-a) [[2]](https://example.org/)" in (
        html.unescape(rendered)
    )


@pytest.mark.parametrize("value", ["plain", "it's", "back\\slash", "new\nline", "'); alert(1); ('"])
def test_vega_string_is_one_literal(value):
    literal = escape.vega(value)
    assert literal.startswith("'") and literal.endswith("'")
    body = literal[1:-1]
    assert re.fullmatch(r"(?:[^'\\\n]|\\.)*", body), literal  # no unescaped quote or newline
    decoded = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), body)
    assert decoded == value


def test_plain_names_keep_their_vega_expression():
    # Ordinary names give the expression they always gave, so committed charts keep their ids.
    assert escape.vega("new-energy vehicles") == "'new-energy vehicles'"


def test_dollarmath_stays_off():
    # prose.myst leaves "$" alone because "$" is not markup in this book.
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = config["parse"]["myst_enable_extensions"]
    assert "dollarmath" not in extensions and "amsmath" not in extensions
