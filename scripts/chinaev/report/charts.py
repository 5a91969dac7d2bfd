"""One look for every chart, and a renderer that works offline in HTML and PDF.

Chapters call `setup()` once, build a chart with Altair, pass it through
`styled(...)` and glue it. The renderer gives each chart three forms in one
notebook output: interactive HTML for the web book (drawn by the vega bundle
that the build copies into `_static/`), the Vega-Lite spec itself (CHART_MIME),
which the book's build draws as a PNG for the PDF (`sphinx_ext.ChartImage`), and
plain text (the description) for screen readers and text-only tools. Sphinx picks
one per builder (see `nb_mime_priority_overrides` in `_config.yml`).

Drawing the PNG at build time, not in the chapter, keeps rasterising out of every
chapter run (it took about half of a chapter's own run time), keeps images out of
the committed notebooks, and draws each chart once: `print_png` keeps the PNG of
each spec in `.chinaev-cache/charts/`.

Nothing here touches the network, and the output is a pure function of the
chart spec so that nbval can compare it byte for byte.

In a chapter:

    charts.setup()
    chart = alt.Chart(frame).mark_line().encode(x="year:O", y="sales:Q", color="maker:N")
    glue("fig_sales", charts.styled(chart, title="...", subtitle="...",
                                    source="CAAM via Reuters", description="Line chart: ..."),
         display=False)

and in a markdown cell, a numbered figure in HTML and PDF:

    ```{glue:figure} fig_sales
    :name: fig-sales

    Caption sentence.
    ```
"""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
from importlib import metadata

import altair as alt
import vl_convert

from chinaev.data import paths
from chinaev.report import escape

THEME = "chinaev"
RENDERER = "chinaev"

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
# The first five keep at least 3:1 contrast with the white background (WCAG 1.4.11,
# non-text contrast), so charts of up to five series need no other cue; orange, sky
# blue and yellow fall below it and come last (yellow is faint on white).
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
]

# Fonts that exist on the build machine and on most readers' machines; the
# CJK entries keep Chinese labels from turning into boxes in the PNG.
FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "Liberation Sans", Arial, sans-serif'
TEXT_COLOUR = "#222222"
MUTED_COLOUR = "#555555"
WIDTH = 560
HEIGHT = 300

# The static image is drawn at twice the CSS size so it stays sharp in print.
PNG_SCALE = 2
# The spec in a notebook output, under a type that no notebook front end or myst-nb
# draws by itself (a Vega-Lite type would be drawn by a front end's own, older Vega).
CHART_MIME = "application/vnd.chinaev.chart+json"
PNG_CACHE = paths.ROOT / ".chinaev-cache" / "charts"


def theme_config() -> dict:
    """The shared Altair theme as a plain Vega-Lite config."""
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 8,
            # A fixed width for discrete x axes too, so a chart of four years is
            # as wide as a chart of forty; bar charts keep their step height.
            "view": {
                "continuousWidth": WIDTH,
                "continuousHeight": HEIGHT,
                "discreteWidth": WIDTH,
                "stroke": None,
            },
            "range": {"category": PALETTE},
            "title": {
                "anchor": "start",
                "fontSize": 18,
                "fontWeight": "bold",
                "color": TEXT_COLOUR,
                "subtitleFontSize": 14,
                "subtitleColor": MUTED_COLOUR,
                "subtitlePadding": 4,
                "offset": 12,
            },
            "axis": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelColor": TEXT_COLOUR,
                "titleColor": TEXT_COLOUR,
                "gridColor": "#e4e4e4",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            # Horizontal labels on a discrete x axis (years, short names); long
            # category names belong on the y axis of a horizontal bar chart.
            "axisXDiscrete": {"labelAngle": 0},
            "legend": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelColor": TEXT_COLOUR,
                "titleColor": TEXT_COLOUR,
                "orient": "top",
                "labelLimit": 260,
            },
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "mark": {"tooltip": True},
            "line": {"strokeWidth": 2.5, "point": True, "tooltip": True},
            "bar": {"tooltip": True},
            "point": {"size": 60, "filled": True, "tooltip": True},
            "text": {"fontSize": 13, "color": TEXT_COLOUR},
        }
    }


SUBTITLE_CHARS = 80


def styled(
    chart: alt.TopLevelMixin,
    *,
    title: str,
    source: str,
    description: str,
    subtitle: str | None = None,
) -> alt.VConcatChart:
    """Give `chart` the book's title block, source line and screen-reader description.

    `source` is the provenance, e.g. "CAAM via Reuters, 12 June 2025"; the
    line under the chart reads "Source: <source>; chart: China EV Book".
    Do not call `.configure_*()` on the chart: the theme owns the config.
    """
    if not description.strip():
        raise ValueError("a chart needs a description for screen readers")
    # The source line is the inner chart's own title, set at the bottom; the
    # outer wrapper carries the real title. Vega-Lite allows one title per view,
    # and this keeps both in the PNG as well as in the browser.
    source_line = alt.TitleParams(
        f"Source: {source}; chart: China EV Book",
        orient="bottom",
        anchor="start",
        fontSize=12,
        fontWeight="normal",
        color=MUTED_COLOUR,
        offset=10,
    )
    # A long subtitle is set on several lines: on one it would run past the plot's width
    # and be cut off at the chart's edge (about 80 characters fit at the theme's 14 px).
    lines = textwrap.wrap(subtitle or "", SUBTITLE_CHARS, break_on_hyphens=False)
    shown = lines if len(lines) > 1 else (subtitle or alt.Undefined)
    heading = alt.TitleParams(title, subtitle=shown)
    return alt.vconcat(chart.properties(title=source_line), title=heading).properties(
        description=description
    )


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes, if vl-convert knows it."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vl_convert.get_vegalite_versions() else None


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chart_id(spec: dict) -> str:
    """A stable element id: the same spec always gets the same id."""
    return "chinaev-chart-" + hashlib.sha256(_canonical(spec).encode()).hexdigest()[:12]


def _script_json(value) -> str:
    # "</" would end the inline <script> early; "<!--" would switch the parser
    # into a comment state. Escaping "<" everywhere is valid JSON and JS.
    return _canonical(value).replace("<", "\\u003c")


def to_html(spec: dict) -> str:
    """A labelled box and an inline script that draws the chart once the vega bundle has loaded."""
    element = chart_id(spec)
    description = spec.get("description", "")
    # The schema URL is only a version label; dropping it (and naming the mode)
    # keeps every address out of the page. No actions menu: it links to
    # external editors.
    drawn = {key: value for key, value in spec.items() if key != "$schema"}
    options = {"actions": False, "renderer": "svg", "mode": "vega-lite"}
    # Sphinx may load the bundle after this script (defer/async), so wait for
    # the DOM and then poll for window.vegaEmbed for up to ten seconds.
    script = (
        "(function(){"
        f"var id={json.dumps(element)},spec={_script_json(drawn)},opt={_script_json(options)},n=0;"
        "function draw(){"
        "var box=document.getElementById(id);"
        "if(!box)return;"
        "if(typeof window.vegaEmbed!=='function'){"
        "if(n++<200){setTimeout(draw,50);}"
        "else{box.setAttribute('data-chart-error','vega bundle did not load');}"
        "return;}"
        "window.vegaEmbed(box.querySelector('.chinaev-chart-view'),spec,opt)"
        ".then(function(){box.setAttribute('data-rendered','true');})"
        ".catch(function(e){box.setAttribute('data-chart-error',String(e));console.error(e);});"
        "}"
        "if(document.readyState==='loading'){document.addEventListener('DOMContentLoaded',draw);}"
        "else{draw();}"
        "})();"
    )
    # Vega gives the element it draws into its own ARIA role, so the label sits
    # on an outer box. The hidden paragraph is the description for readers
    # without JavaScript or CSS; under role="img" screen readers read the label only.
    # Vega's SVG is hidden from assistive technology: the box already names the
    # image, and Vega gives some mark groups (e.g. a map's unlabelled background
    # shapes) an image role without a name. tabindex="0": a chart wider than a
    # narrow screen scrolls inside its box (chinaev.css), and keyboard users must
    # be able to focus the box to scroll it (WCAG 2.1.1).
    return (
        f'<div class="chinaev-chart" id="{element}" role="img" '
        f'aria-label="{escape.html(description)}" tabindex="0">'
        '<div class="chinaev-chart-view" aria-hidden="true"></div>'
        f'<p class="chinaev-chart-description">{escape.html(description)}</p>'
        "</div>\n"
        f"<script>{script}</script>"
    )


def to_png(spec: dict) -> bytes:
    return vl_convert.vegalite_to_png(spec, vl_version=_vl_version(), scale=PNG_SCALE)


def print_png(spec: dict) -> bytes:
    """The chart's PNG for print, drawn once per spec and renderer version.

    The cache is only a shortcut: its key is everything the image is made from, and a
    file is written whole (renamed into place) or not at all.
    """
    key = hashlib.sha256(
        "\0".join(
            [_canonical(spec), metadata.version("vl-convert-python"), str(_vl_version()),
             str(PNG_SCALE)]
        ).encode("utf-8")
    ).hexdigest()  # fmt: skip
    cached = PNG_CACHE / f"{key}.png"
    if cached.is_file():
        return cached.read_bytes()
    png = to_png(spec)
    try:
        PNG_CACHE.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{key}.{os.getpid()}.tmp")
        partial.write_bytes(png)
        os.replace(partial, cached)
    except OSError:
        pass  # a read-only checkout draws every time
    return png


def mimebundle(spec: dict) -> dict:
    """All three forms of one chart, as a Jupyter mime bundle."""
    return {
        "text/html": to_html(spec),
        CHART_MIME: spec,
        "text/plain": spec.get("description", "") or "Chart",
    }


def _renderer(spec: dict, **_metadata) -> dict:
    return mimebundle(spec)


def javascript_bundle() -> str:
    """The vega, vega-lite and vega-embed script for `_static/`.

    Wrapped in a function so the bundle's top-level `const _` does not clash
    with the `_` that Sphinx's own scripts declare on every page.
    """
    return "(function(){\n" + vl_convert.javascript_bundle(vl_version=_vl_version()) + "\n})();\n"


def setup() -> None:
    """Register and enable the book's theme and offline renderer (idempotent)."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(theme_config)
    alt.theme.enable(THEME)
    alt.renderers.register(RENDERER, _renderer)
    alt.renderers.enable(RENDERER)


# The name the brief and older notes use.
use_offline_renderer = setup
