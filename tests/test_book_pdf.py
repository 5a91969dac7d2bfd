"""The PDF holds what the HTML holds: every chart as an image, every glued value as text.

Runs on the fixture minibook and on the real book (see `built_book` in conftest).
"""

from __future__ import annotations

import html
import itertools
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from chinaev.data.problems import UserError
from chinaev.pipeline.build import check_latex_log

# myst-nb renders {glue:text} (and {glue:} of plain values) as this span.
GLUED = re.compile(r'<span class="pasted-text">(.*?)</span>', re.DOTALL)
TAG = re.compile(r"<[^>]+>")


CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])")


def normalise(text: str) -> str:
    """Compare text as a reader would: ligatures split, odd spaces as spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    text = " ".join(text.split())
    # Chinese is written without spaces, so a line break inside a Chinese name is not a
    # space either (pdftotext turns it into one).
    return CJK_GAP.sub("", text)


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def split_at_a_page_break(value: str, pages: list[str]) -> bool:
    """Whether `value` starts at the end of one page's lines and goes on at the start of
    a line on the next page.

    Between the two halves pdftotext puts the page's furniture (page number, running
    header) and any figure LaTeX floated to the top of the next page, so the sentence
    is not contiguous in the text even though a reader sees it whole.
    """
    words = value.split(" ")
    for this, following in itertools.pairwise(pages):
        this_lines, next_lines = this.splitlines(), following.splitlines()
        for k in range(1, len(words)):
            head, tail = " ".join(words[:k]), " ".join(words[k:])
            if head not in normalise(this) or tail not in normalise(following):
                continue
            ends = any(
                normalise("\n".join(this_lines[: i + 1])).endswith(head)
                for i in range(len(this_lines))
            )
            starts = any(
                normalise("\n".join(next_lines[j:])).startswith(tail)
                for j in range(len(next_lines))
            )
            if ends and starts:
                return True
    return False


def pdf_image_count(pdf: Path) -> int:
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    # Rows after the two header lines; soft masks (the PNG's alpha) are not images of their own.
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    return sum(1 for row in rows if len(row) > 2 and row[2] == "image")


def glued_values(html_dir: Path, pages: list[str]) -> dict[str, list[str]]:
    values = {}
    for name in pages:
        text = (html_dir / f"{name}.html").read_text(encoding="utf-8")
        values[name] = [normalise(html.unescape(TAG.sub("", raw))) for raw in GLUED.findall(text)]
    return values


def chart_count(html_dir: Path, pages: list[str]) -> int:
    return sum(
        (html_dir / f"{name}.html").read_text(encoding="utf-8").count('class="chinaev-chart"')
        for name in pages
    )


# A page whose body (between the running header and the page number) has fewer dark
# pixels than this at 40 dpi is empty: a part's title page has about 360, a short
# sentence about 90.
BLANK_INK = 20
HEADER, FOOTER = 0.09, 0.90  # the body's top and bottom, as fractions of the page height


def body_ink(pdf: Path, dpi: int = 40) -> list[int]:
    """Dark pixels in the body of each page, rendered by pdftoppm (greyscale PGM)."""
    counts = []
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), f"{work}/page"], check=True)
        for image in sorted(Path(work).glob("page-*.pgm"), key=lambda p: int(p.stem[5:])):
            data = image.read_bytes()
            _, width, height, _, raster = data.split(maxsplit=4)
            width, height = int(width), int(height)
            pixels = np.frombuffer(raster[-width * height :], dtype=np.uint8)
            body = pixels.reshape(height, width)[int(height * HEADER) : int(height * FOOTER)]
            counts.append(int((body < 200).sum()))
    return counts


@pytest.mark.slow
def test_no_pdf_page_is_blank_or_header_only(built_book):
    # LaTeX's two-sided book opens every part and chapter on a right-hand page and
    # leaves the page before it empty; the book is read on screens (openany, oneside).
    ink = body_ink(built_book.pdf)
    assert len(ink) > 10
    assert [number for number, dots in enumerate(ink, 1) if dots < BLANK_INK] == []


def test_blank_page_check_sees_an_empty_page(tmp_path):
    # The check must be able to fail: a two-page PDF whose second page is empty.
    pdf = tmp_path / "two.pdf"
    text = r"""\documentclass{article}\begin{document}Some text on the first page.
\newpage\thispagestyle{empty}\mbox{}\end{document}"""
    (tmp_path / "two.tex").write_text(text, encoding="utf-8")
    subprocess.run(
        ["xelatex", "-interaction=batchmode", "two.tex"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    ink = body_ink(pdf)
    assert len(ink) == 2 and ink[0] >= BLANK_INK > ink[1]


@pytest.mark.slow
def test_pdf_was_made_by_xetex_with_every_glyph(built_book):
    assert built_book.pdf.stat().st_size > 0
    first_line = built_book.tex_log.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    assert "XeTeX" in first_line
    check_latex_log(built_book.tex_log)  # raises on "Missing character"


@pytest.mark.slow
def test_pdf_has_an_image_for_every_chart(built_book):
    charts = chart_count(built_book.html, built_book.chapter_pages())
    assert charts >= 1
    assert pdf_image_count(built_book.pdf) >= charts


@pytest.mark.slow
def test_every_glued_value_appears_in_the_pdf(built_book):
    raw = pdf_text(built_book.pdf)
    text, pages = normalise(raw), raw.split("\f")
    values = glued_values(built_book.html, built_book.pages())
    assert any(values.values()), "no glued values found: has myst-nb changed its markup?"
    missing = {
        page: [v for v in found if v not in text and not split_at_a_page_break(v, pages)]
        for page, found in values.items()
    }
    assert {page: found for page, found in missing.items() if found} == {}


def test_normalise_treats_print_and_screen_spacing_alike():
    assert normalise("4,272\u00a0000 \ufb01rms\n  sold") == "4,272 000 firms sold"


def test_a_value_may_break_across_pages_but_not_anywhere():
    pages = [
        "the sources agree. The headline growth hides\na shrinking\n\n18\n\nChapter 2\n",
        "Book title\n\nFig. 2.2: A caption.\nexport trade in cars.\n\nNext section",
    ]
    assert split_at_a_page_break("The headline growth hides a shrinking export trade", pages)
    # Both halves must meet at the break: the second half has to start a line.
    assert not split_at_a_page_break("The headline growth hides a shrinking trade", pages)
    assert not split_at_a_page_break("hides a caption", pages)


def test_latex_log_check_fails_on_missing_glyphs_and_other_engines(tmp_path):
    log = tmp_path / "book.log"
    log.write_text(
        "This is XeTeX, Version 3.14\nMissing character: There is no \U0001f697 in font\n"
    )
    with pytest.raises(UserError, match="missing"):
        check_latex_log(log)
    log.write_text("This is pdfTeX, Version 3.14\n")
    with pytest.raises(UserError, match="XeTeX"):
        check_latex_log(log)
    log.write_text("This is XeTeX, Version 3.14\nOutput written on book.pdf\n")
    check_latex_log(log)
