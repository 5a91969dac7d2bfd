"""The fact-check in words: what a reader reads about each comparison of a news claim
with the IEA data. The numbers and the verdicts are computed in `chinaev.data.factcheck`;
this module says them: the values formatted, the IEA selection described, and a
sentence per claim that explains its verdict from the numbers (no figure typed by hand).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from chinaev.data.factcheck.intervals import ALL_MODES, Interval
from chinaev.data.factcheck.results import stored
from chinaev.data.package import Package
from chinaev.report import prose

# The words for the fact-check's codes (what each verdict means, why a claim is not
# checkable, what kind of IEA value is shown, why a figure is not compared) are
# vocabularies of the package's labels resource (factcheck_*); here only the codes.
SCENARIOS = {
    "Projection-STEPS": "stated-policies scenario (STEPS)",
    "Projection-APS": "announced-pledges scenario (APS)",
}
POWERTRAIN_WORDS = {
    "BEV": "battery-electric",
    "PHEV": "plug-in hybrid",
    "FCEV": "fuel-cell",
    "EV": "",
    "Publicly available fast": "fast",
    "Publicly available slow": "slow",
}


def explained(package: Package) -> pd.DataFrame:
    """The fact-check's results as the package stores them (`factcheck_results`, in the
    shape of `chinaev.data.factcheck.check`) with what the reader reads: the news value as
    the source gave it (`news_shown`) and the verdict explained (`explanation`)."""
    results = stored(package)
    # Seen from a date before the IEA edition came out, the package has no IEA rows.
    published = not (package.iea.empty and package.as_of is not None)
    news_shown = [shown(package.record(claim_id)) for claim_id in results["claim_id"]]
    results = results.assign(news_shown=pd.Series(news_shown, index=results.index, dtype=object))
    explanations = [explain(row, published) for _, row in results.iterrows()]
    return results.assign(explanation=pd.Series(explanations, index=results.index, dtype=object))


def shown(record: pd.Series) -> str:
    """A claim's value as prose: a figure as the source hedged it, a derived one rounded."""
    if isinstance(record.get("figure_id"), str):
        return prose.figure(record)
    return prose.derived(record)


def formatted(value: float, unit: str) -> str:
    """An IEA value in the claim's unit, to three significant figures (a ratio to two)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    if unit == "ratio":
        return prose.ratio(prose.significant(value, 2))
    return prose.UNIT_FORMATS.get(unit, prose.number)(prose.significant(value, 3))


def describe_selection(
    modes: Iterable[str], powertrains: Iterable[str], operation: str = "sum"
) -> str:
    """'cars, battery-electric and plug-in hybrid' and the like, for the reader."""
    modes = tuple(modes)
    powertrains = tuple(powertrains)
    if set(modes) == set(ALL_MODES):
        kind = "all vehicle types"
    elif modes == ("EV",):
        kind = ""
    else:
        kind = " and ".join(m.lower() for m in modes)
    named = [POWERTRAIN_WORDS.get(p, p) for p in powertrains if POWERTRAIN_WORDS.get(p, p)]
    power = prose.listing(named, empty="")
    if operation == "implied_total":
        return f"{kind}, total sales implied by electric sales over their share"
    if modes == ("EV",) and power:
        return f"public chargers, {power}"
    if set(powertrains) == {"EV"}:
        return f"{kind}, electric share"
    return ", ".join(part for part in (kind, power) if part)


def iea_cell(row: pd.Series) -> str:
    """The IEA value and its year; for a year the data do not reach, the latest earlier one."""
    if not math.isnan(row["iea_value"]):
        kind = " projection" if row["iea_category"] != "Historical" else ""
        shown = f"{formatted(row['iea_value'], row['unit'])} ({row['iea_year']}{kind})"
        if row["reason"] == "earlier_year":  # stale: the earlier year the claim matches
            then = formatted(row["context_value"], row["unit"])
            shown += f"; {then} in {int(row['context_year'])}"
        return shown
    if not math.isnan(row["context_value"]):
        return (
            f"none for {row['iea_year']} ({int(row['context_year'])}: "
            f"{formatted(row['context_value'], row['unit'])})"
        )
    return "none"


def iea_kind(row: pd.Series) -> str:
    """What the IEA value shown for a row of the results is: the code of its label in the
    vocabulary factcheck_iea_value_kind."""
    if row["reason"] == "target":
        return "target_projection"
    if not math.isnan(row["iea_value"]):
        return "claim_year"
    return "earlier_year"


def gap_cell(row: pd.Series) -> str:
    """The IEA value's distance from the news value, in percent of the news value."""
    if math.isnan(row["relative_difference"]):
        return "–"
    return prose.change(row["relative_difference"] * 100, 0)


def _interval(row: pd.Series, prefix: str) -> Interval | None:
    value = row[f"{prefix}_value"]
    if value is None or math.isnan(value):
        return None
    return Interval(value, row[f"{prefix}_lo"], row[f"{prefix}_hi"])


def explain(row: pd.Series, published: bool = True) -> str:
    """The verdict of one row of the results in words, from the numbers. `published` is
    False when the package is seen from a date before the IEA data came out."""
    if not published:
        return "The IEA data had not been published by the chosen date."
    unit, year, reason = row["unit"], int(row["iea_year"]), row["reason"]
    claim, news = _interval(row, "news"), row["news_shown"]
    direct = _interval(row, "iea")
    selection = describe_selection(row["iea_modes"], row["iea_powertrains"], row["operation"])
    if reason == "target":
        if direct is None:
            return (
                "A target or expected share for a future year; the IEA data in the package "
                f"have no projection for {year}."
            )
        side = (
            "above"
            if direct.point > claim.point
            else "below"
            if direct.point < claim.point
            else "level with"
        )
        scenario = SCENARIOS.get(row["iea_category"], row["iea_category"])
        return (
            "A target or expected share for a future year, not a measurement. The IEA's "
            f"{scenario} projection for {year} ({selection}) is "
            f"{formatted(direct.point, unit)}, {side} the claim's {news}."
        )
    if reason == "projection":
        return f"The IEA value, {formatted(row['iea_value'], unit)}, is a projection."
    if reason in ("no_iea_value", "period_outside", "undated"):
        why = {
            "no_iea_value": f"The IEA data in the package have no value for {year}",
            "period_outside": "The claim's period lies outside the IEA years compared",
            "undated": "The claim has no period",
        }[reason]
        if not math.isnan(row["context_value"]):
            return (
                f"{why}. The latest earlier year they cover, {int(row['context_year'])}, gives "
                f"{formatted(row['context_value'], unit)} ({selection}), "
                f"against the claim's {news}."
            )
        return f"{why}."
    shown_iea = (
        f"{formatted(direct.point, unit)} for {year} ({selection})" if direct else "no value"
    )
    if reason == "earlier_year":
        return (
            f"The IEA gives {shown_iea}, {_off(direct, claim)}; the claim's number as written "
            f"is its value for {int(row['context_year'])}, "
            f"{formatted(row['context_value'], unit)}: it held then, not for its own year."
        )
    if reason == "match":
        if math.isinf(claim.hi) or math.isinf(claim.lo):
            relation = (
                "above the claim's floor" if math.isinf(claim.hi) else "below the claim's ceiling"
            )
            return f"The IEA gives {shown_iea}, {relation} of {news}."
        return f"The IEA gives {shown_iea}, within the rounding of the claim's {news}."
    if reason == "match_once_defined":
        points = row["defined_points"]
        values = " and ".join(f"{formatted(value, unit)} for {y}" for y, value in points)
        definition = describe_selection(
            row["defined_modes"], row["defined_powertrains"], row["operation"]
        )
        counted = (
            f"Counted as {definition}, it gives {values}"
            if row["defined_redefined"]
            else f"For the years around the claim it gives {values}"
        )
        meets = "bracket" if len(points) > 1 else "matches"
        written = (
            f"Taken as written, the IEA gives {shown_iea}, {_off(direct, claim)}"
            if direct
            else f"Taken as written, the IEA data have no value for {year}"
        )
        return f"{written}. {counted}, which {meets} the claim's {news} within the ranges allowed."
    if reason == "unsizeable":
        return (
            f"The IEA gives {shown_iea}, {_off(direct, claim)}; part of the gap is a "
            "difference of definition that the IEA data cannot size."
        )
    return (
        f"The IEA gives {shown_iea}, {_off(direct, claim)}, "
        "beyond rounding and the named differences."
    )


def _off(found: Interval | None, claim: Interval) -> str:
    if found is None:
        return "no value"
    relative = (found.point - claim.point) / claim.point
    side = "above" if relative > 0 else "below"
    return f"{prose.percent(abs(relative) * 100, 0)} {side} the claim"


def why_not_compared(row: pd.Series, kinds: pd.Series) -> str:
    """Why a figure no comparison uses is not compared (a code of the vocabularies
    factcheck_not_compared*), from its basis columns and the type of entity it is about."""
    if row["basis_flow"] == "not_applicable":
        return "none"
    if row["basis_flow"] == "exports":
        return "exports"
    if row["basis_flow"] in ("production", "capacity"):
        return "production"
    if kinds.get(row["entity_id"], "") in ("company", "group", "product", "facility"):
        return "company"
    return "other"
