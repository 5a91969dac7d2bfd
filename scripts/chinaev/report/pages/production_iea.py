"""The IEA series as the production chapter reads it: electric-car sales and shares in
China and the world, and public chargers, from 2020 (the base year) to the latest year.

`series(chapter)` glues every IEA-based number the prose quotes, under stable keys
(`ev_cars_latest`, `phev_share_base`...) with their citations (`cite_<key>`), and the
phrases that follow the data (`phev_trend`, `world_share_trend`...), which the book's
overview can quote as well.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from chinaev.report import escape, prose
from chinaev.report.chapter import Chapter, citation_order

# 2020 is the base year because a news claim is about it. The latest year is read from
# the data, so a later edition of the IEA data needs no change here.
BASE = 2020
CHARGERS = {"Publicly available fast": "fast", "Publicly available slow": "slow"}
MODES = ("Cars", "Buses", "Trucks", "Vans")

# How the 2024 news share and the IEA's latest car share look when read one after the
# other: (for the key findings, for the section on news figures).
LOOKS = {
    "flat": ("seem to show the share stalling", "suggest that the electric share barely moved"),
    "up": ("seem to show it rising", "suggest that the electric share rose"),
    "down": ("seem to show it falling", "suggest that the electric share fell"),
    "same": ("give a different share for the same year", "give different shares for the same year"),
}  # fmt: skip


def cars(chapter: Chapter, region: str, parameter="EV sales", kinds=("BEV", "PHEV")):
    return chapter.iea(region=region, parameter=parameter, mode="Cars", powertrains=list(kinds))


def total(frame: pd.DataFrame, year: int | None, kinds=None) -> float | None:
    """The sum of a year's rows (of some powertrains only), or None when there are none."""
    rows = frame[(frame["year"] == year) & (frame["powertrain"].isin(kinds or frame["powertrain"]))]
    return float(rows["value"].sum()) if year is not None and len(rows) else None


def ratio(a: float | None, b: float | None, scale: float = 1) -> float | None:
    return None if a is None or b is None else scale * a / b


def share_of(chapter: Chapter, mode: str, year: int | None) -> float | None:
    """The IEA's electric share of a vehicle type's sales in China."""
    frame = chapter.iea(region="China", parameter="EV sales share", mode=mode, powertrains=["EV"])
    return total(frame, year)


@dataclass
class Series:
    """The IEA rows the chapter reads, and each IEA-based number as the prose shows it."""

    chapter: Chapter
    china: pd.DataFrame
    world: pd.DataFrame
    usa: pd.DataFrame
    car_share: pd.DataFrame
    world_car_share: pd.DataFrame
    points: pd.DataFrame
    latest: int | None
    charging_latest: int | None
    # glue key -> (record cited, value, formatter, significant digits); the record is
    # a derived id, "iea" for a value the IEA publishes as it is, None if not published.
    numbers: dict[str, tuple] = field(default_factory=dict)

    @property
    def not_yet(self) -> str:
        return str(prose.not_published(self.chapter.package.as_of))

    @property
    def not_known(self) -> str:
        return str(self.chapter.unknown)

    @property
    def year(self) -> str:
        return str(self.latest) if self.latest else "latest year"

    def shown(self, key: str) -> escape.MyST:
        """An IEA-based number as glued, with its citation (for table cells)."""
        ref, value, formatter, digits = self.numbers[key]
        if ref is None:
            return escape.md("{v}", v=self.not_yet)
        link = self.chapter.cite_iea() if ref == "iea" else self.chapter.cite(ref)
        shown = formatter(prose.significant(value, digits))
        return escape.md("{value} {link}", value=shown, link=escape.MyST(link))


def cited_as(chapter: Chapter, derived_id: str | None, value: float | None) -> str | None:
    """What a number is cited to: its derived row when the package has one for that
    year (the sources list then shows formula and inputs), else the IEA dataset."""
    if value is None:
        return None
    return derived_id if derived_id and chapter.has(derived_id) else "iea"


def source_of(chapter: Chapter) -> Path:
    """The chapter's notebook, as `Chapter.open` finds it (`chinaev run` names it)."""
    return Path(os.environ.get("CHINAEV_CHAPTER_SOURCE") or f"{chapter.name}.ipynb")


def series(chapter: Chapter) -> Series:
    """Read the IEA series and glue every number and phrase taken from it. Runs before
    anything else is glued, because it numbers the chapter's citations."""
    china, world = cars(chapter, "China"), cars(chapter, "World")
    points, world_points = (
        chapter.iea(region=region, parameter="EV charging points", mode="EV",
                    powertrains=list(CHARGERS))
        for region in ("China", "World")
    )  # fmt: skip
    s = Series(
        chapter, china, world, cars(chapter, "USA"),
        cars(chapter, "China", "EV sales share", ["EV"]),
        cars(chapter, "World", "EV sales share", ["EV"]), points,
        int(china["year"].max()) if len(china) else None,
        int(points["year"].max()) if len(points) else None,
    )  # fmt: skip
    latest, charging, usa = s.latest, s.charging_latest, s.usa
    # Each number the prose shows: (glue key, derived row for its year, value from the IEA
    # rows, formatter, significant digits). IEA values are published to about two
    # significant digits, so shares are shown to two and sums of two values to three.
    # fmt: off
    rows = [
        ("ev_cars_latest", f"iea_china_ev_car_sales_{latest}", total(china, latest),
         prose.count, 3),
        ("ev_cars_base", f"iea_china_ev_car_sales_{BASE}", total(china, BASE), prose.count, 3),
        ("ev_cars_multiple", f"iea_china_ev_car_sales_growth_ratio_{BASE}_{latest}",
         ratio(total(china, latest), total(china, BASE)), prose.ratio, 2),
        ("world_ev_cars_latest", f"iea_world_ev_car_sales_{latest}", total(world, latest),
         prose.count, 3),
        ("world_share_latest", f"iea_china_share_world_ev_car_sales_{latest}",
         ratio(total(china, latest), total(world, latest), 100), prose.percent, 2),
        ("world_share_base", f"iea_china_share_world_ev_car_sales_{BASE}",
         ratio(total(china, BASE), total(world, BASE), 100), prose.percent, 2),
        ("phev_share_latest", f"iea_china_phev_share_ev_car_sales_{latest}",
         ratio(total(china, latest, ["PHEV"]), total(china, latest), 100), prose.percent, 2),
        ("phev_share_base", f"iea_china_phev_share_ev_car_sales_{BASE}",
         ratio(total(china, BASE, ["PHEV"]), total(china, BASE), 100), prose.percent, 2),
        ("us_ratio_latest", f"iea_china_us_ev_car_sales_ratio_{latest}",
         ratio(total(china, latest), total(usa, latest)), prose.ratio, 2),
        ("chargers_latest", f"iea_china_public_charging_points_{charging}",
         total(points, charging), prose.count, 3),
        ("chargers_base", f"iea_china_public_charging_points_{BASE}", total(points, BASE),
         prose.count, 3),
        ("world_chargers_latest", f"iea_world_public_charging_points_{charging}",
         total(world_points, charging), prose.count, 3),
        # Values the IEA publishes as they are: cited to the IEA itself.
        ("car_share_latest", None, total(s.car_share, latest), prose.percent, 2),
        ("car_share_base", None, total(s.car_share, BASE), prose.percent, 2),
        ("world_car_share_latest", None, total(s.world_car_share, latest), prose.percent, 2),
        ("truck_share_latest", None, share_of(chapter, "Trucks", latest), prose.percent, 2),
        ("van_share_latest", None, share_of(chapter, "Vans", latest), prose.percent, 2),
        ("bus_share_latest", None, share_of(chapter, "Buses", latest), prose.percent, 2),
    ]
    # fmt: on
    s.numbers = {key: (cited_as(chapter, d, v), v, f, n) for key, d, v, f, n in rows}

    # Citations are numbered in reading order. The prose cites these numbers under
    # stable keys (`{num}`ev_cars_latest``), so map each key to the record it stands
    # for before anything is glued.
    stands_for = {key: number[0] for key, number in s.numbers.items()}
    read_order = (stands_for.get(key, key) for key in citation_order(source_of(chapter)))
    cited = [ref for ref in read_order if ref == "iea" or (ref and chapter.has(ref))]
    chapter.cited[:] = list(dict.fromkeys(cited))

    for key, (ref, value, formatter, digits) in s.numbers.items():
        if ref is None:
            shown, link = s.not_yet, ""
        elif ref == "iea":
            shown, link = formatter(prose.significant(value, digits)), chapter.cite_iea()
        else:
            # The stored derivation and the IEA rows must agree (stored to 4 decimals).
            assert math.isclose(chapter.value(ref), value, rel_tol=1e-4), ref
            shown, link = prose.derived(chapter.package.record(ref), digits), chapter.cite(ref)
            # Through `when`, so the number gets the derived row's source card in the HTML.
            chapter.when(key, [ref], lambda _value, shown=shown: shown)
        chapter.text(key, shown)
        chapter.md(f"cite_{key}", "{link}", link=escape.MyST(link))
    _trends(s)
    _news_share(s)
    chapter.text("as_of_note", _as_of_note(s))
    return s


def pick(test: bool | None, yes: str, no: str, unknown: str) -> str:
    """The phrase the data call for: `yes` or `no`, or `unknown` when a value it needs
    is not published as of the chapter's date (`test` is None)."""
    return unknown if test is None else yes if test else no


def _trends(s: Series) -> None:
    """Phrases that follow the direction of the series from 2020 to the latest year.
    Stable keys, so the book's overview can quote them too."""
    china, latest, text, unknown = s.china, s.latest, s.chapter.text, s.not_known
    text("iea_latest_year", str(latest) if latest else unknown)
    text("iea_base_year", str(BASE))
    text("charging_latest_year", str(s.charging_latest) if s.charging_latest else unknown)
    phev_now, phev_then = (
        ratio(total(china, y, ["PHEV"]), total(china, y)) for y in (latest, BASE)
    )
    share_now, share_then = (ratio(total(china, y), total(s.world, y)) for y in (latest, BASE))
    climbed = None if share_now is None else share_now > share_then
    text(
        "world_share_trend", pick(climbed, "has climbed since", "has not recovered since", unknown)
    )
    gained = None if phev_now is None else phev_now > phev_then
    text("phev_trend", pick(gained, "gained ground", "lost ground", unknown))
    larger = None if phev_now is None else phev_now < 0.5
    text(
        "bev_position", pick(larger, "remain the larger part", "are now the smaller part", unknown)
    )


def _news_share(s: Series) -> None:
    """How the 2024 news share (all vehicle types, wholesale, exports included) compares
    with the IEA's share for cars sold at home, and which way each difference cuts."""
    chapter, latest = s.chapter, s.latest
    iea_share_now = total(s.car_share, latest)

    def apparent(news: float) -> str | None:
        # Within five points the two look flat; the threshold is the book's reading.
        if iea_share_now is None:
            return None
        if latest == 2024:
            return "same"
        earlier, later = (iea_share_now, news) if latest < 2024 else (news, iea_share_now)
        return "flat" if abs(later - earlier) < 5 else "up" if later > earlier else "down"

    for key, which in (("kf_apparent", 0), ("apparent", 1)):
        chapter.when(key, ["china_ev_share_of_sales_2024"], lambda news, which=which: (
            LOOKS[apparent(news)][which] if apparent(news) else s.not_known))  # fmt: skip
    # Whether counting every vehicle type moves the share up or down depends on each
    # type's electric share and its weight. The all-type share is rebuilt as in the
    # fact-check (electric sales over the totals they imply); only its side is said.
    electric = ["BEV", "PHEV", "FCEV"]
    ev_by_mode = {
        m: total(chapter.iea(region="China", parameter="EV sales", mode=m, powertrains=electric),
                 latest)
        for m in MODES
    }  # fmt: skip
    share_by_mode = {m: share_of(chapter, m, latest) for m in MODES}
    all_share = None
    if None not in ev_by_mode.values() and all(share_by_mode.values()):
        implied = sum(ev_by_mode[m] * 100 / share_by_mode[m] for m in MODES)
        all_share = 100 * sum(ev_by_mode.values()) / implied
    below = all_share is not None and iea_share_now is not None and all_share < iea_share_now
    known = None if all_share is None else below
    chapter.text("all_vs_cars", pick(known, "sits below", "does not sit below", s.not_known))
    exports_id = "china_nev_share_of_exports_2024_01_05"
    exports_share = chapter.value(exports_id) if chapter.has(exports_id) else None
    exports_below = exports_share is not None and iea_share_now is not None
    exports_below = exports_below and exports_share < iea_share_now
    exports_words = "lower than" if exports_below else "not lower than"
    chapter.text(
        "exports_vs_cars", "lower still than" if exports_below and below else exports_words
    )
    conclusion = "therefore sits below" if below and exports_below else "need not match"
    chapter.text("wholesale_conclusion", conclusion)


def _as_of_note(s: Series) -> str:
    as_of = s.chapter.package.as_of
    if not as_of:
        return ""
    return (
        f" This is the chapter as it could have been written on {prose.date(as_of)}: "
        "figures published later are marked as not yet published"
        + (", and the IEA series had not yet appeared." if s.china.empty else ".")
    )
