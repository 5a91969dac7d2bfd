"""Line charts: series over years, labelled at their ends; shares with targets."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.exhibits.common import describe, placeholder


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
