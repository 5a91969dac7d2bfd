"""The loading recipes of datapackage/README.md ("Load it"), run as a re-user would.

The released zip is made as the book's build makes it (the package folder plus its typed
tables, downloads._zip_package) and unzipped into a fresh folder that holds nothing
else; the recipes run from another empty folder, with `/path/to/datapackage` replaced by
the unzipped folder. The Python recipes run in order in one process (as a reader would
paste them); each SQL recipe runs against the unzipped database. Both ways must give
the same answers to the three questions the README asks: every figure about Leapmotor
with its source, China's share against each target, the fact-check's IEA values.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from helpers import DATAPACKAGE, ROOT

from chinaev.data.export import FLAT_COLUMNS, export
from chinaev.pipeline.downloads import _zip_package

README = ROOT / "datapackage" / "README.md"
PLACEHOLDER = "/path/to/datapackage"


def section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def blocks(language: str) -> list[str]:
    text = section(README.read_text(encoding="utf-8"), "Load it")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """The unzipped release, alone in a fresh folder: its datapackage/ folder."""
    work = tmp_path_factory.mktemp("release")
    typed = export(DATAPACKAGE, work / "typed")
    archive = work / "chinaev-datapackage.zip"
    _zip_package(DATAPACKAGE, archive, typed)
    fresh = tmp_path_factory.mktemp("fresh")
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(fresh)
    assert sorted(p.name for p in fresh.iterdir()) == ["datapackage"]
    return fresh / "datapackage"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("elsewhere")


@pytest.fixture(scope="module")
def python_answers(released, elsewhere) -> dict:
    script = "\n".join(block.replace(PLACEHOLDER, str(released)) for block in blocks("python"))
    script += """
import json as _json
_answers = {
    "leapmotor": sorted(leapmotor["figure_id"]),
    "leapmotor_sourced": bool(leapmotor["source_title"].notna().all()
                              and leapmotor["quote"].notna().all()),
    "targets": sorted(targets["figure_id"]),
    "iea_share": float(targets["iea_share"].iloc[0]),
    "verdicts": {row.comparison_id: row.verdict for row in verdicts.itertuples()},
    "iea_values": int(verdicts["iea_value"].notna().sum()),
    "tables": sorted(tables),
    "dtypes": {
        "figures.value": str(tables["figures"]["value"].dtype),
        "figures.period_start": str(tables["figures"]["period_start"].dtype),
        "figures.relation_missing": int(tables["figures"]["relation"].isna().sum()),
        "sources.date_inferred": str(tables["sources"]["date_inferred"].dtype),
        "events.value": str(tables["events"]["value"].dtype),
    },
    "frictionless_rows": len(figures),
}
print(_json.dumps(_answers))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=elsewhere, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def sql(released: Path, elsewhere: Path, text: str):
    import os

    here = os.getcwd()
    os.chdir(elsewhere)
    try:
        con = duckdb.connect(str(released / "typed" / "chinaev.duckdb"), read_only=True)
        try:
            return con.sql(text.replace(PLACEHOLDER, str(released))).fetchall()
        finally:
            con.close()
    finally:
        os.chdir(here)


def test_the_readme_has_the_recipes():
    assert len(blocks("python")) >= 5 and len(blocks("sql")) >= 5
    assert blocks("r"), "an R recipe, untested, is part of the README"
    text = section(README.read_text(encoding="utf-8"), "Load it")
    assert "R is not installed where the tests run" in text
    for name, _, _ in FLAT_COLUMNS:  # figures_flat is documented column by column
        assert f"`{name}`" in text, name
    assert 'iea["mode"]' in text and "iea.mode ==" in text  # the trap, named


def test_python_recipes_answer_the_three_questions(python_answers):
    answers = python_answers
    assert "leapmotor_sales_2024" in answers["leapmotor"] and answers["leapmotor_sourced"]
    assert {"china_nev_share_target_2025", "china_nev_share_target_2030"} <= set(answers["targets"])
    assert 0 < answers["iea_share"] <= 100
    comparisons = read_ids(DATAPACKAGE / "data" / "comparisons.csv")
    assert set(answers["verdicts"]) == comparisons
    assert all(answers["verdicts"].values()) and answers["iea_values"] > 0


def test_the_csv_recipe_types_every_resource_and_leaves_empty_cells_missing(python_answers):
    descriptor = json.loads((DATAPACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    assert python_answers["tables"] == sorted(r["name"] for r in descriptor["resources"])
    dtypes = python_answers["dtypes"]
    assert dtypes["figures.value"] == "float64" and dtypes["events.value"] == "float64"
    assert dtypes["figures.period_start"].startswith("datetime64")
    assert dtypes["sources.date_inferred"] == "boolean"
    assert dtypes["figures.relation_missing"] > 0  # "" read as missing, not as text
    assert python_answers["frictionless_rows"] == len(
        read_ids(DATAPACKAGE / "data" / "figures.csv")
    )


def test_sql_recipes_run_and_agree_with_pandas(released, elsewhere, python_answers):
    leapmotor, targets, verdicts, parquet, csv_types = blocks("sql")[:5]
    assert (
        sorted(row[0] for row in sql(released, elsewhere, leapmotor)) == python_answers["leapmotor"]
    )
    assert sorted(row[0] for row in sql(released, elsewhere, targets)) == python_answers["targets"]
    found = {row[0]: row[5] for row in sql(released, elsewhere, verdicts)}
    assert found == python_answers["verdicts"]
    assert sql(released, elsewhere, parquet)  # the Parquet metadata, read by path
    assert sql(released, elsewhere, csv_types)
    con = duckdb.connect()
    described = con.sql(
        csv_types.replace(PLACEHOLDER, str(released)).split(";")[0] + " LIMIT 0"
    ).types
    assert [str(t) for t in described] == ["VARCHAR", "DATE", "DATE"]


def read_ids(path: Path) -> set[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return {row[next(iter(row))] for row in csv.DictReader(handle)}
