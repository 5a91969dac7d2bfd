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


def check_factcheck_results(folder, tables, texts) -> Iterator[Problem]:
    """factcheck_results.csv must be what the fact-check computes now (`chinaev derive`).
    A package that does not load typed is left to the checks that say why."""
    from chinaev.data.factcheck.results import stale_results

    yield from stale_results(folder, tables)


def check_claim_origins(folder, tables, texts) -> Iterator[Problem]:
    """Every figure that is not a statistic (by its metric's claim_type) says in
    claim_origins who set it; a figure that is a statistic has no row there."""
    kinds = {row["metric"]: row.get("claim_type", "") for row in tables.get("metrics", [])}
    origins = {row["figure_id"] for row in tables.get("claim_origins", [])}
    for line, row in enumerate(tables.get("figures", []), start=2):
        kind = kinds.get(row["metric"], "")
        if kind and kind != "statistic" and row["figure_id"] not in origins:
            yield Problem(
                "figures",
                line,
                "metric",
                f"a {kind} ({row['metric']}) needs a claim_origins row saying who set it",
            )
    statistics = {
        row["figure_id"]
        for row in tables.get("figures", [])
        if kinds.get(row["metric"], "") == "statistic"
    }
    for line, row in enumerate(tables.get("claim_origins", []), start=2):
        if row["figure_id"] in statistics:
            yield Problem(
                "claim_origins",
                line,
                "figure_id",
                f"{row['figure_id']} is a statistic (its metric's claim_type): no origin to give",
            )


def check_entity_tree(folder, tables, texts) -> Iterator[Problem]:
    """A parent needs a relation and a source that supports it (and the reverse); a chain
    of parents never comes back to where it started."""
    rows = tables.get("entities", [])
    parents = {row["entity_id"]: row.get("parent_entity_id", "") for row in rows}
    for line, row in enumerate(rows, start=2):
        linked = bool(row.get("parent_entity_id"))
        for name in ("relation", "relation_source_id", "relation_locator"):
            if linked and not row.get(name):
                yield Problem("entities", line, name, f"a parent_entity_id needs a {name}")
            elif row.get(name) and not linked:
                yield Problem("entities", line, name, f"{name} given without a parent_entity_id")
        seen, at = {row["entity_id"]}, parents.get(row["entity_id"], "")
        while at:
            if at in seen:
                yield Problem(
                    "entities",
                    line,
                    "parent_entity_id",
                    f"the parents of {row['entity_id']} form a cycle through {at}",
                )
                break
            seen.add(at)
            at = parents.get(at, "")


CURRENCIES = ("USD", "EUR", "CNY")


def check_money(folder, tables, texts) -> Iterator[Problem]:
    """Every figure in a currency has its basis in `money`, in the same currency; an
    implied rate is the quotient of the two amounts; a conversion has both its parts."""
    units = {row["figure_id"]: row["unit"] for row in tables.get("figures", [])}
    money = {row["figure_id"] for row in tables.get("money", [])}
    for line, row in enumerate(tables.get("figures", []), start=2):
        if row["unit"] in CURRENCIES and row["figure_id"] not in money:
            yield Problem("figures", line, "unit", "a money figure needs a `money` row (its basis)")
    for line, row in enumerate(tables.get("money", []), start=2):
        unit = units.get(row["figure_id"])
        if unit is not None and row["currency"] != unit:
            yield Problem(
                "money", line, "currency", f"{row['currency']} but the figure is in {unit}"
            )
        converted = [row.get(n, "") for n in ("original_currency", "original_amount")]
        rated = [row.get(n, "") for n in ("exchange_rate", "rate_date")]
        if row["rate_basis"] == "not_given" and any(rated):
            yield Problem("money", line, "rate_basis", "not_given, yet a rate or its date is given")
        if row["rate_basis"] != "not_given" and not (all(converted) and all(rated)):
            yield Problem(
                "money",
                line,
                "exchange_rate",
                f"a {row['rate_basis']} rate needs original_currency, original_amount, "
                "exchange_rate and rate_date",
            )
        if row["rate_basis"] == "implied" and all(converted) and all(rated):
            value = _number(
                next(
                    (r["value"] for r in tables["figures"] if r["figure_id"] == row["figure_id"]),
                    "",
                )
            )
            amount, rate = _number(row["original_amount"]), _number(row["exchange_rate"])
            if (
                None not in (value, amount, rate)
                and amount
                and float(f"{value / amount:.4g}") != rate
            ):
                yield Problem(
                    "money",
                    line,
                    "exchange_rate",
                    f"implied rate is {value / amount:.4g}, not {rate:g}",
                )


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
