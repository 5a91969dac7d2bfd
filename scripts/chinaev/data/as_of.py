"""The data package as it stood on a date: what had been published by then."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from chinaev.data.descriptor import iea_source_id
from chinaev.data.problems import UserError


def parse_as_of(as_of: str | date | None) -> date | None:
    if as_of in (None, ""):
        return None
    if isinstance(as_of, date):
        return as_of
    # Only YYYY-MM-DD: date.fromisoformat would also take 20250630 and 2025-W26-1.
    if isinstance(as_of, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of.strip()):
        try:
            return date.fromisoformat(as_of.strip())
        except ValueError:
            pass
    raise UserError(f"as_of must be an ISO date YYYY-MM-DD such as 2025-06-30, not {as_of!r}")


def as_of_tables(
    tables: dict[str, pd.DataFrame], descriptor: dict, cutoff: date
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables as of `cutoff`, and how many rows each left out (see `load`)."""
    tables, left_out = dict(tables), {}
    stamp = pd.Timestamp(cutoff)
    sources = tables["sources"]
    published = sources[sources["published_date"].notna() & (sources["published_date"] <= stamp)]
    known = set(published["source_id"])

    def keep(name: str, mask) -> None:
        before = len(tables[name])
        tables[name] = tables[name][mask].reset_index(drop=True)
        left_out[name] = before - len(tables[name])

    for name in ("figures", "audit", "corrections", "footprint", "destinations", "aliases"):
        keep(name, tables[name]["source_id"].isin(known))
    events = tables["events"]
    keep("events", events["source_id"].isin(known) & (events["date"] <= stamp))
    if iea_source_id(descriptor) not in known:
        keep("iea", tables["iea"]["year"] < 0)
    if "iea_revisions" in tables:  # a revision is known once both editions are published
        revisions = tables["iea_revisions"]
        keep(
            "iea_revisions",
            revisions["edition_from"].isin(known) & revisions["edition_to"].isin(known),
        )
    keep("sources", sources["source_id"].isin(known))
    keep("derived", _derived_still_computable(tables))
    return tables, left_out


def _derived_still_computable(tables: dict[str, pd.DataFrame]) -> pd.Series:
    present = set(tables["figures"]["figure_id"])
    iea_available = len(tables["iea"]) > 0
    keep = {}
    # Derived rows may depend on each other; resolve in file order until stable.
    rows = list(tables["derived"].itertuples(index=False))
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row.derived_id in keep:
                continue
            refs = split_inputs(row.inputs)
            status = []
            for ref in refs:
                if ref.startswith("iea:"):
                    status.append(iea_available)
                elif ref in present:
                    status.append(True)
                elif ref in keep:
                    status.append(keep[ref])
                else:
                    status.append(None)
            if None not in status:
                keep[row.derived_id] = all(status)
                changed = True
    return tables["derived"]["derived_id"].map(lambda i: keep.get(i, False))


def split_inputs(text: str) -> list[str]:
    """Inputs of a derived figure: ids separated by semicolons (IEA keys contain spaces)."""
    return [part.strip() for part in text.split(";") if part.strip()]
