"""The real chapters keep every text field of the data package inert.

A copy of the package gets markup and script planted in every free-text field of every
resource (each row tagged with its resource, field and row, so that two planted values
never collide and any leak names its origin). All the book's real chapters are run on
that copy into a folder of their own and the book is built from it, as a re-user would
(`chinaev run --datapackage ... --output-dir`, then `chinaev build --html --book-dir`).
Headless Chromium then checks every page: no planted script ran, no planted element
exists, and wherever a planted string shows, its markup reads as text.

Fields left out are those the code computes with rather than shows: keys, fields with
an enum or pattern, the number as written (checked against the value), a derived
figure's formula and inputs, and the IEA's scenario names.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import DATAPACKAGE, ROOT, read_csv, write_csv
from test_inert import flat, hostile, open_page

COMPUTED = {("figures", "as_written"), ("derived", "inputs"), ("derived", "formula")}
COMPUTED |= {("iea", "scenario")}
# Resources the code writes from the others (chinaev derive): planting there only makes
# them stale, which the run rightly refuses.
COMPUTED_RESOURCES = {"factcheck_results", "derived_inputs"}
# What a planted value starts with, as the reader must see it: the tag, then the
# script element as text.
TAG = re.compile(r"(\w+\.\w+\.\d+)<script>")


def free_text_fields(package: Path) -> dict[str, dict[str, int | None]]:
    """Every string field that no key, enum or pattern constrains, by resource, with
    its maximum length if it has one."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    found = {}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        if isinstance(schema, str):
            schema = json.loads((package / schema).read_text(encoding="utf-8"))
        keys = schema.get("primaryKey", [])
        keys = [keys] if isinstance(keys, str) else list(keys)
        for foreign in schema.get("foreignKeys", []):
            fields = foreign["fields"]
            keys += [fields] if isinstance(fields, str) else fields
        found[resource["name"]] = {
            field["name"]: field.get("constraints", {}).get("maxLength")
            for field in schema["fields"]
            if field.get("type", "string") == "string"
            and not {"enum", "pattern"} & set(field.get("constraints", {}))
            and field["name"] not in keys
            and (resource["name"], field["name"]) not in COMPUTED
        }
    return found


def plant_everywhere(package: Path) -> int:
    """Plant a tagged hostile string in every free-text cell that holds text; return
    how many cells were planted."""
    planted = 0
    for resource, fields in free_text_fields(package).items():
        path = package / "data" / f"{resource}.csv"
        if not fields or not path.is_file() or resource in COMPUTED_RESOURCES:
            continue
        rows = read_csv(path)
        for index, row in enumerate(rows):
            for field, longest in fields.items():
                if not row.get(field):
                    continue
                # A quote must still hold the number as written (the run checks it).
                kept = f" {row['as_written']}" if field == "quote" and row.get("as_written") else ""
                # An evidence summary keeps the slot its figure's value fills.
                kept += " {figure}" if "{figure}" in row[field] else ""
                value = hostile(f"{resource}.{field}.{index}")
                row[field] = (value[: longest - len(kept)] if longest else value) + kept
                planted += 1
        write_csv(path, rows)
    return planted


@pytest.fixture(scope="session")
def planted_book(tmp_path_factory):
    from chinaev.pipeline.build import build_book, overlay_book
    from chinaev.pipeline.run import run_chapters

    root = tmp_path_factory.mktemp("inert-book")
    package = root / "datapackage"
    shutil.copytree(DATAPACKAGE, package, ignore=shutil.ignore_patterns("raw"))
    assert plant_everywhere(package) > 500
    out = root / "chapters"
    run_chapters(datapackage=package / "datapackage.json", output_dir=out, jobs=2)
    book = overlay_book(out, root / "work")
    build_book(["html"], book_dir=book, output=root / "_build")
    html = root / "_build" / "html"
    pages = sorted(p.stem for p in html.glob("*.html") if p.stem not in ("genindex", "search"))
    return html, pages


BOOK_PAGES = ["index", *(p.stem for p in sorted((ROOT / "book").glob("*.ipynb")))]


@pytest.mark.slow
@pytest.mark.parametrize("name", BOOK_PAGES)
def test_planted_markup_stays_text_on_every_real_page(planted_book, chromium, name):
    html_dir, pages = planted_book
    assert name in pages
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
    html_dir, _ = planted_book
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
