"""The chapters' source reads as prose: little code, no helpers, one way into markup.

These hold the shape issue 16 set for the book's notebooks: a chapter is prose in
markdown cells and a few short code cells that call the library, so an analyst who opens
one to fix a sentence meets the sentence, not the plumbing.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from chapter_source import counts  # noqa: E402

CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
WORDS_PER_CODE_LINE = 15
MOST_CODE_LINES = 1000


def code_of(notebook: Path) -> str:
    cells = nbformat.read(str(notebook), as_version=4).cells
    return "\n".join(cell.source for cell in cells if cell.cell_type == "code")


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_has_fifteen_words_of_prose_per_line_of_code(notebook):
    code, words = counts(notebook)
    assert words >= WORDS_PER_CODE_LINE * code, f"{notebook.stem}: {code} code lines, {words} words"


def test_all_chapters_together_hold_at_most_a_thousand_lines_of_code():
    total = sum(counts(notebook)[0] for notebook in CHAPTERS)
    assert total <= MOST_CODE_LINES


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_no_chapter_defines_a_helper_or_writes_markdown_itself(notebook):
    tree = ast.parse(code_of(notebook))
    defined = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda) and hasattr(node, "name")
    ]
    assert defined == [], f"{notebook.stem} defines {defined}: move it into the library"
    # Markdown reaches a page only through the escaping path (Chapter.md, Chapter.table).
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "Markdown" not in names, f"{notebook.stem} builds Markdown itself"


def test_only_the_escaping_path_builds_markdown_in_the_report_layer():
    # IPython's Markdown output is made in chapter.py only, always from escaped MyST.
    makers = []
    for module in sorted((ROOT / "scripts" / "chinaev").rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Markdown":
                makers.append(module.relative_to(ROOT).as_posix())
    assert set(makers) <= {"scripts/chinaev/report/chapter.py"}, sorted(set(makers))


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_code_cell_hides_its_code_from_the_reader(notebook):
    # The book shows prose, tables and charts; a call into the library printed in the PDF
    # is plumbing on the page.
    hidden = {"hide-input", "remove-cell", "remove-input", "parameters", "injected-parameters"}
    shown = [
        cell.source
        for cell in nbformat.read(str(notebook), as_version=4).cells
        if cell.cell_type == "code" and not hidden & set(cell.metadata.get("tags", []))
    ]
    assert shown == [], f"{notebook.stem}: code shown to the reader: {shown}"
