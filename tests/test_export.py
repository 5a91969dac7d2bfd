"""The typed tables (chinaev.data.export): what the release zip and the book's site carry
beside the CSV files, and `chinaev export`."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import duckdb
import pytest
from helpers import DATAPACKAGE, copy_package

from chinaev import cli
from chinaev.data.export import DATABASE, FLAT, FLAT_COLUMNS, export
from chinaev.data.problems import UserError
from chinaev.pipeline.downloads import ZIP_TIME, _zip_package


def resources() -> list[dict]:
    return json.loads((DATAPACKAGE / "datapackage.json").read_text(encoding="utf-8"))["resources"]


def schema(resource: dict) -> dict:
    return json.loads((DATAPACKAGE / resource["schema"]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("typed")
    written = export(DATAPACKAGE, out)
    names = sorted(p.name for p in written)
    assert names == sorted(
        [DATABASE, f"{FLAT}.parquet"] + [f"{r['name']}.parquet" for r in resources()]
    )
    return out


def test_every_table_is_typed_keyed_and_described(exported):
    con = duckdb.connect(str(exported / DATABASE), read_only=True)
    types = {
        (table, column): (kind, comment)
        for table, column, kind, comment in con.sql(
            "SELECT table_name, column_name, data_type, comment FROM duckdb_columns()"
        ).fetchall()
    }
    keys = {
        table: columns
        for table, columns in con.sql(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
            "WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    sql = {"string": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "date": "DATE"}
    for resource in resources():
        table = schema(resource)
        key = table.get("primaryKey")
        assert keys[resource["name"]] == ([key] if isinstance(key, str) else key)
        with (DATAPACKAGE / resource["path"]).open(encoding="utf-8", newline="") as handle:
            count = sum(1 for _ in csv.DictReader(handle))
        assert con.table(resource["name"]).shape[0] == count, resource["name"]
        for spec in table["fields"]:
            kind, comment = types[(resource["name"], spec["name"])]
            assert kind == sql.get(spec.get("type"), kind), (resource["name"], spec["name"])
            assert comment == spec.get("description"), (resource["name"], spec["name"])
    # The traps of DuckDB's own detection on the CSV files do not arise here.
    assert types[("sources", "accessed")][0] == "DATE"
    assert types[("events", "value")][0] == "DOUBLE"
    assert con.sql("SELECT count(*) FROM figures WHERE relation = ''").fetchall() == [(0,)]
    flat = con.table(FLAT)
    assert flat.columns[-len(FLAT_COLUMNS) :] == [name for name, _, _ in FLAT_COLUMNS]
    assert flat.shape[0] == con.table("figures").shape[0]
    assert con.sql(f"SELECT count(*) FROM {FLAT} WHERE source_title IS NULL").fetchall() == [(0,)]
    described = con.sql(
        f"SELECT count(*) FROM duckdb_columns() WHERE table_name = '{FLAT}' AND comment IS NULL"
    ).fetchall()
    assert described == [(0,)]


def test_parquet_files_carry_the_schema_and_are_reproducible(exported, tmp_path):
    con = duckdb.connect()
    for resource in resources():
        path = exported / f"{resource['name']}.parquet"
        meta = dict(con.sql(f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall())
        table = json.loads(meta[b"table_schema"])
        assert table["fields"] == schema(resource)["fields"]
        assert json.loads(meta[b"licenses"]) == resource["licenses"]
        assert (
            meta[b"version"].decode()
            == json.loads((DATAPACKAGE / "datapackage.json").read_text(encoding="utf-8"))["version"]
        )
    again = export(DATAPACKAGE, tmp_path / "again")
    for path in again:
        if path.suffix == ".parquet":
            assert path.read_bytes() == (exported / path.name).read_bytes(), path.name


def test_the_zip_holds_the_package_and_its_typed_tables_in_a_fixed_order(exported, tmp_path):
    typed = sorted(exported.iterdir())
    _zip_package(DATAPACKAGE, tmp_path / "a.zip", typed)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {ZIP_TIME}
    assert "datapackage/datapackage.json" in names
    assert f"datapackage/typed/{DATABASE}" in names and "datapackage/typed/figures.parquet" in names


def test_a_cell_that_does_not_convert_is_named_and_nothing_is_written(tmp_path):
    package = copy_package(tmp_path)
    path = package / "data" / "events.csv"
    rows = path.read_text(encoding="utf-8").split("\n")
    header = rows[0].split(",")
    at = next(i for i, row in enumerate(rows[1:], start=1) if row)
    reader = next(csv.reader([rows[at]]))
    reader[header.index("date")] = "2025-02-30"
    import io

    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(reader)
    rows[at] = line.getvalue()
    path.write_text("\n".join(rows), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(UserError) as error:
        export(package, out)
    problem = error.value.problems[0]
    assert (problem.file, problem.row, problem.field) == ("data/events.csv", at + 1, "date")
    assert not out.exists()


def test_chinaev_export_writes_the_files(tmp_path, capsys):
    assert (
        cli.main(["export", "--out", str(tmp_path / "t"), "--datapackage", str(DATAPACKAGE)]) == 0
    )
    assert (tmp_path / "t" / DATABASE).is_file()
    assert f"{FLAT}.parquet" in capsys.readouterr().out
    (tmp_path / "file").write_text("x")
    assert cli.main(["export", "--out", str(tmp_path / "file")]) == 1
