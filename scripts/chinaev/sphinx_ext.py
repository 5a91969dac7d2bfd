"""Sphinx checks that keep the HTML book readable offline.

Loaded through `sphinx.config.extensions` in `_config.yml`. It changes
nothing in the pages; it turns two easy mistakes into build warnings, which
`-W` makes errors:

* the vega bundle is missing from `_static/` (someone ran `jupyter-book`
  directly instead of `chinaev build`), so every chart would stay blank;
* a page would load a script or stylesheet from another host, which an
  offline reader cannot fetch.
"""

from __future__ import annotations

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


def _check_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for key in ("script_files", "css_files"):
        for asset in context.get(key) or []:
            # Sphinx 7 passes _JavaScript/_CascadingStyleSheet objects; older themes strings.
            url = str(getattr(asset, "filename", asset) or "")
            if _is_external(url):
                logger.warning("%s would load %s from the network", pagename, url)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", _check_bundle)
    # Late priority: run after extensions (mathjax) have added their files.
    app.connect("html-page-context", _check_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
