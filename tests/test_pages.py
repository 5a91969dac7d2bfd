"""Every page of the built book in headless Chromium, as a reader opens it.

One test per page, so the pages are spread over the test processes. Each page is
opened once with every request to another host blocked, and must show:

- no request to another host and no failed request, no console or page error;
- every chart drawn (SVG or canvas) inside a box labelled for screen readers;
- no WCAG 2.2 A or AA violation, nor a heading-order or landmark problem, found by
  axe-core (vendored in tests/vendor/axe-core; MPL-2.0).

The pages are the table of contents plus Sphinx's own search and index pages; a test
checks that this is every HTML page the build wrote.
"""

from __future__ import annotations

import pytest
from conftest import REPO, serving, toc_pages
from helpers import visit_page

PAGES = [*toc_pages(REPO / "book" / "_toc.yml"), "genindex", "search"]


def test_every_html_page_is_checked(built_book):
    assert sorted(path.stem for path in built_book.html.glob("*.html")) == sorted(PAGES)


@pytest.mark.slow
@pytest.mark.parametrize("name", PAGES)
def test_page_reads_offline_with_every_chart_and_no_accessibility_violation(
    name, built_book, chromium
):
    with serving(built_book.html) as base_url:
        result = visit_page(chromium, base_url, name)
    assert result["blocked"] == [], f"{name}: requests to other hosts"
    assert result["errors"] == [], f"{name}: console or page errors"
    for chart in result["charts"]:
        assert chart["drawn"] and not chart["error"], f"{name}: chart {chart} not drawn"
        assert chart["role"] == "img" and chart["label"], f"{name}: chart {chart['id']} unlabelled"
    assert result["axe"] == [], f"{name}: axe found violations"
