"""The figure index: its rows, and the display bundle that gives HTML an offline
itables table and LaTeX a plain table (chinaev.figure_index)."""

from __future__ import annotations

import re

import pytest

from chinaev import figure_index, paths
from chinaev.figure_index import FigureIndex, index_frame, period_text
from chinaev.package import load
from chinaev.run import available_chapters


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
    assert plain.count("```{table}") == index["Chapter"].nunique()
    assert plain.count("\n| ") == len(index) + plain.count("```{table}")  # headers + rows
    assert f":widths: {' '.join(map(str, figure_index.PDF_WIDTHS))}" in plain
    assert plain.count(":class: longtable") == plain.count("```{table}")  # breaks across pages
    assert "| Derived from: " in plain and "| nearly 26 million vehicles |" in plain
