"""One resource read into DuckDB, with each field's validity and typed value.

Uniqueness, primary and foreign keys are then checked in SQL on the typed values,
with frictionless-py's rules and messages (see chinaev.checks.fastcheck).
"""

from __future__ import annotations

import csv
from pathlib import Path

from chinaev.checks.fast_field import NO_NULL, FastError, FieldSQL, sql_literal, sql_name


def count_records(path: Path) -> int:
    """Physical lines after the header (a last line without newline counts)."""
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return lines - 1


def fast_path_possible(resource: dict, path: Path, names: list[str]) -> bool:
    """Whether the file is a plain UTF-8 CSV whose header is exactly the schema's names."""
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


class Table:
    """A resource read into DuckDB, with per-field validity and typed values."""

    def __init__(self, con, name: str, path: Path, schema):
        self.con = con
        self.table = sql_name(f"r_{name}")
        self.name = name
        raw = sql_name(f"raw_{name}")
        self.fields = [FieldSQL(spec, schema, i) for i, spec in enumerate(schema.fields, start=1)]
        self.schema = schema
        columns = ", ".join(f"{sql_literal(f'c{f.index}')}: 'VARCHAR'" for f in self.fields)
        source = (
            f"read_csv({sql_literal(str(path))}, header=true, auto_detect=false, "
            f"columns={{{columns}}}, delim=',', quote='\"', escape='\"', new_line='\\n', "
            f"strict_mode=true, null_padding=false, allow_quoted_nulls=false, "
            f"nullstr={sql_literal(NO_NULL)})"
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
        missing = " AND ".join(f.missing_sql() for f in self.fields)
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
                    [(r, None if v is None else as_text(v)) for r, v in patch],
                )
                self.con.execute(
                    f"UPDATE {self.table} SET {field.typed} = "
                    f"CAST(__patch.v AS {self._sql_type(field)}) FROM __patch "
                    f"WHERE {self.table}.__row = __patch.r"
                )
        return errors

    def _sql_type(self, field: FieldSQL) -> str:
        return self.con.execute(
            f"SELECT typeof({field.typed}) FROM {self.table} LIMIT 1"
        ).fetchone()[0]

    def display(self, field: FieldSQL, row: int) -> str:
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
    def spec_unique(field: FieldSQL) -> bool:
        return bool(field.constraints.get("unique"))

    def key_columns(self, names: list[str]) -> list[FieldSQL]:
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

    def foreign_key_errors(self, reference: Table, fk: dict, position: int) -> list[FastError]:
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


def as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
