"""The DuckDB fast path rejects the same rows as frictionless-py, with the same row number,
field, error type, cell and note."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from helpers import copy_package, read_csv, write_csv

from chinaev.checks import fastcheck
from chinaev.checks.schema import frictionless_problems, table_schema_problems

KEY = ["region", "category", "parameter", "mode", "powertrain", "year"]


def append_rows(path, rows):
    """Append raw CSV records (lists of cells) to a file, as a careless edit would."""
    with path.open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def bad_package(tmp_path_factory):
    package = copy_package(tmp_path_factory.mktemp("fastcheck"))
    iea = package / "data" / "iea.csv"
    good = next(csv.reader(iea.open(encoding="utf-8").readlines()[1:2]))
    header = next(csv.reader(iea.open(encoding="utf-8").readlines()[:1]))
    col = {name: i for i, name in enumerate(header)}

    def variant(**changes):
        row = list(good)
        row[col["year"]] = "2031"  # a year the real file does not have: no key clash
        for name, value in changes.items():
            row[col[name]] = value
        return row

    append_rows(
        iea,
        [
            variant(unit="tonnes"),  # enum
            variant(region_kind="city", powertrain="x1"),  # enum
            variant(year="1800"),  # minimum
            variant(year="2101"),  # maximum
            variant(year="20x3", powertrain="x2"),  # type
            variant(value="n/a", powertrain="x3"),  # type
            variant(value="", powertrain="x4"),  # required
            variant(region_iso3="Ch", powertrain="x5"),  # pattern
            variant(region_iso3="chn", powertrain="x6"),  # pattern, lower case
            variant(edition="GEVO-20245", powertrain="x7"),  # pattern
            variant(region="", powertrain="x8"),  # required, part of the key
            variant(powertrain="x9", value=" 5"),  # valid: frictionless strips numbers
            variant(powertrain="x10", value="1_000"),  # valid: Decimal reads underscores
            variant(powertrain="x11", value="NaN"),  # valid number
            variant(powertrain="x12", year="+2030"),  # valid integer
            variant(powertrain="x13", year=" 2030"),  # valid integer (stripped)
            variant(powertrain="x14", value="1e3"),  # valid
            variant(powertrain="x15", value="1,000"),  # type
            variant(powertrain="x9", value="6"),  # duplicate primary key of x9
            variant(**{c: "" for c in KEY}),  # key all empty
            variant(unit="tonnes", value="x", powertrain="x16"),  # type and enum in one row
        ],
    )
    figures = package / "data" / "figures.csv"
    rows = read_csv(figures)
    rows[0]["entity_id"] = "no-such-entity"  # foreign key
    rows[1]["period_start"] = "2025-13-45"  # date type
    rows[2]["period_start"] = "2025-2-3"  # valid for strptime
    rows[3]["value"] = "five"  # number type
    rows.append(dict(rows[4]))  # duplicate figure_id (primary key and unique)
    write_csv(figures, rows)
    sources = package / "data" / "sources.csv"
    rows = read_csv(sources)
    rows[1]["date_inferred"] = "yes"  # boolean type
    rows[2]["source_id"] = "Seed 2"  # pattern (and foreign keys pointing at seed-002 break)
    rows[3]["language"] = ""  # required
    write_csv(sources, rows)
    return package


@pytest.fixture(scope="module")
def slow_problems(bad_package):
    """frictionless-py's problems with the bad package (slow: computed once)."""
    return frictionless_problems(bad_package)


def test_fast_path_finds_what_frictionless_finds(bad_package, slow_problems):
    slow = slow_problems
    fast = table_schema_problems(bad_package, engine="fast")
    assert fast == slow
    # The test is only worth something if the bad rows were found at all.
    kinds = {p.message.split(":")[0] for p in slow}
    assert {"type-error", "constraint-error", "primary-key", "foreign-key"} <= kinds
    assert len([p for p in slow if p.resource == "iea"]) >= 18


def test_fast_path_on_iea_row_by_row(bad_package):
    descriptor = json.loads((bad_package / "datapackage.json").read_text(encoding="utf-8"))
    fast = fastcheck.check_resource_errors(bad_package, descriptor, "iea")
    slow = fastcheck.frictionless_errors(bad_package, bad_package / "datapackage.json", "iea")
    assert fast is not None
    assert [(e.type, e.row, e.field, e.cell, e.note) for e in fast] == [
        (e.type, e.row, e.field, e.cell, e.note) for e in slow
    ]
    rejected = {e.row for e in slow}
    first = len(read_csv(bad_package / "data" / "iea.csv")) + 2 - 21
    # x9 to x14 and x10 are valid rows; every other appended row is rejected.
    valid = {first + i for i in (11, 12, 13, 14, 15, 16)}
    assert rejected == {first + i for i in range(21)} - valid


def test_unjudgeable_resources_fall_back_to_frictionless(bad_package, slow_problems, tmp_path):
    bad_package = shutil.copytree(bad_package, tmp_path / "datapackage")
    iea = bad_package / "data" / "iea.csv"
    with iea.open("a", encoding="utf-8") as handle:
        handle.write("too,few,cells\n\n")
    descriptor = json.loads((bad_package / "datapackage.json").read_text(encoding="utf-8"))
    assert fastcheck.check_resource_errors(bad_package, descriptor, "iea") is None
    notes = []
    fast = table_schema_problems(bad_package, engine="fast", notes=notes)
    # frictionless's own verdict on the iea resource, the rest unchanged.
    assert [p for p in fast if p.resource != "iea"] == [
        p for p in slow_problems if p.resource != "iea"
    ]
    assert any("missing-cell" in p.message for p in fast if p.resource == "iea")
    assert any(note.startswith("iea: the fast path cannot judge it") for note in notes)


def test_the_real_package_passes_the_fast_path():
    from helpers import DATAPACKAGE

    assert table_schema_problems(DATAPACKAGE, engine="fast") == []
