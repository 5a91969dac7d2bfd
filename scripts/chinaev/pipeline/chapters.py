"""Which chapters there are and which to run: the book folder, its table of contents.

Standard library (and PyYAML for `_toc.yml`) only: `chinaev run` with nothing to do
must not pay for importing papermill or pandas.
"""

from __future__ import annotations

import os
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import UserError

CHAPTERS = ("production", "exports", "policy", "localisation", "western-responses")
BOOK_DIR_ENV = "CHINAEV_BOOK_DIR"  # undocumented: lets tests point the CLI at a fixture book


def book_folder(book_dir: Path | str | None) -> Path:
    """The book folder: `book_dir`, else $CHINAEV_BOOK_DIR, else the project's book/."""
    book = Path(book_dir or os.environ.get(BOOK_DIR_ENV) or paths.BOOK).absolute()
    if not book.is_dir():
        raise UserError(f"{book}: no such book folder")
    return book


def available_chapters(book: Path) -> list[str]:
    """Every notebook of the book: in the order of its table of contents, then the
    five chapters and any other notebook in the folder."""
    present = {path.stem for path in book.glob("*.ipynb") if not path.name.startswith(".")}
    return list(dict.fromkeys([*toc_files(book), *CHAPTERS, *sorted(present)]))


def toc_files(book: Path) -> list[str]:
    """Names in `_toc.yml` (jb-book format), in reading order; [] without one."""
    toc = book / "_toc.yml"
    if not toc.is_file():
        return []
    import yaml

    try:
        data = yaml.safe_load(toc.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise UserError(f"{toc}: not valid YAML ({error})") from None
    names = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                names.append(Path(node["file"]).stem)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return [name for name in names if (book / f"{name}.ipynb").is_file()]


def select(chapters, book: Path) -> list[str]:
    """The chapters asked for (default: every notebook of the book), in the order
    given, repeats dropped; an unknown name or a missing notebook is a UserError."""
    valid = available_chapters(book)
    default = [name for name in valid if (book / f"{name}.ipynb").is_file()]
    names = list(dict.fromkeys(chapters or default))  # drop repeats, keep order
    unknown = [name for name in names if not isinstance(name, str) or name not in valid]
    if unknown:
        raise UserError(
            f"unknown chapter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(valid)} (the notebooks in {shown(book)}/)"
        )
    missing = [name for name in names if not (book / f"{name}.ipynb").is_file()]
    if missing:
        raise UserError(
            "no notebook for chapter"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(shown(book / f"{name}.ipynb") for name in missing)
        )
    return names


def output_folder(output_dir) -> Path:
    """Where executed notebooks go instead of the book folder (created later)."""
    if not isinstance(output_dir, str | Path):
        raise UserError(f"output_dir must be a folder path, not {output_dir!r}")
    path = Path(output_dir).absolute()
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UserError(f"--output-dir {output_dir}: {existing} is a file, not a folder")
    return path


def shown(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else absolute."""
    try:
        return Path(path).absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(path).absolute().as_posix()
