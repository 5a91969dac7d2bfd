"""`chinaev validate` on bad input: one line per problem naming resource, row and field,
exit code 1, and never a traceback.

The CLI is called in-process (`cli.main` returns the exit code, stdout and stderr are
captured); one test runs the installed `chinaev` script as a subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from unittest import mock

import pytest
from helpers import copy_package, edit_row, read_csv, run_cli, seeds_dir, write_csv

from chinaev import cli

FIG = "china_vehicle_exports_2025_05"  # "China exported 551,000 vehicles in May alone"


def validate(package, *extra, env=None):
    """`chinaev validate PACKAGE ...` in this process: exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env or {}),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = cli.main(["validate", str(package / "datapackage.json"), *extra])
    result = subprocess.CompletedProcess(
        ["chinaev", "validate"], code, out.getvalue(), err.getvalue()
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def assert_reports(result, resource, line, field, words=""):
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [
        x
        for x in result.stderr.splitlines()
        if x.startswith(f"{resource}, row {line}, field {field}:")
    ]
    assert lines, f"no problem for {resource} row {line} field {field} in:\n{result.stderr}"
    assert any(words in x for x in lines), f"{words!r} not in {lines}"


@pytest.fixture
def package(tmp_path):
    seeds_dir()
    return copy_package(tmp_path)


def test_the_real_package_is_valid():
    seeds_dir()
    result = run_cli("validate")  # the installed script, in its own process
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")


@pytest.mark.parametrize("engine", ["fast", "frictionless"])
def test_both_engines_report_the_same_problems(package, engine):
    line = edit_row(package, "figures", "figure_id", FIG, value="five hundred")
    assert_reports(validate(package, "--engine", engine), "figures", line, "value", "type-error")


def test_wrong_type(package):
    line = edit_row(package, "figures", "figure_id", FIG, value="five hundred")
    assert_reports(validate(package), "figures", line, "value", "type-error")


def test_unknown_unit(package):
    line = edit_row(package, "figures", "figure_id", FIG, unit="furlongs")
    assert_reports(validate(package), "figures", line, "unit", "enum")


def test_broken_foreign_key(package):
    line = edit_row(package, "figures", "figure_id", FIG, entity_id="no-such-entity")
    assert_reports(validate(package), "figures", line, "entity_id", "foreign-key")


def test_duplicate_id(package):
    path = package / "data" / "figures.csv"
    rows = read_csv(path)
    rows.append(dict(rows[0]))
    write_csv(path, rows)
    assert_reports(validate(package), "figures", len(rows) + 1, "figure_id", "unique")


def test_quote_not_in_source(package):
    line = edit_row(
        package,
        "figures",
        "figure_id",
        FIG,
        quote="China exported 551,000 vehicles in May, a record",
    )
    assert_reports(validate(package), "figures", line, "quote", "not found verbatim")


def test_value_not_in_quote(package):
    line = edit_row(package, "figures", "figure_id", FIG, as_written="561,000", value="561000")
    assert_reports(validate(package), "figures", line, "as_written", "does not appear in the quote")


def test_value_differs_from_what_is_written(package):
    line = edit_row(
        package, "figures", "figure_id", FIG, value="515000", lower="515000", upper="515000"
    )
    assert_reports(validate(package), "figures", line, "value", "differs")


def test_period_ends_before_it_starts(package):
    line = edit_row(
        package, "figures", "figure_id", FIG, period_start="2025-05-01", period_end="2025-04-30"
    )
    assert_reports(validate(package), "figures", line, "period_end", "before it starts")


def test_percentage_out_of_range(package):
    line = edit_row(
        package,
        "figures",
        "figure_id",
        "china_ev_share_of_sales_2024",
        value="140",
        lower="140",
        upper="140",
        as_written="140 percent",
    )
    assert_reports(validate(package), "figures", line, "value", "outside 0 to 100")


def test_missing_source_reference(package):
    line = edit_row(package, "figures", "figure_id", FIG, source_id="seed-999")
    assert_reports(validate(package), "figures", line, "source_id", "foreign-key")


def test_missing_source_file(package, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir(), seeds)
    (seeds / "002_7f74400d9fb2f1c6.txt").unlink()
    line = [r["source_id"] for r in read_csv(package / "data" / "sources.csv")].index(
        "seed-002"
    ) + 2
    assert_reports(validate(package, "--seeds", str(seeds)), "sources", line, "file", "not found")


def test_malformed_date(package):
    line = edit_row(package, "figures", "figure_id", FIG, period_start="2025-13-45")
    assert_reports(validate(package), "figures", line, "period_start", "type-error")


def test_locator_beyond_the_text(package):
    line = edit_row(package, "figures", "figure_id", FIG, locator="p99")
    assert_reports(validate(package), "figures", line, "locator", "not a paragraph")


def test_bounds_disagree_with_qualifier(package):
    line = edit_row(package, "figures", "figure_id", "china_ev_sales_2024", upper="14000000")
    assert_reports(validate(package), "figures", line, "upper", "qualifier nearly")


def test_growth_rate_without_its_level(package):
    line = edit_row(
        package,
        "figures",
        "figure_id",
        "china_vehicle_exports_2025_05_growth_yoy",
        relation="",
        related_figure_id="",
    )
    assert_reports(validate(package), "figures", line, "relation", "growth")


def test_unclassified_number_in_the_audit(package):
    path = package / "data" / "audit.csv"
    rows = [
        r for r in read_csv(path) if not (r["source_id"] == "seed-002" and r["token"] == "421,000")
    ]
    write_csv(path, rows)
    result = validate(package)
    assert result.returncode == 1
    assert (
        "audit, field token: seed-002 p2: number '421,000' (occurrence 1) is not classified"
        in result.stderr
    )


def test_stale_derived_value(package):
    line = edit_row(
        package, "derived", "derived_id", "china_nev_share_of_exports_2025_05", value="50"
    )
    assert_reports(validate(package), "derived", line, "value", "stale")


def test_alias_not_in_its_source(package):
    line = edit_row(package, "aliases", "alias", "Neo Ink", alias="Neo Incorporated")
    assert_reports(validate(package), "aliases", line, "alias", "does not occur")


def test_broken_descriptor_is_a_clear_error(package):
    (package / "datapackage.json").write_text("{ not json", encoding="utf-8")
    result = validate(package)
    assert result.returncode == 1
    assert "datapackage.json" in result.stderr and "not valid JSON" in result.stderr


def test_missing_csv_is_a_clear_error(package):
    (package / "data" / "events.csv").unlink()
    result = validate(package)
    assert result.returncode == 1
    assert "events" in result.stderr


def test_missing_seeds_is_a_note_locally_and_a_failure_in_ci(package, tmp_path):
    missing = str(tmp_path / "nowhere")
    local = validate(package, "--seeds", missing, env={"CI": "false"})
    assert local.returncode == 0 and "skipped" in local.stderr
    ci = validate(package, "--seeds", missing, env={"CI": "true"})
    assert ci.returncode == 1 and "source texts not found" in ci.stderr
