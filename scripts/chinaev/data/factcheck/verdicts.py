"""Judge each comparison (the rule is in the package's docstring) and tabulate the results."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from chinaev.data.factcheck.intervals import (
    Interval,
    claim_interval,
    evaluate,
    half_unit_last_digit,
    hull,
    split_list,
)
from chinaev.data.factcheck.rules import UNSIZEABLE, codes
from chinaev.data.package import Package

VERDICTS = ("consistent", "consistent once defined", "stale", "inconsistent", "not checkable")
# How many years before its own period a claim's number may match to be called stale: a
# statistic is quoted a year or two after the year it counts; an older match is chance.
STALE_YEARS = 2


@dataclass
class Result:
    comparison_id: str
    claim_id: str
    verdict: str
    reason: str
    claim: Interval
    direct: Interval | None
    defined: Interval | None
    context: Interval | None
    context_year: int | None
    # The variant that meets the claim (or comes nearest): its vehicle types and
    # powertrains, whether they differ from the comparison's own selection, the years it
    # spans and its published value for each year.
    defined_modes: tuple[str, ...] = ()
    defined_powertrains: tuple[str, ...] = ()
    defined_redefined: bool = False
    defined_span: str = ""
    defined_points: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class Variant:
    modes: tuple[str, ...]
    powertrains: tuple[str, ...]
    redefined: bool  # other modes or powertrains than the comparison's own selection
    span: str
    interval: Interval  # over the years, with rounding and tolerance
    points: tuple[tuple[int, float], ...]  # the published value for each year


def _years(comparison: pd.Series) -> list[int]:
    years = [int(comparison["year"])]
    if not pd.isna(comparison.get("alt_year")):
        years.append(int(comparison["alt_year"]))
    return years


def judge(package: Package, comparison: pd.Series) -> Result:
    """Verdict for one comparison; see the package docstring for the rule."""
    iea = package.iea  # through the attribute, so a chapter's record of reads notes it
    claim_id = comparison["figure_id"] or comparison["derived_id"]
    record = package.record(claim_id)
    claim = claim_interval(record)
    declared = set(codes(comparison["differences"]))
    base_modes = split_list(comparison["mode"])
    base_powertrains = split_list(comparison["powertrain"])
    years = _years(comparison)

    direct = evaluate(iea, comparison)
    variants = []  # Variant per definition, each over the comparison's years
    mode_options = [base_modes] + (
        [split_list(comparison["alt_mode"])] if comparison.get("alt_mode") else []
    )
    powertrain_options = [base_powertrains] + (
        [split_list(comparison["alt_powertrain"])] if comparison.get("alt_powertrain") else []
    )
    tolerance = (
        float(comparison["tolerance"])
        if comparison["tolerance_rule"] == "rounding_plus_relative"
        else 0.0
    )
    for modes in mode_options:
        for powertrains in powertrain_options:
            by_year = {
                y: evaluate(iea, comparison, modes=modes, powertrains=powertrains, year=y)
                for y in sorted(set(years))
            }
            by_year = {y: found for y, found in by_year.items() if found is not None}
            found = hull(found.widened(tolerance) for found in by_year.values())
            if found is not None:
                variants.append(
                    Variant(
                        modes=modes,
                        powertrains=powertrains,
                        redefined=(modes, powertrains) != (base_modes, base_powertrains),
                        span="–".join(str(y) for y in by_year),
                        interval=found,
                        points=tuple((y, v.point) for y, v in by_year.items()),
                    )
                )
    direct = direct.widened(tolerance) if direct is not None else None
    matching = [v for v in variants if v.interval.meets(claim)]
    chosen = (
        matching[0]
        if matching
        else min(variants, key=lambda v: _gap(v.interval, claim), default=None)
    )
    context, context_year = _context(iea, comparison) if direct is None else (None, None)

    start, end = record["period_start"], record["period_end"]
    if record.get("period_type") == "target_year":
        reason = "target"
    elif comparison["category"] != "Historical":
        reason = "projection"
    elif pd.isna(start) or pd.isna(end):
        reason = "undated"
    elif start.year < min(years) or end.year > max(years):
        reason = "period_outside"
    elif direct is None and not variants:
        reason = "no_iea_value"
    elif direct is not None and direct.meets(claim):
        reason = "match"
    elif matching:
        reason = "match_once_defined"
    elif declared & UNSIZEABLE:
        reason = "unsizeable"
    else:
        reason = "mismatch"
    if reason in ("match", "match_once_defined", "mismatch"):
        earlier = _earlier_match(iea, comparison, claim, variants, tolerance)
        if earlier is not None:
            reason, (context, context_year) = "earlier_year", earlier
    verdict = {
        "match": "consistent",
        "match_once_defined": "consistent once defined",
        "earlier_year": "stale",
        "mismatch": "inconsistent",
    }.get(reason, "not checkable")
    return Result(
        comparison_id=comparison["comparison_id"],
        claim_id=claim_id,
        verdict=verdict,
        reason=reason,
        claim=claim,
        direct=direct,
        defined=chosen.interval if chosen else None,
        context=context,
        context_year=context_year,
        defined_modes=chosen.modes if chosen else (),
        defined_powertrains=chosen.powertrains if chosen else (),
        defined_redefined=chosen.redefined if chosen else False,
        defined_span=chosen.span if chosen else "",
        defined_points=chosen.points if chosen else (),
    )


def as_written(claim: Interval) -> Interval:
    """The claim's number as written, without its floor or ceiling: half a unit of its
    last digit either way ('over 500,000' -> 450,000 to 550,000)."""
    half = half_unit_last_digit(claim.point)
    return Interval(claim.point, claim.point - half, claim.point + half)


def _earlier_match(iea, comparison, claim, variants, tolerance):
    """(IEA value, year) for the latest of the STALE_YEARS years before the claim's own
    years whose value on the comparison's selection meets the claim's number as written,
    when no value for the claim's own years does (on any definition): the claim held for
    that earlier year, and is stale for its own. None otherwise."""
    written = as_written(claim)
    if any(v.interval.meets(written) for v in variants):
        return None
    first = min(_years(comparison))
    for year in range(first - 1, first - 1 - STALE_YEARS, -1):
        found = evaluate(iea, {**comparison.to_dict(), "category": "Historical"}, year=year)
        if found is None:
            return None
        if found.widened(tolerance).meets(written):
            return found, year
    return None


def _gap(found: Interval, claim: Interval) -> float:
    if found.meets(claim):
        return 0.0
    return claim.lo - found.hi if found.hi < claim.lo else found.lo - claim.hi


def _context(iea: pd.DataFrame, comparison: pd.Series) -> tuple[Interval | None, int | None]:
    """The latest earlier year the IEA selection has a value for (historical data)."""
    rows = iea[
        (iea["region"] == comparison["region"])
        & (iea["parameter"] == comparison["parameter"])
        & (iea["category"] == "Historical")
    ]
    for year in sorted(set(rows["year"].dropna().astype(int)), reverse=True):
        if year >= int(comparison["year"]):
            continue
        found = evaluate(iea, {**comparison.to_dict(), "category": "Historical"}, year=year)
        if found is not None:
            return found, year
    return None, None


def _bounds(prefix: str, found: Interval | None) -> dict[str, float]:
    if found is None:
        return {f"{prefix}_value": math.nan, f"{prefix}_lo": math.nan, f"{prefix}_hi": math.nan}
    return {f"{prefix}_value": found.point, f"{prefix}_lo": found.lo, f"{prefix}_hi": found.hi}


def check(package: Package) -> pd.DataFrame:
    """One row per comparison whose claim is in the package (as of its date): the claim
    and its range, the IEA value and its range on the comparison's own selection, on the
    claim's definition (`defined_*`) and, when the claim's year has none, for the latest
    earlier year (`context_*`); the difference, the verdict and its reason. The
    selections are given as tuples of IEA modes and powertrains, not in words."""
    rows = []
    for _, comparison in package.comparisons.iterrows():
        claim_id = comparison["figure_id"] or comparison["derived_id"]
        if not package.has(claim_id):
            continue
        result = judge(package, comparison)
        record = package.record(claim_id)
        source_id = record.get("source_id", "")
        shown_iea = result.direct or result.context
        point = result.direct.point if result.direct is not None else math.nan
        claim = result.claim
        rows.append(
            {
                "comparison_id": result.comparison_id,
                "claim_id": claim_id,
                "claim": comparison["claim"],
                "source_id": source_id if isinstance(source_id, str) else "",
                "unit": comparison["unit"],
                "news_value": claim.point,
                "news_lo": claim.lo,
                "news_hi": claim.hi,
                **_bounds("iea", result.direct),
                "iea_year": int(comparison["year"]),
                "iea_category": comparison["category"],
                "iea_modes": split_list(comparison["mode"]),
                "iea_powertrains": split_list(comparison["powertrain"]),
                "operation": comparison["operation"],
                **_bounds("defined", result.defined),
                "defined_modes": result.defined_modes,
                "defined_powertrains": result.defined_powertrains,
                "defined_redefined": result.defined_redefined,
                "defined_span": result.defined_span,
                "defined_points": result.defined_points,
                "context_value": result.context.point if result.context else math.nan,
                "context_year": result.context_year,
                "difference": point - claim.point,
                "relative_difference": (point - claim.point) / claim.point
                if claim.point
                else math.nan,
                "verdict": result.verdict,
                "reason": result.reason,
                "differences": comparison["differences"],
                "difference_note": comparison["difference_note"],
                "tolerance_rule": comparison["tolerance_rule"],
                "tolerance": comparison["tolerance"],
                "shown_iea": shown_iea.point if shown_iea is not None else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


COLUMNS = [
    "comparison_id", "claim_id", "claim", "source_id", "unit",
    "news_value", "news_lo", "news_hi",
    "iea_value", "iea_lo", "iea_hi", "iea_year", "iea_category",
    "iea_modes", "iea_powertrains", "operation",
    "defined_value", "defined_lo", "defined_hi", "defined_modes", "defined_powertrains",
    "defined_redefined", "defined_span", "defined_points",
    "context_value", "context_year", "difference", "relative_difference",
    "verdict", "reason", "differences", "difference_note", "tolerance_rule", "tolerance",
    "shown_iea",
]  # fmt: skip


def counts(results: pd.DataFrame) -> dict[str, int]:
    """How many claims got each verdict, in the fixed order of VERDICTS."""
    found = results["verdict"].value_counts() if len(results) else pd.Series(dtype=int)
    return {verdict: int(found.get(verdict, 0)) for verdict in VERDICTS}
