"""The exports chapter (book/exports.ipynb): one function per section.

Each function glues what its section's prose refers to and glues its chart (or
returns its table), so the notebook is prose with one short call per section. The
order of the calls is the order the chapter registers figures in: figures that the
prose does not cite are numbered in the sources list in that order.
"""

from __future__ import annotations

import pandas as pd

from chinaev.data.labels import categories
from chinaev.report import escape, exhibits, prose, references, series_charts
from chinaev.report.chapter import Chapter, direction

# The monthly export series relayed from CAAM by a trade-news report.
MAY = "china_vehicle_exports_2025_05"
JAN_MAY = "china_vehicle_exports_2025_01_05"
JAN_APR = "china_vehicle_exports_2025_01_04"

# The series: which figures make a month or a year of China's exports. A month is a
# figure (reported) or, failing one, a derived figure of the metric for exactly that
# month; figures set beside another count (`relation`) are left to the notes.
SERIES = {"vehicle_exports": "all vehicles", "nev_exports": "new-energy vehicles"}
LARGEST = "china_largest_vehicle_exporter"
PHEV_SHARE = "china_phev_share_of_nev_exports_2025"

# What a source says of a destination: the categories of destinations.signal, in order.


def credit(chapter: Chapter, ids: list[str], via: str = "") -> str:
    """Chart credit: who counted the figures (`via`), and the sources that report them,
    by name. Generic: any chapter crediting a chart to its figures' sources could use it."""
    package = chapter.package
    sources = [
        package.record(i)["source_id"]
        for i in ids
        if chapter.has(i) and isinstance(package.record(i).get("figure_id"), str)
    ]
    named = "; ".join(dict.fromkeys(references.source_credit(package, s) for s in sources))
    named = named or "the sources"
    return f"{via}, via {named}" if via else named


def _months(record) -> str:
    """A chart label: the months of a record's period, without the year."""
    return prose.months(record["period_start"], record["period_end"])


def _year(record) -> str:
    return f"{record['period_start']:%Y}"


def _span(record) -> str:
    """A short chart label for a run of months: 'Jan–May 2025'."""
    return f"{record['period_start']:%b}–{record['period_end']:%b %Y}"


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
    sources say of it (the sources give no volumes by destination)."""
    package = chapter.package
    named = package.destinations
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


# -- the series ---------------------------------------------------------------------


def _is_single_month(start, end) -> bool:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    return start.day == 1 and end == start + pd.offsets.MonthEnd(0)


def _national(frame: pd.DataFrame) -> pd.DataFrame:
    """China's own national figures, not a part of them nor a count set beside them."""
    if frame.empty:
        return frame
    keep = (frame["entity_id"] == "china") & (frame["geography"] == "CHN")
    keep &= frame["scope"] == "national"
    return frame[keep & (frame["relation"].fillna("") == "")]


def monthly(package, metric: str) -> pd.DataFrame:
    """One row a month for `metric` (id, period_start, period_end, basis), from the first
    month the package holds to the last; a month it does not hold has no row. A reported
    figure wins over a derived one for the same month."""
    figures, derived = _national(package.figures), package.derived
    if not figures.empty:
        figures = figures[(figures["metric"] == metric) & (figures["period_type"] == "month")]
    if not derived.empty:
        derived = derived[(derived["metric"] == metric) & (derived["geography"] == "CHN")]
        spans = zip(derived["period_start"], derived["period_end"], strict=True)
        derived = derived[[_is_single_month(start, end) for start, end in spans]]
    parts = [
        frame.assign(id=frame[key], basis=basis, rank=rank)
        for frame, key, basis, rank in ((figures, "figure_id", "reported", 0),
                                        (derived, "derived_id", "derived", 1))
        if not frame.empty  # as of an early date a table can be empty, without columns
    ]  # fmt: skip
    rows = pd.concat(parts) if parts else pd.DataFrame()
    if rows.empty:
        return pd.DataFrame(columns=["id", "period_start", "period_end", "basis"])
    # One record a month: reported before derived, then by id so a tie is stable.
    rows = rows.sort_values(["period_start", "rank", "id"]).drop_duplicates("period_start")
    return rows[["id", "period_start", "period_end", "basis"]].reset_index(drop=True)


def annual(package, metric: str = "vehicle_exports") -> pd.DataFrame:
    """China's reported exports by calendar year (id, period_start), CAAM's count."""
    figures = _national(package.figures)
    if figures.empty:
        return pd.DataFrame(columns=["id", "period_start"])
    figures = figures[(figures["metric"] == metric) & (figures["period_type"] == "year")]
    figures = figures.sort_values(["period_start", "figure_id"]).drop_duplicates("period_start")
    return figures.assign(id=figures["figure_id"])[["id", "period_start"]].reset_index(drop=True)


def _month(record) -> str:
    return prose.period(record["period_start"], record["period_end"])


def _missing(months: pd.DataFrame) -> list[str]:
    """The months between the first and the last that have no row."""
    if months.empty:
        return []
    held = set(pd.to_datetime(months["period_start"]))
    every = pd.date_range(min(held), max(held), freq="MS")
    return [prose.date(month, "month") for month in every if month not in held]


def _growth_of(package, figure_id: str) -> str | None:
    """The reported year-on-year growth of a figure, if the package holds one."""
    figures = package.figures
    if figures.empty:
        return None
    match = figures[
        (figures["relation"] == "growth_of") & (figures["related_figure_id"] == figure_id)
    ]
    match = match[match["metric"] == "growth_yoy"]
    return match["figure_id"].iloc[0] if len(match) else None


def _series_frame(chapter: Chapter, metric: str) -> pd.DataFrame:
    months = monthly(chapter.package, metric)
    frame = chapter.frame(list(months["id"]), label_of=_month)
    frame["period_end"] = list(months.set_index("id").loc[frame["id"], "period_end"])
    return frame.assign(series=SERIES[metric])


def series(chapter: Chapter) -> None:
    """Key findings and 'Month by month': the latest month, the run of months and the
    gaps, the NEV share in the latest month both series hold, and the monthly chart."""
    package = chapter.package
    vehicles = _series_frame(chapter, "vehicle_exports")
    nevs = _series_frame(chapter, "nev_exports")
    unknown = str(chapter.unknown)
    if vehicles.empty:
        for key in ("latest_month", "first_month", "n_months", "n_span", "missing_months",
                    "n_nev_months"):  # fmt: skip
            chapter.text(key, unknown)
        for key in ("finding_latest", "finding_run", "finding_nev"):
            chapter.md(key, "{what}", what=unknown)
    else:
        first, latest = vehicles.iloc[0], vehicles.iloc[-1]
        peak = vehicles.loc[vehicles["value"].idxmax()]
        span = len(pd.date_range(first["period_start"], latest["period_start"], freq="MS"))
        missing = _missing(vehicles)
        chapter.text("latest_month", latest["category"])
        chapter.text("first_month", first["category"])
        chapter.text("n_months", prose.number(len(vehicles)))
        chapter.text("n_span", prose.number(span))
        chapter.text("missing_months", prose.listing(missing, empty="none"))
        chapter.text("n_nev_months", prose.number(len(nevs)))
        growth = _growth_of(package, latest["id"])
        if growth:
            tail = chapter.md(
                "latest_growth", ", {growth} on the same month a year earlier {cite}",
                growth=chapter.fig(growth), cite=chapter.cite(growth),
            )  # fmt: skip
        else:
            tail = chapter.md("latest_growth", "")
        chapter.md(
            "finding_latest",
            "China exported {value} vehicles in {month}, the latest month in the data "
            "{cite}{tail}.",
            value=latest["label"], month=latest["category"], cite=chapter.cite(latest["id"]),
            tail=tail,
        )  # fmt: skip
        chapter.md(
            "finding_run",
            "From {first} to {latest} monthly exports went from {first_value} {first_cite} to "
            "{latest_value}; the busiest month was {peak} at {peak_value} {peak_cite}.",
            first=first["category"], latest=latest["category"], first_value=first["label"],
            first_cite=chapter.cite(first["id"]), latest_value=latest["label"],
            peak=peak["category"], peak_value=peak["label"], peak_cite=chapter.cite(peak["id"]),
        )  # fmt: skip
        both = nevs.merge(vehicles, on="period_start", suffixes=("_nev", ""))
        if both.empty:
            chapter.md("finding_nev", "{what}", what=unknown)
        else:
            last = both.iloc[-1]
            share = 100 * last["value_nev"] / last["value"]
            chapter.md(
                "finding_nev",
                "In {month}, the latest month with both counts, new-energy vehicles made up "
                "{nev} {nev_cite} of the {all} vehicles exported, about {share}.",
                month=last["category"], nev=last["label_nev"],
                nev_cite=chapter.cite(last["id_nev"]),
                all=last["label"], share=prose.percent(prose.significant(share, 2), 0),
            )  # fmt: skip
    frame = pd.concat([vehicles, nevs], ignore_index=True)
    chart = series_charts.month_lines(
        frame,
        series_order=list(SERIES.values()),
        title="China's vehicle exports, month by month",
        subtitle="All vehicles and new-energy vehicles; hollow points derived by the book, "
        "breaks where no month is known",
        source=credit(chapter, list(vehicles["id"][:1]), via="CAAM")
        + " and other outlets relaying CAAM (see the sources list)",
        y_title="Vehicles exported a month",
        highlight=MAY,
    )
    chapter.chart("fig_exports_series", exhibits.wrap_source(chart))


def _short(name: str) -> str:
    """The short form of a name with one in brackets: 'China Passenger Car Association
    (CPCA)' -> 'CPCA', 'ECG (Association of European Vehicle Logistics)' -> 'ECG'."""
    before, _, rest = name.partition("(")
    inside = rest.partition(")")[0].strip()
    if not inside:
        return name
    return before.strip() if len(before.strip()) < len(inside) else inside


def years(chapter: Chapter) -> None:
    """'Year by year': annual exports, the year China became the largest exporter, other
    counts of the latest year, and the annual chart."""
    package = chapter.package
    rows = annual(package)
    frame = chapter.frame(list(rows["id"]), label_of=lambda r: f"{r['period_start']:%Y}")
    when = chapter.event("when_largest", LARGEST, "year")
    unknown = str(chapter.unknown)
    marked = int(when) if when.isdigit() else None
    # Other counts of the same years (CPCA, ECG): figures set beside the annual ones.
    figures = package.figures
    if figures.empty:
        figures = pd.DataFrame(columns=["relation", "related_figure_id", "metric"])
    others = figures[
        (figures["relation"] == "context_of") & figures["related_figure_id"].isin(rows["id"])
    ]
    others = others[others["metric"] == "vehicle_exports"]
    other_rows = []
    for _, row in others.iterrows():
        reporter = row["reporter_entity_id"]
        if isinstance(reporter, str) and reporter not in ("", "caam"):
            who = _short(package.entities.set_index("entity_id").loc[reporter, "name"])
        else:
            who = _short(str(package.source(row["source_id"])["publisher"]))
        other_rows.append({"category": f"{row['period_start']:%Y}", "value": float(row["value"]),
                           "label": chapter.fig(row["figure_id"]), "who": who,
                           "id": row["figure_id"]})  # fmt: skip
    other_frame = pd.DataFrame(other_rows, columns=["category", "value", "label", "who", "id"])
    if len(frame) >= 2:
        first, last = frame.iloc[0], frame.iloc[-1]
        chapter.md(
            "finding_years",
            "By CAAM's count, annual exports grew from {first_value} {first_cite} in {first} "
            "to {last_value} {last_cite} in {last}, {ratio} as many.",
            first_value=first["label"], first_cite=chapter.cite(first["id"]),
            first=first["category"], last_value=last["label"], last_cite=chapter.cite(last["id"]),
            last=last["category"], ratio=prose.ratio(last["value"] / first["value"]),
        )  # fmt: skip
        latest_others = other_frame[other_frame["category"] == last["category"]]
        if len(latest_others):
            counts = [
                escape.md(
                    "{who} {value} {cite}",
                    who=r["who"],
                    value=r["label"],
                    cite=chapter.cite(r["id"]),
                )
                for _, r in latest_others.iterrows()
            ]
            chapter.md(
                "other_counts",
                "Other counts of {year} differ: {counts}, against CAAM's {caam}.",
                year=last["category"], counts=escape.join(counts, escape.MyST("; ")),
                caam=f"{prose.number(last['value'] / 1e6, 3)} million",
            )  # fmt: skip
        else:
            chapter.md("other_counts", "")
    else:
        chapter.md("finding_years", "{what}", what=unknown)
        chapter.md("other_counts", "")
    chart = series_charts.year_bars(
        frame,
        title="China's vehicle exports by year",
        subtitle="CAAM's count; ticks: other counts of the same year",
        source=credit(chapter, list(rows["id"][-1:]), via="CAAM")
        + " and other outlets relaying CAAM (see the sources list)",
        y_title="Vehicles exported a year",
        marked_year=marked,
        marked_text="largest exporter" if marked else "",
        others=other_frame,
    )
    # Narrower than the default plot: the labels of the other counts sit to its right.
    chapter.chart("fig_exports_annual", exhibits.wrap_source(exhibits.with_width(chart, 470)))


def plug_in_hybrids(chapter: Chapter) -> None:
    """'Plug-in hybrids': their share of NEV exports where the sources give one."""
    chapter.numbers(PHEV_SHARE, "china_phev_exports_2025", "china_nev_exports_2025_ecg",
                    "china_nev_exports_2025", "china_nev_exports_2025_cpca")  # fmt: skip
