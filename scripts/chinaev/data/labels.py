"""The package's words for its codes: the `categories` of a schema field.

A field that holds a code (footprint.status, events.policy_lane, figures.basis_flow...)
lists its codes with the book's label for each, in the order the book shows them
(checks/editorial.py makes sure every code has one)."""

from __future__ import annotations


def categories(package, resource: str, field: str) -> dict[str, str]:
    """{code: label} of `resource`.`field`, in the schema's order."""
    for described in package.descriptor["resources"]:
        if described["name"] == resource:
            for column in described["schema"]["fields"]:
                if column["name"] == field:
                    return {c["value"]: c["label"] for c in column.get("categories", [])}
    raise KeyError(f"no field {resource}.{field} in {package.path}")


def vocabulary(package, name: str) -> dict[str, str]:
    """{code: label} of a vocabulary of the labels resource, in its order."""
    rows = package.labels
    rows = rows[rows["vocabulary"] == name].sort_values("order")
    if rows.empty:
        raise KeyError(f"no vocabulary {name!r} in the labels of {package.path}")
    return dict(zip(rows["code"], rows["label"], strict=True))
