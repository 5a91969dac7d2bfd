"""Shared fixtures: built books (the fixture minibook and the real one) and a browser.

Building is slow, so each book is built once per test session. The HTML and
PDF checks in test_book_html.py / test_book_pdf.py run on both books: the
minibook proves the checks work today, the real book is checked once its
chapters exist.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
MINIBOOK = Path(__file__).parent / "fixtures" / "minibook"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass(frozen=True)
class BuiltBook:
    name: str
    source: Path  # the book folder (holds _toc.yml and the pages)
    output: Path  # the `_build` folder given to build_book
    lines: tuple[str, ...]  # what build_book returned

    @property
    def html(self) -> Path:
        return self.output / "html"

    @property
    def pdf(self) -> Path:
        return self.output / "pdf" / "book.pdf"

    @property
    def tex_log(self) -> Path:
        return self.output / "pdf" / "book.log"

    def pages(self) -> list[str]:
        """Document names in the table of contents: the root, then every chapter."""
        return toc_pages(self.source / "_toc.yml")

    def chapter_pages(self) -> list[str]:
        return self.pages()[1:]


def toc_pages(toc: Path) -> list[str]:
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    names = [data["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in data.get("parts") or [{"chapters": data.get("chapters")}]:
        walk(part.get("chapters"))
    return names


def execute_notebooks(folder: Path) -> None:
    """Run every notebook in `folder` in place, as papermill would before a build."""
    import nbclient
    import nbformat

    for path in sorted(folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            notebook, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        client.execute()
        nbformat.write(notebook, path)


def copy_minibook(destination: Path) -> Path:
    """A fresh, executed copy of the fixture minibook with the real book's stylesheets."""
    shutil.copytree(MINIBOOK, destination)
    static = destination / "_static"
    static.mkdir(exist_ok=True)
    for css in (REPO / "book" / "_static").glob("*.css"):
        shutil.copy2(css, static / css.name)
    execute_notebooks(destination)
    return destination


@pytest.fixture(scope="session")
def minibook_source(tmp_path_factory) -> Path:
    return copy_minibook(tmp_path_factory.mktemp("minibook") / "book")


@pytest.fixture(scope="session")
def built_minibook(minibook_source, tmp_path_factory) -> BuiltBook:
    from chinaev.build import build_book

    output = tmp_path_factory.mktemp("minibook-build") / "_build"
    lines = build_book(["html", "pdf"], book_dir=minibook_source, output=output)
    return BuiltBook("minibook", minibook_source, output, tuple(lines))


def _newest_input(book: Path) -> float:
    inputs = [REPO / "_config.yml", *book.rglob("*")]
    inputs += [REPO / "scripts" / "chinaev" / name for name in ("sphinx_ext.py", "build.py")]
    return max(
        path.stat().st_mtime
        for path in inputs
        if path.is_file() and "_build" not in path.parts and path.name != "vega-bundle.js"
    )


@pytest.fixture(scope="session")
def built_real_book() -> BuiltBook:
    from chinaev.build import build_book

    book, output = REPO / "book", REPO / "_build"
    chapters = toc_pages(book / "_toc.yml")[1:]
    if not any(
        (book / f"{name}.ipynb").exists() or (book / f"{name}.md").exists() for name in chapters
    ):
        pytest.skip("no chapter of the real book exists yet")
    built = BuiltBook("book", book, output, ())
    outputs = [built.html / "index.html", built.pdf, built.tex_log]
    if all(path.exists() for path in outputs) and min(
        path.stat().st_mtime for path in outputs
    ) > _newest_input(book):
        return built
    return BuiltBook("book", book, output, tuple(build_book(["html", "pdf"])))


@pytest.fixture(params=["minibook", "book"])
def built_book(request) -> BuiltBook:
    """Each book-wide check runs on the minibook and on the real book."""
    return request.getfixturevalue(
        "built_minibook" if request.param == "minibook" else "built_real_book"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def served(built_book):
    """The book's HTML served on 127.0.0.1; yields (base URL, book)."""
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", built_book
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (Playwright's own download fails here)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: install the Debian package chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
