"""The HTML book's downloads, and the banner of a what-if build (part of sphinx_ext).

* Under the title of every chapter `chinaev run` executed: a CSV of exactly the rows
  it read (its `metadata.chinaev.reads`), a zip of the data package that chapter ran
  on, and the book as PDF when the build put one beside the pages (`chinaev build`
  says so in PDF_STATE_ENV; a PDF built from other notebooks is linked as such).
* A book whose chapters ran on another data package than the book's own, or with
  `as_of` set (`chinaev run --datapackage OTHER --output-dir DIR`, then
  `chinaev build --book-dir DIR`): a banner on every page naming each such package
  (title, version and path) and its `as_of`.

Every file a page links to is written into the HTML output: `data/<page>.csv` and
one zip per package (`chinaev-datapackage.zip` for the book's own). The book's own
package is also published typed (chinaev.data.export: `data/chinaev.duckdb` and a
Parquet file per table), and its zip carries those under `datapackage/typed/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from chinaev.data.export import DATABASE, export
from chinaev.pipeline import sphinx_ext
from chinaev.report import cards
from chinaev.report.escape import html as escape_html

DATA_DIR = "data"  # in the HTML output: per-page CSVs and the package zips
PACKAGE_ZIP = "chinaev-datapackage.zip"
PDF_NAME = "book.pdf"
TYPED_DIR = "typed"  # in the zip: the typed tables (chinaev.data.export) beside the CSVs
# Set by `chinaev build`: "current" (a PDF from the same notebooks sits beside the
# pages), "stale" (one from other notebooks does), "none" (no PDF).
PDF_STATE_ENV = "CHINAEV_PDF_STATE"
PDF_STATES = ("current", "stale", "none")
# A fixed time for every member of the zip, so the same package gives the same bytes.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def book_descriptor(app: Sphinx) -> Path:
    """The book's own data package: the one `chinaev build` names, else the config's."""
    named = os.environ.get(sphinx_ext.DATAPACKAGE_ENV)
    if named:
        return Path(named).resolve()
    return (Path(app.srcdir) / app.config.chinaev_datapackage).resolve()


def zip_name(app: Sphinx, descriptor: Path) -> str:
    """The zip of `descriptor` in data/: the book's own keeps one fixed name."""
    if Path(descriptor).resolve() == book_descriptor(app):
        return PACKAGE_ZIP
    digest = hashlib.sha256(str(Path(descriptor).resolve()).encode()).hexdigest()[:10]
    return f"chinaev-datapackage-{digest}.zip"


def pdf_state() -> str:
    state = os.environ.get(PDF_STATE_ENV) or "current"
    return state if state in PDF_STATES else "current"


def _relative(docname: str, target: str) -> str:
    return "../" * docname.count("/") + target


def _pdf_link(docname: str) -> list[str]:
    """The link to the PDF beside the pages, if there is one, saying when it is stale."""
    state = pdf_state()
    if state == "none":
        return []
    note = " (built from other notebooks than these pages)" if state == "stale" else ""
    return [f'<a href="{_relative(docname, PDF_NAME)}">the book as PDF</a>{note}']


class DownloadLinks(SphinxPostTransform):
    """Under the title of every executed chapter: its data, its package and the PDF."""

    default_priority = 21
    formats = ("html",)

    def run(self, **kwargs) -> None:
        docname = self.env.docname
        _, metadata = sphinx_ext._notebook_metadata(self.app, docname)
        if "reads" not in metadata.get("chinaev", {}):
            return
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is None:
            return
        title = next(iter(section.findall(nodes.title)), None)
        descriptor, _ = sphinx_ext.descriptor_for(self.app, docname)
        csv_link = _relative(docname, f"{DATA_DIR}/{docname.replace('/', '-')}.csv")
        zip_link = _relative(docname, f"{DATA_DIR}/{zip_name(self.app, descriptor)}")
        links = [
            f'<a href="{csv_link}" download>the rows this page uses (CSV)</a>',
            f'<a href="{zip_link}" download>the whole data package (zip)</a>',
        ]
        if zip_name(self.app, descriptor) == PACKAGE_ZIP:
            db_link = _relative(docname, f"{DATA_DIR}/{DATABASE}")
            links.append(f'<a href="{db_link}" download>its tables typed (DuckDB)</a>')
        links += _pdf_link(docname)
        html = f'<p class="chinaev-downloads">Take the data away: {" · ".join(links)}</p>'
        link = nodes.raw("", html, format="html")
        if title is not None:
            title.parent.insert(title.parent.index(title) + 1, link)
        else:
            section.insert(0, link)


def _write_downloads(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    zips = {}
    for docname in sorted(app.env.found_docs):
        _, metadata = sphinx_ext._notebook_metadata(app, docname)
        read = metadata.get("chinaev", {}).get("reads")
        if read is None:
            continue
        descriptor, _ = sphinx_ext.descriptor_for(app, docname)
        package = sphinx_ext._package_for(app, docname)
        if package is not None:
            target = out / f"{docname.replace('/', '-')}.csv"
            try:
                rows = cards.rows_csv(package, read)
            except Exception as error:  # name the page: the traceback does not
                raise RuntimeError(
                    f"{docname}: the rows it read (data/{target.name}) could not be "
                    f"written from {descriptor}: {error}"
                ) from error
            target.write_text(rows, encoding="utf-8")
        zips[zip_name(app, descriptor)] = descriptor
    zips.setdefault(PACKAGE_ZIP, book_descriptor(app))
    for descriptor, _ in chapter_packages(Path(app.srcdir)):  # the index links them all
        zips.setdefault(zip_name(app, descriptor), descriptor)
    for name, descriptor in sorted(zips.items()):
        if descriptor.is_file():
            # The book's own package is also published typed, beside the zip and in it.
            typed = typed_tables(descriptor, out) if name == PACKAGE_ZIP else []
            _zip_package(descriptor.parent, out / name, typed)


def typed_tables(descriptor: Path, out: Path) -> list[Path]:
    """The package's typed tables (chinaev.data.export), copied into `out`.

    They are made once for each content of the package and the code, and kept in the
    project's cache beside its validation marks: a rebuild of the book does not export
    them again, and publishes the same bytes.
    """
    import duckdb

    from chinaev.pipeline.fingerprint import package_digest
    from chinaev.pipeline.run import cache_folder

    key = f"{package_digest(descriptor)} duckdb {duckdb.__version__}"
    kept = cache_folder("typed-tables") / hashlib.sha256(key.encode()).hexdigest()[:32]
    if not kept.is_dir():
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".export-", dir=kept.parent))
        except OSError:  # a read-only checkout exports every time
            return export(descriptor.parent, out)
        export(descriptor.parent, staging)
        try:
            os.replace(staging, kept)
        except OSError:  # another build kept the same export first
            shutil.rmtree(staging, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file in sorted(kept.iterdir()):
        shutil.copyfile(file, out / file.name)
        written.append(out / file.name)
    return written


def _zip_package(folder: Path, target: Path, typed: list[Path] = ()) -> None:
    """The package folder as `datapackage/...`, the typed tables as `datapackage/typed/...`:
    members sorted by name, each with the same fixed time and mode."""
    members = {
        f"datapackage/{path.relative_to(folder).as_posix()}": path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") or part == "__pycache__" for part in path.parts)
    }
    members |= {f"datapackage/{TYPED_DIR}/{path.name}": path for path in typed}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name].read_bytes())


class BookDownloads(SphinxDirective):
    """`{chinaev-downloads}`: the book's downloads (HTML only): the PDF when the build put
    one beside the pages, and the zip of each package the chapters ran on."""

    def run(self) -> list[nodes.Node]:
        app = self.env.app
        docname, book = self.env.docname, book_descriptor(app)
        used = sorted({d for d, _ in chapter_packages(Path(app.srcdir))}, key=str)
        used = sorted(used or [book], key=lambda d: d != book)  # the book's own first
        links = _pdf_link(docname)
        for descriptor in used:
            what = "the whole data package" if descriptor == book else "the what-if package"
            zip_link = _relative(docname, f"{DATA_DIR}/{zip_name(app, descriptor)}")
            links.append(f'<a href="{zip_link}" download>{what} (zip)</a>')
        html = (
            f'<p class="chinaev-downloads">Take it away: {" · ".join(links)}. '
            "Each chapter also offers the rows it uses as a CSV file.</p>"
        )
        return [nodes.raw("", html, format="html")]


# -- the what-if banner --------------------------------------------------------------------


def chapter_packages(srcdir: Path) -> dict[tuple[Path, str], list[str]]:
    """The chapters `chinaev run` executed, by the package they ran on and their as_of."""
    found: dict[tuple[Path, str], list[str]] = {}
    for path in sorted(Path(srcdir).rglob("*.ipynb")):
        relative = path.relative_to(srcdir)
        if any(part.startswith((".", "_build")) for part in relative.parts):
            continue
        try:
            metadata = nbformat.read(path, as_version=4).metadata
        except (OSError, ValueError):
            continue
        parameters = metadata.get("papermill", {}).get("parameters", {})
        if not parameters.get("datapackage"):
            continue
        descriptor = (path.parent / parameters["datapackage"]).resolve()
        as_of = str(parameters.get("as_of") or "")
        found.setdefault((descriptor, as_of), []).append(relative.with_suffix("").as_posix())
    return found


def other_data(srcdir: Path, book: Path) -> dict[tuple[Path, str], list[str]]:
    """Chapters that ran on a package other than `book`, or with as_of, by (package, as_of)."""
    return {
        (descriptor, as_of): pages
        for (descriptor, as_of), pages in chapter_packages(srcdir).items()
        if descriptor != book or as_of
    }


def banner(groups: dict[tuple[Path, str], list[str]]) -> str:
    """The banner's HTML (empty when every chapter ran on the book's own data)."""
    parts = []
    for (descriptor, as_of), pages in sorted(groups.items()):
        try:
            data = json.loads(descriptor.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        named = (data.get("title") or data.get("name"), data.get("version"))
        name = " ".join(str(part) for part in named if part)
        package = escape_html(f"{name} ({descriptor})" if name else descriptor)
        when = f", as of {escape_html(as_of)}" if as_of else ""
        parts.append(f"{escape_html(', '.join(pages))}: data package {package}{when}")
    if not parts:
        return ""
    return (
        '<div class="chinaev-whatif">What-if build, on other data than the book’s own: '
        f"{'; '.join(parts)}. The numbers on those pages, and their source cards, come "
        "from that package; pages not named show the book’s own data.</div>"
    )


def _announce(app: Sphinx, config) -> None:
    text = banner(other_data(Path(app.srcdir), book_descriptor(app)))
    if text:
        config.html_theme_options = {**(config.html_theme_options or {}), "announcement": text}


def setup(app: Sphinx) -> None:
    app.add_post_transform(DownloadLinks)
    app.add_directive("chinaev-downloads", BookDownloads)
    app.connect("build-finished", _write_downloads)
    app.connect("config-inited", _announce)
