"""Checks on the editors' content: the evidence items and the label vocabularies.

The book's words for codes (a footprint status, a policy lane, a figure's basis) are
`categories` on the schema field that holds the code (Frictionless v2: a list of
{value, label}); the evidence a chapter weighs is the `evidence` resource. Here:

- every category is a {value, label} pair with a non-empty label, each value once;
- every code in the data, and every code the field's `enum` allows, has a category
  (a code with no category would reach a page with no words for it);
- each `labels` row's code is a value of the field its vocabulary's `codes_from` names
  (like a foreign key), one codes_from and one order per position in each vocabulary;
- an event on the policy timeline (policy_lane) has a short_label, and only such an event;
- each evidence item's locator is a paragraph of its source, its quote (if any) stands
  verbatim in that paragraph, its summary is not copied from it, and `{figure}` appears
  in the summary exactly when a figure_id is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from chinaev.checks.provenance import _paragraph, check_quote
from chinaev.data.package import read_descriptor
from chinaev.data.problems import Problem
from chinaev.data.sourcetext import normalise

FIGURE = "{figure}"


def check_editorial(folder, tables, texts) -> Iterator[Problem]:
    """Label vocabularies (categories) and the evidence resource."""
    descriptor = read_descriptor(folder)
    fields = {}
    for resource in descriptor["resources"]:
        for field in resource.get("schema", {}).get("fields", []):
            fields[f"{resource['name']}.{field['name']}"] = field
            if "categories" in field:
                yield from _categories(resource["name"], field, tables.get(resource["name"], []))
    yield from _labels(tables, fields)
    for line, row in enumerate(tables.get("events", []), start=2):
        if bool(row.get("policy_lane")) != bool(row.get("short_label")):
            message = "an event on the policy timeline needs policy_lane and short_label both"
            yield Problem("events", line, "short_label", message)
    yield from _evidence(tables.get("evidence", []), texts)


def _labels(tables: dict, fields: dict) -> Iterator[Problem]:
    """Each vocabulary's codes come from the field it names; orders are distinct."""
    first: dict[str, str] = {}
    orders: set[tuple[str, str]] = set()
    for line, row in enumerate(tables.get("labels", []), start=2):
        vocabulary, source = row.get("vocabulary", ""), row.get("codes_from", "")
        if first.setdefault(vocabulary, source) != source:
            message = f"vocabulary {vocabulary!r} takes its codes from {first[vocabulary]!r}"
            yield Problem("labels", line, "codes_from", message)
        if (vocabulary, row.get("order", "")) in orders:
            message = f"order {row.get('order')} is used twice in vocabulary {vocabulary!r}"
            yield Problem("labels", line, "order", message)
        orders.add((vocabulary, row.get("order", "")))
        if not source:
            continue
        if source not in fields:
            yield Problem("labels", line, "codes_from", f"no field {source!r} in the package")
            continue
        resource, name = source.split(".", 1)
        allowed = set(fields[source].get("constraints", {}).get("enum", []))
        allowed |= {r.get(name, "") for r in tables.get(resource, [])}
        if row.get("code") not in allowed:
            message = f"code {row.get('code')!r} is not a value of {source}"
            yield Problem("labels", line, "code", message)


def _categories(resource: str, field: dict, rows: list[dict]) -> Iterator[Problem]:
    name, categories = field["name"], field["categories"]
    values: list[str] = []
    for category in categories if isinstance(categories, list) else [None]:
        if not (isinstance(category, dict) and set(category) == {"value", "label"}):
            message = f"each category must be an object with a value and a label, not {category!r}"
            yield Problem(resource, None, name, message)
            continue
        if not (isinstance(category["label"], str) and category["label"].strip()):
            yield Problem(resource, None, name, f"category {category['value']!r} has no label")
        if category["value"] in values:
            yield Problem(resource, None, name, f"category {category['value']!r} is listed twice")
        values.append(category["value"])
    declared = set(values)
    for code in field.get("constraints", {}).get("enum", []):
        if code not in declared:
            message = f"code {code!r} is allowed by the enum but has no category (no label)"
            yield Problem(resource, None, name, message)
    for line, row in enumerate(rows, start=2):
        code = row.get(name, "")
        if code and code not in declared:
            yield Problem(resource, line, name, f"code {code!r} has no category (no label)")


def _evidence(rows: list[dict], texts: dict[str, str]) -> Iterator[Problem]:
    for line, row in enumerate(rows, start=2):
        yield from check_quote("evidence", line, row, texts)
        summary, figure_id = row.get("summary", ""), row.get("figure_id", "")
        if (FIGURE in summary) != bool(figure_id):
            message = f"{FIGURE} must appear in the summary exactly when figure_id is given"
            yield Problem("evidence", line, "summary", message)
        paragraph = _paragraph(texts, row.get("source_id", ""), row.get("locator", ""))
        if paragraph and normalise(summary) and normalise(summary) in normalise(paragraph):
            message = "summary is copied from the source: write it in the editors' own words"
            yield Problem("evidence", line, "summary", message)
