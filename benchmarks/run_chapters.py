"""How long `chinaev run` takes: every chapter from scratch, a re-run with nothing
changed (all skipped), and a re-run after one chapter's code changes.

Works on a copy of book/ and datapackage/ in a temporary folder, so the repository is
not touched. Prints a table; asserts nothing.

    .venv/bin/python benchmarks/run_chapters.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from chinaev.pipeline.chapters import CHAPTERS
from chinaev.pipeline.run import run_chapters

ROOT = Path(__file__).resolve().parents[1]


def timed(**options) -> float:
    start = time.perf_counter()
    run_chapters(**options)
    return time.perf_counter() - start


def touch_code_cell(notebook: Path) -> None:
    """Change one code cell so that only this chapter's fingerprint changes."""
    book = nbformat.read(notebook, as_version=4)
    skip = {"parameters", "injected-parameters", "remove-cell"}
    cell = next(
        c
        for c in book.cells
        if c.cell_type == "code" and not skip & set(c.metadata.get("tags", []))
    )
    cell.source += "\n"
    nbformat.write(book, notebook)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[float]] = {
        "all chapters, forced": [],
        "nothing changed": [],
        "one chapter changed": [],
    }
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(
            ROOT / "book", project / "book", ignore=shutil.ignore_patterns("_build", "_static")
        )
        shutil.copytree(
            ROOT / "datapackage", project / "datapackage", ignore=shutil.ignore_patterns("raw")
        )
        options = dict(
            datapackage=project / "datapackage" / "datapackage.json",
            book_dir=project / "book",
            jobs=args.jobs,
        )
        for _ in range(args.repeat):
            results["all chapters, forced"].append(timed(force=True, **options))
            results["nothing changed"].append(timed(**options))
            touch_code_cell(project / "book" / "exports.ipynb")
            results["one chapter changed"].append(timed(**options))
    print(
        f"chinaev run over {len(CHAPTERS)} chapters, {args.jobs} jobs, "
        f"{args.repeat} repeats (seconds)"
    )
    print(f"{'case':<24} {'median':>8} {'min':>8} {'max':>8}")
    for case, seconds in results.items():
        print(
            f"{case:<24} {statistics.median(seconds):>8.2f} {min(seconds):>8.2f} "
            f"{max(seconds):>8.2f}"
        )


if __name__ == "__main__":
    main()
