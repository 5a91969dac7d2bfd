"""Validate a data package: Frictionless first, then the project's provenance checks.

Everything returns Problems (resource, CSV line, field, message); nothing here prints
or exits. Checks read the CSVs as text, so a bad cell is reported, never a crash.
The checks themselves live beside this module, one concern each: schema (Table
Schema, by frictionless or the fast path), cells (dates, numbers, impossible values),
countries (ISO 3166 codes), provenance (quotes, locators, the audit, against the
source texts) and consistency (what rows say together, derived figures).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from chinaev.checks.cells import cell_problems, check_values
from chinaev.checks.consistency import (
    QUALIFIER_BOUNDS,
    check_claim_origins,
    check_derived,
    check_entity_tree,
    check_events_and_periods,
    check_factcheck_results,
    check_figures,
    check_iea_edition,
    check_money,
)
from chinaev.checks.countries import check_countries
from chinaev.checks.editorial import check_editorial
from chinaev.checks.provenance import MAX_QUOTE, check_audit, check_quoted_records, source_texts
from chinaev.checks.release import check_release
from chinaev.checks.schema import table_schema_problems
from chinaev.data import paths
from chinaev.data.csvfile import package_rows
from chinaev.data.package import (
    DESCRIPTOR,
    RESOURCES,
    package_dir,
    read_descriptor,
    table_problems,
)
from chinaev.data.problems import Problem, UserError

# The chapters cite the rules they describe as validate.QUALIFIER_BOUNDS and
# validate.MAX_QUOTE (book/methods.ipynb, book/fact-check.ipynb): kept importable here.
__all__ = ["ENGINES", "MAX_QUOTE", "QUALIFIER_BOUNDS", "Validation", "validate_package"]

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
    descriptor: dict | None = None,
) -> Validation:
    """Run every check on the package at `path` (datapackage.json or its folder).

    First the descriptor and every CSV file as a file (paths, encoding, line endings,
    header, fields per row); if any of that fails, the other checks are not run,
    since they would only repeat it. `engine` chooses who checks the Table Schemas
    (see ENGINES); the problems are the same either way, only the time differs.
    `provenance=False` leaves out the checks that need the source texts (quotes,
    locators, the audit, aliases, sha256) and the check of the data against the latest
    release (a change needs a CHANGELOG entry: chinaev.checks.release). `descriptor`:
    datapackage.json as the caller has already read it (read once per command).
    """
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; choose from {', '.join(ENGINES)}")
    result = Validation()
    folder = package_dir(path)
    try:
        descriptor = descriptor or read_descriptor(folder)
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
    tables = package_rows(folder, descriptor)
    own = list(cell_problems(descriptor, tables))
    schema_problems = table_schema_problems(folder, engine, result.notes, descriptor)
    result.problems += own + _without_repeats(schema_problems, own)
    texts = {}
    if provenance:
        texts, missing, notes = source_texts(tables, seeds or paths.seeds_dir())
        result.problems += missing
        result.notes += notes
        result.problems += list(check_release(folder, descriptor, result.notes))
    for check in (
        check_figures,
        check_audit,
        check_quoted_records,
        check_events_and_periods,
        check_derived,
        check_iea_edition,
        check_comparisons,
        check_factcheck_results,
        check_claim_origins,
        check_entity_tree,
        check_money,
        check_values,
        check_countries,
        check_editorial,
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


def check_comparisons(folder, tables, texts) -> Iterator[Problem]:
    """What frictionless cannot check in the comparisons (see factcheck.check_rows)."""
    from chinaev.data.factcheck import check_rows

    yield from check_rows(tables)
