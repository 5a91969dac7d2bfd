"""Import an IEA Global EV Data Explorer CSV into the data package.

The IEA publishes a new Global EV Outlook every year. The importer therefore
keeps parameters, modes, powertrains and categories as published, so that a
new edition needs no code change, and only maps the two things that need a
controlled vocabulary: regions (to ISO 3166-1 alpha-3) and units.

What is never guessed: a region or unit that is not in the tables below, a
value or year that is not a number. Each becomes a Problem naming the line of
the raw file and the field, so that a human extends the tables.

All or nothing by default: if any row has a problem, nothing is written and
the previous data/iea.csv stays as it was. With skip_unmapped=True the good
rows are written and the problems are still returned; the CLI prints them and
exits 1 in both cases, so no row is ever dropped silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.files import write_atomically
from chinaev.problems import Problem, UserError

RAW_COLUMNS = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
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

# Every country of the 2024 edition, plus a few that later editions may add
# (the ISO codes are facts, not guesses). Matched case-insensitively.
COUNTRIES = {
    "Australia": "AUS",
    "Austria": "AUT",
    "Belgium": "BEL",
    "Brazil": "BRA",
    "Bulgaria": "BGR",
    "Canada": "CAN",
    "Chile": "CHL",
    "China": "CHN",
    "Colombia": "COL",
    "Costa Rica": "CRI",
    "Croatia": "HRV",
    "Cyprus": "CYP",
    "Czech Republic": "CZE",
    "Denmark": "DNK",
    "Estonia": "EST",
    "Finland": "FIN",
    "France": "FRA",
    "Germany": "DEU",
    "Greece": "GRC",
    "Hungary": "HUN",
    "Iceland": "ISL",
    "India": "IND",
    "Indonesia": "IDN",
    "Ireland": "IRL",
    "Israel": "ISR",
    "Italy": "ITA",
    "Japan": "JPN",
    "Korea": "KOR",
    "Latvia": "LVA",
    "Lithuania": "LTU",
    "Luxembourg": "LUX",
    "Mexico": "MEX",
    "Netherlands": "NLD",
    "New Zealand": "NZL",
    "Norway": "NOR",
    "Poland": "POL",
    "Portugal": "PRT",
    "Romania": "ROU",
    "Seychelles": "SYC",
    "Slovakia": "SVK",
    "Slovenia": "SVN",
    "South Africa": "ZAF",
    "Spain": "ESP",
    "Sweden": "SWE",
    "Switzerland": "CHE",
    "Thailand": "THA",
    "Turkiye": "TUR",
    "United Arab Emirates": "ARE",
    "United Kingdom": "GBR",
    "USA": "USA",
    # Other spellings of the countries above.
    "Czechia": "CZE",
    "Türkiye": "TUR",
    "Turkey": "TUR",
    "United States": "USA",
    "South Korea": "KOR",
    # Not in the 2024 file.
    "Argentina": "ARG",
    "Malaysia": "MYS",
    "Philippines": "PHL",
    "Singapore": "SGP",
    "Uruguay": "URY",
    "Viet Nam": "VNM",
    "Vietnam": "VNM",
}

AGGREGATES = {"World", "Europe", "EU27", "Rest of the world"}

# Controlled unit vocabulary: canonical name -> spellings (after _unit_key).
UNITS = {
    "vehicles": ["vehicle"],
    "percent": ["percent", "per cent", "pct"],
    "charging_points": ["charging point"],
    "GWh": ["gwh", "gigawatt hour"],
    "million_barrels_per_day": ["million barrel per day", "mbd", "mb d"],
    # The 2024 file repeats the parameter name in the unit column here.
    "million_litres_gasoline_equivalent": [
        "oil displacement million lge",
        "million lge",
        "million litre gasoline equivalent",
        "million liter gasoline equivalent",
    ],
}

_MISSPELLINGS = {"milion": "million", "millon": "million", "mln": "million"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _unit_key(text: str) -> str:
    """Reduce a unit spelling to a comparable key: case, spacing, plurals, typos."""
    text = text.casefold().replace("%", " percent ")
    words = []
    for word in re.sub(r"[^0-9a-z]+", " ", text).split():
        word = _MISSPELLINGS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


_UNIT_LOOKUP = {_unit_key(s): unit for unit, spellings in UNITS.items() for s in [unit, *spellings]}
_COUNTRY_LOOKUP = {name.casefold(): iso3 for name, iso3 in COUNTRIES.items()}
_AGGREGATE_LOOKUP = {name.casefold() for name in AGGREGATES}


def normalise_unit(text: str) -> str | None:
    """The controlled unit name for a published spelling, or None if unknown."""
    return _UNIT_LOOKUP.get(_unit_key(text))


def scenario_of(category: str) -> str | None:
    """`historical` for Historical, else the suffix of e.g. Projection-STEPS (None if none)."""
    text = category.strip()
    if text.casefold() == "historical":
        return "historical"
    # Generic on purpose: a new Projection-NZE yields NZE without a code change.
    match = re.fullmatch(r".+?\s*[-–:]\s*(\S.*)", text)
    return match.group(1).strip() if match else None


def edition_label(source: Path, edition: str | None = None) -> str:
    """GEVO-<year> from --edition if given, else from the year in the file name."""
    text = edition if edition is not None else source.name
    match = _YEAR.search(text)
    if not match:
        if edition is not None:
            raise UserError(f"--edition {edition!r}: give the edition year, e.g. GEVO-2025 or 2025")
        raise UserError(
            f"{source.name}: the file name holds no year to tell the edition; "
            "pass --edition, e.g. --edition GEVO-2025"
        )
    return f"GEVO-{match.group(1)}"


@dataclass
class ImportReport:
    source: Path
    output: Path
    edition: str
    rows_read: int = 0
    rows_written: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    units: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    extra_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "none"

        if self.written:
            outcome = f"{self.rows_written} written to {self.output}"
        else:
            outcome = f"nothing written ({self.output} left as it was)"
        parts = [
            f"{self.source.name} ({self.edition}): {self.rows_read} rows read, {outcome}",
            f"units: {counts(self.units)}",
            f"categories: {counts(self.categories)}",
            f"{len(self.problems)} problem(s)",
        ]
        if self.extra_columns:
            parts.append("ignored columns: " + ", ".join(self.extra_columns))
        if self.problems and not self.written:
            parts.append("fix the rows or the tables in chinaev/iea.py, or use --skip-unmapped")
        return "; ".join(parts)


def _package_dir(datapackage: Path) -> Path:
    # Accept the package folder or its datapackage.json, which may not exist yet.
    return datapackage.parent if datapackage.suffix.lower() == ".json" else datapackage


def _format_number(value: float) -> str:
    # Shortest round-trip text, and no ".0" on whole numbers, so diffs stay quiet.
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _read_bytes(source: Path) -> bytes:
    try:
        return source.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{source}: no such file") from None
    except OSError as error:
        raise UserError(f"{source}: cannot read: {error.strerror or error}") from None


def _read_rows(source: Path, data: bytes):
    """(line number, trimmed raw fields) per record, the extra column names, bad records."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UserError(
            f"{source}: not UTF-8 text ({error.reason})",
            [Problem(source.name, line, None, f"not UTF-8: byte 0x{data[error.start]:02x}")],
        ) from None
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise UserError(
                f"{source}: empty file, expected a header row",
                [Problem(source.name, 1, None, "empty file, expected a header row")],
            )
        names = [name.strip().casefold() for name in header]
        missing = [c for c in RAW_COLUMNS if c not in names]
        if missing:
            others = [h.strip() for h, n in zip(header, names, strict=True) if n not in RAW_COLUMNS]
            found = f"; the header has {', '.join(map(repr, others))} instead" if others else ""
            raise UserError(
                f"{source}: missing column(s): {', '.join(missing)}",
                [
                    Problem(source.name, 1, name, f"column missing from the header{found}")
                    for name in missing
                ],
            )
        doubled = sorted({n for n in names if n in RAW_COLUMNS and names.count(n) > 1})
        if doubled:
            raise UserError(f"{source}: column(s) given twice: {', '.join(doubled)}")
        position = {c: names.index(c) for c in RAW_COLUMNS}
        extra = [h.strip() for h, n in zip(header, names, strict=True) if n not in RAW_COLUMNS]
        for record in reader:
            if not record:
                continue  # a blank line holds no row
            line = reader.line_num  # counts physical lines, so quoted newlines are fine
            if len(record) != len(header):
                message = f"expected {len(header)} fields, found {len(record)}"
                problems.append(Problem(source.name, line, None, message))
                continue
            rows.append((line, {c: record[i].strip() for c, i in position.items()}))
    except csv.Error as error:
        raise UserError(f"{source}: not a readable CSV file: {error}") from None
    return rows, extra, problems


def _clean(line: int, raw: dict[str, str], edition: str, resource: str):
    """One tidy row, or the problems that keep it out."""
    problems = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(resource, line, name, message))

    for name in ("region", "category", "parameter", "mode", "powertrain", "unit"):
        if not raw[name]:
            problem(name, "empty")

    region_kind, iso3 = "", ""
    if raw["region"]:
        key = " ".join(raw["region"].split()).casefold()
        if key in _COUNTRY_LOOKUP:
            region_kind, iso3 = "country", _COUNTRY_LOOKUP[key]
        elif key in _AGGREGATE_LOOKUP:
            region_kind = "aggregate"
        else:
            problem(
                "region",
                f"unknown region {raw['region']!r}: add it to COUNTRIES or AGGREGATES in "
                "chinaev/iea.py",
            )

    scenario = scenario_of(raw["category"]) if raw["category"] else None
    if raw["category"] and scenario is None:
        problem(
            "category",
            f"cannot tell the scenario from {raw['category']!r}: expected Historical or "
            "<kind>-<scenario>, e.g. Projection-STEPS",
        )

    unit = normalise_unit(raw["unit"]) if raw["unit"] else None
    if raw["unit"] and unit is None:
        problem(
            "unit", f"unknown unit {raw['unit']!r}: add its spelling to UNITS in chinaev/iea.py"
        )

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
        elif unit == "percent" and value > 100:
            problem("value", f"a share of {raw['value']}% is more than 100%")
    else:
        problem("value", f"not a number: {raw['value']!r}")

    if problems:
        return None, problems
    row = {
        "region": raw["region"],
        "region_iso3": iso3,
        "region_kind": region_kind,
        "category": raw["category"],
        "scenario": scenario,
        "parameter": raw["parameter"],
        "mode": raw["mode"],
        "powertrain": raw["powertrain"],
        "year": year,
        "unit": unit,
        "value": _format_number(value),
        "edition": edition,
    }
    return row, []


def _write_table(path: Path, rows: list[dict]) -> None:
    def write(handle) -> None:
        with open(handle.fileno(), "w", newline="", encoding="utf-8", closefd=False) as text:
            writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    write_atomically(path, write)


def provenance_text(raw_name: str, sha256: str, edition: str, rows: int) -> str:
    year = edition.rsplit("-", 1)[-1]
    return f"""# IEA Global EV Outlook {year}: raw data

Written by `chinaev import-iea`; it is rewritten on every import, so edit the
importer rather than this file.

- File: `{raw_name}` ({rows} data rows), kept here byte for byte as downloaded.
- sha256: `{sha256}`
- Producer: International Energy Agency (IEA).
- Title: Global EV Outlook {year}, Global EV Data Explorer (CSV download).
- Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
- Attribution: IEA ({year}), Global EV Outlook {year}, IEA, Paris. Licence: CC BY 4.0
- Tidy copy: `data/iea.csv` (edition `{edition}`), made from this file by
  `chinaev import-iea`; units there are normalised, all values as published.
"""


def _copy_raw(source: Path, data: bytes, package: Path, edition: str, rows: int) -> None:
    folder = package / "raw" / "iea"
    target = folder / source.name
    if not target.exists() or target.read_bytes() != data:
        write_atomically(target, lambda handle: handle.write(data))
    text = provenance_text(source.name, hashlib.sha256(data).hexdigest(), edition, rows)
    notes = folder / "PROVENANCE.md"
    if not notes.exists() or notes.read_text(encoding="utf-8") != text:
        write_atomically(notes, lambda handle: handle.write(text.encode("utf-8")))


def import_iea(
    source: Path,
    datapackage: Path,
    *,
    skip_unmapped: bool = False,
    edition: str | None = None,
) -> ImportReport:
    """Clean `source` into <package>/data/iea.csv and keep the raw file under raw/iea/.

    `datapackage` is the package's datapackage.json (it need not exist) or its
    folder. Returns what was read, written and every problem found.
    """
    source = Path(source)
    label = edition_label(source, edition)
    package = _package_dir(Path(datapackage))
    output = package / "data" / "iea.csv"
    data = _read_bytes(source)
    rows, extra, problems = _read_rows(source, data)
    report = ImportReport(source, output, label, rows_read=len(rows) + len(problems))
    report.extra_columns = extra

    cleaned: dict[tuple, tuple[int, dict]] = {}
    duplicated: set[tuple] = set()
    for line, raw in rows:
        row, row_problems = _clean(line, raw, label, source.name)
        problems.extend(row_problems)
        if row is None:
            continue
        key = tuple(row[c] for c in KEY)
        if key in cleaned:
            first = cleaned[key][0]
            what = ", ".join(f"{c}={row[c]}" for c in KEY)
            pairs = [(line, first)] if key in duplicated else [(first, line), (line, first)]
            for at, other in pairs:
                message = f"duplicate of line {other} ({what})"
                problems.append(Problem(source.name, at, None, message))
            duplicated.add(key)
            continue
        cleaned[key] = (line, row)

    # Both copies of a duplicate go: there is no telling which one is right.
    good = [row for key, (_, row) in sorted(cleaned.items()) if key not in duplicated]
    report.problems = sorted(problems, key=lambda p: (p.row or 0, p.field or "", p.message))
    report.units = Counter(row["unit"] for row in good)
    report.categories = Counter(row["category"] for row in good)
    if report.problems and not skip_unmapped:
        return report

    _write_table(output, good)
    _copy_raw(source, data, package, label, report.rows_read)
    report.rows_written = len(good)
    report.written = True
    return report
