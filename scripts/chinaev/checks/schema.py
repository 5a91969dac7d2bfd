"""Table Schema checks: frictionless-py's verdicts, or the DuckDB fast path's equal ones.

The fast path (chinaev.checks.fastcheck) judges every resource it can and hands the
rest to frictionless-py; `engine="frictionless"` sends everything to frictionless-py.
Both give the same problems (tests/test_fastcheck.py); only the time differs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from chinaev.data.package import DESCRIPTOR, read_descriptor
from chinaev.data.problems import Problem, UserError


def frictionless_problem(resource: str, error) -> Problem:
    """One frictionless error as a Problem: row, field(s), cell and note."""
    fields = (
        getattr(error, "field_name", None)
        or ", ".join(getattr(error, "field_names", None) or [])
        or None
    )
    cell = getattr(error, "cell", None)
    shown = f" {cell!r}" if cell not in (None, "") else ""
    return Problem(
        resource,
        getattr(error, "row_number", None),
        fields,
        f"{error.type}:{shown} {error.note or error.message}",
    )


def _report_problems(report, default: str = DESCRIPTOR) -> list[Problem]:
    """Every error of a frictionless report: those of each resource, then the package's."""
    return [
        frictionless_problem(task.name or default, error)
        for task in report.tasks
        for error in task.errors
    ] + [Problem(DESCRIPTOR, None, None, f"{e.type}: {e.message}") for e in report.errors]


def table_schema_problems(
    folder: Path, engine: str = "auto", notes=None, descriptor: dict | None = None
) -> list[Problem]:
    """Frictionless v2 validation of the package, on the fast path unless engine="frictionless".

    The same steps as frictionless's Package.validate: the descriptor against the
    Data Package profile first (nothing else when it fails), then each resource.
    `descriptor`: datapackage.json as already read (read here if not given).
    """
    if engine == "frictionless":
        return frictionless_problems(folder)
    from frictionless import Package, system

    from chinaev.checks import fastcheck

    descriptor_path = folder / DESCRIPTOR
    problems = _profile_problems(descriptor_path, descriptor)
    if problems:
        return problems
    descriptor = descriptor or read_descriptor(folder)
    package = None  # frictionless's own reading, made only if a resource needs it
    with fastcheck.Checker(folder, descriptor) as checker:
        for name in [resource["name"] for resource in descriptor["resources"]]:
            key = _resource_key(folder, descriptor, name)
            if key in _RESOURCE_VERDICTS:
                problems += _RESOURCE_VERDICTS[key]
                continue
            found = fastcheck.check_resource(folder, descriptor, name, checker=checker)
            if found is not None and key is not None:
                _RESOURCE_VERDICTS[key] = found
            if found is None:
                if notes is not None:
                    notes.append(f"{name}: the fast path cannot judge it; frictionless did")
                with system.use_context(trusted=False):
                    package = package or Package(str(descriptor_path))
                    found = _report_problems(package.get_resource(name).validate(), name)
            problems += found
    return problems


# The fast path's verdict on a resource, by the digest of everything it depends on
# (see _resource_key): a process that validates many copies of one package, each with
# one file changed, reads and types only the changed tables and those whose foreign
# keys point into them.
_RESOURCE_VERDICTS: dict[str, list[Problem]] = {}


def _resource_key(folder: Path, descriptor: dict, name: str) -> str | None:
    """A digest of one resource's descriptor entry, schema and file, and of those of
    every resource its foreign keys read; None when one of them cannot be read."""
    resources = {r.get("name"): r for r in descriptor.get("resources", [])}
    digest = hashlib.sha256()
    pending, seen = [name], set()
    try:
        while pending:
            current = pending.pop()
            if current in seen or current not in resources:
                continue
            seen.add(current)
            resource = resources[current]
            schema = resource.get("schema", {})
            if isinstance(schema, str):
                schema = json.loads((folder / schema).read_text(encoding="utf-8"))
            digest.update(json.dumps([current, resource, schema], sort_keys=True).encode())
            digest.update((folder / resource["path"]).read_bytes())
            for foreign in schema.get("foreignKeys") or []:
                pending.append(foreign.get("reference", {}).get("resource") or current)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return digest.hexdigest()


def _profile_problems(descriptor_path: Path, descriptor: dict | None = None) -> list[Problem]:
    """The descriptor against the Data Package profile, as frictionless-py judges it.

    Building frictionless's metadata objects takes longer than the fast path's checks
    of the data, so a verdict is kept for the process, keyed by the descriptor's bytes
    and its schemas' content (a schema is often a separate file), not by where it lies:
    the profile judges the metadata only, so a copy elsewhere gets the same verdict.
    """
    try:
        inlined = json.dumps(descriptor or read_descriptor(descriptor_path), sort_keys=True)
    except UserError:
        # Let frictionless say what is wrong, and do not keep that verdict.
        return list(_profile_verdict(str(descriptor_path)))
    key = hashlib.sha256(descriptor_path.read_bytes() + inlined.encode()).hexdigest()
    if key not in _PROFILE_VERDICTS:
        _PROFILE_VERDICTS[key] = _profile_verdict(str(descriptor_path))
    return list(_PROFILE_VERDICTS[key])


_PROFILE_VERDICTS: dict[str, tuple[Problem, ...]] = {}  # content digest -> verdict


def _profile_verdict(descriptor_path: str) -> tuple[Problem, ...]:
    """frictionless's problems with the descriptor at `descriptor_path`."""
    from frictionless import FrictionlessException, Package, system

    try:
        with system.use_context(trusted=False):
            Package(descriptor_path).to_descriptor(validate=True)
        return ()
    except FrictionlessException as exception:
        return tuple(
            Problem(DESCRIPTOR, None, None, f"{error.type}: {error.message}")
            for error in exception.to_errors()
        )
    except Exception as error:  # frictionless raises many kinds for a broken descriptor
        return (Problem(DESCRIPTOR, None, None, f"frictionless cannot read it: {error}"),)


def frictionless_problems(folder: Path) -> list[Problem]:
    """Frictionless v2 validation of the whole package, one Problem per error.

    Run untrusted (frictionless's default): it then refuses any path outside the
    package itself, besides the check every path has already passed in read_descriptor.
    """
    from frictionless import Package

    try:
        report = Package(str(folder / DESCRIPTOR)).validate()
    except Exception as error:  # frictionless raises many kinds for a broken descriptor
        return [Problem(DESCRIPTOR, None, None, f"frictionless cannot read it: {error}")]
    return _report_problems(report)
