"""What every exhibit shares: the colours of reported and derived values, the
placeholder for a chart with no figures yet, the screen-reader description, and
the width and source-line adjustments chapters apply to a styled chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts

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
