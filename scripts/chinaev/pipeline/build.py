"""Build the book with Jupyter Book 1 (HTML and a XeLaTeX PDF), atomically.

Each builder runs into a fresh temporary folder beside the destination. Only
a build that succeeds, with warnings treated as errors, replaces
`_build/html` or `_build/pdf/book.pdf`; a failed build leaves the last good
output where it was and raises UserError naming the log.
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import UserError
from chinaev.pipeline import sphinx_ext
from chinaev.report import charts

BUILDERS = ("html", "pdf")
BUNDLE_NAME = "vega-bundle.js"
PDF_NAME = "book.pdf"
# Sphinx writes `<targetname>.tex` (latex_documents in _config.yml); latexmk
# names the PDF and the log after it.
TEX_STEM = "book"
MAX_ERROR_LINES = 12
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def build_book(
    builders: list[str],
    *,
    root: Path = paths.ROOT,
    book_dir: Path | None = None,
    config: Path | None = None,
    toc: Path | None = None,
    output: Path | None = None,
) -> list[str]:
    """Build `builders` ("html", "pdf") and return one line per output written."""
    root = Path(root).resolve()
    book_dir = Path(book_dir or root / "book").resolve()
    config = Path(config or root / "_config.yml").resolve()
    toc = Path(toc or book_dir / "_toc.yml").resolve()
    output = Path(output or root / "_build").resolve()

    unknown = [b for b in builders if b not in BUILDERS]
    if unknown:
        raise UserError(
            f"unknown builder(s) {', '.join(unknown)}; choose from {', '.join(BUILDERS)}"
        )
    for what, path in (("book folder", book_dir), ("config", config), ("table of contents", toc)):
        if not path.exists():
            raise UserError(f"{what} not found: {path}")

    write_bundle(book_dir / "_static")
    output.mkdir(parents=True, exist_ok=True)
    lines = []
    for builder in builders:
        build = _build_html if builder == "html" else _build_pdf
        lines.append(build(book_dir=book_dir, config=config, toc=toc, output=output, root=root))
    return lines


def overlay_book(chapters: Path, work: Path, base: Path | None = None) -> Path:
    """A book folder in `work`: the book at `base` (its table of contents, pages and
    static files) with the notebooks found in `chapters` in place of its own.

    This is how chapters re-run elsewhere (`chinaev run --output-dir`) are built to a
    folder of their own without touching book/. Returns the new book folder.
    """
    base = Path(base or paths.BOOK).resolve()
    chapters = Path(chapters).resolve()
    notebooks = sorted(p for p in chapters.glob("*.ipynb") if not p.name.startswith("."))
    if not notebooks:
        raise UserError(f"{chapters}: no chapter notebook (*.ipynb) to build")
    known = {p.name for p in base.glob("*.ipynb")}
    unknown = [p.name for p in notebooks if p.name not in known]
    if unknown:
        raise UserError(f"{', '.join(unknown)} in {chapters} is no chapter of the book at {base}")
    book = Path(work) / "book"
    shutil.copytree(base, book, ignore=shutil.ignore_patterns("_build", ".*"))
    for notebook in notebooks:
        shutil.copy2(notebook, book / notebook.name)
    return book


def write_bundle(static_dir: Path) -> Path:
    """Write the vega bundle into the book's `_static/` (unchanged files are left alone)."""
    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / BUNDLE_NAME
    text = charts.javascript_bundle()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


def _build_html(*, book_dir: Path, config: Path, toc: Path, output: Path, root: Path) -> str:
    log = output / "logs" / "html.log"
    with tempfile.TemporaryDirectory(prefix=".html-", dir=output) as work:
        built = _run_jupyter_book("html", book_dir, config, toc, Path(work), log, root)
        html = built / "html"
        if not (html / "index.html").exists():
            raise UserError(f"html build wrote no index.html; see {_show(log, root)}")
        _replace_dir(html, output / "html")
    _pdf_beside_html(output)
    return f"html: {_show(output / 'html' / 'index.html', root)}"


def _pdf_beside_html(output: Path) -> None:
    """Every page links to `book.pdf` beside it: put the last good PDF there, if any."""
    pdf, html = output / "pdf" / PDF_NAME, output / "html"
    if pdf.is_file() and html.is_dir():
        _replace_file(pdf, html / PDF_NAME)


def _build_pdf(*, book_dir: Path, config: Path, toc: Path, output: Path, root: Path) -> str:
    log = output / "logs" / "pdf.log"
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=output) as work:
        try:
            built = _run_jupyter_book("pdflatex", book_dir, config, toc, Path(work), log, root)
        finally:
            # Keep the LaTeX log of a failed run: it holds the real error.
            tex_log = Path(work) / "_build" / "latex" / f"{TEX_STEM}.log"
            if tex_log.exists():
                shutil.copyfile(tex_log, output / "logs" / f"{TEX_STEM}-latex.log")
        latex = built / "latex"
        pdf, tex_log = latex / f"{TEX_STEM}.pdf", latex / f"{TEX_STEM}.log"
        if not pdf.exists() or not tex_log.exists():
            raise UserError(f"pdf build wrote no {pdf.name}; see {_show(log, root)}")
        check_latex_log(tex_log, shown=_show(output / "logs" / f"{TEX_STEM}-latex.log", root))

        destination = output / "pdf"
        destination.mkdir(exist_ok=True)
        # The log travels with the PDF so tests can check how this PDF was made.
        _replace_file(tex_log, destination / f"{TEX_STEM}.log")
        _replace_file(pdf, destination / PDF_NAME)
    _pdf_beside_html(output)
    return f"pdf: {_show(destination / PDF_NAME, root)}"


def check_latex_log(tex_log: Path, *, shown: str | None = None) -> None:
    """Raise UserError unless the log shows XeTeX and no glyph went missing."""
    text = tex_log.read_text(encoding="utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    if "XeTeX" not in first:
        raise UserError(f"the PDF was not made by XeTeX (log starts {first[:60]!r}); see {shown}")
    missing = [line for line in text.splitlines() if "Missing character" in line]
    if missing:
        raise UserError(
            f"{len(missing)} character(s) missing from the PDF's fonts; see {shown or tex_log}:\n"
            + "\n".join(sorted(set(missing))[:MAX_ERROR_LINES])
        )


def _run_jupyter_book(
    builder: str, book_dir: Path, config: Path, toc: Path, work: Path, log: Path, root: Path
) -> Path:
    """Run one jupyter-book build into `work`; return `work/_build` or raise UserError."""
    command = [
        *_jupyter_book(),
        "build",
        str(book_dir),
        "--config",
        str(config),
        # Absolute: the CLI checks the toc against the working directory, Sphinx
        # against the source folder; only an absolute path satisfies both.
        "--toc",
        str(toc),
        "--path-output",
        str(work),
        "--builder",
        builder,
        "-W",
        "-n",
        "--keep-going",
    ]
    env = dict(os.environ)
    # Nothing in the output may depend on the day of the build (Sphinx's dates, the
    # PDF's CreationDate, TeX's \today): the clock is set to the data package's date.
    env.setdefault(sphinx_ext.DATAPACKAGE_ENV, str(root / "datapackage" / "datapackage.json"))
    descriptor = Path(env[sphinx_ext.DATAPACKAGE_ENV])
    if "SOURCE_DATE_EPOCH" not in env and descriptor.is_file():
        _, day = sphinx_ext.package_edition(descriptor)
        if day is not None:
            env["SOURCE_DATE_EPOCH"] = str(calendar.timegm(day.timetuple()))
            env["FORCE_SOURCE_DATE"] = "1"
    # The book's config loads chinaev.pipeline.sphinx_ext; make sure Sphinx can import it
    # even when the package is not installed into the running interpreter.
    package_parent = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as sink:
        # stdin closed: a LaTeX error must end the run, not wait for an answer.
        result = subprocess.run(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    # Sphinx colours its output even into a file; keep the log readable in an editor.
    plain = ANSI.sub("", log.read_text(encoding="utf-8", errors="replace"))
    log.write_text(plain, encoding="utf-8")
    if result.returncode != 0:
        raise UserError(
            f"{log.stem} build failed; the previous output is unchanged; see {_show(log, root)}"
            + _first_errors(log, work)
        )
    return work / "_build"


def _jupyter_book() -> list[str]:
    script = Path(sys.executable).parent / "jupyter-book"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def _first_errors(log: Path, work: Path) -> str:
    """The first warning/error lines of a failed run, for the message."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    markers = ("WARNING:", "ERROR:", "Error:", "Exception", "error:")
    found = [line for line in lines if any(marker in line for marker in markers)]
    tex_log = work / "_build" / "latex" / f"{TEX_STEM}.log"
    if tex_log.exists():
        tex_lines = tex_log.read_text(encoding="utf-8", errors="replace").splitlines()
        found += [line for line in tex_lines if line.startswith("!")]
    if not found:
        found = lines[-MAX_ERROR_LINES:]
    return "\n" + "\n".join(found[:MAX_ERROR_LINES]) if found else ""


def _replace_dir(new: Path, destination: Path) -> None:
    """Put `new` at `destination`; the old tree is removed only once the new one is in place."""
    old = None
    if destination.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{destination.name}-old-", dir=destination.parent))
        os.replace(destination, old / destination.name)
    os.replace(new, destination)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _replace_file(new: Path, destination: Path) -> None:
    # Copy beside the destination first so the final step is one rename on
    # the same file system: readers see the old file or the new one, never half.
    staging = destination.with_name(f".{destination.name}.tmp")
    shutil.copyfile(new, staging)
    os.replace(staging, destination)


def _show(path: Path, root: Path) -> str:
    """A path relative to the repository root when it is inside it."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
