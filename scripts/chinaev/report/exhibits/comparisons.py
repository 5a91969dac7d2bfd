"""Comparisons on one scale: before and after as joined dots, and news claims
against the IEA as multiples of the claim."""

from __future__ import annotations

import altair as alt
import pandas as pd

from chinaev.report import charts
from chinaev.report.exhibits.common import described, placeholder, series_colour, tips


def dot_comparison(
    frame: pd.DataFrame,
    *,
    series: str,
    series_order: list[str],
    x_title: str,
    value_format: str = ".0f",
    **text: str,
) -> alt.VConcatChart:
    """Dots joined by a line per category: before and after on one horizontal scale."""
    if frame.empty:
        return placeholder(**text)
    order = list(dict.fromkeys(frame["category"]))
    base = alt.Chart(frame).encode(
        y=alt.Y("category:N", sort=order, title=None),
        x=alt.X(
            "value:Q", title=x_title, axis=alt.Axis(format=value_format), scale=alt.Scale(zero=True)
        ),
    )
    rule = base.mark_line(color="#999999", strokeWidth=2, point=False).encode(detail="category:N")
    dots = base.mark_point(size=140, filled=True, opacity=1).encode(
        color=series_colour(series, series_order),
        tooltip=tips(
            ("category:N", "Measure"),
            (f"{series}:N", "Period"),
            ("label:N", "Value"),
            ("basis:N", "Basis"),
        ),
    )
    return described(
        (rule + dots).properties(height=alt.Step(56)), "Dot chart", frame, series, **text
    )


VERDICT_COLOURS = {
    "consistent": "#009E73",
    "consistent once defined": "#0072B2",
    "stale": "#E69F00",
    "inconsistent": "#D55E00",
    "not checkable": "#999999",
}


def claim_checks(
    frame: pd.DataFrame,
    *,
    domain: tuple[float, float] = (0.25, 4.0),
    kind_order: list[str] | None = None,
    **text: str,
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
        return placeholder(**text)
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
    about = f"Range chart: {text['title']}. " + "; ".join(parts) + "."
    return charts.styled(chart, description=about, **text)
