"""The chart theme and the offline renderer."""

from __future__ import annotations

import html
import json
import os
import re
import struct
import subprocess
import sys

import altair as alt
import pandas as pd
import pytest
import vl_convert

from chinaev.report import charts

DESCRIPTION = "Bar chart: BYD (比亚迪) sold 4.3 million cars in 2024, Tesla 1.8 million."


def make_chart(sales=(4_272_000, 1_789_000), description=DESCRIPTION):
    data = pd.DataFrame({"maker": ["BYD (比亚迪)", "Tesla"], "sales": list(sales)})
    chart = alt.Chart(data).mark_bar().encode(y="maker:N", x="sales:Q", color="maker:N")
    return charts.styled(
        chart,
        title="BYD sells more than Tesla",
        subtitle="Vehicles sold in 2024",
        source="company reports via Reuters",
        description=description,
    )


@pytest.fixture(autouse=True)
def book_charts():
    charts.setup()


def bundle(chart) -> dict:
    result = chart._repr_mimebundle_()
    return result[0] if isinstance(result, tuple) else result


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_setup_enables_the_book_theme_and_renderer():
    assert alt.renderers.active == charts.RENDERER
    assert alt.theme.active == charts.THEME
    charts.setup()  # a second call changes nothing and does not fail
    assert alt.renderers.active == charts.RENDERER


def test_theme_applies_the_colour_blind_safe_palette():
    config = make_chart().to_dict()["config"]
    assert config["range"]["category"] == charts.PALETTE
    assert config["range"]["category"][:3] == ["#0072B2", "#D55E00", "#009E73"]  # Okabe–Ito
    assert "Noto Sans CJK SC" in config["font"]
    assert config["mark"]["tooltip"] is True


def test_styled_sets_title_subtitle_source_and_description():
    spec = make_chart().to_dict()
    assert spec["title"]["text"] == "BYD sells more than Tesla"
    assert spec["title"]["subtitle"] == "Vehicles sold in 2024"
    assert spec["description"] == DESCRIPTION
    source = spec["vconcat"][0]["title"]
    assert source["text"] == "Source: company reports via Reuters; chart: China EV Book"
    assert source["orient"] == "bottom"


def test_styled_refuses_a_chart_without_description():
    with pytest.raises(ValueError, match="description"):
        make_chart(description="  ")


def test_renderer_gives_html_spec_and_text():
    chart = make_chart()
    output = bundle(chart)
    assert set(output) == {"text/html", charts.CHART_MIME, "text/plain"}
    assert output[charts.CHART_MIME] == chart.to_dict()  # drawn as a PNG only by the build
    assert output["text/plain"] == DESCRIPTION
    assert "application/vnd.vegalite" not in json.dumps(output)


def test_print_png_is_drawn_once_per_spec(tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "PNG_CACHE", tmp_path / "charts")
    spec = make_chart().to_dict()
    drawn = []
    monkeypatch.setattr(
        charts, "to_png", lambda s: drawn.append(s) or b"\x89PNG-" + charts._canonical(s).encode()
    )
    first = charts.print_png(spec)
    assert charts.print_png(spec) == first and len(drawn) == 1
    other = make_chart(sales=(4_272_000, 1_800_000)).to_dict()
    assert charts.print_png(other) != first and len(drawn) == 2
    assert [p.name for p in (tmp_path / "charts").iterdir() if p.name.startswith(".")] == []


def test_html_is_deterministic_and_ids_follow_the_spec():
    first, again = bundle(make_chart())["text/html"], bundle(make_chart())["text/html"]
    other = bundle(make_chart(sales=(4_272_000, 1_800_000)))["text/html"]
    assert first == again
    ids = [
        re.search(r'id="(chinaev-chart-[0-9a-f]{12})"', text).group(1) for text in (first, other)
    ]
    assert ids[0] != ids[1]


def test_html_is_identical_in_a_fresh_interpreter():
    # nbval compares text/html across runs: no random ids, no hash-seed-dependent order.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import test_charts as t; from chinaev.report import charts; charts.setup();"
        "sys.stdout.write(t.bundle(t.make_chart())['text/html'])"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    here = os.path.dirname(__file__)
    fresh = subprocess.run(
        [sys.executable, "-c", code, here], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert fresh == bundle(make_chart())["text/html"]


def test_html_loads_nothing_from_the_network():
    text = bundle(make_chart())["text/html"]
    assert "http" not in text
    assert "//" not in text.replace("://", "")  # no protocol-relative addresses either
    assert "<script src" not in text
    assert '"actions":false' in text


def test_html_labels_the_chart_for_screen_readers():
    text = bundle(make_chart())["text/html"]
    label = html.escape(DESCRIPTION, quote=True)
    assert re.search(r'<div class="chinaev-chart" id="[^"]+" role="img" aria-label="[^"]+"', text)
    assert f'aria-label="{label}"' in text
    assert f'<p class="chinaev-chart-description">{html.escape(DESCRIPTION)}</p>' in text
    assert make_chart().to_dict()["description"] == DESCRIPTION  # vega labels its SVG with it


def test_html_waits_for_the_bundle():
    text = bundle(make_chart())["text/html"]
    assert "DOMContentLoaded" in text
    assert "typeof window.vegaEmbed" in text


def test_hostile_text_cannot_end_the_script_early():
    text = bundle(make_chart(description='Ends </script><script>alert("x")</script> "here"'))[
        "text/html"
    ]
    assert text.count("<script>") == 1 and text.count("</script>") == 1


def test_png_is_drawn_at_twice_the_chart_size():
    chart = make_chart()
    width, height = png_size(charts.to_png(chart.to_dict()))
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    svg_width = float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))
    assert width >= 2 * svg_width - 2
    assert width >= 2 * charts.WIDTH and height > 0


def test_javascript_bundle_is_wrapped_and_sets_vega_embed():
    script = charts.javascript_bundle()
    assert script.startswith("(function(){\n") and script.endswith("\n})();\n")
    assert "window.vegaEmbed=" in script


def test_line_end_labels_name_their_lines_when_asked():
    from chinaev.report import exhibits

    frame = pd.DataFrame(
        {
            "category": ["2022", "2023", "2022", "2023"],
            "value": [29.0, 38.0, 14.0, 18.0],
            "series": ["Electric share in China"] * 2 + ["Electric share worldwide"] * 2,
            "basis": ["reported"] * 4,
            "label": ["29%", "38%", "14%", "18%"],
        }
    )
    order = ["Electric share in China", "Electric share worldwide"]
    common = dict(
        series="series", series_order=order, title="t", subtitle="st", source="s", y_title="%"
    )

    def end_labels(chart) -> list[str]:
        spec = chart.to_dict()
        texts = []
        for node in json.loads(json.dumps(spec["datasets"])).values():
            texts += [row["end_label"] for row in node if row.get("category") == "2023"]
        return sorted(set(texts))

    named = exhibits.lines(frame, end_names={order[0]: "China", order[1]: "World"}, **common)
    assert end_labels(named) == ["China: 38%", "World: 18%"]
    assert end_labels(exhibits.lines(frame, **common)) == ["18%", "38%"]


def _bar_layer(chart) -> dict:
    spec = chart.to_dict()
    layers = [node for node in _walk(spec) if "mark" in node]
    return next(layer for layer in layers if _mark(layer) == "bar")


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _mark(layer) -> str:
    mark = layer.get("mark")
    return mark.get("type") if isinstance(mark, dict) else mark


def test_bars_list_only_the_kinds_shown_and_draw_an_upper_bound_apart():
    from chinaev.report import exhibits

    frame = pd.DataFrame(
        {
            "category": ["2019", "2023"],
            "value": [1.0, 8.0],
            "label": ["less than 1%", "8%"],
            "basis": ["reported", "reported"],
            "bound": ["upper", ""],
        }
    )
    chart = exhibits.bars(frame, title="t", subtitle="st", source="s", y_title="%")
    bar = _bar_layer(chart)
    assert bar["encoding"]["color"]["scale"]["domain"] == ["reported by the source"]
    assert bar["encoding"]["color"]["scale"]["range"] == [charts.PALETTE[0]]
    assert bar["encoding"]["fillOpacity"]["condition"]["test"] == "datum.bound == 'upper'"
    assert (
        bar["encoding"]["fillOpacity"]["condition"]["value"]
        < bar["encoding"]["fillOpacity"]["value"]
    )
    # A derived value keeps its own colour even when it is the only kind shown.
    derived = frame.assign(basis="derived", bound="")
    scale = _bar_layer(exhibits.bars(derived, title="t", subtitle="st", source="s", y_title="%"))[
        "encoding"
    ]["color"]["scale"]
    assert scale == {"domain": ["derived by the book"], "range": [charts.PALETTE[1]]}
