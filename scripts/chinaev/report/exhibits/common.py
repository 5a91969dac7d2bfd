"""What every exhibit shares: the colours of reported and derived values, the
placeholder for a chart with no figures yet, the screen-reader description, and
the width and source-line adjustments chapters apply to a styled chart."""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from chinaev.report import charts

BASIS_ORDER = ["reported", "derived"]
BASIS_NAMES = {"reported": "reported by the source", "derived": "derived by the book"}
BASIS_COLOURS = {"reported": charts.PALETTE[0], "derived": charts.PALETTE[1]}


def series_colour(series: str, series_order: list[str], **options) -> alt.Color:
    """One colour per series, in the order given, with no legend title."""
    return alt.Color(
        f"{series}:N",
        title=None,
        sort=series_order,
        scale=alt.Scale(domain=series_order),
        **options,
    )


def tips(*fields: tuple[str, str]) -> list[alt.Tooltip]:
    """Hover text: (field with its type, title shown) pairs, in order."""
    return [alt.Tooltip(field, title=title) for field, title in fields]


def mid_month(frame: pd.DataFrame) -> pd.Series:
    """Each row's month as its 15th day, so a month's point or bar sits mid-month."""
    return pd.to_datetime(frame["period_start"]).dt.strftime("%Y-%m-15")


def month_axis(months: pd.Series, step: int) -> alt.X:
    """A true time axis over mid-month dates with a month of room at each end, labelled
    every `step` months: months a year apart are drawn a year apart."""
    first = pd.Timestamp(months.min()) - pd.DateOffset(months=1)
    last = pd.Timestamp(months.max()) + pd.DateOffset(months=1)
    return alt.X(
        "month:T",
        title=None,
        scale=alt.Scale(domain=[f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"]),
        axis=alt.Axis(
            format="%b %Y", grid=False, labelAngle=0, tickCount={"interval": "month", "step": step}
        ),
    )


def value_y(title: str, value_format: str) -> alt.Y:
    """The value axis every bar and line chart shares."""
    return alt.Y("value:Q", title=title, axis=alt.Axis(format=value_format))


def placeholder(*, title: str, source: str, subtitle: str = "") -> alt.VConcatChart:
    """What a chart shows when, as of the chosen date, none of its figures existed yet
    (the subtitle, which describes the figures, is left out)."""
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


def described(chart, kind: str, frame: pd.DataFrame, series: str | None = None, **text: str):
    """The chart styled with its title, subtitle and source, and described for screen
    readers as `kind` ('Bar chart') with every value it shows."""
    return charts.styled(
        chart, description=describe(f"{kind}: {text['title']}", frame, series), **text
    )


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
    lines = textwrap.wrap(text, max_chars, break_long_words=False, break_on_hyphens=False)
    title.text = lines if len(lines) > 1 else (lines[0] if lines else text)
    return chart
