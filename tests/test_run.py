"""`chinaev run`: papermill execution of chapters, on fixture chapters in a temporary project.

The fixture chapters (tests/fixtures/chapters) follow the book's conventions: a
hidden set-up cell, then a `parameters` cell with `datapackage` and `as_of`.
`figure` shows one figure through the real package API, `fails` raises, and
`rendezvous` only finishes when another chapter runs at the same time.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import edit_row, read_csv
from synthetic import edit_figure

from chinaev import cli
from chinaev.data.derive import stale_rows
from chinaev.data.problems import UserError
from chinaev.pipeline import fingerprint
from chinaev.pipeline.chapters import BOOK_DIR_ENV
from chinaev.pipeline.fingerprint import chapter_fingerprint
from chinaev.pipeline.parameters import coerce_parameter, notebook_datapackage_path
from chinaev.pipeline.run import ChapterFailed, run_chapters

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "chapters"


def make_project(root: Path, *chapters: str) -> tuple[Path, Path]:
    """root/book with fixture chapters (name or (name, fixture)) and root/datapackage."""
    book = root / "book"
    book.mkdir(parents=True)
    for chapter in chapters:
        name, fixture = chapter if isinstance(chapter, tuple) else (chapter, chapter)
        shutil.copy2(FIXTURES / f"{fixture}.ipynb", book / f"{name}.ipynb")
    shutil.copytree(REPO / "datapackage", root / "datapackage")
    return book, root / "datapackage" / "datapackage.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def injected_cell(notebook) -> nbformat.NotebookNode:
    [cell] = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    return cell


def stdout_of(notebook) -> str:
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def leftovers(folder: Path) -> list[str]:
    return [path.name for path in folder.glob(".*.tmp.ipynb")]


def set_figure(package: Path, figure_id: str, value: str) -> None:
    """A what-if edit: the figure's value, bounds and as_written (the quote still says
    551,000, which only `chinaev validate`, with the source texts, checks)."""
    edit_figure(package, figure_id, float(value), as_written=f"{int(value):,}")


STALE_BY_MAY = [  # derived figures computed from china_vehicle_exports_2025_05
    "china_nev_share_of_exports_2025_05",
    "china_non_nev_exports_2025_05",
    "china_non_nev_exports_2025_05_growth_yoy",
    "china_vehicle_exports_2024_05",
]


@pytest.mark.slow
def test_parameters_are_injected_with_a_relative_datapackage_path(tmp_path, frozen_code):
    book, descriptor = make_project(tmp_path / "project", "figure")
    lines = run_chapters(
        ["figure"],
        datapackage=descriptor,
        as_of="2025-06-30",
        parameters={"scale": "1000"},  # a string, as from the command line
        book_dir=book,
    )

    assert len(lines) == 1
    assert re.fullmatch(r"figure: executed in \d+\.\d s \(.*\) -> .*/book/figure\.ipynb", lines[0])
    notebook = nbformat.read(book / "figure.ipynb", as_version=4)
    source = injected_cell(notebook).source
    assert 'datapackage = "../datapackage/datapackage.json"' in source
    assert 'as_of = "2025-06-30"' in source
    assert "scale = 1000\n" in source  # coerced to an int
    # The kernel saw them: the figure (published 2025-06) is in the package as of June 30.
    assert "as_of: 2025-06-30; scale: 1000 (int)" in stdout_of(notebook)
    assert "china_vehicle_exports_2025_05: 551\n" in stdout_of(notebook)
    assert leftovers(book) == []

    # No volatile metadata, and the fingerprint of what it was made from.
    assert set(notebook.metadata.papermill) <= {"default_parameters", "parameters", "version"}
    for cell in notebook.cells:
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
    assert injected_cell(notebook).id == "injected-parameters"
    parameters = notebook.metadata.papermill.parameters
    assert parameters == {
        "datapackage": "../datapackage/datapackage.json",
        "as_of": "2025-06-30",
        "scale": 1000,
    }
    # Executing does not change the fingerprint: the next run can compare it.
    assert notebook.metadata.chinaev.fingerprint == chapter_fingerprint(
        book / "figure.ipynb", descriptor, parameters
    )


@pytest.fixture
def frozen_code(tmp_path, monkeypatch) -> Path:
    """A copy of the chinaev sources to fingerprint, safe from edits made during the test."""
    copy = tmp_path / "chinaev-code"
    # Files shipped with the code (the map's geometry) are fingerprinted too (the worker
    # process that executes a chapter fingerprints the real folder, so the copy must match).
    shutil.copytree(fingerprint.CODE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "CODE_DIR", copy)
    return copy


@pytest.mark.slow
def test_reruns_on_unchanged_inputs_are_byte_identical(tmp_path):
    book, descriptor = make_project(tmp_path / "project", "figure")
    out = tmp_path / "out"  # outside the project: the data path is absolute
    run_chapters(["figure"], datapackage=descriptor, output_dir=out, book_dir=book)
    first = sha256(out / "figure.ipynb")
    run_chapters(["figure"], datapackage=descriptor, output_dir=out, book_dir=book, force=True)
    assert sha256(out / "figure.ipynb") == first
    notebook = nbformat.read(out / "figure.ipynb", as_version=4)
    assert notebook.metadata.papermill.parameters.datapackage == descriptor.as_posix()

    # In place, where the second run reads the first run's output, see
    # test_unchanged_chapters_are_skipped_until_an_input_changes.


@pytest.mark.slow
def test_a_failing_chapter_keeps_its_previous_notebook_and_others_are_written(tmp_path):
    book, descriptor = make_project(tmp_path / "project", "figure", "fails")
    previous_fails = (book / "fails.ipynb").read_bytes()
    out = tmp_path / "out"

    with pytest.raises(ChapterFailed) as caught:
        run_chapters(["figure", "fails"], datapackage=descriptor, output_dir=out, book_dir=book)
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    # Cell 5: the set-up, parameters, injected and first cells come before it.
    assert "fails: cell 5 (In [5]" in message
    assert "ValueError: deliberate failure for the tests" in message
    assert "Traceback" not in message and "figures loaded" not in message
    assert caught.value.written[0].startswith("figure: executed in")
    assert (out / "figure.ipynb").exists() and not (out / "fails.ipynb").exists()
    assert (book / "fails.ipynb").read_bytes() == previous_fails
    assert leftovers(out) == []

    # A chapter that worked before and fails now: the good notebook stays.
    run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    good = (book / "figure.ipynb").read_bytes()
    with pytest.raises(UserError, match=r"figure: cell 5 .*KeyError: .*no figure or derived"):
        run_chapters(
            ["figure"], datapackage=descriptor, parameters={"figure_id": "nope"}, book_dir=book
        )
    assert (book / "figure.ipynb").read_bytes() == good
    assert leftovers(book) == []


@pytest.mark.slow
def test_unchanged_chapters_are_skipped_until_an_input_changes(tmp_path):
    book, descriptor = make_project(tmp_path / "project", "figure")
    first = run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    assert first[0].startswith("figure: executed in")
    written = sha256(book / "figure.ipynb")

    again = run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    assert again[0].startswith("figure: skipped, nothing it reads changed")
    assert sha256(book / "figure.ipynb") == written

    forced = run_chapters(["figure"], datapackage=descriptor, book_dir=book, force=True)
    assert forced[0].startswith("figure: executed in")
    # In place, the forced run reads the first run's output: still byte-identical.
    assert sha256(book / "figure.ipynb") == written

    # A what-if edit of a figure: the derived figures computed from it are stale, so
    # they are re-derived before the chapter runs, never shown beside the new value.
    package = descriptor.parent
    set_figure(package, "china_vehicle_exports_2025_05", "561000")
    assert stale_rows(package)
    changed = run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    assert changed[0].startswith("derived.csv: ") and "re-derived" in changed[0]
    for derived_id in STALE_BY_MAY:
        assert derived_id in changed[0]
    assert changed[1].startswith("figure: executed in")
    assert sha256(book / "figure.ipynb") != written
    assert stale_rows(package) == []
    derived = {r["derived_id"]: r for r in read_csv(package / "data" / "derived.csv")}
    assert derived["china_nev_share_of_exports_2025_05"]["value"] == "37.7897"  # 100*212/561
    output = stdout_of(nbformat.read(book / "figure.ipynb", as_version=4))
    assert "china_vehicle_exports_2025_05: 561,000\n" in output


@pytest.mark.slow
def test_editing_one_figure_reruns_only_the_chapters_that_read_it(tmp_path, frozen_code):
    # Two chapters: `cites` reads one exports figure and an IEA slice; `figure` reads
    # the package without a record, so any data edit re-runs it.
    book, descriptor = make_project(tmp_path / "project", "cites", ("other", "cites"))
    run_chapters(["cites", "other"], datapackage=descriptor, book_dir=book, jobs=1)
    other = nbformat.read(book / "other.ipynb", as_version=4)
    read = other.metadata.chinaev.reads
    assert read["records"] == ["china_vehicle_exports_2025_05"]
    assert read["iea"][0]["region"] == "China" and "report/chapter.py" in read["modules"]
    # `other` now reads a different figure: its record changes on its next run.
    edited = nbformat.read(book / "other.ipynb", as_version=4)
    for cell in edited.cells:  # its parameter and the prose that cites it
        cell.source = cell.source.replace(
            "china_vehicle_exports_2025_05", "horgos_vehicle_exports_2024"
        )
    nbformat.write(edited, book / "other.ipynb")
    run_chapters(["other"], datapackage=descriptor, book_dir=book)
    assert run_chapters(["cites", "other"], datapackage=descriptor, book_dir=book) == [
        f"{name}: skipped, nothing it reads changed -> {book / name}.ipynb"
        for name in ("cites", "other")
    ]

    # value and bounds (551,001 still reads as the 551,000 written, within 0.1 %)
    edit_figure(descriptor.parent, "china_vehicle_exports_2025_05", 551001)
    lines = run_chapters(["cites", "other"], datapackage=descriptor, book_dir=book)
    # The edit made derived figures stale: they are re-derived first (see below).
    assert lines[0].startswith("derived.csv: "), lines
    lines = lines[1:]  # then one line per chapter, in the order asked for
    assert re.match(
        r"cites: executed in \S+ s \(figure china_vehicle_exports_2025_05 changed\)", lines[0]
    ), lines
    assert lines[1].startswith("other: skipped, nothing it reads changed"), lines
    assert "551,001" in (book / "cites.ipynb").read_text(encoding="utf-8")

    # An edit to a module the chapters never import (the CLI) re-runs nothing.
    assert all(
        "skipped" in line
        for line in run_chapters(["cites", "other"], datapackage=descriptor, book_dir=book)
    )


@pytest.mark.slow
def test_two_jobs_run_two_chapters_at_the_same_time(tmp_path):
    book, descriptor = make_project(
        tmp_path / "project", ("meet-a", "rendezvous"), ("meet-b", "rendezvous")
    )
    meeting = tmp_path / "meeting"
    meeting.mkdir()
    run_chapters(
        ["meet-a", "meet-b"],
        datapackage=descriptor,
        parameters={"rendezvous": str(meeting)},
        jobs=2,
        book_dir=book,
    )
    # Each kernel waited for the other, so both finishing proves they overlapped.
    for name in ("meet-a", "meet-b"):
        notebook = nbformat.read(book / f"{name}.ipynb", as_version=4)
        assert "met another chapter" in stdout_of(notebook)
    assert len(list(meeting.iterdir())) == 2


@pytest.mark.parametrize(
    ("chapters", "options", "message"),
    [
        (["nonsense"], {}, r"unknown chapter 'nonsense'; choose from: production, exports"),
        (["exports"], {}, r"no notebook for chapter .*exports\.ipynb"),
        (["figure"], {"as_of": "30/06/2025"}, r"ISO date YYYY-MM-DD"),
        (["figure"], {"as_of": "2025-02-30"}, r"ISO date YYYY-MM-DD"),
        (["figure"], {"as_of": "20250630"}, r"ISO date YYYY-MM-DD"),
        (["figure"], {"datapackage": "elsewhere/datapackage.json"}, r"no such file"),
        (["figure"], {"parameters": {"as_of": "2025-01-01"}}, r"set with --as-of"),
        (["figure"], {"parameters": {"scael": "2"}}, r"no chosen chapter has a parameter 'scael'"),
        (["figure"], {"parameters": {"not a name": "2"}}, r"not a Python identifier"),
        (["figure"], {"jobs": 0}, r"jobs must be at least 1"),
    ],
)
def test_bad_input_is_a_user_error(tmp_path, chapters, options, message):
    book, descriptor = make_project(tmp_path / "project", "figure")
    options = {"datapackage": descriptor, **options}
    if not Path(options["datapackage"]).is_absolute():
        options["datapackage"] = tmp_path / options["datapackage"]
    with pytest.raises(UserError, match=message):
        run_chapters(chapters, book_dir=book, **options)
    assert sorted(path.name for path in book.iterdir()) == ["figure.ipynb"]


def test_fingerprint_follows_code_and_data_but_not_outputs(tmp_path, frozen_code):
    book, descriptor = make_project(tmp_path / "project", "figure")
    path = book / "figure.ipynb"
    parameters = {"datapackage": "../datapackage/datapackage.json", "as_of": ""}
    base = chapter_fingerprint(path, descriptor, parameters)
    assert re.fullmatch(r"[0-9a-f]{64}", base)

    figures = descriptor.parent / "data" / "figures.csv"
    original = figures.read_bytes()
    figures.write_bytes(original.replace(b",551000,", b",551001,", 1))
    assert chapter_fingerprint(path, descriptor, parameters) != base
    figures.write_bytes(original)
    assert chapter_fingerprint(path, descriptor, parameters) == base

    schema = descriptor.parent / "schemas" / "figures.json"
    schema.write_bytes(schema.read_bytes() + b"\n")
    assert chapter_fingerprint(path, descriptor, parameters) != base
    shutil.copy2(REPO / "datapackage" / "schemas" / "figures.json", schema)

    assert chapter_fingerprint(path, descriptor, {**parameters, "as_of": "2025-06-30"}) != base

    notebook = nbformat.read(path, as_version=4)
    code = next(cell for cell in notebook.cells if cell.id == "figure")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="anything\n")]
    code.execution_count = 7
    nbformat.write(notebook, path)
    assert chapter_fingerprint(path, descriptor, parameters) == base

    # Prose counts: an output written elsewhere carries it.
    prose = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    prose.source += " More."
    nbformat.write(notebook, path)
    assert chapter_fingerprint(path, descriptor, parameters) != base
    prose.source = prose.source.removesuffix(" More.")
    nbformat.write(notebook, path)
    assert chapter_fingerprint(path, descriptor, parameters) == base

    module = frozen_code / "data" / "package.py"
    original_code = module.read_bytes()
    module.write_bytes(original_code + b"\n# changed\n")
    assert chapter_fingerprint(path, descriptor, parameters) != base
    module.write_bytes(original_code)
    assert chapter_fingerprint(path, descriptor, parameters) == base

    code.source = code.source.replace("scale", "(scale * 1)")
    nbformat.write(notebook, path)
    assert chapter_fingerprint(path, descriptor, parameters) != base


@pytest.mark.slow
def test_cli_runs_a_chapter_and_reports_a_failure_without_traceback(tmp_path, monkeypatch, capsys):
    book, descriptor = make_project(tmp_path / "project", "figure", "fails")
    monkeypatch.setenv(BOOK_DIR_ENV, str(book))
    out = tmp_path / "out"
    command = ["run", "--datapackage", str(descriptor), "--output-dir", str(out)]

    code = cli.main([*command, "figure", "-p", "scale", "2", "--as-of", "2025-06-30"])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert re.fullmatch(
        r"figure: executed in \d+\.\d s \(.*\) -> \S+/out/figure\.ipynb\n", printed.out
    )
    notebook = nbformat.read(out / "figure.ipynb", as_version=4)
    assert "as_of: 2025-06-30; scale: 2 (int)" in stdout_of(notebook)

    code = cli.main([*command, "fails"])
    printed = capsys.readouterr()
    assert code == 1
    assert "error: 1 chapter failed" in printed.err
    assert "fails: cell 5" in printed.err and "Traceback" not in printed.err


def test_no_derive_refuses_and_names_the_stale_rows(tmp_path, monkeypatch, capsys):
    book, descriptor = make_project(tmp_path / "project", "figure")
    package = descriptor.parent
    set_figure(package, "china_vehicle_exports_2025_05", "561000")
    derived_before = (package / "data" / "derived.csv").read_bytes()
    with pytest.raises(UserError, match="stale") as caught:
        run_chapters(["figure"], datapackage=descriptor, book_dir=book, derive=False)
    for derived_id in STALE_BY_MAY:
        assert derived_id in str(caught.value)
    assert {p.resource for p in caught.value.problems} == {"derived"}
    assert (package / "data" / "derived.csv").read_bytes() == derived_before
    assert stdout_of(nbformat.read(book / "figure.ipynb", as_version=4)) == ""  # not executed

    monkeypatch.setenv(BOOK_DIR_ENV, str(book))
    code = cli.main(["run", "figure", "--datapackage", str(descriptor), "--no-derive"])
    err = capsys.readouterr().err
    assert code == 1 and "china_nev_share_of_exports_2025_05" in err and "stale" in err


def test_a_package_whose_tables_are_invalid_is_refused(tmp_path):
    book, descriptor = make_project(tmp_path / "project", "figure")
    package = descriptor.parent
    line = edit_row(package, "figures", "figure_id", "china_ev_sales_2024", unit="furlongs")
    before = (book / "figure.ipynb").read_bytes()
    with pytest.raises(UserError, match="problem") as caught:
        run_chapters(["figure"], datapackage=descriptor, book_dir=book)
    found = {(p.resource, p.row, p.field) for p in caught.value.problems}
    assert ("figures", line, "unit") in found
    assert (book / "figure.ipynb").read_bytes() == before


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-0.5", -0.5),
        ("true", True),
        ("False", False),
        ("null", None),
        ("None", None),
        ("[1, 2]", [1, 2]),
        ('{"a": 1}', {"a": 1}),
        ('"2025"', "2025"),
        ("Europe", "Europe"),
        ("2025-06-30", "2025-06-30"),
        ("", ""),
    ],
)
def test_cli_strings_are_coerced_where_obvious(text, value):
    assert coerce_parameter(text) == value and type(coerce_parameter(text)) is type(value)


def test_datapackage_path_is_relative_only_inside_the_project(tmp_path):
    project = tmp_path / "project"
    descriptor = project / "datapackage" / "datapackage.json"
    assert (
        notebook_datapackage_path(descriptor, project / "book", project)
        == "../datapackage/datapackage.json"
    )
    assert (
        notebook_datapackage_path(descriptor, project / "_build" / "chapters", project)
        == "../../datapackage/datapackage.json"
    )
    elsewhere = tmp_path / "other" / "datapackage.json"
    assert notebook_datapackage_path(elsewhere, project / "book", project) == elsewhere.as_posix()
    assert notebook_datapackage_path(descriptor, tmp_path / "out", project) == descriptor.as_posix()


def test_a_run_with_nothing_to_do_imports_no_heavy_library(tmp_path):
    """With every chapter's stored fingerprint current, `chinaev run` compares digests
    with the standard library only: no pandas, nbformat, papermill or jupyter_client."""
    book, descriptor = make_project(tmp_path / "project", "figure")
    path = book / "figure.ipynb"
    parameters = {"datapackage": "../datapackage/datapackage.json", "as_of": ""}
    parts = fingerprint.fingerprint_parts(path, descriptor, parameters)
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["chinaev"] = {"fingerprint": fingerprint.digest(parts), "parts": parts}
    nbformat.write(notebook, path)
    heavy = ("pandas", "nbformat", "papermill", "jupyter_client", "frictionless")
    script = (
        "import json, sys\n"
        "from chinaev import cli\n"
        "code = cli.main(sys.argv[1:])\n"
        f"print(json.dumps([name for name in {heavy!r} if name in sys.modules]))\n"
        "sys.exit(code)\n"
    )
    command = [sys.executable, "-c", script, "run", "--book-dir", str(book)]
    command += ["--datapackage", str(descriptor)]
    # The first run may validate the package (its check is then remembered).
    subprocess.run(command, check=True, capture_output=True, text=True, cwd=tmp_path)
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tmp_path)
    skipped, imported = done.stdout.splitlines()
    assert skipped == "figure: skipped, nothing it reads changed -> project/book/figure.ipynb"
    assert json.loads(imported) == []
