"""Where things live, relative to the repository root.

Every default can be overridden on the command line or by environment
variable, so that the package and chapters can be run on other data.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATAPACKAGE = ROOT / "datapackage" / "datapackage.json"
BOOK = ROOT / "book"
BUILD = ROOT / "_build"


def seeds_dir() -> Path:
    """Folder holding the source article texts (CHINAEV_SEEDS, default ../shared/seeds)."""
    return Path(os.environ.get("CHINAEV_SEEDS", ROOT.parent / "shared" / "seeds"))
