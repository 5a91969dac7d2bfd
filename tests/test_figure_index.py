"""The figure index: its rows, and the display bundle that gives HTML an offline
itables table and LaTeX a plain table (chinaev.report.figure_index)."""

from __future__ import annotations

import re

import pytest

from chinaev.data import paths
from chinaev.data.package import load
from chinaev.pipeline.chapters import available_chapters
from chinaev.report import figure_index
from chinaev.report.figure_index import FigureIndex, index_frame, period_text


@pytest.mark.parametrize(
    ("start", "end", "kind", "shown"),
    [
        ("2025-05-01", "2025-05-31", "month", "May 2025"),
        ("2025-01-01", "2025-05-31", "months", "January–May 2025"),
        ("2024-11-01", "2025-02-28", "months", "November 2024 – February 2025"),
        ("2024-01-01", "2024-12-31", "year", "2024"),
        ("2019-01-01", "2023-12-31", "years", "2019–2023"),
        ("2030-01-01", "2030-12-31", "target_year", "target year 2030"),
        ("2025-01-01", "2025-12-31", "as_reported", "2025 (as reported)"),
        ("2025-01-20", "2025-03-17", "", "20 January 2025 – 17 March 2025"),
        ("", "", "undated", "undated"),
        (None, None, "", "undated"),
    ],
)
def test_period_text(start, end, kind, shown):
    assert period_text(start, end, kind) == shown


@pytest.fixture(scope="module")
def package():
    return load(paths.DATAPACKAGE)


@pytest.fixture(scope="module")
def index(package):
    return index_frame(
        package, figure_index.chapter_titles(paths.BOOK, available_chapters(paths.BOOK))
    )


def test_every_figure_and_derived_figure_is_in_the_index_once(package, index):
    assert len(index) == len(package.figures) + len(package.derived)
    assert (index["kind"] == "reported").sum() == len(package.figures)
    assert set(index["Value"]) >= {"551,000"}  # May 2025 exports, as the chapters print it


def test_a_derived_figure_is_about_what_its_inputs_are_about(package, index):
    derived = index[index["kind"] == "derived"]["What"].tolist()
    port = package.entities.set_index("entity_id").loc["horgos-port", "name"]
    horgos = [w for w in derived if w.startswith("Vehicles exported") and port in w]
    assert horgos, "the Horgos export figure should name the port, not China"
    leapmotor = [w for w in derived if w.endswith(": Leapmotor")]
    assert len(leapmotor) == len(package.derived.query("derived_id.str.startswith('leapmotor')"))
    assert not [w for w in derived if "Chinese car brands" in w and "European Union" not in w]


def test_readers_see_names_not_ids(package, index):
    ids = set(package.sources["source_id"]) | set(package.sources["file"])
    ids |= set(package.figures["figure_id"]) | set(package.derived["derived_id"])
    for column in figure_index.COLUMNS:
        for cell in index[column]:
            words = set(re.findall(r"[\w.-]+", cell))
            assert not words & ids, (column, cell)
    assert index["Source"].str.len().gt(0).all()
    derived = index[index["kind"] == "derived"]
    assert derived["Source"].str.startswith("Derived by the book from: ").all()
    assert derived["Quote or formula"].str.startswith("Derived (").all()
    reported = index[index["kind"] == "reported"]
    assert reported["Quote or formula"].str.contains(r"^“.+” \(paragraph \d+\)$").all()


def test_index_runs_in_book_order(index):
    titles = list(figure_index.chapter_titles(paths.BOOK, available_chapters(paths.BOOK)).values())
    seen = list(dict.fromkeys(index["Chapter"]))
    assert seen == [t for t in titles if t in seen]


def test_bundle_gives_html_an_offline_table_and_latex_plain_tables(index):
    bundle = FigureIndex(index, "Figures", "tab-figures")._repr_mimebundle_()
    page = bundle["text/html"]
    assert f'<table id="{figure_index.TABLE_ID}"' in page
    # The DataTables bundle is inlined; nothing is loaded from another host.
    assert "injectModule(" in page and "unpkg.com" not in page
    assert not re.findall(r"""<script[^>]+src=["']?(?:https?:)?//""", page)
    assert not re.findall(r"""import[^;]*from\s*['"](?:https?:)?//""", page)
    assert 'href="references.html#ref-' in page
    plain = bundle["text/markdown"]
    assert "<" not in plain.replace("<-", "")  # no HTML for LaTeX
    assert plain.count(":::{table}") == index["Chapter"].nunique()
    assert plain.count("\n| ") == len(index) + plain.count(":::{table}")  # headers + rows
    assert f":widths: {' '.join(map(str, figure_index.PDF_WIDTHS))}" in plain
    assert plain.count(":class: longtable") == plain.count(":::{table}")  # breaks across pages
    assert "| Derived from: " in plain and "| nearly 26 million vehicles |" in plain


def check_figure_index_offline(browser, url: str) -> dict:
    """Open the built figure index with every outside request blocked; search and sort.

    Returns what a reader would see: entry counts, the rows left by a search, and the
    order of the hidden value and period columns after clicking each header's sort icon."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    blocked, errors = [], []
    local = ("file:", "blob:", "data:", url.rsplit("/", 1)[0])

    def route(request_route):
        if request_route.request.url.startswith(local):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    table = f"#{figure_index.TABLE_ID}"
    result = {}
    try:
        page.goto(url)
        page.wait_for_selector(f"{table}.dataTable", timeout=30_000)
        result["info"] = page.inner_text(".dt-info")
        page.fill(".dt-search input", "Horgos")
        page.wait_for_function("document.querySelector('.dt-info').innerText.includes('filtered')")
        result["searched"] = page.eval_on_selector_all(
            f"{table} tbody tr", "rows => rows.map(r => r.innerText)"
        )
        result["searched_info"] = page.inner_text(".dt-info")
        page.fill(".dt-search input", "")
        rows = f"""async () => {{
            const {{ jQuery: $ }} = await window.{_itables_global()};
            return $('{table}').DataTable().rows({{order: 'applied'}}).data().toArray(); }}"""
        hidden = len(figure_index.COLUMNS)

        def number(cell):
            return cell[1] if isinstance(cell, list) else cell

        for label, column, key in (("value", 2, hidden), ("period", 4, hidden + 1)):
            page.click(f"{table} thead th:nth-child({column}) span.dt-column-order")
            page.wait_for_timeout(200)
            result[f"{label}_ascending"] = [number(r[key]) for r in page.evaluate(rows)]
            page.click(f"{table} thead th:nth-child({column}) span.dt-column-order")
            page.wait_for_timeout(200)
            result[f"{label}_descending"] = [number(r[key]) for r in page.evaluate(rows)]
        result["first_link"] = page.get_attribute(f"{table} tbody a", "href")
    finally:
        page.close()
    result["blocked"], result["errors"] = blocked, errors
    return result


def _itables_global() -> str:
    from itables import javascript

    return javascript._itables_underscore_version()


@pytest.mark.slow
def test_figure_index_searches_and_sorts_offline(built_real_book, chromium, package):
    page = built_real_book.html / "figure-index.html"
    html = page.read_text(encoding="utf-8")
    assert not re.findall(r"""<script[^>]+src=["']?(?:https?:)?//""", html)
    seen = check_figure_index_offline(chromium, page.as_uri())
    assert seen["blocked"] == [] and seen["errors"] == []
    total = len(package.figures) + len(package.derived)
    assert f"of {total:,} entries" in seen["info"]
    index = index_frame(package)
    matches = index[figure_index.COLUMNS].apply(
        lambda row: row.str.contains("horgos", case=False).any(), axis=1
    )
    assert 0 < len(seen["searched"]) == matches.sum() < total
    assert all("Horgos" in row for row in seen["searched"])
    assert f"filtered from {total:,} total entries" in seen["searched_info"]
    assert seen["value_ascending"] == sorted(seen["value_ascending"])
    assert seen["value_descending"] == sorted(seen["value_ascending"], reverse=True)
    assert seen["period_ascending"] == sorted(seen["period_ascending"])
    assert seen["period_descending"] == sorted(seen["period_ascending"], reverse=True)
    assert re.fullmatch(r"references\.html#ref-[a-z0-9-]+", seen["first_link"])


@pytest.mark.slow
def test_pdf_gets_the_plain_figure_index_not_the_html(built_real_book):
    import subprocess

    text = subprocess.run(
        ["pdftotext", str(built_real_book.pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Figures and derived figures in" in text
    assert "Loading ITables" not in text and "entries per page" not in text
