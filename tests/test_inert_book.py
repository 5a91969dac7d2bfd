"""The real chapters keep every text field of the data package inert.

The planted what-if book (tests/planted.py) runs all the book's real chapters on a copy
of the package with markup and script planted in every free-text field, and builds them
as a re-user would. Headless Chromium then checks every page: no planted script ran, no
planted element exists, and wherever a planted string shows, its markup reads as text.
"""

from __future__ import annotations

import re

import pytest
from helpers import ROOT
from test_inert import flat, open_page

# What a planted value starts with, as the reader must see it: the tag, then the
# script element as text.
TAG = re.compile(r"(\w+\.\w+\.\d+)<script>")


def test_every_free_text_cell_is_planted(planted_book):
    assert planted_book.planted > 2500


BOOK_PAGES = ["index", *(p.stem for p in sorted((ROOT / "book").glob("*.ipynb")))]


@pytest.mark.slow
@pytest.mark.parametrize("name", BOOK_PAGES)
def test_planted_markup_stays_text_on_every_real_page(planted_book, chromium, name):
    html_dir = planted_book.html
    assert name in planted_book.pages()
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
                italic: [...document.querySelectorAll('em, i')]
                    .filter(e => e.textContent === 'i').length,
                code: [...document.querySelectorAll('code')]
                    .filter(e => e.textContent === 'c').length,
                text: document.querySelector('article').innerText,
            })"""
        )
    finally:
        page.close()
    assert state["pwned"] is None, f"{name}: a planted script ran ({state['pwned']})"
    assert events["dialogs"] == [], f"{name}: {events['dialogs']}"
    live = {k: state[k] for k in ("images", "handlers", "links", "bold", "italic", "code")}
    assert set(live.values()) == {0}, f"{name}: planted markup became elements: {live}"
    # Wherever a planted value shows, its tag is followed by its markup as text.
    shown = flat(state["text"])
    tags = {m.group(0) for m in re.finditer(r"\b[a-z_]+\.[a-z_]+\.\d+", shown)}
    broken = [tag for tag in tags if f"{tag}<script>" not in shown and tag.count(".") == 2]
    assert broken == [], f"{name}: planted text not shown as written after {broken[:5]}"


@pytest.mark.slow
def test_chart_tooltips_show_planted_names_as_text(planted_book, chromium):
    # The localisation chapter's bars are named by company (entities.name, planted): the
    # hover text must show the planted name as text and hold no element.
    html_dir = planted_book.html
    page, _ = open_page(chromium, html_dir, "localisation")
    seen = []
    try:
        charts = page.locator("div.chinaev-chart")
        for index in range(charts.count()):
            marks = charts.nth(index).locator("svg g.mark-rect path")
            if not marks.count():
                continue
            charts.nth(index).scroll_into_view_if_needed()
            marks.first.hover(force=True)
            page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
            tooltip = page.locator("#vg-tooltip-element")
            seen.append(flat(tooltip.inner_text()))
            assert tooltip.locator("img, script, strong, a").count() == 0
            page.mouse.move(0, 0)
    finally:
        page.close()
    assert any(TAG.search(text) for text in seen), seen
