"""Timelines: dated events in lanes, filled where the source gives the date."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.exhibits.common import placeholder

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
