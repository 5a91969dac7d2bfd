"""Reading a number as a source writes it: '2.49 million', 'about a third', '12th'.

Used by the validator to prove that a figure's value is the number in its quote.
"""

from __future__ import annotations

import re

_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Abbreviations the wire copy uses: "3.39m units", "2 mln", "US$55bn", "$4.6 bln".
_SCALES.update({"mln": 1e6, "m": 1e6, "bn": 1e9, "bln": 1e9})
_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "double": 2,
    "twice": 2,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
# Fractions written as words; 'a third' of something is 1/3 of it.
_FRACTIONS = {"half": 1 / 2, "third": 1 / 3, "quarter": 1 / 4}
_HEDGES = re.compile(
    r"\b(nearly|about|around|approximately|roughly|almost|over|more than|at least|"
    r"up to|as many as|less than|fewer than|or more|some)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th)?\s*(thousand|million|billion|trillion|mln\b|bln\b|bn\b|m\b)?",
    re.IGNORECASE,
)


def parse_as_written(text: str, unit: str) -> float | None:
    """The number a phrase states, in the figure's unit; None when there is none.

    Percent figures written as fractions ('a third') are scaled to 0-100.
    """
    words = _HEDGES.sub(" ", text).replace("$", " ").replace("%", " ").lower()
    words = re.sub(r"\b(percent|per cent|times)\b", " ", words)
    match = _DIGITS.search(words)
    if match:
        value = float(match.group(1).replace(",", ""))
        return value * _SCALES.get((match.group(2) or "").lower(), 1)
    for word, fraction in _FRACTIONS.items():
        if re.search(rf"\b{word}\b", words):
            return fraction * 100 if unit == "percent" else fraction
    for word, value in _WORDS.items():
        if re.search(rf"\b{word}\b", words):
            scale = re.search(r"\b(thousand|million|billion)\b", words)
            return value * (_SCALES[scale.group(1)] if scale else 1)
    return None


def close(a: float, b: float, tolerance: float = 1e-3) -> bool:
    """Equal to within a relative tolerance, so 'a third' matches a stored 33.33."""
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12)
