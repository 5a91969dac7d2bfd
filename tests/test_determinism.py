"""Two clean builds from the same inputs on different days give the same book.

"Another day" is real. `chinaev derive` and `chinaev import-iea` run a second time
under libfaketime (Debian package faketime), which moves the clock 400 days ahead.
A Jupyter kernel hangs under libfaketime, and latexmk stops when its clock and the
file system's disagree, so chapters and the PDF are made a second time in another
time zone (UTC-12 or UTC+14), where the local date, which Sphinx, TeX's \today and
xdvipdfmx use, is another day at the same moment.
Executed notebooks, data-package outputs and the PDF's text must not change; the
title page carries the data package's version and date instead of the day of the
build.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from helpers import DATAPACKAGE, ROOT
from test_book_pdf import pdf_text

from chinaev.pipeline import sphinx_ext

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
OFFSET_DAYS = 400
CHINAEV = Path(sys.executable).parent / "chinaev"
FIGURE_CHAPTER = ROOT / "tests" / "fixtures" / "chapters" / "figure.ipynb"


def local_date(env: dict) -> date:
    shown = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout.strip()
    return date.fromisoformat(shown)


FAKED = {
    "LD_PRELOAD": str(LIBFAKETIME),
    "FAKETIME": f"+{OFFSET_DAYS}d",
    "FAKETIME_DONT_FAKE_MONOTONIC": "1",
}
# At any moment the local dates in these two zones are one day apart.
ZONES = ({"TZ": "Etc/GMT+12"}, {"TZ": "Etc/GMT-14"})


def other_day_zone() -> dict:
    """A TZ setting whose local date differs from the local date here and now."""
    here = local_date({})
    zone = next(z for z in ZONES if local_date(z) != here)
    return zone


def test_title_page_carries_the_package_edition(built_minibook):
    first_page = pdf_text(built_minibook.pdf).split("\f")[0]
    line = sphinx_ext.edition_line(DATAPACKAGE / "datapackage.json")
    version, day = sphinx_ext.package_edition(DATAPACKAGE / "datapackage.json")
    assert version and day and line == f"Data package {version}, {day.day} {day:%B %Y}"
    assert line in " ".join(first_page.split())
    today = date.today()
    for shown in (f"{today:%b} {today.day:02d}, {today:%Y}", f"{today.day} {today:%B %Y}"):
        assert shown not in first_page or today == day


@pytest.mark.slow
def test_pdf_text_is_the_same_when_built_on_another_day(built_minibook, tmp_path, monkeypatch):
    from chinaev.pipeline.build import build_book

    zone = other_day_zone()
    monkeypatch.setenv("TZ", zone["TZ"])
    build_book(["pdf"], book_dir=built_minibook.source, output=tmp_path / "_build")
    again = pdf_text(tmp_path / "_build" / "pdf" / "book.pdf")
    assert again == pdf_text(built_minibook.pdf)


def chinaev(*args: str, env: dict) -> None:
    done = subprocess.run(
        [str(CHINAEV), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr


def outputs(project: Path) -> dict[str, bytes]:
    """What the pipeline writes: executed notebooks and the package's generated files."""
    files = [project / "book" / "figure.ipynb", project / "datapackage" / "data" / "derived.csv"]
    files += [project / "datapackage" / "data" / "iea.csv"]
    files += sorted((project / "datapackage" / "raw" / "iea").glob("*"))
    return {str(path.relative_to(project)): path.read_bytes() for path in files}


def pipeline(project: Path, clock: dict, zone: dict) -> dict[str, bytes]:
    descriptor = project / "datapackage" / "datapackage.json"
    iea = project.parent / "IEA_Global_EV_Data_2024.csv"
    chinaev("import-iea", str(iea), "--datapackage", str(descriptor), env=clock)
    chinaev("derive", "--datapackage", str(descriptor), env=clock)
    book = str(project / "book")
    chinaev("run", "figure", "--force", "--datapackage", str(descriptor), "--book-dir", book,
            env=zone)  # fmt: skip
    return outputs(project)


def make_project(root: Path) -> Path:
    project = root / "project"
    shutil.copytree(DATAPACKAGE, project / "datapackage", ignore=shutil.ignore_patterns("raw"))
    (project / "book").mkdir()
    shutil.copy2(FIGURE_CHAPTER, project / "book" / "figure.ipynb")
    # A small IEA download, as the IEA writes it: the China and US sales series, and every
    # series that a derived figure or a comparison reads (the importer refuses an edition
    # that lacks a row the package reads).
    tidy = read_rows(DATAPACKAGE / "data" / "iea.csv")
    kept = {(region, "Historical", "EV sales") for region in ("China", "USA")}
    for link in read_rows(DATAPACKAGE / "data" / "derived_inputs.csv"):
        if link["input_kind"] == "iea":
            kept.add((link["region"], link["category"], link["parameter"]))
    for row in read_rows(DATAPACKAGE / "data" / "comparisons.csv"):
        for region in (row["region"], row["denominator_region"]):
            if region:
                kept.add((region, row["category"], row["parameter"]))
    columns = ["region", "category", "parameter", "mode", "powertrain", "year", "unit", "value"]
    with (root / "IEA_Global_EV_Data_2024.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in tidy:
            if (row["region"], row["category"], row["parameter"]) in kept:
                writer.writerow([row[k] for k in columns])
    return project


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_notebooks_and_package_outputs_are_the_same_on_another_day(tmp_path):
    assert local_date(ZONES[1]) - local_date(ZONES[0]) >= timedelta(days=1)
    assert local_date(FAKED) - date.today() >= timedelta(days=OFFSET_DAYS - 1)
    first = pipeline(make_project(tmp_path / "today"), {}, ZONES[0])
    later = pipeline(make_project(tmp_path / "later"), FAKED, ZONES[1])
    assert list(later) == list(first)
    assert [name for name in first if first[name] != later[name]] == []
