"""A what-if build: one chapter re-run on an edited copy of the package, built into a
folder of its own (`chinaev run --datapackage OTHER --output-dir DIR`, then
`chinaev build --html --book-dir DIR`), as the README shows.

Every page says which package it was built on; every link resolves in that build (the
link checker of test_reader.py); the chapter links a zip of the package it ran on and no
PDF, since none was built there.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from helpers import copy_package, edit_row, run_cli
from test_reader import broken_links

FIGURE = "china_nev_exports_2025_05"
AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def whatif(tmp_path_factory):
    work = tmp_path_factory.mktemp("whatif")
    package = copy_package(work)
    edit_row(
        package, "figures", "figure_id", FIGURE,
        value="213000", lower="213000", upper="213000", as_written="213,000",
    )  # fmt: skip
    out = work / "out"
    ran = run_cli(
        "run", "exports", "--datapackage", str(package / "datapackage.json"),
        "--as-of", AS_OF, "--output-dir", str(out),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    built = run_cli("build", "--html", "--book-dir", str(out))
    assert built.returncode == 0, built.stderr
    return package, out / "_build" / "html"


@pytest.mark.slow
def test_every_page_names_the_package_and_its_as_of(whatif):
    package, html = whatif
    pages = sorted(html.glob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        banner = re.search(r'<div class="chinaev-whatif">(.*?)</div>', text, re.S)
        assert banner, f"{page.name}: no what-if banner"
        assert str(package / "datapackage.json") in banner.group(1), page.name
        assert f"as of {AS_OF}" in banner.group(1) and "exports" in banner.group(1), page.name


@pytest.mark.slow
def test_every_link_of_the_whatif_build_resolves(whatif):
    _, html = whatif
    assert broken_links(html) == []
    assert not (html / "book.pdf").exists()
    for page in html.glob("*.html"):
        assert 'href="book.pdf"' not in page.read_text(encoding="utf-8"), page.name


@pytest.mark.slow
def test_the_chapter_offers_the_package_it_ran_on(whatif):
    package, html = whatif
    page = (html / "exports.html").read_text(encoding="utf-8")
    block = re.search(r'<p class="chinaev-downloads">(.*?)</p>', page, re.S).group(1)
    links = re.findall(r'href="([^"]+)"', block)
    assert len(links) == 2 and links[0] == "data/exports.csv", links
    assert "213000" in (html / links[0]).read_text(encoding="utf-8")
    with zipfile.ZipFile(html / links[1]) as archive:
        figures = archive.read("datapackage/data/figures.csv").decode("utf-8")
    assert figures == (package / "data" / "figures.csv").read_text(encoding="utf-8")
    assert "213,000" in figures
    # The index offers the book's own package and the one the what-if chapter ran on.
    index = (html / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<p class="chinaev-downloads">(.*?)</p>', index, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', block) == ["data/chinaev-datapackage.zip", links[1]]


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
