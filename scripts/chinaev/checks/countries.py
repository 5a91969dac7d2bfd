"""Country codes: every country column of the package holds ISO 3166-1 alpha-3 codes.

A schema marks a country column with the field property `countryCode` (frictionless
keeps properties it does not know, and ignores them):

- "alpha-3": an ISO 3166-1 alpha-3 code of a current country, as pycountry (the
  maintained ISO 3166 database) lists it, or empty;
- "alpha-3-or-aggregate": the same, or one of the AGGREGATES below.

The schemas' `pattern` constraints only say "three capitals": XXX passes them, and
only this check refuses it. A new country column needs its schema marked, nothing here
(tests/test_countries.py finds any field that says ISO 3166 but is not marked).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from chinaev.data.csvfile import descriptor_of
from chinaev.data.problems import Problem

FIELD_PROPERTY = "countryCode"
KINDS = ("alpha-3", "alpha-3-or-aggregate")

# The package's only codes that are not ISO 3166-1 countries: groups of countries that
# figures and events are about. ISO 3166 has no codes for them; WLD is the World Bank's,
# EUR and EU27 the package's own. This is the one list: add a group here, and to the
# description of the fields that may hold it.
AGGREGATES = {
    "WLD": "the world",
    "EUR": "Europe",
    "EU27": "the European Union of 27 member states",
}


@functools.cache
def iso_codes() -> frozenset[str]:
    """Alpha-3 codes of the countries in ISO 3166-1, as pycountry has them."""
    import pycountry

    return frozenset(country.alpha_3 for country in pycountry.countries)


def country_fields(descriptor: dict) -> Iterator[tuple[str, str, str]]:
    """(resource, field, kind) for every field a schema marks as a country column."""
    for resource in descriptor.get("resources", []):
        schema = resource.get("schema")
        for spec in schema.get("fields", []) if isinstance(schema, dict) else []:
            if FIELD_PROPERTY in spec:
                yield resource["name"], spec["name"], spec[FIELD_PROPERTY]


@functools.lru_cache(maxsize=1024)  # the IEA table repeats a few dozen codes 10,000 times
def code_problem(code: str, kind: str) -> str | None:
    """Why `code` cannot stand in a country column of `kind`, or None."""
    if code in iso_codes():
        return None
    if kind == "alpha-3-or-aggregate":
        if code in AGGREGATES:
            return None
        groups = ", ".join(f"{c} ({name})" for c, name in AGGREGATES.items())
        return f"{code!r} is neither an ISO 3166-1 alpha-3 country code nor a group: {groups}"
    return f"{code!r} is not an ISO 3166-1 alpha-3 country code"


def check_countries(folder, tables, texts) -> Iterator[Problem]:
    """Every non-empty cell of a marked country column holds a code of its kind."""
    for resource, name, kind in country_fields(descriptor_of(folder, tables)):
        if kind not in KINDS:
            message = f"its schema says {FIELD_PROPERTY} {kind!r}, none of {', '.join(KINDS)}"
            yield Problem(resource, None, name, message)
            continue
        for line, row in enumerate(tables.get(resource, []), start=2):
            code = row.get(name) or ""
            message = code_problem(code, kind) if code else None
            if message:
                yield Problem(resource, line, name, message)
