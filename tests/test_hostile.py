"""Hostile input: every kind of bad input the pipeline can be given is refused.

Each case plants one fault in a fresh copy of a small project (a trimmed copy of the
data package, a one-chapter book, a built-book folder), runs one `chinaev` command
in-process, and requires:

- a non-zero exit and no traceback (no exception escapes `chinaev.cli.main`);
- a message naming the file, and the row and field where the input has them
  (`data/figures.csv, row 12, field value: ...`);
- nothing written: every file of the project is byte-identical afterwards.

Data faults go through `chinaev run`, which must refuse to execute a chapter on a
package that does not validate (a chapter that happened to run would overwrite its
good notebook with wrong numbers); faults that only the source texts reveal go
through `chinaev validate`, IEA files through `chinaev import-iea`.

`CHINAEV_RELIABILITY_REPORT=docs/reliability.md pytest tests/test_hostile.py`
rewrites the report from the results of the run; a test checks it lists every case.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import DATAPACKAGE, ROOT, edit_row, read_csv, seeds_dir, write_csv

from chinaev import cli

FIXTURE_CHAPTER = ROOT / "tests" / "fixtures" / "chapters" / "figure.ipynb"
REPORT = ROOT / "docs" / "reliability.md"
REPORT_ENV = "CHINAEV_RELIABILITY_REPORT"
FIG = "china_vehicle_exports_2025_05"  # "China exported 551,000 vehicles in May alone"
SECRET = "SECRET-d41d8cd98f00b204"  # content of a file outside the package
# The IEA rows the derived figures and the chapters read; the other 12,500 rows only
# make frictionless slower, and no case here needs them.
IEA_KEPT = {"regions": {"China", "USA"}, "parameters": {"EV sales", "EV sales share"}}


# -- the project every case starts from -----------------------------------------------


@dataclass
class Project:
    root: Path

    @property
    def package(self) -> Path:
        return self.root / "datapackage"

    @property
    def descriptor(self) -> Path:
        return self.package / "datapackage.json"

    @property
    def book(self) -> Path:
        return self.root / "book"

    def data(self, resource: str) -> Path:
        return self.package / "data" / f"{resource}.csv"

    def run(self, *extra: str) -> list[str]:
        return [
            "run",
            "figure",
            "--datapackage",
            str(self.descriptor),
            "--book-dir",
            str(self.book),
            *extra,
        ]

    def validate(self) -> list[str]:
        return ["validate", str(self.descriptor)]

    def line_of(self, resource: str, key_field: str, key: str) -> int:
        keys = [row[key_field] for row in read_csv(self.data(resource))]
        return keys.index(key) + 2

    def set_descriptor(self, change: Callable[[dict], object]) -> None:
        descriptor = json.loads(self.descriptor.read_text(encoding="utf-8"))
        change(descriptor)
        self.descriptor.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")

    def outside_file(self) -> Path:
        """A file beside the project, which no command may read or print."""
        secret = self.root.parent / "outside" / "secret.csv"
        secret.parent.mkdir(exist_ok=True)
        secret.write_text(f"{SECRET}\n{SECRET}\n", encoding="utf-8")
        return secret


def make_template(folder: Path) -> Project:
    project = Project(folder)
    shutil.copytree(DATAPACKAGE, project.package, ignore=shutil.ignore_patterns("raw"))
    rows = read_csv(project.data("iea"))
    # A small IEA table: the China and US sales series, and every series that a derived
    # figure or a comparison points into (so the clean project stays valid).
    kept = {
        (region, "Historical", parameter)
        for region in IEA_KEPT["regions"]
        for parameter in IEA_KEPT["parameters"]
    }
    for link in read_csv(project.data("derived_inputs")):
        if link["input_kind"] == "iea":
            kept.add((link["region"], link["category"], link["parameter"]))
    for row in read_csv(project.data("comparisons")):
        for region in (row["region"], row["denominator_region"]):
            if region:
                kept.add((region, row["category"], row["parameter"]))
    write_csv(
        project.data("iea"),
        [row for row in rows if (row["region"], row["category"], row["parameter"]) in kept],
    )
    # The trimmed IEA table is a change since the package's release: say so, as an editor
    # must (chinaev validate checks the data against release.json and CHANGELOG.md).
    rewrite(
        project.package / "CHANGELOG.md",
        lambda t: t.replace("## Unreleased\n", "## Unreleased\n\n- Test copy: iea trimmed.\n", 1),
    )
    project.book.mkdir()
    shutil.copy2(FIXTURE_CHAPTER, project.book / "figure.ipynb")
    (project.root / "_build" / "html").mkdir(parents=True)
    (project.root / "_build" / "html" / "index.html").write_text("<p>the last good build</p>")
    return project


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Project:
    seeds_dir()
    project = make_template(tmp_path_factory.mktemp("hostile") / "template")
    code, out, err = call(project.validate())
    assert code == 0, f"the clean small project must be valid:\n{err}"
    return project


@pytest.fixture
def project(template, tmp_path) -> Project:
    copy = Project(tmp_path / "project")
    shutil.copytree(template.root, copy.root, symlinks=True)
    return copy


def call(argv: list[str]) -> tuple[int, str, str]:
    """`chinaev ARGV` in this process: (exit code, stdout, stderr); a traceback fails."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exit:  # argparse's own usage errors
            code = exit.code if isinstance(exit.code, int) else 2
        except BaseException:
            pytest.fail(f"chinaev {' '.join(argv)} raised:\n{traceback.format_exc()}")
    return code, out.getvalue(), err.getvalue()


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


# -- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    argv: list[str]
    file: str  # named at the start of a problem line, or anywhere in a one-line error
    row: int | None = None
    field: str | None = None
    words: str = ""  # in the same line


@dataclass(frozen=True)
class Case:
    id: str
    group: str
    planted: str  # what is wrong, for the report
    setup: Callable[[Project], Expect]


CASES: list[Case] = []


def case(group: str, planted: str):
    def register(setup: Callable[[Project], Expect]) -> Callable[[Project], Expect]:
        CASES.append(Case(setup.__name__, group, planted, setup))
        return setup

    return register


def rewrite(path: Path, change: Callable[[str], str]) -> None:
    path.write_bytes(change(path.read_bytes().decode("utf-8")).encode("utf-8"))


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def set_lines(path: Path, new: list[str]) -> None:
    path.write_text("\n".join(new), encoding="utf-8")


# Corrupted CSV files. Byte-order marks and CRLF line endings are rejected, not
# normalised: every copy of the package must read the same in every tool, and the
# data is only ever edited as UTF-8 text with LF line endings (datapackage/README.md).

CSV = "corrupted CSV file"


@case(CSV, "figures.csv separated by semicolons")
def semicolon_delimiter(p):
    rewrite(p.data("figures"), lambda t: "\n".join(";".join(r) for r in csv.reader(t.splitlines())))
    return Expect(p.run(), "data/figures.csv", 1, None, "semicolon")


@case(CSV, "sources.csv saved with a UTF-8 byte-order mark")
def byte_order_mark(p):
    p.data("sources").write_bytes(b"\xef\xbb\xbf" + p.data("sources").read_bytes())
    return Expect(p.run(), "data/sources.csv", 1, "source_id", "byte-order mark")


@case(CSV, "events.csv with CRLF line endings")
def crlf_line_endings(p):
    rewrite(p.data("events"), lambda t: t.replace("\n", "\r\n"))
    return Expect(p.run(), "data/events.csv", 1, None, "LF only")


@case(CSV, "one row of entities.csv ends in CRLF (mixed line endings)")
def mixed_line_endings(p):
    rows = lines(p.data("entities"))
    rows[6] += "\r"
    set_lines(p.data("entities"), rows)
    return Expect(p.run(), "data/entities.csv", 7, None, "carriage return")


@case(CSV, "a Latin-1 byte in a note of footprint.csv")
def latin1_byte(p):
    line = edit_row(p.package, "footprint", "footprint_id", "byd-bra-plant", note="PLACEHOLDER")
    data = p.data("footprint").read_bytes().replace(b"PLACEHOLDER", "Citroën".encode("latin-1"))
    p.data("footprint").write_bytes(data)
    return Expect(p.run(), "data/footprint.csv", line, "note", "not UTF-8")


@case(CSV, "metrics.csv saved as UTF-16")
def utf16_file(p):
    p.data("metrics").write_bytes(p.data("metrics").read_text(encoding="utf-8").encode("utf-16"))
    return Expect(p.run(), "data/metrics.csv", 1, "metric", "not UTF-8")


@case(CSV, "corrections.csv is empty")
def empty_file(p):
    p.data("corrections").write_bytes(b"")
    return Expect(p.run(), "data/corrections.csv", 1, None, "empty file")


@case(CSV, "footprint.csv has its header and no rows")
def header_only(p):
    set_lines(p.data("footprint"), lines(p.data("footprint"))[:1] + [""])
    return Expect(p.run(), "data/footprint.csv", 1, None, "no rows")


@case(CSV, "destinations.csv has a column the schema does not know")
def extra_column(p):
    rows = read_csv(p.data("destinations"))
    write_csv(p.data("destinations"), [dict(r, comment="x") for r in rows])
    return Expect(p.run(), "data/destinations.csv", 1, "comment", "not in the schema")


@case(CSV, "aliases.csv lacks the confidence column")
def missing_column(p):
    rows = read_csv(p.data("aliases"))
    write_csv(p.data("aliases"), [{k: v for k, v in r.items() if k != "confidence"} for r in rows])
    return Expect(p.run(), "data/aliases.csv", 1, "confidence", "missing from the header")


@case(CSV, "metrics.csv has its unit column renamed units")
def renamed_column(p):
    rewrite(p.data("metrics"), lambda t: t.replace("metric,unit,", "metric,units,", 1))
    return Expect(p.run(), "data/metrics.csv", 1, "unit", "missing from the header")


@case(CSV, "sources.csv has two columns swapped")
def columns_out_of_order(p):
    rows = read_csv(p.data("sources"))
    order = list(rows[0])
    order[1], order[2] = order[2], order[1]
    write_csv(p.data("sources"), [{k: r[k] for k in order} for r in rows])
    return Expect(p.run(), "data/sources.csv", 1, order[1], "out of order")


@case(CSV, "events.csv has a column named twice")
def duplicated_column(p):
    rows = lines(p.data("events"))
    rows[0] = rows[0].replace("description", "date", 1)
    set_lines(p.data("events"), rows)
    return Expect(p.run(), "data/events.csv", 1, "date", "twice")


@case(CSV, "one row of figures.csv has an extra cell")
def extra_cell(p):
    rows = lines(p.data("figures"))
    rows[4] += ",surplus"
    set_lines(p.data("figures"), rows)
    last = rows[0].split(",")[-1]
    return Expect(p.run(), "data/figures.csv", 5, f"(after {last})", "extra cell")


@case(CSV, "one row of events.csv is cut short")
def missing_cells(p):
    rows = lines(p.data("events"))
    rows[3] = ",".join(next(csv.reader([rows[3]]))[:5])
    set_lines(p.data("events"), rows)
    header = rows[0].split(",")
    return Expect(p.run(), "data/events.csv", 4, header[5], "missing")


@case(CSV, "a quote opened in derived.csv is never closed")
def unclosed_quote(p):
    rows = lines(p.data("derived"))
    rows[3] = rows[3].replace(",exports,", ',"exports,', 1)
    set_lines(p.data("derived"), rows)
    return Expect(p.run(), "data/derived.csv", 4, None, "not closed")


@case(CSV, "a blank line in the middle of audit.csv")
def blank_line(p):
    rows = lines(p.data("audit"))
    set_lines(p.data("audit"), rows[:10] + [""] + rows[10:])
    return Expect(p.run(), "data/audit.csv", 11, None, "blank line")


# Broken values.

VALUE = "broken value"


@case(VALUE, "a number written in words")
def number_in_words(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, value="five hundred")
    return Expect(p.run(), "data/figures.csv", line, "value", "type-error")


@case(VALUE, "an integer written as a word")
def integer_in_words(p):
    rows = read_csv(p.data("audit"))
    rows[3]["occurrence"] = "first"
    write_csv(p.data("audit"), rows)
    return Expect(p.run(), "data/audit.csv", 5, "occurrence", "type-error")


@case(VALUE, "a boolean written yes")
def boolean_yes(p):
    line = edit_row(p.package, "sources", "source_id", "seed-002", date_inferred="yes")
    return Expect(p.run(), "data/sources.csv", line, "date_inferred", "type-error")


@case(VALUE, "a figure's value is NaN")
def nan_value(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, value="NaN")
    return Expect(p.run(), "data/figures.csv", line, "value", "not a finite number")


@case(VALUE, "an IEA value is infinite")
def infinite_value(p):
    rows = read_csv(p.data("iea"))
    rows[0]["value"] = "inf"
    write_csv(p.data("iea"), rows)
    return Expect(p.run(), "data/iea.csv", 2, "value", "not a finite number")


@case(VALUE, "a negative count of vehicles")
def negative_count(p):
    line = edit_row(
        p.package, "figures", "figure_id", FIG, value="-551000", lower="-551000", upper="-551000"
    )
    return Expect(p.run(), "data/figures.csv", line, "value", "cannot be negative")


@case(VALUE, "a negative IEA sales figure")
def negative_iea_value(p):
    rows = read_csv(p.data("iea"))
    line = next(i for i, r in enumerate(rows, start=2) if r["unit"] == "vehicles")
    rows[line - 2]["value"] = "-5"
    write_csv(p.data("iea"), rows)
    return Expect(p.run(), "data/iea.csv", line, "value", "cannot be negative")


@case(VALUE, "a sales share of 140%")
def percentage_over_100(p):
    line = edit_row(
        p.package,
        "figures",
        "figure_id",
        "china_ev_share_of_sales_2024",
        value="140",
        lower="140",
        upper="140",
        as_written="140 percent",
    )
    return Expect(p.run(), "data/figures.csv", line, "value", "outside 0 to 100")


@case(VALUE, "an IEA share above 100%")
def iea_share_over_100(p):
    rows = read_csv(p.data("iea"))
    line = next(i for i, r in enumerate(rows, start=2) if r["unit"] == "percent")
    rows[line - 2]["value"] = "130"
    write_csv(p.data("iea"), rows)
    return Expect(p.run(), "data/iea.csv", line, "value", "outside 0 to 100")


@case(VALUE, "a derived share above 100%")
def derived_share_over_100(p):
    line = edit_row(
        p.package, "derived", "derived_id", "china_nev_share_of_exports_2025_05", value="150"
    )
    return Expect(p.run(), "data/derived.csv", line, "value", "impossible")


@case(VALUE, "a fall of more than 100%")
def fall_below_minus_100(p):
    line = edit_row(
        p.package,
        "figures",
        "figure_id",
        "china_vehicle_exports_2025_05_growth_yoy",
        value="-150",
        lower="-150",
        upper="-150",
    )
    return Expect(p.run(), "data/figures.csv", line, "value", "below -100%")


@case(VALUE, "a date written 2025-6-1")
def date_not_padded(p):
    rows = read_csv(p.data("events"))
    rows[0]["date"] = "2025-6-1"
    write_csv(p.data("events"), rows)
    return Expect(p.run(), "data/events.csv", 2, "date", "YYYY-MM-DD")


@case(VALUE, "a date 2025-06-31")
def date_not_in_calendar(p):
    line = edit_row(
        p.package, "figures", "figure_id", FIG, period_start="2025-06-01", period_end="2025-06-31"
    )
    return Expect(p.run(), "data/figures.csv", line, "period_end", "June 2025 has 30 days")


@case(VALUE, "a date with month 13")
def date_month_13(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, period_start="2025-13-01")
    return Expect(p.run(), "data/figures.csv", line, "period_start", "no month 13")


@case(VALUE, "a date in the 23rd century")
def date_out_of_range(p):
    line = edit_row(p.package, "sources", "source_id", "seed-002", published_date="2225-06-01")
    return Expect(p.run(), "data/sources.csv", line, "published_date", "outside 1900-01-01")


@case(VALUE, "a footprint year 2205")
def year_out_of_range(p):
    line = edit_row(p.package, "footprint", "footprint_id", "byd-bra-plant", year="2205")
    return Expect(p.run(), "data/footprint.csv", line, "year", "outside 1900 to 2100")


@case(VALUE, "a period that ends before it starts")
def period_backwards(p):
    line = edit_row(
        p.package, "figures", "figure_id", FIG, period_start="2025-05-01", period_end="2025-04-30"
    )
    return Expect(p.run(), "data/figures.csv", line, "period_end", "before it starts")


@case(VALUE, "a period with a start and no end")
def period_half_open(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, period_end="")
    return Expect(p.run(), "data/figures.csv", line, "period_end", "both a start and an end")


@case(VALUE, "a figure qualified 'nearly' whose upper bound is not the value")
def bounds_contradict_nearly(p):
    line = edit_row(p.package, "figures", "figure_id", "china_ev_sales_2024", upper="14000000")
    return Expect(p.run(), "data/figures.csv", line, "upper", "qualifier nearly")


@case(VALUE, "a 'more than' figure with an upper bound")
def bounds_contradict_more_than(p):
    rows = read_csv(p.data("figures"))
    row = next(r for r in rows if r["qualifier"] == "more_than")
    line = edit_row(p.package, "figures", "figure_id", row["figure_id"], upper=row["value"])
    return Expect(p.run(), "data/figures.csv", line, "upper", "leave it empty")


@case(VALUE, "a unit outside the vocabulary")
def unknown_unit(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, unit="furlongs")
    return Expect(p.run(), "data/figures.csv", line, "unit", "constraint-error")


@case(VALUE, "a unit that disagrees with the metric's")
def unit_against_metric(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, unit="count")
    return Expect(p.run(), "data/figures.csv", line, "unit", "measured in vehicles")


@case(VALUE, "an identifier with capitals and a space")
def id_pattern(p):
    line = p.line_of("metrics", "metric", "nev_exports")
    rows = read_csv(p.data("metrics"))
    rows[line - 2]["metric"] = "NEV exports"
    write_csv(p.data("metrics"), rows)
    return Expect(p.run(), "data/metrics.csv", line, "metric", "constraint-error")


@case(VALUE, "a required quote left empty")
def required_field_empty(p):
    line = edit_row(p.package, "corrections", "correction_id", _first(p, "corrections"), quote="")
    return Expect(p.run(), "data/corrections.csv", line, "quote", "constraint-error")


@case(VALUE, "a quote longer than 300 characters")
def quote_too_long(p):
    line = edit_row(p.package, "destinations", "destination_id", _first(p, "destinations"))
    rows = read_csv(p.data("destinations"))
    rows[line - 2]["quote"] = "x" * 301
    write_csv(p.data("destinations"), rows)
    return Expect(p.run(), "data/destinations.csv", line, "quote", "300")


@case(VALUE, "a value that differs from the number as written")
def value_against_as_written(p):
    line = edit_row(
        p.package, "figures", "figure_id", FIG, value="515000", lower="515000", upper="515000"
    )
    return Expect(p.run(), "data/figures.csv", line, "value", "differs")


@case(VALUE, "a growth rate that names no level")
def growth_without_level(p):
    line = edit_row(
        p.package,
        "figures",
        "figure_id",
        "china_vehicle_exports_2025_05_growth_yoy",
        relation="",
        related_figure_id="",
    )
    return Expect(p.run(), "data/figures.csv", line, "relation", "growth")


@case(VALUE, "an event value without a unit")
def event_value_without_unit(p):
    rows = read_csv(p.data("events"))
    line = next(i for i, r in enumerate(rows, start=2) if r["value"])
    rows[line - 2]["unit"] = ""
    write_csv(p.data("events"), rows)
    return Expect(p.run(), "data/events.csv", line, "unit", "needs a unit")


@case(VALUE, "a footprint country XXX: three capitals, but no ISO 3166 country")
def country_not_iso(p):
    line = edit_row(p.package, "footprint", "footprint_id", "byd-bra-plant", country="XXX")
    return Expect(p.validate(), "data/footprint.csv", line, "country", "not an ISO 3166-1")


@case(VALUE, "a figure's geography EUU, neither a country nor a known group of countries")
def geography_not_iso_nor_group(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, geography="EUU")
    return Expect(p.run(), "data/figures.csv", line, "geography", "EU27")


def _first(p: Project, resource: str) -> str:
    rows = read_csv(p.data(resource))
    return rows[0][next(iter(rows[0]))]


# Broken links.

LINK = "broken link"


@case(LINK, "a figure's entity that does not exist")
def foreign_key_entity(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, entity_id="no-such-entity")
    return Expect(p.run(), "data/figures.csv", line, "entity_id", "foreign-key")


@case(LINK, "a code in the data with no label (category) in its field's schema")
def code_without_category(p):
    path = p.package / "schemas" / "footprint.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    status = next(f for f in schema["fields"] if f["name"] == "status")
    status["categories"] = [c for c in status["categories"] if c["value"] != "stated"]
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    rows = read_csv(p.data("footprint"))
    line = next(i for i, r in enumerate(rows, 2) if r["status"] == "stated")
    return Expect(p.run(), "data/footprint.csv", line, "status", "no category")


@case(LINK, "a label for a code that its vocabulary's field does not have")
def label_code_unknown(p):
    rows = read_csv(p.data("labels"))
    line = next(i for i, r in enumerate(rows, 2) if r["vocabulary"] == "policy_city_money")
    rows[line - 2]["code"] = "hefei_no_such_figure"
    write_csv(p.data("labels"), rows)
    return Expect(p.run(), "data/labels.csv", line, "code", "not a value of figures.figure_id")


@case(LINK, "a figure's source that does not exist")
def foreign_key_source(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, source_id="seed-999")
    return Expect(p.run(), "data/figures.csv", line, "source_id", "foreign-key")


@case(LINK, "an alias pointing at a missing entity")
def alias_to_missing_entity(p):
    rows = read_csv(p.data("aliases"))
    rows[2]["entity_id"] = "no-such-entity"
    write_csv(p.data("aliases"), rows)
    return Expect(p.run(), "data/aliases.csv", 4, "entity_id", "foreign-key")


@case(LINK, "an audit row captured by a figure that does not exist")
def audit_to_missing_figure(p):
    rows = read_csv(p.data("audit"))
    line = next(i for i, r in enumerate(rows, start=2) if r["figure_id"])
    rows[line - 2]["figure_id"] = "no_such_figure"
    write_csv(p.data("audit"), rows)
    return Expect(p.run(), "data/audit.csv", line, "figure_id", "foreign-key")


@case(LINK, "two figures with the same id")
def duplicate_id(p):
    rows = read_csv(p.data("figures"))
    rows.append(dict(rows[0]))
    write_csv(p.data("figures"), rows)
    return Expect(p.run(), "data/figures.csv", len(rows) + 1, "figure_id", "unique")


@case(LINK, "two aliases rows with the same key")
def duplicate_composite_key(p):
    rows = read_csv(p.data("aliases"))
    rows.insert(1, dict(rows[0]))
    write_csv(p.data("aliases"), rows)
    return Expect(p.run(), "data/aliases.csv", 3, "entity_id, alias, source_id", "primary-key")


@case(LINK, "two derived figures computed from each other (a cycle)")
def derived_cycle(p):
    a, b = "china_nev_exports_2024_05", "china_nev_share_of_exports_2024_05"
    line = edit_row(p.package, "derived", "derived_id", a, inputs=f"{b}; {b}", method="ratio")
    edit_row(p.package, "derived", "derived_id", b, inputs=f"{a}; {a}", method="ratio")
    return Expect(p.run(), "data/derived.csv", line, "inputs", "depends on itself")


@case(LINK, "a derived figure whose input does not exist")
def derived_input_missing(p):
    line = edit_row(
        p.package,
        "derived",
        "derived_id",
        "china_nev_exports_2024_05",
        inputs="china_nev_exports_2025_05; no_such_figure",
    )
    return Expect(p.run(), "data/derived.csv", line, "inputs", "neither a figure")


@case(LINK, "a derived figure whose IEA input matches no row")
def derived_iea_input_missing(p):
    rows = read_csv(p.data("derived"))
    line = next(i for i, r in enumerate(rows, start=2) if "iea:" in r["inputs"])
    # the first IEA input's year: a year the IEA data do not cover
    inputs = rows[line - 2]["inputs"]
    rows[line - 2]["inputs"] = re.sub(r"(iea:[^;]*\|)\d{4}", r"\g<1>1999", inputs, count=1)
    write_csv(p.data("derived"), rows)
    return Expect(p.run(), "data/derived.csv", line, "inputs", "matches no IEA row")


@case(LINK, "a derived value that no longer follows from its inputs")
def stale_derived(p):
    line = edit_row(
        p.package, "derived", "derived_id", "china_nev_share_of_exports_2025_05", value="50"
    )
    # `chinaev run` re-derives stale values (issue 7); `chinaev validate` refuses them.
    return Expect(p.validate(), "data/derived.csv", line, "value", "stale")


@case(LINK, "a stored fact-check verdict that no longer follows from the IEA data and the claim")
def stale_factcheck_result(p):
    line = edit_row(
        p.package,
        "factcheck_results",
        "comparison_id",
        "china_vehicle_production_2020",
        verdict="consistent",
        reason="match",
    )
    # `chinaev run` re-derives stale results like derived figures; `chinaev validate`
    # refuses them.
    return Expect(p.validate(), "data/factcheck_results.csv", line, "verdict", "stale")


@case(LINK, "a captured audit row that names no figure or event")
def audit_captured_without_target(p):
    rows = read_csv(p.data("audit"))
    line = next(i for i, r in enumerate(rows, start=2) if r["figure_id"])
    rows[line - 2]["figure_id"] = ""
    write_csv(p.data("audit"), rows)
    return Expect(p.run(), "data/audit.csv", line, "figure_id", "needs a figure_id")


# The descriptor and the paths it names.

DESCRIPTOR = "datapackage.json and the paths it names"


@case(DESCRIPTOR, "datapackage.json is not valid JSON")
def malformed_json(p):
    p.descriptor.write_text('{\n  "name": "x",\n  "resources": [,]\n}\n', encoding="utf-8")
    return Expect(p.run(), "datapackage.json", 3, None, "not valid JSON")


@case(DESCRIPTOR, "datapackage.json is a JSON list")
def descriptor_not_object(p):
    p.descriptor.write_text("[]", encoding="utf-8")
    return Expect(p.run(), "datapackage.json", None, "(top level)", "JSON object")


@case(DESCRIPTOR, "a resource path with ../ leading out of the package")
def path_dotdot(p):
    secret = p.outside_file()
    relative = os.path.relpath(secret, p.package)
    p.set_descriptor(lambda d: d["resources"][0].update(path=relative))
    return Expect(p.run(), "datapackage.json", None, "resources[0].path", "leads outside")


@case(DESCRIPTOR, "an absolute resource path")
def path_absolute(p):
    secret = str(p.outside_file())
    p.set_descriptor(lambda d: d["resources"][1].update(path=secret))
    return Expect(p.run(), "datapackage.json", None, "resources[1].path", "absolute")


@case(DESCRIPTOR, "a resource path that is a symbolic link to a file outside")
def path_symlink(p):
    (p.package / "data" / "linked.csv").symlink_to(p.outside_file())
    p.set_descriptor(lambda d: d["resources"][2].update(path="data/linked.csv"))
    return Expect(p.run(), "datapackage.json", None, "resources[2].path", "symbolic link")


@case(DESCRIPTOR, "a schema path leading out of the package")
def schema_path_outside(p):
    p.set_descriptor(lambda d: d["resources"][3].update(schema="../../schema.json"))
    return Expect(p.run(), "datapackage.json", None, "resources[3].schema", "leads outside")


@case(DESCRIPTOR, "a resource listed twice")
def resource_listed_twice(p):
    p.set_descriptor(lambda d: d["resources"].append(dict(d["resources"][0])))
    count = len(json.loads(p.descriptor.read_text())["resources"])
    return Expect(p.run(), "datapackage.json", None, f"resources[{count - 1}].name", "twice")


@case(DESCRIPTOR, "two resources reading the same file")
def resource_path_twice(p):
    p.set_descriptor(lambda d: d["resources"][5].update(path=d["resources"][4]["path"]))
    return Expect(p.run(), "datapackage.json", None, "resources[5].path", "already the path")


@case(DESCRIPTOR, "the figures resource missing from the descriptor")
def resource_missing(p):
    p.set_descriptor(
        lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "figures"])
    )
    return Expect(p.run(), "datapackage.json", None, "resources", "'figures'")


@case(DESCRIPTOR, "a resource's CSV file deleted")
def csv_file_missing(p):
    p.data("events").unlink()
    return Expect(p.run(), "data/events.csv", None, None, "no such file")


@case(DESCRIPTOR, "a schema that is not valid JSON")
def schema_not_json(p):
    (p.package / "schemas" / "metrics.json").write_text('{"fields": [', encoding="utf-8")
    return Expect(p.run(), "schemas/metrics.json", 1, None, "not valid JSON")


@case(DESCRIPTOR, "a source file name leading out of the seeds folder")
def source_file_outside(p):
    line = edit_row(p.package, "sources", "source_id", "seed-002", file="../../etc/hostname")
    return Expect(p.validate(), "data/sources.csv", line, "file", "leads outside")


@case(DESCRIPTOR, "the package's sources entry pointing to a folder outside the package")
def descriptor_source_outside(p):
    p.set_descriptor(lambda d: d["sources"].insert(0, {"title": "texts", "path": "../seeds/"}))
    return Expect(p.run(), "datapackage.json", None, "sources[0].path", "leads outside")


@case(DESCRIPTOR, "a resource's licence path naming a file outside the package")
def licence_path_outside(p):
    secret = str(p.outside_file())
    p.set_descriptor(lambda d: d["resources"][2]["licenses"][0].update(path=secret))
    return Expect(p.run(), "datapackage.json", None, "resources[2].licenses[0].path", "absolute")


@case(DESCRIPTOR, "a resource's sources path leading out through ..")
def resource_source_outside(p):
    def change(d):
        d["resources"][1]["sources"] = [{"title": "x", "path": "data/../../outside/secret.csv"}]

    p.outside_file()
    p.set_descriptor(change)
    return Expect(p.run(), "datapackage.json", None, "resources[1].sources[0].path", "outside")


# The release record (release.json) against the data and CHANGELOG.md (`chinaev validate`).

RELEASE = "release record"


def empty_unreleased(p: Project) -> int:
    """Empty the Unreleased section of the project's CHANGELOG.md; the heading's line."""
    changelog = p.package / "CHANGELOG.md"
    rows = lines(changelog)
    start = rows.index("## Unreleased")
    end = next(i for i in range(start + 1, len(rows)) if rows[i].startswith("## "))
    set_lines(changelog, rows[: start + 1] + [""] + rows[end:])
    return start + 1


@case(RELEASE, "data changed since the release with nothing under Unreleased in CHANGELOG.md")
def data_change_without_changelog(p):
    line = empty_unreleased(p)  # the template's data (a trimmed IEA table) already differ
    return Expect(p.validate(), "CHANGELOG.md", line, "Unreleased", "data/iea.csv")


@case(RELEASE, "a schema edited after the release with nothing under Unreleased")
def schema_change_without_changelog(p):
    line = empty_unreleased(p)
    rewrite(p.package / "schemas" / "events.json", lambda t: t.replace('"Dated', '"Some', 1))
    return Expect(p.validate(), "CHANGELOG.md", line, "Unreleased", "schemas/events.json")


@case(RELEASE, "a CHANGELOG.md with no Unreleased heading and changed data")
def changelog_without_unreleased(p):
    empty_unreleased(p)
    rewrite(p.package / "CHANGELOG.md", lambda t: t.replace("## Unreleased\n", "", 1))
    return Expect(p.validate(), "CHANGELOG.md", None, "Unreleased", "changed since release")


@case(RELEASE, "a version in datapackage.json that no release records")
def version_not_released(p):
    p.set_descriptor(lambda d: d.update(version="9.9.9"))
    return Expect(p.validate(), "datapackage.json", None, "version", "9.9.9")


@case(RELEASE, "release.json that is not JSON")
def release_not_json(p):
    (p.package / "release.json").write_text('{"version": ', encoding="utf-8")
    return Expect(p.validate(), "release.json", None, None, "not valid JSON")


# What only the source texts can show (`chinaev validate`).

PROVENANCE = "provenance (against the source texts)"


@case(PROVENANCE, "a quote that is not in its paragraph")
def quote_not_in_source(p):
    line = edit_row(
        p.package,
        "figures",
        "figure_id",
        FIG,
        quote="China exported 551,000 vehicles in May, a record",
    )
    return Expect(p.validate(), "data/figures.csv", line, "quote", "not found verbatim")


@case(PROVENANCE, "a value that is not in its quote")
def value_not_in_quote(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, as_written="561,000", value="561000")
    return Expect(p.validate(), "data/figures.csv", line, "as_written", "does not appear")


@case(PROVENANCE, "a locator beyond the last paragraph")
def locator_beyond_text(p):
    line = edit_row(p.package, "figures", "figure_id", FIG, locator="p99")
    return Expect(p.validate(), "data/figures.csv", line, "locator", "not a paragraph")


@case(PROVENANCE, "an evidence item whose locator is beyond the last paragraph")
def evidence_locator_beyond_text(p):
    line = edit_row(p.package, "evidence", "evidence_id", "compliance_seed-003_p8", locator="p99")
    return Expect(p.validate(), "data/evidence.csv", line, "locator", "not a paragraph")


@case(PROVENANCE, "an evidence item whose quote is not in its paragraph")
def evidence_quote_not_in_source(p):
    line = edit_row(
        p.package, "evidence", "evidence_id", "compliance_seed-003_p8", quote="banned outright"
    )
    return Expect(p.validate(), "data/evidence.csv", line, "quote", "not found verbatim")


@case(PROVENANCE, "a number in a source that the audit does not classify")
def audit_unclassified(p):
    rows = read_csv(p.data("audit"))
    write_csv(
        p.data("audit"),
        [r for r in rows if not (r["source_id"] == "seed-002" and r["token"] == "421,000")],
    )
    return Expect(p.validate(), "data/audit.csv", None, "token", "'421,000'")


@case(PROVENANCE, "an alias that does not occur in its source")
def alias_not_in_source(p):
    line = edit_row(p.package, "aliases", "alias", "Neo Ink", alias="Neo Incorporated")
    return Expect(p.validate(), "data/aliases.csv", line, "alias", "does not occur")


@case(PROVENANCE, "a source whose recorded sha256 does not match its file")
def sha256_mismatch(p):
    line = edit_row(p.package, "sources", "source_id", "seed-002", sha256="0" * 64)
    return Expect(p.validate(), "data/sources.csv", line, "sha256", "does not match")


@case(PROVENANCE, "a source file that is not in the seeds folder")
def source_file_missing(p):
    line = edit_row(p.package, "sources", "source_id", "seed-002", file="002_missing.txt")
    return Expect(p.validate(), "data/sources.csv", line, "file", "not found")


# Chapter parameters (`chinaev run`).

PARAMETER = "chapter parameter"


@case(PARAMETER, "a chapter name that does not exist")
def unknown_chapter(p):
    argv = p.run()
    argv[1] = "exprots"
    return Expect(argv, "book/", None, None, "the notebooks in")


@case(PARAMETER, "as_of that is not a date")
def as_of_word(p):
    return Expect(p.run("--as-of", "yesterday"), "--as-of", None, None, "YYYY-MM-DD")


@case(PARAMETER, "as_of 2025-02-30")
def as_of_impossible(p):
    return Expect(p.run("--as-of", "2025-02-30"), "--as-of", None, None, "not a calendar date")


@case(PARAMETER, "as_of written 20250630")
def as_of_basic_format(p):
    return Expect(p.run("--as-of", "20250630"), "--as-of", None, None, "YYYY-MM-DD")


@case(PARAMETER, "a datapackage path that does not exist")
def datapackage_missing(p):
    argv = p.run()
    argv[3] = str(p.root / "nowhere" / "datapackage.json")
    return Expect(argv, "nowhere/datapackage.json", None, None, "no such file")


@case(PARAMETER, "a datapackage path naming a CSV file")
def datapackage_not_json(p):
    argv = p.run()
    argv[3] = str(p.data("figures"))
    return Expect(argv, "data/figures.csv", None, None, "not a data package descriptor")


@case(PARAMETER, "a parameter no chapter declares")
def unknown_parameter(p):
    return Expect(p.run("-p", "scael", "2"), "scael", None, None, "no chosen chapter")


@case(PARAMETER, "an int parameter given a word")
def parameter_wrong_type_int(p):
    return Expect(
        p.run("-p", "scale", "big"), "book/figure.ipynb", words="field scale: expects an int"
    )


@case(PARAMETER, "a string parameter given a number")
def parameter_wrong_type_str(p):
    return Expect(
        p.run("-p", "figure_id", "42"), "book/figure.ipynb", words="field figure_id: expects a str"
    )


@case(PARAMETER, "datapackage passed with -p instead of --datapackage")
def builtin_as_extra(p):
    return Expect(p.run("-p", "datapackage", "x.json"), "datapackage", None, None, "--datapackage")


@case(PARAMETER, "an output folder that is a file")
def output_dir_is_file(p):
    return Expect(
        p.run("--output-dir", str(p.data("figures"))),
        "data/figures.csv",
        None,
        None,
        "not a folder",
    )


@case(PARAMETER, "a book folder that does not exist")
def book_dir_missing(p):
    argv = p.run()
    argv[5] = str(p.root / "no-book")
    return Expect(argv, "no-book", None, None, "no such book folder")


@case(PARAMETER, "no chapter run at once")
def jobs_zero(p):
    return Expect(p.run("--jobs", "0"), "jobs", None, None, "at least 1")


# IEA downloads (`chinaev import-iea`). A byte-order mark and CRLF line endings are
# accepted here (the file is the IEA's, and the importer writes a normalised copy).

IEA = "IEA download"
IEA_HEADER = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
IEA_GOOD = [
    ["China", "Historical", "EV sales", "Cars", "BEV", "2023", "Vehicles", "5400000"],
    ["China", "Historical", "EV sales share", "Cars", "EV", "2023", "percent", "38"],
    ["USA", "Historical", "EV sales", "Cars", "BEV", "2023", "Vehicles", "1100000"],
]
IEA_NAME = "IEA_Global_EV_Data_2025.csv"


def iea_file(p: Project, rows, header=IEA_HEADER, encoding="utf-8") -> Path:
    path = p.root.parent / IEA_NAME
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def import_iea(p: Project, source: Path) -> list[str]:
    return ["import-iea", str(source), "--datapackage", str(p.descriptor)]


@case(IEA, "the unit column missing")
def iea_column_missing(p):
    drop = IEA_HEADER.index("unit")
    rows = [[v for i, v in enumerate(r) if i != drop] for r in IEA_GOOD]
    source = iea_file(p, rows, [c for c in IEA_HEADER if c != "unit"])
    return Expect(import_iea(p, source), IEA_NAME, 1, "unit", "missing")


@case(IEA, "the value column renamed amount")
def iea_column_renamed(p):
    source = iea_file(p, IEA_GOOD, [*IEA_HEADER[:-1], "amount"])
    return Expect(import_iea(p, source), IEA_NAME, 1, "value", "amount")


@case(IEA, "a value that is not a number")
def iea_not_numeric(p):
    source = iea_file(p, [*IEA_GOOD, [*IEA_GOOD[0][:5], "2022", "Vehicles", "n/a"]])
    return Expect(import_iea(p, source), IEA_NAME, 5, "value", "not a number")


@case(IEA, "the same key twice")
def iea_duplicate_key(p):
    source = iea_file(p, [*IEA_GOOD, [*IEA_GOOD[0][:7], "5400001"]])
    key = "region, category, parameter, mode, powertrain, year"
    return Expect(import_iea(p, source), IEA_NAME, 5, key, "same as line 2")


@case(IEA, "a negative value")
def iea_negative(p):
    source = iea_file(p, [*IEA_GOOD, [*IEA_GOOD[0][:5], "2022", "Vehicles", "-3"]])
    return Expect(import_iea(p, source), IEA_NAME, 5, "value", "negative")


@case(IEA, "a share of 130%")
def iea_import_share_over_100(p):
    source = iea_file(p, [*IEA_GOOD, [*IEA_GOOD[1][:5], "2022", "percent", "130"]])
    return Expect(import_iea(p, source), IEA_NAME, 5, "value", "more than 100%")


@case(IEA, "a year written 20x3")
def iea_bad_year(p):
    source = iea_file(p, [*IEA_GOOD, [*IEA_GOOD[0][:5], "20x3", "Vehicles", "3"]])
    return Expect(import_iea(p, source), IEA_NAME, 5, "year", "not a year")


@case(IEA, "a row with too few fields")
def iea_short_row(p):
    source = iea_file(p, [*IEA_GOOD, IEA_GOOD[0][:3]])
    return Expect(import_iea(p, source), IEA_NAME, 5, None, "expected 8 fields")


@case(IEA, "the file saved as Latin-1")
def iea_not_utf8(p):
    source = iea_file(p, [*IEA_GOOD, ["Curaçao", *IEA_GOOD[0][1:]]], encoding="latin-1")
    return Expect(import_iea(p, source), IEA_NAME, 5, None, "not UTF-8")


@case(IEA, "an empty file")
def iea_empty(p):
    source = p.root.parent / IEA_NAME
    source.write_bytes(b"")
    return Expect(import_iea(p, source), IEA_NAME, 1, None, "empty file")


# -- running them ---------------------------------------------------------------------

RESULTS: dict[str, str] = {}  # case id -> the line that named the problem


def matching_line(expect: Expect, output: str) -> str | None:
    if expect.row is None and expect.field is None:
        prefix = None
    else:
        where = [expect.file]
        if expect.row is not None:
            where.append(f"row {expect.row}")
        if expect.field is not None:
            where.append(f"field {expect.field}")
        prefix = ", ".join(where) + ":"
    for line in output.splitlines():
        located = line.startswith(prefix) if prefix else expect.file in line
        if located and expect.words in line:
            return line
    return None


@pytest.mark.parametrize("hostile", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_and_nothing_is_written(project, hostile):
    expect = hostile.setup(project)
    before = snapshot(project.root)
    code, out, err = call(expect.argv)
    assert code != 0, f"accepted:\n{out}\n{err}"
    assert "Traceback" not in out + err
    found = matching_line(expect, err)
    assert found, f"no line names {expect} in:\n{err}"
    assert SECRET not in out + err, "the content of a file outside the package was printed"
    assert snapshot(project.root) == before, "a file of the project changed"
    # Temporary folders shown as "…/", so the report reads the same on every run.
    RESULTS[hostile.id] = found.replace(str(project.root) + "/", "…/").replace(
        str(project.root.parent) + "/", "…/"
    )


def test_the_clean_project_runs(project):
    # Proves the cases above fail for their planted fault, not for the set-up.
    before = snapshot(project.root)
    code, out, err = call(project.run())
    assert code == 0, err
    assert "figure: executed" in out
    changed = {k for k, v in snapshot(project.root).items() if before.get(k) != v}
    assert changed == {"book/figure.ipynb"}


def test_there_are_at_least_fifty_distinct_cases():
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.planted for c in CASES}) == len(CASES)


# -- docs/reliability.md ---------------------------------------------------------------


def report_text(results: dict[str, str]) -> str:
    groups: dict[str, list[Case]] = {}
    for hostile in CASES:
        groups.setdefault(hostile.group, []).append(hostile)
    refused = sum(1 for c in CASES if c.id in results)
    out = [
        "# Reliability: bad input",
        "",
        "<!-- Generated by tests/test_hostile.py: run",
        f"     {REPORT_ENV}=docs/reliability.md .venv/bin/python -m pytest tests/test_hostile.py",
        "     Do not edit by hand. -->",
        "",
        f"**{len(CASES)} kinds of bad input were tried; {refused} were refused** with a message "
        "naming the file, and the row and field where the input has them, a non-zero exit "
        "and no traceback, and **nothing was lost**: after each refusal every file of the "
        "data package, the chapter notebooks and the built book was byte-identical to "
        "before.",
        "",
        "Each case plants one fault in a fresh copy of a small project and runs one command: "
        "`chinaev run` for faults in the data (it validates the package before any chapter "
        "runs), `chinaev validate` for what only the source texts show, `chinaev import-iea` "
        "for IEA downloads.",
        "",
        "Byte-order marks and CRLF line endings in the package's CSV files are rejected, "
        "not normalised: the package is UTF-8 with LF line endings so that every tool "
        "reads it the same. An IEA download may carry either; the importer writes a "
        "normalised copy.",
        "",
        "| Kind | Cases |",
        "|---|---|",
        *(f"| {group} | {len(cases)} |" for group, cases in groups.items()),
        f"| **all** | **{len(CASES)}** |",
        "",
    ]
    for group, cases in groups.items():
        out += [f"## {group[0].upper()}{group[1:]}", ""]
        for hostile in cases:
            message = results.get(hostile.id, "NOT REFUSED")
            out.append(f"- `{hostile.id}`: {hostile.planted}.  ")
            out.append(f"  `{message.replace('`', chr(39))}`")
        out.append("")
    return "\n".join(out)


def test_report_lists_every_case():
    if os.environ.get(REPORT_ENV):
        pytest.skip("this run rewrites the report")
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
    listed = {line.split("`")[1] for line in text.splitlines() if line.startswith("- `")}
    assert listed == {c.id for c in CASES}, (
        f"docs/reliability.md is out of date: run {REPORT_ENV}=docs/reliability.md "
        ".venv/bin/python -m pytest tests/test_hostile.py"
    )
    assert "NOT REFUSED" not in text
    assert f"**{len(CASES)} kinds of bad input were tried; {len(CASES)} were refused**" in text


@pytest.fixture(scope="module", autouse=True)
def write_report():
    yield
    target = os.environ.get(REPORT_ENV)
    if target and len(RESULTS) == len(CASES):
        Path(ROOT / target).write_text(report_text(RESULTS) + "\n", encoding="utf-8")
