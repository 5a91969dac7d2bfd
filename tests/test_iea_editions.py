"""A later IEA edition, built by the test from the shipped 2024 file, imports with no code
change, is reported against the edition it replaces, and the package then validates and
runs a chapter.

The 2025 edition made here adds a year (2024), two regional aggregates and two countries
new to the file, renames a scenario (APS), adds a parameter with a unit the importer does
not know, and revises a past value that a derived figure reads.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from helpers import DATAPACKAGE, note_change, on_the_2024_edition, seeds_dir

from chinaev import cli
from chinaev.data.iea import import_iea
from chinaev.data.package import load

RAW_2024 = DATAPACKAGE / "raw" / "iea" / "IEA_Global_EV_Data_2024.csv"
SHARED_2024 = DATAPACKAGE.parents[1] / "shared" / "data" / "iea-gevo-2024" / RAW_2024.name
REVISED = ("China", "Historical", "EV sales", "Cars", "BEV", "2023")
NEW_AGGREGATES = ("Asia Pacific", "Central and South America")
NEW_COUNTRIES = {"Viet Nam": "VNM", "Malaysia": "MYS"}
NEW_PARAMETER, NEW_UNIT = "Battery minerals demand", "kilotonnes"


def read_raw(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_raw(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def make_2025_edition(raw_2024: Path, target: Path) -> Path:
    header, rows = read_raw(raw_2024)
    col = {name: i for i, name in enumerate(header)}
    out = []
    for row in rows:
        row = list(row)
        key = tuple(row[col[c]] for c in ("region", "category", "parameter", "mode", "powertrain"))
        if key + (row[col["year"]],) == REVISED:
            row[col["value"]] = "5500000"  # revised from 5400000
        if row[col["category"]] == "Projection-APS":
            row[col["category"]] = "Projection-Announced pledges"  # renamed scenario
        out.append(row)
        if row[col["category"]] == "Historical" and row[col["year"]] == "2023":
            later = list(row)
            later[col["year"]] = "2024"
            grown = float(row[col["value"]]) * 1.25
            if row[col["unit"]] == "percent":
                grown = min(grown, 100.0)  # a share grows, but never past 100%
            later[col["value"]] = repr(round(grown, 6))
            out.append(later)
    world_sales = [
        r
        for r in rows
        if r[col["region"]] == "World"
        and r[col["parameter"]] == "EV sales"
        and r[col["category"]] == "Historical"
    ]
    for name in (*NEW_AGGREGATES, *NEW_COUNTRIES):
        for row in world_sales:
            new = list(row)
            new[col["region"]] = name
            new[col["value"]] = repr(float(row[col["value"]]) / 100)
            out.append(new)
    for year, value in (("2023", "120"), ("2024", "150")):
        new = ["World", "Historical", NEW_PARAMETER, "Cars", "EV", year, NEW_UNIT, value]
        out.append([value_for(c, new) for c in header])
    return write_raw(target / "IEA_Global_EV_Data_2025.csv", header, out)


def value_for(column: str, row: list[str]) -> str:
    order = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
    return row[order.index(column)]


@pytest.fixture(scope="module")
def raw_2024() -> Path:
    for path in (RAW_2024, SHARED_2024):
        if path.is_file():
            return path
    pytest.skip("the IEA 2024 raw file is neither in datapackage/raw/iea nor in shared/data")


@pytest.fixture(scope="module")
def imported(raw_2024, tmp_path_factory):
    """A copy of the real package, put back on the 2024 edition, after importing the
    synthetic 2025 edition."""
    root = tmp_path_factory.mktemp("edition")
    package = root / "datapackage"
    shutil.copytree(DATAPACKAGE, package)
    on_the_2024_edition(package, raw_2024)
    before = {
        name: (package / name).read_bytes()
        for name in ("data/iea.csv", "data/sources.csv", "data/derived.csv")
    }
    source = make_2025_edition(raw_2024, root)
    report = import_iea(source, package / "datapackage.json")
    return report, package, before, source


def test_later_edition_imports_and_reports_what_changed(imported):
    report, package, _, _ = imported
    assert report.problems == [], report.problems
    assert report.written and report.edition == "GEVO-2025"
    text = "\n".join(report.lines())
    assert "against GEVO-2024:" in text
    assert "latest historical year 2023 -> 2024" in text
    changes = report.changes
    aps = sum(1 for _ in _rows(package) if _["scenario"] == "Announced pledges")
    assert changes.removed == aps > 0  # the APS rows went under their new name
    assert changes.added > aps
    assert [r.key for r in changes.revised] == [(*REVISED[:5], 2023)]
    assert "China|Historical|EV sales|Cars|BEV|2023: 5400000 -> 5500000 (+1.9%)" in text


def test_new_names_are_kept_and_noted(imported):
    report, package, _, _ = imported
    notes = "\n".join(report.notes)
    for name in NEW_AGGREGATES:
        assert repr(name) in notes
    assert "kept as aggregates with no ISO code" in notes
    assert "Viet Nam (VNM)" in notes and "Malaysia (MYS)" in notes
    assert f"new parameter {NEW_PARAMETER!r}" in notes
    assert "new scenario 'Announced pledges'" in notes
    assert "scenario no longer in the edition: 'APS'" in notes
    assert f"unit {NEW_UNIT!r} is not in the known units" in notes

    rows = {(r["region"], r["parameter"], r["year"], r["category"]): r for r in _rows(package)}
    vietnam = next(r for k, r in rows.items() if k[0] == "Viet Nam")
    assert (vietnam["region_kind"], vietnam["region_iso3"]) == ("country", "VNM")
    asia = next(r for k, r in rows.items() if k[0] == "Asia Pacific")
    assert (asia["region_kind"], asia["region_iso3"]) == ("aggregate", "")
    minerals = rows[("World", NEW_PARAMETER, "2024", "Historical")]
    assert (minerals["unit"], minerals["value"]) == (NEW_UNIT, "150")
    schema = json.loads((package / "schemas" / "iea.json").read_text(encoding="utf-8"))
    unit = next(f for f in schema["fields"] if f["name"] == "unit")
    assert unit["constraints"]["enum"][-1] == NEW_UNIT


def test_edition_is_linked_to_its_sources_row(imported):
    _, package, before, source = imported
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    [iea] = [r for r in descriptor["resources"] if r["name"] == "iea"]
    assert iea["source_id"] == "iea-gevo-2025"
    assert iea["sources"][0]["path"] == "raw/iea/IEA_Global_EV_Data_2025.csv"
    assert "Global EV Outlook 2025" in iea["title"]
    sources = (package / "data" / "sources.csv").read_text(encoding="utf-8").splitlines()
    old = before["data/sources.csv"].decode("utf-8").splitlines()
    assert len(sources) == len(old) + 1  # one line added, the others untouched
    assert [line for line in sources if not line.startswith("iea-gevo-2025,")] == old
    [row] = [r for r in csv.DictReader(sources) if r["source_id"] == "iea-gevo-2025"]
    assert row["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert row["date_precision"] == "year"
    pkg = load(package)
    assert pkg.iea_source_id == "iea-gevo-2025"
    # Seen from 2024, the 2025 edition had not been published.
    assert len(load(package, as_of="2024-12-31").iea) == 0
    assert len(load(package, as_of="2025-06-30").iea) == len(pkg.iea)


def test_derived_figures_follow_the_revision(imported):
    report, package, before, _ = imported
    assert report.derived_changed
    derived = {r["derived_id"]: r for r in _read(package / "data" / "derived.csv")}
    assert derived["iea_china_ev_car_sales_2023"]["value"] == "8200000"
    assert derived["iea_china_ev_car_sales_2023"]["formula"] == "5500000 + 2700000"


@pytest.mark.slow
def test_the_package_validates_and_a_chapter_runs_on_it(imported, tmp_path, capsys):
    seeds_dir()
    _, package, _, _ = imported
    note_change(package, "`iea`: a later IEA edition imported.")
    assert cli.main(["validate", str(package / "datapackage.json")]) == 0, capsys.readouterr()
    out = tmp_path / "out"
    code = cli.main(
        [
            "run",
            "production",
            "--datapackage",
            str(package / "datapackage.json"),
            "--output-dir",
            str(out),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    notebook = nbformat.read(out / "production.ipynb", as_version=4)
    outputs = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    # The sources list and the chart credits name the edition from the package, and
    # nothing names the edition it replaced.
    # Sources are named as readers know them, never by file, so the file is proved through
    # the record of what the chapter read: the 2025 sources row, whose sha256 is the file's.
    assert "Global EV Outlook 2025" in outputs
    assert "Global EV Outlook 2024" not in outputs
    assert "IEA, Global EV Outlook 2025 (CC BY 4.0)" in outputs
    reads = notebook.metadata["chinaev"]["reads"]
    assert "iea-gevo-2025" in reads["sources"] and "iea-gevo-2024" not in reads["sources"]
    assert "source:iea-gevo-2025" in notebook.metadata["chinaev"]["parts"]


def test_a_real_error_writes_nothing(raw_2024, tmp_path):
    package = tmp_path / "datapackage"
    shutil.copytree(DATAPACKAGE, package, ignore=shutil.ignore_patterns("raw"))
    header, rows = read_raw(raw_2024)
    rows = [list(r) for r in rows]
    rows[10][header.index("value")] = "about 5"
    rows[20][header.index("year")] = "2023e"
    rows.append(list(rows[30]))  # a duplicate key, with another value below
    rows[-1][header.index("value")] = str(float(rows[30][header.index("value")]) / 2)
    source = write_raw(tmp_path / "IEA_Global_EV_Data_2025.csv", header, rows)
    snapshot = {p: p.read_bytes() for p in package.rglob("*") if p.is_file()}
    report = import_iea(source, package)
    found = {(p.resource, p.row, p.field) for p in report.problems}
    key = "region, category, parameter, mode, powertrain, year"
    assert found == {
        (source.name, 12, "value"),
        (source.name, 22, "year"),
        (source.name, 32, key),
        (source.name, len(rows) + 1, key),
    }
    assert {p: p.read_bytes() for p in package.rglob("*") if p.is_file()} == snapshot


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _rows(package: Path) -> list[dict[str, str]]:
    return _read(package / "data" / "iea.csv")


def test_no_chapter_or_module_names_an_edition():
    """A later edition is cited by what the package says, so no chapter cell and no module
    may name one (an id such as iea-gevo-2024, or a title such as Global EV Outlook 2024).
    Docstrings that give an example say "e.g."; the importer builds the id from the year."""
    import re

    edition = re.compile(r"gevo-\d{4}|Outlook \d{4}")
    book = DATAPACKAGE.parent / "book"
    named = [
        f"{path.name} cell {number}"
        for path in sorted(book.glob("*.ipynb"))
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells)
        if edition.search(cell.source)
    ]
    modules = DATAPACKAGE.parent / "scripts" / "chinaev"
    named += [
        f"{path.name} line {number}"
        for path in sorted(modules.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if edition.search(line) and "e.g." not in line and "{" not in line
    ]
    assert named == []
