"""Where things live, relative to the repository root.

Every default can be overridden on the command line or by environment
variable, so that the package and chapters can be run on other data.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DATAPACKAGE = ROOT / "datapackage" / "datapackage.json"
BOOK = ROOT / "book"


def seeds_dir() -> Path:
    """Folder holding the source article texts (CHINAEV_SEEDS, default ../shared/seeds)."""
    return Path(os.environ.get("CHINAEV_SEEDS", ROOT.parent / "shared" / "seeds"))


def sources_dir() -> Path:
    """Folder holding the pack of dated public reports (CHINAEV_SOURCES, default
    ../shared/sources). A source's text is looked up in the seeds folder, then here."""
    return Path(os.environ.get("CHINAEV_SOURCES", ROOT.parent / "shared" / "sources"))


def text_dirs(seeds: Path | None = None) -> list[Path]:
    """The folders searched for source texts, in order: the seeds, then the pack."""
    return [seeds or seeds_dir(), sources_dir()]


def inside(base: Path | str, relative, *, what: str) -> Path:
    """`base / relative` for a path taken from the data, refusing any way out of `base`.

    Every path that a data package or a table names (resource, schema and dialect
    paths, source file names) goes through here, so that a descriptor can never make
    a command read, print or overwrite a file outside its own folder: no absolute
    path, no URL, no `..`, and no symbolic link whose target lies outside `base`.
    The message names what was refused but never the content of the target.
    """
    from pathlib import PurePosixPath, PureWindowsPath

    from chinaev.data.problems import UnsafePath

    if not isinstance(relative, str) or not relative.strip():
        raise UnsafePath(
            f"{what}: expected a relative path inside {Path(base).name}/, got {relative!r}"
        )
    text = relative.strip()
    if "://" in text or text.startswith(("/", "\\", "~")) or PureWindowsPath(text).drive:
        raise UnsafePath(
            f"{what} {relative!r} is absolute or a URL; give a path inside {Path(base).name}/"
        )
    if ".." in PurePosixPath(text.replace("\\", "/")).parts:
        raise UnsafePath(f"{what} {relative!r} leads outside {Path(base).name}/ (..)")
    path = Path(base) / text
    if not path.resolve().is_relative_to(Path(base).resolve()):
        raise UnsafePath(
            f"{what} {relative!r} is a symbolic link to somewhere outside {Path(base).name}/"
        )
    return path


def outside_references(owner: dict, base: Path, where: str) -> list[tuple[str, str]]:
    """(location, message) for each `sources` or `licenses` entry of a descriptor (or of
    one of its resources, at `where`) whose `path` leaves `base`. Such a path names a
    web address or a file inside the package, never one outside: a package travels alone."""
    import re

    from chinaev.data.problems import UnsafePath

    found = []
    for part in ("sources", "licenses"):
        entries = owner.get(part)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            target = entry.get("path") if isinstance(entry, dict) else None
            if target is None or (
                isinstance(target, str) and re.match(r"^https?://\S+$", target.strip())
            ):
                continue
            try:
                inside(base, target, what=f"{part} path")
            except UnsafePath as error:
                found.append((f"{where}.{part}[{index}].path".lstrip("."), str(error)))
    return found
