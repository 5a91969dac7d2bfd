"""Read an IEA Global EV Data Explorer CSV as published, and clean it into tidy rows.

The IEA changes the layout of the download between editions; what is known of it is
accepted with no hand edit, and said in a note:

- a column the IEA renamed (COLUMN_RENAMES: `region_country` for `region` from the
  2025 edition on) is read under our name;
- a column the importer does not use (the 2025 edition's `Aggregate group`) is dropped;
- a row repeated exactly (same key, unit and value) is kept once.

What cannot be decided stays an error naming the file, line and field: a missing
column, a value or year that is not a number, an empty field, a short row, and two rows
with the same key and different values (each names the other's line).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.data.iea_names import country_code, normalise_unit, scenario_of
from chinaev.data.problems import Problem, UserError

RAW_COLUMNS = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
# Columns a later edition renamed: the published name (casefolded) -> ours. A rename
# applies only when our name is absent; otherwise the published column is an extra one.
COLUMN_RENAMES = {"region_country": "region"}  # the 2025 edition on
COLUMNS = [
    "region",
    "region_iso3",
    "region_kind",
    "category",
    "scenario",
    "parameter",
    "mode",
    "powertrain",
    "year",
    "unit",
    "value",
    "edition",
]
KEY = ["region", "category", "parameter", "mode", "powertrain", "year"]

# Same bounds as schemas/iea.json, so that whatever is written also validates.
YEAR_MIN, YEAR_MAX = 1990, 2100
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass
class RawTable:
    """The records of a download, by CSV line, with our column names."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # records that cannot be read
    extra: list[str] = field(default_factory=list)  # columns dropped, as published
    renamed: dict[str, str] = field(default_factory=dict)  # published name -> ours


def format_number(value: float) -> str:
    # Shortest round-trip text, and no ".0" on whole numbers, so diffs stay quiet.
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def read_bytes(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{source}: no such file") from None
    except OSError as error:
        raise UserError(f"{source}: cannot read: {error.strerror or error}") from None


def _header(source: Path, header: list[str], table: RawTable) -> dict[str, int]:
    """The position of each of RAW_COLUMNS in the header; UserError when one is missing."""
    names = [name.strip().casefold() for name in header]
    ours = []
    for published, name in zip(header, names, strict=True):
        renamed = COLUMN_RENAMES.get(name)
        if name not in RAW_COLUMNS and renamed and renamed not in names:
            table.renamed[published.strip()] = renamed
            name = renamed
        ours.append(name)
    table.extra = [h.strip() for h, n in zip(header, ours, strict=True) if n not in RAW_COLUMNS]
    missing = [c for c in RAW_COLUMNS if c not in ours]
    if missing:
        hint = f" (columns not expected: {', '.join(table.extra)}; renamed?)" if table.extra else ""
        raise UserError(
            f"{source}: missing column(s): {', '.join(missing)}{hint}; nothing written",
            [Problem(source.name, 1, c, f"missing column {c!r}{hint}") for c in missing],
        )
    doubled = sorted({n for n in ours if n in RAW_COLUMNS and ours.count(n) > 1})
    if doubled:
        raise UserError(
            f"{source}: column(s) given twice: {', '.join(doubled)}; nothing written",
            [Problem(source.name, 1, c, "column given twice") for c in doubled],
        )
    return {c: ours.index(c) for c in RAW_COLUMNS}


def read_raw(source: Path, data: bytes) -> RawTable:
    """The trimmed fields of each record by CSV line, and the records that cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserError(
            f"{source}: not UTF-8 text ({error.reason})",
            [Problem(source.name, line, None, f"not UTF-8: byte 0x{data[error.start]:02x}")],
        ) from None
    table = RawTable()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise UserError(
                f"{source}: empty file, expected a header row",
                [Problem(source.name, 1, None, "empty file, expected a header row")],
            )
        position = _header(source, header, table)
        for record in reader:
            if not record:
                continue  # a blank line holds no row
            line = reader.line_num  # counts physical lines, so quoted newlines are fine
            if len(record) != len(header):
                message = f"expected {len(header)} fields, found {len(record)}"
                table.problems.append(Problem(source.name, line, None, message))
                continue
            table.rows.append((line, {c: record[i].strip() for c, i in position.items()}))
    except csv.Error as error:
        raise UserError(f"{source}: not a readable CSV file: {error}") from None
    return table


class Resolver:
    """Regions, each looked up once per distinct spelling (the notes list them after)."""

    def __init__(self):
        self.regions: dict[str, tuple[str, str]] = {}

    def region(self, name: str) -> tuple[str, str]:
        """(region_kind, iso3) for a published region name."""
        if name not in self.regions:
            code = country_code(name)
            self.regions[name] = ("country", code) if code else ("aggregate", "")
        return self.regions[name]


def clean(line: int, raw: dict[str, str], edition: str, resource: str, resolve: Resolver):
    """One tidy row, or the problems that keep it out."""
    problems = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(resource, line, name, message))

    for name in ("region", "category", "parameter", "mode", "powertrain", "unit"):
        if not raw[name]:
            problem(name, "empty")

    year = None
    if re.fullmatch(r"\d{4}", raw["year"]):
        year = int(raw["year"])
        if not YEAR_MIN <= year <= YEAR_MAX:
            problem("year", f"year {year} outside {YEAR_MIN}-{YEAR_MAX}")
    else:
        problem("year", f"not a year: {raw['year']!r}")

    value = None
    if _NUMBER.fullmatch(raw["value"]) and math.isfinite(float(raw["value"])):
        value = float(raw["value"])
        # Every IEA series counts or measures something: sales, stocks, shares, energy.
        if value < 0:
            problem("value", f"{raw['value']} is negative; IEA values are counts and shares")
        elif normalise_unit(raw["unit"]) == "percent" and value > 100:
            problem("value", f"a share of {raw['value']}% is more than 100%")
    else:
        problem("value", f"not a number: {raw['value']!r}")

    if problems:
        return None, problems
    region = " ".join(raw["region"].split())
    kind, iso3 = resolve.region(region)
    row = {
        "region": region,
        "region_iso3": iso3,
        "region_kind": kind,
        "category": raw["category"],
        "scenario": scenario_of(raw["category"]),
        "parameter": raw["parameter"],
        "mode": raw["mode"],
        "powertrain": raw["powertrain"],
        "year": year,
        # Known spellings are normalised; a new unit is kept as published.
        "unit": normalise_unit(raw["unit"]) or " ".join(raw["unit"].split()),
        "value": format_number(value),
        "edition": edition,
    }
    return row, []


@dataclass
class Tidy:
    """The tidy rows by key (with the line each came from), and what was kept out."""

    rows: dict[tuple, tuple[int, dict]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # (line, same as line)


def tidy(table: RawTable, edition: str, resource: str, resolve: Resolver) -> Tidy:
    """Clean every record; keep a row repeated exactly once, and refuse two rows with one
    key and different values (each line names the other, so either can be looked at)."""
    result = Tidy(problems=list(table.problems))
    conflicting: set[tuple] = set()
    for line, raw in table.rows:
        row, row_problems = clean(line, raw, edition, resource, resolve)
        result.problems.extend(row_problems)
        if row is None:
            continue
        key = tuple(row[c] for c in KEY)
        if key not in result.rows:
            result.rows[key] = (line, row)
            continue
        first, kept = result.rows[key]
        if row == kept:
            result.repeated.append((line, first))
            continue
        what = ", ".join(f"{c}={row[c]}" for c in KEY)
        at_line = {first: kept, line: row}
        # The first line is named once, however many lines conflict with it.
        pairs = [(line, first)] if key in conflicting else [(first, line), (line, first)]
        for at, other in pairs:
            mine, theirs = at_line[at], at_line[other]
            message = (
                f"duplicate key: same as line {other} ({what}) with another value "
                f"({mine['value']} {mine['unit']} here, {theirs['value']} {theirs['unit']} there)"
            )
            result.problems.append(Problem(resource, at, ", ".join(KEY), message))
        conflicting.add(key)
    return result
