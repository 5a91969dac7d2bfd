"""What an IEA import did: what changed against the edition replaced, and the report.

The report says what changed against the edition being replaced: rows added and
removed, the new latest year, and past values revised, largest first; and the notes
a reader of the import should look at (new names, aggregates, units, what the
importer dropped or renamed in the download).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.data.iea_names import UNITS
from chinaev.data.iea_read import KEY, RawTable, Resolver, format_number
from chinaev.data.problems import Problem

# How many revisions, new names and so on a report lists before "and N more".
SHOWN = 5


@dataclass
class Revision:
    key: tuple
    old: float
    new: float

    @property
    def change(self) -> float:
        """Relative change; a change from zero counts as infinite."""
        if self.old == 0:
            return math.inf
        return (self.new - self.old) / abs(self.old)

    def __str__(self) -> str:
        where = "|".join(str(part) for part in self.key)
        change = "new from 0" if self.old == 0 else f"{self.change:+.1%}"
        return f"{where}: {format_number(self.old)} -> {format_number(self.new)} ({change})"


@dataclass
class Changes:
    """The new edition against the one it replaces (nothing when there was none)."""

    previous: str | None  # edition label of the table replaced, None for a first import
    added: int = 0
    removed: int = 0
    latest_year: tuple[int | None, int | None] = (None, None)  # historical, old and new
    revised: list[Revision] = field(default_factory=list)  # historical values
    projections_revised: int = 0
    unit_changed: int = 0

    def lines(self) -> list[str]:
        if self.previous is None:
            return ["no previous IEA table: everything is new"]
        old, new = self.latest_year
        latest = (
            f"latest historical year {old} -> {new}"
            if old != new
            else f"latest historical year still {new}"
        )
        lines = [
            f"against {self.previous}: {self.added} rows added, {self.removed} removed; {latest}",
        ]
        if self.revised:
            largest = sorted(self.revised, key=lambda r: (-abs(r.change), r.key))[:SHOWN]
            lines.append(
                f"past values revised: {len(self.revised)}; largest: "
                + "; ".join(map(str, largest))
            )
        else:
            lines.append("past values revised: none")
        if self.projections_revised:
            lines.append(f"projected values changed: {self.projections_revised}")
        if self.unit_changed:
            lines.append(f"rows whose unit changed: {self.unit_changed}")
        return lines


def compare(old_rows: list[dict], new_rows: list[dict]) -> Changes:
    """Rows added and removed, latest historical year, and revised values."""
    previous = sorted({row.get("edition", "") for row in old_rows} - {""})
    changes = Changes(previous=", ".join(previous) or "the previous table")

    def key(row):
        return tuple(int(row[c]) if c == "year" else row[c] for c in KEY)

    old = {key(row): row for row in old_rows}
    new = {key(row): row for row in new_rows}
    changes.added = len(new.keys() - old.keys())
    changes.removed = len(old.keys() - new.keys())

    def latest(rows):
        years = [int(r["year"]) for r in rows if r["scenario"] == "historical"]
        return max(years) if years else None

    changes.latest_year = (latest(old.values()), latest(new.values()))
    for k in sorted(old.keys() & new.keys()):
        before, after = old[k], new[k]
        if before["unit"] != after["unit"]:
            changes.unit_changed += 1
            continue
        a, b = _as_float(before["value"]), _as_float(after["value"])
        if a is None or b is None or math.isclose(a, b, rel_tol=1e-9, abs_tol=0):
            continue
        if after["scenario"] == "historical":
            changes.revised.append(Revision(k, a, b))
        else:
            changes.projections_revised += 1
    return changes


def _as_float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


@dataclass
class ImportReport:
    source: Path
    output: Path
    edition: str
    rows_read: int = 0
    rows_written: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Chapters reading IEA slices the edition lacks (chinaev.data.iea_gaps).
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    units: Counter = field(default_factory=Counter)
    categories: Counter = field(default_factory=Counter)
    extra_columns: list[str] = field(default_factory=list)
    changes: Changes | None = None
    derived_changed: bool = False

    def summary(self) -> str:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "none"

        if self.written:
            outcome = f"{self.rows_written} written to {self.output}"
        else:
            outcome = f"nothing written ({self.output} left as it was)"
        parts = [
            f"{self.source.name} ({self.edition}): {self.rows_read} rows read, {outcome}",
            f"units: {counts(self.units)}",
            f"categories: {counts(self.categories)}",
            f"{len(self.problems)} problem(s), {len(self.notes)} note(s)",
        ]
        if self.extra_columns:
            parts.append("ignored columns: " + ", ".join(self.extra_columns))
        return "; ".join(parts)

    def lines(self) -> list[str]:
        """The summary, then what changed against the previous edition."""
        lines = [self.summary()]
        if self.changes is not None:
            lines += self.changes.lines()
        if self.written:
            lines.append("derived.csv " + ("recomputed" if self.derived_changed else "unchanged"))
        return lines


def listed(names, shown=repr) -> str:
    """The first SHOWN names in order, and how many more."""
    names = sorted(names)
    text = ", ".join(shown(n) for n in names[:SHOWN])
    return text + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def layout_notes(source: str, table: RawTable, repeated: list[tuple[int, int]]) -> list[str]:
    """What the importer changed in the download as published: renamed columns read under
    our names, columns dropped, rows repeated exactly kept once."""
    notes = [
        f"column {published!r} read as {ours!r} (the IEA's name for it since the 2025 edition)"
        for published, ours in table.renamed.items()
    ]
    if table.extra:
        notes.append(
            f"column(s) not used by the importer, dropped: {listed(table.extra)} "
            "(data/iea.csv keeps the columns of schemas/iea.json)"
        )
    if repeated:
        lines = listed(repeated, shown=lambda pair: f"line {pair[0]} (= line {pair[1]})")
        notes.append(
            f"{len(repeated)} row(s) of {source} repeat an earlier row exactly (same key, unit "
            f"and value), kept once: {lines}"
        )
    return notes


def notes(rows: list[dict], old_rows: list[dict], resolve: Resolver, extra_units) -> list[str]:
    """What a reader of the import should look at: new names, aggregates, units."""
    notes = []
    before = {c: {r[c] for r in old_rows} for c in ("region", "parameter", "mode", "powertrain")}
    before["scenario"] = {r["scenario"] for r in old_rows}
    before["unit"] = {r["unit"] for r in old_rows}
    counts = {c: Counter(r[c] for r in rows) for c in ("region", *before.keys())}
    first_import = not old_rows

    aggregates = [n for n, (kind, _) in resolve.regions.items() if kind == "aggregate"]
    new_aggregates = sorted(set(aggregates) - before["region"])
    if new_aggregates:
        notes.append(
            f"{len(new_aggregates)} region(s) that are no country in ISO 3166 kept as aggregates "
            f"with no ISO code: {listed(new_aggregates)}"
        )
    new_countries = sorted(
        n
        for n, (kind, _) in resolve.regions.items()
        if kind == "country" and n not in before["region"]
    )
    if new_countries and not first_import:
        codes = listed((f"{n} ({resolve.regions[n][1]})" for n in new_countries), shown=str)
        notes.append(f"{len(new_countries)} new country(ies): {codes}")
    if not first_import:
        for column in ("parameter", "mode", "powertrain", "scenario", "unit"):
            new = set(counts[column]) - before[column]
            gone = before[column] - set(counts[column])
            for name in sorted(new):
                notes.append(
                    f"new {column} {name!r} ({counts[column][name]} rows), kept as published"
                )
            if gone:
                notes.append(f"{column} no longer in the edition: {listed(gone)}")
        gone_regions = before["region"] - set(counts["region"])
        if gone_regions:
            notes.append(f"region(s) no longer in the edition: {listed(gone_regions)}")
    for unit in sorted(extra_units):
        notes.append(
            f"unit {unit!r} is not in the known units ({', '.join(UNITS)}): kept as published "
            "and added to the unit vocabulary of schemas/iea.json; add its spellings to UNITS "
            "in chinaev/data/iea_names.py to normalise it"
        )
    return notes
