"""Releases of the data package: version, date, CHANGELOG.md and the data they cover.

`release.json` in the package records the latest release: its version, its date and a
sha256 digest of every data and schema file the descriptor names (and each file's own
digest, so that a check can say which files changed). `chinaev validate` compares the
files with it (chinaev.checks.release): data that differ from the release need an entry
under "Unreleased" in CHANGELOG.md. `chinaev release` writes it (record_release).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from chinaev.data.files import write_text_atomically
from chinaev.data.package import DESCRIPTOR, package_dir
from chinaev.data.paths import inside
from chinaev.data.problems import UserError

RELEASE = "release.json"
CHANGELOG = "CHANGELOG.md"
UNRELEASED = "Unreleased"
HEADING = re.compile(r"^##\s+(.*?)\s*$")
# "## 0.2.0 — 2026-12-06" (an en or em dash, or a hyphen)
VERSION_HEADING = re.compile(r"^\[?v?(\d+\.\d+\.\d+[^\s\]]*)\]?\s+[—–-]+\s+(\d{4}-\d{2}-\d{2})$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def data_files(folder: Path) -> list[str]:
    """The files a release covers: each resource's data file and schema file."""
    descriptor = json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))
    found = set()
    for resource in descriptor.get("resources", []):
        for part in ("path", "schema"):
            if isinstance(resource.get(part), str):
                inside(folder, resource[part], what=part)  # never a file outside
                found.add(resource[part].strip())
    return sorted(found)


def file_digests(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in data_files(folder)
        if (folder / name).is_file()
    }


def digest(files: dict[str, str]) -> str:
    """One digest of many files: sha256 over their sorted names and digests."""
    text = "".join(f"{name}\0{files[name]}\n" for name in sorted(files))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_release(folder: Path) -> dict | None:
    """release.json, or None when the package has none. UserError when unusable."""
    path = folder / RELEASE
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{RELEASE}: not valid JSON ({error})") from None
    if not isinstance(record, dict) or not all(
        isinstance(record.get(key), want)
        for key, want in (("version", str), ("date", str), ("digest", str), ("files", dict))
    ):
        raise UserError(f"{RELEASE}: expected an object with version, date, digest and files")
    return record


def sections(text: str) -> list[tuple[str, int, list[str]]]:
    """CHANGELOG.md as (heading, line number, lines under it) for every `## ` heading."""
    found: list[tuple[str, int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = HEADING.match(line)
        if match:
            found.append((match.group(1), number, []))
        elif found:
            found[-1][2].append(line)
    return found


def versions(text: str) -> dict[str, tuple[str, int]]:
    """Released versions in CHANGELOG.md: version -> (date, line of its heading)."""
    out = {}
    for heading, number, _ in sections(text):
        match = VERSION_HEADING.match(heading)
        if match:
            out.setdefault(match.group(1), (match.group(2), number))
    return out


def unreleased(text: str) -> tuple[int, list[str]] | None:
    """The line of the Unreleased heading and its non-blank lines; None if it has none."""
    for heading, number, body in sections(text):
        if heading.strip("[] ").lower() == UNRELEASED.lower():
            return number, [line for line in body if line.strip()]
    return None


def record_release(
    path: Path | str, version: str | None = None, day: str | None = None, citations=()
) -> list[str]:
    """Record a release. With `version`: move the Unreleased entries of CHANGELOG.md under
    `## VERSION — DAY` (leaving an empty Unreleased heading), set the descriptor's
    `version` and `created` and the `version`/`date-released` of each CITATION.cff (the
    package's and `citations`). Always: write release.json for the current files."""
    folder = package_dir(path)
    descriptor_path = folder / DESCRIPTOR
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    changelog = folder / CHANGELOG
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else ""
    lines = []
    if version:
        if not SEMVER.match(version):
            raise UserError(f"version {version!r}: expected MAJOR.MINOR.PATCH, e.g. 0.3.0")
        day = day or date.today().isoformat()
        try:
            date.fromisoformat(day)
        except ValueError:
            raise UserError(f"--date {day!r}: expected YYYY-MM-DD") from None
        if version in versions(text):
            raise UserError(f"{CHANGELOG}: {version} is already released")
        text = _move_unreleased(text, version, day)
        write_text_atomically(changelog, text)
        descriptor["version"], descriptor["created"] = version, f"{day}T00:00:00Z"
        write_text_atomically(
            descriptor_path, json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
        )
        for citation in [folder / "CITATION.cff", *map(Path, citations)]:
            if citation.is_file():
                cff = citation.read_text(encoding="utf-8")
                cff = re.sub(r"(?m)^version: .*$", f'version: "{version}"', cff)
                cff = re.sub(r"(?m)^date-released: .*$", f'date-released: "{day}"', cff)
                write_text_atomically(citation, cff)
                lines.append(f"{citation}: {version}, {day}")
        lines.append(f"{CHANGELOG}: Unreleased moved under {version} — {day}")
    version = str(descriptor.get("version") or "")
    released = versions(text).get(version)
    if not released:
        raise UserError(f"{CHANGELOG}: no heading '## {version} — YYYY-MM-DD' for {version}")
    files = file_digests(folder)
    record = {"version": version, "date": released[0], "digest": digest(files), "files": files}
    write_text_atomically(folder / RELEASE, json.dumps(record, indent=2) + "\n")
    lines.append(f"{RELEASE}: {version} of {released[0]}, {len(files)} files, {record['digest']}")
    return lines


def _move_unreleased(text: str, version: str, day: str) -> str:
    rows = text.splitlines()
    found = unreleased(text)
    heading = f"## {version} — {day}"
    if found is None:  # no Unreleased heading: add both before the first release
        first = next((n for _, n, _ in sections(text)), len(rows) + 1)
        rows[first - 1 : first - 1] = [f"## {UNRELEASED}", "", heading, ""]
    else:
        rows[found[0] : found[0]] = ["", heading]
    return "\n".join(rows) + "\n"
