"""Chart builders shared by the chapters, on top of the theme in charts.py.

Each takes a frame from `Chapter.frame()` (columns category, value, label, basis)
and writes its own screen-reader description from the data, so the description
can never disagree with what the chart shows.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.escape import vega as vega_string

BASIS_ORDER = ["reported", "derived"]
BASIS_NAMES = {"reported": "reported by the source", "derived": "derived by the book"}
BASIS_COLOURS = {"reported": charts.PALETTE[0], "derived": charts.PALETTE[1]}


def placeholder(*, title: str, source: str) -> alt.VConcatChart:
    """What a chart shows when, as of the chosen date, none of its figures existed yet."""
    message = "No figures for this chart had been published by the chosen date."
    note = (
        alt.Chart(pd.DataFrame({"message": [message]}))
        .mark_text(size=14, color="#555555")
        .encode(text="message:N")
        .properties(height=80)
    )
    return charts.styled(note, title=title, source=source, description=f"{title}: {message}")


def describe(kind: str, frame: pd.DataFrame, series: str | None = None) -> str:
    parts = []
    for _, row in frame.iterrows():
        name = f"{row['category']}" + (f", {row[series]}" if series else "")
        parts.append(f"{name}: {row['label']} ({BASIS_NAMES.get(row['basis'], row['basis'])})")
    return f"{kind}. " + "; ".join(parts) + "."


def bars(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
    value_format: str = "~s",
) -> alt.VConcatChart:
    """Vertical bars, one per category, coloured by whether the value is reported or derived.

    The legend lists only the kinds of value the chart shows. A value the source gives only
    as an upper bound ("less than 1 percent") is drawn as a pale, dashed bar up to that
    bound, so it does not read as a measurement of the bound itself."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    if "bound" not in frame:
        frame = frame.assign(bound="")
    frame = frame.assign(
        basis_name=frame["basis"].map(BASIS_NAMES), bound=frame["bound"].fillna("")
    )
    present = [b for b in BASIS_ORDER if b in set(frame["basis"])]
    upper = "datum.bound == 'upper'"
    basis_scale = alt.Scale(
        domain=[BASIS_NAMES[b] for b in present], range=[BASIS_COLOURS[b] for b in present]
    )
    chart = (
        alt.Chart(frame)
        .mark_bar(size=48, strokeWidth=1.5)
        .encode(
            x=alt.X("category:N", sort=order, title=None),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
            color=alt.Color("basis_name:N", title=None, scale=basis_scale),
            stroke=alt.Color("basis_name:N", title=None, scale=basis_scale),
            fillOpacity=alt.condition(upper, alt.value(0.2), alt.value(1.0)),
            strokeDash=alt.condition(upper, alt.value([4, 3]), alt.value([])),
            tooltip=[
                alt.Tooltip("category:N", title="Period"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("basis_name:N", title="Basis"),
            ],
        )
    )
    labels = (
        alt.Chart(frame)
        .mark_text(dy=-8, baseline="bottom")
        .encode(
            x=alt.X("category:N", sort=order, title=None),
            y=alt.Y("value:Q"),
            text="label:N",
            color=alt.value("#222222"),
        )
    )
    return charts.styled(
        chart + labels,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Bar chart: {title}", frame),
    )


def stacked_bars(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
) -> alt.VConcatChart:
    """Bars split into parts (e.g. NEV and other exports) per category."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    chart = (
        alt.Chart(frame)
        .mark_bar(size=56)
        .encode(
            x=alt.X("category:N", sort=order, title=None),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format="~s"), stack="zero"),
            color=alt.Color(
                f"{series}:N", title=None, sort=series_order, scale=alt.Scale(domain=series_order)
            ),
            order=alt.Order("stack_order:Q"),
            tooltip=[
                alt.Tooltip("category:N", title="Period"),
                alt.Tooltip(f"{series}:N", title="Part"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("basis:N", title="Basis"),
            ],
        )
        .transform_calculate(
            stack_order=" + ".join(
                f"(datum[{vega_string(series)}] == {vega_string(name)}) * {i}"
                for i, name in enumerate(series_order)
            )
        )
    )
    return charts.styled(
        chart,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Stacked bar chart: {title}", frame, series),
    )


def dot_comparison(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    x_title: str,
    value_format: str = ".0f",
) -> alt.VConcatChart:
    """Dots joined by a line per category: before and after on one horizontal scale."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    base = alt.Chart(frame).encode(
        y=alt.Y("category:N", sort=order, title=None),
        x=alt.X(
            "value:Q", title=x_title, axis=alt.Axis(format=value_format), scale=alt.Scale(zero=True)
        ),
    )
    rule = base.mark_line(color="#999999", strokeWidth=2, point=False).encode(detail="category:N")
    dots = base.mark_point(size=140, filled=True, opacity=1).encode(
        color=alt.Color(
            f"{series}:N", title=None, sort=series_order, scale=alt.Scale(domain=series_order)
        ),
        tooltip=[
            alt.Tooltip("category:N", title="Measure"),
            alt.Tooltip(f"{series}:N", title="Period"),
            alt.Tooltip("label:N", title="Value"),
            alt.Tooltip("basis:N", title="Basis"),
        ],
    )
    chart = (rule + dots).properties(height=alt.Step(56))
    return charts.styled(
        chart,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Dot chart: {title}", frame, series),
    )


VERDICT_COLOURS = {
    "consistent": "#009E73",
    "consistent once defined": "#0072B2",
    "inconsistent": "#D55E00",
    "not checkable": "#999999",
}


def claim_checks(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    domain: tuple[float, float] = (0.25, 4.0),
    kind_order: list[str] | None = None,
) -> alt.VConcatChart:
    """News claims against the IEA on one scale: each value as a multiple of the claim.

    `frame` has one row per claim: category (the claim's name), verdict, claim_lo and
    claim_hi (the claim's range as multiples of its value; infinite when unbounded),
    iea (the IEA value as a multiple, NaN if none), iea_kind (what that point is),
    defined_lo and defined_hi (the IEA range on the claim's definition, as multiples)
    and label (the values in words for the tooltip and the description). `kind_order`
    fixes which iea_kind gets which marker (circle, diamond, triangle, square).
    """
    if frame.empty:
        return placeholder(title=title, source=source)
    low, high = domain
    frame = frame.assign(
        claim_lo=frame["claim_lo"].clip(low, high),
        claim_hi=frame["claim_hi"].clip(low, high),
        defined_lo=frame["defined_lo"].clip(low, high),
        defined_hi=frame["defined_hi"].clip(low, high),
        iea_shown=frame["iea"].clip(low, high),
        one=1.0,
    )
    order = list(dict.fromkeys(frame["category"]))
    verdicts = [v for v in VERDICT_COLOURS if v in set(frame["verdict"])]
    verdict_scale = alt.Scale(domain=verdicts, range=[VERDICT_COLOURS[v] for v in verdicts])
    colour = alt.Color(
        "verdict:N",
        title=None,
        scale=verdict_scale,
        legend=alt.Legend(orient="bottom", direction="vertical"),
    )
    x_scale = alt.Scale(type="log", domain=list(domain), clamp=True)
    y = alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=300))
    tooltip = [
        alt.Tooltip("category:N", title="Claim"),
        alt.Tooltip("label:N", title="Values"),
        alt.Tooltip("verdict:N", title="Verdict"),
    ]
    base = alt.Chart(frame)
    claim_range = base.mark_bar(height=14, color="#d9d9d9").encode(
        y=y,
        x=alt.X(
            "claim_lo:Q",
            scale=x_scale,
            title="IEA value ÷ news value (log scale)",
            axis=alt.Axis(values=[0.25, 0.5, 1, 2, 4], format="~g"),
        ),
        x2="claim_hi:Q",
        tooltip=tooltip,
    )
    reference = (
        alt.Chart(pd.DataFrame({"one": [1.0]}))
        .mark_rule(color="#555555", strokeDash=[4, 3])
        .encode(x=alt.X("one:Q", scale=x_scale))
    )
    defined = (
        base.transform_filter("isValid(datum.defined_lo)")
        .mark_rule(strokeWidth=3)
        .encode(
            y=y,
            x=alt.X("defined_lo:Q", scale=x_scale),
            x2="defined_hi:Q",
            color=alt.Color("verdict:N", scale=verdict_scale, legend=None),
        )
    )
    kinds = kind_order or list(dict.fromkeys(frame["iea_kind"].dropna()))
    points = (
        base.transform_filter("isValid(datum.iea_shown)")
        .mark_point(size=130, filled=True, opacity=1, stroke="white", strokeWidth=1)
        .encode(
            y=y,
            x=alt.X("iea_shown:Q", scale=x_scale),
            color=colour,
            shape=alt.Shape(
                "iea_kind:N",
                title=None,
                legend=alt.Legend(orient="bottom", direction="vertical"),
                scale=alt.Scale(
                    domain=kinds,
                    range=["circle", "diamond", "triangle-down", "square"][: len(kinds)],
                ),
            ),
            tooltip=tooltip,
        )
    )
    chart = (
        (claim_range + reference + defined + points)
        .properties(height=alt.Step(30), width=280)
        .resolve_legend(color="independent", shape="independent")
    )
    parts = [f"{row['category']}: {row['label']}; {row['verdict']}" for _, row in frame.iterrows()]
    return charts.styled(
        chart,
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Range chart: {title}. " + "; ".join(parts) + ".",
    )


def lines(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
    value_format: str = ".0f",
    end_names: dict[str, str] | None = None,
) -> alt.VConcatChart:
    """One line per series over ordered categories (years), the last value of each
    series labelled at its end, so the reader sees where each line stands now.

    With `end_names` (series -> a short name) each end label also names its line
    ("China, share of world sales: 59%") and the plot narrows to make room, so the
    chart reads without a legend or its caption; tooltips and the description keep
    the full series names."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    names = frame[series].map(lambda name: (end_names or {}).get(name, name))
    frame = frame.assign(end_label=(names + ": " + frame["label"]) if end_names else frame["label"])
    base = alt.Chart(frame).encode(
        x=alt.X("category:O", sort=order, title=None),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
        color=alt.Color(
            f"{series}:N", title=None, sort=series_order, scale=alt.Scale(domain=series_order)
        ),
    )
    drawn = base.mark_line(point=True).encode(
        tooltip=[
            alt.Tooltip("category:N", title="Year"),
            alt.Tooltip(f"{series}:N", title="Series"),
            alt.Tooltip("label:N", title="Value"),
            alt.Tooltip("basis:N", title="Basis"),
        ]
    )
    last = frame[frame["category"] == order[-1]]
    ends = (
        alt.Chart(last)
        .mark_text(align="left", dx=8, fontWeight="bold")
        .encode(
            x=alt.X("category:O", sort=order),
            y="value:Q",
            text="end_label:N",
            color=alt.Color(
                f"{series}:N", sort=series_order, scale=alt.Scale(domain=series_order), legend=None
            ),
        )
    )
    layered = drawn + ends
    if end_names:
        longest = int(last["end_label"].str.len().max())
        # About 7.5 px a character at the theme's bold 13 px; the plot gives up that room.
        layered = layered.properties(width=max(charts.WIDTH - int(longest * 7.5), 300))
    return charts.styled(
        layered,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Line chart: {title}", frame, series),
    )


# -- Widths and long credits --------------------------------------------------------


def with_width(chart: alt.VConcatChart, width: int) -> alt.VConcatChart:
    """A styled chart with its plot narrowed to `width` pixels, for charts whose axis
    labels would otherwise push them past the text column (about 670 px in the HTML
    book at a 1280 px window)."""
    chart = chart.copy(deep=True)
    chart.vconcat[0] = chart.vconcat[0].properties(width=width)
    return chart


def wrap_source(chart: alt.VConcatChart, max_chars: int = 92) -> alt.VConcatChart:
    """Break a styled chart's source line into lines of at most `max_chars` characters,
    so a long credit (a full title) never makes the chart wider than its plot."""
    chart = chart.copy(deep=True)
    inner = chart.vconcat[0]
    title = inner.title
    text = title.text if isinstance(title.text, str) else " ".join(title.text)
    lines_, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > max_chars:
            lines_.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines_.append(current)
    title.text = lines_ if len(lines_) > 1 else lines_[0]
    return chart


def month_bars(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
    value_format: str = "~s",
) -> alt.VConcatChart:
    """Bars for single months on a true time axis: months a year apart stand a year
    apart, so a year-on-year and a month-on-month comparison are not drawn as if evenly
    spaced. Colours tell reported from derived values, as in `bars`."""
    if frame.empty:
        return placeholder(title=title, source=source)
    frame = frame.assign(
        basis_name=frame["basis"].map(BASIS_NAMES),
        month=pd.to_datetime(frame["period_start"]).dt.strftime("%Y-%m-15"),
    )
    first = pd.Timestamp(frame["month"].min()) - pd.DateOffset(months=1)
    last = pd.Timestamp(frame["month"].max()) + pd.DateOffset(months=1)
    # Regular quarterly ticks keep the axis honest; each bar names its own month inside.
    x = alt.X(
        "month:T",
        title=None,
        scale=alt.Scale(domain=[f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"]),
        axis=alt.Axis(
            format="%b %Y", grid=False, labelAngle=0, tickCount={"interval": "month", "step": 3}
        ),
    )
    chart = (
        alt.Chart(frame)
        .mark_bar(size=30)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(
                "basis_name:N",
                title=None,
                scale=alt.Scale(domain=[BASIS_NAMES[b] for b in BASIS_ORDER]),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Month"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("basis_name:N", title="Basis"),
            ],
        )
    )
    # Bars one month apart stand close together, so each bar carries its month and value
    # inside, written upwards: no label can run into its neighbour.
    labels = (
        alt.Chart(frame)
        .transform_calculate(middle="datum.value / 2", text="datum.category + ': ' + datum.label")
        .mark_text(angle=270, align="center", baseline="middle", fontSize=12)
        .encode(
            x=x,
            y=alt.Y("middle:Q"),
            text="text:N",
            color=alt.condition(
                alt.datum.basis == "reported", alt.value("#ffffff"), alt.value("#222222")
            ),
        )
    )
    return charts.styled(
        chart + labels,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Bar chart on a time axis: {title}", frame),
    )


DATED_BY = ["date given by the source", "date inferred or supplied by the editors"]


def timeline(
    frame: pd.DataFrame,
    *,
    lanes: list[str],
    title: str,
    subtitle: str,
    source: str,
    width: int = 430,
) -> alt.VConcatChart:
    """Events on a time axis, one row per event, grouped and coloured by lane (e.g. the
    kind of policy instrument); an event with an end date (a programme over several
    years) is drawn as a bar from start to end.

    `frame` has columns date, end (or NaT), lane, label (unique), when (the date as
    prose), detail, dated_by (one of DATED_BY) and source. Points whose date the source
    gives are filled; dates the editors inferred or supplied are hollow, so the reader
    sees how much of the chronology rests on the sources alone."""
    if frame.empty:
        return placeholder(title=title, source=source)
    frame = frame.assign(lane_order=frame["lane"].map({lane: i for i, lane in enumerate(lanes)}))
    frame = frame.sort_values(["lane_order", "date"]).reset_index(drop=True)
    latest = (
        frame["date"].max()
        if frame["end"].isna().all()
        else max(frame["date"].max(), frame["end"].max())
    )
    start = pd.Timestamp(year=frame["date"].min().year - 1, month=1, day=1)
    end = pd.Timestamp(year=latest.year + 1, month=12, day=31)
    frame["date_text"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame["end_text"] = frame["end"].dt.strftime("%Y-%m-%d")
    x = alt.X(
        "date_text:T",
        title=None,
        scale=alt.Scale(domain=[f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"]),
        axis=alt.Axis(format="%Y", grid=True, tickCount=8, orient="top"),
    )
    y = alt.Y(
        "label:N",
        sort=list(frame["label"]),
        title=None,
        axis=alt.Axis(labelLimit=220, grid=False, domain=False, ticks=False, labelPadding=8),
    )
    colour = alt.Color(
        "lane:N",
        title=None,
        sort=lanes,
        scale=alt.Scale(domain=lanes),
        legend=alt.Legend(
            orient="top", columns=3, labelLimit=220, symbolOpacity=1, symbolType="circle"
        ),
    )
    tooltip = [
        alt.Tooltip("when:N", title="When"),
        alt.Tooltip("lane:N", title="Instrument"),
        alt.Tooltip("detail:N", title="What"),
        alt.Tooltip("dated_by:N", title="Date"),
        alt.Tooltip("source:N", title="Source"),
    ]
    base = alt.Chart(frame).encode(x=x, y=y)
    spans = (
        base.transform_filter("datum.end_text != null && datum.end_text != ''")
        .mark_rule(strokeWidth=8, opacity=0.35, strokeCap="round")
        .encode(x2="end_text:T", color=colour, tooltip=tooltip)
    )
    source_dated = base.transform_filter(f"datum.dated_by == '{DATED_BY[0]}'").mark_point(
        filled=True, size=120, opacity=1
    )
    editor_dated = base.transform_filter(f"datum.dated_by == '{DATED_BY[1]}'").mark_point(
        filled=False, size=120, strokeWidth=2.4, opacity=1
    )
    points = [layer.encode(color=colour, tooltip=tooltip) for layer in (source_dated, editor_dated)]
    chart = alt.layer(*points, spans).properties(width=width, height=alt.Step(26))
    parts = [
        f"{row['lane']}, {row['when']}: {row['detail']} ({row['dated_by']})"
        for _, row in frame.sort_values("date").iterrows()
    ]
    return charts.styled(
        chart,
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Timeline: {title}. " + "; ".join(parts) + ".",
    )


def shares_with_targets(
    lines_frame: pd.DataFrame,
    points_frame: pd.DataFrame,
    *,
    series_order: list[str],
    dashed: list[str],
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
    width: int = 470,
) -> alt.VConcatChart:
    """Lines over years (a recorded series and projections, the projections dashed)
    with separate labelled markers (targets, single reported values) on the same
    scale. Both frames have columns year, value, label and series."""
    if lines_frame.empty and points_frame.empty:
        return placeholder(title=title, source=source)
    colour = alt.Color(
        "series:N",
        title=None,
        sort=series_order,
        scale=alt.Scale(domain=series_order),
        legend=alt.Legend(orient="top", columns=2, labelLimit=320),
    )
    years = pd.concat([lines_frame["year"], points_frame["year"]]).astype(int)
    first, last = int(years.min()), int(years.max())
    x = alt.X(
        "year:Q",
        title=None,
        scale=alt.Scale(domain=[first, last + 1], nice=False),
        axis=alt.Axis(format="d", values=list(range(first + (-first) % 5, last + 1, 5))),
    )
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(domain=[0, 100]))
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("label:N", title="Value"),
    ]
    layers = []
    if len(lines_frame):
        dash = alt.StrokeDash(
            "series:N",
            legend=None,
            scale=alt.Scale(
                domain=series_order,
                range=[[6, 4] if name in dashed else [1, 0] for name in series_order],
            ),
        )
        layers.append(
            alt.Chart(lines_frame)
            .mark_line(point=True)
            .encode(x=x, y=y, color=colour, strokeDash=dash, detail="series:N", tooltip=tooltip)
        )
    if len(points_frame):
        marks = alt.Chart(points_frame).encode(x=x, y=y)
        layers.append(
            marks.mark_point(shape="diamond", size=170, filled=True, opacity=1).encode(
                color=colour, tooltip=tooltip
            )
        )
        layers.append(
            marks.mark_text(align="left", dx=9, dy=-9, fontSize=12, fontWeight="bold").encode(
                text="label:N", color=colour
            )
        )
    described = pd.concat([lines_frame, points_frame])
    parts = [
        f"{name}: "
        + ", ".join(
            f"{int(r['year'])} {r['label']}"
            for _, r in described[described["series"] == name].sort_values("year").iterrows()
        )
        for name in series_order
        if (described["series"] == name).any()
    ]
    return charts.styled(
        alt.layer(*layers).properties(width=width),
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Line chart: {title}. " + "; ".join(parts) + ".",
    )


def region_lines(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    y_title: str,
    x_field: str = "year",
    value_format: str = ".0f",
) -> alt.VConcatChart:
    """One line per series over time (e.g. IEA shares by region), each labelled at its
    last point so the chart reads without a legend in print."""
    if frame.empty:
        return placeholder(title=title, source=source)
    frame = frame.sort_values([series, x_field]).reset_index(drop=True)
    colour = alt.Color(
        f"{series}:N", title=None, sort=series_order, scale=alt.Scale(domain=series_order)
    )
    base = alt.Chart(frame).encode(
        x=alt.X(f"{x_field}:O", title=None),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
        color=colour,
    )
    drawn = base.mark_line(point=True).encode(
        tooltip=[
            alt.Tooltip(f"{series}:N", title="Series"),
            alt.Tooltip(f"{x_field}:O", title="Year"),
            alt.Tooltip("label:N", title="Value"),
        ]
    )
    last = frame.groupby(series, sort=False).tail(1)
    ends = (
        alt.Chart(last)
        .mark_text(align="left", dx=8, fontWeight="bold")
        .encode(
            x=alt.X(f"{x_field}:O"),
            y=alt.Y("value:Q"),
            text=alt.Text("end_label:N"),
            color=colour,
        )
        .transform_calculate(end_label=f"datum['{series}'] + ': ' + datum.label")
    )
    parts = []
    for name in series_order:
        rows = frame[frame[series] == name]
        if len(rows):
            points = ", ".join(f"{r[x_field]} {r['label']}" for _, r in rows.iterrows())
            parts.append(f"{name}: {points}")
    return charts.styled(
        (drawn + ends).properties(width=charts.WIDTH - 120),
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Line chart: {title}. " + "; ".join(parts) + ".",
    )


def stacked_hbars(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    x_title: str,
    colours: list[str] | None = None,
    value_format: str = ".0f",
) -> alt.VConcatChart:
    """Horizontal bars split into parts (e.g. a standard duty and an extra duty), one bar
    per category; each bar is labelled at its end with its parts ("10% + 35.3%"), so the
    chart shows only numbers that are in the data, never a computed total."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    frame = frame.assign(
        stack_order=frame[series].map({name: i for i, name in enumerate(series_order)})
    )
    scale = (
        alt.Scale(domain=series_order, range=colours) if colours else alt.Scale(domain=series_order)
    )
    bars_ = (
        alt.Chart(frame)
        .mark_bar(size=34)
        .encode(
            y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("value:Q", title=x_title, stack="zero", axis=alt.Axis(format=value_format)),
            color=alt.Color(f"{series}:N", title=None, sort=series_order, scale=scale),
            order=alt.Order("stack_order:Q"),
            tooltip=[
                alt.Tooltip("category:N", title="Case"),
                alt.Tooltip(f"{series}:N", title="Part"),
                alt.Tooltip("label:N", title="Rate"),
                alt.Tooltip("basis:N", title="From"),
            ],
        )
    )
    ends = (
        frame.sort_values("stack_order")
        .groupby("category", sort=False)
        .agg(total=("value", "sum"), parts=("label", " + ".join))
        .reset_index()
    )
    labels = (
        alt.Chart(ends)
        .mark_text(align="left", dx=6)
        .encode(
            y=alt.Y("category:N", sort=order),
            x=alt.X("total:Q"),
            text=alt.Text("parts:N"),
        )
    )
    parts = []
    for name in order:
        rows = frame[frame["category"] == name].sort_values("stack_order")
        parts.append(
            f"{name}: "
            + " plus ".join(f"{r[series]} {r['label']} ({r['basis']})" for _, r in rows.iterrows())
        )
    return charts.styled(
        (bars_ + labels).properties(width=charts.WIDTH - 160, height=alt.Step(56)),
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Horizontal stacked bar chart: {title}. " + "; ".join(parts) + ".",
    )
