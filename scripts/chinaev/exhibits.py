"""Chart builders shared by the chapters, on top of the theme in charts.py.

Each takes a frame from `Chapter.frame()` (columns category, value, label, basis)
and writes its own screen-reader description from the data, so the description
can never disagree with what the chart shows.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev import charts
from chinaev.text import vega_string

BASIS_ORDER = ["reported", "derived"]
BASIS_NAMES = {"reported": "reported by the source", "derived": "derived by the book"}


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
    """Vertical bars, one per category, coloured by whether the value is reported or derived."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
    frame = frame.assign(basis_name=frame["basis"].map(BASIS_NAMES))
    chart = (
        alt.Chart(frame)
        .mark_bar(size=48)
        .encode(
            x=alt.X("category:N", sort=order, title=None),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=value_format)),
            color=alt.Color(
                "basis_name:N",
                title=None,
                scale=alt.Scale(domain=[BASIS_NAMES[b] for b in BASIS_ORDER]),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Period"),
                alt.Tooltip("label:N", title="Value"),
                alt.Tooltip("basis_name:N", title="Basis"),
            ],
        )
    )
    labels = chart.mark_text(dy=-8, baseline="bottom").encode(
        text="label:N", color=alt.value("#222222")
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
