"""The IEA importer: the real 2024 file, a synthetic later edition, and every way it can fail."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import frictionless
import pytest

from chinaev.data.iea import import_iea
from chinaev.data.iea_names import UNITS, normalise_unit, scenario_of
from chinaev.data.iea_read import COLUMNS, KEY
from chinaev.data.problems import UserError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "datapackage" / "schemas" / "iea.json"
RAW_FILE = "IEA_Global_EV_Data_2024.csv"
HEADER = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]

# A handwritten 2024-like sample: one row of each unit spelling in the real file.
BASE = [
    ["China", "Historical", "EV sales", "Cars", "BEV", "2023", "Vehicles", "5400000"],
    ["China", "Historical", "EV sales share", "Cars", "EV", "2023", "percent", "38"],
    ["World", "Projection-STEPS", "EV stock", "Cars", "EV", "2030", "Vehicles", "2.5E+08"],
    ["USA", "Historical", "Oil displacement Mbd", "Cars", "EV", "2023", "Milion barrels per day",
     "0.15"],
    ["World", "Historical", "Oil displacement, million lge", "Cars", "EV", "2023",
     "Oil displacement, million lge", "42000"],
    ["China", "Historical", "EV charging points", "EV", "Publicly available fast", "2023",
     "charging points", "1200000"],
    ["Europe", "Projection-APS", "Electricity demand", "Cars", "EV", "2030", "GWh", "190000"],
]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def where(problems) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.field) for p in problems}


def validate_table(path: Path):
    """Frictionless validation of a CSV against schemas/iea.json."""
    # frictionless refuses absolute paths as unsafe, so point basepath at the folder.
    schema = frictionless.Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema)
    return resource.validate()


@pytest.fixture(scope="module")
def iea_dir() -> Path:
    folder = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "iea-gevo-2024"
    if not (folder / RAW_FILE).is_file():
        message = f"IEA 2024 data not found at {folder}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return folder


@pytest.fixture(scope="module")
def real_import(iea_dir, tmp_path_factory):
    package = tmp_path_factory.mktemp("real") / "datapackage.json"
    report = import_iea(iea_dir / RAW_FILE, package)
    return report, package.parent


@pytest.fixture
def package(tmp_path) -> Path:
    """A package folder holding the output of importing BASE, as a previous import would."""
    report = import_iea(write_csv(tmp_path / "IEA_Global_EV_Data_2024.csv", BASE), tmp_path)
    assert report.problems == [] and report.rows_written == len(BASE)
    return tmp_path


# The real 2024 file


def test_real_file_imports_every_row(real_import, iea_dir):
    report, folder = real_import
    with (iea_dir / RAW_FILE).open(newline="", encoding="utf-8") as handle:
        raw = list(csv.DictReader(handle))
    assert len(raw) == 12654
    assert report.problems == []
    assert report.rows_read == report.rows_written == len(raw)
    table = read_table(folder / "data" / "iea.csv")
    assert len(table) == len(raw)
    assert list(table[0]) == COLUMNS
    assert {row["edition"] for row in table} == {"GEVO-2024"}


def test_real_file_values_and_units_survive(real_import, iea_dir):
    _, folder = real_import
    with (iea_dir / RAW_FILE).open(newline="", encoding="utf-8") as handle:
        raw = {tuple(r[c] for c in KEY): r for r in csv.DictReader(handle)}
    units = {}
    for row in read_table(folder / "data" / "iea.csv"):
        published = raw[tuple(row[c] for c in KEY)]
        assert float(row["value"]) == float(published["value"])
        units.setdefault(published["unit"], set()).add(row["unit"])
        assert (row["region_kind"] == "country") == bool(row["region_iso3"])
    assert units == {
        "Vehicles": {"vehicles"},
        "percent": {"percent"},
        "charging points": {"charging_points"},
        "GWh": {"GWh"},
        "Milion barrels per day": {"million_barrels_per_day"},
        "Oil displacement, million lge": {"million_litres_gasoline_equivalent"},
    }


def test_real_file_regions_and_scenarios(real_import):
    _, folder = real_import
    table = read_table(folder / "data" / "iea.csv")
    kinds = {row["region"]: (row["region_kind"], row["region_iso3"]) for row in table}
    assert kinds["China"] == ("country", "CHN")
    assert kinds["Korea"] == ("country", "KOR")
    assert kinds["Turkiye"] == ("country", "TUR")
    assert kinds["World"] == ("aggregate", "")
    assert kinds["Rest of the world"] == ("aggregate", "")
    scenarios = {(row["category"], row["scenario"]) for row in table}
    assert scenarios == {
        ("Historical", "historical"),
        ("Projection-STEPS", "STEPS"),
        ("Projection-APS", "APS"),
    }


def test_real_output_is_sorted_and_reimport_is_identical(real_import, iea_dir):
    report, folder = real_import
    output = folder / "data" / "iea.csv"
    table = read_table(output)
    keys = [tuple(int(r[c]) if c == "year" else r[c] for c in KEY) for r in table]
    assert keys == sorted(keys)
    before = output.read_bytes()
    import_iea(iea_dir / RAW_FILE, folder / "datapackage.json")
    assert output.read_bytes() == before


def test_real_raw_copy_and_provenance(real_import, iea_dir):
    _, folder = real_import
    copy = folder / "raw" / "iea" / RAW_FILE
    assert sha256(copy) == sha256(iea_dir / RAW_FILE)
    notes = (folder / "raw" / "iea" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "IEA (2024), Global EV Outlook 2024, IEA, Paris. Licence: CC BY 4.0" in notes
    assert sha256(iea_dir / RAW_FILE) in notes
    assert "International Energy Agency" in notes


def test_real_output_matches_schema(real_import):
    _, folder = real_import
    result = validate_table(folder / "data" / "iea.csv")
    assert result.valid, result.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


# The schema, on small files


def test_schema_accepts_import_and_rejects_bad_rows(package, tmp_path):
    output = package / "data" / "iea.csv"
    assert validate_table(output).valid
    rows = read_table(output)
    bad = [
        dict(rows[0], unit="tonnes"),
        dict(rows[1], region_kind="city"),
        dict(rows[2], year="1800"),
        dict(rows[3], value="n/a"),
        dict(rows[4], region_iso3="Ch"),
        rows[5],
        rows[5],  # breaks the primary key
    ]
    path = tmp_path / "bad.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(bad)
    result = validate_table(path)
    errors = {tuple(e) for e in result.flatten(["rowNumber", "fieldName", "type"])}
    assert errors == {
        (2, "unit", "constraint-error"),
        (3, "region_kind", "constraint-error"),
        (4, "year", "constraint-error"),
        (5, "value", "type-error"),
        (6, "region_iso3", "constraint-error"),
        (8, None, "primary-key"),
    }


# Vocabulary


@pytest.mark.parametrize(
    "text, unit",
    [
        ("Vehicles", "vehicles"),
        ("vehicle", "vehicles"),
        ("  VEHICLES ", "vehicles"),
        ("percent", "percent"),
        ("Percent", "percent"),
        ("%", "percent"),
        ("charging points", "charging_points"),
        ("Charging point", "charging_points"),
        ("GWh", "GWh"),
        ("Milion barrels per day", "million_barrels_per_day"),
        ("Million barrels per day", "million_barrels_per_day"),
        ("million  barrel per day", "million_barrels_per_day"),
        ("Oil displacement, million lge", "million_litres_gasoline_equivalent"),
        ("million_litres_gasoline_equivalent", "million_litres_gasoline_equivalent"),
        ("tonnes", None),
        ("barrels", None),
    ],
)
def test_unit_spellings(text, unit):
    assert normalise_unit(text) == unit


def test_units_match_schema_enum():
    fields = {f["name"]: f for f in json.loads(SCHEMA.read_text())["fields"]}
    assert set(fields["unit"]["constraints"]["enum"]) == set(UNITS)
    assert [f["name"] for f in json.loads(SCHEMA.read_text())["fields"]] == COLUMNS


@pytest.mark.parametrize(
    "category, scenario",
    [
        ("Historical", "historical"),
        ("Projection-STEPS", "STEPS"),
        ("Projection-APS", "APS"),
        ("Projection-NZE", "NZE"),
        ("Projection - NZE", "NZE"),
        ("Projection", "Projection"),  # no suffix: kept as published
        ("Net Zero Emissions", "Net Zero Emissions"),
    ],
)
def test_scenario_from_category(category, scenario):
    assert scenario_of(category) == scenario


# A later edition


def test_later_edition_imports_without_code_changes(package):
    later = [
        # revised history, and spelling variants of every unit
        ["China", "Historical", "EV sales", "Cars", "BEV", "2023", "vehicles", "5400123"],
        ["China", "Historical", "EV sales share", "Cars", "EV", "2023", "Percent", "38"],
        ["USA", "Historical", "Oil displacement Mbd", "Cars", "EV", "2023",
         "Million barrels per day", "0.16"],
        ["World", "Historical", "Oil displacement, million lge", "Cars", "EV", "2023",
         "Oil displacement, million lge", "43000"],
        # a new year
        ["China", "Historical", "EV sales", "Cars", "BEV", "2024", "Vehicles", "6400000"],
        ["China", "Historical", "EV sales share", "Cars", "EV", "2024", "%", "48"],
        # a region new to the file but in the mapping
        ["Viet Nam", "Historical", "EV sales", "Cars", "BEV", "2024", "Vehicles", "90000"],
        # a new parameter, mode and scenario
        ["World", "Historical", "Battery demand", "Two/three-wheelers", "EV", "2024", "GWh", "50"],
        ["World", "Projection-NZE", "EV stock", "Cars", "EV", "2030", "Vehicles", "3.0E+08"],
    ]  # fmt: skip
    source = write_csv(package / "IEA_Global_EV_Data_2025.csv", later)
    report = import_iea(source, package / "datapackage.json")
    assert report.problems == []
    assert report.rows_read == report.rows_written == len(later)
    table = {tuple(r[c] for c in KEY): r for r in read_table(package / "data" / "iea.csv")}
    assert len(table) == len(later)
    assert {r["edition"] for r in table.values()} == {"GEVO-2025"}
    sales_2023 = table[("China", "Historical", "EV sales", "Cars", "BEV", "2023")]
    assert (sales_2023["value"], sales_2023["unit"]) == ("5400123", "vehicles")
    share = table[("China", "Historical", "EV sales share", "Cars", "EV", "2024")]
    assert share["unit"] == "percent"
    oil = table[("USA", "Historical", "Oil displacement Mbd", "Cars", "EV", "2023")]
    assert oil["unit"] == "million_barrels_per_day"
    vietnam = table[("Viet Nam", "Historical", "EV sales", "Cars", "BEV", "2024")]
    assert (vietnam["region_iso3"], vietnam["region_kind"]) == ("VNM", "country")
    battery = table[("World", "Historical", "Battery demand", "Two/three-wheelers", "EV", "2024")]
    assert battery["unit"] == "GWh"
    nze = table[("World", "Projection-NZE", "EV stock", "Cars", "EV", "2030")]
    assert (nze["scenario"], nze["value"]) == ("NZE", "300000000")
    notes = (package / "raw" / "iea" / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "IEA (2025), Global EV Outlook 2025, IEA, Paris. Licence: CC BY 4.0" in notes
    assert sha256(source) in notes
    assert (package / "raw" / "iea" / "IEA_Global_EV_Data_2024.csv").exists()
    assert sha256(package / "raw" / "iea" / source.name) == sha256(source)
    assert validate_table(package / "data" / "iea.csv").valid


def test_edition_needs_a_year(tmp_path):
    source = write_csv(tmp_path / "iea-download.csv", BASE)
    with pytest.raises(UserError, match="--edition"):
        import_iea(source, tmp_path)
    report = import_iea(source, tmp_path, edition="2026")
    assert report.edition == "GEVO-2026"
    assert {r["edition"] for r in read_table(tmp_path / "data" / "iea.csv")} == {"GEVO-2026"}


# Problems


BAD = [
    BASE[0],  # line 2
    ["China", "Historical", "EV sales", "Vans", "BEV", "2023", "tonnes", "12"],  # line 3
    ["Atlantis", "Historical", "EV sales", "Cars", "BEV", "2023", "Vehicles", "12"],  # line 4
    ["China", "Historical", "EV stock", "Cars", "BEV", "2023", "Vehicles", "n/a"],  # line 5
    ["China", "Historical", "EV stock", "Buses", "BEV", "20x3", "Vehicles", "1"],  # line 6
    BASE[1],  # line 7
]


def test_problems_name_line_and_field_and_nothing_is_written(package):
    output = package / "data" / "iea.csv"
    before = sha256(output)
    source = write_csv(package / "IEA_Global_EV_Data_2025.csv", BAD)
    report = import_iea(source, package)
    # An unknown unit and a region that is no country are kept and noted, not errors.
    assert where(report.problems) == {(5, "value"), (6, "year")}
    assert all(p.resource == source.name for p in report.problems)
    value = next(p for p in report.problems if p.field == "value")
    assert "n/a" in value.message
    assert any("'Atlantis'" in note for note in report.notes)
    assert any("'tonnes'" in note for note in report.notes)
    assert report.rows_read == len(BAD)
    assert report.rows_written == 0 and not report.written
    assert sha256(output) == before
    assert not (package / "raw" / "iea" / source.name).exists()
    assert "nothing written" in report.summary()


def test_duplicates_report_both_lines(tmp_path):
    rows = [BASE[0], BASE[1], [" China ", *BASE[0][1:7], "5400001"]]
    report = import_iea(write_csv(tmp_path / "IEA_2025.csv", rows), tmp_path)
    key = ", ".join(KEY)
    assert where(report.problems) == {(2, key), (4, key)}
    assert "duplicate key: same as line 4" in str(report.problems[0])
    assert str(report.problems[0]).startswith("IEA_2025.csv, row 2, field region, category,")
    assert not (tmp_path / "data" / "iea.csv").exists()


def test_short_row_and_empty_field_are_problems(tmp_path):
    rows = [BASE[0], ["China", "Historical", "EV sales"], ["", *BASE[1][1:]]]
    report = import_iea(write_csv(tmp_path / "IEA_2025.csv", rows), tmp_path)
    assert where(report.problems) == {(3, None), (4, "region")}
    assert report.rows_read == 3
    assert not (tmp_path / "data" / "iea.csv").exists()


# User errors


def test_missing_column_names_file_and_column(tmp_path):
    header = [c for c in HEADER if c != "unit"]
    rows = [[v for c, v in zip(HEADER, row, strict=True) if c != "unit"] for row in BASE]
    source = write_csv(tmp_path / "IEA_2025.csv", rows, header)
    with pytest.raises(UserError) as caught:
        import_iea(source, tmp_path)
    assert "unit" in str(caught.value) and "IEA_2025.csv" in str(caught.value)
    assert [str(p) for p in caught.value.problems] == [
        "IEA_2025.csv, row 1, field unit: missing column 'unit'"
    ]
    assert not (tmp_path / "data" / "iea.csv").exists()


def test_renamed_column_is_an_error_naming_both(tmp_path):
    header = ["country" if c == "region" else c for c in HEADER]
    source = write_csv(tmp_path / "IEA_2025.csv", BASE, header)
    with pytest.raises(UserError) as caught:
        import_iea(source, tmp_path)
    [problem] = caught.value.problems
    assert (problem.resource, problem.row, problem.field) == ("IEA_2025.csv", 1, "region")
    assert "country" in problem.message and "renamed" in problem.message
    assert not (tmp_path / "data").exists()


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="IEA_2025.csv"):
        import_iea(tmp_path / "IEA_2025.csv", tmp_path)


def test_header_matched_loosely_and_extra_columns_mentioned(tmp_path):
    header = [" Region", "CATEGORY", "Parameter ", "mode", "powertrain", "Year", "unit", "Value"]
    rows = [[*row, "ok"] for row in BASE]
    source = write_csv(tmp_path / "IEA_2025.csv", rows, [*header, "Note"])
    report = import_iea(source, tmp_path)
    assert report.problems == [] and report.rows_written == len(BASE)
    assert report.extra_columns == ["Note"]
    assert "Note" in report.summary()


# The command line (in-process: cli.main returns the exit code)


def chinaev(capsys, *args: str):
    from chinaev import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_problems_and_exits_1(tmp_path, capsys):
    source = write_csv(tmp_path / "IEA_Global_EV_Data_2025.csv", BAD)
    code, out, err = chinaev(
        capsys, "import-iea", str(source), "--datapackage", str(tmp_path / "datapackage.json")
    )
    assert code == 1
    assert "Traceback" not in err
    assert "IEA_Global_EV_Data_2025.csv, row 5, field value: not a number: 'n/a'" in err
    assert "note: " in err and "'tonnes'" in err
    assert "nothing written" in out
    assert not (tmp_path / "data" / "iea.csv").exists()


def test_cli_user_error_has_no_traceback(tmp_path, capsys):
    code, out, err = chinaev(
        capsys, "import-iea", str(tmp_path / "missing_2025.csv"), "--datapackage", str(tmp_path)
    )
    assert code == 1
    assert "Traceback" not in err
    assert "error:" in err and "missing_2025.csv" in err


def test_cli_success_exits_0(tmp_path, capsys):
    source = write_csv(tmp_path / "IEA_Global_EV_Data_2024.csv", BASE)
    code, out, err = chinaev(
        capsys, "import-iea", str(source), "--datapackage", str(tmp_path / "datapackage.json")
    )
    assert code == 0, err
    assert f"{len(BASE)} written" in out
    assert "no previous IEA table" in out
