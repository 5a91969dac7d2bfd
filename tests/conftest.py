"""Shared fixtures: built books (the fixture minibook and the real one), a browser, and
how the suite is spread over processes.

Building is slow, so each book is built once per test session. The book-wide HTML,
PDF and browser checks run on the real book; the minibook is the small book that
test_build.py breaks on purpose, and whose outputs it checks line by line.

`make test` runs the suite in one pytest process per core (pytest-xdist,
`--dist loadgroup`). The tests of one module run in one process (module fixtures are
made once), and so do the minibook's tests; the real book is built once under a lock
and shared. Modules of slow, independent tests are spread test by test.
"""

from __future__ import annotations

import contextlib
import fcntl
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
    from chinaev.pipeline.build import build_book

    output = tmp_path_factory.mktemp("minibook-build") / "_build"
    lines = build_book(["html", "pdf"], book_dir=minibook_source, output=output)
    return BuiltBook("minibook", minibook_source, output, tuple(lines))


def _newest_input(book: Path) -> float:
    inputs = [REPO / "_config.yml", *book.rglob("*")]
    inputs += (REPO / "scripts" / "chinaev").rglob("*.py")  # as BOOK_INPUTS in the Makefile
    return max(
        path.stat().st_mtime
        for path in inputs
        if path.is_file() and "_build" not in path.parts and path.name != "vega-bundle.js"
    )


@pytest.fixture(scope="session")
def built_real_book() -> BuiltBook:
    """The real book in _build, built unless it is newer than everything it is made from.

    Test processes share it: the first to need it builds it while holding a lock, and
    the others wait for the lock and then find it current.
    """
    from chinaev.pipeline.build import build_book

    book, output = REPO / "book", REPO / "_build"
    chapters = toc_pages(book / "_toc.yml")[1:]
    if not any(
        (book / f"{name}.ipynb").exists() or (book / f"{name}.md").exists() for name in chapters
    ):
        pytest.skip("no chapter of the real book exists yet")
    built = BuiltBook("book", book, output, ())
    outputs = [built.html / "index.html", built.pdf, built.tex_log]
    lock = REPO / ".chinaev-cache" / "book-build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if all(path.exists() for path in outputs) and min(
            path.stat().st_mtime for path in outputs
        ) > _newest_input(book):
            return built
        return BuiltBook("book", book, output, tuple(build_book(["html", "pdf"])))


@pytest.fixture(scope="session")
def planted_book(tmp_path_factory):
    """The real chapters run on a planted copy of the package and built as a what-if
    book (see planted.py): read by test_inert_book.py and test_whatif.py."""
    from planted import build_planted_book

    return build_planted_book(tmp_path_factory.mktemp("planted-book"))


@pytest.fixture(scope="session")
def built_book(built_real_book) -> BuiltBook:
    """The book the book-wide checks read: the real one."""
    return built_real_book


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """`folder` served on 127.0.0.1 while the block runs; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served(built_book):
    """The book's HTML served on 127.0.0.1; yields (base URL, book)."""
    with serving(built_book.html) as base_url:
        yield base_url, built_book


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


# -- spreading the suite over processes ------------------------------------------------------

# Tests that use one of these session fixtures run in one process, so the fixture is made
# once. Every other test runs beside the rest of its module (module fixtures, once),
# except in the modules below, whose tests are slow or many and need no shared fixture
# beyond a cheap one: they are spread test by test, longest modules first. pytest-xdist
# hands out groups by their number of tests (most first) and single tests after them,
# so a slow test kept in a small group would run last on one process while the other
# waited.
SHARED_FIXTURES = {
    "built_minibook": "minibook",
    "minibook_source": "minibook",
    "planted_book": "planted_book",
}
SPREAD_SINGLY = ["test_as_of", "test_nbval", "test_run", "test_pages", "test_hostile"]


def group_of(item) -> str | None:
    for fixture, group in SHARED_FIXTURES.items():
        if fixture in item.fixturenames:
            return group
    return None if item.path.stem in SPREAD_SINGLY else item.path.stem


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    groups = {item.nodeid: group_of(item) for item in items}
    singles = {module: position for position, module in enumerate(SPREAD_SINGLY)}

    def order(item) -> tuple[int, int]:
        if groups[item.nodeid] is None:
            return (1, singles[item.path.stem])
        return (0, 0)

    items.sort(key=order)  # stable: a module's tests keep their order
    for item in items:
        if groups[item.nodeid] is not None:
            item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))
