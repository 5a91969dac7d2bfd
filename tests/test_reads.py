"""The record of reads: what a page reads through the package is noted row by row, and
resolves against the CSV text to exactly what changes what the page shows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import synthetic
from helpers import ROOT, copy_package, edit_row, read_csv

from chinaev.data import reads
from chinaev.data.package import load
from chinaev.data.problems import UnsafePath


def _opened(package):
    pkg = load(package / "datapackage.json")
    pkg.reads = reads.Reads()
    return pkg


def _resolved(pkg, package) -> dict:
    return reads.resolve(pkg.reads.as_dict(), package / "datapackage.json")


def test_a_selection_resolves_to_the_rows_it_returned_and_follows_edits(tmp_path):
    package = copy_package(tmp_path)
    event = read_csv(package / "data" / "events.csv")[0]
    pkg = _opened(package)
    chosen = pkg.select("events", event_id=event["event_id"])
    assert list(chosen["event_id"]) == [event["event_id"]]
    (key,) = [k for k in _resolved(pkg, package) if k.startswith("rows:")]
    before = _resolved(pkg, package)
    assert before[key] == [event]
    # Another event's edit leaves the selection alone; its own row's edit does not.
    other = read_csv(package / "data" / "events.csv")[1]["event_id"]
    edit_row(package, "events", "event_id", other, description="edited elsewhere")
    assert _resolved(pkg, package)[key] == before[key]
    edit_row(package, "events", "event_id", event["event_id"], description="edited")
    assert _resolved(pkg, package)[key] != before[key]


def test_a_summary_of_every_row_depends_on_its_columns_not_on_the_values(tmp_path):
    package = copy_package(tmp_path)
    pkg = _opened(package)
    kinds = pkg.select("figures", ["figure_id", "basis_flow"])
    assert list(kinds.columns) == ["figure_id", "basis_flow"]
    assert pkg.count("derived") == len(read_csv(package / "data" / "derived.csv"))
    assert not pkg.reads.tables  # no table read whole
    before = _resolved(pkg, package)
    figure = read_csv(package / "data" / "figures.csv")[0]
    synthetic.edit_figure(package, figure["figure_id"], float(figure["value"]) * 1.0005)
    assert _resolved(pkg, package) == before  # a value the page does not show
    edit_row(package, "figures", "figure_id", figure["figure_id"], basis_flow="exports")
    after = _resolved(pkg, package)
    changed = [key for key in before if before[key] != after[key]]
    assert len(changed) == 1 and '"columns": ["figure_id", "basis_flow"]' in changed[0]


def test_the_bounds_test_is_recorded_instead_of_the_values_it_reads(tmp_path):
    package = copy_package(tmp_path)
    pkg = _opened(package)
    test = "bounds_follow_qualifier"
    shown = pkg.select("figures", ["qualifier"], test=test)
    assert shown[test].all()
    (key,) = [k for k in _resolved(pkg, package) if k.startswith("rows:")]
    before = _resolved(pkg, package)[key]
    figure = read_csv(package / "data" / "figures.csv")[0]
    synthetic.edit_figure(package, figure["figure_id"], float(figure["value"]) * 1.0005)
    assert _resolved(pkg, package)[key] == before  # value and bounds moved together
    edit_row(package, "figures", "figure_id", figure["figure_id"], lower="", upper="")
    assert _resolved(pkg, package)[key] != before  # every qualifier bounds one side


def test_whole_table_reads_are_recorded_whichever_way_they_are_made(tmp_path):
    pkg = _opened(copy_package(tmp_path))
    assert pkg.names and not pkg.reads.tables  # the names alone read no table
    read = [pkg.tables["sources"], pkg.events]
    assert all(len(frame) for frame in read)
    assert pkg.reads.tables == {"sources", "events"}


def test_select_matches_text_columns_only(tmp_path):
    pkg = _opened(copy_package(tmp_path))
    with pytest.raises(TypeError, match="text columns"):
        pkg.select("figures", value="1")
    with pytest.raises(KeyError, match="no column"):
        pkg.select("figures", ["no_such_column"])


def test_complete_is_the_package_without_its_date_and_shares_the_record(tmp_path):
    package = copy_package(tmp_path)
    early = load(package / "datapackage.json", as_of="2022-01-01")
    early.reads = reads.Reads()
    complete = early.complete()
    assert len(complete.select("figures", ["figure_id"])) > len(early.figures)
    assert complete.reads is early.reads and complete.as_of is None
    plain = load(package / "datapackage.json")
    assert plain.complete() is plain


def test_a_second_load_in_a_chapter_run_is_an_error(tmp_path):
    package = copy_package(tmp_path) / "datapackage.json"
    code = (
        "from chinaev.data.package import load\n"
        "from chinaev.data.problems import UserError\n"
        f"load({str(package)!r})\n"
        "try:\n"
        f"    load({str(package)!r})\n"
        "except UserError as error:\n"
        "    print(error)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "scripts"))
    env[reads.READS_ENV] = str(tmp_path / "reads.json")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "loaded a second time" in done.stdout
    # Outside a chapter run (tests, scripts, the build) loading twice is fine.
    load(package), load(package)


def test_other_files_of_the_package_are_recorded_by_content(tmp_path):
    package = copy_package(tmp_path)
    raw = package / "raw" / "iea"
    raw.mkdir(parents=True)
    (raw / "edition.csv").write_text("unit\nVehicles\n", encoding="utf-8")
    pkg = _opened(package)
    assert pkg.files("raw/iea/*.csv") == [raw / "edition.csv"]
    before = _resolved(pkg, package)
    (raw / "edition.csv").write_text("unit\npercent\n", encoding="utf-8")
    assert _resolved(pkg, package) != before
    with pytest.raises(UnsafePath):
        pkg.files("../*.csv")
