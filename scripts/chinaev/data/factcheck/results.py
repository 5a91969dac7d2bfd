"""The fact-check's results as a resource of the package (`factcheck_results`).

`chinaev derive` writes one row per comparison: the claim's interval, the IEA value and
interval on the comparison's own selection, on the claim's definition and, when the
claim's year has no IEA value, for the latest earlier year; the difference, the verdict
and its reason. `chinaev validate` recomputes them and reports a stored row that differs
(stale) as it does a derived figure; the fact-check chapter reads them from the package.

Numbers are written as the shortest text that reads back as the same float (no
exponent), so the chapter reads exactly what the fact-check computed. An empty bound
beside a value is an open side (a claim "more than 500,000" has no upper bound); an
empty value means there is none (no IEA value for the year).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from chinaev.data.factcheck.verdicts import COLUMNS, check
from chinaev.data.files import write_text_atomically
from chinaev.data.package import (
    Package,
    load,
    package_dir,
    read_descriptor,
    read_rows,
    resource_descriptor,
    table_path,
)
from chinaev.data.problems import Problem, UserError

RESOURCE = "factcheck_results"
FIELDS = (
    "comparison_id",
    "verdict",
    "reason",
    "news_value",
    "news_lo",
    "news_hi",
    "iea_value",
    "iea_lo",
    "iea_hi",
    "difference",
    "relative_difference",
    "defined_value",
    "defined_lo",
    "defined_hi",
    "defined_modes",
    "defined_powertrains",
    "defined_redefined",
    "defined_years",
    "defined_year_values",
    "context_value",
    "context_year",
)
NUMBERS = (
    "news_value", "news_lo", "news_hi", "iea_value", "iea_lo", "iea_hi", "difference",
    "relative_difference", "defined_value", "defined_lo", "defined_hi", "context_value",
)  # fmt: skip


def number_text(value) -> str:
    """The shortest text that reads back as the same float, positional (no exponent);
    empty for no value or an open side."""
    if value is None or pd.isna(value) or not math.isfinite(float(value)):
        return ""
    text = np.format_float_positional(float(value), unique=True, trim="-")
    return "0" if text in ("-0", "0") else text


def rows_from(results: pd.DataFrame) -> list[dict[str, str]]:
    """The stored rows for results as `verdicts.check` gives them, by comparison_id."""
    rows = []
    for _, r in results.sort_values("comparison_id").iterrows():
        row = {name: number_text(r[name]) for name in NUMBERS}
        points = r["defined_points"]
        row.update(
            comparison_id=r["comparison_id"],
            verdict=r["verdict"],
            reason=r["reason"],
            defined_modes="+".join(r["defined_modes"]),
            defined_powertrains="+".join(r["defined_powertrains"]),
            defined_redefined=("true" if r["defined_redefined"] else "false")
            if r["defined_modes"]
            else "",
            defined_years="+".join(str(year) for year, _ in points),
            defined_year_values="+".join(number_text(value) for _, value in points),
            context_year="" if pd.isna(r["context_year"]) else str(int(r["context_year"])),
        )
        rows.append({name: row[name] for name in FIELDS})
    return rows


def fresh_rows(path: Path | str) -> list[dict[str, str]]:
    """The rows `chinaev derive` writes: the fact-check run on the package as stored.

    Kept for the process by the digest of the files the fact-check reads: a run checks
    that the stored results are current while it validates the package, then again
    before it re-derives, on the same files.
    """
    folder = package_dir(path)
    key = _inputs_digest(folder)
    if key is None or key not in _FRESH:
        rows = rows_from(check(load(folder)))
        if key is None:
            return rows
        _FRESH[key] = rows
    return [dict(row) for row in _FRESH[key]]


_FRESH: dict[str, list[dict[str, str]]] = {}


def _inputs_digest(folder: Path) -> str | None:
    """sha256 of the descriptor and of every resource's file and schema but the results'
    own; None when one cannot be read (the load then says why)."""
    digest = hashlib.sha256()
    try:
        descriptor = read_descriptor(folder)
        digest.update(json.dumps(descriptor, sort_keys=True).encode())
        for resource in descriptor.get("resources", []):
            if resource.get("name") == RESOURCE:
                continue
            digest.update(table_path(folder, resource).read_bytes())
            if isinstance(resource.get("schema"), str):
                digest.update((folder / resource["schema"]).read_bytes())
    except (OSError, UserError, KeyError, TypeError):
        return None
    return digest.hexdigest()


def _csv_text(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _target(folder: Path) -> Path | None:
    descriptor = read_descriptor(folder)
    if not any(r.get("name") == RESOURCE for r in descriptor.get("resources", [])):
        return None
    return table_path(folder, resource_descriptor(descriptor, RESOURCE))


def stale_results(path: Path | str, tables: Mapping[str, list] | None = None) -> list[Problem]:
    """Stored rows that differ from a recomputation: one problem per row and field (a
    missing or extra row: one per row), each starting 'stale:'."""
    folder = package_dir(path)
    if _target(folder) is None:
        return [Problem(RESOURCE, None, None, "resource missing from datapackage.json")]
    try:
        fresh = {row["comparison_id"]: row for row in fresh_rows(folder)}
    except UserError:
        return []  # the package does not load typed: the schema checks say where
    except (KeyError, ValueError, LookupError) as error:
        return [Problem(RESOURCE, None, None, f"cannot recompute the fact-check: {error}")]
    stored = tables[RESOURCE] if tables and RESOURCE in tables else read_rows(folder, RESOURCE)
    problems, seen = [], set()
    hint = "run `chinaev derive`"
    for line, old in enumerate(stored, start=2):
        key = old.get("comparison_id", "")
        seen.add(key)
        new = fresh.get(key)
        if new is None:
            message = f"stale: no comparison {key!r} is checked; {hint}"
            problems.append(Problem(RESOURCE, line, "comparison_id", message))
            continue
        for name in FIELDS[1:]:
            if old.get(name) != new[name]:
                message = f"stale: stored {old.get(name)!r}, recomputed {new[name]!r}; {hint}"
                problems.append(Problem(RESOURCE, line, name, message))
    for key in sorted(set(fresh) - seen):
        message = f"stale: comparison {key!r} has no result row; {hint}"
        problems.append(Problem(RESOURCE, None, "comparison_id", message))
    return problems


def write_results(path: Path | str, check_only: bool = False) -> bool:
    """Rewrite factcheck_results.csv from the fact-check; return whether it changed."""
    folder = package_dir(path)
    target = _target(folder)
    if target is None:
        return False
    text = _csv_text(fresh_rows(folder))
    old = target.read_text(encoding="utf-8") if target.is_file() else None
    if old == text:
        return False
    if not check_only:
        write_text_atomically(target, text)
    return True


# -- reading them back ---------------------------------------------------------------------
def _split(cell: str) -> tuple[str, ...]:
    return tuple(part for part in str(cell or "").split("+") if part)


def stored(package: Package) -> pd.DataFrame:
    """The results as `verdicts.check` gives them, read from the package.

    Seen from a date (`as_of`), a claim not yet published has no row; when the IEA edition
    was not yet published either, the stored results (computed with it) do not apply and
    the fact-check is run on the package as it stood then.
    """
    if package.left_out.get("iea"):
        return check(package)
    table = package.factcheck_results.set_index("comparison_id")
    rows = []
    for _, comparison in package.comparisons.iterrows():
        claim_id = comparison["figure_id"] or comparison["derived_id"]
        if not package.has(claim_id) or comparison["comparison_id"] not in table.index:
            continue
        r = table.loc[comparison["comparison_id"]]
        record = package.record(claim_id)
        source_id = record.get("source_id", "")

        def bound(prefix: str, side: str, infinite: float, r=r) -> float:
            if pd.isna(r[f"{prefix}_value"]):
                return math.nan
            value = r[f"{prefix}_{side}"]
            return infinite if pd.isna(value) else float(value)

        years = [int(year) for year in _split(r["defined_years"])]
        values = [float(value) for value in _split(r["defined_year_values"])]
        shown = r["iea_value"] if not pd.isna(r["iea_value"]) else r["context_value"]
        rows.append(
            {
                "comparison_id": comparison["comparison_id"],
                "claim_id": claim_id,
                "claim": comparison["claim"],
                "source_id": source_id if isinstance(source_id, str) else "",
                "unit": comparison["unit"],
                "news_value": float(r["news_value"]),
                "news_lo": bound("news", "lo", -math.inf),
                "news_hi": bound("news", "hi", math.inf),
                "iea_value": float(r["iea_value"]) if not pd.isna(r["iea_value"]) else math.nan,
                "iea_lo": bound("iea", "lo", -math.inf),
                "iea_hi": bound("iea", "hi", math.inf),
                "iea_year": int(comparison["year"]),
                "iea_category": comparison["category"],
                "iea_modes": _split(comparison["mode"]),
                "iea_powertrains": _split(comparison["powertrain"]),
                "operation": comparison["operation"],
                "defined_value": float(r["defined_value"])
                if not pd.isna(r["defined_value"])
                else math.nan,
                "defined_lo": bound("defined", "lo", -math.inf),
                "defined_hi": bound("defined", "hi", math.inf),
                "defined_modes": _split(r["defined_modes"]),
                "defined_powertrains": _split(r["defined_powertrains"]),
                "defined_redefined": bool(r["defined_redefined"])
                if not pd.isna(r["defined_redefined"])
                else False,
                "defined_span": "–".join(str(year) for year in years),
                "defined_points": tuple(zip(years, values, strict=True)),
                "context_value": float(r["context_value"])
                if not pd.isna(r["context_value"])
                else math.nan,
                "context_year": None if pd.isna(r["context_year"]) else int(r["context_year"]),
                "difference": float(r["difference"]) if not pd.isna(r["difference"]) else math.nan,
                "relative_difference": float(r["relative_difference"])
                if not pd.isna(r["relative_difference"])
                else math.nan,
                "verdict": r["verdict"],
                "reason": r["reason"],
                "differences": comparison["differences"],
                "difference_note": comparison["difference_note"],
                "tolerance_rule": comparison["tolerance_rule"],
                "tolerance": comparison["tolerance"],
                "shown_iea": float(shown) if not pd.isna(shown) else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
