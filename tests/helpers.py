"""Shared test helpers: where things are, and how to edit a copy of the package."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATAPACKAGE = ROOT / "datapackage"
CHINAEV = Path(sys.executable).parent / "chinaev"


def seeds_dir() -> Path:
    """Source texts, or skip (fail under CI=true) when they are not beside the repo."""
    folder = Path(os.environ.get("CHINAEV_SEEDS", ROOT.parent / "shared" / "seeds"))
    if not folder.is_dir():
        message = f"source texts not found at {folder} (set CHINAEV_SEEDS)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true they are required")
        pytest.skip(message)
    return folder


def copy_package(tmp_path: Path) -> Path:
    target = tmp_path / "datapackage"
    shutil.copytree(DATAPACKAGE, target, ignore=shutil.ignore_patterns("raw"))
    return target


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_row(package: Path, resource: str, key_field: str, key: str, **changes) -> int:
    """Change fields of one row; return its CSV line number (header is line 1)."""
    path = package / "data" / f"{resource}.csv"
    rows = read_csv(path)
    for index, row in enumerate(rows):
        if row[key_field] == key:
            row.update(changes)
            write_csv(path, rows)
            return index + 2
    raise KeyError(key)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHINAEV), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
