"""World maps that work offline: country geometry shipped with the package, embedded
in each chart's spec, ISO 3166 codes matched through pycountry.

The geometry is world-atlas 2.0.2 (Natural Earth 4.1.0, 1:110m) in `data/`; see the
README there for its source and licence. Its features carry ISO 3166-1 numeric ids
("076"); the data package uses alpha-3 codes ("BRA"). `numeric_id()` converts with
pycountry's table, so nobody types a code list by hand.

A country too small for the 1:110m geometry (Singapore, Malta, Bahrain...) has no
shape to colour: `undrawable()` names such codes so that a chapter can list them
beside the map instead of dropping them silently.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd
import pycountry

from chinaev.report import charts

GEOMETRY = Path(__file__).with_name("geodata") / "countries-110m.json"
OBJECT = "countries"
ANTARCTICA = "010"  # left out: it takes a fifth of the map and nobody builds cars there

LAND_COLOUR = "#e6e6e6"
BORDER_COLOUR = "#ffffff"
SYMBOL_COLOUR = "#D55E00"  # Okabe–Ito vermillion: stands out on every fill below
SHAPES = ["square", "triangle-up", "diamond", "circle", "cross", "triangle-down", "wedge"]
MAP_HEIGHT = 282


@cache
def topology() -> dict:
    """The world-atlas TopoJSON, without Antarctica."""
    topo = json.loads(GEOMETRY.read_text(encoding="utf-8"))
    countries = topo["objects"][OBJECT]
    countries["geometries"] = [g for g in countries["geometries"] if g.get("id") != ANTARCTICA]
    return topo


@cache
def _drawn_ids() -> frozenset[str]:
    return frozenset(g["id"] for g in topology()["objects"][OBJECT]["geometries"] if g.get("id"))


def numeric_id(alpha3: str) -> str | None:
    """ISO 3166-1 numeric code ('076') for an alpha-3 code ('BRA'), or None if unknown."""
    country = pycountry.countries.get(alpha_3=alpha3)
    return country.numeric if country else None


def country_name(alpha3: str) -> str:
    """A short English name from pycountry ('Egypt'); the code itself if pycountry lacks it."""
    country = pycountry.countries.get(alpha_3=alpha3)
    if country is None:
        return alpha3
    return getattr(country, "common_name", None) or country.name


def undrawable(codes) -> list[str]:
    """Alpha-3 codes that have no shape in the map's geometry (unknown or too small)."""
    return sorted({c for c in codes if numeric_id(c) not in _drawn_ids()})


def _geometry_data() -> alt.InlineData:
    # The TopoJSON as one JSON string, which Vega parses by the format's type: as
    # nested values Altair walks and copies every coordinate each time charts are
    # combined (seconds per map), and the notebook would hold it as 40,000 lines.
    text = json.dumps(topology(), separators=(",", ":"), ensure_ascii=False)
    return alt.InlineData(values=text, format=alt.DataFormat(type="topojson", feature=OBJECT))


def _box(west: float, south: float, east: float, north: float) -> dict:
    """A GeoJSON rectangle for a projection to fit (edges densified so they stay straight)."""
    steps = 12
    top = [[west + (east - west) * i / steps, north] for i in range(steps + 1)]
    bottom = [[east - (east - west) * i / steps, south] for i in range(steps + 1)]
    ring = top + bottom + [top[0]]
    # GeoJSON winding for d3: clockwise exterior ring = the small area inside the box.
    return {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def footprint_map(
    rows: pd.DataFrame,
    *,
    status_order: list[str],
    status_colours: list[str],
    kind_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    home: str | None = None,
    home_label: str = "home country",
    home_colour: str = "#9e9e9e",
    symbol_kinds: set[str] | None = None,
    inset: tuple[str, tuple[float, float, float, float]] | None = None,
    aside_title: str = "",
    aside: list[tuple[str, str]] | None = None,
    description_lead: str = "World map",
) -> alt.VConcatChart:
    """A world map of operations by country (Equal Earth projection).

    `rows` has one row per operation: `country` (alpha-3), `status` (a label from
    `status_order`), `kind` (a label from `kind_order`) and `text` (what the tooltip and
    the screen-reader description say about it, e.g. 'BYD: plant, operating').
    A country's fill is the first of its statuses in `status_order`; each kind in
    `symbol_kinds` (default: all) also gets a symbol at the country's centroid, one
    per kind, side by side. `home` is drawn in its own colour with `home_label`.

    `inset` = (name, (west, south, east, north)) adds a zoomed panel of that box under
    the world map; `aside` lists (heading, detail) entries beside it, for rows that
    name a region rather than a country. Countries that cannot be drawn are left to
    the caller (see `undrawable()`).
    """
    symbol_kinds = set(kind_order) if symbol_kinds is None else symbol_kinds
    rows = rows[rows["country"].map(numeric_id).isin(_drawn_ids())].copy()
    rows["id"] = rows["country"].map(numeric_id)
    rows["name"] = rows["country"].map(country_name)
    rank = {label: i for i, label in enumerate(status_order)}

    places = []
    for (code, name), group in rows.groupby(["id", "name"], sort=True):
        fill = min(group["status"], key=rank.__getitem__)
        kinds = [k for k in kind_order if k in set(group["kind"]) & symbol_kinds]
        places.append(
            {
                "id": code,
                "name": name,
                "fill": fill,
                "detail": "; ".join(group["text"]),
                "kinds": kinds,
            }
        )
    fills, colours = list(status_order), list(status_colours)
    if home and numeric_id(home) in _drawn_ids():
        home_id = numeric_id(home)
        places = [p for p in places if p["id"] != home_id]
        places.append(
            {
                "id": home_id,
                "name": country_name(home),
                "fill": home_label,
                "detail": home_label,
                "kinds": [],
            }
        )
        fills.append(home_label)
        colours.append(home_colour)
    used = {p["fill"] for p in places}
    colour_scale = alt.Scale(
        domain=[f for f in fills if f in used],
        range=[c for f, c in zip(fills, colours, strict=True) if f in used],
    )
    shown_kinds = [k for k in kind_order if any(k in p["kinds"] for p in places)]
    # A kind keeps its shape whatever else is shown (its place in kind_order).
    shape_scale = alt.Scale(
        domain=shown_kinds, range=[SHAPES[kind_order.index(k) % len(SHAPES)] for k in shown_kinds]
    )

    world = _panel(
        places,
        colour_scale,
        shape_scale,
        width=charts.WIDTH,
        height=MAP_HEIGHT,
        projection=alt.Projection(type="equalEarth", rotate=[-11, 0, 0]),
        spread=6,
        size=60,
    )
    panels = [world]
    below = []
    if inset:
        name, box = inset
        zoom = _panel(
            places,
            colour_scale,
            shape_scale,
            width=INSET_WIDTH,
            height=INSET_HEIGHT,
            projection=alt.Projection(type="equalEarth", fit=_box(*box)),
            spread=1.6,
            size=110,
            clip=True,
            legends=False,
        )
        below.append(
            zoom.properties(
                title=alt.TitleParams(name, fontSize=13, fontWeight="bold", anchor="start")
            )
        )
    if aside is not None:
        below.append(_aside(aside_title, aside))
    if below:
        panels.append(alt.hconcat(*below, spacing=24))
    chart = alt.vconcat(*panels, spacing=12).resolve_legend(color="shared", shape="shared")
    described = "; ".join(f"{p['name']}: {p['detail']}" for p in places) or "no country to show"
    listed = "; ".join(f"{head}: {detail}" for head, detail in (aside or []))
    return charts.styled(
        chart,
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"{description_lead} (Equal Earth projection). {described}."
        + (f" {aside_title}: {listed}." if listed else ""),
    )


INSET_WIDTH = 250
INSET_HEIGHT = 220
ASIDE_WIDTH = 270


def _panel(
    places,
    colour_scale,
    shape_scale,
    *,
    width,
    height,
    projection,
    spread,
    size,
    clip=False,
    legends=True,
) -> alt.LayerChart:
    """One map: grey land, countries filled by status, a symbol per kind of operation."""
    lookup = alt.LookupData(
        data=alt.InlineData(values=places), key="id", fields=["name", "fill", "detail", "kinds"]
    )
    legend = (
        (lambda **kw: alt.Legend(**{"orient": "top", "direction": "horizontal", **kw}))
        if legends
        else (lambda **kw: None)
    )
    base = alt.Chart().mark_geoshape(
        fill=LAND_COLOUR, stroke=BORDER_COLOUR, strokeWidth=0.5, clip=clip
    )
    coloured = (
        alt.Chart()
        .transform_lookup(lookup="id", from_=lookup)
        .transform_filter("isValid(datum.fill)")
        .mark_geoshape(stroke=BORDER_COLOUR, strokeWidth=0.5, clip=clip)
        .encode(
            color=alt.Color(
                "fill:N",
                title=None,
                scale=colour_scale,
                legend=legend(columns=2, symbolType="square"),
            ),
            tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("detail:N", title="What")],
        )
    )
    layers = [base, coloured]
    if shape_scale.domain:
        symbols = (
            alt.Chart()
            .transform_lookup(lookup="id", from_=lookup)
            .transform_filter("isValid(datum.kinds) && length(datum.kinds) > 0")
            .transform_flatten(["kinds"], as_=["kind"])
            .transform_window(slot="row_number()", count="count()", groupby=["id"])
            .transform_calculate(centre="geoCentroid(null, datum)")
            .transform_calculate(
                lon=f"datum.centre[0] + (datum.slot - 1 - (datum.count - 1) / 2) * {spread}",
                lat="datum.centre[1]",
            )
            .mark_point(
                filled=True,
                size=size,
                color=SYMBOL_COLOUR,
                stroke="white",
                strokeWidth=1,
                opacity=1,
                clip=clip,
            )
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                shape=alt.Shape(
                    "kind:N",
                    title=None,
                    scale=shape_scale,
                    # Inside the world panel, over the empty South Pacific, so the legends
                    # never make the chart wider than the map.
                    legend=legend(
                        symbolFillColor=SYMBOL_COLOUR,
                        symbolStrokeColor=SYMBOL_COLOUR,
                        orient="none",
                        direction="vertical",
                        legendX=0,
                        legendY=height - 62,
                    ),
                ),
                tooltip=[
                    alt.Tooltip("name:N", title="Country"),
                    alt.Tooltip("kind:N", title="Kind"),
                    alt.Tooltip("detail:N", title="What"),
                ],
            )
        )
        layers.append(symbols)
    return (
        alt.layer(*layers, data=_geometry_data())
        .project(**projection.to_dict())
        .properties(width=width, height=height)
    )


def _aside(title: str, entries: list[tuple[str, str]]) -> alt.Chart:
    """A column of text entries (heading in bold, detail under it) to sit beside a map."""
    lines = []
    for head, detail in entries or [("None", "")]:
        lines.extend({"text": part, "weight": "bold"} for part in _wrap(head, 40))
        lines.extend({"text": part, "weight": "normal"} for part in _wrap(detail, 44))
        lines.append({"text": "", "weight": "normal"})
    for i, line in enumerate(lines):
        line["row"] = i
    base = alt.Chart(alt.InlineData(values=lines)).encode(
        x=alt.value(0), y=alt.Y("row:O", axis=None), text="text:N"
    )
    bold = base.transform_filter("datum.weight == 'bold'").mark_text(
        align="left", baseline="top", fontSize=12, fontWeight="bold"
    )
    plain = base.transform_filter("datum.weight != 'bold'").mark_text(
        align="left", baseline="top", fontSize=12
    )
    return alt.layer(bold, plain).properties(
        width=ASIDE_WIDTH,
        height=alt.Step(16),
        title=alt.TitleParams(title, fontSize=13, fontWeight="bold", anchor="start"),
    )


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def footprint_bars(
    frame: pd.DataFrame,
    *,
    status_order: list[str],
    status_colours: list[str],
    company_order: list[str],
    title: str,
    subtitle: str,
    source: str,
    x_title: str,
    placeholder_text: str = "Nothing to show.",
) -> alt.VConcatChart:
    """Horizontal bars, one per company, split by status, in the map's colours.

    `frame` has one row per (company, status) with `count` and `places` (the names
    behind the count, for the tooltip and the screen-reader description).
    """
    if frame.empty:
        note = (
            alt.Chart(alt.InlineData(values=[{"message": placeholder_text}]))
            .mark_text(size=14, color="#555555")
            .encode(text="message:N")
            .properties(width=charts.WIDTH, height=80)
        )
        return charts.styled(
            note,
            title=title,
            source=source,
            subtitle=subtitle,
            description=f"{title}: {placeholder_text}",
        )
    order = {label: i for i, label in enumerate(status_order)}
    frame = frame.assign(stack=frame["status"].map(order))
    used = [s for s in status_order if s in set(frame["status"])]
    scale = alt.Scale(
        domain=used,
        range=[c for s, c in zip(status_order, status_colours, strict=True) if s in used],
    )
    companies = [c for c in company_order if c in set(frame["company"])]
    base = alt.Chart(alt.InlineData(values=frame.to_dict(orient="records"))).encode(
        y=alt.Y("company:N", sort=companies, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("count:Q", title=x_title, stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        order=alt.Order("stack:Q"),
    )
    bars = base.mark_bar(size=30, stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "status:N",
            title=None,
            scale=scale,
            sort=used,
            legend=alt.Legend(orient="top", direction="horizontal", columns=2),
        ),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("status:N", title="Status"),
            alt.Tooltip("count:Q", title="Entries"),
            alt.Tooltip("places:N", title="Where"),
        ],
    )
    labels = (
        base.mark_text(color=charts.TEXT_COLOUR, fontWeight="bold")
        .encode(x=alt.X("middle:Q"), text="count:Q")
        .transform_window(
            end="sum(count)",
            sort=[alt.SortField("stack")],
            groupby=["company"],
            frame=[None, 0],
        )
        .transform_calculate(middle="datum.end - datum.count / 2")
    )
    described = "; ".join(
        f"{c}: "
        + ", ".join(
            f"{r['count']} {r['status']} ({r['places']})"
            for _, r in frame[frame["company"] == c].sort_values("stack").iterrows()
        )
        for c in companies
    )
    return charts.styled(
        (bars + labels).properties(width=charts.WIDTH - 260, height=alt.Step(48)),
        title=title,
        subtitle=subtitle,
        source=source,
        description=f"Horizontal stacked bar chart: {title}. {described}.",
    )
