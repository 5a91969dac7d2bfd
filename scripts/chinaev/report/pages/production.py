"""The production chapter: China's electric-car market in the IEA's series, the news
figures set against it, and the firms, prices, quality and chargers the sources name.

`key_findings(chapter)` runs first, before anything is glued: it reads the IEA series
(production_iea.py), glues every number the prose quotes from it and numbers the
citations in reading order. Each later function glues what one section's prose needs
and returns its table (charts are glued, for a `glue:figure`).
"""

from __future__ import annotations

import re
import string

import pandas as pd

from chinaev.data.labels import categories
from chinaev.report import escape, exhibits, prose
from chinaev.report.chapter import Chapter, direction
from chinaev.report.pages.production_iea import CHARGERS, Series, series

POWERTRAINS = {"BEV": "battery-electric (BEV)", "PHEV": "plug-in hybrid (PHEV)"}
BYD_TESLA = "c003_byd_tesla_2024"

# What a figure counts, as its source states it: the basis columns of the figures table
# when the package has them (in the words of their categories), else the editors' reading
# given in the claims table.
BASIS_COLUMNS = ("basis_vehicles", "basis_powertrain", "basis_flow")

# The news figures on China's scale: (figure, what it claims, what it counts as the
# editors read it, their note, the IEA series beside it). Names in braces are the IEA
# numbers the prose shows (glue keys), with their citations; {year} is the IEA's latest.
CLAIMS = [
    ("china_vehicle_production_2020", "Cars produced in 2020", "Production; cars",
     "The total matches all motor vehicles.",
     "Electric cars sold in China in 2020: {ev_cars_base}, {car_share_base} of new cars"),
    ("china_share_world_ev_production", "Share of the world's electric cars produced",
     "Production; electric cars", "Year of the data not given.",
     "China's share of world electric-car sales, {year}: {world_share_latest}"),
    ("china_share_world_ev_battery_production", "Share of the world's EV batteries produced",
     "Production; batteries", "Counts batteries, not cars; year of the data not given.",
     "No battery data in the IEA series used here"),
    ("china_ev_sales_2024", "New-energy vehicles sold in 2024", "Sales; all vehicle types",
     "Matches CAAM's wholesale count, exports included.",
     "Electric cars sold in China, {year}: {ev_cars_latest}"),
    ("china_ev_share_of_sales_2024", "New-energy share of vehicle sales in 2024",
     "Sales; all vehicle types", "Matches CAAM's wholesale count, exports included.",
     "Electric share of new cars sold in China, {year}: {car_share_latest}"),
    ("china_us_ev_sales_ratio_2024", "Sales against the United States in 2024",
     "Sales; all vehicle types", "The US count behind the ratio is not given.",
     "Electric cars, China against the United States, {year}: {us_ratio_latest}"),
    ("china_ev_production_capacity", "Capacity to produce electric vehicles, a year",
     "Capacity; vehicle type not given", "Undated.",
     "Electric cars sold in China, {year}: {ev_cars_latest}"),
]  # fmt: skip
BYD_CLAIM = (
    "BYD built more electric cars than Tesla in 2024", "no number given",
    "Electric cars including plug-in hybrids",
    "Plug-in hybrids' share of electric-car sales in China, {year}: {phev_share_latest}",
)  # fmt: skip

# The makers the sources name: (maker, the record or correction that names it, what the
# sources report). Names in braces are figures, shown with their citations. A maker is
# listed once the source that names it had been published.
MAKERS = [
    ("Leapmotor", "leapmotor_sales_2024",
     "Builds its cars in Jinhua; sold {leapmotor_sales_2024} in 2024 by one feature's count, "
     "{leapmotor_deliveries_2024} deliveries by its own; ranked "
     "{leapmotor_sales_rank_2024} among makers of non-petrol cars; makes "
     "{leapmotor_in_house_component_share} of its key components; aims at "
     "{leapmotor_sales_target_2025} sales in 2025"),
    ("NIO", "nio_sales_rank_2024",
     "Based in Hefei, whose city funds back it; ranked {nio_sales_rank_2024} in China's EV "
     "sales in 2024"),
    ("BYD", BYD_TESLA,
     "Built more electric cars than Tesla in 2024 when plug-in hybrids count; no volumes given"),
    ("Tesla", "tesla_shanghai_capacity",
     "Shanghai plant: capacity of {tesla_shanghai_capacity} vehicles a year in 2021; an "
     "export hub"),
    ("SAIC-GM-Wuling", "wuling_mini_ev_foreign_dealers",
     "Hongguang Mini EV: China's most popular electric car in 2021; no volumes given"),
]  # fmt: skip


# CAAM's annual count of new-energy vehicles, as news outlets relayed its releases: year,
# sales (all vehicle types, wholesale, exports included) and share of all new vehicles.
CAAM_NEV = {
    2022: ("china_nev_sales_2022", "china_nev_share_of_sales_2022"),
    2023: ("china_nev_sales_2023", "china_nev_share_of_sales_2023"),
    2024: ("china_nev_sales_2024", "china_nev_share_of_sales_2024"),
    2025: ("china_nev_sales_2025", "china_nev_share_of_sales_2025"),
}


def key_findings(chapter: Chapter) -> Series:
    """The IEA series and its numbers (first: it numbers the citations), and the news
    figures the key findings quote."""
    s = series(chapter)
    chapter.numbers(
        "china_ev_sales_2024", "china_ev_share_of_sales_2024", "china_share_world_ev_production",
        "china_share_world_ev_battery_production", "leapmotor_sales_2024",
        "china_nev_sales_2025", "china_nev_share_of_sales_2025", "china_nev_sales_2022",
        "china_nev_share_of_sales_2022", "leapmotor_sales_rank_2024", "leapmotor_deliveries_2024",
        "leapmotor_in_house_component_share", "leapmotor_t03_price",
    )  # fmt: skip
    # The fact-check's verdict on the output share, as the package stores it, so that the
    # key findings and the fact-check never disagree on it.
    verdict = chapter.package.select(
        "factcheck_results", ["verdict"], comparison_id="china_share_world_ev_production"
    )
    shown = verdict["verdict"].iloc[0] if len(verdict) else str(chapter.unknown)
    chapter.text("output_share_verdict", shown)
    chapter.when(
        "leapmotor_doubled", ["leapmotor_deliveries_2024_growth_yoy"],
        lambda g: "more than double" if g > 100 else "double" if g == 100 else "less than double",
    )  # fmt: skip
    return s


def bars(chapter: Chapter, key: str, frame: pd.DataFrame, parts: dict, part: str, **labels):
    """Glue a chart of IEA values since 2015, a bar a year split by powertrain; `parts`
    names each powertrain and `part` is the column (and tooltip field) for those names."""
    recent = frame[frame["year"] >= 2015]
    recent = recent.assign(category=recent["year"].astype(str), basis="reported")
    recent[part] = recent["powertrain"].map(parts)
    chart = exhibits.stacked_bars(
        recent, series=part, series_order=list(parts.values()), source=chapter.iea_credit(),
        **labels,
    )  # fmt: skip
    chapter.chart(key, chart)


def sales(chapter: Chapter, s: Series) -> None:
    """Chart: electric cars sold in China each year, by powertrain."""
    scope = "by powertrain; exports and commercial vehicles not included"
    bars(chapter, "fig_production_iea_sales", s.china, POWERTRAINS, "kind",
         title="Electric-car sales in China", y_title="Cars sold",
         subtitle=f"New cars sold in China each year, {scope}")  # fmt: skip


def by_year(frame: pd.DataFrame, name: str, basis: str) -> pd.DataFrame:
    frame = frame[frame["year"] >= 2015]
    return frame.assign(category=frame["year"].astype(str), series=name, basis=basis)[
        ["category", "year", "value", "series", "basis"]
    ]


def world_share(chapter: Chapter, s: Series) -> None:
    """Chart: China's share of world sales, and the electric share of new cars."""
    names = {  # series: its name at the end of its line
        "China's share of world electric-car sales": "China's share of world sales",
        "Electric share of new cars sold in China": "China, electric share",
        "Electric share of new cars sold worldwide": "World, electric share",
    }
    first, home, world = names
    shares = pd.DataFrame(columns=["category", "value", "series", "basis"])
    if len(s.china):
        share = s.china.groupby("year")["value"].sum() / s.world.groupby("year")["value"].sum()
        share = (share * 100).dropna().rename("value").reset_index()
        shares = pd.concat(
            [
                by_year(share, first, "derived"),
                by_year(s.car_share, home, "reported"),
                by_year(s.world_car_share, world, "reported"),
            ],
            ignore_index=True,
        )
    shares["label"] = [prose.percent(prose.significant(v, 2)) for v in shares["value"]]
    chart = exhibits.lines(
        shares, series="series", series_order=list(names), end_names=names,
        title="China in the world's electric-car market",
        subtitle="Percent, by year; electric cars are battery-electric and plug-in hybrid",
        source=f"{chapter.iea_credit()}; China's share of world sales computed by the book",
        y_title="Percent",
    )  # fmt: skip
    chapter.chart("fig_production_shares", chart)


def shown(chapter: Chapter, record_id: str) -> escape.MyST:
    """A record's value as the prose shows it, with its citation; or 'not yet published'."""
    if not chapter.has(record_id):
        return escape.md("{v}", v=prose.not_published(chapter.package.as_of))
    record = chapter.package.record(record_id)
    is_figure = isinstance(record.get("figure_id"), str)
    value = prose.figure(record) if is_figure else prose.derived(record)
    return escape.md("{value} {link}", value=value, link=chapter.cite(record_id))


def counts(chapter: Chapter, record_id: str, fallback: str, editors: str) -> str:
    """What a figure counts: as its source states it when the package has the basis
    columns, else the editors' reading; then the editors' note."""
    record = chapter.package.record(record_id)
    if all(column in record.index for column in BASIS_COLUMNS):
        said = {c: categories(chapter.package, "figures", c) for c in BASIS_COLUMNS}
        words = [said[c][record[c]] for c in BASIS_COLUMNS if record[c] != "not_applicable"]
        return f"As stated: {'; '.join(words)}. {editors}".strip()
    return f"{fallback}. {editors}".strip()


def fill(template: str, shown_of) -> escape.MyST:
    """A template the book wrote with each `{name}` in it replaced by `shown_of(name)`
    (escaped, unless already MyST such as a value with its citation)."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    return escape.md(template, **{name: shown_of(name) for name in names})


def named(chapter: Chapter, named_by: str) -> bool:
    """Whether a record, or the BYD correction, is in the package as of its date."""
    if named_by == BYD_TESLA:
        found = chapter.package.select("corrections", ["correction_id"], correction_id=BYD_TESLA)
        return len(found) > 0
    return chapter.has(named_by)


def news_figures(chapter: Chapter, s: Series):
    """Table: the news figures on China's scale, what they count, and the IEA beside them."""
    chapter.numbers(
        "china_vehicle_production_2020", "china_us_ev_sales_ratio_2024",
        "china_ev_production_capacity", "tesla_shanghai_capacity",
        "china_nev_share_of_exports_2024_01_05",
    )  # fmt: skip
    # The correction's wording stays in the sources list, where it is attributed; the
    # prose says only which way it cuts.
    check = (
        "The editors' correction, given with the source below, finds the claim true only if "
        "plug-in hybrids count as electric cars; on battery-electric cars alone the makers' "
        "own sales releases put Tesla slightly ahead."
    )
    corrected = named(chapter, BYD_TESLA)
    chapter.md("byd_tesla_check", "{text}", text=check if corrected else s.not_yet)

    def iea(name: str):
        return s.year if name == "year" else s.shown(name)

    rows = [
        [
            claim,
            shown(chapter, record_id),
            counts(chapter, record_id, fallback, note),
            fill(iea_text, iea),
        ]
        for record_id, claim, fallback, note, iea_text in CLAIMS
        if chapter.has(record_id)
    ]
    if corrected:
        rows.append([*BYD_CLAIM[:3], fill(BYD_CLAIM[3], iea)])
    table = pd.DataFrame(rows, columns=["Claim", "Figure", "What it counts", "IEA series"])
    if table.empty:
        table.loc[0] = ["No news figures had been published by the chosen date.", "", "", ""]
    caption = "News figures on China's scale, what they count, and the IEA series beside them"
    return chapter.table(table, caption, "tab-production-claims", widths=[20, 15, 37, 28])


def firms(chapter: Chapter):
    """Table: the makers the sources name, with ranks and volumes where given."""
    chapter.numbers(
        "nio_sales_rank_2024", "leapmotor_sales_2024_growth_ratio", "leapmotor_sales_2023",
        "leapmotor_sales_target_2025", "wuling_mini_ev_foreign_dealers",
    )  # fmt: skip
    growth = "leapmotor_sales_2024_growth_ratio"
    # "nearly 2 times" reads as "nearly twice" in prose; the hedge stays the source's.
    chapter.when(
        "leapmotor_growth_words", [growth],
        lambda _: re.sub(r"\b2 times\b", "twice", prose.figure(chapter.package.record(growth))),
    )  # fmt: skip
    chapter.numbers("leapmotor_deliveries_2024", "leapmotor_deliveries_2024_growth_yoy")
    chapter.when(
        "leapmotor_2023_floor", ["leapmotor_sales_2023"],
        lambda v: f"at least {prose.count(prose.significant(v, 3))}",
    )  # fmt: skip
    rows = [
        (maker, fill(text, lambda record_id: shown(chapter, record_id)))
        for maker, named_by, text in MAKERS
        if named(chapter, named_by)
    ]
    rows = rows or [("No firms had been named by the chosen date.", "")]
    table = pd.DataFrame(rows, columns=["Maker", "What the sources report"])
    caption = "Makers the sources name, with ranks and volumes where given"
    return chapter.table(table, caption, "tab-production-firms", widths=[20, 80])


def caam_nev(chapter: Chapter):
    """CAAM's new-energy vehicles year by year: the table, each value with its citation,
    and the first and last years the prose names."""
    by_year = {}
    for year, (sales, share) in CAAM_NEV.items():
        chapter.numbers(sales, share)
        if chapter.has(sales) and chapter.has(share):
            by_year[year] = (sales, share)
    outlet = chapter.package.sources.set_index("source_id")["publisher"]
    rows = [
        {
            "Year": str(year),
            "NEVs sold": escape.md("{v} {c}", v=shown_value(chapter, sales), c=chapter.cite(sales)),
            "Share of all new vehicles": escape.md(
                "{v} {c}", v=shown_value(chapter, share), c=chapter.cite(share)
            ),
            "Relayed by": outlet[chapter.package.record(sales)["source_id"]],
        }
        for year, (sales, share) in by_year.items()
    ]
    years = list(by_year)
    chapter.text("caam_first_year", str(years[0]) if years else str(chapter.unknown))
    chapter.text("caam_last_year", str(years[-1]) if years else str(chapter.unknown))
    if not rows:
        rows = [{"Year": "", "NEVs sold": "No CAAM release had been published by then.",
                 "Share of all new vehicles": "", "Relayed by": ""}]  # fmt: skip
    caption = (
        "New-energy vehicles sold in China each year and their share of all new vehicles, "
        "as CAAM counts them (all vehicle types, sales to dealers, exports included)"
    )
    widths = [10, 30, 30, 30]
    return chapter.table(pd.DataFrame(rows), caption, "tab-production-caam", widths=widths)


def shown_value(chapter: Chapter, record_id: str) -> str:
    """A figure as the prose shows it ('12.87 million', 'more than 9.49 million')."""
    return prose.figure(chapter.package.record(record_id))


def quality(chapter: Chapter) -> None:
    """The industry's problems per hundred vehicles, 2023 against 2024."""
    growth = "china_new_vehicle_quality_pph_2024_growth_yoy"
    pph = ("china_new_vehicle_quality_pph_2023", "china_new_vehicle_quality_pph_2024")
    chapter.numbers(*pph, growth)
    # Two significant digits: the survey is unnamed, so a third would claim more than it can.
    chapter.when("pph_change", [growth], lambda g: prose.change(prose.significant(g, 2)))
    chapter.when("pph_direction", [growth], lambda g: direction(g, "worsened", "improved"))


def charging(chapter: Chapter, s: Series) -> None:
    """Chart: public charging points in China, fast and slow."""
    chapter.numbers("china_public_charging_outlets")
    when = "in service at the end of each year, fast and slow"
    bars(chapter, "fig_production_charging", s.points, CHARGERS, "speed",
         title="Public charging points in China", y_title="Charging points",
         subtitle=f"Publicly available charging points {when}")  # fmt: skip
