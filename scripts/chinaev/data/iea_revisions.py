"""Revisions between IEA editions: the previous edition's values the book compares.

The package keeps only the current edition in data/iea.csv. For the IEA keys the
book reads (the chapters' recorded IEA selections and the inputs of derived figures),
the importer keeps, in data/iea_revisions.csv, each historical value that the new
edition revises: the key, the unit, the edition it came from and its value there,
the edition that replaced it and its value now. Differences within float noise (the
2024 download stored single-precision values such as 4.699999809) are no revision.

The table is rewritten only when an edition replaces another; importing the same
edition again leaves it as it is.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from chinaev.data import iea_write
from chinaev.data.iea_gaps import chapter_slices
from chinaev.data.iea_names import source_id_of
from chinaev.data.iea_read import KEY

RESOURCE = "iea_revisions"
FIELDS = [*KEY, "unit", "edition_from", "value_from", "edition_to", "value_to"]
# Relative difference below which two published values are the same (float noise).
NOISE = 1e-6


def _derived_keys(package: Path) -> set[tuple[str, ...]]:
    path = package / "data" / "derived_inputs.csv"
    if not path.exists():
        return set()
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            tuple(row.get(c, "") for c in KEY)
            for row in csv.DictReader(handle)
            if row.get("input_kind") == "iea"
        }


def _read(row: dict, selections: list[dict], keys: set[tuple[str, ...]]) -> bool:
    if tuple(str(row[c]) for c in KEY) in keys:
        return True
    for selection in selections:
        wanted = {k: str(v) for k, v in selection.items() if k != "powertrains"}
        powertrains = selection.get("powertrains") or []
        if all(str(row.get(k)) == v for k, v in wanted.items()) and (
            not powertrains or row["powertrain"] in powertrains
        ):
            return True
    return False


def revisions(
    package: Path, book: Path, old_rows: list[dict], new_rows: list[dict]
) -> list[dict] | None:
    """The revised values of the keys the book reads, sorted by key; None when there is
    no previous edition or it is the same edition (nothing to compare)."""
    old_editions = {row.get("edition", "") for row in old_rows} - {""}
    new_editions = {row.get("edition", "") for row in new_rows} - {""}
    if len(old_editions) != 1 or len(new_editions) != 1 or old_editions == new_editions:
        return None
    (old_label,), (new_label,) = old_editions, new_editions
    selections = [s for chapter in chapter_slices(book).values() for s in chapter]
    keys = _derived_keys(package)
    new = {tuple(str(row[c]) for c in KEY): row for row in new_rows}
    found = []
    for row in old_rows:
        key = tuple(str(row[c]) for c in KEY)
        after = new.get(key)
        if row["category"] != "Historical" or after is None or after["unit"] != row["unit"]:
            continue
        if not _read(row, selections, keys):
            continue
        before, now = float(row["value"]), float(after["value"])
        if math.isclose(before, now, rel_tol=NOISE, abs_tol=0):
            continue
        found.append(
            {
                **dict(zip(KEY, key, strict=True)),
                "unit": row["unit"],
                "edition_from": source_id_of(old_label),
                "value_from": row["value"],
                "edition_to": source_id_of(new_label),
                "value_to": str(after["value"]),
            }
        )
    return sorted(found, key=lambda r: tuple(int(r[c]) if c == "year" else r[c] for c in KEY))


def table_text(rows: list[dict]) -> str:
    return iea_write.table_text(rows, FIELDS)
