"""The one reader of the package's CSV files, and the checks of them as files.

Every part of chinaev that reads a resource's rows as text goes through `read_csv`:
the file checks (`table_problems`), the checks and rewrites (`read_rows`), the typed
frames of `load()` (package.py), and the record of reads (`reads.resolve`, which the
fingerprint of a no-op `chinaev run` uses). A file is parsed once per process for as
long as its bytes stay the same (the cache is keyed by their digest, not by a time
stamp that two quick writes can share). Standard library only.

The package's CSV dialect: UTF-8 without a byte-order mark, LF line endings, commas.
Files that differ are rejected rather than silently normalised, so that every copy of
the package reads the same in every tool (R and DuckDB keep a BOM in the first column
name) and diffs stay one line per changed row.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.data.descriptor import package_dir, read_descriptor, resource_descriptor, table_path
from chinaev.data.problems import Problem, UnsafePath, UserError

DELIMITERS = {";": "semicolon", "\t": "tab", "|": "vertical bar"}


@dataclass
class CsvFile:
    """One CSV file as parsed: its records with the line each starts on (the header
    first), or, in `failure`, why it cannot be parsed: (kind, line, detail)."""

    records: list[tuple[int, list[str]]]
    failure: tuple[str, int | None, object] | None = None
    _indexes: dict[tuple[str, ...], dict[tuple, list]] = field(default_factory=dict)
    _rows: list[dict[str, str]] | None = None

    @property
    def header(self) -> list[str]:
        return self.records[0][1] if self.records else []

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every row after the header as a dict (shared: never change one)."""
        if self._rows is None:
            header = self.header
            self._rows = [dict(zip(header, record, strict=False)) for _, record in self.records[1:]]
        return self._rows

    def index(self, fields: tuple[str, ...]) -> dict[tuple, list]:
        """The rows grouped by the values of `fields`, in file order within each group."""
        if fields not in self._indexes:
            groups: dict[tuple, list] = {}
            for row in self.rows:
                groups.setdefault(tuple(row.get(f) for f in fields), []).append(row)
            self._indexes[fields] = groups
        return self._indexes[fields]


_PARSED: OrderedDict[str, CsvFile] = OrderedDict()
_KEEP = 32  # files kept parsed; `chinaev run` resolves nine chapters against the same ones


# Tables that may rightly hold no row: an IEA edition may revise nothing the book reads.
# Any other table with a header and no row is taken for a truncated file.
MAY_BE_EMPTY = frozenset({"iea_revisions"})


def read_csv(path: Path, keep: bool = True) -> CsvFile:
    """The file at `path` parsed (from the cache when its bytes are unchanged).
    `keep=False`: not kept for later (`load` holds what it needs as frames)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return CsvFile([], ("missing", None, None))
    except OSError as error:
        return CsvFile([], ("unreadable", None, error.strerror or str(error)))
    key = hashlib.sha256(data).hexdigest()
    if key in _PARSED:
        _PARSED.move_to_end(key)
        return _PARSED[key]
    parsed = _parse(data)
    if not keep:
        return parsed
    _PARSED[key] = parsed
    while len(_PARSED) > _KEEP:
        _PARSED.popitem(last=False)
    return parsed


def _parse(data: bytes) -> CsvFile:
    if not data.strip():
        return CsvFile([], ("empty", 1, None))
    if data.startswith(b"\xef\xbb\xbf"):
        return CsvFile([], ("bom", 1, None))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return CsvFile([], ("utf8", line, (data[error.start], _column_at(data, error.start))))
    if "\r" in text:
        return CsvFile([], ("cr", text[: text.index("\r")].count("\n") + 1, None))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, start = [], 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        return CsvFile(records, ("quote", start, str(error)))
    return CsvFile(records)


def _column_at(data: bytes, offset: int) -> int | None:
    """The column holding byte `offset` of a CSV file (for messages about bad bytes)."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode("utf-8", errors="replace")
    try:
        cells = next(csv.reader([prefix]), [""])
    except csv.Error:
        return None
    return max(len(cells) - 1, 0)


def _failure_problem(failure, expected: list[str], problem) -> Problem:
    kind, line, detail = failure
    if kind == "missing":
        return problem(None, None, "no such file")
    if kind == "unreadable":
        return problem(None, None, f"cannot read: {detail}")
    if kind == "empty":
        return problem(1, None, f"empty file; expected a header row: {','.join(expected)}")
    if kind == "bom":
        return problem(
            1,
            expected[0] if expected else None,
            "starts with a byte-order mark (BOM); save it as UTF-8 without BOM",
        )
    if kind == "utf8":
        byte, column = detail
        where = expected[column] if column is not None and column < len(expected) else None
        return problem(
            line,
            where,
            f"not UTF-8: byte 0x{byte:02x} cannot be decoded (the package's CSV files are UTF-8)",
        )
    if kind == "cr":
        return problem(
            line,
            None,
            "carriage return (CRLF or CR line ending); the package's CSV files end "
            "lines with LF only (convert with dos2unix)",
        )
    return problem(
        line,
        None,
        "not readable as CSV: a quote opened in this row is not closed where its "
        f"field ends ({detail})",
    )


def table_problems(folder: Path, resource: dict) -> list[Problem]:
    """Problems with a resource's CSV file as a file: encoding, line endings, quoting,
    header against the schema, and fields per row. Empty when every row can be read."""
    return _checked(folder, resource)[1]


def _checked(folder: Path, resource: dict, keep=True) -> tuple[CsvFile | None, list[Problem]]:
    name = resource.get("name", "?")
    shown = str(resource.get("path"))

    def problem(row, field, message) -> Problem:
        return Problem(name, row, field, message, file=shown)

    try:
        path = table_path(folder, resource)
    except UnsafePath as error:
        return None, [problem(None, None, str(error))]
    parsed = read_csv(path, keep)
    expected = [spec["name"] for spec in resource.get("schema", {}).get("fields", [])]
    if parsed.failure:
        return parsed, [_failure_problem(parsed.failure, expected, problem)]
    header, records = parsed.header, parsed.records
    problems = _header_problems(header, expected, problem)
    if problems:
        return parsed, problems
    if len(records) == 1 and name not in MAY_BE_EMPTY:
        return parsed, [problem(1, None, "no rows after the header (a truncated file?)")]
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
    return parsed, problems


def _header_problems(header, expected, problem) -> list[Problem]:
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


def check_tables(folder: Path, descriptor: dict, names=None, keep=True) -> dict[str, CsvFile]:
    """Every resource's file parsed (all, or `names`), by resource name; UserError
    listing every problem when any file cannot be read as it should. `keep`: see
    `read_csv`."""
    parsed, problems = {}, []
    for resource in descriptor["resources"]:
        if names is None or resource["name"] in names:
            parsed[resource["name"]], found = _checked(folder, resource, keep)
            problems += found
    if problems:
        raise UserError(
            f"{len(problems)} problem(s) in the data package's CSV files; nothing was read",
            problems,
        )
    return parsed


def read_rows(path: Path | str, name: str, descriptor: dict | None = None) -> list[dict[str, str]]:
    """Rows of one resource as strings, exactly as stored (for checks and rewriting);
    a fresh list of fresh dicts, so a caller may change them.

    Pass the descriptor when it has been read already (reading it checks every path).
    """
    folder = package_dir(path)
    resource = resource_descriptor(descriptor or read_descriptor(folder), name)
    parsed, problems = _checked(folder, resource)
    if problems:
        raise UserError(f"{resource['path']}: cannot read resource {name}", problems)
    header = parsed.header
    return [dict(zip(header, record, strict=True)) for _, record in parsed.records[1:]]


class PackageRows(dict):
    """Every resource's rows as stored (strings), by name, with the folder and the
    descriptor they were read with: what one command reads once and hands on to each
    check and to the derived figures (`package_rows`)."""

    def __init__(self, folder: Path, descriptor: dict, tables: dict[str, list[dict[str, str]]]):
        super().__init__(tables)
        self.folder, self.descriptor = folder, descriptor


def package_rows(path: Path | str, descriptor: dict | None = None) -> PackageRows:
    """Every resource's rows (`read_rows`), reading the descriptor once if not given."""
    folder = package_dir(path)
    descriptor = descriptor or read_descriptor(folder)
    names = [resource["name"] for resource in descriptor["resources"]]
    return PackageRows(folder, descriptor, {n: read_rows(folder, n, descriptor) for n in names})


def descriptor_of(folder: Path | str, tables=None) -> dict:
    """The descriptor the rows were read with, else datapackage.json read now."""
    return getattr(tables, "descriptor", None) or read_descriptor(package_dir(folder))
