"""Country columns hold ISO 3166-1 alpha-3 codes (pycountry), or the package's groups."""

from __future__ import annotations

import json

import pycountry
import pytest
from helpers import DATAPACKAGE, copy_package, edit_row, read_csv

from chinaev.checks.countries import (
    AGGREGATES,
    FIELD_PROPERTY,
    KINDS,
    check_countries,
    code_problem,
    country_fields,
)
from chinaev.checks.validate import validate_package
from chinaev.data.package import read_descriptor


def test_every_field_that_says_iso_3166_is_checked():
    descriptor = read_descriptor(DATAPACKAGE)
    marked = {(resource, name) for resource, name, _ in country_fields(descriptor)}
    described = {
        (resource["name"], spec["name"])
        for resource in descriptor["resources"]
        for spec in resource["schema"]["fields"]
        if "ISO 3166" in spec.get("description", "")
    }
    assert described <= marked, f"ISO 3166 fields not marked {FIELD_PROPERTY}"
    assert {
        ("footprint", "country"),
        ("entities", "country"),
        ("destinations", "iso3"),
        ("events", "jurisdiction"),
        ("figures", "geography"),
        ("iea", "region_iso3"),
    } <= marked
    assert {kind for _, _, kind in country_fields(descriptor)} <= set(KINDS)


def test_the_groups_are_no_iso_codes_and_all_in_use():
    codes = {country.alpha_3 for country in pycountry.countries}
    assert not set(AGGREGATES) & codes
    descriptor = read_descriptor(DATAPACKAGE)
    used = {
        row[name]
        for resource, name, _ in country_fields(descriptor)
        for row in read_csv(DATAPACKAGE / "data" / f"{resource}.csv")
    }
    assert set(AGGREGATES) <= used, "a group nobody uses: take it out of AGGREGATES"
    assert used - codes - {""} <= set(AGGREGATES)


@pytest.mark.parametrize(
    ("code", "kind", "verdict"),
    [
        ("CHN", "alpha-3", None),
        ("XXX", "alpha-3", "not an ISO 3166-1 alpha-3 country code"),
        ("chn", "alpha-3", "not an ISO 3166-1"),  # codes are written in capitals
        ("EU27", "alpha-3", "not an ISO 3166-1"),  # a footprint is in one country
        ("EU27", "alpha-3-or-aggregate", None),
        ("WLD", "alpha-3-or-aggregate", None),
        ("EUU", "alpha-3-or-aggregate", "nor a group: WLD"),
        ("SUN", "alpha-3", "not an ISO 3166-1"),  # the Soviet Union: no current country
    ],
)
def test_code_problem(code, kind, verdict):
    found = code_problem(code, kind)
    assert found == verdict if verdict is None else verdict in found


def test_bad_codes_are_named_by_file_row_and_field(tmp_path):
    package = copy_package(tmp_path)
    line = edit_row(package, "entities", "entity_id", "byd", country="ZZZ")
    shown = "\n".join(str(p) for p in validate_package(package, provenance=False).problems)
    assert f"data/entities.csv, row {line}, field country: 'ZZZ' is not an ISO 3166-1" in shown


def test_a_schema_marking_an_unknown_kind_is_a_problem(tmp_path):
    package = copy_package(tmp_path)
    path = package / "schemas" / "footprint.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    for spec in schema["fields"]:
        if spec["name"] == "country":
            spec[FIELD_PROPERTY] = "alpha-2"
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    tables = {"footprint": read_csv(package / "data" / "footprint.csv")}
    (problem,) = check_countries(package, tables, {})
    assert (problem.resource, problem.row, problem.field) == ("footprint", None, "country")
    assert "'alpha-2'" in problem.message
