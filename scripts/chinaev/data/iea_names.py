"""Names in an IEA download: regions to ISO 3166 codes, units, scenarios, editions.

Regions go through pycountry (the maintained ISO 3166 database), not a hand-kept
table, so that a new country in a new edition needs no code change; units are
normalised where their spelling is known (UNITS) and otherwise kept as published.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from chinaev.data.problems import UserError

# Names the IEA uses that ISO 3166 alone cannot decide: "Korea" is two countries in
# ISO 3166, and the IEA means the Republic of Korea; "Russia" (from the 2025 edition)
# is in ISO 3166 only as "Russian Federation", and pycountry keeps no short name for
# it. These are the publisher's conventions, not a country table: every other name
# goes through pycountry (tests/test_iea_layout.py checks every region of the real
# 2025 download that is no aggregate resolves).
PUBLISHER_CONVENTIONS = {"korea": "KOR", "russia": "RUS"}

# Controlled unit vocabulary: canonical name -> spellings (after _unit_key). A unit
# not here is kept as published and reported; add its spellings here to normalise it.
UNITS = {
    "vehicles": ["vehicle"],
    "percent": ["percent", "per cent", "pct"],
    "charging_points": ["charging point"],
    "GWh": ["gwh", "gigawatt hour"],
    "million_barrels_per_day": ["million barrel per day", "mbd", "mb d"],
    # The 2024 file repeats the parameter name in the unit column here.
    "million_litres_gasoline_equivalent": [
        "oil displacement million lge",
        "million lge",
        "million litre gasoline equivalent",
        "million liter gasoline equivalent",
    ],
}

_MISSPELLINGS = {"milion": "million", "millon": "million", "mln": "million"}
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _unit_key(text: str) -> str:
    """Reduce a unit spelling to a comparable key: case, spacing, plurals, typos."""
    text = text.casefold().replace("%", " percent ")
    words = []
    for word in re.sub(r"[^0-9a-z]+", " ", text).split():
        word = _MISSPELLINGS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


_UNIT_LOOKUP = {_unit_key(s): unit for unit, spellings in UNITS.items() for s in [unit, *spellings]}


def normalise_unit(text: str) -> str | None:
    """The controlled unit name for a published spelling, or None if unknown."""
    return _UNIT_LOOKUP.get(_unit_key(text))


def _plain(text: str) -> str:
    """Casefolded, accents removed, punctuation as spaces: 'Türkiye' -> 'turkiye'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare.casefold()).split())


@functools.cache
def _country_names() -> dict[str, frozenset[str]]:
    """Every name form of every ISO 3166 country (plain text) -> alpha-3 codes."""
    import pycountry

    names: dict[str, set[str]] = {}
    for country in pycountry.countries:
        forms = {country.alpha_3}
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                forms.add(value)
                # "Iran, Islamic Republic of" is also plain "Iran".
                forms.add(value.split(",")[0])
        for form in forms:
            names.setdefault(_plain(form), set()).add(country.alpha_3)
    return {name: frozenset(codes) for name, codes in names.items()}


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country name, or None when it names no single country."""
    plain = _plain(name)
    if plain in PUBLISHER_CONVENTIONS:
        return PUBLISHER_CONVENTIONS[plain]
    codes = _country_names().get(plain, frozenset())
    return next(iter(codes)) if len(codes) == 1 else None


def scenario_of(category: str) -> str:
    """`historical` for Historical, else the suffix of e.g. Projection-STEPS.

    A category with no suffix is its own scenario, as published.
    """
    text = category.strip()
    if text.casefold() == "historical":
        return "historical"
    # Generic on purpose: a new Projection-NZE yields NZE without a code change.
    match = re.fullmatch(r".+?\s*[-–:]\s*(\S.*)", text)
    return match.group(1).strip() if match else text


def edition_label(source: Path, edition: str | None = None) -> str:
    """GEVO-<year> from --edition if given, else from the year in the file name."""
    text = edition if edition is not None else source.name
    match = _YEAR.search(text)
    if not match:
        if edition is not None:
            raise UserError(f"--edition {edition!r}: give the edition year, e.g. GEVO-2025 or 2025")
        raise UserError(
            f"{source.name}: the file name holds no year to tell the edition; "
            "pass --edition, e.g. --edition GEVO-2025"
        )
    return f"GEVO-{match.group(1)}"


def edition_year(label: str) -> str:
    return label.rsplit("-", 1)[-1]


def source_id_of(label: str) -> str:
    """The sources row of an edition, e.g. GEVO-2025 -> iea-gevo-2025."""
    return f"iea-gevo-{edition_year(label)}"


def attribution(edition: str) -> str:
    year = edition_year(edition)
    return f"IEA ({year}), Global EV Outlook {year}, IEA, Paris. Licence: CC BY 4.0"
