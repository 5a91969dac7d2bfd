"""Which chapters read IEA slices that an edition does not have: the import's warning.

Each executed chapter keeps the IEA selections it made in its record of reads
(`metadata.chinaev.reads.iea`, see chinaev.data.reads). Before an edition is
written, the importer matches every recorded selection against the new rows, so
that the user learns which chapter will find an empty slice (a scenario such as
APS, a mode or a region the edition lacks) before anything runs. A chapter must
say so in its sentences rather than crash; the warning says where to look.
"""

from __future__ import annotations

import json
from pathlib import Path

from chinaev.data import paths


def book_dir(package: Path) -> Path:
    """The chapters beside the package (`<repo>/book`), else the repository's own."""
    beside = package.parent / "book"
    return beside if beside.is_dir() else paths.BOOK


def chapter_slices(book: Path) -> dict[str, list[dict]]:
    """Each executed chapter's recorded IEA selections, by chapter name (file stem)."""
    found: dict[str, list[dict]] = {}
    for path in sorted(book.glob("*.ipynb")):
        try:
            metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, json.JSONDecodeError):
            continue  # an unreadable notebook is the runner's to report, not the import's
        selections = (metadata.get("chinaev", {}).get("reads") or {}).get("iea") or []
        if selections:
            found[path.stem] = [s for s in selections if isinstance(s, dict)]
    return found


def _matches(rows: list[dict], selection: dict) -> bool:
    wanted = {k: str(v) for k, v in selection.items() if k != "powertrains"}
    powertrains = {str(p) for p in selection.get("powertrains") or []}
    return any(
        all(str(row.get(k)) == v for k, v in wanted.items())
        and (not powertrains or row.get("powertrain") in powertrains)
        for row in rows
    )


def describe(selection: dict) -> str:
    """'region=China category=Projection-APS mode=Cars parameter=EV sales share'."""
    order = ["region", "category", "parameter", "mode", "powertrains"]
    keys = sorted(selection, key=lambda k: (order.index(k) if k in order else len(order), k))
    parts = []
    for key in keys:
        value = selection[key]
        if isinstance(value, list):
            value = "+".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def missing_slices(book: Path, new_rows: list[dict], old_rows: list[dict]) -> list[str]:
    """One warning per chapter and IEA selection that matches no row of the new edition."""
    warnings = []
    for chapter, selections in chapter_slices(book).items():
        for selection in selections:
            if _matches(new_rows, selection):
                continue
            had = "no longer has" if _matches(old_rows, selection) else "does not have"
            warnings.append(
                f"{chapter} reads IEA slice {describe(selection)}, which this edition {had}: "
                "check that the chapter's sentences say so"
            )
    return warnings
