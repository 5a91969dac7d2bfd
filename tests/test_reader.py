"""A reader's checks over the whole built book, HTML and PDF.

What tests/test_pages.py checks in the browser on every page (no outside request, no
failed request, no console error, every chart drawn, axe) and tests/test_book_pdf.py
in the PDF (every glued value in its text, no missing glyph, an image per chart) is
not repeated here. This adds every internal link and anchor in the HTML, and the
PDF's hyperlinks.
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

slow = pytest.mark.slow


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("id", "name"):
            if attrs.get(name):
                self.ids.add(attrs[name])
        if tag == "a" and attrs.get("href") is not None:
            self.hrefs.append(attrs["href"])


def parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def broken_links(html_dir: Path) -> list[str]:
    """`page: href` for every link to a page or anchor of the book that does not exist."""
    pages = {
        path.relative_to(html_dir).as_posix(): parse(path)
        for path in sorted(html_dir.rglob("*.html"))
        if "_static" not in path.parts and "_sources" not in path.parts
    }
    broken = []
    for name, links in pages.items():
        for href in links.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("javascript:"):
                continue  # outside the book (test_book_html keeps pages from loading them)
            target = (Path(name).parent / unquote(parts.path)).as_posix() if parts.path else name
            target = str(Path(target)).replace("\\", "/")
            resolved = (html_dir / target).resolve()
            if not resolved.is_relative_to(html_dir.resolve()) or not resolved.exists():
                broken.append(f"{name}: {href} (no such file)")
                continue
            if resolved.is_dir() or not parts.fragment:
                continue
            relative = resolved.relative_to(html_dir.resolve()).as_posix()
            ids = pages[relative].ids if relative in pages else parse(resolved).ids
            if unquote(parts.fragment) not in ids:
                broken.append(f"{name}: {href} (no such anchor)")
    return broken


def test_link_check_finds_broken_links(tmp_path):
    # The check must be able to fail.
    (tmp_path / "a.html").write_text(
        '<p id="here"><a href="#here">ok</a> <a href="b.html#there">ok</a>'
        '<a href="#nowhere">bad</a> <a href="c.html">bad</a> <a href="b.html#gone">bad</a>'
        '<a href="https://example.org/">outside</a></p>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<h1 id="there">B</h1>', encoding="utf-8")
    assert broken_links(tmp_path) == [
        "a.html: #nowhere (no such anchor)",
        "a.html: c.html (no such file)",
        "a.html: b.html#gone (no such anchor)",
    ]


@slow
def test_every_internal_link_and_anchor_resolves_in_the_html(built_book):
    assert broken_links(built_book.html) == []


# -- the PDF's hyperlinks ---------------------------------------------------------------

UNDEFINED = re.compile(
    r"(Hyper reference `[^']*' on page \d+ undefined|Reference `[^']*' on page \d+ undefined"
    r"|There were undefined references|destination with the same identifier)"
)


def pdf_links(pdf: Path) -> list[str]:
    """Targets of the PDF's link annotations, as poppler resolves them."""
    xml = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.findall(r'<a href="([^"]*)"', xml)


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


@slow
def test_every_pdf_link_resolves(built_book):
    log = built_book.tex_log.read_text(encoding="utf-8", errors="replace")
    assert UNDEFINED.findall(log) == []
    links = pdf_links(built_book.pdf)
    pages = pdf_pages(built_book.pdf)
    internal = [link for link in links if not urlsplit(link).scheme]
    # The real book links every citation to its source entry; the minibook its figure.
    assert internal, "no internal links in the PDF"
    targets = [re.fullmatch(r"[^#]*#(\d+)", link) for link in internal]
    bad = [link for link, match in zip(internal, targets, strict=True) if not match]
    assert bad == [], f"links poppler cannot place on a page: {bad[:5]}"
    assert all(1 <= int(m.group(1)) <= pages for m in targets)


@slow
def test_chapter_citations_link_in_the_pdf(built_real_book):
    # Every bracketed citation in a chapter is a link in the HTML and in the PDF.
    html_citations = sum(
        len(re.findall(r'<a class="reference internal" href="#[^"]*-src-', page.read_text()))
        for page in built_real_book.html.glob("*.html")
    )
    assert html_citations > 0
    assert len(pdf_links(built_real_book.pdf)) >= html_citations


# -- the prose reads as written --------------------------------------------------------------

# A word written twice in a row is almost always a glued phrase that already carries its
# noun ("9 operations") beside prose that types it again. Quotes are left out: a source
# may say it that way (the book quotes one garbled phrase as a sign of a poor source).
DOUBLED = re.compile(r"\b([A-Za-z]{2,})\s+\1\b", re.IGNORECASE)


class _Prose(HTMLParser):
    """The text of each paragraph and list item of a page, without quotes, code and cards."""

    SKIP = {"code", "pre", "q", "script", "style", "table", "blockquote"}

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self.skipping: list[str] = []
        self.current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.skipping or tag in self.SKIP or any("card" in c for c in classes):
            if tag not in {"br", "img", "input", "meta", "link", "hr", "wbr"}:
                self.skipping.append(tag)
            return
        if tag in {"p", "li"}:
            self.current = []

    def handle_endtag(self, tag):
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if tag in {"p", "li"} and self.current is not None:
            self.blocks.append(" ".join("".join(self.current).split()))
            self.current = None

    def handle_data(self, data):
        if self.current is not None and not self.skipping:
            self.current.append(data)


def doubled_words(html: str) -> list[str]:
    parser = _Prose()
    parser.feed(html)
    found = []
    for block in parser.blocks:
        # A closing single quote is one not followed by a letter (China’s is not one).
        unquoted = re.sub(r"“[^”]*”|‘.*?’(?![A-Za-z])", "", block)
        found += [match.group(0) for match in DOUBLED.finditer(unquoted)]
    return found


def test_doubled_word_check_can_fail():
    page = (
        "<p>The sources name 9 operations operations of 4 companies.</p>"
        "<p>A garbled phrase, ‘China’s Climate Policy policy action’, is quoted.</p>"
        '<li>Fine <span class="chinaev-card">the the</span> here.</li>'
    )
    assert doubled_words(page) == ["operations operations"]


@slow
def test_no_word_is_written_twice_in_a_row_in_the_prose(built_book):
    found = {
        page.name: words
        for page in sorted(built_book.html.glob("*.html"))
        if (words := doubled_words(page.read_text(encoding="utf-8")))
    }
    assert found == {}


class _Text(HTMLParser):
    """All text a reader sees on a page, less code and scripts."""

    SKIP = {"code", "pre", "script", "style", "textarea"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def raw_links(html: str) -> list[str]:
    """Markdown link syntax showing as text: a link the page should have drawn."""
    parser = _Text()
    parser.feed(html)
    return re.findall(r"\[[^\]\n]*\]?\]\(#[^)\s]*\)", "".join(parser.parts))


def test_raw_link_check_can_fail():
    assert raw_links("<td>26 million [[18]](#x-src-a)</td><pre>[[1]](#code)</pre>") == [
        "[[18]](#x-src-a)"
    ]


@slow
def test_no_page_shows_link_markup_as_text(built_book):
    found = {
        page.name: links
        for page in sorted(built_book.html.glob("*.html"))
        if (links := raw_links(page.read_text(encoding="utf-8")))
    }
    assert found == {}
