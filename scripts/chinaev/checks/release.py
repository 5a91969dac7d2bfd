"""The release record against the data: a change since the release needs a CHANGELOG entry.

A package with `release.json` (chinaev.data.release) is checked: its version is the
descriptor's, CHANGELOG.md has a dated heading for it, and if any data or schema file
differs from the release, the "Unreleased" section of CHANGELOG.md says something. A
package without release.json is not checked (a note says so).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from chinaev.data import release
from chinaev.data.package import DESCRIPTOR
from chinaev.data.problems import Problem, UserError


def check_release(folder: Path, descriptor: dict, notes: list[str]) -> Iterator[Problem]:
    try:
        record = release.read_release(folder)
    except UserError as error:
        yield Problem(release.RELEASE, None, None, str(error), file=release.RELEASE)
        return
    if record is None:
        notes.append(f"no {release.RELEASE}: the CHANGELOG check against a release was skipped")
        return
    version = str(descriptor.get("version") or "")
    if record["version"] != version:
        yield Problem(
            DESCRIPTOR,
            None,
            "version",
            f"version {version!r} is not the release recorded in {release.RELEASE} "
            f"({record['version']}): record a release with `chinaev release`",
            file=DESCRIPTOR,
        )
    changelog = folder / release.CHANGELOG
    if not changelog.is_file():
        yield Problem(
            release.CHANGELOG,
            None,
            None,
            "no such file: the package's changes are listed there",
            file=release.CHANGELOG,
        )
        return
    text = changelog.read_text(encoding="utf-8")
    dated = release.versions(text).get(record["version"])
    if dated is None or dated[0] != record["date"]:
        yield Problem(
            release.CHANGELOG,
            None,
            None,
            f"no heading '## {record['version']} — {record['date']}' for the release "
            f"recorded in {release.RELEASE}",
            file=release.CHANGELOG,
        )
    now = release.file_digests(folder)
    if release.digest(now) == record["digest"]:
        return
    before = record["files"]
    changed = sorted(name for name in set(now) | set(before) if now.get(name) != before.get(name))
    entry = release.unreleased(text)
    if entry is None or not entry[1]:
        shown = ", ".join(changed)  # every file, so that the user sees what to describe
        yield Problem(
            release.CHANGELOG,
            entry[0] if entry else None,
            "Unreleased",
            f"the data changed since release {record['version']} ({shown}) but the "
            "'Unreleased' section is empty: say what changed there (and bump the version "
            "with `chinaev release` when you release)",
            file=release.CHANGELOG,
        )
