"""Text from the data reaches the reader as inert text: never markup, never script.

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
import shutil
from pathlib import Path

import markdown_it
import pytest
import yaml
from helpers import DATAPACKAGE, ROOT, edit_row, read_csv, write_csv

from chinaev.report import escape

FIXTURE = ROOT / "tests" / "fixtures" / "inert"
FIG = "china_vehicle_exports_2025_05"  # from seed-002
CORRECTED = "chinese_brands_eu_ev_share_2023"  # from seed-003, carries a correction
DERIVED = "china_nev_exports_2024_05"


def hostile(tag: str) -> str:
    """Markup, script and every MyST special character, tagged to find where it went."""
    return (
        f"{tag}<script>window.__pwned='{tag}'</script><img src=x onerror=\"window.__pwned="
        f"'{tag}'\"> **b** _i_ `c` [l](https://example.org) {{{{sub}}}} {{sub}}`x` "
        f'&lt;e&gt; &amp; | \\ it\'s "q" $1'
    )


def plant(package: Path) -> dict[str, str]:
    """Plant a hostile string in each field the fixture chapter shows; return them."""
    planted = {}

    def put(resource, key_field, key, field):
        value = hostile(f"{resource}.{field}")
        edit_row(package, resource, key_field, key, **{field: value})
        planted[f"{resource}.{field}:{key}"] = value

    put("sources", "source_id", "seed-002", "title")
    put("sources", "source_id", "seed-002", "publisher")
    put("figures", "figure_id", FIG, "quote")
    correction = next(
        r["correction_id"]
        for r in read_csv(package / "data" / "figures.csv")
        if r["figure_id"] == CORRECTED
    )
    put("corrections", "correction_id", correction, "correct_statement")
    put("derived", "derived_id", DERIVED, "note")
    put("entities", "entity_id", "horgos-port", "name")
    for resource, fields in (("aliases", ("alias", "note")), ("destinations", ("name", "quote"))):
        rows = read_csv(package / "data" / f"{resource}.csv")
        for index in range(2):
            for name in fields:
                value = hostile(f"{resource}.{name}.{index}")
                rows[index][name] = value
                planted[f"{resource}.{name}:{index}"] = value
        write_csv(package / "data" / f"{resource}.csv", rows)
    # The alias is the primary key with the entity: no two planted aliases collide.
    return planted


@pytest.fixture(scope="session")
def inert_book(tmp_path_factory):
    from chinaev.pipeline.build import build_book
    from chinaev.pipeline.run import run_chapters

    root = tmp_path_factory.mktemp("inert")
    package = root / "datapackage"
    shutil.copytree(DATAPACKAGE, package, ignore=shutil.ignore_patterns("raw"))
    planted = plant(package)
    book = root / "book"
    shutil.copytree(FIXTURE, book)
    static = book / "_static"
    static.mkdir()
    for css in (ROOT / "book" / "_static").glob("*.css"):
        shutil.copy2(css, static / css.name)
    run_chapters(["inert"], datapackage=package / "datapackage.json", book_dir=book, jobs=1)
    build_book(["html"], book_dir=book, output=root / "_build")
    return root / "_build" / "html", planted


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


@pytest.mark.slow
def test_no_planted_script_runs_and_no_planted_element_exists(inert_book, chromium):
    html_dir, _ = inert_book
    for name in ("index", "inert"):
        page, events = open_page(chromium, html_dir, name)
        try:
            state = page.evaluate(
                """() => ({
                    pwned: window.__pwned === undefined ? null : String(window.__pwned),
                    images: document.querySelectorAll('img[src="x"]').length,
                    handlers: document.querySelectorAll('[onerror]').length,
                    links: document.querySelectorAll('a[href="https://example.org"]').length,
                    bold: [...document.querySelectorAll('strong, b')]
                        .filter(e => e.textContent === 'b').length,
                    charts: document.querySelectorAll('div.chinaev-chart svg').length,
                    errors: [...document.querySelectorAll('div.chinaev-chart')]
                        .map(d => d.dataset.chartError).filter(Boolean),
                })"""
            )
        finally:
            page.close()
        assert state["pwned"] is None, f"{name}: a planted script ran"
        assert events["dialogs"] == [] and events["errors"] == [], f"{name}: {events}"
        assert (state["images"], state["handlers"], state["links"], state["bold"]) == (0, 0, 0, 0)
        assert state["errors"] == [], f"{name}: a chart failed (a broken Vega expression?)"
        if name == "inert":
            assert state["charts"] == 2


@pytest.mark.slow
def test_planted_text_reads_as_written_in_prose_tables_and_sources(inert_book, chromium):
    html_dir, planted = inert_book
    page, _ = open_page(chromium, html_dir, "inert")
    try:
        shown = flat(page.inner_text("article"))
        labels = page.eval_on_selector_all(
            "div.chinaev-chart", "divs => divs.map(d => d.getAttribute('aria-label'))"
        )
    finally:
        page.close()
    missing = [key for key, value in planted.items() if flat(value) not in shown]
    assert missing == [], f"not shown as written: {missing}"
    # The charts' descriptions (read by screen readers) carry the category names as written.
    assert flat(planted["entities.name:horgos-port"]) in " ".join(labels)


@pytest.mark.slow
def test_tooltips_show_planted_text_as_written(inert_book, chromium):
    html_dir, planted = inert_book
    page, _ = open_page(chromium, html_dir, "inert")
    seen = []
    try:
        for index in range(2):
            chart = page.locator("div.chinaev-chart").nth(index)
            chart.scroll_into_view_if_needed()
            mark = chart.locator("svg g.mark-rect path").first
            mark.hover(force=True)
            page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
            tooltip = page.locator("#vg-tooltip-element")
            seen.append(flat(tooltip.inner_text()))
            assert tooltip.locator("img, script, strong, a").count() == 0
            page.mouse.move(0, 0)
    finally:
        page.close()
    entity = flat(planted["entities.name:horgos-port"])
    assert entity in seen[0], seen[0]
    aliases = [flat(planted[f"aliases.alias:{i}"]) for i in range(2)]
    assert entity in seen[1] and any(alias in seen[1] for alias in aliases), seen[1]


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
