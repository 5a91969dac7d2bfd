"""Checks on single cells: dates, finite numbers, years, impossible values.

Each check reads the CSV text, so a cell that is not even of its type is left to the
Table Schema checks (chinaev.checks.schema), which report the type error.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterator
from datetime import date

from chinaev.data.problems import Problem

# Dates in the package are written YYYY-MM-DD (ISO 8601, zero-padded): Python and
# frictionless would also read 2025-6-1, which sorts and compares wrongly as text.
DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))

# Units that count or measure things: a negative value is impossible, not a fall
# (falls are growth rates in percent, or derived differences).
NON_NEGATIVE_UNITS = {
    "vehicles",
    "vehicles_per_year",
    "count",
    "persons",
    "charging_points",
    "miles",
    "rank",
    "problems_per_100_vehicles",
    "GWh",
    "million_barrels_per_day",
    "million_litres_gasoline_equivalent",
}


def number(text) -> float | None:
    """A finite number from a cell, or None (empty, not a number, NaN or infinite)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def as_date(text) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def date_problem(text: str) -> str | None:
    """Why `text` is not a date of this package, or None."""
    if not DATE_FORMAT.match(text):
        return f"{text!r} is not a date written YYYY-MM-DD (e.g. 2025-06-01)"
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        return f"{text!r}: there is no month {month} (dates are written YYYY-MM-DD)"
    try:
        value = date(year, month, day)
    except ValueError:
        last = calendar.monthrange(year, month)[1] if year >= 1 else 31
        return (
            f"{text!r}: {calendar.month_name[month]} {year} has {last} days "
            "(dates are written YYYY-MM-DD)"
        )
    if not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
        return f"{text!r} is outside {DATE_RANGE[0]} to {DATE_RANGE[1]}"
    return None


def _cell_problem(kind: str | None, text: str) -> str | None:
    """What is wrong with a non-empty cell of a field of type `kind`, or None."""
    if kind == "date":
        return date_problem(text)
    if kind == "number":
        try:
            finite = math.isfinite(float(text))
        except ValueError:
            return None  # frictionless reports the type error
        return None if finite else f"{text!r} is not a finite number"
    if kind == "year" and text.isdigit():
        first, last = DATE_RANGE[0].year, DATE_RANGE[1].year
        if not first <= int(text) <= last:
            return f"year {text} is outside {first} to {last}"
    return None


def cell_problems(descriptor: dict, tables) -> Iterator[Problem]:
    """Checks on single cells that every field of a type gets: dates in YYYY-MM-DD and in
    range, numbers finite (frictionless reads NaN and INF as numbers), years in range."""
    for resource in descriptor["resources"]:
        name = resource["name"]
        fields = resource.get("schema", {}).get("fields", [])
        for line, row in enumerate(tables.get(name, []), start=2):
            for spec in fields:
                text = row.get(spec["name"]) or ""
                message = _cell_problem(spec.get("type"), text) if text else None
                if message:
                    yield Problem(name, line, spec["name"], message)


def check_values(folder, tables, texts) -> Iterator[Problem]:
    """Values that cannot be: negative counts, shares above 100%."""
    for resource, fields in (
        ("figures", ("value", "lower", "upper")),
        ("events", ("value",)),
        ("iea", ("value",)),
    ):
        for line, row in enumerate(tables.get(resource, []), start=2):
            unit = row.get("unit", "")
            for name in fields:
                value = number(row.get(name))
                if value is None:
                    continue
                if unit in NON_NEGATIVE_UNITS and value < 0:
                    yield Problem(
                        resource, line, name, f"{value:g} {unit}: a count cannot be negative"
                    )
                if (
                    resource != "figures"  # figures: check_figures knows growth rates
                    and unit == "percent"
                    and not 0 <= value <= 100
                ):
                    yield Problem(resource, line, name, f"percentage {value:g} is outside 0 to 100")
    for line, row in enumerate(tables.get("derived", []), start=2):
        value = number(row.get("value"))
        if row.get("method") == "share" and value is not None and not 0 <= value <= 100:
            yield Problem(
                "derived",
                line,
                "value",
                f"a share of {value:g}% is impossible: its inputs contradict each other",
            )
