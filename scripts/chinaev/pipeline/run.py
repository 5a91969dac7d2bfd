"""`chinaev run`: execute the chapters whose inputs changed since their last run.

Each chapter `book/<name>.ipynb` is executed in place (or into `output_dir`) with
the parameters `datapackage` and `as_of`, plus any extras. The work is split by
concern:

- chapters.py: the book folder, its table of contents, which chapters to run;
- parameters.py: the parameters, checked and coerced;
- fingerprint.py: what an execution depends on, and whether a chapter must run;
- execute.py: the kernel, papermill, tidying and writing the executed notebook.

A run with nothing to do is cheap: the package's cached checks and each chapter's
stored fingerprint are compared with the standard library only; pandas, nbformat,
papermill and jupyter_client are imported only when something has to be validated,
re-derived or executed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import UserError
from chinaev.pipeline import fingerprint
from chinaev.pipeline.chapters import (
    BOOK_DIR_ENV,
    CHAPTERS,
    available_chapters,
    book_folder,
    output_folder,
    select,
    shown,
)
from chinaev.pipeline.parameters import (
    check_as_of,
    check_jobs,
    descriptor_path,
    extra_parameters,
    notebook_datapackage_path,
)

# Imported from here by the CLI and by the figure index chapter (book/figure-index.ipynb).
__all__ = ["BOOK_DIR_ENV", "CHAPTERS", "ChapterFailed", "available_chapters", "run_chapters"]

CACHE_ENV = "CHINAEV_CACHE_DIR"  # where package checks are remembered (benchmarks: a cold one)


def cache_folder(kind: str) -> Path:
    """valid-packages: packages found valid (stale derived values aside);
    fresh-packages: packages whose derived figures are up to date;
    typed-tables: the typed export of a package (the HTML build's downloads)."""
    return Path(os.environ.get(CACHE_ENV) or paths.ROOT / ".chinaev-cache") / kind


class ChapterFailed(UserError):
    """One or more chapters failed; the others were written. Carries both lists."""

    def __init__(self, failures: list[str], written: list[str]):
        count = len(failures)
        lines = [
            f"{count} chapter{'s' if count > 1 else ''} failed "
            "(the previous notebook was left as it was):",
            *(f"  {line}" for line in failures),
        ]
        if written:
            lines += ["written:", *(f"  {line}" for line in written)]
        super().__init__("\n".join(lines))
        self.failures = failures
        self.written = written


def run_chapters(
    chapters: list[str] | tuple[str, ...] | None = None,
    *,
    datapackage: Path | str,
    as_of: str = "",
    parameters: dict | None = None,
    jobs: int = 2,
    output_dir: Path | str | None = None,
    book_dir: Path | str | None = None,
    force: bool = False,
    progress=None,
    derive: bool = True,
    validate: bool = True,
) -> list[str]:
    """Execute chapters; return one line per chapter, e.g. `exports: executed in 4.1 s -> …`.

    `chapters`: names of notebooks in `book_dir` (default: every notebook of the book,
    in the order of its table of contents); the lines come in that order, after any
    line about re-derived figures. `progress(line)`, if given, hears the re-derivation
    and when each chapter starts and ends: one whole line per call, never two calls
    at once. `parameters`: extra papermill parameters; string values are coerced with
    `coerce_parameter` (the CLI passes strings). Raises UserError for bad input
    before anything runs, and ChapterFailed (a UserError) after the run when
    any chapter failed.

    Before anything executes, the package's derived figures are checked: stale ones
    are re-derived (`derive=False`: a UserError naming them instead). The package's
    tables are validated against their Table Schemas (types, constraints, keys;
    `validate=False` skips it); a package with problems is a UserError listing them,
    and nothing runs. Both checks are remembered by the digest of the package and the
    code, so unchanged data is checked once. Provenance checks (quotes against the
    source texts) are `chinaev validate`'s: a run on other data may change figures.
    """
    book = book_folder(book_dir)
    names = select(chapters, book)
    descriptor = descriptor_path(datapackage)
    as_of = check_as_of(as_of)
    extra = extra_parameters(parameters or {}, [book / f"{name}.ipynb" for name in names])
    jobs = check_jobs(jobs)
    destination = output_folder(output_dir) if output_dir else book
    say = _serialized(progress)
    # Bad data must never reach a chapter: a chapter that happened to run on it would
    # overwrite its good notebook with wrong numbers.
    notices = prepare_package(descriptor, validate=validate, derive=derive, progress=say)

    destination.mkdir(parents=True, exist_ok=True)
    values = {
        "datapackage": notebook_datapackage_path(descriptor, destination, project=book.parent),
        "as_of": as_of,
        **extra,
    }
    source = {name: book / f"{name}.ipynb" for name in names}
    output = {name: destination / f"{name}.ipynb" for name in names}
    # A chapter whose output records the digest of the same parts would come out the
    # same: same cells, code, parameters, libraries and rows read.
    files = None if force else fingerprint.package_files(descriptor)  # listed once
    reasons = {
        name: "forced"
        if force
        else fingerprint.why_run(source[name], output[name], descriptor, values, files)
        for name in names
    }
    lines = {
        name: f"{name}: skipped, nothing it reads changed -> {shown(output[name])}"
        for name in names
        if not reasons[name]
    }
    failures = []
    if len(lines) < len(names):
        from chinaev.pipeline import execute

        execute.check_kernel()
        # The kernel runs in the output folder, as nbval's will, so the
        # relative datapackage path resolves the same way in both.
        work = [
            execute.Job(name, source[name], output[name], destination, values, reasons[name])
            for name in names
            if reasons[name]
        ]
        for outcome in execute.execute_all(work, min(jobs, len(work)), say):
            if outcome.error:
                failures.append(outcome.error)
            else:
                lines[outcome.name] = (
                    f"{outcome.name}: executed in {outcome.seconds:.1f} s ({outcome.reason}) "
                    f"-> {shown(outcome.output)}"
                )
    written = notices + [lines[name] for name in names if name in lines]
    if failures:
        raise ChapterFailed(failures, written)
    return written


def _serialized(progress):
    """`progress`, called by one thread at a time (None: a function that does nothing)."""
    lock = threading.Lock()

    def say(line: str) -> None:
        if progress:
            with lock:
                progress(line)

    return say


def prepare_package(descriptor: Path, *, validate=True, derive=True, progress=None) -> list[str]:
    """Validate the package, then re-derive stale derived figures; one line per
    re-derivation. Validity and freshness are remembered by `package_digest`.

    The package is validated first, stale derived values aside, so that bad input
    writes nothing; then stale derived figures are re-derived (an edited figure must
    not sit beside derived figures computed from its old value).
    """
    try:
        key = fingerprint.package_digest(descriptor)
    except UserError:
        # A descriptor that cannot be read: the package reader says where and why.
        from chinaev.data.package import read_descriptor

        read_descriptor(descriptor)
        raise
    if validate:
        check_package(descriptor, key)
    fresh = cache_folder("fresh-packages") / key
    if fresh.exists():
        return []
    notices = refresh_derived(descriptor, derive=derive, progress=progress)
    if not notices:
        _mark(fresh)
    return notices


def check_package(descriptor: Path, key: str | None = None) -> None:
    """Validate the package (all but the checks that need the source texts) or raise
    UserError with every problem. A package found valid is remembered by `key`
    (default: `package_digest`), so unchanged data is checked once."""
    marker = cache_folder("valid-packages") / (key or fingerprint.package_digest(descriptor))
    if marker.exists():
        return
    from chinaev.checks.validate import validate_package
    from chinaev.data.package import read_descriptor

    opened = read_descriptor(descriptor)  # a malformed or unsafe descriptor stops here
    result = validate_package(descriptor, provenance=False, descriptor=opened)
    # Stale derived values are not bad input: `refresh_derived` re-derives them next
    # (or, with --no-derive, refuses and names them).
    result.problems = [p for p in result.problems if not p.message.startswith("stale:")]
    if result.problems:
        count = len(result.problems)
        raise UserError(
            f"{shown(descriptor)}: {count} problem{'s' if count > 1 else ''} in the data "
            "package; no chapter was run (`chinaev validate` checks it)",
            result.problems,
        )
    _mark(marker)


def _mark(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only checkout checks every time


def refresh_derived(
    descriptor: Path, *, derive: bool = True, leave_broken: bool = False, progress=None
) -> list[str]:
    """Re-derive stale derived figures (or refuse); one line per re-derivation.

    A chapter must never show a changed figure beside derived figures computed
    from its old value. With `leave_broken`, derived figures that cannot be computed
    at all (a missing or non-numeric input) are left for the validation to report.
    `progress(line)` hears of a re-derivation before it starts.
    """
    from chinaev.data.csvfile import package_rows
    from chinaev.data.derive import stale_rows, write_derived

    try:
        # Read once, handed to the check, the rewrite and the message.
        tables = package_rows(descriptor.parent)
        problems = stale_rows(descriptor.parent, tables)
    except (UserError, KeyError, ValueError):
        if leave_broken:
            return []
        raise
    stale = [p for p in problems if p.message.startswith("stale:")]
    broken = [p for p in problems if not p.message.startswith("stale:")]
    if broken and leave_broken:
        return []
    if broken:
        raise UserError(
            "derived figures cannot be recomputed; nothing was run (fix derived.csv or its inputs)",
            broken,
        )
    rows = tables["derived"]
    ids = [
        rows[line - 2].get("derived_id", f"line {line}") for line in sorted({p.row for p in stale})
    ]
    results = _stale_results(descriptor.parent)
    if not stale and not results:
        return []
    what = "; ".join(
        part
        for part in (
            f"derived.csv: {len(ids)} stale derived figure(s)" if ids else "",
            f"factcheck_results.csv: {len(results)} stale fact-check result(s)" if results else "",
        )
        if part
    )
    if not derive:
        raise UserError(
            f"{what} are stale: {', '.join(ids + results)}; nothing was run "
            "(run `chinaev derive`, or `chinaev run` without --no-derive)",
            stale,
        )
    if progress:
        progress(f"re-deriving {what}")
    write_derived(descriptor.parent, tables=tables)
    return [f"{what} re-derived: {', '.join(ids + results)}"]


def _stale_results(folder: Path) -> list[str]:
    """The comparisons whose stored fact-check result is stale (as derived now)."""
    from chinaev.data.factcheck.results import stale_results
    from chinaev.data.package import read_rows

    problems = [p for p in stale_results(folder) if p.message.startswith("stale:")]
    rows = read_rows(folder, "factcheck_results")
    lines = sorted({p.row for p in problems if p.row})
    extra = len([p for p in problems if not p.row])
    return [rows[line - 2].get("comparison_id", f"line {line}") for line in lines] + (
        [f"{extra} missing row(s)"] if extra else []
    )
