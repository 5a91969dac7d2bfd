"""A what-if build: chapters re-run on an edited copy of the package, built into a
folder of their own (`chinaev run --datapackage OTHER --output-dir DIR`, then
`chinaev build --html --book-dir DIR`), as the README shows.

The build read here is the planted book (tests/planted.py): every chapter ran on a
planted copy of the package with one figure edited, and the exports chapter ran on it
again as of a date. Every page says which package (and date) its chapters were built
on; every link resolves in that build (the link checker of test_reader.py); a chapter
links a zip of the package it ran on and no PDF, since none was built there.
"""

from __future__ import annotations

import re
import zipfile
from html import unescape

import pytest
from planted import AS_OF, AS_OF_CHAPTER, EDITED_AS_WRITTEN, EDITED_VALUE
from test_reader import broken_links


@pytest.mark.slow
def test_every_page_names_the_package_and_its_as_of(planted_book):
    pages = sorted(planted_book.html.glob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        banner = re.search(r'<div class="chinaev-whatif">(.*?)</div>', text, re.S)
        assert banner, f"{page.name}: no what-if banner"
        said = unescape(banner.group(1))
        # One group per (package, date): the chapters run without --as-of, then exports.
        groups = said.split(": ", 1)[1].split(". The numbers")[0].split("; ")
        assert len(groups) == 2, (page.name, said)
        assert all(f"({planted_book.descriptor})" in group for group in groups), page.name
        assert groups[1].startswith(f"{AS_OF_CHAPTER}: ") and groups[1].endswith(f", as of {AS_OF}")
        assert "as of" not in groups[0] and AS_OF_CHAPTER not in groups[0].split(": ")[0]


@pytest.mark.slow
def test_the_build_is_a_folder_of_its_own_and_the_book_is_untouched(planted_book):
    assert planted_book.printed.strip() == f"html: {planted_book.html / 'index.html'}"
    assert planted_book.book_after == planted_book.book_before


@pytest.mark.slow
def test_every_link_of_the_whatif_build_resolves(planted_book):
    html = planted_book.html
    assert broken_links(html) == []
    assert not (html / "book.pdf").exists()
    for page in html.glob("*.html"):
        assert 'href="book.pdf"' not in page.read_text(encoding="utf-8"), page.name


@pytest.mark.slow
def test_the_chapter_offers_the_package_it_ran_on(planted_book):
    html = planted_book.html
    page = (html / "exports.html").read_text(encoding="utf-8")
    block = re.search(r'<p class="chinaev-downloads">(.*?)</p>', page, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', block)
    assert len(links) == 2 and links[0] == "data/exports.csv", links
    assert EDITED_VALUE in (html / links[0]).read_text(encoding="utf-8")
    with zipfile.ZipFile(html / links[1]) as archive:
        figures = archive.read("datapackage/data/figures.csv").decode("utf-8")
    assert figures == (planted_book.package / "data" / "figures.csv").read_text(encoding="utf-8")
    assert EDITED_AS_WRITTEN in figures
    # The overview offers the package the chapters ran on, named as the what-if one;
    # the book's own is not offered, since no page shows its data.
    index = (html / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<p class="chinaev-downloads">(.*?)</p>', index, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', block) == [links[1]]
    assert "the what-if package (zip)" in block and "whole data package" not in block


def test_rows_of_an_iea_slice_the_edition_lacks_are_left_out():
    # The 2025 edition has no APS scenario: a chapter that read an APS slice before the
    # import must not stop the download writer (it did, with a pandas error naming no page).
    from helpers import DATAPACKAGE

    from chinaev.data.package import load
    from chinaev.report import cards

    package = load(DATAPACKAGE / "datapackage.json")
    read = {
        "records": ["china_nev_exports_2025_05"],
        "iea": [{"region": "China", "category": "Projection-NO-SUCH-SCENARIO"}],
    }
    text = cards.rows_csv(package, read)
    assert text.splitlines()[0].startswith("resource,id,")
    assert [line.split(",")[1] for line in text.splitlines()[1:]] == ["china_nev_exports_2025_05"]
