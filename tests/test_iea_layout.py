"""The IEA download as published, layout changes and all: the 2025 edition imports as is.

From 2025 the region column is `region_country` and a last column `Aggregate group`
tags each row; the 2025 file also repeats 12 rows exactly. Each change is reproduced in
a small file, then the real 2025 download is imported into a copy of the package.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from helpers import DATAPACKAGE, on_the_2024_edition, read_csv
from test_iea import write_csv

from chinaev import cli
from chinaev.data.iea import import_iea
from chinaev.data.iea_read import COLUMNS, KEY

HEADER_2025 = [
    "region_country",
    "category",
    "parameter",
    "mode",
    "powertrain",
    "year",
    "unit",
    "value",
    "Aggregate group",
]
ROWS = [
    ["World", "Projection-STEPS", "EV stock", "Cars", "BEV", "2030", "Vehicles", "2E8", "_World"],
    ["China", "Historical", "EV sales", "Cars", "BEV", "2024", "Vehicles", "6400000", "Other"],
    ["China", "Historical", "EV sales share", "Cars", "EV", "2024", "percent", "48", "Other"],
    ["EU27", "Historical", "EV sales", "Cars", "BEV", "2024", "Vehicles", "1400000", "EU27"],
]  # fmt: skip
REAL_2025 = DATAPACKAGE.parents[1] / "shared" / "data" / "iea-gevo-2025" / "EVDataExplorer2025.csv"


def write(path: Path, rows, header=HEADER_2025) -> Path:
    return write_csv(path, rows, header)


def note(report, *words: str) -> str:
    found = [n for n in report.notes if all(word in n for word in words)]
    assert found, f"no note with {words} in {report.notes}"
    return found[0]


def test_region_country_is_read_as_region(tmp_path):
    report = import_iea(write(tmp_path / "EVDataExplorer2025.csv", ROWS), tmp_path)
    assert report.problems == [] and report.rows_written == len(ROWS)
    table = read_csv(tmp_path / "data" / "iea.csv")
    assert {row["region"] for row in table} == {"World", "China", "EU27"}
    assert {row["region_iso3"] for row in table if row["region"] == "China"} == {"CHN"}
    note(report, "'region_country' read as 'region'")


def test_an_extra_column_is_dropped_and_said(tmp_path):
    report = import_iea(write(tmp_path / "EVDataExplorer2025.csv", ROWS), tmp_path)
    with (tmp_path / "data" / "iea.csv").open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    assert report.extra_columns == ["Aggregate group"]
    note(report, "dropped", "'Aggregate group'")


def test_region_beside_region_country_is_read_and_the_other_dropped(tmp_path):
    header = ["region", *HEADER_2025]
    rows = [[row[0], *row] for row in ROWS]
    rows[0][1] = "Somewhere else"  # region_country is not read when region is there
    report = import_iea(write(tmp_path / "IEA_2025.csv", rows, header), tmp_path)
    assert report.problems == []
    assert report.extra_columns == ["region_country", "Aggregate group"]
    regions = {row["region"] for row in read_csv(tmp_path / "data" / "iea.csv")}
    assert "Somewhere else" not in regions


def test_an_exact_duplicate_row_is_kept_once_and_said(tmp_path):
    rows = [*ROWS, list(ROWS[1]), list(ROWS[2])]
    report = import_iea(write(tmp_path / "EVDataExplorer2025.csv", rows), tmp_path)
    assert report.problems == []
    assert report.rows_read == len(rows) and report.rows_written == len(ROWS)
    said = note(report, "2 row(s)", "repeat an earlier row exactly")
    assert "line 6 (= line 3)" in said and "line 7 (= line 4)" in said
    assert len(read_csv(tmp_path / "data" / "iea.csv")) == len(ROWS)


def test_a_duplicate_in_another_spelling_of_the_same_value_is_kept_once(tmp_path):
    # 6.4E+06 and 6400000 are one value, and 'vehicles' one unit, once read.
    again = [*ROWS[1][:6], "vehicles", "6.4E+06", "Other"]
    report = import_iea(write(tmp_path / "EVDataExplorer2025.csv", [*ROWS, again]), tmp_path)
    assert report.problems == [] and report.rows_written == len(ROWS)


def test_a_conflicting_duplicate_names_both_lines_and_writes_nothing(tmp_path):
    conflicting = [*ROWS[1][:7], "6500000", "Other"]
    source = write(tmp_path / "EVDataExplorer2025.csv", [*ROWS, conflicting])
    report = import_iea(source, tmp_path)
    key = ", ".join(KEY)
    shown = [str(p) for p in report.problems]
    assert shown == [
        f"EVDataExplorer2025.csv, row 3, field {key}: duplicate key: same as line 6 "
        "(region=China, category=Historical, parameter=EV sales, mode=Cars, powertrain=BEV, "
        "year=2024) with another value (6400000 vehicles here, 6500000 vehicles there)",
        f"EVDataExplorer2025.csv, row 6, field {key}: duplicate key: same as line 3 "
        "(region=China, category=Historical, parameter=EV sales, mode=Cars, powertrain=BEV, "
        "year=2024) with another value (6500000 vehicles here, 6400000 vehicles there)",
    ]
    assert not report.written and not (tmp_path / "data").exists()


def test_a_third_conflicting_line_names_the_first(tmp_path):
    rows = [*ROWS, [*ROWS[1][:7], "1", "Other"], [*ROWS[1][:7], "2", "Other"]]
    report = import_iea(write(tmp_path / "EVDataExplorer2025.csv", rows), tmp_path)
    assert [(p.row, "same as line 3" in p.message) for p in report.problems] == [
        (3, False),
        (6, True),
        (7, True),
    ]


def test_the_cli_prints_the_notes(tmp_path, capsys):
    rows = [*ROWS, list(ROWS[0])]
    source = write(tmp_path / "EVDataExplorer2025.csv", rows)
    code = cli.main(["import-iea", str(source), "--datapackage", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "note: column 'region_country' read as 'region'" in err
    assert "note: 1 row(s) of EVDataExplorer2025.csv repeat an earlier row exactly" in err
    assert "ignored columns: Aggregate group" in out


# The real 2025 download


@pytest.fixture(scope="module")
def real_2025(tmp_path_factory):
    if not REAL_2025.is_file():
        message = f"the IEA 2025 download is not at {REAL_2025}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    package = tmp_path_factory.mktemp("gevo2025") / "datapackage"
    shutil.copytree(DATAPACKAGE, package)
    on_the_2024_edition(package, DATAPACKAGE / "raw" / "iea" / "IEA_Global_EV_Data_2024.csv")
    return import_iea(REAL_2025, package), package


def test_the_real_2025_download_imports_with_no_hand_edit(real_2025):
    report, package = real_2025
    assert report.problems == [] and report.written
    with REAL_2025.open(encoding="utf-8") as handle:
        records = sum(1 for _ in handle) - 1
    assert report.rows_read == records
    assert report.rows_written == records - 12  # 12 rows repeated exactly
    note(report, "12 row(s)", "repeat an earlier row exactly")
    note(report, "scenario no longer in the edition: 'APS'")
    table = read_csv(package / "data" / "iea.csv")
    assert {row["edition"] for row in table} == {"GEVO-2025"}
    assert {row["scenario"] for row in table} == {"historical", "STEPS"}


def test_every_region_of_2025_that_is_no_group_is_a_country(real_2025):
    _, package = real_2025
    table = read_csv(package / "data" / "iea.csv")
    aggregates = {row["region"] for row in table if row["region_kind"] == "aggregate"}
    assert aggregates == {
        "World",
        "Europe",
        "EU27",
        "Rest of the world",
        "Africa",
        "Asia Pacific",
        "Central and South America",
        "Middle East and Caspian",
        "North America",
    }
    codes = {row["region"]: row["region_iso3"] for row in table if row["region_kind"] == "country"}
    assert codes["Russia"] == "RUS" and codes["Korea"] == "KOR" and codes["Viet Nam"] == "VNM"
