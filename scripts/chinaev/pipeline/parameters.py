"""The parameters a chapter is run with: checked, coerced and written for the notebook.

Every chapter gets `datapackage` and `as_of`; `-p NAME VALUE` adds others, which must
be declared in a chosen chapter's `parameters` cell with a default of the same type.
papermill and nbformat are imported only when there are such extra parameters.
"""

from __future__ import annotations

import ast
import json
import keyword
import os
import re
from datetime import date
from pathlib import Path

from chinaev.data.problems import UserError
from chinaev.pipeline.chapters import shown

BUILTIN_PARAMETERS = ("datapackage", "as_of")

# Python types a parameter may take for each type papermill infers from its default.
ACCEPTED_TYPES = {"int": (int,), "float": (int, float), "str": (str,), "bool": (bool,)}


def descriptor_path(datapackage: Path | str) -> Path:
    """The absolute path of a package's datapackage.json (a folder names its own)."""
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


def check_jobs(jobs) -> int:
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UserError(f"jobs must be at least 1, not {jobs!r}")
    return jobs


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


def extra_parameters(parameters: dict, notebooks: list[Path]) -> dict:
    """`-p` parameters coerced, each checked against the chosen chapters' parameters cells."""
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
            f"{shown(notebook)}, cell {_parameters_cell(notebook)} (parameters), field {name}: "
            f"expects {'an' if expected == 'int' else 'a'} {expected} like its default "
            f"{spec.get('default')}, not the {type(value).__name__} {value!r}{hint}"
        )


def _parameters_cell(notebook: Path) -> int | str:
    """1-based number of the cell tagged `parameters`."""
    import nbformat

    cells = nbformat.read(str(notebook), as_version=4).cells
    for number, cell in enumerate(cells, start=1):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return number
    return "?"


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
