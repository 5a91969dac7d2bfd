"""A number's source one hover away, and the data a page used one click away."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from chinaev.data.package import load
from chinaev.report import cards

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage" / "datapackage.json"


@pytest.fixture(scope="module")
def package():
    return load(PACKAGE)


def test_a_figure_card_quotes_its_source_and_paragraph(package):
    record = package.record("china_vehicle_exports_2025_05")
    html = cards.card(package, "china_vehicle_exports_2025_05")
    assert record["quote"].replace("’", "’") in html
    assert f"paragraph {record['locator'][1:]}" in html


def test_a_derived_card_shows_formula_and_inputs(package):
    row = package.tables["derived"].iloc[0]
    html = cards.card(package, row["derived_id"])
    assert "Derived by the book" in html and "Formula:" in html
    for ref in row["inputs"].split(";"):
        assert ref.strip().replace("&", "&amp;") in html


def test_markup_in_the_data_stays_text(package):
    planted = package.tables["figures"].copy()
    planted.loc[0, "quote"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    package = type(package)(
        package.path, package.descriptor, {**package.tables, "figures": planted}
    )
    html = cards.card(package, planted.loc[0, "figure_id"])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_keys_that_are_not_records_get_no_card(package):
    assert cards.card(package, "nev_pace") is None


def test_the_download_holds_exactly_the_rows_read(package):
    read = {
        "records": ["china_vehicle_exports_2025_05", "china_vehicle_exports_2025_04"],
        "iea": [
            {
                "region": "China",
                "parameter": "EV sales",
                "mode": "Cars",
                "category": "Historical",
                "powertrains": ["BEV"],
            }
        ],
    }
    rows = list(csv.DictReader(io.StringIO(cards.rows_csv(package, read))))
    iea = package.tables["iea"]
    expected = iea[
        (iea["region"] == "China")
        & (iea["parameter"] == "EV sales")
        & (iea["mode"] == "Cars")
        & (iea["category"] == "Historical")
        & (iea["powertrain"] == "BEV")
    ]
    assert [r["id"] for r in rows if r["resource"] != "iea"] == [
        "china_vehicle_exports_2025_05",
        "china_vehicle_exports_2025_04",
    ]
    assert sum(r["resource"] == "iea" for r in rows) == len(expected) > 0


# -- in the built book ------------------------------------------------------------


def _chapter_notebooks(book) -> list[tuple[str, dict]]:
    found = []
    for name in book.pages():
        path = book.source / f"{name}.ipynb"
        if path.exists():
            metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
            if "reads" in metadata.get("chinaev", {}):
                found.append((name, metadata["chinaev"]["reads"]))
    return found


@pytest.mark.slow
def test_every_chapter_links_its_downloads_relatively_and_they_exist(built_real_book):
    book = built_real_book
    chapters = _chapter_notebooks(book)
    assert chapters, "no executed chapter records what it read"
    for name, read in chapters:
        page = (book.html / f"{name}.html").read_text(encoding="utf-8")
        block = re.search(r'<p class="chinaev-downloads">(.*?)</p>', page, re.S)
        assert block, f"{name}: no download links"
        links = re.findall(r'href="([^"]+)"', block.group(1))
        assert len(links) == 4, links  # rows (CSV), package (zip), typed tables, PDF
        for link in links:
            assert not re.match(r"^([a-z]+:|/)", link), f"{name}: {link} is not relative"
            assert (book.html / link).is_file(), f"{name}: {link} missing"
        data = pd.read_csv(book.html / links[0], dtype=str, keep_default_na=False)
        shown = set(data.loc[data["resource"] != "iea", "id"])
        # Exactly the figures and derived figures read (pages such as the methods read
        # whole tables only, and offer the package zip for those).
        assert shown == set(read["records"]) - _absent(read["records"]), name
        if read.get("iea"):
            assert (data["resource"] == "iea").any(), f"{name}: IEA rows read but not offered"
    assert any(read["records"] for _, read in chapters)
    with zipfile.ZipFile(book.html / "data" / "chinaev-datapackage.zip") as archive:
        assert "datapackage/datapackage.json" in archive.namelist()


def _absent(ids: list[str]) -> set[str]:
    package = load(PACKAGE)
    return {i for i in ids if not package.has(i)}


@pytest.mark.slow
def test_focusing_a_number_shows_its_quote(built_real_book, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    try:
        page.goto((built_real_book.html / "exports.html").as_uri())
        number = page.locator(".chinaev-num:has(.chinaev-card-quote)").first
        card = number.locator(".chinaev-card")
        assert not card.is_visible()
        number.focus()  # the keyboard path; hover uses the same rule
        card.wait_for(state="visible", timeout=5000)
        record_id = card.locator(".chinaev-card-id").inner_text().strip()
        text = card.inner_text()
        quote = load(PACKAGE).record(record_id)["quote"]
        assert quote in text
        assert number.get_attribute("aria-describedby") == card.get_attribute("id")
        page.mouse.move(0, 0)
        page.keyboard.press("Tab")
        number.hover()
        assert card.is_visible()
    finally:
        page.close()
