"""Larger copies of the data package, for benchmarks and scale tests.

`scale_iea` multiplies the iea resource: the published rows stay, and each
extra copy repeats them under synthetic regions ("Synthetic 0001 China", an
aggregate with no ISO code), so that keys stay unique and the chapters, which
read named regions, show the same numbers.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path


def scale_iea(package: Path, factor: int, rows: int | None = None) -> int:
    """Rewrite <package>/data/iea.csv with `factor` copies (or exactly `rows` rows).

    Returns the number of data rows written.
    """
    path = Path(package) / "data" / "iea.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    names = next(csv.reader([header]))
    region, iso3, kind = (names.index(n) for n in ("region", "region_iso3", "region_kind"))
    parsed = list(csv.reader(body))
    wanted = rows if rows is not None else factor * len(body)
    out = io.StringIO()
    out.write(header)
    written = 0
    writer = csv.writer(out, lineterminator="\n")
    copy = 0
    while written < wanted:
        if copy == 0:
            take = body[: wanted - written]
            out.writelines(take)
            written += len(take)
        else:
            label = f"Synthetic {copy:04d} "
            for record in parsed[: wanted - written]:
                record = list(record)
                record[region] = label + record[region]
                record[iso3], record[kind] = "", "aggregate"
                writer.writerow(record)
            written += min(len(parsed), wanted - (written))
        copy += 1
    path.write_text(out.getvalue(), encoding="utf-8")
    return written


def copy_package(source: Path, target: Path) -> Path:
    """A copy of a package folder (without raw/, which nothing reads)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("raw"))
    return target
