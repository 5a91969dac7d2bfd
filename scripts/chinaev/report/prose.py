"""Number formatting for prose: one place decides how every number reads.

Conventions: thousands separators; millions and billions written out from one
million up; percentages with one decimal unless whole; changes signed with a true
minus sign; hedged or derived-approximate values prefixed ('about', 'nearly').
"""

from __future__ import annotations

import math
import re

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


# -- text from the data inside markup ------------------------------------------------
# Titles, quotes, notes and names come from the data package and may hold any
# character. Wherever they go into markup (MyST for prose, tables and the sources
# list; a Vega expression for charts) they are escaped here, so that the reader sees
# them exactly as written and nothing in them can act as markup or script.

# Characters that start inline MyST/CommonMark markup: raw HTML and autolinks (<),
# code (`), emphasis (* _), links and images ([ ]), roles and substitutions ({ }),
# table cells (|), and the escape itself. "$" is left alone: the book does not enable
# dollarmath (_config.yml), so prices stay as written; tests/test_inert.py checks that.
_MYST_SPECIAL = set("\\`*_[]<>{}|")
# "&" only where it would start a character reference (&lt; &#60;): a plain
# "Transport & Environment" stays as it is.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def myst(value) -> str:
    """`value` as inline MyST text that renders exactly as written: markup characters
    backslash-escaped, line breaks and runs of spaces turned into one space (a line
    break could start a heading, list or directive)."""
    flat = " ".join(str(value).split())
    escaped = "".join(f"\\{char}" if char in _MYST_SPECIAL else char for char in flat)
    return _ENTITY.sub(r"\\&", escaped)


# A citation as the chapters write it: [[3]](#exports-src-...) or [[C1]](#...-register-1).
_ESCAPED_CITATION = re.compile(r"\\\[\\\[(C?\d+)\\\]\\\]\(#([a-z0-9-]+)\)")


def myst_with_citations(value) -> str:
    """`value` as `myst` gives it, except that the book's own citation links stay links.

    Table cells mix data text (escaped, so markup in the data stays text) with the
    bracketed citations a chapter generates. Only that exact shape is kept: a link
    with any other text, or to anywhere but an anchor on the page, stays as written.
    """
    return _ESCAPED_CITATION.sub(r"[[\1]](#\2)", myst(value))


def vega_string(value) -> str:
    """`value` as a single-quoted string literal in a Vega expression."""
    text = str(value)
    for char, code in (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, code)
    return "'" + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + "'"
