"""Prose from data: one place decides how every number, date, period and list reads.

Conventions: thousands separators; millions and billions written out from one
million up; percentages with one decimal unless whole; changes signed with a true
minus sign; hedged or derived-approximate values prefixed ('about', 'nearly').
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

MINUS = "\u2212"
HEDGE_WORDS = {
    "exact": "",
    "about": "about ",
    "nearly": "nearly ",
    "more_than": "more than ",
    "at_least": "at least ",
    "up_to": "up to ",
    "less_than": "less than ",
}


def significant(value: float, digits: int = 3) -> float:
    """Round to a number of significant digits (for values implied by rounded inputs)."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value)))))


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: float, decimals: int = 0) -> str:
    """551,000 · 2,490,000 · 33.3"""
    text = _trim(f"{abs(value):,.{decimals}f}")
    return (MINUS if value < 0 and text != "0" else "") + text


def count(value: float) -> str:
    """A quantity of things, in words above a million: 551,000 · 2.49 million · 13 million."""
    magnitude = abs(value)
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if magnitude >= size:
            return f"{number(value / size, 2)} {word}"
    return number(value)


def usd(value: float) -> str:
    """$8,200 · $787 million · $2.7 billion"""
    return f"${count(value)}"


def percent(value: float, decimals: int = 1) -> str:
    """38.6% · 120% · 8%"""
    return f"{number(value, decimals)}%"


def change(value: float, decimals: int = 1) -> str:
    """A signed percentage change: +14.5% · −8.6%"""
    sign = "+" if value > 0 else ""
    return f"{sign}{percent(value, decimals)}"


def points(value: float, decimals: int = 1) -> str:
    """A difference between two percentages."""
    unit = "point" if abs(value) == 1 else "points"
    return f"{number(value, decimals)} percentage {unit}"


def ratio(value: float, decimals: int = 1) -> str:
    """5.8 times"""
    return f"{number(value, decimals)} times"


UNIT_FORMATS = {
    "vehicles": count,
    "vehicles_per_year": count,
    "count": count,
    "persons": count,
    "charging_points": count,
    "USD": usd,
    "percent": percent,
    "ratio": ratio,
    "miles": lambda v: f"{number(v)} miles",
    "rank": lambda v: ordinal(int(v)),
    "problems_per_100_vehicles": number,
}


def ordinal(value: int) -> str:
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def figure(row) -> str:
    """A figure from the package as prose: its value in its unit, hedged as the source hedged it."""
    formatter = UNIT_FORMATS.get(row["unit"], number)
    if str(row.get("metric", "")).startswith("growth_") and row["unit"] == "percent":
        formatter = change
    return HEDGE_WORDS.get(row["qualifier"], "") + formatter(float(row["value"]))


def derived(row, digits: int = 3) -> str:
    """A derived figure, rounded to `digits` significant digits and marked 'about' when
    derive flagged it approximate (hedged inputs, or a level implied by a rounded growth rate)."""
    formatter = UNIT_FORMATS.get(row["unit"], number)
    if str(row.get("metric", "")).startswith("growth_") and row["unit"] == "percent":
        formatter = change
    value = float(row["value"])
    shown = formatter(significant(value, digits))
    return f"about {shown}" if row["approximate"] else shown


# -- words, dates, periods and lists --------------------------------------------------

SMALL_NUMBERS = (
    "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def words(n: int) -> str:
    """A small count in words ('no', 'one' ... 'ten'), larger ones in digits."""
    return SMALL_NUMBERS[n] if 0 <= n < len(SMALL_NUMBERS) else number(n)


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """'one plant', 'three plants', 'no plants' (`nouns` for an irregular plural)."""
    return f"{words(n)} {noun if n == 1 else (nouns or noun + 's')}"


def counted(n: int, noun: str) -> str:
    """'5 news articles', '1 dataset': a count in digits with its noun."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def counted_verb(n: int, singular: str, plural: str) -> str:
    """'1 was running', '5 were running': a count in digits and a verb that agrees."""
    return f"{count(n)} {singular if n == 1 else plural}"


def share_of(part, whole) -> str:
    """'3 of 5', 'all 5' or 'none of 5': how many rows of a table (or items of a list)
    `part` holds against `whole`."""
    n, total = len(part), len(whole)
    if n == total and total:
        return f"all {total}"
    return f"none of {total}" if n == 0 else f"{n} of {total}"


def listing(items, conjunction: str = "and", empty: str = "none") -> str:
    """'A', 'A and B', 'A, B and C' in the order given, without repeats."""
    items = [str(item) for item in dict.fromkeys(items)]
    if not items:
        return empty
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def date(value, precision: str = "day") -> str:
    """A date to the precision the data give: '20 January 2025' (day), 'January 2025'
    (month), '2025' (year), 'on or after 20 January 2025' (not_before); '' if missing.
    Portable: no platform-specific strftime flags."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    day = f"{stamp.day} {MONTHS[stamp.month - 1]} {stamp.year}"
    return {
        "day": day,
        "month": f"{MONTHS[stamp.month - 1]} {stamp.year}",
        "year": f"{stamp.year}",
        "not_before": f"on or after {day}",
    }.get(precision, f"{stamp.year}")


def period(start, end) -> str:
    """A period as prose: 'May 2025', 'January to May 2025', '2024', '2015 to 2024',
    'May 2024 to April 2025'; empty when the period is unknown."""
    if start is None or end is None or pd.isna(start) or pd.isna(end):
        return ""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return f"{start.year}" if start.year == end.year else f"{start.year} to {end.year}"
    first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
    if start.year == end.year:
        if start.month == end.month:
            return f"{first} {start.year}"
        return f"{first} to {last} {start.year}"
    return f"{first} {start.year} to {last} {end.year}"


def months(start, end) -> str:
    """The months of a period without the year: 'May', 'January to May'."""
    return period(start, end).rsplit(" ", 1)[0]


@dataclass(frozen=True)
class Unknown:
    """A value the package does not hold as of its date. It is falsy, so chapters write
    `value or unknown`, and it formats itself as prose: '(not known as of 2025-06-30)'."""

    as_of: str
    phrase: str = "known as of"

    def __str__(self) -> str:
        return f"(not {self.phrase} {self.as_of})"

    def __format__(self, spec: str) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return False


def not_published(as_of: str) -> Unknown:
    """The placeholder for a number whose source came out after `as_of`."""
    return Unknown(as_of, "published by")
