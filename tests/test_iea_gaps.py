"""Before anything runs, an import says which chapters read IEA slices the new edition
lacks (from each chapter's record of reads), and keeps the previous edition's values of
the keys the book reads where the new edition revises them (iea_revisions)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import DATAPACKAGE, read_csv
from test_iea_layout import real_2025  # noqa: F401 (a fixture: the real 2025 import)

from chinaev import cli
from chinaev.data.iea_gaps import describe, missing_slices

APS = {
    "category": "Projection-APS",
    "mode": "Cars",
    "parameter": "EV sales share",
    "powertrains": ["EV"],
    "region": "China",
}
ROW = {"region": "China", "category": "Historical", "parameter": "EV sales share",
       "mode": "Cars", "powertrain": "EV", "year": 2024, "value": "48"}  # fmt: skip


def book_with(tmp_path: Path, **chapters: list[dict]) -> Path:
    """A book folder whose executed chapters recorded these IEA selections."""
    for name, selections in chapters.items():
        notebook = {"cells": [], "metadata": {"chinaev": {"reads": {"iea": selections}}}}
        (tmp_path / f"{name}.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return tmp_path


def test_a_slice_the_new_edition_lacks_is_named_with_its_chapter(tmp_path):
    historical = {**APS, "category": "Historical"}
    book = book_with(tmp_path, policy=[historical, APS], production=[historical])
    old = [ROW, {**ROW, "category": "Projection-APS", "year": 2030}]
    assert missing_slices(book, [ROW], old) == [
        "policy reads IEA slice region=China category=Projection-APS parameter=EV sales "
        "share mode=Cars powertrains=EV, which this edition no longer has: check that the "
        "chapter's sentences say so"
    ]
    # A slice the previous edition lacked too is one the edition "does not have".
    assert "does not have" in missing_slices(book, [ROW], [ROW])[0]
    # Powertrains narrow the slice: an EV share row is no BEV row.
    bev = {**historical, "powertrains": ["BEV"]}
    assert describe(bev).endswith("powertrains=BEV")
    assert len(missing_slices(book_with(tmp_path, exports=[bev]), [ROW], [])) == 2


def test_the_real_import_warns_of_the_policy_chapters_aps_slice(real_2025):  # noqa: F811
    report, _ = real_2025
    warned = [w for w in report.warnings if "category=Projection-APS" in w]
    assert warned and all(w.startswith("policy reads IEA slice") for w in warned)
    assert all("which this edition no longer has" in w for w in warned)


def test_the_real_import_keeps_the_revised_values_the_book_reads(real_2025):  # noqa: F811
    _, package = real_2025
    rows = read_csv(package / "data" / "iea_revisions.csv")
    key = ("China", "Historical", "EV sales share", "Cars", "EV", "2021")
    columns = ("region", "category", "parameter", "mode", "powertrain", "year")
    [china_2021] = [r for r in rows if tuple(r[c] for c in columns) == key]
    assert (china_2021["edition_from"], china_2021["value_from"]) == ("iea-gevo-2024", "16")
    assert (china_2021["edition_to"], china_2021["value_to"]) == ("iea-gevo-2025", "15")
    # Float noise of the 2024 download (4.699999809 against 4.7) is no revision.
    assert all(abs(float(r["value_to"]) / float(r["value_from"]) - 1) > 1e-6 for r in rows)
    # The package ships the same table.
    assert read_csv(DATAPACKAGE / "data" / "iea_revisions.csv") == rows


def test_importing_the_same_edition_again_keeps_the_revisions(real_2025, capsys):  # noqa: F811
    _, package = real_2025
    before = (package / "data" / "iea_revisions.csv").read_bytes()
    source = package / "raw" / "iea" / "EVDataExplorer2025.csv"
    assert cli.main(["import-iea", str(source), "--datapackage", str(package)]) == 0
    err = capsys.readouterr().err
    assert "warning: policy reads IEA slice region=China category=Projection-APS" in err
    assert (package / "data" / "iea_revisions.csv").read_bytes() == before
