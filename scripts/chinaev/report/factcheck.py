"""Set the news figures against the IEA series they overlap, and judge each claim.

Each row of the `comparisons` resource pairs one claim (a figure or a derived figure)
with a selection of IEA rows and names how the two differ. This module computes, from
the package alone:

- the claim's interval: the bounds its qualifier implies ("nearly 13 million" is 11.7
  to 13 million), widened for an unhedged number by half a unit of its last non-zero
  digit ("3 percent" is 2.5 to 3.5; a trailing zero counts as rounding, "40" is 35 to 45);
- the IEA value and its interval: the IEA rounds to about two significant figures, so
  each row stands for its value plus or minus half a unit of its second digit; sums,
  ratios and implied totals carry those intervals through (interval arithmetic), and
  `rounding_plus_relative` widens the result by a further `tolerance` times the value;
- the same on the claim's own definition (`alt_mode`, `alt_powertrain`) and over a
  bracket of years (`alt_year`), where the IEA data allow it;
- a verdict:

  consistent               the IEA interval on the comparison's own selection meets
                           the claim's interval;
  consistent once defined  it does not, but the IEA interval on the claim's definition
                           (other vehicle types or powertrains, or the years that bracket
                           a part-year claim) does;
  inconsistent             neither meets it, and every declared difference is one the
                           IEA data can size;
  not checkable            the claim is a target (a statement of intent) or the IEA value
                           is a projection; the IEA has no value for the period; the
                           claim's period lies outside the IEA years compared; or the
                           numbers differ and a declared difference (production against
                           sales, say) is one the IEA data cannot size.

Nothing in the verdict is typed in the data: change an IEA value, a bound or a declared
difference and the verdict follows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from chinaev.data.package import Package
from chinaev.data.problems import Problem
from chinaev.report import prose

VERDICTS = ("consistent", "consistent once defined", "inconsistent", "not checkable")

# Declared differences between a claim and its IEA selection (comparisons.differences).
DIFFERENCES = {
    "vehicles_scope": "the claim and the IEA selection count different vehicle types "
    "(cars only against all vehicles)",
    "vehicles_unspecified": "the claim does not say which vehicles it counts",
    "powertrain_scope": "the claim and the IEA selection count different powertrains "
    "(new-energy vehicles with fuel-cell ones, against battery-electric and plug-in hybrid)",
    "powertrain_unspecified": "the claim says 'electric' without saying whether plug-in "
    "hybrids are in",
    "flow_production_vs_sales": "the claim is about production; the IEA counts sales",
    "flow_exports_vs_sales": "the claim is about exports; the IEA counts sales",
    "flow_capacity_vs_sales": "the claim is about production capacity; the IEA counts sales",
    "flow_sales_vs_stock": "one side counts sales in a year, the other vehicles in use",
    "flow_sales_basis": "sales counted on another basis (wholesale shipments including "
    "exports, against sales in the country)",
    "period_part_of_year": "the claim covers part of a year; the IEA gives whole years",
    "period_unstated": "the claim is dated only by its article ('now', a stock at an "
    "unstated date)",
    "period_not_in_edition": "the IEA edition may not reach the claim's year",
    "target_vs_projection": "the claim is a target; the IEA value is a scenario projection",
    "derived_iea": "the IEA value is computed from two or more IEA series",
    "rounding_hedge": "the claim is rounded or hedged",
    "edition_revision": "later IEA editions revise earlier years",
}
# Differences the IEA data cannot size: when the numbers disagree and one of these is
# declared, the disagreement may be the difference itself, so the claim is not checkable.
UNSIZEABLE = frozenset(
    {
        "flow_production_vs_sales",
        "flow_exports_vs_sales",
        "flow_capacity_vs_sales",
        "flow_sales_vs_stock",
        "flow_sales_basis",
    }
)
OPERATIONS = ("sum", "ratio", "share_of", "implied_total")
ALL_MODES = ("Cars", "Vans", "Buses", "Trucks")
SHARE_PARAMETERS = ("EV sales share", "EV stock share")
LEVEL_OF_SHARE = {"EV sales share": "EV sales", "EV stock share": "EV stock"}
IEA_DIGITS = 2  # the IEA rounds to about two significant figures
SCENARIOS = {
    "Projection-STEPS": "stated-policies scenario (STEPS)",
    "Projection-APS": "announced-pledges scenario (APS)",
}

REASONS = {
    "match": "the IEA value matches the claim on the comparison's own definition",
    "match_once_defined": "the IEA value matches once the claim's definition or period "
    "is taken into account",
    "mismatch": "the IEA value differs by more than rounding and the named differences allow",
    "target": "the claim is a target or expected share for a future year: no statistic yet",
    "projection": "the IEA value is a scenario projection, not a statistic",
    "no_iea_value": "the IEA data in the package have no value for the period",
    "period_outside": "the claim's period lies outside the IEA years compared",
    "undated": "the claim has no period",
    "unsizeable": "the numbers differ, and part of the difference is one the IEA data cannot size",
}


# -- intervals ------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    point: float
    lo: float
    hi: float

    def __add__(self, other: Interval) -> Interval:
        return Interval(self.point + other.point, self.lo + other.lo, self.hi + other.hi)

    def __truediv__(self, other: Interval) -> Interval:
        # Both sides are positive quantities (vehicles, chargers, shares).
        return Interval(
            self.point / other.point,
            self.lo / other.hi if other.hi else math.inf,
            self.hi / other.lo if other.lo > 0 else math.inf,
        )

    def scaled(self, factor: float) -> Interval:
        return Interval(self.point * factor, self.lo * factor, self.hi * factor)

    def widened(self, relative: float) -> Interval:
        return Interval(
            self.point,
            self.lo - abs(self.point) * relative,
            self.hi + abs(self.point) * relative,
        )

    def meets(self, other: Interval) -> bool:
        return self.lo <= other.hi and other.lo <= self.hi


def hull(intervals: Iterable[Interval]) -> Interval | None:
    """The smallest interval holding all of them; the point is the first one's."""
    intervals = [i for i in intervals if i is not None]
    if not intervals:
        return None
    return Interval(intervals[0].point, min(i.lo for i in intervals), max(i.hi for i in intervals))


def half_unit_significant(value: float, digits: int = IEA_DIGITS) -> float:
    """Half a unit of the `digits`-th significant digit: 5,400,000 -> 50,000; 0.61 -> 0.005."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - (digits - 1)
    return 0.5 * 10.0**exponent


def half_unit_last_digit(value: float) -> float:
    """Half a unit of the last non-zero digit as written: 3 -> 0.5; 38.6 -> 0.05;
    13,000,000 -> 500,000; 40 -> 5 (a trailing zero is taken as rounding)."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    for exponent in range(15, -7, -1):
        unit = 10.0**exponent
        if abs(value) >= unit and math.isclose(value / unit, round(value / unit), abs_tol=1e-9):
            return 0.5 * unit
    return 0.0


# Bounds the package's qualifier rule implies (datapackage/README.md), for derived claims.
def claim_interval(record: pd.Series) -> Interval:
    """The claim as an interval: its qualifier bounds, and for an unhedged number half a
    unit of its last digit either way. Derived claims: exact unless approximate, when they
    are read as 'about' (a tenth either way)."""
    value = float(record["value"])
    if isinstance(record.get("figure_id"), str):
        qualifier = record["qualifier"]
        lower = record["lower"] if not pd.isna(record["lower"]) else -math.inf
        upper = record["upper"] if not pd.isna(record["upper"]) else math.inf
    else:
        qualifier = "about" if record.get("approximate") else "exact"
        lower, upper = (0.9 * value, 1.1 * value) if qualifier == "about" else (value, value)
    if qualifier == "exact":
        half = half_unit_last_digit(value)
        lower, upper = lower - half, upper + half
    return Interval(value, float(lower), float(upper))


# -- IEA selections -------------------------------------------------------------------
def split_list(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(cell or "").split("+") if part.strip())


@dataclass(frozen=True)
class Selection:
    region: str
    category: str
    parameter: str
    modes: tuple[str, ...]
    powertrains: tuple[str, ...]
    year: int

    def rows(self, iea: pd.DataFrame, **changes) -> pd.DataFrame:
        s = {**self.__dict__, **changes}
        return iea[
            (iea["region"] == s["region"])
            & (iea["category"] == s["category"])
            & (iea["parameter"] == s["parameter"])
            & iea["mode"].isin(s["modes"])
            & iea["powertrain"].isin(s["powertrains"])
            & (iea["year"] == s["year"])
        ]


def _row_interval(value: float) -> Interval:
    half = half_unit_significant(value)
    return Interval(value, value - half, value + half)


def _sum(rows: pd.DataFrame) -> Interval | None:
    """Sum of rows; missing combinations have no row in the IEA data and count as zero,
    but a selection with no row at all has no value."""
    if rows.empty:
        return None
    total = Interval(0.0, 0.0, 0.0)
    for value in rows["value"]:
        total = total + _row_interval(float(value))
    return total


def _implied_total(iea: pd.DataFrame, selection: Selection, mode: str) -> Interval | None:
    """All vehicles of one type, implied by EV sales (or stock) over the EV share."""
    level = LEVEL_OF_SHARE.get(selection.parameter, selection.parameter)
    share_parameter = {v: k for k, v in LEVEL_OF_SHARE.items()}.get(level)
    sales = _sum(
        selection.rows(
            iea, parameter=level, modes=(mode,), powertrains=_level_powertrains(selection)
        )
    )
    share = _sum(selection.rows(iea, parameter=share_parameter, modes=(mode,), powertrains=("EV",)))
    if sales is None or share is None or share.point <= 0:
        return None
    return sales / share.scaled(0.01)


def quantity(iea: pd.DataFrame, selection: Selection, operation: str) -> Interval | None:
    """The IEA side of one region: a sum of levels, a share, or an implied total."""
    if operation == "implied_total":
        parts = [_implied_total(iea, selection, mode) for mode in selection.modes]
        if any(part is None for part in parts):
            return None
        return _add_all(parts)
    if selection.parameter in SHARE_PARAMETERS:
        if len(selection.modes) == 1:
            return _sum(selection.rows(iea, powertrains=("EV",)))
        # A share across vehicle types: their EV sales over their implied totals.
        level = LEVEL_OF_SHARE[selection.parameter]
        evs = [
            _sum(selection.rows(iea, parameter=level, modes=(mode,), powertrains=pts))
            for mode in selection.modes
            for pts in [_level_powertrains(selection)]
        ]
        totals = [_implied_total(iea, selection, mode) for mode in selection.modes]
        if any(part is None for part in evs + totals):
            return None
        return (_add_all(evs) / _add_all(totals)).scaled(100)
    return _sum(selection.rows(iea))


def _level_powertrains(selection: Selection) -> tuple[str, ...]:
    wanted = tuple(p for p in selection.powertrains if p != "EV")
    return wanted or ("BEV", "PHEV")


def _add_all(parts: list[Interval]) -> Interval:
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def evaluate(
    iea: pd.DataFrame, comparison: pd.Series, *, modes=None, powertrains=None, year=None
) -> Interval | None:
    """The IEA value a comparison selects, optionally on other modes, powertrains or year."""
    selection = Selection(
        region=comparison["region"],
        category=comparison["category"],
        parameter=comparison["parameter"],
        modes=modes or split_list(comparison["mode"]),
        powertrains=powertrains or split_list(comparison["powertrain"]),
        year=int(year if year is not None else comparison["year"]),
    )
    operation = comparison["operation"]
    numerator = quantity(iea, selection, operation)
    if operation in ("ratio", "share_of"):
        denominator = quantity(
            iea,
            Selection(**{**selection.__dict__, "region": comparison["denominator_region"]}),
            "sum",
        )
        if numerator is None or denominator is None or denominator.point <= 0:
            return None
        result = numerator / denominator
        return result.scaled(100) if operation == "share_of" else result
    return numerator


# -- checking ---------------------------------------------------------------------------
def _codes(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(cell or "").split(";") if part.strip())


def _years(comparison: pd.Series) -> list[int]:
    years = [int(comparison["year"])]
    if not pd.isna(comparison.get("alt_year")):
        years.append(int(comparison["alt_year"]))
    return years


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
    names = {
        "BEV": "battery-electric",
        "PHEV": "plug-in hybrid",
        "FCEV": "fuel-cell",
        "EV": "",
        "Publicly available fast": "fast",
        "Publicly available slow": "slow",
    }
    shown = [names.get(p, p) for p in powertrains if names.get(p, p)]
    power = (", ".join(shown[:-1]) + " and " + shown[-1]) if len(shown) > 1 else "".join(shown)
    if operation == "implied_total":
        return f"{kind}, total sales implied by electric sales over their share"
    if modes == ("EV",) and power:
        return f"public chargers, {power}"
    if set(powertrains) == {"EV"}:
        return f"{kind}, electric share"
    return ", ".join(part for part in (kind, power) if part)


@dataclass
class Result:
    comparison_id: str
    claim_id: str
    verdict: str
    reason: str
    claim: Interval
    direct: Interval | None
    defined: Interval | None
    defined_as: str
    context: Interval | None
    context_year: int | None
    # The variant that meets the claim (or comes nearest): its definition, whether that
    # differs from the comparison's own selection, and its published value for each year.
    defined_definition: str = ""
    defined_redefined: bool = False
    defined_points: tuple[tuple[int, float], ...] = ()


def judge(package: Package, comparison: pd.Series) -> Result:
    """Verdict for one comparison; see the module docstring for the rule."""
    iea = package.iea  # through the attribute, so a chapter's record of reads notes it
    claim_id = comparison["figure_id"] or comparison["derived_id"]
    record = package.record(claim_id)
    claim = claim_interval(record)
    codes = set(_codes(comparison["differences"]))
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
                        definition=describe_selection(modes, powertrains, comparison["operation"]),
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
    elif codes & UNSIZEABLE:
        reason = "unsizeable"
    else:
        reason = "mismatch"
    verdict = {
        "match": "consistent",
        "match_once_defined": "consistent once defined",
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
        defined_as=f"{chosen.definition}, {chosen.span}" if chosen else "",
        context=context,
        context_year=context_year,
        defined_definition=chosen.definition if chosen else "",
        defined_redefined=chosen.redefined if chosen else False,
        defined_points=chosen.points if chosen else (),
    )


@dataclass(frozen=True)
class Variant:
    definition: str
    redefined: bool  # other modes or powertrains than the comparison's own selection
    span: str
    interval: Interval  # over the years, with rounding and tolerance
    points: tuple[tuple[int, float], ...]  # the published value for each year


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


COLUMNS = [
    "comparison_id",
    "claim_id",
    "claim",
    "source_id",
    "unit",
    "news_value",
    "news_lo",
    "news_hi",
    "news_shown",
    "iea_value",
    "iea_lo",
    "iea_hi",
    "iea_year",
    "iea_category",
    "iea_as",
    "defined_value",
    "defined_lo",
    "defined_hi",
    "defined_as",
    "context_value",
    "context_year",
    "difference",
    "relative_difference",
    "verdict",
    "reason",
    "differences",
    "difference_note",
    "tolerance_rule",
    "tolerance",
    "explanation",
    "shown_iea",
]


def check(package: Package) -> pd.DataFrame:
    """One row per comparison whose claim is in the package (as of its date):
    the claim, the IEA value, the difference and the verdict."""
    comparisons = package.comparisons
    # Seen from a date before the IEA edition came out, the package has no IEA rows.
    published = not (package.iea.empty and package.as_of is not None)
    rows = []
    for _, comparison in comparisons.iterrows():
        claim_id = comparison["figure_id"] or comparison["derived_id"]
        if not package.has(claim_id):
            continue
        result = judge(package, comparison)
        record = package.record(claim_id)
        shown_iea = result.direct or result.context
        point = result.direct.point if result.direct is not None else math.nan
        rows.append(
            {
                "comparison_id": result.comparison_id,
                "claim_id": claim_id,
                "claim": comparison["claim"],
                "source_id": record.get("source_id", "")
                if isinstance(record.get("source_id"), str)
                else "",
                "unit": comparison["unit"],
                "news_value": result.claim.point,
                "news_lo": result.claim.lo,
                "news_hi": result.claim.hi,
                "news_shown": _shown(record),
                "iea_value": point,
                "iea_lo": result.direct.lo if result.direct is not None else math.nan,
                "iea_hi": result.direct.hi if result.direct is not None else math.nan,
                "iea_year": int(comparison["year"]),
                "iea_category": comparison["category"],
                "iea_as": describe_selection(
                    split_list(comparison["mode"]),
                    split_list(comparison["powertrain"]),
                    comparison["operation"],
                ),
                "defined_value": result.defined.point if result.defined is not None else math.nan,
                "defined_lo": result.defined.lo if result.defined is not None else math.nan,
                "defined_hi": result.defined.hi if result.defined is not None else math.nan,
                "defined_as": result.defined_as,
                "context_value": result.context.point if result.context is not None else math.nan,
                "context_year": result.context_year,
                "difference": point - result.claim.point,
                "relative_difference": (point - result.claim.point) / result.claim.point
                if result.claim.point
                else math.nan,
                "verdict": result.verdict,
                "reason": result.reason,
                "differences": comparison["differences"],
                "difference_note": comparison["difference_note"],
                "tolerance_rule": comparison["tolerance_rule"],
                "tolerance": comparison["tolerance"],
                "explanation": explain(result, comparison, record, published=published),
                "shown_iea": shown_iea.point if shown_iea is not None else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _shown(record: pd.Series) -> str:
    if isinstance(record.get("figure_id"), str):
        return prose.figure(record)
    return prose.derived(record)


def formatted(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    if unit == "ratio":
        return prose.ratio(prose.significant(value, 2))
    return prose.UNIT_FORMATS.get(unit, prose.number)(prose.significant(value, 3))


def explain(
    result: Result, comparison: pd.Series, record: pd.Series, published: bool = True
) -> str:
    """The difference in words, from the numbers (no figure typed by hand). `published`
    is False when the package is seen from a date before the IEA data came out."""
    unit = comparison["unit"]
    claim = _shown(record)
    year = int(comparison["year"])
    selection = describe_selection(
        split_list(comparison["mode"]),
        split_list(comparison["powertrain"]),
        comparison["operation"],
    )
    direct = result.direct
    if not published:
        return "The IEA data had not been published by the chosen date."
    if result.reason == "target":
        if direct is None:
            return (
                "A target or expected share for a future year; the IEA data in the package "
                f"have no projection for {year}."
            )
        side = (
            "above"
            if direct.point > result.claim.point
            else "below"
            if direct.point < result.claim.point
            else "level with"
        )
        scenario = SCENARIOS.get(comparison["category"], comparison["category"])
        return (
            "A target or expected share for a future year, not a measurement. The IEA's "
            f"{scenario} projection for {year} ({selection}) is "
            f"{formatted(direct.point, unit)}, {side} the claim's {claim}."
        )
    if result.reason == "projection":
        shown = formatted(direct.point, unit) if direct else "none"
        return f"The IEA value, {shown}, is a projection."
    if result.reason in ("no_iea_value", "period_outside", "undated"):
        why = {
            "no_iea_value": f"The IEA data in the package have no value for {year}",
            "period_outside": "The claim's period lies outside the IEA years compared",
            "undated": "The claim has no period",
        }[result.reason]
        if result.context is not None:
            return (
                f"{why}. The latest earlier year they cover, {result.context_year}, gives "
                f"{formatted(result.context.point, unit)} ({selection}), "
                f"against the claim's {claim}."
            )
        return f"{why}."
    shown = f"{formatted(direct.point, unit)} for {year} ({selection})" if direct else "no value"
    if result.reason == "match":
        if math.isinf(result.claim.hi) or math.isinf(result.claim.lo):
            relation = (
                "above the claim's floor"
                if math.isinf(result.claim.hi)
                else "below the claim's ceiling"
            )
            return f"The IEA gives {shown}, {relation} of {claim}."
        return f"The IEA gives {shown}, within the rounding of the claim's {claim}."
    if result.reason == "match_once_defined":
        values = " and ".join(
            f"{formatted(value, unit)} for {year}" for year, value in result.defined_points
        )
        counted = (
            f"Counted as {result.defined_definition}, it gives {values}"
            if result.defined_redefined
            else f"For the years around the claim it gives {values}"
        )
        meets = "bracket" if len(result.defined_points) > 1 else "matches"
        return (
            f"Taken as written, the IEA gives {shown}, {_off(direct, result.claim)}. "
            f"{counted}, which {meets} the claim's {claim} within the ranges allowed."
        )
    if result.reason == "unsizeable":
        return (
            f"The IEA gives {shown}, {_off(direct, result.claim)}; part of the gap is a "
            "difference of definition that the IEA data cannot size."
        )
    return (
        f"The IEA gives {shown}, {_off(direct, result.claim)}, "
        "beyond rounding and the named differences."
    )


def _off(found: Interval | None, claim: Interval) -> str:
    if found is None:
        return "no value"
    relative = (found.point - claim.point) / claim.point
    side = "above" if relative > 0 else "below"
    return f"{prose.percent(abs(relative) * 100, 0)} {side} the claim"


# -- validation -------------------------------------------------------------------------
def required_differences(figure: dict, comparison: dict) -> set[str]:
    """Differences the figure's basis columns and period imply against the selection."""
    required = set()
    modes = set(split_list(comparison.get("mode", "")))
    powertrains = set(split_list(comparison.get("powertrain", "")))
    parameter = comparison.get("parameter", "")
    vehicles = figure.get("basis_vehicles", "")
    if parameter != "EV charging points":
        if vehicles == "all_vehicles" and modes != set(ALL_MODES):
            required.add("vehicles_scope")
        elif vehicles in ("cars", "passenger_cars") and modes != {"Cars"}:
            required.add("vehicles_scope")
        elif vehicles == "commercial" and "Cars" in modes:
            required.add("vehicles_scope")
        elif vehicles == "unspecified":
            required.add("vehicles_unspecified")
    power = figure.get("basis_powertrain", "")
    expected = {
        "nev": {"BEV", "PHEV", "FCEV"},
        "ev": {"BEV", "PHEV"},
        "bev": {"BEV"},
        "phev": {"PHEV"},
    }
    if parameter in SHARE_PARAMETERS:
        powertrains = {"BEV", "PHEV"}  # the IEA's EV: battery-electric and plug-in hybrid
    if power in expected and comparison.get("operation") != "implied_total":
        if expected[power] != powertrains:
            required.add("powertrain_scope")
    elif power == "electric_unspecified":
        required.add("powertrain_unspecified")
    flow = figure.get("basis_flow", "")
    sales = parameter in ("EV sales", "EV sales share")
    if flow == "production":
        required.add("flow_production_vs_sales")
    elif flow == "exports":
        required.add("flow_exports_vs_sales")
    elif flow == "capacity":
        required.add("flow_capacity_vs_sales")
    elif (flow.startswith("sales") and not sales) or (flow == "stock" and sales):
        required.add("flow_sales_vs_stock")
    period_type = figure.get("period_type", "")
    if period_type == "target_year":
        required.add("target_vs_projection")
    elif period_type == "as_reported":
        required.add("period_unstated")
    elif period_type in ("month", "months"):
        required.add("period_part_of_year")
    return required


def check_rows(tables: dict[str, list[dict[str, str]]]) -> Iterator[Problem]:
    """Checks frictionless cannot make (the validator calls this): one claim per
    comparison, units that match, listed modes and powertrains that exist in the IEA
    data, and every difference the figure's basis implies declared."""
    figures = {row.get("figure_id"): row for row in tables.get("figures", [])}
    derived = {row.get("derived_id"): row for row in tables.get("derived", [])}
    present: dict[tuple[str, str, str], tuple[set[str], set[str]]] = {}
    for row in tables.get("iea", []):
        key = (row.get("region"), row.get("category"), row.get("parameter"))
        modes, powertrains = present.setdefault(key, (set(), set()))
        modes.add(row.get("mode"))
        powertrains.add(row.get("powertrain"))
    for line, row in enumerate(tables.get("comparisons", []), start=2):
        figure_id, derived_id = row.get("figure_id"), row.get("derived_id")
        if bool(figure_id) == bool(derived_id):
            yield Problem(
                "comparisons", line, "figure_id", "name exactly one of figure_id and derived_id"
            )
            continue
        claim = figures.get(figure_id) if figure_id else derived.get(derived_id)
        if claim is None:
            continue  # the foreign key check reports it
        if claim.get("unit") != row.get("unit"):
            yield Problem(
                "comparisons",
                line,
                "unit",
                f"{row.get('unit')!r} is not the claim's unit {claim.get('unit')!r}",
            )
        operation = row.get("operation")
        if (operation in ("ratio", "share_of")) != bool(row.get("denominator_region")):
            yield Problem(
                "comparisons",
                line,
                "denominator_region",
                "ratio and share_of need a denominator_region; other operations take none",
            )
        if row.get("alt_year") and row.get("alt_year") == row.get("year"):
            yield Problem("comparisons", line, "alt_year", "alt_year repeats year")
        key = (row.get("region"), row.get("category"), row.get("parameter"))
        modes, powertrains = present.get(key, (set(), set()))
        for field_name, known in (
            ("mode", modes),
            ("alt_mode", modes),
            ("powertrain", powertrains),
            ("alt_powertrain", powertrains),
        ):
            for item in split_list(row.get(field_name, "")):
                if known and item not in known:
                    yield Problem(
                        "comparisons",
                        line,
                        field_name,
                        f"{item!r} is not a {field_name.replace('alt_', '')} of the IEA rows "
                        f"for {' / '.join(key)}",
                    )
        declared = set(_codes(row.get("differences", "")))
        for code in sorted(declared - set(DIFFERENCES)):
            yield Problem("comparisons", line, "differences", f"unknown difference {code!r}")
        if figure_id:
            for code in sorted(required_differences(claim, row) - declared):
                yield Problem(
                    "comparisons",
                    line,
                    "differences",
                    f"the figure's basis or period implies {code!r} "
                    f"({DIFFERENCES[code]}); declare it",
                )


def counts(results: pd.DataFrame) -> dict[str, int]:
    """How many claims got each verdict, in the fixed order of VERDICTS."""
    found = results["verdict"].value_counts() if len(results) else pd.Series(dtype=int)
    return {verdict: int(found.get(verdict, 0)) for verdict in VERDICTS}
