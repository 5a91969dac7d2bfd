"""The package's descriptor: datapackage.json read, checked and with schemas inlined.

Standard library only: the no-op `chinaev run` reads descriptors before pandas loads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from chinaev.data.paths import inside, outside_references
from chinaev.data.problems import Problem, UnsafePath, UserError

RESOURCES = (
    "sources",
    "figures",
    "derived",
    "audit",
    "entities",
    "aliases",
    "corrections",
    "events",
    "footprint",
    "destinations",
    "metrics",
    "iea",
    "comparisons",
    "factcheck_results",
    "claim_origins",
    "money",
)


def package_dir(path: Path | str) -> Path:
    """Folder of a package given either datapackage.json or its folder."""
    path = Path(path)
    return path.parent if path.suffix == ".json" else path


def read_descriptor(path: Path | str) -> dict:
    """datapackage.json with every schema inlined; UserError (with Problems) if it is
    not JSON, not shaped like a data package, or names a path outside its folder."""
    folder = package_dir(path)
    descriptor_path = folder / DESCRIPTOR
    try:
        text = descriptor_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{descriptor_path}: no such file") from None
    except UnicodeDecodeError as error:
        raise UserError(f"{descriptor_path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise UserError(f"{descriptor_path}: cannot read ({error.strerror or error})") from None
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(
            DESCRIPTOR,
            error.lineno,
            None,
            f"not valid JSON: {error.msg} (column {error.colno})",
            file=DESCRIPTOR,
        )
        raise UserError(f"{descriptor_path}: not valid JSON ({error})", [problem]) from None
    problems = descriptor_problems(descriptor, folder)
    if problems:
        raise UserError(f"{descriptor_path}: not a usable data package descriptor", problems)
    for resource in descriptor["resources"]:
        if isinstance(resource.get("schema"), str):
            resource["schema"] = _read_schema(folder, resource)
    return descriptor


def iea_source_id(descriptor: dict) -> str:
    """The `sources` row the iea resource comes from: its `source_id`, set by the import.

    Empty when the descriptor does not say (`chinaev validate` reports that).
    """
    for resource in descriptor.get("resources", []):
        if resource.get("name") == "iea":
            return str(resource.get("source_id") or "")
    return ""


DESCRIPTOR = "datapackage.json"
RESOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def descriptor_problems(descriptor, folder: Path) -> list[Problem]:
    """What makes a parsed datapackage.json unusable, each naming its JSON location."""

    def problem(where: str, message: str) -> Problem:
        return Problem(DESCRIPTOR, None, where, message, file=DESCRIPTOR)

    if not isinstance(descriptor, dict):
        return [
            problem("(top level)", f"expected a JSON object, found {type(descriptor).__name__}")
        ]
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        return [problem("resources", "expected a non-empty list of resources")]
    problems, names, files = [], {}, {}
    for index, resource in enumerate(resources):
        where = f"resources[{index}]"
        if not isinstance(resource, dict):
            problems.append(problem(where, "expected an object"))
            continue
        name = resource.get("name")
        if not isinstance(name, str) or not RESOURCE_NAME.match(name):
            problems.append(problem(f"{where}.name", f"expected a lower-case name, got {name!r}"))
        elif name in names:
            problems.append(
                problem(f"{where}.name", f"resource {name!r} is listed twice (also {names[name]})")
            )
        else:
            names[name] = where
        data_path = resource.get("path")
        if not isinstance(data_path, str):
            problems.append(
                problem(f"{where}.path", f"expected one relative file path, got {data_path!r}")
            )
        else:
            try:
                target = inside(folder, data_path, what="path").resolve()
            except UnsafePath as error:
                problems.append(problem(f"{where}.path", str(error)))
            else:
                if target in files:
                    problems.append(
                        problem(
                            f"{where}.path", f"{data_path!r} is already the path of {files[target]}"
                        )
                    )
                files[target] = where
        if not isinstance(resource.get("schema"), str | dict):
            problems.append(problem(f"{where}.schema", "expected a schema path or object"))
        for part in ("schema", "dialect"):
            if isinstance(resource.get(part), str):
                try:
                    inside(folder, resource[part], what=part)
                except UnsafePath as error:
                    problems.append(problem(f"{where}.{part}", str(error)))
        problems += [problem(*p) for p in outside_references(resource, folder, where)]
    return problems + [problem(*p) for p in outside_references(descriptor, folder, "")]


def _read_schema(folder: Path, resource: dict) -> dict:
    schema_path = inside(folder, resource["schema"], what="schema")
    where = resource["schema"]
    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"{schema_path}: cannot read schema ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        row = getattr(error, "lineno", None)
        raise UserError(
            f"{schema_path}: cannot read schema ({error})",
            [Problem(where, row, None, f"not valid JSON: {error}", file=where)],
        ) from None
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list) or not all(
        isinstance(spec, dict) and isinstance(spec.get("name"), str) for spec in fields
    ):
        raise UserError(
            f"{schema_path}: not a table schema",
            [Problem(where, None, "fields", "expected a list of fields with names", file=where)],
        )
    return schema


def resource_descriptor(descriptor: dict, name: str) -> dict:
    for resource in descriptor.get("resources", []):
        if resource.get("name") == name:
            return resource
    raise UserError(f"datapackage.json has no resource named {name!r}")


def table_path(folder: Path, resource: dict) -> Path:
    """The CSV file of a resource, through the one safe join."""
    return inside(folder, resource["path"], what=f"resource {resource.get('name')} path")
