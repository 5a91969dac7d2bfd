"""Validate a data package: Frictionless first, then the project's provenance checks.

Everything returns Problems (resource, CSV line, field, message); nothing here prints
or exits. Checks read the CSVs as text, so a bad cell is reported, never a crash.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from chinaev.data import paths
from chinaev.data.derive import stale_links, stale_rows
from chinaev.data.numbers import close, parse_as_written
from chinaev.data.package import (
    DESCRIPTOR,
    RESOURCES,
    iea_source_id,
    package_dir,
    read_descriptor,
    read_rows,
    table_problems,
)
from chinaev.data.problems import Problem, UserError
from chinaev.data.sourcetext import (
    audit_keys,
    body,
    normalise,
    paragraph_number,
    paragraphs,
    sha256_of,
)

MAX_QUOTE = 300
# Bounds implied by each qualifier, as (lower factor, upper factor); None is unbounded.
QUALIFIER_BOUNDS = {
    "exact": (1.0, 1.0),
    "about": (0.9, 1.1),
    "nearly": (0.9, 1.0),
    "more_than": (1.0, None),
    "at_least": (1.0, None),
    "up_to": (None, 1.0),
    "less_than": (None, 1.0),
}
GROWTH_METRICS = ("growth_yoy", "growth_mom")
# Table Schema checks: "auto" (the default) and "fast" send every resource to the DuckDB
# fast path (chinaev.checks.fastcheck), which hands what it cannot judge to frictionless-py;
# "frictionless" sends every resource to frictionless-py. The fast path is also the
# quicker one on small tables: frictionless-py rebuilds its metadata objects for every
# foreign-key lookup. tests/test_fastcheck.py shows both give the same verdicts.
ENGINES = ("auto", "fast", "frictionless")


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks skipped, and why


def validate_package(
    path: Path | str,
    seeds: Path | None = None,
    engine: str = "auto",
    *,
    provenance: bool = True,
) -> Validation:
    """Run every check on the package at `path` (datapackage.json or its folder).

    First the descriptor and every CSV file as a file (paths, encoding, line endings,
    header, fields per row); if any of that fails, the other checks are not run,
    since they would only repeat it. `engine` chooses who checks the Table Schemas
    (see ENGINES); the problems are the same either way, only the time differs.
    `provenance=False` leaves out the checks that need the source texts (quotes,
    locators, the audit, aliases, sha256).
    """
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    result = Validation()
    folder = package_dir(path)
    try:
        descriptor = read_descriptor(folder)
    except UserError as error:
        result.problems += error.problems or [
            Problem(DESCRIPTOR, None, None, str(error), file=DESCRIPTOR)
        ]
        return result
    names = [resource["name"] for resource in descriptor["resources"]]
    result.problems += [
        Problem(DESCRIPTOR, None, "resources", f"no resource named {name!r}", file=DESCRIPTOR)
        for name in RESOURCES
        if name not in names
    ]
    for resource in descriptor["resources"]:
        result.problems += table_problems(folder, resource)
    if result.problems:
        result.problems = sorted(set(result.problems), key=_order)
        return result
    tables = {name: read_rows(folder, name, descriptor) for name in names}
    own = list(cell_problems(descriptor, tables))
    schema_problems = table_schema_problems(folder, engine, result.notes)
    result.problems += own + _without_repeats(schema_problems, own)
    texts = _source_texts(tables, seeds or paths.seeds_dir(), result) if provenance else {}
    for check in (
        check_figures,
        check_audit,
        check_quoted_records,
        check_events_and_periods,
        check_derived,
        check_iea_edition,
        check_comparisons,
        check_values,
    ):
        result.problems += list(check(folder, tables, texts))
    files = {resource["name"]: resource["path"] for resource in descriptor["resources"]}
    keys = {
        resource["name"]: ", ".join(_as_list(resource["schema"].get("primaryKey")))
        for resource in descriptor["resources"]
    }
    result.problems = sorted(
        {
            replace(
                problem,
                file=problem.file or files.get(problem.resource),
                # frictionless names no field for a repeated key: name the key's fields
                field=problem.field
                or (keys.get(problem.resource) if "primary-key" in problem.message else None),
            )
            for problem in result.problems
        },
        key=_order,
    )
    return result


def _as_list(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _order(problem: Problem):
    return (problem.resource, problem.row or 0, problem.field or "", problem.message)


def _without_repeats(theirs: list[Problem], ours: list[Problem]) -> list[Problem]:
    """Frictionless's terse type errors on cells that our own checks already explain."""
    explained = {(p.resource, p.row, p.field) for p in ours}
    return [
        p
        for p in theirs
        if not ((p.resource, p.row, p.field) in explained and "type-error" in p.message)
    ]


def _frictionless_problem(resource: str, error) -> Problem:
    fields = (
        getattr(error, "field_name", None)
        or ", ".join(getattr(error, "field_names", None) or [])
        or None
    )
    cell = getattr(error, "cell", None)
    shown = f" {cell!r}" if cell not in (None, "") else ""
    return Problem(
        resource,
        getattr(error, "row_number", None),
        fields,
        f"{error.type}:{shown} {error.note or error.message}",
    )


def table_schema_problems(folder: Path, engine: str = "auto", notes=None) -> list[Problem]:
    """Frictionless v2 validation of the package, on the fast path unless engine="frictionless".

    The same steps as frictionless's Package.validate: the descriptor against the
    Data Package profile first (nothing else when it fails), then each resource.
    """
    if engine == "frictionless":
        return frictionless_problems(folder)
    from frictionless import Package, system

    from chinaev.checks import fastcheck

    descriptor_path = folder / "datapackage.json"
    problems = _profile_problems(descriptor_path)
    if problems:
        return problems
    descriptor = read_descriptor(folder)
    problems = []
    package = None  # frictionless's own reading, made only if a resource needs it
    checker = fastcheck.Checker(folder, descriptor)
    for name in [resource["name"] for resource in descriptor["resources"]]:
        found = fastcheck.check_resource(folder, descriptor, name, checker=checker)
        if found is None and notes is not None:
            notes.append(f"{name}: the fast path cannot judge it; frictionless did")
        if found is None:
            with system.use_context(trusted=False):
                package = package or Package(str(descriptor_path))
                resource = package.get_resource(name)
                report = resource.validate()
            found = [
                _frictionless_problem(task.name or resource.name, error)
                for task in report.tasks
                for error in task.errors
            ] + [_frictionless_problem("datapackage.json", error) for error in report.errors]
        problems += found
    checker.close()
    return problems


# frictionless's verdicts on descriptors, by their bytes and their schemas' content:
# building its metadata objects takes longer than the fast path's checks of the data.
_PROFILE_VERDICTS: dict[str, list[Problem]] = {}


def _profile_problems(descriptor_path: Path) -> list[Problem]:
    """The descriptor against the Data Package profile, as frictionless-py judges it."""
    from frictionless import FrictionlessException, Package, system

    try:
        inlined = json.dumps(read_descriptor(descriptor_path), sort_keys=True)
    except UserError:
        inlined = None  # let frictionless say what is wrong; do not remember it
    key = None
    if inlined is not None:
        key = hashlib.sha256(descriptor_path.read_bytes() + inlined.encode()).hexdigest()
        if key in _PROFILE_VERDICTS:
            return list(_PROFILE_VERDICTS[key])
    try:
        with system.use_context(trusted=False):
            Package(str(descriptor_path)).to_descriptor(validate=True)
        problems = []
    except FrictionlessException as exception:
        problems = [
            Problem("datapackage.json", None, None, f"{error.type}: {error.message}")
            for error in exception.to_errors()
        ]
    except Exception as error:  # frictionless raises many kinds for a broken descriptor
        message = f"frictionless cannot read it: {error}"
        problems = [Problem("datapackage.json", None, None, message)]
    if key is not None:
        _PROFILE_VERDICTS[key] = problems
    return list(problems)


def frictionless_problems(folder: Path) -> list[Problem]:
    """Frictionless v2 validation of the whole package, one Problem per error.

    Run untrusted (frictionless's default): it then refuses any path outside the
    package itself, besides the check every path has already passed in read_descriptor.
    """
    from frictionless import Package

    descriptor = folder / DESCRIPTOR
    try:
        report = Package(str(descriptor)).validate()
    except Exception as error:  # frictionless raises many kinds for a broken descriptor
        return [Problem(DESCRIPTOR, None, None, f"frictionless cannot read it: {error}")]
    problems = [
        _frictionless_problem(task.name or DESCRIPTOR, error)
        for task in report.tasks
        for error in task.errors
    ]
    for error in report.errors:
        problems.append(Problem(DESCRIPTOR, None, None, f"{error.type}: {error.message}"))
    return problems


# Dates in the package are written YYYY-MM-DD (ISO 8601, zero-padded): Python and
# frictionless would also read 2025-6-1, which sorts and compares wrongly as text.
DATE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RANGE = (date(1900, 1, 1), date(2100, 12, 31))


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


def cell_problems(descriptor: dict, tables) -> Iterator[Problem]:
    """Checks on single cells that every field of a type gets: dates in YYYY-MM-DD and in
    range, numbers finite (frictionless reads NaN and INF as numbers), years in range."""
    for resource in descriptor["resources"]:
        name = resource["name"]
        fields = resource.get("schema", {}).get("fields", [])
        for line, row in enumerate(tables.get(name, []), start=2):
            for spec in fields:
                text = row.get(spec["name"]) or ""
                if not text:
                    continue
                kind = spec.get("type")
                message = None
                if kind == "date":
                    message = date_problem(text)
                elif kind == "number":
                    try:
                        finite = math.isfinite(float(text))
                    except ValueError:
                        continue  # frictionless reports the type error
                    if not finite:
                        message = f"{text!r} is not a finite number"
                elif kind == "year" and text.isdigit():
                    if not DATE_RANGE[0].year <= int(text) <= DATE_RANGE[1].year:
                        message = (
                            f"year {text} is outside {DATE_RANGE[0].year} to {DATE_RANGE[1].year}"
                        )
                if message:
                    yield Problem(name, line, spec["name"], message)


def _source_texts(tables, seeds: Path, result: Validation) -> dict[str, str]:
    """Texts of the sources (all but datasets) by source_id, looked up in the seeds folder
    and then in the pack of reports; with neither folder the quote checks are skipped."""
    texts: dict[str, str] = {}
    folders = [folder for folder in paths.text_dirs(seeds) if folder.is_dir()]
    if not seeds.is_dir():
        message = (
            f"source texts not found at {seeds}: quote, locator and audit checks "
            "skipped (set CHINAEV_SEEDS or --seeds, CHINAEV_SOURCES)"
        )
        if os.environ.get("CI") == "true":
            result.problems.append(Problem("sources", None, None, message))
        else:
            result.notes.append(message)
        return texts
    for line, row in enumerate(tables.get("sources", []), start=2):
        if row.get("kind") == "dataset":
            continue
        try:
            candidates = [paths.inside(f, row.get("file", ""), what="source file") for f in folders]
        except UserError as error:
            result.problems.append(Problem("sources", line, "file", str(error)))
            continue
        file = next((c for c in candidates if c.is_file()), None)
        if file is None:
            where = " or ".join(str(f) for f in folders)
            result.problems.append(
                Problem(
                    "sources", line, "file", f"source file {row.get('file')!r} not found in {where}"
                )
            )
            continue
        if sha256_of(file) != row.get("sha256"):
            result.problems.append(
                Problem(
                    "sources", line, "sha256", f"{file.name} does not match the recorded sha256"
                )
            )
        texts[row["source_id"]] = body(file.read_text(encoding="utf-8"))
    return texts


def _paragraph(texts, source_id: str, locator: str) -> str | None | bool:
    """The located paragraph; None when it does not exist; False when the text is absent."""
    if source_id not in texts:
        return False
    number = paragraph_number(locator)
    blocks = paragraphs(texts[source_id])
    if number is None or number > len(blocks):
        return None
    return blocks[number - 1]


def _check_quote(resource, line, row, texts, needle_field=None) -> Iterator[Problem]:
    quote = row.get("quote", "")
    if len(quote) > MAX_QUOTE:
        yield Problem(
            resource, line, "quote", f"quote is {len(quote)} characters; at most {MAX_QUOTE}"
        )
    paragraph = _paragraph(texts, row.get("source_id", ""), row.get("locator", ""))
    if paragraph is False:
        return
    if paragraph is None:
        yield Problem(
            resource,
            line,
            "locator",
            f"{row.get('locator')!r} is not a paragraph of source {row.get('source_id')}",
        )
        return
    if normalise(quote) not in normalise(paragraph):
        yield Problem(
            resource,
            line,
            "quote",
            f"quote not found verbatim in {row.get('source_id')} {row.get('locator')}",
        )
    if needle_field and normalise(row.get(needle_field, "")) not in normalise(quote):
        yield Problem(
            resource, line, needle_field, f"{row.get(needle_field)!r} does not appear in the quote"
        )


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def check_figures(folder, tables, texts) -> Iterator[Problem]:
    figures = tables.get("figures", [])
    metrics = {row["metric"]: row for row in tables.get("metrics", [])}
    ids = {row["figure_id"] for row in figures}
    for line, row in enumerate(figures, start=2):
        yield from _check_quote("figures", line, row, texts, needle_field="as_written")
        value = _number(row.get("value"))
        if value is None:
            continue  # frictionless reports the type error
        stated = parse_as_written(row.get("as_written", ""), row.get("unit", ""))
        if stated is None:
            yield Problem("figures", line, "as_written", f"no number in {row.get('as_written')!r}")
        elif not close(stated, value):
            yield Problem(
                "figures",
                line,
                "value",
                f"value {row.get('value')} differs from {row.get('as_written')!r} ({stated:g})",
            )
        unit, metric = row.get("unit"), row.get("metric", "")
        if metric in metrics and metrics[metric]["unit"] != unit:
            yield Problem(
                "figures",
                line,
                "unit",
                f"unit {unit!r} but metric {metric} is measured in {metrics[metric]['unit']}",
            )
        if unit == "percent" and metric not in GROWTH_METRICS and not 0 <= value <= 100:
            yield Problem("figures", line, "value", f"percentage {value:g} is outside 0 to 100")
        if unit == "percent" and metric in GROWTH_METRICS and value < -100:
            yield Problem("figures", line, "value", f"a fall of {value:g}% is below -100%")
        yield from _check_bounds(line, row, value)
        yield from _check_period(
            line,
            row,
            "figures",
            "period_start",
            "period_end",
            required=row.get("period_type") != "undated",
        )
        yield from _check_period(line, row, "figures", "base_period_start", "base_period_end")
        relation, related = row.get("relation", ""), row.get("related_figure_id", "")
        if bool(relation) != bool(related):
            yield Problem(
                "figures",
                line,
                "related_figure_id" if relation else "relation",
                "relation and related_figure_id must be given together",
            )
        if related and related == row.get("figure_id"):
            yield Problem("figures", line, "related_figure_id", "a figure cannot relate to itself")
        if metric in GROWTH_METRICS or relation == "growth_of":
            if relation != "growth_of" or related not in ids:
                yield Problem(
                    "figures",
                    line,
                    "relation",
                    "a growth rate must name the level it grows (relation growth_of)",
                )
            if not row.get("base_period_start"):
                yield Problem(
                    "figures",
                    line,
                    "base_period_start",
                    "a growth rate needs the base period it is measured from",
                )


def _check_bounds(line, row, value) -> Iterator[Problem]:
    factors = QUALIFIER_BOUNDS.get(row.get("qualifier", ""))
    if factors is None:
        return  # frictionless reports the enum error
    for name, factor in zip(("lower", "upper"), factors, strict=True):
        stored = row.get(name, "")
        if factor is None:
            if stored != "":
                yield Problem(
                    "figures",
                    line,
                    name,
                    f"qualifier {row['qualifier']} leaves {name} unbounded; leave it empty",
                )
            continue
        bound = _number(stored)
        if bound is None or not close(bound, value * factor, 1e-6):
            yield Problem(
                "figures",
                line,
                name,
                f"{name} should be {value * factor:g} for qualifier {row['qualifier']}",
            )


def _check_period(line, row, resource, start_field, end_field, required=False) -> Iterator[Problem]:
    start_text, end_text = row.get(start_field, ""), row.get(end_field, "")
    if not start_text and not end_text:
        if required:
            yield Problem(resource, line, start_field, "period is required")
        return
    start, end = _date(start_text), _date(end_text)
    if start is None or end is None:
        if bool(start_text) != bool(end_text):
            yield Problem(
                resource,
                line,
                end_field if start_text else start_field,
                "a period needs both a start and an end",
            )
        return  # malformed dates: frictionless reports the type error
    if end < start:
        yield Problem(
            resource, line, end_field, f"period ends ({end_text}) before it starts ({start_text})"
        )


def check_audit(folder, tables, texts) -> Iterator[Problem]:
    audit = tables.get("audit", [])
    rows_by_key = {}
    for line, row in enumerate(audit, start=2):
        key = (row.get("source_id"), row.get("locator"), row.get("token"), row.get("occurrence"))
        rows_by_key.setdefault(key, line)
        status = row.get("status")
        if status == "captured" and not (row.get("figure_id") or row.get("event_id")):
            yield Problem(
                "audit", line, "figure_id", "a captured number needs a figure_id or event_id"
            )
        if status == "excluded":
            if row.get("figure_id") or row.get("event_id"):
                yield Problem(
                    "audit", line, "status", "an excluded number cannot name a figure or event"
                )
            if not row.get("note"):
                yield Problem("audit", line, "note", "an excluded number needs a reason")
    for source_id, text in texts.items():
        expected = {(source_id, f"p{p}", token, str(n)) for p, token, n in audit_keys(text)}
        present = {key for key in rows_by_key if key[0] == source_id}
        for key in sorted(expected - present, key=str):
            yield Problem(
                "audit",
                None,
                "token",
                f"{source_id} {key[1]}: number {key[2]!r} (occurrence {key[3]}) is not classified",
            )
        for key in sorted(present - expected, key=str):
            yield Problem(
                "audit",
                rows_by_key[key],
                "token",
                f"{source_id} {key[1]} has no number {key[2]!r} (occurrence {key[3]})",
            )
    captured = Counter(
        row.get("figure_id")
        for row in audit
        if row.get("status") == "captured" and row.get("role") == "value"
    )
    for line, row in enumerate(tables.get("figures", []), start=2):
        if texts.get(row.get("source_id")) is not None and not captured[row.get("figure_id")]:
            yield Problem(
                "figures",
                line,
                "figure_id",
                "no audit row captures this figure's number (role value)",
            )


def check_quoted_records(folder, tables, texts) -> Iterator[Problem]:
    for resource in ("corrections", "destinations"):
        for line, row in enumerate(tables.get(resource, []), start=2):
            yield from _check_quote(resource, line, row, texts)
    for resource in ("events", "footprint"):
        for line, row in enumerate(tables.get(resource, []), start=2):
            if _paragraph(texts, row.get("source_id", ""), row.get("locator", "")) is None:
                yield Problem(
                    resource,
                    line,
                    "locator",
                    f"{row.get('locator')!r} is not a paragraph of {row.get('source_id')}",
                )
    for line, row in enumerate(tables.get("aliases", []), start=2):
        text = texts.get(row.get("source_id"))
        if text is not None and normalise(row.get("alias", "")) not in normalise(text):
            yield Problem(
                "aliases",
                line,
                "alias",
                f"{row.get('alias')!r} does not occur in {row.get('source_id')}",
            )


def check_events_and_periods(folder, tables, texts) -> Iterator[Problem]:
    for line, row in enumerate(tables.get("destinations", []), start=2):
        yield from _check_period(line, row, "destinations", "period_start", "period_end")
    for line, row in enumerate(tables.get("derived", []), start=2):
        yield from _check_period(line, row, "derived", "period_start", "period_end")
    for line, row in enumerate(tables.get("events", []), start=2):
        if row.get("value") and not row.get("unit"):
            yield Problem("events", line, "unit", "an event value needs a unit")


def check_iea_edition(folder, tables, texts) -> Iterator[Problem]:
    """The iea resource names its edition's row in sources (`source_id`), and it is there."""
    if "iea" not in tables:
        return
    source_id = iea_source_id(read_descriptor(folder))
    sources = {row.get("source_id"): row for row in tables.get("sources", [])}
    if not source_id:
        yield Problem(
            "datapackage.json",
            None,
            "source_id",
            "the iea resource does not name its sources row (source_id); `chinaev import-iea` "
            "sets it",
        )
    elif source_id not in sources:
        yield Problem(
            "datapackage.json",
            None,
            "source_id",
            f"the iea resource's source_id {source_id!r} is not a row of sources",
        )
    else:
        editions = {row.get("edition") for row in tables["iea"]} - {""}
        year = source_id.rsplit("-", 1)[-1]
        wrong = sorted(e for e in editions if not str(e).endswith(year))
        if wrong:
            yield Problem(
                "iea",
                None,
                "edition",
                f"edition {', '.join(wrong)} does not match the resource's source_id {source_id}",
            )


def check_derived(folder, tables, texts) -> Iterator[Problem]:
    try:
        yield from stale_rows(folder, tables)
        yield from stale_links(folder, tables)
    except (UserError, KeyError, ValueError) as error:
        yield Problem("derived", None, None, f"cannot recompute: {error}")


def check_comparisons(folder, tables, texts) -> Iterator[Problem]:
    """What frictionless cannot check in the comparisons (see factcheck.check_rows)."""
    from chinaev.data.factcheck import check_rows

    yield from check_rows(tables)


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
                value = _number(row.get(name))
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
        value = _number(row.get("value"))
        if row.get("method") == "share" and value is not None and not 0 <= value <= 100:
            yield Problem(
                "derived",
                line,
                "value",
                f"a share of {value:g}% is impossible: its inputs contradict each other",
            )
