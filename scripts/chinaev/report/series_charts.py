"""Chart builders for series over time: months on a time axis with gaps left as gaps,
and years with one year marked.

They take the frames `chinaev.report.pages.exports` builds (one row per period, with
`value`, `label`, `basis` and a `series` name) and, like the builders in exhibits.py,
write their screen-reader description from the data they draw.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.exhibits.common import BASIS_NAMES, mid_month, month_axis, placeholder, value_y


def _runs(frame: pd.DataFrame, series: str) -> pd.Series:
    """A run number for each row: consecutive months of one series share a run, and a
    missing month starts a new one, so a line is never drawn across a gap."""
    months = pd.to_datetime(frame["period_start"])
    index = months.dt.year * 12 + months.dt.month
    runs = pd.Series(0, index=frame.index)
    for _, rows in frame.groupby(series, sort=False):
        ordered = index[rows.index].sort_values()
        breaks = (ordered.diff() != 1).cumsum()
        runs[ordered.index] = breaks
    return frame[series].astype(str) + "·" + runs.astype(str)


def month_lines(
    frame: pd.DataFrame,
    *,
    series_order: list[str],
    y_title: str,
    highlight: str | None = None,
    value_format: str = "~s",
    **text: str,
) -> alt.VConcatChart:
    """One line per series over months on a true time axis. A month with no value in
    the package has no point, and the line stops on either side of it, so a gap reads
    as a gap, not as a straight run. Filled points are reported by a source, hollow
    ones derived by the book; `highlight` (a record id) gets a ring and its label."""
    if frame.empty:
        return placeholder(**text)
    frame = frame.assign(
        run=_runs(frame, "series"),
        basis_name=frame["basis"].map(BASIS_NAMES),
        month=mid_month(frame),
    )
    x = month_axis(frame["month"], step=6)
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format))
    colour = alt.Color(
        "series:N", title=None, sort=series_order, scale=alt.Scale(domain=series_order)
    )
    tooltip = [
        alt.Tooltip("category:N", title="Month"),
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("label:N", title="Value"),
        alt.Tooltip("basis_name:N", title="Basis"),
    ]
    base = alt.Chart(frame).encode(x=x, y=y, color=colour)
    lines = base.mark_line(strokeWidth=2).encode(detail="run:N")
    # Reported months as filled dots, derived ones as hollow rings in the line's colour.
    reported = (
        base.transform_filter(alt.datum.basis == "reported")
        .mark_circle(size=45, opacity=1)
        .encode(tooltip=tooltip)
    )
    derived = (
        base.transform_filter(alt.datum.basis != "reported")
        .mark_point(size=45, strokeWidth=1.8, filled=False, fill="#ffffff", opacity=1)
        .encode(tooltip=tooltip)
    )
    layers = [lines, reported, derived]
    if highlight is not None and (frame["id"] == highlight).any():
        marked = frame[frame["id"] == highlight]
        ring = (
            alt.Chart(marked)
            .mark_point(size=260, strokeWidth=1.5, color=charts.TEXT_COLOUR, filled=False)
            .encode(x=x, y="value:Q")
        )
        note = (
            alt.Chart(marked.assign(text=marked["category"] + ": " + marked["label"]))
            .mark_text(align="right", dx=-12, dy=-16, fontSize=12, color=charts.TEXT_COLOUR)
            .encode(x=x, y="value:Q", text="text:N")
        )
        layers += [ring, note]
    return charts.styled(
        alt.layer(*layers),
        description=_describe(f"Line chart by month: {text['title']}", frame),
        **text,
    )


def year_bars(
    frame: pd.DataFrame,
    *,
    y_title: str,
    marked_year: int | None = None,
    marked_text: str = "",
    others: pd.DataFrame | None = None,
    value_format: str = "~s",
    **text: str,
) -> alt.VConcatChart:
    """Bars by year (`category` holds the year), each labelled with its value. The year
    `marked_year`, if drawn, gets a darker bar and `marked_text` above it; `others` (rows
    with `category`, `value`, `label`, `who`) are other counts for the same years, drawn
    as ticks beside the bars so the reader sees how far they stand from the main count."""
    if frame.empty:
        return placeholder(**text)
    order = list(dict.fromkeys(frame["category"]))
    frame = frame.assign(
        marked=frame["category"].astype(str) == str(marked_year),
        basis_name=frame["basis"].map(BASIS_NAMES),
    )
    x = alt.X("category:O", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(frame)
        .mark_bar(size=38)
        .encode(
            x,
            value_y(y_title, value_format),
            color=alt.condition(
                alt.datum.marked, alt.value(charts.PALETTE[0]), alt.value(charts.PALETTE[2])
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Year"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("basis_name:N", title="Basis"),
            ],
        )
    )
    labels = (
        alt.Chart(frame)
        .mark_text(dy=-8, fontSize=12, color=charts.TEXT_COLOUR)
        .encode(x=x, y="value:Q", text="label:N")
    )
    layers = [bars, labels]
    parts = [f"{row['category']}: {row['label']}" for _, row in frame.iterrows()]
    if marked_text and frame["marked"].any():
        top = frame[frame["marked"]].assign(text=marked_text)
        layers.append(
            alt.Chart(top)
            .mark_text(dy=-26, fontSize=12, fontWeight="bold", color=charts.PALETTE[0])
            .encode(x=x, y="value:Q", text="text:N")
        )
        parts.append(f"{marked_text} ({marked_year})")
    if others is not None and not others.empty:
        ticks = alt.Chart(others).encode(x=x, y="value:Q")
        layers.append(
            ticks.mark_tick(thickness=3, size=18, xOffset=30, color=charts.MUTED_COLOUR).encode(
                tooltip=[alt.Tooltip("who:N", title="Count"), alt.Tooltip("label:N", title="Value")]
            )
        )
        layers.append(
            ticks.mark_text(align="left", dx=42, fontSize=11, color=charts.MUTED_COLOUR)
            .encode(text="text:N")
            .transform_calculate(text="datum.who + ': ' + datum.label")
        )
        parts += [
            f"{row['category']}, {row['who']}: {row['label']}" for _, row in others.iterrows()
        ]
    return charts.styled(
        alt.layer(*layers),
        description=f"Bar chart by year: {text['title']}. " + "; ".join(parts) + ".",
        **text,
    )


def _describe(kind: str, frame: pd.DataFrame) -> str:
    parts = [
        f"{row['category']}, {row['series']}: {row['label']} "
        f"({BASIS_NAMES.get(row['basis'], row['basis'])})"
        for _, row in frame.iterrows()
    ]
    return f"{kind}. " + "; ".join(parts) + "."
