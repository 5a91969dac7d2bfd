"""The `chinaev` command: validate · import-iea · derive · run · build · export · release.

Only this module parses arguments, prints and chooses exit codes. Every other
module returns values or raises UserError.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import UserError


def _print_problems(problems) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    from chinaev.checks.validate import validate_package

    result = validate_package(
        Path(args.path), seeds=Path(args.seeds) if args.seeds else None, engine=args.engine
    )
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.problems:
        _print_problems(result.problems)
        print(f"{len(result.problems)} problem(s) in {args.path}", file=sys.stderr)
        return 1
    print(f"valid: {args.path}")
    return 0


def cmd_import_iea(args: argparse.Namespace) -> int:
    from chinaev.data.iea import import_iea

    report = import_iea(Path(args.source), Path(args.datapackage), edition=args.edition)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in report.lines():
        print(line)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.problems:
        _print_problems(report.problems)
        print(
            f"{len(report.problems)} problem(s): nothing written, {report.output} left as it was",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_derive(args: argparse.Namespace) -> int:
    from chinaev.data.derive import write_derived

    changed = write_derived(Path(args.datapackage), check=args.check)
    if args.check and changed:
        print(
            "derived.csv, derived_inputs.csv or factcheck_results.csv is stale: "
            "run `chinaev derive`",
            file=sys.stderr,
        )
        return 1
    print("derived figures and fact-check results " + ("rewritten" if changed else "up to date"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from chinaev.data.export import export

    for path in export(Path(args.datapackage), Path(args.out)):
        print(path)
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from chinaev.data.release import record_release

    # The repository's own CITATION.cff follows its own package, never another one.
    own = Path(args.datapackage).resolve() in (paths.DATAPACKAGE, paths.DATAPACKAGE.parent)
    citations = [paths.ROOT / "CITATION.cff"] if own else []
    for line in record_release(Path(args.datapackage), args.version, args.date, citations):
        print(line)
    return 0


def cmd_propose(args: argparse.Namespace) -> int:
    from chinaev.data.propose import propose, write

    proposal = propose(Path(args.file), source_id=args.source_id)
    sys.stdout.write(write(proposal, Path(args.out) if args.out else None))
    return 0


def _progress(line: str) -> None:
    """One whole line at a time: run_chapters calls this from one thread at a time."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def cmd_run(args: argparse.Namespace) -> int:
    from chinaev.pipeline.run import run_chapters

    extra = {name: value for name, value in (args.parameter or [])}
    results = run_chapters(
        args.chapters or None,
        datapackage=Path(args.datapackage),
        as_of=args.as_of,
        parameters=extra,
        jobs=args.jobs,
        output_dir=Path(args.output_dir) if args.output_dir else None,
        book_dir=Path(args.book_dir) if args.book_dir else None,
        force=args.force,
        derive=not args.no_derive,
        progress=_progress,
    )
    for line in results:
        print(line)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from chinaev.pipeline.build import build_book

    builders = [b for b, wanted in (("html", args.html), ("pdf", args.pdf)) if wanted]
    builders = builders or ["html", "pdf"]
    if not args.book_dir:
        output = Path(args.output_dir) if args.output_dir else None
        for line in build_book(builders, output=output):
            print(line)
        return 0
    import os
    import tempfile

    from chinaev.pipeline.build import overlay_book
    from chinaev.pipeline.chapters import BOOK_DIR_ENV

    chapters = Path(args.book_dir)
    if not chapters.is_dir():
        raise UserError(f"{chapters}: no such folder")
    output = Path(args.output_dir) if args.output_dir else chapters / "_build"
    if (chapters / "_toc.yml").exists():  # a whole book
        lines = build_book(builders, book_dir=chapters, output=output)
    else:  # chapters re-run elsewhere, built into the rest of the book
        with tempfile.TemporaryDirectory(prefix="chinaev-book-") as work:
            base = os.environ.get(BOOK_DIR_ENV) or None
            book = overlay_book(chapters, Path(work), base=Path(base) if base else None)
            lines = build_book(builders, book_dir=book, output=output)
    for line in lines:
        print(line)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="chinaev", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="validate a data package (frictionless + provenance)")
    p.add_argument("path", nargs="?", default=str(paths.DATAPACKAGE), help="datapackage.json")
    p.add_argument(
        "--seeds", help="folder of source texts (default: $CHINAEV_SEEDS or ../shared/seeds)"
    )
    p.add_argument(
        "--engine",
        choices=("auto", "fast", "frictionless"),
        default="auto",
        help="who checks the Table Schemas: auto (default) sends data files of 512 KB or "
        "more, and tables with foreign keys into them, to the DuckDB fast path and the rest "
        "to frictionless-py; the problems are the same",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "import-iea", help="import an IEA Global EV Data Explorer CSV into the package"
    )
    p.add_argument("source", help="the IEA CSV download")
    p.add_argument("--datapackage", default=str(paths.DATAPACKAGE))
    p.add_argument("--edition", help="edition label, e.g. GEVO-2025 (default: year in file name)")
    p.set_defaults(func=cmd_import_iea)

    p = sub.add_parser("derive", help="recompute the derived figures")
    p.add_argument("--datapackage", default=str(paths.DATAPACKAGE))
    p.add_argument("--check", action="store_true", help="only report whether derived.csv is stale")
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser(
        "export", help="write the typed tables: chinaev.duckdb and a Parquet file per table"
    )
    p.add_argument("--out", required=True, help="folder to write into (created if missing)")
    p.add_argument("--datapackage", default=str(paths.DATAPACKAGE))
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "release",
        help="record the release in release.json; with --version, first move CHANGELOG's "
        "Unreleased entries under a new dated version and set it in the descriptor and "
        "CITATION.cff files",
    )
    p.add_argument("--version", help="the new version, e.g. 0.3.0 (default: re-record the current)")
    p.add_argument("--date", help="release date YYYY-MM-DD (default: today)")
    p.add_argument("--datapackage", default=str(paths.DATAPACKAGE))
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("run", help="execute chapters with papermill")
    p.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    p.add_argument("--datapackage", default=str(paths.DATAPACKAGE))
    p.add_argument("--as-of", default="", help="ISO date: leave out what was published after it")
    p.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    p.add_argument("--jobs", type=int, default=2, help="chapters executed at once")
    p.add_argument("--output-dir", help="write executed notebooks here instead of book/")
    p.add_argument("--book-dir", help="folder holding the chapter notebooks (default: book/)")
    p.add_argument(
        "--force",
        action="store_true",
        help="execute even chapters whose inputs are unchanged since their last run",
    )
    p.add_argument(
        "--no-derive",
        action="store_true",
        help="refuse to run when derived figures are stale, instead of re-deriving them",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("build", help="build the book with jupyter-book")
    p.add_argument("--html", action="store_true")
    p.add_argument("--pdf", action="store_true")
    p.add_argument(
        "--book-dir",
        help="build the chapter notebooks in this folder (e.g. a `chinaev run --output-dir`) "
        "in place of the book's own; a folder with its own _toc.yml is built as it is",
    )
    p.add_argument(
        "--output-dir",
        help="write html/ and pdf/ here (default: _build, or BOOK_DIR/_build with --book-dir)",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("propose", help="propose sources, figures and audit rows for a text")
    p.add_argument("file", help="the source text (a pack text or a bare text)")
    p.add_argument("--out", help="write sources.csv, figures.csv, audit.csv into this folder")
    p.add_argument("--source-id", help="the source_id to use (default: pack-NNN from the name)")
    p.set_defaults(func=cmd_propose)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as error:
        _print_problems(error.problems)
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
