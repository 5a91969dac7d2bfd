"""Table Schema validation of large CSV resources with DuckDB, as frictionless-py does it.

frictionless-py reads a resource row by row in Python (tens of microseconds a
row); this module gives the same answer in a fraction of the time:

1. DuckDB reads the CSV as text (every cell a string, nothing turned into NULL)
   and, for each field, decides in one vectorised pass which cells are certainly
   valid: a conservative test of type and constraints (required, enum, minimum,
   maximum, exclusive bounds, pattern, minLength, maxLength) that never accepts
   a cell frictionless would reject. It also computes each cell's typed value.
2. Every cell not certainly valid (normally a handful) is read by frictionless's
   own cell reader (`Field.create_cell_reader`), which gives the verdict and the
   error notes word for word; the typed value it returns replaces DuckDB's.
3. unique, primaryKey and foreignKeys are checked in SQL on the typed values, with
   frictionless's rules: nulls are skipped by unique; a primary key of nulls only
   is an error; a foreign key of nulls only is skipped; a later duplicate is the
   error and names the previous row.

Errors come out as frictionless reports them: the same type (type-error,
constraint-error, unique-error, primary-key, foreign-key), row number (the
header is row 1), field, cell and note, in the same order, at most
`limit_errors` of them (frictionless's default 1000).

What the fast path does not judge it hands back (check_resource returns None)
and the caller runs frictionless on that resource: a header that is not exactly
the schema's field names, ragged rows, blank rows, quoted line breaks, a
non-default CSV dialect or encoding, stats or hash in the descriptor, a field
type or format other than string, number, integer, boolean, date and year.
Known difference: numbers are compared as doubles for unique, primary and foreign
keys (frictionless compares Decimals): two numbers that differ beyond the 17th
significant digit count as equal here.
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from chinaev.data.problems import Problem

LIMIT_ERRORS = 1000  # frictionless's settings.DEFAULT_LIMIT_ERRORS
FAST_TYPES = {"string", "number", "integer", "boolean", "date", "year"}
TRUE_VALUES = ["true", "True", "TRUE", "1"]
FALSE_VALUES = ["false", "False", "FALSE", "0"]
NO_NULL = "\x01chinaev-no-null\x01"  # a null string no CSV cell can equal

# Cells these patterns accept are read by frictionless as the type with no change
# (no surrounding spaces, no underscores, ASCII digits): a conservative subset.
INTEGER = r"[+-]?[0-9]+"
NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
YEAR = r"[0-9]{4}"


@dataclass(frozen=True)
class FastError:
    """One error as frictionless would report it."""

    type: str
    row: int | None
    field: str | None
    cell: str | None
    note: str
    order: tuple = ()

    def problem(self, resource: str) -> Problem:
        shown = f" {self.cell!r}" if self.cell not in (None, "") else ""
        return Problem(resource, self.row, self.field, f"{self.type}:{shown} {self.note}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(float(value)) if isinstance(value, float | Decimal) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _count_records(path: Path) -> int:
    """Physical lines after the header (a last line without newline counts)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return lines - 1


def _sql_regex_ok(pattern: str) -> bool:
    """Whether DuckDB (RE2) compiles the pattern; lookarounds and backreferences do not."""
    import duckdb

    try:
        duckdb.sql(f"SELECT regexp_full_match('', {_literal(pattern)})").fetchall()
        return True
    except duckdb.Error:
        return False


class _Field:
    """One schema field: SQL for 'certainly valid' and the typed value; frictionless's reader."""

    def __init__(self, spec, schema, index: int):
        self.spec = spec  # frictionless Field
        self.name = spec.name
        self.index = index  # 1-based field number
        self.column = _quote(f"c{index}")
        self.typed = _quote(f"t{index}")
        self.ok = _quote(f"ok{index}")
        missing = spec.missing_values if spec.has_defined("missing_values") else None
        self.missing = list(missing if missing is not None else schema.missing_values)
        self.reader = spec.create_cell_reader()
        self.constraints = dict(spec.constraints or {})

    def supported(self) -> bool:
        spec = self.spec
        if spec.type not in FAST_TYPES or getattr(spec, "format", "default") != "default":
            return False
        if spec.type == "number":
            return not set(spec.list_defined()) & {"group_char", "decimal_char", "bare_number"}
        if spec.type == "integer":
            return "bare_number" not in spec.list_defined()
        return True

    def sql(self) -> tuple[str, str]:
        """(certainly-valid predicate, typed value) over the raw text column."""
        c = self.column
        kind = self.spec.type
        if kind == "string":
            typed, shape = c, "TRUE"
        elif kind == "integer":
            typed = f"TRY_CAST({c} AS HUGEINT)"
            shape = f"regexp_full_match({c}, {_literal(INTEGER)}) AND {typed} IS NOT NULL"
        elif kind == "number":
            typed = f"TRY_CAST({c} AS DOUBLE)"
            shape = f"regexp_full_match({c}, {_literal(NUMBER)}) AND isfinite({typed})"
        elif kind == "boolean":
            trues = list(getattr(self.spec, "true_values", TRUE_VALUES))
            falses = list(getattr(self.spec, "false_values", FALSE_VALUES))
            typed = (
                f"CASE WHEN {c} IN ({', '.join(map(_literal, trues))}) THEN TRUE "
                f"WHEN {c} IN ({', '.join(map(_literal, falses))}) THEN FALSE END"
            )
            shape = f"{typed} IS NOT NULL"
        elif kind == "date":
            typed = f"CAST(TRY_STRPTIME({c}, '%Y-%m-%d') AS DATE)"
            shape = f"regexp_full_match({c}, {_literal(DATE)}) AND {typed} IS NOT NULL"
            shape += f" AND year({typed}) >= 1"
        else:  # year
            typed = f"TRY_CAST({c} AS INTEGER)"
            shape = f"regexp_full_match({c}, {_literal(YEAR)})"
        checks = [shape]
        value = typed if kind != "string" else c
        for name, constraint in self.constraints.items():
            if name == "required":
                continue  # a missing cell is never "certainly valid" (see below)
            if name == "enum":
                values = [self.reader(v)[0] for v in constraint]
                if any(v is None for v in values):
                    checks.append("FALSE")
                else:
                    checks.append(f"{value} IN ({', '.join(map(_literal, values))})")
            elif name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                bound = self.reader(constraint)[0] if isinstance(constraint, str) else constraint
                operator = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(
                    name, "<"
                )
                if bound is None or kind not in ("integer", "number", "year", "date"):
                    checks.append("FALSE")
                else:
                    checks.append(f"{value} {operator} {_literal(bound)}")
            elif name == "pattern":
                # frictionless matches ^pattern$ with Python's re; an RE2 full match
                # implies a Python match for the patterns RE2 accepts.
                if kind == "string" and _sql_regex_ok(constraint):
                    checks.append(f"regexp_full_match({c}, {_literal(constraint)})")
                else:
                    checks.append("FALSE")
            elif name in ("minLength", "maxLength") and kind == "string":
                operator = ">=" if name == "minLength" else "<="
                checks.append(f"length({c}) {operator} {int(constraint)}")
            elif name == "unique":
                continue  # checked across rows
            else:
                checks.append("FALSE")  # anything else: let frictionless judge each cell
        missing = f"{c} IN ({', '.join(map(_literal, self.missing))})" if self.missing else "FALSE"
        required = bool(self.constraints.get("required"))
        # A missing cell is valid unless required; otherwise every check must pass.
        valid = " AND ".join(f"({check})" for check in checks)
        ok = f"CASE WHEN {missing} THEN {'FALSE' if required else 'TRUE'} ELSE ({valid}) END"
        typed_value = f"CASE WHEN {missing} THEN NULL ELSE {typed} END"
        return ok, typed_value

    def python_value(self, value):
        """A value from frictionless's reader in the SQL column's type."""
        if isinstance(value, Decimal):
            return float(value)
        return value


def _schema_of(resource: dict, folder: Path):
    schema = resource.get("schema", {})
    if isinstance(schema, str):
        schema = json.loads((folder / schema).read_text(encoding="utf-8"))
    return _frictionless_schema(json.dumps(schema, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _frictionless_schema(schema_json: str):
    """frictionless's Schema for a schema (read only here), made once per process."""
    from frictionless import Schema

    return Schema.from_descriptor(json.loads(schema_json))


def _fast_path_possible(resource: dict, path: Path, names: list[str]) -> bool:
    if set(resource) & {"dialect", "stats", "hash", "bytes", "compression", "innerpath"}:
        return False
    if str(resource.get("encoding", "utf-8")).lower() not in ("utf-8", "utf8"):
        return False
    if resource.get("format", "csv") != "csv" or not isinstance(resource.get("path"), str):
        return False
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError):
        return False
    return header == names


class _Table:
    """A resource read into DuckDB, with per-field validity and typed values."""

    def __init__(self, con, name: str, path: Path, schema):
        self.con = con
        self.table = _quote(f"r_{name}")
        self.name = name
        raw = _quote(f"raw_{name}")
        self.fields = [_Field(spec, schema, i) for i, spec in enumerate(schema.fields, start=1)]
        self.schema = schema
        columns = ", ".join(f"{_literal(f'c{f.index}')}: 'VARCHAR'" for f in self.fields)
        source = (
            f"read_csv({_literal(str(path))}, header=true, auto_detect=false, "
            f"columns={{{columns}}}, delim=',', quote='\"', escape='\"', new_line='\\n', "
            f"strict_mode=true, null_padding=false, allow_quoted_nulls=false, "
            f"nullstr={_literal(NO_NULL)})"
        )
        select = ["rowid + 2 AS __row"]
        for field in self.fields:
            ok, typed = field.sql()
            select += [field.column, f"{ok} AS {field.ok}", f"{typed} AS {field.typed}"]
        con.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {source}")
        con.execute(f"CREATE TEMP TABLE {self.table} AS SELECT {', '.join(select)} FROM {raw}")
        con.execute(f"DROP TABLE {raw}")
        self.rows = con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def blank_rows(self) -> int:
        missing = " AND ".join(
            f"{f.column} IN ({', '.join(map(_literal, f.missing))})" if f.missing else "FALSE"
            for f in self.fields
        )
        return self.con.execute(f"SELECT count(*) FROM {self.table} WHERE {missing}").fetchone()[0]

    def cell_errors(self) -> list[FastError]:
        """Read the doubtful cells with frictionless; fix their typed values."""
        errors = []
        for field in self.fields:
            doubtful = self.con.execute(
                f"SELECT __row, {field.column} FROM {self.table} WHERE NOT {field.ok}"
            ).fetchall()
            patch = []
            for row, cell in doubtful:
                value, notes = field.reader(cell)
                for position, (kind, note) in enumerate((notes or {}).items()):
                    error_type = "type-error" if kind == "type" else "constraint-error"
                    errors.append(
                        FastError(
                            error_type,
                            row,
                            field.name,
                            str(cell),
                            note,
                            (row, 0, field.index, position),
                        )
                    )
                patch.append((row, field.python_value(value)))
            if patch:
                self.con.execute("CREATE OR REPLACE TEMP TABLE __patch (r BIGINT, v VARCHAR)")
                self.con.executemany(
                    "INSERT INTO __patch VALUES (?, ?)",
                    [(r, None if v is None else _as_text(v)) for r, v in patch],
                )
                self.con.execute(
                    f"UPDATE {self.table} SET {field.typed} = "
                    f"CAST(__patch.v AS {self._sql_type(field)}) FROM __patch "
                    f"WHERE {self.table}.__row = __patch.r"
                )
        return errors

    def _sql_type(self, field: _Field) -> str:
        return self.con.execute(
            f"SELECT typeof({field.typed}) FROM {self.table} LIMIT 1"
        ).fetchone()[0]

    def display(self, field: _Field, row: int) -> str:
        """str() of the typed value frictionless keeps for a cell."""
        raw = self.con.execute(
            f"SELECT {field.column} FROM {self.table} WHERE __row = ?", [row]
        ).fetchone()[0]
        value = None if raw in field.missing else field.reader(raw)[0]
        return str(value)

    def unique_errors(self) -> list[FastError]:
        errors = []
        for field in self.fields:
            if not self.spec_unique(field):
                continue
            found = self.con.execute(
                f"SELECT __row, previous FROM (SELECT __row, lag(__row) OVER "
                f"(PARTITION BY {field.typed} ORDER BY __row) AS previous FROM {self.table} "
                f"WHERE {field.typed} IS NOT NULL) WHERE previous IS NOT NULL ORDER BY __row"
            ).fetchall()
            for row, previous in found:
                errors.append(
                    FastError(
                        "unique-error",
                        row,
                        field.name,
                        self.display(field, row),
                        f"the same as in the row at position {previous}",
                        (row, 1, field.index, 0),
                    )
                )
        return errors

    @staticmethod
    def spec_unique(field: _Field) -> bool:
        return bool(field.constraints.get("unique"))

    def key_columns(self, names: list[str]) -> list[_Field]:
        by_name = {f.name: f for f in self.fields}
        return [by_name[name] for name in names]

    def primary_key_errors(self) -> list[FastError]:
        names = list(self.schema.primary_key or [])
        if not names:
            return []
        key = self.key_columns(names)
        all_null = " AND ".join(f"{f.typed} IS NULL" for f in key)
        errors = [
            FastError(
                "primary-key",
                row,
                None,
                None,
                'cells composing the primary keys are all "None"',
                (row, 2, 0, 0),
            )
            for (row,) in self.con.execute(
                f"SELECT __row FROM {self.table} WHERE {all_null} ORDER BY __row"
            ).fetchall()
        ]
        partition = ", ".join(f.typed for f in key)
        found = self.con.execute(
            f"SELECT __row, previous FROM (SELECT __row, lag(__row) OVER (PARTITION BY "
            f"{partition} ORDER BY __row) AS previous FROM {self.table} WHERE NOT ({all_null})) "
            "WHERE previous IS NOT NULL ORDER BY __row"
        ).fetchall()
        errors += [
            FastError(
                "primary-key",
                row,
                None,
                None,
                f"the same as in the row at position {previous}",
                (row, 2, 0, 0),
            )
            for row, previous in found
        ]
        return errors

    def foreign_key_errors(self, reference: _Table, fk: dict, position: int) -> list[FastError]:
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref_fields = fk["reference"]["fields"]
        ref_fields = ref_fields if isinstance(ref_fields, list) else [ref_fields]
        local = self.key_columns(fields)
        remote = reference.key_columns(ref_fields)
        all_null = " AND ".join(f"t.{f.typed} IS NULL" for f in local)
        match = " AND ".join(
            f"t.{a.typed} IS NOT DISTINCT FROM r.{b.typed}"
            for a, b in zip(local, remote, strict=True)
        )
        rows = self.con.execute(
            f"SELECT t.__row FROM {self.table} t WHERE NOT ({all_null}) AND NOT EXISTS "
            f"(SELECT 1 FROM {reference.table} r WHERE {match}) ORDER BY t.__row"
        ).fetchall()
        source_name = fk["reference"].get("resource", "")
        errors = []
        for (row,) in rows:
            values = [self.display(f, row) for f in local]
            note = 'for "{}": values "{}" not found in the lookup table "{}" as "{}"'.format(
                ", ".join(fields), ", ".join(values), source_name, ", ".join(ref_fields)
            )
            errors.append(
                FastError("foreign-key", row, ", ".join(fields), None, note, (row, 3, position, 0))
            )
        return errors


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_resource(
    folder: Path,
    descriptor: dict,
    name: str,
    *,
    limit_errors: int = LIMIT_ERRORS,
    checker: Checker | None = None,
) -> list[Problem] | None:
    """Problems in one resource of the package, as frictionless reports them.

    Returns None when the fast path cannot judge the resource (see the module
    docstring); the caller then validates it with frictionless. Pass a Checker to
    share one DuckDB database (and the tables foreign keys read) across resources.
    """
    errors = check_resource_errors(
        folder, descriptor, name, limit_errors=limit_errors, checker=checker
    )
    if errors is None:
        return None
    return [error.problem(name) for error in errors]


def check_resource_errors(
    folder: Path,
    descriptor: dict,
    name: str,
    *,
    limit_errors: int = LIMIT_ERRORS,
    checker: Checker | None = None,
) -> list[FastError] | None:
    if checker is not None:
        return checker.errors(name, limit_errors)
    with Checker(folder, descriptor) as own:
        return own.errors(name, limit_errors)


class Checker:
    """One DuckDB database for a package: each table is read and typed once."""

    def __init__(self, folder: Path, descriptor: dict):
        import duckdb

        self.folder = Path(folder)
        self.resources = {r.get("name"): r for r in descriptor.get("resources", [])}
        self.con = duckdb.connect()
        self.tables: dict[str, _Table | None] = {}
        self.cells: dict[str, list[FastError]] = {}

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def table(self, name: str) -> _Table | None:
        """The resource read and typed (its doubtful cells read by frictionless), or None."""
        import duckdb

        if name not in self.tables:
            resource = self.resources[name]
            schema = _schema_of(resource, self.folder)
            path = self.folder / resource["path"]
            table = None
            if _fast_path_possible(resource, path, schema.field_names):
                try:
                    table = _Table(self.con, name, path, schema)
                except duckdb.Error:
                    table = None  # ragged rows, bad quoting, not UTF-8: frictionless says
                if table is not None and (
                    not all(field.supported() for field in table.fields)
                    or table.rows != _count_records(path)
                    or table.blank_rows()
                ):
                    table = None  # quoted line breaks, blank lines or rows, other types
                if table is not None:
                    self.cells[name] = table.cell_errors()
            self.tables[name] = table
        return self.tables[name]

    def errors(self, name: str, limit_errors: int = LIMIT_ERRORS) -> list[FastError] | None:
        table = self.table(name)
        if table is None:
            return None
        errors = self.cells[name] + table.unique_errors() + table.primary_key_errors()
        for position, fk in enumerate(table.schema.foreign_keys or [], start=1):
            target = fk["reference"].get("resource", "") or name
            if target not in self.resources:
                continue  # frictionless skips a reference to a resource it does not have
            reference = self.table(target)
            if reference is None:
                return None
            errors += table.foreign_key_errors(reference, fk, position)
        errors.sort(key=lambda error: error.order)
        return errors[:limit_errors]


def frictionless_errors(folder: Path, descriptor_path: Path, name: str) -> list[FastError]:
    """The same errors from frictionless-py, for comparisons and benchmarks."""
    from frictionless import Package, system

    with system.use_context(trusted=False):
        report = Package(str(descriptor_path)).get_resource(name).validate()
    out = []
    for task in report.tasks:
        for error in task.errors:
            field = getattr(error, "field_name", None) or ", ".join(
                getattr(error, "field_names", None) or []
            )
            out.append(
                FastError(
                    error.type,
                    getattr(error, "row_number", None),
                    field or None,
                    getattr(error, "cell", None),
                    error.note or error.message,
                )
            )
    return out
