"""Build the book with Jupyter Book 1 (HTML and a XeLaTeX PDF), atomically.

Every builder asked for runs into one staging folder beside the destination, and
only when all of them succeed, with warnings treated as errors, are `_build/html`
and `_build/pdf` replaced, together: a failed build leaves the last good outputs
where they were and raises UserError naming the log and saying what was kept. Each
output records the notebooks it was built from (`.chinaev-inputs.json`, a digest),
so a build of one output alone says when the other is now stale, and the HTML's
link to the PDF says when that PDF was built from other notebooks.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import UserError
from chinaev.pipeline import downloads, sphinx_ext
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
    """Build `builders` ("html", "pdf") and return one line per output written, then a
    line for an output left built from other notebooks than the one just built."""
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
    builders = [b for b in BUILDERS if b in builders]  # html first: it links the PDF
    stamp = inputs_stamp(book_dir, config, toc)
    if "pdf" in builders:
        pdf_state = "current"
    elif not (output / "pdf" / PDF_NAME).is_file():
        pdf_state = "none"
    else:
        pdf_state = "current" if _stamp_of(output, "pdf") == stamp else "stale"
    args = {"book_dir": book_dir, "config": config, "toc": toc, "root": root}
    # Every output is built into one staging folder and only then moved in, all
    # together: a failure replaces nothing, so the HTML and the PDF never disagree
    # because one of them failed.
    with tempfile.TemporaryDirectory(prefix=".build-", dir=output) as work:
        staging = Path(work)
        for builder in builders:
            build = _build_html if builder == "html" else _build_pdf
            try:
                build(**args, staging=staging, output=output, stamp=stamp, pdf_state=pdf_state)
            except UserError as error:
                raise UserError(f"{error}\n{_kept(output, stamp, root)}") from None
        if pdf_state != "none" and "html" in builders:
            source = staging / "pdf" if "pdf" in builders else output / "pdf"
            shutil.copyfile(source / PDF_NAME, staging / "html" / PDF_NAME)
        for builder in builders:
            _replace_dir(staging / builder, output / builder)
    if builders == ["pdf"]:
        _pdf_beside_html(output)
    lines = [f"{b}: {_show(output / b / OUTPUT_FILE[b], root)}" for b in builders]
    return lines + _stale_lines(output, builders)


OUTPUT_FILE = {"html": "index.html", "pdf": PDF_NAME}
STAMP = ".chinaev-inputs.json"  # in html/ and pdf/: the notebooks each was built from


def inputs_stamp(book_dir: Path, config: Path, toc: Path) -> str:
    """A digest of what an output is built from: the book's notebooks and pages, its
    table of contents and the configuration."""
    files = {"_config.yml": config, "_toc.yml": toc}
    for path in sorted(Path(book_dir).rglob("*")):
        relative = path.relative_to(book_dir)
        if any(part.startswith((".", "_build", "_static")) for part in relative.parts):
            continue
        if path.is_file() and path.suffix in (".ipynb", ".md", ".yml"):
            files.setdefault(relative.as_posix(), path)
    digests = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def _stamp_of(output: Path, builder: str) -> str | None:
    return _record_of(output, builder).get("inputs")


def _record_of(output: Path, builder: str) -> dict:
    try:
        return json.loads((output / builder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_stamp(folder: Path, **record: str) -> None:
    (folder / STAMP).write_text(json.dumps(record, sort_keys=True) + "\n", encoding="utf-8")


def _kept(output: Path, stamp: str, root: Path) -> str:
    """What a failed build left, for its message: each output kept, and whether it
    shows the notebooks just built."""
    there = [b for b in BUILDERS if (output / b / OUTPUT_FILE[b]).is_file()]
    if not there:
        return "Nothing was replaced; there is no earlier output."
    parts = []
    for builder in there:
        old = _stamp_of(output, builder)
        state = "current" if old == stamp else "stale: built from other notebooks"
        parts.append(
            f"{_show(output / builder, root)} ({state if old else 'notebooks unrecorded'})"
        )
    stamps = {_stamp_of(output, b) for b in there}
    pair = ""
    if len(there) == 2 and None not in stamps:
        pair = "; the two show the same notebooks" if len(stamps) == 1 else "; the two differ"
    return f"Nothing was replaced: {' and '.join(parts)} kept as they were{pair}."


def _stale_lines(output: Path, builders: list[str]) -> list[str]:
    """A line for the output not built now if it was built from other notebooks, or if
    the HTML's link to the PDF no longer says the truth."""
    if not all((output / b / OUTPUT_FILE[b]).is_file() for b in BUILDERS):
        return []
    html, pdf = _record_of(output, "html"), _record_of(output, "pdf")  # {}: not recorded
    if html.get("inputs") != pdf.get("inputs"):
        other = "pdf" if builders == ["html"] else "html"
        built = "html" if other == "pdf" else "pdf"
        return [
            f"{other}: stale: built from other notebooks than the {built}; "
            f"run `chinaev build --{other}` (or `chinaev build` for both)"
        ]
    if html.get("pdf") != "current":
        return [
            "html: its pages do not link this PDF as current; run `chinaev build --html` "
            "(or `chinaev build` for both)"
        ]
    return []


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
    for copied in book.glob("*.ipynb"):
        origin = chapters if copied.name in {p.name for p in notebooks} else base
        _pin_datapackage(copied, origin)
    return book


def _pin_datapackage(notebook: Path, origin: Path) -> None:
    """Make a copied notebook's `datapackage` parameter absolute: written relative to
    the folder it was run in (`origin`), it would name nothing from the copy, and the
    pages would lose their source cards, their rows and their package's zip."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    parameters = data.get("metadata", {}).get("papermill", {}).get("parameters", {})
    value = parameters.get("datapackage")
    if value and not Path(value).is_absolute():
        parameters["datapackage"] = (origin / value).resolve().as_posix()
        notebook.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def write_bundle(static_dir: Path) -> Path:
    """Write the vega bundle into the book's `_static/` (unchanged files are left alone)."""
    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / BUNDLE_NAME
    text = charts.javascript_bundle()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


def _build_html(*, book_dir, config, toc, root, staging, output, stamp, pdf_state) -> None:
    log = output / "logs" / "html.log"
    env = {downloads.PDF_STATE_ENV: pdf_state}
    built = _run_jupyter_book("html", book_dir, config, toc, staging / "work-html", log, root, env)
    html = built / "html"
    if not (html / "index.html").exists():
        raise UserError(f"html build wrote no index.html; see {_show(log, root)}")
    os.replace(html, staging / "html")
    _write_stamp(staging / "html", inputs=stamp, pdf=pdf_state)
    shutil.rmtree(staging / "work-html", ignore_errors=True)


def _pdf_beside_html(output: Path) -> None:
    """Pages link to `book.pdf` beside them: put the PDF there, if the HTML links it."""
    pdf, html = output / "pdf" / PDF_NAME, output / "html"
    if pdf.is_file() and html.is_dir() and _record_of(output, "html").get("pdf") != "none":
        _replace_file(pdf, html / PDF_NAME)


def _build_pdf(*, book_dir, config, toc, root, staging, output, stamp, pdf_state) -> None:
    log, work = output / "logs" / "pdf.log", staging / "work-pdf"
    try:
        built = _run_jupyter_book("pdflatex", book_dir, config, toc, work, log, root)
    finally:
        # Keep the LaTeX log of a failed run: it holds the real error.
        tex_log = work / "_build" / "latex" / f"{TEX_STEM}.log"
        if tex_log.exists():
            shutil.copyfile(tex_log, output / "logs" / f"{TEX_STEM}-latex.log")
    latex = built / "latex"
    pdf, tex_log = latex / f"{TEX_STEM}.pdf", latex / f"{TEX_STEM}.log"
    if not pdf.exists() or not tex_log.exists():
        raise UserError(f"pdf build wrote no {pdf.name}; see {_show(log, root)}")
    check_latex_log(tex_log, shown=_show(output / "logs" / f"{TEX_STEM}-latex.log", root))
    destination = staging / "pdf"
    destination.mkdir()
    # The log travels with the PDF so tests can check how this PDF was made.
    os.replace(tex_log, destination / f"{TEX_STEM}.log")
    os.replace(pdf, destination / PDF_NAME)
    _write_stamp(destination, inputs=stamp)
    shutil.rmtree(work, ignore_errors=True)


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
    builder: str,
    book_dir: Path,
    config: Path,
    toc: Path,
    work: Path,
    log: Path,
    root: Path,
    extra_env: dict[str, str] | None = None,
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
    env = {**os.environ, **(extra_env or {})}
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
