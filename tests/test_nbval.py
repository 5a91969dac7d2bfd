"""nbval re-executes the committed chapter notebooks and compares every output.

That is the book's staleness check: a chapter notebook committed before the
data changed no longer matches a fresh execution, and CI fails until someone
runs `chinaev run` and commits the result. The second test proves it, on a
fixture chapter today and on the real exports chapter once it exists.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from chinaev.pipeline.chapters import CHAPTERS
from chinaev.pipeline.run import run_chapters

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
FIXTURES = Path(__file__).parent / "fixtures" / "chapters"
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")
# "China exported 551,000 vehicles in May alone": shown by the fixture chapter.
EXPORTS_FIGURE = "china_vehicle_exports_2025_05"


def nbval(notebooks: list[Path], rootdir: Path) -> subprocess.CompletedProcess:
    """Strict nbval in a fresh pytest process; the kernel starts in each notebook's folder."""
    return subprocess.run(
        nbval_command(notebooks, rootdir), cwd=rootdir, capture_output=True, text=True
    )


def nbval_in_parallel(notebooks: list[Path], rootdir: Path, jobs: int = 2) -> list:
    """nbval over `notebooks` split between `jobs` pytest processes (one kernel each)."""
    groups = [notebooks[i::jobs] for i in range(jobs) if notebooks[i::jobs]]
    running = [
        subprocess.Popen(
            nbval_command(group, rootdir),
            cwd=rootdir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]
    done = []
    for process in running:
        out, err = process.communicate()
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def nbval_command(notebooks: list[Path], rootdir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        *map(str, notebooks),
        # The `=` form matters: pytest takes a bare existing path for a test path.
        f"--nbval-sanitize-with={SANITIZE}",
        # This environment's Python, whatever kernel specs the machine has.
        "--nbval-current-env",
        "-p",
        "no:cacheprovider",
        f"--rootdir={rootdir}",
        "-q",
        "--color=no",
    ]


def report(done: subprocess.CompletedProcess) -> str:
    return f"nbval exit status {done.returncode}\n{done.stdout}\n{done.stderr}"


def committed_chapters() -> tuple[list[Path], list[str]]:
    present = [BOOK / f"{name}.ipynb" for name in CHAPTERS if (BOOK / f"{name}.ipynb").exists()]
    missing = [name for name in CHAPTERS if not (BOOK / f"{name}.ipynb").exists()]
    return present, missing


@pytest.mark.slow
def test_committed_chapters_match_a_fresh_execution():
    present, missing = committed_chapters()
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"chapter notebooks missing from book/: {', '.join(missing)}")
    if not present:
        pytest.skip("no chapter notebook in book/ yet")
    # One pytest process: the suite keeps the other core busy (`nbval_in_parallel` with
    # more jobs splits the chapters between processes, for a run of this test alone).
    for done in nbval_in_parallel(present, REPO, jobs=1):
        assert done.returncode == 0, report(done)


def test_committed_chapters_were_executed_by_chinaev_run():
    """Run by `chinaev run`, so the data path is relative and the notebook works on any clone."""
    present, _ = committed_chapters()
    if not present:
        pytest.skip("no chapter notebook in book/ yet")
    wrong = []
    for path in present:
        notebook = nbformat.read(path, as_version=4)
        parameters = notebook.metadata.get("papermill", {}).get("parameters", {})
        if "fingerprint" not in notebook.metadata.get("chinaev", {}):
            wrong.append(f"{path.name}: not executed by `chinaev run`")
        elif parameters.get("datapackage") != "../datapackage/datapackage.json":
            wrong.append(f"{path.name}: datapackage parameter is {parameters.get('datapackage')!r}")
    assert not wrong, "run `chinaev run` and commit the notebooks:\n" + "\n".join(wrong)


def change_figure_value(figures_csv: Path, figure_id: str, new_value: int) -> None:
    """Set one figure's value (and its bounds, when they equal it, and the number as
    written, so that the package still validates) in place.

    Only that line is rewritten, so the rest of the file stays byte-identical.
    """
    lines = figures_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    for number, line in enumerate(lines):
        if not line.startswith(figure_id + ","):
            continue
        row = dict(zip(header, next(csv.reader([line])), strict=True))
        old = row["value"]
        row["value"] = str(new_value)
        for bound in ("lower", "upper"):
            if row.get(bound) == old:
                row[bound] = str(new_value)
        # The value as written must say the same (the quote is for `chinaev validate`).
        row["as_written"] = f"{new_value:,}"
        out = io.StringIO()
        csv.writer(out, lineterminator=line[len(line.rstrip("\r\n")) :]).writerow(row.values())
        lines[number] = out.getvalue()
        figures_csv.write_text("".join(lines), encoding="utf-8")
        return
    raise AssertionError(f"{figure_id} not in {figures_csv}")


@pytest.mark.slow
def test_nbval_fails_when_data_changed_and_passes_after_chinaev_run(tmp_path):
    """The round trip in a copy of the project, on a small chapter that shows the figure.

    The real chapters are held to the same check by the test above; this one shows the
    check bites: a figure changes, nbval fails on the chapter, `chinaev run` refreshes it.
    """
    project = tmp_path / "project"
    book = project / "book"
    book.mkdir(parents=True)
    shutil.copy2(FIXTURES / "figure.ipynb", book)
    shutil.copytree(
        REPO / "datapackage", project / "datapackage", ignore=shutil.ignore_patterns("raw")
    )
    descriptor = project / "datapackage" / "datapackage.json"
    notebook = book / "figure.ipynb"
    run_chapters(["figure"], datapackage=descriptor, book_dir=book)

    change_figure_value(project / "datapackage" / "data" / "figures.csv", EXPORTS_FIGURE, 561000)
    stale = nbval([notebook], project)
    assert stale.returncode != 0, "nbval missed the changed figure: " + report(stale)
    # Failing because an output changed, not because the chapter crashed.
    assert "Cell outputs differ" in stale.stdout, report(stale)

    run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    refreshed = nbval([notebook], project)
    assert refreshed.returncode == 0, "after chinaev run: " + report(refreshed)
    assert "561,000" in notebook.read_text(encoding="utf-8")
