"""The book's Sphinx extension: source cards, downloads, and offline checks.

Loaded through `sphinx.config.extensions` in `_config.yml`. In the HTML only:

* every number shown with `{num}` (value and citation) or `{glue:text}` whose key
  is a figure or derived figure
  of the data package shows its source card on hover and keyboard focus
  (cards.py writes the card, escaping every data string);
* every notebook page that `chinaev run` executed links to a CSV of exactly the
  rows it read, a zip of the package it ran on and the PDF (downloads.py), and a
  book whose chapters ran on other data says so on every page.
  The package's typed tables (chinaev.data.export: a DuckDB database and a Parquet
  file per table) are written into `data/` too, and into the zip under
  `datapackage/typed/`.

It also stops two easy mistakes:

* the vega bundle is missing from `_static/` (someone ran `jupyter-book`
  directly instead of `chinaev build`), so every chart would stay blank: an error
  before anything is built;
* a page would load a script or stylesheet from another host, which an
  offline reader cannot fetch: a build warning, which `-W` makes an error.

In the PDF, every chart is the PNG that `ChartImage` draws from the spec in its
notebook output (a myst-nb mime renderer, registered as an entry point in
pyproject.toml): chapters store the spec, not an image.

It also stamps the book with the edition of its data rather than the day of the
build: the PDF's title page (and Sphinx's `today`) carries the data package's
version and the date of that version in `datapackage/CHANGELOG.md`, so two builds
from the same inputs on different days read the same.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import os
import re
from datetime import date
from pathlib import Path

import nbformat
from docutils import nodes
from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteTextRole
from myst_nb.ext.glue.utils import PendingGlueReference
from sphinx.application import Sphinx
from sphinx.domains import std
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from chinaev.data.package import load
from chinaev.report import cards, charts

logger = logging.getLogger(__name__)

BUNDLE = "vega-bundle.js"
STATIC = Path(__file__).with_name("static")
KEY_CLASS = "chinaev-key"
DOC_CLASS = "chinaev-doc"  # the page a glued value comes from, when not this one


def _record_key(text: str) -> str:
    """The glue key in a role's text: `[doc::]key[:format]`."""
    key = text.split("::")[-1]
    return key.rsplit(":", 1)[0] if ":" in key else key


def _keyed(found: list, key: str, doc: str = "") -> list:
    classes = [KEY_CLASS, f"{KEY_CLASS}--{key}"] + ([f"{DOC_CLASS}--{doc}"] if doc else [])
    return [nodes.inline("", "", *found, classes=classes)]


class KeyedPasteText(PasteTextRole):
    """`{glue:text}` as myst-nb has it, wrapped in a node that remembers the key."""

    def run(self):
        found, messages = super().run()
        return (_keyed(found, _record_key(self.text)) if found else found), messages


class NumberRole(KeyedPasteText):
    """`{num}`<id>``: a number from the data package with its citation link, one role for
    what `{glue:text}`<id>`` plus `{glue:md}`cite_<id>`` did. In the HTML the number
    also shows its source card. A number not yet published has no citation."""

    def run(self):
        value, messages = super().run()
        cite, more = PasteMarkdownRole()(
            "glue:md", self.rawtext, f"cite_{self.text}", self.lineno, self.inliner
        )
        if any(node.astext().strip() for node in cite):
            value = [*value, nodes.Text(" "), *cite]
        return value, messages + more

    def __call__(self, name, rawtext, text, lineno, inliner, options=None, content=()):
        self.lineno = lineno
        return super().__call__(name, rawtext, text, lineno, inliner, options, content)


class KeyPendingGlue(SphinxPostTransform):
    """Remember the key of a glue reference to another page before myst-nb resolves it."""

    default_priority = 4  # myst-nb replaces pending glue references at 5

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(PendingGlueReference)):
            if node.gtype == "text" and KEY_CLASS not in node.parent.get("classes", []):
                node.replace_self(_keyed([node.deepcopy()], node.key, node.refdoc))


def _notebook_metadata(app: Sphinx, docname: str) -> tuple[Path, dict]:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb" or not path.is_file():
        return path, {}
    return path, _read_metadata(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_metadata(path: str, mtime_ns: int) -> dict:
    """A notebook's metadata, read once per version of the file."""
    try:
        return nbformat.read(path, as_version=4).metadata
    except (OSError, ValueError):  # nbformat's NotJSONError is a ValueError
        return {}


def descriptor_for(app: Sphinx, docname: str) -> tuple[Path, str | None]:
    """The package a page was made from and its as_of: its notebook's parameters, else
    the book's own package."""
    path, metadata = _notebook_metadata(app, docname)
    parameters = metadata.get("papermill", {}).get("parameters", {})
    descriptor = parameters.get("datapackage") or app.config.chinaev_datapackage
    return (path.parent / descriptor).resolve(), parameters.get("as_of") or None


def _package_for(app: Sphinx, docname: str):
    """The package a page was made from, loaded (None when it is not there)."""
    descriptor, as_of = descriptor_for(app, docname)
    return _package(str(descriptor), as_of)


@functools.cache
def _package(location: str, as_of: str | None):
    return load(Path(location), as_of=as_of) if Path(location).is_file() else None


def _phrases(app: Sphinx, docname: str) -> dict[str, list[str]]:
    """Glued phrases a chapter worked out from records (reads.py), by key."""
    _, metadata = _notebook_metadata(app, docname)
    return (metadata.get("chinaev", {}).get("reads") or {}).get("phrases", {})


class SourceCards(SphinxPostTransform):
    """Turn glued numbers into numbers with source cards (HTML only)."""

    default_priority = 20
    formats = ("html",)

    def run(self, **kwargs) -> None:
        docname = self.env.docname
        package = _package_for(self.app, docname)
        count = 0
        for node in list(self.document.findall(nodes.inline)):
            classes = node.get("classes", [])
            if KEY_CLASS not in classes:
                continue
            key = next(c for c in classes if c.startswith(f"{KEY_CLASS}--"))[len(KEY_CLASS) + 2 :]
            source = next((c for c in classes if c.startswith(f"{DOC_CLASS}--")), "")
            source_doc = source[len(DOC_CLASS) + 2 :] or docname
            shown = node.astext()
            inner = None
            if package is not None:
                inner = cards.card(package, key)
                phrases = _phrases(self.app, source_doc)
                if inner is None and key in phrases and any(c.isdigit() for c in shown):
                    inner = cards.phrase_card(package, phrases[key])
            if inner is None or not shown.strip():
                _swap(node, list(node.children))
                continue
            count += 1
            card_id = f"card-{docname.replace('/', '-')}-{count}"
            _swap(node, [nodes.raw("", cards.number_html(shown, inner, card_id), format="html")])


def _swap(node: nodes.Element, new: list[nodes.Node]) -> None:
    # Not replace_self: with one new node it would carry the wrapper's classes over.
    parent = node.parent
    at = parent.index(node)
    parent.remove(node)
    for offset, child in enumerate(new):
        parent.insert(at + offset, child)


def _check_bundle(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    names = [entry[0] if isinstance(entry, tuple) else entry for entry in app.config.html_js_files]
    if BUNDLE not in names:
        # An error at once, not a warning at the end: nothing built without it is usable.
        raise ExtensionError(
            f"{BUNDLE} is not in _static/: charts would stay blank; build with `chinaev build`"
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


def _add_static(app: Sphinx) -> None:
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file("chinaev-cards.css")
    app.add_js_file("chinaev-cards.js")  # Escape hides a card


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
    return Path(__file__).resolve().parents[3] / "datapackage" / "datapackage.json"


class ChartImage:
    """myst-nb mime renderer: a chart's spec (charts.CHART_MIME) drawn as a PNG image.

    myst-nb renders every form of an output when it reads a page and picks one per
    builder afterwards; LaTeX picks this one (`nb_mime_priority_overrides`), HTML the
    interactive chart. The PNG is drawn once per spec (charts.print_png) and then
    handled as any PNG output, so figure options such as width still apply.
    """

    mime_priority_overrides = [("latex", charts.CHART_MIME, 0)]

    @staticmethod
    def handle_mime(renderer, data, inline: bool):
        if data.mime_type != charts.CHART_MIME or inline:
            return None
        spec = data.content if isinstance(data.content, dict) else json.loads(data.content)
        png = base64.b64encode(charts.print_png(spec)).decode("ascii")
        return renderer.render_image(dataclasses.replace(data, mime_type="image/png", content=png))


class StandardDomain(std.StandardDomain):
    """Sphinx's standard domain, reading each page's doctree once for all the
    `{numref}` references into it.

    Sphinx 7 unpickles the whole doctree of a figure's page for every reference to that
    figure; the book's pages carry their charts and source cards, so its fifty or so
    references took two seconds of each build. The doctrees kept here are only read
    (the reference's target node and its figure type), at the write stage, when every
    page has been read.
    """

    def _resolve_numref_xref(self, env, fromdocname, builder, typ, target, node, contnode):
        kept = self.__dict__.setdefault("_numref_doctrees", {})
        original = env.get_doctree

        def get_doctree(docname: str):
            if docname not in kept:
                kept[docname] = original(docname)
            return kept[docname]

        env.get_doctree = get_doctree
        try:
            return super()._resolve_numref_xref(
                env, fromdocname, builder, typ, target, node, contnode
            )
        finally:
            del env.get_doctree


def setup(app: Sphinx) -> dict:
    from chinaev.pipeline import downloads  # it reads pages through this module

    app.add_domain(StandardDomain, override=True)
    app.add_config_value("chinaev_datapackage", "../datapackage/datapackage.json", "env")
    app.add_role_to_domain("glue", "text", KeyedPasteText(), override=True)
    app.add_role("num", NumberRole())
    app.add_post_transform(KeyPendingGlue)
    app.add_post_transform(SourceCards)
    app.connect("builder-inited", _add_static)
    downloads.setup(app)
    app.connect("config-inited", _stamp_edition)
    app.connect("config-inited", _use_templates)
    app.connect("builder-inited", _check_bundle)
    app.connect("html-page-context", _label_in_name)
    # Late priority: run after extensions (mathjax) have added their files.
    app.connect("html-page-context", _check_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
