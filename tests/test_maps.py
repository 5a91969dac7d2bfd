"""The offline world map: shipped geometry, ISO code matching, nothing fetched."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from chinaev.data.package import load
from chinaev.data.paths import ROOT
from chinaev.report import charts, maps

STATUS = ["operating", "planned or announced", "named in a speech only"]
COLOURS = ["#0072B2", "#56B4E9", "#E3D39A"]


@pytest.fixture(autouse=True)
def book_charts():
    charts.setup()


def rows(*entries):
    return pd.DataFrame(entries, columns=["country", "status", "kind", "text"])


def test_alpha3_codes_map_to_the_geometry_numeric_ids():
    assert maps.numeric_id("BRA") == "076"
    assert maps.numeric_id("HUN") == "348"
    assert maps.numeric_id("XXX") is None
    assert maps.country_name("EGY") == "Egypt"


def test_undrawable_names_countries_too_small_or_unknown():
    # Singapore has no shape at 1:110m; an unknown code has no shape at all.
    assert maps.undrawable(["BRA", "SGP", "XXX"]) == ["SGP", "XXX"]


def test_every_country_in_the_footprint_can_be_drawn():
    footprint = load(ROOT / "datapackage").footprint
    codes = set(footprint["country"]) - {""}
    assert codes, "the footprint names no country"
    assert maps.undrawable(codes) == []


def test_map_embeds_its_geometry_and_fetches_nothing():
    chart = maps.footprint_map(
        rows(
            ("THA", "operating", "own plant", "BYD: own plant, operating"),
            ("EGY", "named in a speech only", "target market", "SAIC: named"),
        ),
        status_order=STATUS,
        status_colours=COLOURS,
        kind_order=["own plant"],
        home="CHN",
        home_label="China",
        inset=("Europe", (-11, 35, 42, 61)),
        aside_title="Regions",
        aside=[("Europe: Leapmotor", "sales network, operating")],
        title="Map",
        subtitle="sub",
        source="test",
    )
    spec = chart.to_dict()
    text = json.dumps(spec)
    # The geometry is inline, in the spec: one dataset is the TopoJSON, as a JSON string.
    assert '"type": "topojson"' in text
    inline = [v for v in spec["datasets"].values() if isinstance(v, str)]
    assert [json.loads(v)["type"] for v in inline] == ["Topology"]
    assert json.loads(inline[0])["arcs"]
    assert '"url"' not in text and "http" not in text.replace(spec.get("$schema", ""), "")
    # The description names every country and the region listed beside the map.
    assert "Thailand" in spec["description"] and "Egypt" in spec["description"]
    assert "Europe: Leapmotor" in spec["description"]
    png = charts.to_png(spec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_a_country_keeps_its_most_advanced_status():
    chart = maps.footprint_map(
        rows(
            ("HUN", "planned or announced", "own plant", "plant planned"),
            ("HUN", "operating", "headquarters", "HQ operating"),
        ),
        status_order=STATUS,
        status_colours=COLOURS,
        kind_order=["own plant", "headquarters"],
        title="Map",
        subtitle="",
        source="test",
    )
    datasets = chart.to_dict()["datasets"].values()
    places = [
        p for d in datasets if isinstance(d, list) for p in d if isinstance(p, dict) and "fill" in p
    ]
    assert [(p["name"], p["fill"], p["kinds"]) for p in places] == [
        ("Hungary", "operating", ["own plant", "headquarters"])
    ]


def test_an_empty_footprint_still_draws_a_map():
    chart = maps.footprint_map(
        rows(),
        status_order=STATUS,
        status_colours=COLOURS,
        kind_order=["own plant"],
        home="CHN",
        home_label="China",
        aside_title="Regions",
        aside=[],
        title="Map",
        subtitle="",
        source="none",
    )
    assert charts.to_png(chart.to_dict())[:8] == b"\x89PNG\r\n\x1a\n"
