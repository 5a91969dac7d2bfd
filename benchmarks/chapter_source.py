"""How much of each chapter's source is code and how much is prose.

Prints, per notebook, the code lines (not blank, not comments) and the words of prose
(markdown cells, with roles such as {num}`id` and {glue:text}`key` not counted as
words), and the words per code line. The goal (issue 16): at most 1,000 code lines in
all, and at least 15 words of prose per code line in every chapter.

    .venv/bin/python benchmarks/chapter_source.py [BOOK_DIR]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROLE = re.compile(r"\{[a-z:]+\}`[^`]*`")


def counts(notebook: Path) -> tuple[int, int]:
    cells = nbformat.read(str(notebook), as_version=4).cells
    code = sum(
        1
        for cell in cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if line.strip() and not line.strip().startswith("#")
    )
    words = sum(
        len(ROLE.sub(" ", cell.source).split()) for cell in cells if cell.cell_type == "markdown"
    )
    return code, words


def main() -> None:
    book = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "book"
    total = 0
    print(f"{'chapter':<20}{'code lines':>11}{'words':>8}{'words/line':>12}")
    for notebook in sorted(book.glob("*.ipynb")):
        code, words = counts(notebook)
        total += code
        ratio = words / code if code else float("inf")
        flag = "" if ratio >= 15 else "  (below 15)"
        print(f"{notebook.stem:<20}{code:>11}{words:>8}{ratio:>12.1f}{flag}")
    print(f"{'all':<20}{total:>11}")


if __name__ == "__main__":
    main()
