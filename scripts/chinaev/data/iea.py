"""Import an IEA Global EV Data Explorer CSV into the data package.

The IEA publishes a new Global EV Outlook every year, and every edition may
add years, regions, parameters, modes, powertrains, scenarios and units. A new
edition therefore imports with no code change:

- Regions are resolved to ISO 3166-1 alpha-3 codes with pycountry (the
  maintained ISO 3166 database), not a hand-kept table. A name that is no
  country (a regional aggregate such as "Asia Pacific", a new grouping) is
  kept as an aggregate with no code, and reported as a note.
- Parameters, modes, powertrains and categories are kept as published; the
  scenario is read from the category (Projection-NZE gives NZE, a category
  with no hyphen is its own scenario). Units are normalised where their
  spelling is known (UNITS) and otherwise kept as published; a new unit is
  added to the schema's vocabulary. Everything new is reported as a note.

Real errors stay errors: a missing or renamed column, a value or year that is
not a number, an empty field, a short row, a duplicate key. Each is a Problem
naming the file, the CSV line and the field, and nothing is written while any
exists. A derived figure that reads an IEA row the new edition lacks is an
error too (the package would no longer validate).

The report says what changed against the edition being replaced: rows added
and removed, the new latest year, and past values revised, largest first.

On success the importer writes data/iea.csv, keeps the raw file under
raw/iea/ with its PROVENANCE.md, records the edition in datapackage.json (the
iea resource's `source_id` names its row in `sources`, added for a new
edition), extends the unit vocabulary of schemas/iea.json when needed, and
recomputes derived.csv, whose IEA-based figures may have changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.data.files import write_atomically
from chinaev.data.problems import Problem, UserError

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
RESOURCE = "iea"

# Same bounds as schemas/iea.json, so that whatever is written also validates.
YEAR_MIN, YEAR_MAX = 1990, 2100

# Names the IEA uses that ISO 3166 alone cannot decide: "Korea" is two countries in
# ISO 3166, and the IEA means the Republic of Korea. This is the publisher's
# convention, not a country table: every other name goes through pycountry.
PUBLISHER_CONVENTIONS = {"korea": "KOR"}

# Controlled unit vocabulary: canonical name -> spellings (after _unit_key). A unit
# not here is kept as published and reported; add its spellings here to normalise it.
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
# How many revisions, new names and so on a report lists before "and N more".
SHOWN = 5


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


def normalise_unit(text: str) -> str | None:
    """The controlled unit name for a published spelling, or None if unknown."""
    return _UNIT_LOOKUP.get(_unit_key(text))


def _plain(text: str) -> str:
    """Casefolded, accents removed, punctuation as spaces: 'Türkiye' -> 'turkiye'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare.casefold()).split())


_COUNTRY_NAMES: dict[str, set[str]] | None = None


def _country_names() -> dict[str, set[str]]:
    """Every name form of every ISO 3166 country (plain text) -> alpha-3 codes."""
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        import pycountry

        names: dict[str, set[str]] = {}
        for country in pycountry.countries:
            forms = {country.alpha_3}
            for attribute in ("name", "official_name", "common_name"):
                value = getattr(country, attribute, None)
                if value:
                    forms.add(value)
                    # "Iran, Islamic Republic of" is also plain "Iran".
                    forms.add(value.split(",")[0])
            for form in forms:
                names.setdefault(_plain(form), set()).add(country.alpha_3)
        _COUNTRY_NAMES = names
    return _COUNTRY_NAMES


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country name, or None when it names no single country."""
    plain = _plain(name)
    if plain in PUBLISHER_CONVENTIONS:
        return PUBLISHER_CONVENTIONS[plain]
    codes = _country_names().get(plain, set())
    return next(iter(codes)) if len(codes) == 1 else None


def scenario_of(category: str) -> str:
    """`historical` for Historical, else the suffix of e.g. Projection-STEPS.

    A category with no suffix is its own scenario, as published.
    """
    text = category.strip()
    if text.casefold() == "historical":
        return "historical"
    # Generic on purpose: a new Projection-NZE yields NZE without a code change.
    match = re.fullmatch(r".+?\s*[-–:]\s*(\S.*)", text)
    return match.group(1).strip() if match else text


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


def edition_year(label: str) -> str:
    return label.rsplit("-", 1)[-1]


def source_id_of(label: str) -> str:
    """The sources row of an edition, e.g. GEVO-2025 -> iea-gevo-2025."""
    return f"iea-gevo-{edition_year(label)}"


# -- what changed -------------------------------------------------------------------


@dataclass
class Revision:
    key: tuple
    old: float
    new: float

    @property
    def change(self) -> float:
        """Relative change; a change from zero counts as infinite."""
        if self.old == 0:
            return math.inf
        return (self.new - self.old) / abs(self.old)

    def __str__(self) -> str:
        where = "|".join(str(part) for part in self.key)
        change = "new from 0" if self.old == 0 else f"{self.change:+.1%}"
        return f"{where}: {_format_number(self.old)} -> {_format_number(self.new)} ({change})"


@dataclass
class Changes:
    """The new edition against the one it replaces (nothing when there was none)."""

    previous: str | None  # edition label of the table replaced, None for a first import
    added: int = 0
    removed: int = 0
    latest_year: tuple[int | None, int | None] = (None, None)  # historical, old and new
    revised: list[Revision] = field(default_factory=list)  # historical values
    projections_revised: int = 0
    unit_changed: int = 0

    def lines(self) -> list[str]:
        if self.previous is None:
            return ["no previous IEA table: everything is new"]
        old, new = self.latest_year
        latest = (
            f"latest historical year {old} -> {new}"
            if old != new
            else f"latest historical year still {new}"
        )
        lines = [
            f"against {self.previous}: {self.added} rows added, {self.removed} removed; {latest}",
        ]
        if self.revised:
            largest = sorted(self.revised, key=lambda r: (-abs(r.change), r.key))[:SHOWN]
            lines.append(
                f"past values revised: {len(self.revised)}; largest: "
                + "; ".join(map(str, largest))
            )
        else:
            lines.append("past values revised: none")
        if self.projections_revised:
            lines.append(f"projected values changed: {self.projections_revised}")
        if self.unit_changed:
            lines.append(f"rows whose unit changed: {self.unit_changed}")
        return lines


def compare(old_rows: list[dict], new_rows: list[dict]) -> Changes:
    """Rows added and removed, latest historical year, and revised values."""
    previous = sorted({row.get("edition", "") for row in old_rows} - {""})
    changes = Changes(previous=", ".join(previous) or "the previous table")

    def key(row):
        return tuple(int(row[c]) if c == "year" else row[c] for c in KEY)

    old = {key(row): row for row in old_rows}
    new = {key(row): row for row in new_rows}
    changes.added = len(new.keys() - old.keys())
    changes.removed = len(old.keys() - new.keys())

    def latest(rows):
        years = [int(r["year"]) for r in rows if r["scenario"] == "historical"]
        return max(years) if years else None

    changes.latest_year = (latest(old.values()), latest(new.values()))
    for k in sorted(old.keys() & new.keys()):
        before, after = old[k], new[k]
        if before["unit"] != after["unit"]:
            changes.unit_changed += 1
            continue
        a, b = _as_float(before["value"]), _as_float(after["value"])
        if a is None or b is None or math.isclose(a, b, rel_tol=1e-9, abs_tol=0):
            continue
        if after["scenario"] == "historical":
            changes.revised.append(Revision(k, a, b))
        else:
            changes.projections_revised += 1
    return changes


def _as_float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


# -- the report ---------------------------------------------------------------------


@dataclass
class ImportReport:
    source: Path
    output: Path
    edition: str
    rows_read: int = 0
    rows_written: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: bool = False
    units: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    extra_columns: list[str] = field(default_factory=list)
    changes: Changes | None = None
    derived_changed: bool = False

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
            f"{len(self.problems)} problem(s), {len(self.notes)} note(s)",
        ]
        if self.extra_columns:
            parts.append("ignored columns: " + ", ".join(self.extra_columns))
        return "; ".join(parts)

    def lines(self) -> list[str]:
        """The summary, then what changed against the previous edition."""
        lines = [self.summary()]
        if self.changes is not None:
            lines += self.changes.lines()
        if self.written:
            lines.append("derived.csv " + ("recomputed" if self.derived_changed else "unchanged"))
        return lines


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
        extra = [h.strip() for h, n in zip(header, names, strict=True) if n not in RAW_COLUMNS]
        if missing:
            hint = f" (columns not expected: {', '.join(extra)}; renamed?)" if extra else ""
            header_problems = [
                Problem(source.name, 1, c, f"missing column {c!r}{hint}") for c in missing
            ]
            raise UserError(
                f"{source}: missing column(s): {', '.join(missing)}{hint}; nothing written",
                header_problems,
            )
        doubled = sorted({n for n in names if n in RAW_COLUMNS and names.count(n) > 1})
        if doubled:
            raise UserError(
                f"{source}: column(s) given twice: {', '.join(doubled)}; nothing written",
                [Problem(source.name, 1, c, "column given twice") for c in doubled],
            )
        position = {c: names.index(c) for c in RAW_COLUMNS}
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


class _Resolver:
    """Regions, scenarios and units, each looked up once per distinct spelling."""

    def __init__(self):
        self.regions: dict[str, tuple[str, str]] = {}

    def region(self, name: str) -> tuple[str, str]:
        """(region_kind, iso3) for a published region name."""
        if name not in self.regions:
            code = country_code(name)
            self.regions[name] = ("country", code) if code else ("aggregate", "")
        return self.regions[name]


def _clean(line: int, raw: dict[str, str], edition: str, resource: str, resolve: _Resolver):
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
        "value": _format_number(value),
        "edition": edition,
    }
    return row, []


def _table_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def provenance_text(raw_name: str, sha256: str, edition: str, rows: int) -> str:
    year = edition_year(edition)
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


def attribution(edition: str) -> str:
    year = edition_year(edition)
    return f"IEA ({year}), Global EV Outlook {year}, IEA, Paris. Licence: CC BY 4.0"


# -- the rest of the package --------------------------------------------------------


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: not valid JSON ({error})") from None


def _json_text(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _updated_descriptor(descriptor: dict, edition: str, raw_name: str) -> dict:
    """The descriptor with the iea resource (and the package's sources) on this edition."""
    data = json.loads(json.dumps(descriptor))
    year = edition_year(edition)
    outlook = re.compile(r"Global EV Outlook \d{4}")
    for name in ("title", "description"):
        if isinstance(data.get(name), str):
            data[name] = outlook.sub(f"Global EV Outlook {year}", data[name])
    raw_path = f"raw/iea/{raw_name}"
    for source in data.get("sources", []):
        if str(source.get("path", "")).startswith("raw/iea/"):
            source.update(title=attribution(edition), path=raw_path, version=year)
    for resource in data.get("resources", []):
        if resource.get("name") == RESOURCE:
            resource["title"] = outlook.sub(
                f"Global EV Outlook {year}", resource.get("title", f"IEA Global EV Outlook {year}")
            )
            resource["sources"] = [{"title": attribution(edition), "path": raw_path}]
            # The row of the sources resource this edition is cited from.
            resource["source_id"] = source_id_of(edition)
    return data


def _sources_text(
    path: Path, edition: str, raw_name: str, sha256: str, previous: str
) -> tuple[str | None, list[str]]:
    """sources.csv with a row for this edition inserted in key order (None: no change),
    and the fields carried over from the previous edition's row.

    Only one line is added, so the rest of the file stays byte-identical. A column the
    importer does not know takes the value of the row of `previous` (the edition
    replaced), so that a later column of the sources table needs no code change here.
    """
    if not path.exists():
        return None, []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    source_id = source_id_of(edition)
    records = [next(csv.reader([line])) if line.strip() else [""] for line in lines[1:]]
    ids = [record[0] for record in records]
    if source_id in ids:
        return None, []
    old = next((dict(zip(header, r, strict=False)) for r in records if r[0] == previous), {})
    year = edition_year(edition)
    values = {
        "source_id": source_id,
        "file": raw_name,
        "kind": "dataset",
        "title": f"Global EV Outlook {year}: Global EV Data Explorer",
        "publisher": "International Energy Agency (IEA)",
        "publisher_basis": "The IEA is the producer of the Global EV Data Explorer download.",
        "published_date": f"{year}-01-01",
        "date_precision": "year",
        "date_inferred": "true",
        "date_basis": (
            f"The edition year ({year}) from the file name or --edition; the download itself "
            "carries no date. Replace with the release date when known."
        ),
        "url": "https://www.iea.org/data-and-statistics/data-tools/global-ev-data-explorer",
        "url_note": (
            "The IEA's public page for the Global EV Data Explorer; the exact link the file "
            "was downloaded from was not recorded by the import."
        ),
        "accessed": "",
        "accessed_note": "Not recorded by the import: put the download date here when known.",
        "author": "",
        "language": "en",
        "sha256": sha256,
        "licence_note": f"CC BY 4.0. Attribution: {attribution(edition)}.",
        "reliability_note": (
            "Official statistics and scenario projections, imported by `chinaev import-iea`; "
            "see the import notes for regions, parameters and units new in this edition."
        ),
    }
    carried = [c for c in header if c not in values and old.get(c)]
    values.update({c: old[c] for c in carried})
    buffer = io.StringIO()
    ending = lines[0][len(lines[0].rstrip("\r\n")) :] or "\n"
    csv.writer(buffer, lineterminator=ending).writerow([values.get(c, "") for c in header])
    position = next((i for i, other in enumerate(ids) if other > source_id), len(ids))
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += ending
    lines.insert(position + 1, buffer.getvalue())
    return "".join(lines), carried


def _schema_text(schema: dict | None, units: set[str]) -> tuple[str | None, list[str]]:
    """schemas/iea.json with new units added to the unit enum; the units added."""
    if schema is None:
        return None, []
    data = json.loads(json.dumps(schema))
    for spec in data.get("fields", []):
        if spec.get("name") == "unit":
            enum = spec.setdefault("constraints", {}).get("enum")
            if enum is None:
                return None, []
            added = sorted(units - set(enum))
            if not added:
                return None, []
            spec["constraints"]["enum"] = [*enum, *added]
            return _json_text(data), added
    return None, []


def _derived_problems(package: Path, keys: set[tuple]) -> list[Problem]:
    """derived.csv rows reading an IEA row that the new table lacks."""
    path = package / "data" / "derived.csv"
    if not path.exists():
        return []
    problems = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for ref in (part.strip() for part in row.get("inputs", "").split(";")):
                if not ref.startswith("iea:"):
                    continue
                parts = ref[4:].split("|")
                if len(parts) == len(KEY) and tuple(parts) not in keys:
                    problems.append(
                        Problem(
                            "derived",
                            line,
                            "inputs",
                            f"{row.get('derived_id')} reads {ref}, which the new edition lacks: "
                            "change or remove that input first",
                        )
                    )
    return problems


def _notes(rows: list[dict], old_rows: list[dict], resolve: _Resolver, extra_units) -> list[str]:
    """What a reader of the import should look at: new names, aggregates, units."""
    notes = []
    before = {c: {r[c] for r in old_rows} for c in ("region", "parameter", "mode", "powertrain")}
    before["scenario"] = {r["scenario"] for r in old_rows}
    before["unit"] = {r["unit"] for r in old_rows}
    counts = {c: Counter(r[c] for r in rows) for c in ("region", *before.keys())}
    first_import = not old_rows

    def listed(names) -> str:
        names = sorted(names)
        shown = ", ".join(repr(n) for n in names[:SHOWN])
        return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")

    aggregates = [n for n, (kind, _) in resolve.regions.items() if kind == "aggregate"]
    new_aggregates = sorted(set(aggregates) - before["region"])
    if new_aggregates:
        notes.append(
            f"{len(new_aggregates)} region(s) that are no country in ISO 3166 kept as aggregates "
            f"with no ISO code: {listed(new_aggregates)}"
        )
    new_countries = sorted(
        n
        for n, (kind, _) in resolve.regions.items()
        if kind == "country" and n not in before["region"]
    )
    if new_countries and not first_import:
        codes = ", ".join(f"{n} ({resolve.regions[n][1]})" for n in new_countries[:SHOWN])
        more = f" and {len(new_countries) - SHOWN} more" if len(new_countries) > SHOWN else ""
        notes.append(f"{len(new_countries)} new country(ies): {codes}{more}")
    if not first_import:
        for column in ("parameter", "mode", "powertrain", "scenario", "unit"):
            new = set(counts[column]) - before[column]
            gone = before[column] - set(counts[column])
            for name in sorted(new):
                notes.append(
                    f"new {column} {name!r} ({counts[column][name]} rows), kept as published"
                )
            if gone:
                notes.append(f"{column} no longer in the edition: {listed(gone)}")
        gone_regions = before["region"] - set(counts["region"])
        if gone_regions:
            notes.append(f"region(s) no longer in the edition: {listed(gone_regions)}")
    for unit in sorted(extra_units):
        notes.append(
            f"unit {unit!r} is not in the known units ({', '.join(UNITS)}): kept as published "
            "and added to the unit vocabulary of schemas/iea.json; add its spellings to UNITS "
            "in chinaev/iea.py to normalise it"
        )
    return notes


def _read_old(output: Path) -> list[dict]:
    if not output.exists():
        return []
    with output.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if all(c in row for c in COLUMNS)]


def import_iea(
    source: Path,
    datapackage: Path,
    *,
    edition: str | None = None,
) -> ImportReport:
    """Clean `source` into <package>/data/iea.csv and keep the raw file under raw/iea/.

    `datapackage` is the package's datapackage.json (it need not exist) or its
    folder. Returns what was read, written, what changed, notes and every
    problem found; nothing is written while there is a problem. A missing
    column or an unreadable file raises UserError.
    """
    source = Path(source)
    label = edition_label(source, edition)
    package = _package_dir(Path(datapackage))
    output = package / "data" / "iea.csv"
    data = _read_bytes(source)
    rows, extra, problems = _read_rows(source, data)
    report = ImportReport(source, output, label, rows_read=len(rows) + len(problems))
    report.extra_columns = extra

    resolve = _Resolver()
    cleaned: dict[tuple, tuple[int, dict]] = {}
    duplicated: set[tuple] = set()
    for line, raw in rows:
        row, row_problems = _clean(line, raw, label, source.name, resolve)
        problems.extend(row_problems)
        if row is None:
            continue
        key = tuple(row[c] for c in KEY)
        if key in cleaned:
            first = cleaned[key][0]
            what = ", ".join(f"{c}={row[c]}" for c in KEY)
            pairs = [(line, first)] if key in duplicated else [(first, line), (line, first)]
            for at, other in pairs:
                message = f"duplicate key: same as line {other} ({what})"
                problems.append(Problem(source.name, at, ", ".join(KEY), message))
            duplicated.add(key)
            continue
        cleaned[key] = (line, row)

    good = [row for _, (_, row) in sorted(cleaned.items())]
    problems += _derived_problems(package, {tuple(str(v) for v in k) for k in cleaned})
    report.problems = sorted(
        problems, key=lambda p: (p.resource != source.name, p.row or 0, p.field or "", p.message)
    )
    report.units = Counter(row["unit"] for row in good)
    report.categories = Counter(row["category"] for row in good)
    old_rows = _read_old(output)
    report.changes = compare(old_rows, [{**r, "year": str(r["year"])} for r in good])
    if not old_rows:
        report.changes = Changes(previous=None)
    extra_units = {row["unit"] for row in good} - set(UNITS)
    report.notes = _notes(good, old_rows, resolve, extra_units)
    if report.problems:
        return report

    # Everything is computed before the first write, so a failure above writes nothing.
    sha256 = hashlib.sha256(data).hexdigest()
    writes: list[tuple[Path, bytes]] = [(output, _table_text(good).encode("utf-8"))]
    descriptor_path = package / "datapackage.json"
    descriptor = _read_json(descriptor_path)
    if descriptor is not None:
        updated = _updated_descriptor(descriptor, label, source.name)
        if updated != descriptor:
            writes.append((descriptor_path, _json_text(updated).encode("utf-8")))
        resource = next((r for r in updated["resources"] if r.get("name") == RESOURCE), {})
        schema_path = package / resource.get("schema", "schemas/iea.json")
        schema_text, _ = _schema_text(_read_json(schema_path), extra_units)
        if schema_text is not None:
            writes.append((schema_path, schema_text.encode("utf-8")))
        previous = next(
            (
                r.get("source_id", "")
                for r in descriptor.get("resources", [])
                if r.get("name") == RESOURCE
            ),
            "",
        )
        sources, carried = _sources_text(
            package / "data" / "sources.csv", label, source.name, sha256, previous or ""
        )
        if sources is not None:
            writes.append((package / "data" / "sources.csv", sources.encode("utf-8")))
            report.notes.append(
                f"sources row {source_id_of(label)} added with the edition year as its date "
                "(date_precision year): put the release date in data/sources.csv when known"
                + (f"; carried over from {previous}: {', '.join(carried)}" if carried else "")
            )
    folder = package / "raw" / "iea"
    raw_target = folder / source.name
    if not raw_target.exists() or raw_target.read_bytes() != data:
        writes.append((raw_target, data))
    notes_text = provenance_text(source.name, sha256, label, report.rows_read)
    writes.append((folder / "PROVENANCE.md", notes_text.encode("utf-8")))
    for path, content in writes:
        if not path.exists() or path.read_bytes() != content:
            write_atomically(path, lambda handle, content=content: handle.write(content))
    report.rows_written = len(good)
    report.written = True

    if descriptor is not None and (package / "data" / "derived.csv").exists():
        from chinaev.data.derive import write_derived

        report.derived_changed = write_derived(package)
    return report
