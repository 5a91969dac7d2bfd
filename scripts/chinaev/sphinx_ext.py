"""Sphinx checks that keep the HTML book readable offline.

Loaded through `sphinx.config.extensions` in `_config.yml`. It changes
nothing in the pages; it turns two easy mistakes into build warnings, which
`-W` makes errors:

* the vega bundle is missing from `_static/` (someone ran `jupyter-book`
  directly instead of `chinaev build`), so every chart would stay blank;
* a page would load a script or stylesheet from another host, which an
  offline reader cannot fetch.

It also stamps the book with the edition of its data rather than the day of the
build: the PDF's title page (and Sphinx's `today`) carries the data package's
version and the date of that version in `datapackage/CHANGELOG.md`, so two builds
from the same inputs on different days read the same.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

BUNDLE = "vega-bundle.js"


def _check_bundle(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    names = [entry[0] if isinstance(entry, tuple) else entry for entry in app.config.html_js_files]
    if BUNDLE not in names:
        logger.warning(
            "%s is not in _static/: charts would stay blank; build with `chinaev build`", BUNDLE
        )


def _is_external(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


# myst-nb names the toggle of a hidden code cell "Toggle hidden content" while it shows
# "Show code cell source": a name that leaves out the visible label fails WCAG 2.5.3.
# Without the aria-label the summary is named by the text it shows.
HIDDEN_CELL_SUMMARY = '<summary aria-label="Toggle hidden content">'


def _label_in_name(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    body = context.get("body")
    if isinstance(body, str) and HIDDEN_CELL_SUMMARY in body:
        context["body"] = body.replace(HIDDEN_CELL_SUMMARY, "<summary>")


def _check_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for key in ("script_files", "css_files"):
        for asset in context.get(key) or []:
            # Sphinx 7 passes _JavaScript/_CascadingStyleSheet objects; older themes strings.
            url = str(getattr(asset, "filename", asset) or "")
            if _is_external(url):
                logger.warning("%s would load %s from the network", pagename, url)


DATAPACKAGE_ENV = "CHINAEV_DATAPACKAGE"  # set by `chinaev build`
CHANGELOG_ENTRY = re.compile(r"^##\s+\[?v?(\S+?)\]?\s+[—–-]+\s+(\d{4}-\d{2}-\d{2})\s*$", re.M)


def package_edition(descriptor: Path) -> tuple[str, date | None]:
    """The data package's version and the date of that version: its CHANGELOG.md entry
    (`## 0.1.0 — 2026-11-24`), else the descriptor's `created` date, else None."""
    data = json.loads(Path(descriptor).read_text(encoding="utf-8"))
    version = str(data.get("version") or "")
    changelog = Path(descriptor).parent / "CHANGELOG.md"
    if changelog.is_file():
        for entry, day in CHANGELOG_ENTRY.findall(changelog.read_text(encoding="utf-8")):
            if entry == version:
                return version, date.fromisoformat(day)
    created = str(data.get("created") or "")[:10]
    try:
        return version, date.fromisoformat(created)
    except ValueError:
        return version, None


def edition_line(descriptor: Path) -> str:
    """'Data package 0.1.0, 24 November 2026': what the title page says instead of a build date."""
    version, day = package_edition(descriptor)
    when = f"{day.day} {day:%B %Y}" if day else ""
    return ", ".join(part for part in (f"Data package {version}" if version else "", when) if part)


# Theme components replaced for accessibility (each file says why); searched before
# the theme's own, for every book built with this extension.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _use_templates(app: Sphinx, config) -> None:
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path = [str(TEMPLATES), *config.templates_path]


def _stamp_edition(app: Sphinx, config) -> None:
    descriptor = Path(os.environ.get(DATAPACKAGE_ENV) or _default_descriptor())
    if not descriptor.is_file():
        logger.warning("no data package at %s: the title page carries no edition", descriptor)
        return
    line = edition_line(descriptor)
    if not line:
        logger.warning("%s has neither a version nor a date for the title page", descriptor)
        return
    config.today = line


def _default_descriptor() -> Path:
    return Path(__file__).resolve().parents[2] / "datapackage" / "datapackage.json"


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _stamp_edition)
    app.connect("config-inited", _use_templates)
    app.connect("builder-inited", _check_bundle)
    app.connect("html-page-context", _label_in_name)
    # Late priority: run after extensions (mathjax) have added their files.
    app.connect("html-page-context", _check_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
