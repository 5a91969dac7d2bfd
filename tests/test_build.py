"""build_book on the fixture minibook: outputs, glued figures, and atomic failure."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from chinaev.data.problems import UserError
from chinaev.pipeline import build
from chinaev.pipeline.build import build_book
from chinaev.report import charts

slow = pytest.mark.slow


def tree_fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Content hash and mtime of every file under `folder`."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def good_output(built_minibook, tmp_path) -> Path:
    """A private copy of a good build, so a failing build can try to overwrite it."""
    output = tmp_path / "_build"
    shutil.copytree(built_minibook.output, output)
    return output


@slow
def test_build_returns_one_line_per_output(built_minibook):
    assert built_minibook.lines == (
        f"html: {built_minibook.output / 'html' / 'index.html'}",
        f"pdf: {built_minibook.output / 'pdf' / 'book.pdf'}",
    )
    assert (built_minibook.html / "sales.html").exists()
    # No temporary build folders are left beside the outputs.
    assert sorted(p.name for p in built_minibook.output.iterdir()) == ["html", "logs", "pdf"]


@slow
def test_glued_chart_is_a_numbered_interactive_figure_in_html(built_minibook):
    page = (built_minibook.html / "sales.html").read_text(encoding="utf-8")
    figure = page[page.index('<figure class="align-default" id="fig-sales">') :]
    figure = figure[: figure.index("</figure>")]
    assert 'class="chinaev-chart"' in figure and "vegaEmbed" in figure
    assert "Fig. 1.1" in figure and "BYD’s sales passed Tesla’s" in figure
    assert "data:image/png" not in figure  # HTML takes text/html, not the PNG
    assert '<script src="_static/vega-bundle.js' in page
    assert "application/vnd.vegalite" not in page


@slow
def test_glued_chart_is_a_numbered_image_with_caption_in_pdf(built_minibook):
    text = pdf_text(built_minibook.pdf)
    assert "Fig. 1.1: BYD’s sales passed Tesla’s in 2022 (test data)." in text
    assert "Table 1.1: Sales in the last two years (test data)" in text
    assert "vegaEmbed" not in text and "chinaev-chart" not in text  # never the HTML form
    listing = subprocess.run(
        ["pdfimages", "-list", str(built_minibook.pdf)], check=True, capture_output=True, text=True
    ).stdout
    widths = [int(row.split()[3]) for row in listing.splitlines()[2:] if " image " in row]
    assert widths and min(widths) >= 2 * charts.WIDTH  # the 2x PNG, not a thumbnail


@slow
def test_chinese_names_survive_into_the_pdf(built_minibook):
    text = pdf_text(built_minibook.pdf)
    assert "比亚迪" in text and "协同" in text
    fonts = subprocess.run(
        ["pdffonts", str(built_minibook.pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert "CJK" in fonts


@slow
def test_pdf_has_title_page_contents_and_page_numbers(built_minibook):
    text = pdf_text(built_minibook.pdf)
    pages = text.split("\f")
    assert "China's electric-vehicle expansion" in pages[0]
    assert "China EV Book contributors" in pages[0]
    assert any("CONTENTS" in page for page in pages[1:3])
    footers = [page.strip().splitlines()[-1].strip() for page in pages if page.strip()]
    assert sum(footer.isdigit() for footer in footers) >= 2  # arabic page numbers


@slow
def test_broken_toc_raises_and_leaves_previous_output_untouched(
    minibook_source, good_output, tmp_path
):
    before = tree_fingerprint(good_output)
    broken = tmp_path / "_toc.yml"
    broken.write_text(
        (minibook_source / "_toc.yml")
        .read_text(encoding="utf-8")
        .replace("file: sales", "file: no-such-page"),
        encoding="utf-8",
    )
    for builder in ("html", "pdf"):
        with pytest.raises(UserError) as error:
            build_book([builder], book_dir=minibook_source, toc=broken, output=good_output)
        message = str(error.value)
        assert f"{builder} build failed" in message
        assert str(good_output / "logs" / f"{builder}.log") in message
        assert "no-such-page" in message  # the first error lines are quoted
    after = tree_fingerprint(good_output)
    for name in ("html", "pdf"):
        assert {k: v for k, v in after.items() if k.startswith(name)} == {
            k: v for k, v in before.items() if k.startswith(name)
        }
    assert not [p for p in good_output.iterdir() if p.name.startswith(".")]


@slow
def test_a_pdf_that_fails_after_the_html_replaces_neither(minibook_source, good_output, tmp_path):
    # The HTML of this one-page book builds; its PDF cannot (no font has the glyph: XeTeX
    # only warns, and the build fails on the warning). Built as a pair, as `make book`
    # builds them, over the minibook's good outputs, neither output may change: the HTML
    # must not move on to notebooks the PDF does not show.
    book = tmp_path / "book"
    book.mkdir()
    shutil.copytree(minibook_source / "_static", book / "_static")
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf-8")
    (book / "index.md").write_text(
        "# A page\n\nNo font here has a car: \U0001f697.\n", encoding="utf-8"
    )
    before = tree_fingerprint(good_output)
    with pytest.raises(UserError) as error:
        build_book(["html", "pdf"], book_dir=book, output=good_output)
    message = str(error.value)
    assert "missing from the PDF's fonts" in message
    assert "Nothing was replaced" in message and "the two show the same notebooks" in message
    assert f"{good_output / 'pdf'} (stale: built from other notebooks)" in message
    # The LaTeX log of the failed run is kept: it names the missing character.
    assert "Missing character" in (good_output / "logs" / "book-latex.log").read_text()
    after = tree_fingerprint(good_output)
    assert {k: v for k, v in after.items() if not k.startswith("logs")} == {
        k: v for k, v in before.items() if not k.startswith("logs")
    }
    assert not [p for p in good_output.iterdir() if p.name.startswith(".")]


@slow
def test_html_built_alone_says_the_pdf_is_stale(minibook_source, good_output, tmp_path):
    book = tmp_path / "book"
    shutil.copytree(minibook_source, book)
    with (book / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nA sentence the PDF does not have.\n\n```{chinaev-downloads}\n```\n")
    lines = build_book(["html"], book_dir=book, output=good_output)
    assert lines[0] == f"html: {good_output / 'html' / 'index.html'}"
    assert lines[1].startswith("pdf: stale: built from other notebooks than the html")
    page = (good_output / "html" / "index.html").read_text(encoding="utf-8")
    assert '<a href="book.pdf">the book as PDF</a> (built from other notebooks' in page
    assert (good_output / "html" / "book.pdf").is_file()


@slow
def test_an_html_build_with_no_pdf_does_not_link_one(minibook_source, tmp_path):
    book, output = tmp_path / "book", tmp_path / "_build"
    shutil.copytree(minibook_source, book)
    with (book / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n```{chinaev-downloads}\n```\n")
    assert build_book(["html"], book_dir=book, output=output) == [
        f"html: {output / 'html' / 'index.html'}"
    ]
    index = (output / "html" / "index.html").read_text(encoding="utf-8")
    assert "the whole data package (zip)" in index
    for page in (output / "html").glob("*.html"):
        assert "book.pdf" not in page.read_text(encoding="utf-8"), page.name


def test_unknown_builder_and_missing_config_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="unknown builder"):
        build_book(["epub"], output=tmp_path)
    with pytest.raises(UserError, match="config not found"):
        build_book(["html"], config=tmp_path / "nope.yml", output=tmp_path)


def test_bundle_is_written_once_and_wrapped(tmp_path):
    target = build.write_bundle(tmp_path / "_static")
    first = target.stat().st_mtime_ns
    assert target.read_text(encoding="utf-8") == charts.javascript_bundle()
    build.write_bundle(tmp_path / "_static")
    assert target.stat().st_mtime_ns == first


@slow
def test_plain_jupyter_book_without_the_bundle_fails(minibook_source, tmp_path):
    # chinaev.pipeline.sphinx_ext stops a build that lacks the vega bundle before it starts,
    # so running jupyter-book by hand cannot publish a book of blank charts.
    book = tmp_path / "book"
    shutil.copytree(minibook_source, book, ignore=shutil.ignore_patterns(build.BUNDLE_NAME))
    with pytest.raises(UserError, match="vega-bundle.js is not in _static"):
        build._run_jupyter_book(
            "html",
            book,
            build.paths.ROOT / "_config.yml",
            book / "_toc.yml",
            tmp_path / "work",
            tmp_path / "html.log",
            build.paths.ROOT,
        )


@slow
def test_a_page_that_would_load_mathjax_from_a_cdn_fails_the_build(minibook_source, tmp_path):
    book = tmp_path / "book"
    shutil.copytree(minibook_source, book)
    with (book / "index.md").open("a", encoding="utf-8") as page:
        page.write("\nEnergy: {math}`E = mc^2`.\n")
    with pytest.raises(UserError, match="would load https://cdn"):
        build_book(["html"], book_dir=book, output=tmp_path / "_build")


def test_overlay_refuses_a_notebook_that_is_no_chapter(tmp_path):
    from conftest import MINIBOOK

    (tmp_path / "rerun").mkdir()
    (tmp_path / "rerun" / "nonsense.ipynb").write_text("{}", encoding="utf-8")
    with pytest.raises(UserError, match="nonsense.ipynb .* is no chapter"):
        build.overlay_book(tmp_path / "rerun", tmp_path / "work", base=MINIBOOK)


def test_stale_lines_name_the_output_built_from_other_notebooks(tmp_path):
    def outputs(html: dict | None, pdf: dict | None) -> Path:
        out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        for name, file, record in (("html", "index.html", html), ("pdf", "book.pdf", pdf)):
            (out / name).mkdir(parents=True)
            (out / name / file).write_text("x", encoding="utf-8")
            if record is not None:
                (out / name / build.STAMP).write_text(json.dumps(record), encoding="utf-8")
        return out

    same = outputs({"inputs": "a", "pdf": "current"}, {"inputs": "a"})
    assert build._stale_lines(same, ["html", "pdf"]) == []
    differ = outputs({"inputs": "a", "pdf": "stale"}, {"inputs": "b"})
    assert build._stale_lines(differ, ["html"])[0].startswith("pdf: stale: built from other")
    assert build._stale_lines(differ, ["pdf"])[0].startswith("html: stale: built from other")
    unrecorded = outputs({"inputs": "a", "pdf": "stale"}, None)
    assert build._stale_lines(unrecorded, ["html"])[0].startswith("pdf: stale")
    relinked = outputs({"inputs": "a", "pdf": "stale"}, {"inputs": "a"})
    assert build._stale_lines(relinked, ["pdf"])[0].startswith("html: its pages do not link")
