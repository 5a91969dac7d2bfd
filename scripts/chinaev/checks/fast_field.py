"""The fast path's SQL for one field: which cells are certainly valid, and their values.

A cell the SQL accepts is one frictionless-py would accept with no change; any other
cell is read by frictionless's own cell reader (see chinaev.checks.fastcheck).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from chinaev.data.problems import Problem

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


def sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(float(value)) if isinstance(value, float | Decimal) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


@functools.cache
def sql_regex_ok(pattern: str) -> bool:
    """Whether DuckDB (RE2) compiles the pattern; lookarounds and backreferences do not."""
    import duckdb

    try:
        duckdb.sql(f"SELECT regexp_full_match('', {sql_literal(pattern)})").fetchall()
        return True
    except duckdb.Error:
        return False


class FieldSQL:
    """One schema field: SQL for 'certainly valid' and the typed value; frictionless's reader."""

    def __init__(self, spec, schema, index: int):
        self.spec = spec  # frictionless Field
        self.name = spec.name
        self.index = index  # 1-based field number
        self.column = sql_name(f"c{index}")
        self.typed = sql_name(f"t{index}")
        self.ok = sql_name(f"ok{index}")
        missing = spec.missing_values if spec.has_defined("missing_values") else None
        self.missing = list(missing if missing is not None else schema.missing_values)
        self.reader = spec.create_cell_reader()
        self.constraints = dict(spec.constraints or {})

    def missing_sql(self) -> str:
        """SQL true where the raw cell is one of the field's missing values (a null)."""
        if not self.missing:
            return "FALSE"
        return f"{self.column} IN ({', '.join(map(sql_literal, self.missing))})"

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
            shape = f"regexp_full_match({c}, {sql_literal(INTEGER)}) AND {typed} IS NOT NULL"
        elif kind == "number":
            typed = f"TRY_CAST({c} AS DOUBLE)"
            shape = f"regexp_full_match({c}, {sql_literal(NUMBER)}) AND isfinite({typed})"
        elif kind == "boolean":
            trues = list(getattr(self.spec, "true_values", TRUE_VALUES))
            falses = list(getattr(self.spec, "false_values", FALSE_VALUES))
            typed = (
                f"CASE WHEN {c} IN ({', '.join(map(sql_literal, trues))}) THEN TRUE "
                f"WHEN {c} IN ({', '.join(map(sql_literal, falses))}) THEN FALSE END"
            )
            shape = f"{typed} IS NOT NULL"
        elif kind == "date":
            typed = f"CAST(TRY_STRPTIME({c}, '%Y-%m-%d') AS DATE)"
            shape = f"regexp_full_match({c}, {sql_literal(DATE)}) AND {typed} IS NOT NULL"
            shape += f" AND year({typed}) >= 1"
        else:  # year
            typed = f"TRY_CAST({c} AS INTEGER)"
            shape = f"regexp_full_match({c}, {sql_literal(YEAR)})"
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
                    checks.append(f"{value} IN ({', '.join(map(sql_literal, values))})")
            elif name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                bound = self.reader(constraint)[0] if isinstance(constraint, str) else constraint
                operator = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(
                    name, "<"
                )
                if bound is None or kind not in ("integer", "number", "year", "date"):
                    checks.append("FALSE")
                else:
                    checks.append(f"{value} {operator} {sql_literal(bound)}")
            elif name == "pattern":
                # frictionless matches ^pattern$ with Python's re; an RE2 full match
                # implies a Python match for the patterns RE2 accepts.
                if kind == "string" and sql_regex_ok(constraint):
                    checks.append(f"regexp_full_match({c}, {sql_literal(constraint)})")
                else:
                    checks.append("FALSE")
            elif name in ("minLength", "maxLength") and kind == "string":
                operator = ">=" if name == "minLength" else "<="
                checks.append(f"length({c}) {operator} {int(constraint)}")
            elif name == "unique":
                continue  # checked across rows
            else:
                checks.append("FALSE")  # anything else: let frictionless judge each cell
        missing = self.missing_sql()
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
