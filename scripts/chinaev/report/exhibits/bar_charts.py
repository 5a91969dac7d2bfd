"""Bar charts: vertical bars per category, stacked parts, single months on a
time axis, and horizontal stacked bars."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.escape import vega as vega_string
from chinaev.report.exhibits.common import (
    BASIS_COLOURS,
    BASIS_NAMES,
    BASIS_ORDER,
    described,
    mid_month,
    month_axis,
    placeholder,
    series_colour,
    tips,
    value_y,
)


def bars(
    frame: pd.DataFrame,
    *,
    y_title: str,
    value_format: str = "~s",
    **text: str,
) -> alt.VConcatChart:
    """Vertical bars, one per category, coloured by whether the value is reported or derived.

    The legend lists only the kinds of value the chart shows. A value the source gives only
    as an upper bound ("less than 1 percent") is drawn as a pale, dashed bar up to that
    bound, so it does not read as a measurement of the bound itself."""
    if frame.empty:
        return placeholder(**text)
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
            y=value_y(y_title, value_format),
            color=alt.Color("basis_name:N", title=None, scale=basis_scale),
            stroke=alt.Color("basis_name:N", title=None, scale=basis_scale),
            fillOpacity=alt.condition(upper, alt.value(0.2), alt.value(1.0)),
            strokeDash=alt.condition(upper, alt.value([4, 3]), alt.value([])),
            tooltip=tips(("category:N", "Period"), ("label:N", "Value"), ("basis_name:N", "Basis")),
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
    return described(chart + labels, "Bar chart", frame, **text)


def part_fields(series: str) -> tuple[str, ...]:
    """The fields a stacked bar's hover text shows: the bar, the part, its value, its basis."""
    return ("category:N", f"{series}:N", "label:N", "basis:N")


def stacked_bars(
    frame: pd.DataFrame,
    *,
    y_title: str,
    series: str,
    series_order: list[str],
    **text: str,
) -> alt.VConcatChart:
    """Bars split into parts (e.g. NEV and other exports) per category."""
    if frame.empty:
        return placeholder(**text)
    order = list(dict.fromkeys(frame["category"]))
    chart = (
        alt.Chart(frame)
        .mark_bar(size=56)
        .encode(
            x=alt.X("category:N", sort=order, title=None),
            y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format="~s"), stack="zero"),
            color=series_colour(series, series_order),
            order=alt.Order("stack_order:Q"),
            tooltip=tips(
                *zip(part_fields(series), ("Period", "Part", "Value", "Basis"), strict=True)
            ),
        )
        .transform_calculate(
            stack_order=" + ".join(
                f"(datum[{vega_string(series)}] == {vega_string(name)}) * {i}"
                for i, name in enumerate(series_order)
            )
        )
    )
    return described(chart, "Stacked bar chart", frame, series, **text)


def month_bars(
    frame: pd.DataFrame,
    *,
    y_title: str,
    value_format: str = "~s",
    **text: str,
) -> alt.VConcatChart:
    """Bars for single months on a true time axis: months a year apart stand a year
    apart, so a year-on-year and a month-on-month comparison are not drawn as if evenly
    spaced. Colours tell reported from derived values, as in `bars`."""
    if frame.empty:
        return placeholder(**text)
    frame = frame.assign(
        basis_name=frame["basis"].map(BASIS_NAMES),
        month=mid_month(frame),
    )
    # Regular quarterly ticks keep the axis honest; each bar names its own month inside.
    x = month_axis(frame["month"], step=3)
    chart = (
        alt.Chart(frame)
        .mark_bar(size=30)
        .encode(
            x=x,
            y=value_y(y_title, value_format),
            color=alt.Color(
                "basis_name:N",
                title=None,
                scale=alt.Scale(domain=[BASIS_NAMES[b] for b in BASIS_ORDER]),
            ),
            tooltip=tips(("category:N", "Month"), ("label:N", "Value"), ("basis_name:N", "Basis")),
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
    return described(chart + labels, "Bar chart on a time axis", frame, **text)


def stacked_hbars(
    frame: pd.DataFrame,
    *,
    colours: list[str] | None = None,
    x_title: str,
    series: str,
    series_order: list[str],
    value_format: str = ".0f",
    **text: str,
) -> alt.VConcatChart:
    """Horizontal bars split into parts (e.g. a standard duty and an extra duty), one bar
    per category; each bar is labelled at its end with its parts ("10% + 35.3%"), so the
    chart shows only numbers that are in the data, never a computed total."""
    if frame.empty:
        return placeholder(**text)
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
            # Two columns: four kinds of duty in one row would run past the chart's edge.
            color=alt.Color(
                f"{series}:N",
                title=None,
                sort=series_order,
                scale=scale,
                legend=alt.Legend(columns=2),
            ),
            order=alt.Order("stack_order:Q"),
            tooltip=tips(*zip(part_fields(series), ("Case", "Part", "Rate", "From"), strict=True)),
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
    chart = (bars_ + labels).properties(width=charts.WIDTH - 160, height=alt.Step(56))
    about = f"Horizontal stacked bar chart: {text['title']}. " + "; ".join(parts) + "."
    return charts.styled(chart, description=about, **text)
