"""The exports chapter (book/exports.ipynb): one function per section.

Each function glues what its section's prose refers to and glues its chart (or
returns its table), so the notebook is prose with one short call per section. The
order of the calls is the order the chapter registers figures in: figures that the
prose does not cite are numbered in the sources list in that order.
"""

from __future__ import annotations

import pandas as pd

from chinaev.data.labels import categories
from chinaev.report import escape, exhibits, prose, references
from chinaev.report.chapter import Chapter, direction
from chinaev.report.pages.exports_destinations import RANKINGS, rankings  # noqa: F401
from chinaev.report.pages.exports_series import (  # noqa: F401  (sections the notebook calls)
    _months,
    _span,
    _year,
    credit,
    plug_in_hybrids,
    series,
    years,
)

# The monthly export series relayed from CAAM by a trade-news report.
MAY = "china_vehicle_exports_2025_05"
JAN_MAY = "china_vehicle_exports_2025_01_05"
JAN_APR = "china_vehicle_exports_2025_01_04"


def volumes(chapter: Chapter) -> None:
    """'One month up close': the month the first sources described in detail, against
    the months before it (the monthly chart is `series`)."""
    package = chapter.package
    chapter.numbers(
        MAY, "china_vehicle_exports_2025_05_growth_mom", "china_vehicle_exports_2025_05_growth_yoy",
        "china_vehicle_exports_2025_04", "china_vehicle_exports_2024_05",
        JAN_MAY, "china_vehicle_exports_2025_01_05_growth_yoy",
        JAN_APR, "china_vehicle_exports_2025_01_04_growth_yoy",
        # Cited in the key findings, discussed in later sections.
        "china_nev_share_of_exports_2025_05", "china_nev_share_of_exports_2024_05",
        "china_nev_share_of_exports_2025_01_05", "china_nev_share_of_exports_2024_01_05",
        "china_nev_exports_2025_01_05_change", "horgos_vehicle_exports_2024",
        "horgos_vehicle_exports_2024_growth_yoy", "horgos_vehicle_exports_2023",
        "chinese_brands_eu_ev_share_2023", "chinese_brands_eu_ev_share_2019",
        "wuling_mini_ev_foreign_dealers", "leapmotor_sales_target_2025",
        "leapmotor_european_sales_countries",
    )  # fmt: skip
    # The date of the trade-news report that relays CAAM's monthly figures; an inferred
    # date is said to be one, since the report itself carries none.
    if chapter.has(MAY):
        report = package.source(package.record(MAY)["source_id"])
        when = prose.date(report["published_date"], "month")
        inferred = str(report["date_inferred"]).lower() == "true"
        chapter.text(
            "trade_news_date",
            f"that carries no date (from the figures it reports, about {when})"
            if inferred
            else f"from {when}",
        )
    else:
        chapter.text("trade_news_date", str(chapter.unknown))
    # May's growth set against the months before it: one month against a multi-month average.
    chapter.when(
        "may_vs_before",
        ["china_vehicle_exports_2025_05_growth_yoy", "china_vehicle_exports_2025_01_04_growth_yoy"],
        lambda may, before: (
            "faster than" if may > before else "slower than" if may < before else "the same as"
        ),
    )
    if chapter.has(JAN_APR):
        before = package.record(JAN_APR)
        n = before["period_end"].month - before["period_start"].month + 1
        chapter.text("months_before", prose.words(n))
    else:
        chapter.text("months_before", str(chapter.unknown))


def electric_share(chapter: Chapter) -> None:
    """'The electric share': NEV exports against the totals, and the share chart."""
    chapter.numbers(
        "china_nev_exports_2025_05",
        "china_nev_exports_2025_05_growth_yoy",
        "china_nev_exports_2025_01_05",
        "china_nev_exports_2025_01_05_growth_yoy",
        "china_nev_share_of_exports_2025_05",
        "china_nev_share_of_exports_2024_05",
        "china_nev_share_of_exports_2025_01_05",
        "china_nev_share_of_exports_2024_01_05",
    )
    chapter.when(
        "nev_pace",
        ["china_nev_exports_2025_01_05_growth_yoy", "china_vehicle_exports_2025_01_05_growth_yoy"],
        lambda nev, total: (
            "far faster" if nev > 2 * total else "faster" if nev > total else "more slowly"
        ),
    )
    chapter.when(
        "share_change_month",
        ["china_nev_share_of_exports_2025_05", "china_nev_share_of_exports_2024_05"],
        lambda now, before: (
            "up from" if now > before else "down from" if now < before else "the same as"
        ),
    )
    share = chapter.frame(
        [
            "china_nev_share_of_exports_2024_05",
            "china_nev_share_of_exports_2025_05",
            "china_nev_share_of_exports_2024_01_05",
            "china_nev_share_of_exports_2025_01_05",
        ],
        label_of=_months,
    )
    share["year"] = share["period_start"].dt.strftime("%Y")
    chart = exhibits.dot_comparison(
        share,
        series="year",
        series_order=sorted(share["year"].unique()),
        title="New-energy vehicles' share of China's vehicle exports",
        subtitle="Percent of all vehicles exported, same months a year apart",
        source=credit(chapter, ["china_nev_exports_2025_05"], via="CAAM")
        + "; shares computed by the book",
        x_title="Share of exports (%)",
    )
    # Narrower than the default plot: the month labels on the left would push it past
    # the text column.
    chapter.chart("fig_exports_nev_share", exhibits.wrap_source(exhibits.with_width(chart, 470)))


def composition(chapter: Chapter) -> None:
    """NEVs and all other vehicles: what drives the growth, and the stacked chart."""
    parts = chapter.frame(
        [
            "china_nev_exports_2024_01_05",
            "china_non_nev_exports_2024_01_05",
            "china_nev_exports_2025_01_05",
            "china_non_nev_exports_2025_01_05",
        ],
        label_of=_span,
    )
    parts["part"] = parts["id"].map(
        lambda i: "other vehicles" if "non_nev" in i else "new-energy vehicles"
    )
    chapter.numbers(
        "china_nev_exports_2024_01_05",
        "china_non_nev_exports_2024_01_05",
        "china_nev_exports_2025_01_05",
        "china_non_nev_exports_2025_01_05",
        "china_nev_exports_2025_01_05_change",
        "china_vehicle_exports_2025_01_05_change",
        "china_non_nev_exports_2025_01_05_growth_yoy",
        "china_non_nev_exports_2025_05_growth_yoy",
    )
    growth = ["china_non_nev_exports_2025_01_05_growth_yoy"]
    changes = ["china_nev_exports_2025_01_05_change", "china_vehicle_exports_2025_01_05_change"]
    chapter.when("non_nev_direction", growth, direction)
    chapter.when("non_nev_change", growth, lambda g: f"about {prose.percent(abs(g))}")
    chapter.when(
        "nev_growth_claim",
        changes,
        lambda nev, total: (
            "NEV exports rose by more than all exports together"
            if nev > total
            else "NEVs account for most of the growth"
            if nev > total / 2
            else "NEVs account for only part of the growth"
        ),
    )
    chapter.when(
        "combustion_verdict",
        growth,
        lambda g: (
            "The headline growth hides a shrinking export trade in "
            "vehicles with combustion engines."
            if g < 0
            else "Exports of vehicles with combustion engines grew too, if more slowly."
        ),
    )
    first = "china_nev_exports_2025_01_05"
    chart = exhibits.stacked_bars(
        parts,
        series="part",
        series_order=["new-energy vehicles", "other vehicles"],
        title="What China exported, "
        + (_months(chapter.package.record(first)) if chapter.has(first) else "by period"),
        subtitle="New-energy vehicles and all other vehicles, by difference from the totals",
        source=credit(chapter, [first], via="CAAM")
        + "; earlier-year levels and the split derived by the book",
        y_title="Vehicles exported",
    )
    chapter.chart("fig_exports_composition", exhibits.wrap_source(chart))


def horgos(chapter: Chapter) -> None:
    """'Horgos, the land gateway': the crossing's traffic, the destinations it may serve,
    and the chart by year."""
    chapter.numbers(
        "horgos_vehicle_exports_2024", "horgos_vehicle_exports_2024_growth_yoy",
        "horgos_vehicle_exports_2023",
    )  # fmt: skip
    chapter.entity("horgos-port")
    destinations = chapter.package.destinations
    top = destinations[destinations["signal"] == "top_growth"]
    if len(top):
        chapter.text("n_top_growth", prose.words(len(top)))
        chapter.text(
            "period_top_growth", prose.period(top["period_start"].min(), top["period_end"].max())
        )
    else:
        chapter.text("n_top_growth", str(chapter.unknown))
        chapter.text("period_top_growth", str(chapter.unknown))
    frame = chapter.frame(
        ["horgos_vehicle_exports_2023", "horgos_vehicle_exports_2024"], label_of=_year
    )
    chart = exhibits.bars(
        frame,
        title="Vehicles exported through Horgos",
        subtitle="Road crossing from Xinjiang into Kazakhstan, by year",
        source=credit(chapter, ["horgos_vehicle_exports_2024"], via="Horgos Customs")
        + "; the earlier year derived by the book",
        y_title="Vehicles exported",
    )
    chapter.chart("fig_exports_horgos", exhibits.wrap_source(chart))


def _said(row, signals: dict[str, str]) -> str:
    """One signal as the destinations table shows it: the phrase, for a ranked list the
    position, the period, and the locator so that a reader can find the words in the
    source ('p5' is paragraph 5)."""
    phrase = signals.get(row["signal"], row["signal"].replace("_", " "))
    if pd.notna(row["list_position"]):
        phrase += f" (listed {prose.ordinal(int(row['list_position']))})"
    period = prose.period(row["period_start"], row["period_end"])
    phrase = f"{phrase}, {period}" if period else phrase
    where = str(row["locator"])
    return f"{phrase} ({'paragraph ' + where[1:] if where[:1] == 'p' else where})"


def destinations(chapter: Chapter):
    """'Where the cars go': the destinations table, each destination once with what the
    sources say of it, other than their rankings (see `rankings`)."""
    package = chapter.package
    named = package.destinations
    # Rankings have their own table (`rankings`); this one lists the other statements.
    named = named[~named["signal"].isin(RANKINGS)]
    signals = categories(package, "destinations", "signal")
    order = {signal: position for position, signal in enumerate(signals)}
    rows = named.assign(
        said=[_said(row, signals) for _, row in named.iterrows()],
        order=named["signal"].map(lambda s: order.get(s, len(signals))),
    ).sort_values(["order", "list_position", "name"])
    # Each destination once, its statements in the order of the signals above.
    grouped = (
        rows.groupby("name", sort=False)
        .agg(said=("said", "; ".join), source=("source_id", "first"))
        .reset_index()
    )
    origins = sorted(set(rows["source_id"]))
    if len(origins) <= 1:
        # One source: named once in the caption rather than on every row.
        caption = escape.md(
            "Export destinations named by the sources{reported}: what the source says of "
            "each, with its period and paragraph. The source gives no volumes by destination",
            reported=f", as reported in {references.source_credit(package, origins[0])}"
            if origins
            else "",
        )
        shown, widths = grouped[["name", "said"]], [28, 72]
    else:
        caption = "Export destinations named by the sources"
        grouped["source"] = [references.source_credit(package, s) for s in grouped["source"]]
        shown, widths = grouped[["name", "said", "source"]], [22, 50, 28]
    if shown.empty:
        shown = pd.DataFrame(
            [{"name": "", "said": f"No destination had been published by {package.as_of}."}]
        )
    columns = {"name": "Destination", "said": "What the source says", "source": "Source"}
    return chapter.table(shown.rename(columns=columns), caption, "tab-exports-destinations", widths)


def dealers(chapter: Chapter) -> None:
    """'Demand from dealers abroad': the Wuling Mini EV's foreign dealers."""
    chapter.numbers("wuling_mini_ev_foreign_dealers", "wuling_mini_ev_dealer_countries")
    chapter.event("when_wuling_launch", "wuling_mini_ev_launch", "month")


def eu_share(chapter: Chapter) -> None:
    """'Chinese brands in the European Union': the share, its multiple, and the chart."""
    frame = chapter.frame(
        ["chinese_brands_eu_ev_share_2019", "chinese_brands_eu_ev_share_2023"], label_of=_year
    )
    chapter.numbers("chinese_brands_eu_ev_share_2019", "chinese_brands_eu_ev_share_2023")
    chapter.derived("chinese_brands_eu_ev_share_multiple_2019_2023")
    # The 2019 share is an upper bound ("less than"), so the multiple is a lower bound.
    chapter.when(
        "eu_share_multiple",
        ["chinese_brands_eu_ev_share_multiple_2019_2023"],
        lambda multiple: f"more than {prose.ratio(multiple, 0)}",
    )
    chapter.event("when_eu_duties", "eu_countervailing_duties", "year")
    chart = exhibits.bars(
        frame,
        title="Chinese brands' share of EU electric-car sales",
        subtitle="Percent of EV sales, as the source counts them; "
        "the earlier bar is an upper bound",
        source=credit(chapter, ["chinese_brands_eu_ev_share_2023"], via="Transport & Environment"),
        y_title="Share of EU EV sales (%)",
        value_format=".0f",
    )
    chapter.chart("fig_exports_eu_share", exhibits.wrap_source(chart))


def targets(chapter: Chapter):
    """'Export targets': Leapmotor's goals and reach, as a table."""
    package = chapter.package
    ids = [
        "leapmotor_sales_target_2025",
        "leapmotor_overseas_sales_target_2025",
        "leapmotor_overseas_share_of_target_2025",
        "leapmotor_european_sales_countries",
    ]
    chapter.numbers(*ids)
    frame = chapter.frame(ids, label_of=_year)
    wanted = [package.record(i)["metric"] for i in frame["id"]]
    metrics = package.select("metrics", metric=wanted).set_index("metric")["description"]
    frame["what"] = [metrics.get(package.record(i)["metric"], "") for i in frame["id"]]
    if frame.empty:
        empty = f"No goal had been published by {package.as_of}."
        frame = pd.DataFrame([{"what": empty, "label": "", "category": "", "basis": ""}])
    # The table's columns, in order, with their headings.
    columns = {"what": "Goal or reach (Leapmotor)", "label": "Value", "category": "Year",
               "basis": "Basis"}  # fmt: skip
    shown = frame[list(columns)].rename(columns=columns)
    return chapter.table(
        shown, "Export goals and reach stated by the sources", "tab-exports-targets",
        widths=[55, 15, 12, 18],
    )  # fmt: skip
