"""Both sides of a comparison as intervals: the claim, by its qualifier and rounding,
and the IEA value a comparison selects, by the IEA's rounding carried through sums,
shares, ratios and implied totals."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from chinaev.data.memo import per_object

ALL_MODES = ("Cars", "Vans", "Buses", "Trucks")
SHARE_PARAMETERS = ("EV sales share", "EV stock share")
LEVEL_OF_SHARE = {"EV sales share": "EV sales", "EV stock share": "EV stock"}
IEA_DIGITS = 2  # the IEA rounds to about two significant figures


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
        series = _series_of(iea).get((s["region"], s["category"], s["parameter"]))
        if series is None:
            return iea.iloc[0:0]
        return series[
            series["mode"].isin(s["modes"])
            & series["powertrain"].isin(s["powertrains"])
            & (series["year"] == s["year"])
        ]


@per_object
def _series_of(iea: pd.DataFrame) -> dict[tuple, pd.DataFrame]:
    """The table's rows by (region, category, parameter), indexed once per table.

    A fact-check makes about a hundred selections from one table of tens of thousands
    of rows; comparing every row's strings for each of them was most of the time that
    `chinaev validate` spent checking that the stored verdicts are current.
    """
    groups = iea.groupby(["region", "category", "parameter"], sort=False, observed=True)
    return {key: rows for key, rows in groups}


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
