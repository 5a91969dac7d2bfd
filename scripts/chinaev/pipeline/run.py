"""Execute chapter notebooks with papermill: in parallel, atomically, reproducibly.

Each chapter `book/<name>.ipynb` is executed in place (or into `output_dir`)
with the parameters `datapackage` and `as_of`, plus any extras. The executed
notebook is committed with its outputs so that nbval can re-run it in CI and
find the book stale when the data changed; three things make that work:

- The `datapackage` parameter is written relative to the notebook's folder
  when the package lies inside the project (the folder holding the book), so
  the committed notebook re-executes identically on any clone.
- Volatile metadata (timestamps, durations, temporary paths, the random id of
  papermill's injected cell) is removed, so re-running on unchanged inputs
  gives a byte-identical file.
- A chapter is written with `os.replace` from a temporary file in the same
  folder: a chapter that fails leaves its previous good notebook untouched.

`fingerprint_parts` hashes, one part at a time, what an execution depends on:
the cells, the chinaev modules the chapter imported, the libraries that shape
outputs, the parameters, and the rows of the data package the chapter read the
last time it ran (reads.py). The parts and their digest are stored in
`metadata.chinaev`; a chapter whose digest is unchanged is skipped, and one that
runs is reported with the parts that changed ("figure x changed").
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import keyword
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nbformat

from chinaev.data import paths, reads
from chinaev.data.problems import UserError

CHAPTERS = ("production", "exports", "policy", "localisation", "western-responses")

KERNEL = "python3"
INJECTED_TAG = "injected-parameters"  # papermill's tag for the cell it adds
BOOK_DIR_ENV = "CHINAEV_BOOK_DIR"  # undocumented: lets tests point the CLI at a fixture book
BUILTIN_PARAMETERS = ("datapackage", "as_of")
CODE_DIR = Path(__file__).resolve().parents[1]  # the chinaev package: chapters' code

# Of papermill's notebook metadata only these are stable across runs; the rest
# are times, durations and the (temporary) input and output paths.
KEPT_PAPERMILL_METADATA = ("default_parameters", "parameters", "version")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class _Job:
    name: str
    source: Path
    output: Path
    cwd: Path
    parameters: dict
    reason: str  # why it runs, for the summary


@dataclass(frozen=True)
class _Outcome:
    name: str
    output: Path
    seconds: float
    reason: str = ""
    error: str | None = None  # one line: where and why the chapter failed


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

    `chapters`: names of notebooks in `book_dir` (default: CHAPTERS, in that order).
    `progress(line)`, if given, hears when each chapter starts and ends.
    `parameters`: extra papermill parameters; string values are coerced with
    `coerce_parameter` (the CLI passes strings). Raises UserError for bad input
    before anything runs, and ChapterFailed (a UserError) after the run when
    any chapter failed.

    Before anything executes, the package's derived figures are checked: stale ones
    are re-derived (`derive=False`: a UserError naming them instead). When a chapter
    is to execute, the package's tables are validated against their Table Schemas
    (types, constraints, keys; `validate=False` skips it); a package with problems is
    a UserError listing them, and nothing runs. Provenance checks (quotes against the
    source texts) are `chinaev validate`'s: a run on other data may change figures.
    """
    book = _book_dir(book_dir)
    names = _select(chapters, book)
    descriptor = _descriptor_path(datapackage)
    as_of = check_as_of(as_of)
    extra = _extra_parameters(parameters or {}, [book / f"{name}.ipynb" for name in names])
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UserError(f"jobs must be at least 1, not {jobs!r}")
    destination = _output_dir(output_dir) if output_dir else book
    # Bad data must never reach a chapter: a chapter that happened to run on it would
    # overwrite its good notebook with wrong numbers.
    # The package is validated first, stale derived values aside, so that bad input
    # writes nothing; then stale derived figures are re-derived (an edited figure must
    # not sit beside derived figures computed from its old value).
    if validate:
        check_package(descriptor)
    notices = refresh_derived(descriptor, derive=derive, leave_broken=False)
    _check_kernel()

    destination.mkdir(parents=True, exist_ok=True)
    values = {
        "datapackage": notebook_datapackage_path(descriptor, destination, project=book.parent),
        "as_of": as_of,
        **extra,
    }
    work, skipped = [], []
    for name in names:
        source, output = book / f"{name}.ipynb", destination / f"{name}.ipynb"
        # A chapter whose output records the digest of the same parts would come out
        # the same: same cells, code, parameters, libraries and rows read.
        reason = "forced" if force else why_run(source, output, descriptor, values)
        # The kernel runs in the output folder, as nbval's will, so the
        # relative datapackage path resolves the same way in both.
        job = _Job(name, source, output, destination, values, reason or "")
        (work if reason else skipped).append(job)
    outcomes = _execute_all(work, min(jobs, len(work)), progress) if work else []

    written = [
        f"{job.name}: skipped, nothing it reads changed -> {_shown(job.output)}" for job in skipped
    ] + [
        f"{o.name}: executed in {o.seconds:.1f} s ({o.reason}) -> {_shown(o.output)}"
        for o in outcomes
        if not o.error
    ]
    written = notices + written
    failures = [o.error for o in outcomes if o.error]
    if failures:
        raise ChapterFailed(failures, written)
    return written


def refresh_derived(
    descriptor: Path, *, derive: bool = True, leave_broken: bool = False
) -> list[str]:
    """Re-derive stale derived figures (or refuse); one line per re-derivation.

    A chapter must never show a changed figure beside derived figures computed
    from its old value. With `leave_broken`, derived figures that cannot be computed
    at all (a missing or non-numeric input) are left for the validation to report.
    """
    from chinaev.data.derive import stale_rows, write_derived

    try:
        problems = stale_rows(descriptor.parent)
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
    if not stale:
        return []
    ids = _derived_ids(descriptor.parent, sorted({p.row for p in stale}))
    if not derive:
        raise UserError(
            f"{len(ids)} derived figure(s) are stale: {', '.join(ids)}; nothing was run "
            "(run `chinaev derive`, or `chinaev run` without --no-derive)",
            stale,
        )
    write_derived(descriptor.parent)
    return [f"derived.csv: {len(ids)} stale derived figure(s) re-derived: {', '.join(ids)}"]


def _derived_ids(folder: Path, lines: list[int]) -> list[str]:
    from chinaev.data.package import read_rows

    rows = read_rows(folder, "derived")
    return [rows[line - 2].get("derived_id", f"line {line}") for line in lines]


def _book_dir(book_dir: Path | str | None) -> Path:
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


def _select(chapters, book: Path) -> list[str]:
    valid = available_chapters(book)
    default = [name for name in valid if (book / f"{name}.ipynb").is_file()]
    names = list(dict.fromkeys(chapters or default))  # drop repeats, keep order
    unknown = [name for name in names if not isinstance(name, str) or name not in valid]
    if unknown:
        raise UserError(
            f"unknown chapter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"choose from: {', '.join(valid)} (the notebooks in {_shown(book)}/)"
        )
    missing = [name for name in names if not (book / f"{name}.ipynb").is_file()]
    if missing:
        raise UserError(
            "no notebook for chapter"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(_shown(book / f"{name}.ipynb") for name in missing)
        )
    return names


def _output_dir(output_dir) -> Path:
    if not isinstance(output_dir, str | Path):
        raise UserError(f"output_dir must be a folder path, not {output_dir!r}")
    path = Path(output_dir).absolute()
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UserError(f"--output-dir {output_dir}: {existing} is a file, not a folder")
    return path


def check_package(descriptor: Path) -> None:
    """Validate the package (all but the checks that need the source texts) or raise
    UserError with every problem. A package found valid is remembered by the hash of
    its files and of this code, so unchanged data is checked once."""
    from chinaev.checks.validate import validate_package
    from chinaev.data.package import read_descriptor

    read_descriptor(descriptor)  # a malformed or unsafe descriptor stops here
    digest = hashlib.sha256()
    for relative, path in package_files(descriptor):
        digest.update(relative.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    for module in sorted(CODE_DIR.rglob("*.py")):
        digest.update(module.read_bytes())
    digest.update(_version("frictionless").encode("utf-8"))
    marker = VALID_CACHE / digest.hexdigest()
    if marker.exists():
        return
    result = validate_package(descriptor, provenance=False)
    # Stale derived values are not bad input: `refresh_derived` re-derives them next
    # (or, with --no-derive, refuses and names them).
    result.problems = [p for p in result.problems if not p.message.startswith("stale:")]
    if result.problems:
        count = len(result.problems)
        raise UserError(
            f"{_shown(descriptor)}: {count} problem{'s' if count > 1 else ''} in the data "
            "package; no chapter was run (`chinaev validate` checks it)",
            result.problems,
        )
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only checkout validates every time


VALID_CACHE = paths.ROOT / ".chinaev-cache" / "valid-packages"


def _descriptor_path(datapackage: Path | str) -> Path:
    if not isinstance(datapackage, str | Path) or not str(datapackage).strip():
        raise UserError(f"datapackage must be a path to datapackage.json, not {datapackage!r}")
    path = Path(datapackage).absolute()
    if path.is_dir():
        path = path / "datapackage.json"
    if not path.is_file():
        raise UserError(f"{path}: no such file (give the data package's datapackage.json)")
    if path.name != "datapackage.json":
        raise UserError(f"{path}: not a data package descriptor (give its datapackage.json)")
    return path


def check_as_of(as_of: str | None) -> str:
    """'' (no cut-off) or an ISO date YYYY-MM-DD; anything else is a UserError."""
    if as_of is not None and not isinstance(as_of, str):
        raise UserError(
            f"as_of must be a date written YYYY-MM-DD such as 2025-06-30, not the "
            f"{type(as_of).__name__} {as_of!r}"
        )
    text = (as_of or "").strip()
    if not text:
        return ""
    # date.fromisoformat alone would also accept 20250630 and 2025-W26-1.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as error:
            raise UserError(
                f"--as-of {as_of!r} is not a calendar date ({error}); write an ISO date "
                "YYYY-MM-DD such as 2025-06-30"
            ) from None
    raise UserError(f"--as-of must be an ISO date YYYY-MM-DD such as 2025-06-30, not {as_of!r}")


def coerce_parameter(value):
    """A CLI string as the Python value it obviously means; other types pass through.

    JSON literals are parsed: `3` -> 3, `0.5` -> 0.5, `true`/`false` -> bool,
    `null` -> None, `[1, 2]` and `{"a": 1}` -> list and dict, `"2025"` (with
    the quotes) -> the string 2025. Python's True, False and None work too.
    Anything else stays a string, so `-p region Europe` needs no quotes.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    python = {"True": True, "False": False, "None": None}
    if text in python:
        return python[text]
    try:
        return json.loads(text)
    except ValueError:
        return value


def _extra_parameters(parameters: dict, notebooks: list[Path]) -> dict:
    extra = {}
    for name, value in parameters.items():
        if name in BUILTIN_PARAMETERS:
            option = "--" + name.replace("_", "-")
            raise UserError(f"parameter {name!r} is set with {option}, not -p")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UserError(f"parameter name {name!r} is not a Python identifier")
        extra[name] = coerce_parameter(value)
    if extra:
        # papermill only logs a warning for a parameter no notebook declares;
        # a typo would then silently change nothing.
        import papermill

        declared = {}
        for notebook in notebooks:
            for name, spec in papermill.inspect_notebook(str(notebook)).items():
                declared.setdefault(name, (notebook, spec))
        unknown = sorted(set(extra) - set(declared))
        if unknown:
            raise UserError(
                f"no chosen chapter has a parameter {', '.join(map(repr, unknown))} "
                f"in its parameters cell (declared: {', '.join(sorted(declared)) or 'none'})"
            )
        for name, value in extra.items():
            notebook, spec = declared[name]
            _check_type(name, value, notebook, spec)
    return extra


# Python types a parameter may take for each type papermill infers from its default.
ACCEPTED_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def _check_type(name: str, value, notebook: Path, spec: dict) -> None:
    """A parameter's value must have the type of its default in the parameters cell."""
    expected = spec.get("inferred_type_name")
    if expected not in ACCEPTED_TYPES:
        # papermill infers a type from an annotation only; else read the default.
        try:
            expected = type(ast.literal_eval(spec.get("default") or "")).__name__
        except (ValueError, SyntaxError):
            return  # an expression: nothing to compare with
    accepted = ACCEPTED_TYPES.get(expected)
    if accepted is None:
        return  # None, a list or an expression: papermill cannot say what it expects
    wrong = not isinstance(value, accepted) or (bool not in accepted and isinstance(value, bool))
    if wrong:
        hint = " (quote a string that looks like a number: '\"2025\"')" if expected == "str" else ""
        raise UserError(
            f"{_shown(notebook)}, cell {_parameters_cell(notebook)} (parameters), field {name}: "
            f"expects {'an' if expected == 'int' else 'a'} {expected} like its default "
            f"{spec.get('default')}, not the {type(value).__name__} {value!r}{hint}"
        )


def _parameters_cell(notebook: Path) -> int | str:
    """1-based number of the cell tagged `parameters`."""
    cells = nbformat.read(str(notebook), as_version=4).cells
    for number, cell in enumerate(cells, start=1):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return number
    return "?"


def _check_kernel() -> None:
    """The python3 kernel must run this environment's Python, where chinaev is installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise UserError(
            f"no Jupyter kernel named {KERNEL}: run `{sys.executable} -m ipykernel install "
            "--sys-prefix` once"
        ) from None
    command = spec.argv[0] if spec.argv else ""
    # jupyter_client replaces these bare names with the running interpreter.
    own = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if command not in own and Path(command).absolute() != Path(sys.executable).absolute():
        raise UserError(
            f"the {KERNEL} kernel ({spec.resource_dir}) runs {command}, not this environment's "
            f"{sys.executable}; remove that kernel spec or run `{sys.executable} -m ipykernel "
            "install --sys-prefix`"
        )


def notebook_datapackage_path(descriptor: Path, notebook_dir: Path, project: Path) -> str:
    """The datapackage parameter as the notebook will see it (POSIX separators).

    Relative to the notebook's folder when both lie inside the project folder,
    so a committed notebook works on any clone; absolute for data elsewhere.
    """
    descriptor, notebook_dir, project = (
        Path(p).absolute() for p in (descriptor, notebook_dir, project)
    )
    if descriptor.is_relative_to(project) and notebook_dir.is_relative_to(project):
        return Path(os.path.relpath(descriptor, notebook_dir)).as_posix()
    return descriptor.as_posix()


def fingerprint_parts(
    notebook_path: Path | str, datapackage: Path | str, parameters: dict, read: dict | None = None
) -> dict[str, str]:
    """What an execution depends on, one short digest per part.

    With `read` (the record of an earlier run, see reads.py) the data part is the
    rows that run read, the package descriptor and the schemas; and the code part
    is the chinaev modules it imported. Without one, or with an `as_of` date
    (which decides through the sources which rows exist), it is every file of the
    package and every module. Outputs and papermill's injected cell are left out
    (the injected cell is the parameters, hashed on their own), so executing a
    notebook does not change the parts of the result.
    """
    parts: dict[str, str] = {}

    def add(label: str, data: bytes) -> None:
        parts[label] = hashlib.sha256(data).hexdigest()[:16]

    notebook = nbformat.read(str(notebook_path), as_version=4)
    cells = [
        {"type": cell.cell_type, "source": cell.source, "tags": list(cell.metadata.get("tags", []))}
        for cell in notebook.cells
        if INJECTED_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    # Markdown too: an output written elsewhere (--output-dir) carries the prose.
    add("cells", json.dumps(cells, sort_keys=True).encode("utf-8"))
    for library in LIBRARIES:
        add(f"library {library}", _version(library).encode("utf-8"))
    modules = (
        list(read["modules"]) if read else [code_path(p) for p in CODE_DIR.rglob("*.py")]
    )
    for module in sorted(modules):
        path = CODE_DIR / module
        add(f"module {module}", path.read_bytes() if path.is_file() else b"<missing>")
    # Files shipped with the code (the map's geometry) shape outputs too.
    for asset in sorted((CODE_DIR / "report" / "geodata").glob("*")):
        if asset.is_file():
            add(f"asset {asset.name}", asset.read_bytes())
    add("parameters", json.dumps(parameters, sort_keys=True, default=str).encode("utf-8"))
    descriptor = _descriptor_path(datapackage)
    whole = read is None or bool(parameters.get("as_of"))
    for relative, path in package_files(descriptor):
        if whole or relative == "datapackage.json" or relative.startswith("schemas/"):
            add(f"file {relative}", path.read_bytes() if path.is_file() else b"<missing>")
    if not whole:
        for key, rows in reads.resolve(read, descriptor).items():
            add(key, json.dumps(rows, sort_keys=True).encode("utf-8"))
    return parts


def code_path(path: Path) -> str:
    """A module of the chinaev package by its path inside it: 'report/prose.py'."""
    return path.relative_to(CODE_DIR).as_posix()


def digest(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def chapter_fingerprint(
    notebook_path: Path | str, datapackage: Path | str, parameters: dict, read: dict | None = None
) -> str:
    """sha256 over `fingerprint_parts`: stored in `metadata.chinaev.fingerprint`."""
    return digest(fingerprint_parts(notebook_path, datapackage, parameters, read))


def why_run(source: Path, output: Path, descriptor: Path, parameters: dict) -> str | None:
    """None when `output` records the digest the inputs have now; else the reason to run."""
    recorded = _chinaev_metadata(output)
    if not recorded.get("fingerprint"):
        return "no earlier run recorded"
    parts = fingerprint_parts(source, descriptor, parameters, recorded.get("reads"))
    if digest(parts) == recorded["fingerprint"]:
        return None
    before = recorded.get("parts") or {}
    changed = [key for key in sorted(set(parts) | set(before)) if parts.get(key) != before.get(key)]
    if not changed or not before:
        return "inputs changed"
    shown = [_part_name(key) for key in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return ", ".join(shown) + more + " changed"


def _part_name(key: str) -> str:
    kind, _, rest = key.partition(":")
    if kind == "record":
        return f"figure {rest}"
    if kind == "iea":
        selection = json.loads(rest)
        return "IEA slice " + "/".join(str(v) for k, v in selection.items() if k != "powertrains")
    if kind in ("source", "correction", "table"):
        return f"{kind} {rest}"
    return key


def _chinaev_metadata(notebook_path: Path) -> dict:
    try:
        notebook = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return notebook.get("metadata", {}).get("chinaev", {}) or {}


def stored_fingerprint(notebook_path: Path) -> str | None:
    """The fingerprint `chinaev run` recorded in an executed notebook, if any."""
    return _chinaev_metadata(notebook_path).get("fingerprint")


# Libraries whose upgrade can change a chapter's outputs (chart specs, tables, glue).
LIBRARIES = ("altair", "vl-convert-python", "pandas", "myst-nb", "papermill", "nbformat")


def _version(library: str) -> str:
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def package_files(datapackage: Path | str) -> list[tuple[str, Path]]:
    """datapackage.json and every local file its resources name (data, schema, dialect)."""
    descriptor = _descriptor_path(datapackage)
    try:
        data = json.loads(descriptor.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UserError(f"{descriptor}: not valid JSON ({error})") from None
    names = {"datapackage.json"}
    resources = data.get("resources", []) if isinstance(data, dict) else []
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        data_paths = resource.get("path", [])
        for value in [
            *(data_paths if isinstance(data_paths, list) else [data_paths]),
            resource.get("schema"),
            resource.get("dialect"),
        ]:
            if isinstance(value, str):
                names.add(value)
    # Through the one safe join: a descriptor cannot make the fingerprint read
    # files outside the package.
    return [
        (name, paths.inside(descriptor.parent, name, what="data package file"))
        for name in sorted(names)
    ]


def _execute_all(work: list[_Job], workers: int, progress=None) -> list[_Outcome]:
    # With more than one job at a time, each chapter runs in its own Python process
    # (papermill changes the process's working directory while it starts a kernel,
    # so two executions cannot share one process); threads only wait for those
    # processes. Plain subprocesses rather than multiprocessing: "spawn" would
    # re-import the caller's __main__, which breaks any script without a __main__
    # guard. One at a time, chapters run in this process: nothing else can see the
    # working directory change, and starting a Python process per chapter cost
    # more than a small chapter's own run.
    execute = _execute_in_subprocess if workers > 1 else _execute_here

    def run(job: _Job) -> _Outcome:
        if progress:
            progress(f"{job.name}: running ({job.reason})")
        outcome = execute(job)
        if progress:
            state = "failed" if outcome.error else "done"
            progress(f"{job.name}: {state} in {outcome.seconds:.1f} s")
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, work))


def _execute_in_subprocess(job: _Job) -> _Outcome:
    started = time.perf_counter()
    request = json.dumps(
        {
            "name": job.name,
            "source": str(job.source),
            "output": str(job.output),
            "cwd": str(job.cwd),
            "parameters": job.parameters,
        },
        default=str,
    )
    # The kernel's own chatter (e.g. ipykernel's TCP warning) goes to the
    # worker's stderr: keep it out of the CLI's output unless the worker crashes.
    done = subprocess.run(
        [sys.executable, "-c", "from chinaev.pipeline.run import _worker; _worker()"],
        input=request,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_RESULT_MARK):
            error = json.loads(line[len(_RESULT_MARK) :])["error"]
            return _Outcome(job.name, job.output, seconds, job.reason, error)
    reason = _last_text_line(done.stderr) or f"exit status {done.returncode}"
    crash = f"{job.name}: the worker crashed: {reason}"
    return _Outcome(job.name, job.output, seconds, job.reason, crash)


_RESULT_MARK = "chinaev-run-result: "


def _execute_here(job: _Job) -> _Outcome:
    """One chapter in this process; the environment and working directory are restored."""
    started = time.perf_counter()
    saved = {name: os.environ.get(name) for name in (SOURCE_ENV, reads.READS_ENV)}
    cwd = os.getcwd()
    try:
        error = _execute(job.name, job.source, job.output, job.cwd, job.parameters)
    finally:
        os.chdir(cwd)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return _Outcome(job.name, job.output, time.perf_counter() - started, job.reason, error)


def _worker() -> None:
    """Entry point of a worker process: a job as JSON on stdin, one result line on stdout."""
    job = json.loads(sys.stdin.read())
    error = _execute(
        job["name"],
        Path(job["source"]),
        Path(job["output"]),
        Path(job["cwd"]),
        job["parameters"],
    )
    print(_RESULT_MARK + json.dumps({"error": error}), flush=True)


SOURCE_ENV = "CHINAEV_CHAPTER_SOURCE"


def _socket_kernel_manager() -> type:
    """A kernel manager whose kernel listens on Unix sockets in a folder of its own.

    Over TCP each kernel is handed five ports found free a moment earlier; kernels
    started at the same moment (`--jobs`, or other runs on the machine) can be handed
    the same port, and one of them dies before it replies. Socket files in a fresh
    private folder cannot collide, and nothing listens on the network.
    """
    from jupyter_client.manager import AsyncKernelManager

    class SocketKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            self._sockets = tempfile.TemporaryDirectory(prefix="chinaev-kernel-")
            kwargs.update(transport="ipc", ip=os.path.join(self._sockets.name, "kernel"))
            super().__init__(**kwargs)

    return SocketKernelManager


def _execute(name: str, source: Path, output: Path, cwd: Path, parameters: dict) -> str | None:
    """Run one chapter into a temporary file, tidy it, then move it into place.

    Returns None, or one line saying where and why the chapter failed; never
    raises for a chapter's own failure, so that the other chapters still run.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp.ipynb", dir=output.parent)
    os.close(handle)
    temporary = Path(temporary)
    # The kernel inherits this variable: it tells the chapter where its own source is,
    # since the kernel's working directory is the output folder (see chapter.py).
    os.environ[SOURCE_ENV] = str(source.absolute())
    record = temporary.with_suffix(".reads.json")
    os.environ[reads.READS_ENV] = str(record)
    try:
        try:
            papermill.execute_notebook(
                str(source),
                str(temporary),
                parameters=parameters,
                kernel_name=KERNEL,
                cwd=str(cwd),
                log_output=False,
                progress_bar=False,
                kernel_manager_class=_socket_kernel_manager(),
                shutdown_kernel="immediate",
            )
        except PapermillExecutionError as error:
            return _describe_failure(name, error)
        except Exception as error:  # kernel died or timed out, unreadable notebook, ...
            return f"{name}: {_last_line(error)}"
        notebook = nbformat.read(str(temporary), as_version=4)
        read = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else None
        descriptor = Path(cwd, parameters["datapackage"])
        parts = fingerprint_parts(source, descriptor, parameters, read)
        tidy(notebook, parts, read)
        _write_durably(notebook, temporary, like=output)
        os.replace(temporary, output)
        return None
    finally:
        temporary.unlink(missing_ok=True)
        record.unlink(missing_ok=True)


def tidy(notebook: nbformat.NotebookNode, parts: dict[str, str], read: dict | None = None) -> None:
    """Remove what changes from run to run; record the fingerprint, its parts and
    what the chapter read; hide papermill's injected parameters from readers."""
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)  # nbclient's per-cell timestamps
        tags = cell.metadata.get("tags", [])
        if INJECTED_TAG in tags:
            if "id" in cell:
                cell.id = INJECTED_TAG  # papermill gives it a random id on every run
            if "remove-cell" not in tags:
                cell.metadata["tags"] = [*tags, "remove-cell"]
    if "papermill" in notebook.metadata:
        kept = {
            key: notebook.metadata.papermill[key]
            for key in KEPT_PAPERMILL_METADATA
            if key in notebook.metadata.papermill
        }
        notebook.metadata.papermill = kept
    notebook.metadata["chinaev"] = {"fingerprint": digest(parts), "parts": parts}
    if read is not None:
        notebook.metadata["chinaev"]["reads"] = read


def _write_durably(notebook: nbformat.NotebookNode, path: Path, like: Path) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        nbformat.write(notebook, stream)
        stream.flush()
        os.fsync(stream.fileno())
    # mkstemp creates files readable by the owner only; keep the old mode or the usual one.
    if like.exists():
        mode = like.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(path, mode)


def _describe_failure(name: str, error) -> str:
    """`name: cell N (In [k], starting "..."): Error: message` - the traceback's last line.

    N counts every cell of the executed notebook, papermill's injected
    parameters cell included; a multi-line message is cut to its first line.
    """
    first = next((line.strip() for line in (error.source or "").splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    message = _text_lines(error.evalue)
    reason = error.ename + (f": {message[0]}" if message else "")
    if len(message) > 1:
        reason += " ..."
    where = f'cell {error.cell_index + 1} (In [{error.exec_count}], starting "{first}")'
    return f"{name}: {where}: {reason}"


def _last_line(error: BaseException) -> str:
    text = _last_text_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _last_text_line(text: str) -> str:
    lines = _text_lines(text)
    return lines[-1] if lines else ""


def _text_lines(text: str | None) -> list[str]:
    return [line.strip() for line in ANSI.sub("", str(text or "")).splitlines() if line.strip()]


def _shown(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else absolute."""
    try:
        return Path(path).absolute().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(path).absolute().as_posix()
