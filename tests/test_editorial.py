"""The editors' content as data: the evidence resource, schema categories and the labels
resource, and the checks in chinaev.checks.editorial.

The planted faults that `chinaev` must refuse with file, row and field (an evidence locator
beyond the text, a code with no category, ...) are in tests/test_hostile.py."""

from __future__ import annotations

import json

import pytest
from helpers import DATAPACKAGE, copy_package, edit_row, read_csv, seeds_dir, write_csv

from chinaev.checks.validate import validate_package
from chinaev.data.factcheck.verdicts import VERDICTS
from chinaev.data.labels import categories, vocabulary
from chinaev.data.package import load
from chinaev.data.sourcetext import body, paragraphs

EVIDENCE = "compliance_seed-003_p8"


@pytest.fixture
def package(tmp_path):
    seeds_dir()
    return copy_package(tmp_path)


def problems(package) -> list[str]:
    return [str(p) for p in validate_package(package, seeds=seeds_dir()).problems]


def set_field(package, resource: str, name: str, **changes) -> None:
    path = package / "schemas" / f"{resource}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == name).update(changes)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")


def test_words_come_in_the_schema_order():
    real = load(DATAPACKAGE)
    assert list(categories(real, "footprint", "status"))[0] == "operating"
    lanes = categories(real, "events", "policy_lane")
    assert set(real.events["policy_lane"]) - {""} <= set(lanes)
    assert list(vocabulary(real, "factcheck_verdict_meaning")) == list(VERDICTS)
    with pytest.raises(KeyError):
        vocabulary(real, "no_such_vocabulary")


def test_a_summary_copied_from_its_paragraph_is_refused(package):
    text = body((seeds_dir() / read_source_file(package, "seed-003")).read_text("utf-8"))
    copied = paragraphs(text)[7]
    line = edit_row(package, "evidence", "evidence_id", EVIDENCE, summary=copied)
    assert any(f"row {line}, field summary: summary is copied" in p for p in problems(package))


def read_source_file(package, source_id: str) -> str:
    rows = read_csv(package / "data" / "sources.csv")
    return next(r["file"] for r in rows if r["source_id"] == source_id)


def test_a_figure_placeholder_needs_its_figure(package):
    line = edit_row(package, "evidence", "evidence_id", EVIDENCE, summary="In {figure} places.")
    assert any(f"row {line}, field summary: {{figure}} must" in p for p in problems(package))


def test_a_policy_lane_needs_a_short_label(package):
    line = edit_row(package, "events", "event_id", "china_joins_wto", short_label="")
    assert any(f"row {line}, field short_label:" in p for p in problems(package))


def test_a_vocabulary_takes_its_codes_from_one_field_and_orders_them_once(package):
    path = package / "data" / "labels.csv"
    rows = read_csv(path)
    symbols = [i for i, r in enumerate(rows) if r["vocabulary"] == "footprint_symbol"]
    rows[symbols[1]].update(codes_from="footprint.status", order=rows[symbols[0]]["order"])
    write_csv(path, rows)
    found = problems(package)
    line = symbols[1] + 2
    assert any(f"row {line}, field codes_from: vocabulary" in p for p in found)
    assert any(f"row {line}, field order: order" in p for p in found)


def test_categories_must_be_labelled_pairs(package):
    set_field(package, "footprint", "kind", categories=["plant"])
    assert any("field kind: each category must be an object" in p for p in problems(package))


def test_an_enum_code_without_a_category_is_refused(package):
    set_field(package, "events", "policy_lane", constraints={"enum": ["subsidies", "new_lane"]})
    found = problems(package)
    assert any("field policy_lane: code 'new_lane' is allowed by the enum" in p for p in found)
