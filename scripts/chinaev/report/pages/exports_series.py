"""The exports chapter's series (book/exports.ipynb, via pages/exports.py): China's exports
month by month and year by year, and the plug-in hybrids among them, with the chart
credits and period words the chapter's other sections share."""

from __future__ import annotations

import pandas as pd

from chinaev.report import escape, exhibits, prose, references, series_charts
from chinaev.report.chapter import Chapter

# The series: which figures make a month or a year of China's exports. A month is a
# figure (reported) or, failing one, a derived figure of the metric for exactly that
# month; figures set beside another count (`relation`) are left to the notes.
MAY = "china_vehicle_exports_2025_05"  # the seeds' month, ringed on the monthly chart
SERIES = {"vehicle_exports": "all vehicles", "nev_exports": "new-energy vehicles"}
LARGEST = "china_largest_vehicle_exporter"
PHEV_SHARE = "china_phev_share_of_nev_exports_2025"


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


# -- the series ---------------------------------------------------------------------


def _is_single_month(start, end) -> bool:
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    return start.day == 1 and end == start + pd.offsets.MonthEnd(0)


# China's own national figures: not a part of them nor a count set beside them (those
# have a `relation`). Read through `select`, so that the record of reads holds these rows
# only: an edit elsewhere in the figures table does not re-run the chapter.
NATIONAL = {"entity_id": "china", "geography": "CHN", "scope": "national"}
PERIOD = ["period_start", "period_end"]


def _national(package, metric: str, period_type: str) -> pd.DataFrame:
    columns = ["figure_id", *PERIOD, "relation"]
    frame = package.select("figures", columns, metric=metric, period_type=period_type, **NATIONAL)
    return frame[frame["relation"].fillna("") == ""]


def monthly(package, metric: str) -> pd.DataFrame:
    """One row a month for `metric` (id, period_start, period_end, basis), from the first
    month the package holds to the last; a month it does not hold has no row. A reported
    figure wins over a derived one for the same month."""
    figures = _national(package, metric, "month")
    derived = package.select("derived", ["derived_id", *PERIOD], metric=metric, geography="CHN")
    if not derived.empty:
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
    figures = _national(package, metric, "year")
    if figures.empty:
        return pd.DataFrame(columns=["id", "period_start"])
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
    match = package.select(
        "figures", ["figure_id"], relation="growth_of", related_figure_id=figure_id,
        metric="growth_yoy",
    )  # fmt: skip
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
    others = package.select(
        "figures", ["figure_id", "period_start", "value", "reporter_entity_id", "source_id"],
        relation="context_of", related_figure_id=list(rows["id"]), metric="vehicle_exports",
    )  # fmt: skip
    other_rows = []
    for _, row in others.iterrows():
        reporter = row["reporter_entity_id"]
        if isinstance(reporter, str) and reporter not in ("", "caam"):
            who = _short(package.select("entities", ["name"], entity_id=reporter)["name"].iloc[0])
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
