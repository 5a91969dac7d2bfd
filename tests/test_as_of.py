"""Every chapter executes as it would have read on an earlier date, and still reads.

With `--as-of`, figures published later are left out. A chapter must then still run,
glue every key its prose refers to (or the book build would stop on a missing key),
and show no raw missing-value markers to readers.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from chinaev.pipeline.chapters import CHAPTERS
from chinaev.pipeline.run import run_chapters

REPO = Path(__file__).resolve().parents[1]
GLUE_REF = re.compile(r"\{glue:(?:text|md|any|figure)\}`([^`:]+)(?::[^`]*)?`")
GLUE_FIGURE = re.compile(r"```\{glue:figure\}\s+(\S+)")
RAW_MISSING = re.compile(r"\b(nan|NaN|None|NaT|<NA>)\b")


def glued_keys(notebook) -> dict[str, str]:
    """Every key glued in the executed notebook, with its text/plain form."""
    keys = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            if scrapbook.get("name"):
                # papermill stores glued data under a prefixed mime type
                data = output.get("data", {})
                prefix = scrapbook.get("mime_prefix", "")
                text = data.get(f"{prefix}text/plain", data.get("text/plain"))
                assert text is not None, f"no text/plain for glued key {scrapbook['name']}"
                keys[scrapbook["name"]] = text
    return keys


def referenced_keys(notebook) -> set[str]:
    prose = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    return set(GLUE_REF.findall(prose)) | set(GLUE_FIGURE.findall(prose))


@pytest.mark.slow
@pytest.mark.parametrize("as_of", ["2020-01-01", "2025-03-31"])
def test_every_chapter_reads_sensibly_as_of_an_earlier_date(as_of, tmp_path):
    lines = run_chapters(
        list(CHAPTERS),
        datapackage=REPO / "datapackage" / "datapackage.json",
        as_of=as_of,
        output_dir=tmp_path,
        force=True,
        jobs=1,  # in this process; the suite already keeps both cores busy
    )
    assert len(lines) == len(CHAPTERS)
    for name in CHAPTERS:
        notebook = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
        glued = glued_keys(notebook)
        missing = referenced_keys(notebook) - set(glued)
        assert not missing, f"{name} as of {as_of}: prose refers to unglued keys {sorted(missing)}"
        shown = {key: text for key, text in glued.items() if RAW_MISSING.search(text)}
        assert not shown, f"{name} as of {as_of}: raw missing values shown: {shown}"
