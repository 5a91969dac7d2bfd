"""Load the data package into typed pandas frames, optionally as it stood on a date.

Chapters read data only through `load()`. Types come from each resource's Table
Schema, so a new field needs no code here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from chinaev.data.paths import inside, outside_references
from chinaev.data.problems import Problem, UnsafePath, UserError
from chinaev.data.reads import Reads

RESOURCES = (
    "sources",
    "figures",
    "derived",
    "audit",
    "entities",
    "aliases",
    "corrections",
    "events",
    "footprint",
    "destinations",
    "metrics",
    "iea",
    "comparisons",
    "factcheck_results",
    "claim_origins",
    "money",
)


def package_dir(path: Path | str) -> Path:
    """Folder of a package given either datapackage.json or its folder."""
    path = Path(path)
    return path.parent if path.suffix == ".json" else path


def read_descriptor(path: Path | str) -> dict:
    """datapackage.json with every schema inlined; UserError (with Problems) if it is
    not JSON, not shaped like a data package, or names a path outside its folder."""
    folder = package_dir(path)
    descriptor_path = folder / DESCRIPTOR
    try:
        text = descriptor_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{descriptor_path}: no such file") from None
    except UnicodeDecodeError as error:
        raise UserError(f"{descriptor_path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise UserError(f"{descriptor_path}: cannot read ({error.strerror or error})") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(
            DESCRIPTOR,
            error.lineno,
            None,
            f"not valid JSON: {error.msg} (column {error.colno})",
            file=DESCRIPTOR,
        )
        raise UserError(f"{descriptor_path}: not valid JSON ({error})", [problem]) from None
    problems = descriptor_problems(descriptor, folder)
    if problems:
        raise UserError(f"{descriptor_path}: not a usable data package descriptor", problems)
    for resource in descriptor["resources"]:
        if isinstance(resource.get("schema"), str):
            resource["schema"] = _read_schema(folder, resource)
    return descriptor


def iea_source_id(descriptor: dict) -> str:
    """The `sources` row the iea resource comes from: its `source_id`, set by the import.

    Empty when the descriptor does not say (`chinaev validate` reports that).
    """
    for resource in descriptor.get("resources", []):
        if resource.get("name") == "iea":
            return str(resource.get("source_id") or "")
    return ""


DESCRIPTOR = "datapackage.json"
RESOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def descriptor_problems(descriptor, folder: Path) -> list[Problem]:
    """What makes a parsed datapackage.json unusable, each naming its JSON location."""

    def problem(where: str, message: str) -> Problem:
        return Problem(DESCRIPTOR, None, where, message, file=DESCRIPTOR)

    if not isinstance(descriptor, dict):
        return [
            problem("(top level)", f"expected a JSON object, found {type(descriptor).__name__}")
        ]
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        return [problem("resources", "expected a non-empty list of resources")]
    problems, names, files = [], {}, {}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            problems.append(problem(where, "expected an object"))
            continue
        name = resource.get("name")
        if not isinstance(name, str) or not RESOURCE_NAME.match(name):
            problems.append(problem(f"{where}.name", f"expected a lower-case name, got {name!r}"))
        elif name in names:
            problems.append(
                problem(f"{where}.name", f"resource {name!r} is listed twice (also {names[name]})")
            )
        else:
            names[name] = where
        data_path = resource.get("path")
        if not isinstance(data_path, str):
            problems.append(
                problem(f"{where}.path", f"expected one relative file path, got {data_path!r}")
            )
        else:
            try:
                target = inside(folder, data_path, what="path").resolve()
            except UnsafePath as error:
                problems.append(problem(f"{where}.path", str(error)))
            else:
                if target in files:
                    problems.append(
                        problem(
                            f"{where}.path", f"{data_path!r} is already the path of {files[target]}"
                        )
                    )
                files[target] = where
        if not isinstance(resource.get("schema"), str | dict):
            problems.append(problem(f"{where}.schema", "expected a schema path or object"))
        for part in ("schema", "dialect"):
            if isinstance(resource.get(part), str):
                try:
                    inside(folder, resource[part], what=part)
                except UnsafePath as error:
                    problems.append(problem(f"{where}.{part}", str(error)))
        problems += [problem(*p) for p in outside_references(resource, folder, where)]
    return problems + [problem(*p) for p in outside_references(descriptor, folder, "")]


def _read_schema(folder: Path, resource: dict) -> dict:
    schema_path = inside(folder, resource["schema"], what="schema")
    where = resource["schema"]
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"{schema_path}: cannot read schema ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        row = getattr(error, "lineno", None)
        raise UserError(
            f"{schema_path}: cannot read schema ({error})",
            [Problem(where, row, None, f"not valid JSON: {error}", file=where)],
        ) from None
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(
        isinstance(spec, dict) and isinstance(spec.get("name"), str) for spec in fields
    ):
        raise UserError(
            f"{schema_path}: not a table schema",
            [Problem(where, None, "fields", "expected a list of fields with names", file=where)],
        )
    return schema


def resource_descriptor(descriptor: dict, name: str) -> dict:
    for resource in descriptor.get("resources", []):
        if resource.get("name") == name:
            return resource
    raise UserError(f"datapackage.json has no resource named {name!r}")


def table_path(folder: Path, resource: dict) -> Path:
    """The CSV file of a resource, through the one safe join."""
    return inside(folder, resource["path"], what=f"resource {resource.get('name')} path")


# The package's CSV dialect: UTF-8 without a byte-order mark, LF line endings, commas.
# Files that differ are rejected rather than silently normalised, so that every copy of
# the package reads the same in every tool (R and DuckDB keep a BOM in the first column
# name) and diffs stay one line per changed row.
DELIMITERS = {";": "semicolon", "\t": "tab", "|": "vertical bar"}


def table_problems(folder: Path, resource: dict) -> list[Problem]:
    """Problems with a resource's CSV file as a file: encoding, line endings, quoting,
    header against the schema, and fields per row. Empty when every row can be read."""
    name = resource.get("name", "?")
    shown = str(resource.get("path"))

    def problem(row, field, message) -> Problem:
        return Problem(name, row, field, message, file=shown)

    try:
        path = table_path(folder, resource)
    except UnsafePath as error:
        return [problem(None, None, str(error))]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [problem(None, None, "no such file")]
    except OSError as error:
        return [problem(None, None, f"cannot read: {error.strerror or error}")]
    expected = [spec["name"] for spec in resource.get("schema", {}).get("fields", [])]
    if not data.strip():
        return [problem(1, None, f"empty file; expected a header row: {','.join(expected)}")]
    if data.startswith(b"\xef\xbb\xbf"):
        return [
            problem(
                1,
                expected[0] if expected else None,
                "starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
            )
        ]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [
            problem(
                line,
                _field_at(data, error.start, expected),
                f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded "
                "(the package's CSV files are UTF-8)",
            )
        ]
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        return [
            problem(
                line,
                None,
                "carriage return (CRLF or CR line ending); the package's CSV files end "
                "lines with LF only (convert with dos2unix)",
            )
        ]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, start = [], 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        return [
            problem(
                start,
                None,
                "not readable as CSV: a quote opened in this row is not closed where its "
                f"field ends ({error})",
            )
        ]
    header = records[0][1]
    problems = _header_problems(header, expected, problem, resource)
    if problems:
        return problems
    if len(records) == 1:
        return [problem(1, None, "no rows after the header (a truncated file?)")]
    for line, record in records[1:]:
        if not record:
            problems.append(problem(line, None, "blank line; every line must be a row"))
        elif len(record) < len(header):
            problems.append(
                problem(
                    line,
                    header[len(record)],
                    f"{len(record)} fields, the header has {len(header)}: "
                    f"{', '.join(header[len(record) :])} missing",
                )
            )
        elif len(record) > len(header):
            problems.append(
                problem(
                    line,
                    f"(after {header[-1]})",
                    f"{len(record)} fields, the header has {len(header)}: extra cell "
                    f"{record[len(header)]!r}",
                )
            )
    return problems


def _header_problems(header, expected, problem, resource) -> list[Problem]:
    if header == expected:
        return []
    if len(header) == 1 and len(expected) > 1:
        for mark, word in DELIMITERS.items():
            if mark in header[0]:
                return [
                    problem(
                        1,
                        None,
                        f"one column only, separated by {word}s; the package's CSV files "
                        "are comma-separated",
                    )
                ]
    problems = []
    for name in expected:
        if name not in header:
            problems.append(problem(1, name, "column missing from the header (the schema has it)"))
    for name in header:
        if name not in expected:
            problems.append(problem(1, name or "(empty)", "column not in the schema"))
        elif header.count(name) > 1:
            problems.append(problem(1, name, "column given twice"))
    if not problems:
        first = next(a for a, b in zip(header, expected, strict=True) if a != b)
        problems.append(
            problem(1, first, f"columns out of order; the schema has: {', '.join(expected)}")
        )
    return sorted(set(problems))


def _field_at(data: bytes, offset: int, expected: list[str]) -> str | None:
    """The column holding byte `offset` of a CSV file (for messages about bad bytes)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    try:
        cells = next(csv.reader([prefix]), [""])
    except csv.Error:
        return None
    index = max(len(cells) - 1, 0)
    return expected[index] if index < len(expected) else None


def check_tables(folder: Path, descriptor: dict, names=None) -> None:
    """Raise UserError listing every problem in the CSV files (all, or `names`)."""
    problems = [
        problem
        for resource in descriptor["resources"]
        if names is None or resource["name"] in names
        for problem in table_problems(folder, resource)
    ]
    if problems:
        raise UserError(
            f"{len(problems)} problem(s) in the data package's CSV files; nothing was read",
            problems,
        )


def read_rows(path: Path | str, name: str, descriptor: dict | None = None) -> list[dict[str, str]]:
    """Rows of one resource as strings, exactly as stored (for checks and rewriting).

    Pass the descriptor when it has been read already (reading it checks every path).
    """
    folder = package_dir(path)
    resource = resource_descriptor(descriptor or read_descriptor(folder), name)
    problems = table_problems(folder, resource)
    if problems:
        raise UserError(f"{resource['path']}: cannot read resource {name}", problems)
    with table_path(folder, resource).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    for spec in schema.get("fields", []):
        name, kind = spec["name"], spec.get("type", "string")
        if name not in frame:
            continue
        column = frame[name].replace("", None)
        if kind == "number":
            frame[name] = pd.to_numeric(column).astype("float64")
        elif kind in ("integer", "year"):
            frame[name] = pd.to_numeric(column).astype("Int64")
        elif kind == "date":
            frame[name] = pd.to_datetime(column, format="%Y-%m-%d")
        elif kind == "boolean":
            frame[name] = column.map({"true": True, "false": False}).astype("boolean")
        else:
            frame[name] = frame[name].fillna("")
    return frame


@dataclass
class Package:
    """The data package as typed frames; `as_of` is the date it is seen from, if any."""

    path: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]
    as_of: date | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    # Set by a chapter: notes what it reads (see reads.py). A whole table read through
    # an attribute (`package.events`) counts as read in full.
    reads: Reads | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            if self.__dict__.get("reads") is not None:
                self.reads.table(name)
            return tables[name]
        raise AttributeError(name)

    @property
    def iea_source_id(self) -> str:
        """The sources row of the IEA edition in the iea resource, e.g. iea-gevo-2024."""
        return iea_source_id(self.descriptor)

    @property
    def version(self) -> str:
        return self.descriptor.get("version", "")

    def _record_rows(self) -> dict[str, pd.Series]:
        """Every figure and derived figure by id (a figure wins over a derived figure).

        Chapters look records up hundreds of times; scanning the tables each time took a
        good part of a chapter's run. Rebuilt if a table is replaced.
        """
        frames = tuple(self.tables[table] for table in ("figures", "derived"))
        if getattr(self, "_record_index_of", None) != tuple(map(id, frames)):
            rows: dict[str, pd.Series] = {}
            for frame, key in zip(frames, ("figure_id", "derived_id"), strict=True):
                for position, record_id in enumerate(frame[key]):
                    rows.setdefault(record_id, frame.iloc[position])
            self._record_index, self._record_index_of = rows, tuple(map(id, frames))
        return self._record_index

    def record(self, record_id: str) -> pd.Series:
        """A figure or derived figure by id, whichever holds it."""
        if self.reads is not None:
            self.reads.record(record_id)
        row = self._record_rows().get(record_id)
        if row is not None:
            return row.copy()  # a chapter may change it; the next lookup must not see that
        raise KeyError(
            f"no figure or derived figure {record_id!r} in {self.path}"
            + (f" as of {self.as_of}" if self.as_of else "")
        )

    def value(self, record_id: str) -> float:
        return float(self.record(record_id)["value"])

    def has(self, record_id: str) -> bool:
        try:
            self.record(record_id)
        except KeyError:
            return False
        return True

    def source(self, source_id: str) -> pd.Series:
        if self.reads is not None:
            self.reads.source(source_id)
        return self.tables["sources"].set_index("source_id").loc[source_id]


def parse_as_of(as_of: str | date | None) -> date | None:
    if as_of in (None, ""):
        return None
    if isinstance(as_of, date):
        return as_of
    # Only YYYY-MM-DD: date.fromisoformat would also take 20250630 and 2025-W26-1.
    if isinstance(as_of, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of.strip()):
        try:
            return date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise UserError(f"as_of must be an ISO date YYYY-MM-DD such as 2025-06-30, not {as_of!r}")


def load(path: Path | str, as_of: str | date | None = None) -> Package:
    """Load every resource; with `as_of`, keep only what had been published by then.

    A source counts as published on its published_date (for not_before: that earliest
    date). Sources with no known date are left out whenever as_of is set, because
    nobody can show they were available then. Events dated after as_of are left out
    too, and derived figures whose inputs are gone go with them.
    """
    if not isinstance(path, str | Path):
        raise UserError(f"datapackage must be a path to datapackage.json, not {path!r}")
    folder = package_dir(path)
    descriptor = read_descriptor(folder)
    check_tables(folder, descriptor)
    tables = {}
    for resource in descriptor["resources"]:
        csv_path = table_path(folder, resource)
        frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
        try:
            tables[resource["name"]] = _typed(frame, resource.get("schema", {}))
        except (ValueError, TypeError) as error:
            raise UserError(
                f"{csv_path}: cannot read typed values ({error}); "
                "run `chinaev validate` for the row and field"
            ) from None
    package = Package(path=folder / "datapackage.json", descriptor=descriptor, tables=tables)
    cutoff = parse_as_of(as_of)
    if cutoff is not None:
        _apply_as_of(package, cutoff)
    return package


def _apply_as_of(package: Package, cutoff: date) -> None:
    tables = package.tables
    stamp = pd.Timestamp(cutoff)
    sources = tables["sources"]
    published = sources[sources["published_date"].notna() & (sources["published_date"] <= stamp)]
    known = set(published["source_id"])

    def keep(name: str, mask) -> None:
        before = len(tables[name])
        tables[name] = tables[name][mask].reset_index(drop=True)
        package.left_out[name] = before - len(tables[name])

    for name in ("figures", "audit", "corrections", "footprint", "destinations", "aliases"):
        keep(name, tables[name]["source_id"].isin(known))
    events = tables["events"]
    keep("events", events["source_id"].isin(known) & (events["date"] <= stamp))
    if iea_source_id(package.descriptor) not in known:
        keep("iea", tables["iea"]["year"] < 0)
    keep("sources", sources["source_id"].isin(known))
    keep("derived", _derived_still_computable(tables))
    package.as_of = cutoff


def _derived_still_computable(tables: dict[str, pd.DataFrame]) -> pd.Series:
    present = set(tables["figures"]["figure_id"])
    iea_available = len(tables["iea"]) > 0
    keep = {}
    # Derived rows may depend on each other; resolve in file order until stable.
    rows = list(tables["derived"].itertuples(index=False))
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row.derived_id in keep:
                continue
            refs = split_inputs(row.inputs)
            status = []
            for ref in refs:
                if ref.startswith("iea:"):
                    status.append(iea_available)
                elif ref in present:
                    status.append(True)
                elif ref in keep:
                    status.append(keep[ref])
                else:
                    status.append(None)
            if None not in status:
                keep[row.derived_id] = all(status)
                changed = True
    return tables["derived"]["derived_id"].map(lambda i: keep.get(i, False))


def split_inputs(text: str) -> list[str]:
    """Inputs of a derived figure: ids separated by semicolons (IEA keys contain spaces)."""
    return [part.strip() for part in text.split(";") if part.strip()]
