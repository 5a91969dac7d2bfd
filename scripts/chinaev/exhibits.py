"""Chart builders shared by the chapters, on top of the theme in charts.py.

Each takes a frame from `Chapter.frame()` (columns category, value, label, basis)
and writes its own screen-reader description from the data, so the description
can never disagree with what the chart shows.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev import charts

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
                f"(datum['{series}'] == '{name}') * {i}" for i, name in enumerate(series_order)
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
) -> alt.VConcatChart:
    """News claims against the IEA on one scale: each value as a multiple of the claim.

    `frame` has one row per claim: category (the claim's name), verdict, claim_lo and
    claim_hi (the claim's range as multiples of its value; infinite when unbounded),
    iea (the IEA value as a multiple, NaN if none), iea_kind (what that point is),
    defined_lo and defined_hi (the IEA range on the claim's definition, as multiples)
    and label (the values in words for the tooltip and the description).
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
    colour = alt.Color(
        "verdict:N",
        title=None,
        scale=alt.Scale(domain=verdicts, range=[VERDICT_COLOURS[v] for v in verdicts]),
    )
    x_scale = alt.Scale(type="log", domain=list(domain), clamp=True)
    y = alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=330))
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
            title="IEA value as a multiple of the news value (log scale)",
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
        .encode(y=y, x=alt.X("defined_lo:Q", scale=x_scale), x2="defined_hi:Q", color=colour)
    )
    kinds = list(dict.fromkeys(frame["iea_kind"].dropna()))
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
        .properties(height=alt.Step(30), width=420)
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
) -> alt.VConcatChart:
    """One line per series over ordered categories (years), the last value of each
    series labelled at its end, so the reader sees where each line stands now."""
    if frame.empty:
        return placeholder(title=title, source=source)
    order = list(dict.fromkeys(frame["category"]))
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
            text="label:N",
            color=alt.Color(
                f"{series}:N", sort=series_order, scale=alt.Scale(domain=series_order), legend=None
            ),
        )
    )
    return charts.styled(
        drawn + ends,
        title=title,
        subtitle=subtitle,
        source=source,
        description=describe(f"Line chart: {title}", frame, series),
    )
