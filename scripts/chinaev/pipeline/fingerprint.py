"""What a chapter's execution depends on, one digest per part, and whether it must run.

`fingerprint_parts` hashes, one part at a time, what an execution depends on: the
cells, the chinaev modules the chapter imported, the libraries that shape outputs,
the parameters, and the rows of the data package the chapter read the last time it
ran (data/reads.py). The parts and their digest are stored in `metadata.chinaev`; a
chapter whose digest is unchanged is skipped, and one that runs is reported with the
parts that changed ("figure x changed").

Standard library only, on purpose: `chinaev run` with nothing changed reads each
notebook's stored record and recomputes these digests before anything heavier
(pandas, nbformat, papermill, jupyter_client) is imported. That is also why the
notebook is read here with `json` rather than nbformat: `notebook_cells` gives the
cells exactly as `nbformat.read` does for the v4 notebooks the book is made of
(source lines joined), and it accepts an nbformat NotebookNode as well.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path

from chinaev.data import paths, reads
from chinaev.data.problems import UserError
from chinaev.pipeline.parameters import descriptor_path

INJECTED_TAG = "injected-parameters"  # papermill's tag for the cell it adds
CODE_DIR = Path(__file__).resolve().parents[1]  # the chinaev package: chapters' code

# Libraries whose upgrade can change a chapter's outputs (chart specs, tables, glue).
LIBRARIES = ("altair", "vl-convert-python", "pandas", "myst-nb", "papermill", "nbformat")


def read_notebook(path: Path | str) -> dict:
    """A notebook file as plain JSON; {} when it is missing or unreadable."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return notebook if isinstance(notebook, dict) else {}


def stored_record(notebook: dict) -> dict:
    """`metadata.chinaev` of an executed notebook: fingerprint, parts and reads."""
    return (notebook.get("metadata") or {}).get("chinaev") or {}


def notebook_cells(notebook: dict) -> list[dict]:
    """Type, source and tags of every cell but papermill's injected parameters."""
    cells = []
    for cell in notebook.get("cells", []):
        tags = list((cell.get("metadata") or {}).get("tags", []))
        if INJECTED_TAG in tags:
            continue
        source = cell.get("source", "")
        if isinstance(source, list):  # as stored on disk; nbformat joins the lines
            source = "".join(source)
        cells.append({"type": cell.get("cell_type"), "source": source, "tags": tags})
    return cells


def fingerprint_parts(
    notebook: Path | str | dict,
    datapackage: Path | str,
    parameters: dict,
    read: dict | None = None,
    files: list[tuple[str, Path]] | None = None,
) -> dict[str, str]:
    """What an execution depends on, one short digest per part.

    `notebook` is the chapter's source: a path, or the notebook already read.
    With `read` (the record of an earlier run, see reads.py) the data part is the
    rows that run read, the package descriptor and the schemas; and the code part
    is the chinaev modules it imported. Without one, or with an `as_of` date
    (which decides through the sources which rows exist), it is every file of the
    package and every module. Outputs and papermill's injected cell are left out
    (the injected cell is the parameters, hashed on their own), so executing a
    notebook does not change the parts of the result. `files`: `package_files` of
    the package, when the caller has listed them already (one list per command).
    """
    parts: dict[str, str] = {}

    def add(label: str, data: bytes) -> None:
        parts[label] = hashlib.sha256(data).hexdigest()[:16]

    if not isinstance(notebook, dict):
        path = Path(notebook)
        notebook = read_notebook(path)
        if not notebook:
            raise UserError(f"{path}: not a readable notebook")
    # Markdown too: an output written elsewhere (--output-dir) carries the prose.
    add("cells", json.dumps(notebook_cells(notebook), sort_keys=True).encode("utf-8"))
    for library in LIBRARIES:
        add(f"library {library}", version(library).encode("utf-8"))
    modules = list(read["modules"]) if read else [code_path(p) for p in CODE_DIR.rglob("*.py")]
    for module in sorted(modules):
        path = CODE_DIR / module
        add(f"module {module}", path.read_bytes() if path.is_file() else b"<missing>")
    # Files shipped with the code (the map's geometry) shape outputs too.
    for asset in sorted((CODE_DIR / "report" / "geodata").glob("*")):
        if asset.is_file():
            add(f"asset {asset.name}", asset.read_bytes())
    add("parameters", json.dumps(parameters, sort_keys=True, default=str).encode("utf-8"))
    descriptor = descriptor_path(datapackage)
    whole = read is None or bool(parameters.get("as_of"))
    for relative, path in files if files is not None else package_files(descriptor):
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


def why_run(
    source: Path, output: Path, descriptor: Path, parameters: dict, files=None
) -> str | None:
    """None when `output` records the digest the inputs have now; else the reason to run.
    `files`: `package_files(descriptor)`, if listed already."""
    executed = read_notebook(output)
    recorded = stored_record(executed)
    if not recorded.get("fingerprint"):
        return "no earlier run recorded"
    same = Path(source).absolute() == Path(output).absolute()
    parts = fingerprint_parts(
        executed if same else source, descriptor, parameters, recorded.get("reads"), files
    )
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
    if kind == "rows":
        selection = json.loads(rest)
        where = " and ".join(f"{k} {'/'.join(v)}" for k, v in selection["where"].items())
        shown = [*selection.get("columns", []), *filter(None, [selection.get("test")])]
        what = f"columns {', '.join(shown)} of " if shown else ""
        return f"{what}{selection['table']}" + (f" where {where}" if where else "")
    if kind == "files":
        return f"files {rest}"
    if kind in ("source", "correction", "table"):
        return f"{kind} {rest}"
    return key


@functools.cache
def version(library: str) -> str:
    """An installed distribution's version, or 'absent' (asked once per process)."""
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def package_files(datapackage: Path | str) -> list[tuple[str, Path]]:
    """datapackage.json and every local file its resources name (data, schema, dialect)."""
    descriptor = descriptor_path(datapackage)
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


def package_digest(descriptor: Path) -> str:
    """sha256 of every file of the package, every chinaev module and frictionless's
    version: what decides whether the package is valid and its derived figures fresh."""
    hashed = hashlib.sha256()
    for relative, path in package_files(descriptor):
        hashed.update(relative.encode("utf-8") + b"\0")
        hashed.update(path.read_bytes() if path.is_file() else b"<missing>")
    for module in sorted(CODE_DIR.rglob("*.py")):
        hashed.update(module.read_bytes())
    hashed.update(version("frictionless").encode("utf-8"))
    return hashed.hexdigest()
