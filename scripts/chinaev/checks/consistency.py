"""Consistency checks: what one row, or rows together, say must agree.

A figure's value with its number as written, its bounds with its qualifier, its unit
with its metric's; periods that end after they start; growth rates that name their
level and base period; the IEA table with its edition; derived figures with a fresh
computation from their inputs.
"""

from __future__ import annotations

from collections.abc import Iterator

from chinaev.checks.cells import as_date, number
from chinaev.checks.provenance import check_quote
from chinaev.data.bounds import QUALIFIER_BOUNDS
from chinaev.data.csvfile import descriptor_of
from chinaev.data.derive import stale_links, stale_rows
from chinaev.data.numbers import close, parse_as_written
from chinaev.data.package import iea_source_id
from chinaev.data.problems import Problem, UserError

GROWTH_METRICS = ("growth_yoy", "growth_mom")


def check_figures(folder, tables, texts) -> Iterator[Problem]:
    figures = tables.get("figures", [])
    metrics = {row["metric"]: row for row in tables.get("metrics", [])}
    ids = {row["figure_id"] for row in figures}
    for line, row in enumerate(figures, start=2):
        yield from check_quote("figures", line, row, texts, needle_field="as_written")
        value = number(row.get("value"))
        if value is None:
            continue  # frictionless reports the type error
        for name, message in _figure_problems(row, value, metrics, ids):
            yield Problem("figures", line, name, message)
        yield from _check_bounds(line, row, value)
        required = row.get("period_type") != "undated"
        yield from check_period(line, row, "figures", "period_start", "period_end", required)
        yield from check_period(line, row, "figures", "base_period_start", "base_period_end")


def _figure_problems(row, value: float, metrics, ids) -> Iterator[tuple[str, str]]:
    """(field, message) for what a figure's own cells contradict."""
    stated = parse_as_written(row.get("as_written", ""), row.get("unit", ""))
    if stated is None:
        yield "as_written", f"no number in {row.get('as_written')!r}"
    elif not close(stated, value):
        as_written = row.get("as_written")
        yield "value", f"value {row.get('value')} differs from {as_written!r} ({stated:g})"
    unit, metric = row.get("unit"), row.get("metric", "")
    if metric in metrics and metrics[metric]["unit"] != unit:
        yield "unit", f"unit {unit!r} but metric {metric} is measured in {metrics[metric]['unit']}"
    growth = metric in GROWTH_METRICS
    if unit == "percent" and not growth and not 0 <= value <= 100:
        yield "value", f"percentage {value:g} is outside 0 to 100"
    if unit == "percent" and growth and value < -100:
        yield "value", f"a fall of {value:g}% is below -100%"
    relation, related = row.get("relation", ""), row.get("related_figure_id", "")
    if bool(relation) != bool(related):
        yield (
            "related_figure_id" if relation else "relation",
            "relation and related_figure_id must be given together",
        )
    if related and related == row.get("figure_id"):
        yield "related_figure_id", "a figure cannot relate to itself"
    if growth or relation == "growth_of":
        if relation != "growth_of" or related not in ids:
            yield "relation", "a growth rate must name the level it grows (relation growth_of)"
        if not row.get("base_period_start"):
            yield "base_period_start", "a growth rate needs the base period it is measured from"


def _check_bounds(line, row, value) -> Iterator[Problem]:
    factors = QUALIFIER_BOUNDS.get(row.get("qualifier", ""))
    if factors is None:
        return  # frictionless reports the enum error
    qualifier = row["qualifier"]
    for name, factor in zip(("lower", "upper"), factors, strict=True):
        stored = row.get(name, "")
        if factor is None:
            if stored != "":
                message = f"qualifier {qualifier} leaves {name} unbounded; leave it empty"
                yield Problem("figures", line, name, message)
            continue
        bound = number(stored)
        if bound is None or not close(bound, value * factor, 1e-6):
            message = f"{name} should be {value * factor:g} for qualifier {qualifier}"
            yield Problem("figures", line, name, message)


def check_period(line, row, resource, start_field, end_field, required=False) -> Iterator[Problem]:
    """A period has both ends or neither (none only if not required), and ends after it starts."""
    start_text, end_text = row.get(start_field, ""), row.get(end_field, "")
    if not start_text and not end_text:
        if required:
            yield Problem(resource, line, start_field, "period is required")
        return
    start, end = as_date(start_text), as_date(end_text)
    if start is None or end is None:
        if bool(start_text) != bool(end_text):
            missing = end_field if start_text else start_field
            yield Problem(resource, line, missing, "a period needs both a start and an end")
        return  # malformed dates: frictionless reports the type error
    if end < start:
        message = f"period ends ({end_text}) before it starts ({start_text})"
        yield Problem(resource, line, end_field, message)


def check_events_and_periods(folder, tables, texts) -> Iterator[Problem]:
    for resource in ("destinations", "derived"):
        for line, row in enumerate(tables.get(resource, []), start=2):
            yield from check_period(line, row, resource, "period_start", "period_end")
    for line, row in enumerate(tables.get("events", []), start=2):
        if row.get("value") and not row.get("unit"):
            yield Problem("events", line, "unit", "an event value needs a unit")


def check_iea_edition(folder, tables, texts) -> Iterator[Problem]:
    """The iea resource names its edition's row in sources (`source_id`), and it is there."""
    if "iea" not in tables:
        return
    source_id = iea_source_id(descriptor_of(folder, tables))
    sources = {row.get("source_id"): row for row in tables.get("sources", [])}
    if not source_id:
        message = (
            "the iea resource does not name its sources row (source_id); "
            "`chinaev import-iea` sets it"
        )
        yield Problem("datapackage.json", None, "source_id", message)
    elif source_id not in sources:
        message = f"the iea resource's source_id {source_id!r} is not a row of sources"
        yield Problem("datapackage.json", None, "source_id", message)
    else:
        editions = {row.get("edition") for row in tables["iea"]} - {""}
        year = source_id.rsplit("-", 1)[-1]
        wrong = sorted(e for e in editions if not str(e).endswith(year))
        if wrong:
            message = (
                f"edition {', '.join(wrong)} does not match the resource's source_id {source_id}"
            )
            yield Problem("iea", None, "edition", message)


def check_derived(folder, tables, texts) -> Iterator[Problem]:
    try:
        yield from stale_rows(folder, tables)
        yield from stale_links(folder, tables)
    except (UserError, KeyError, ValueError) as error:
        yield Problem("derived", None, None, f"cannot recompute: {error}")
