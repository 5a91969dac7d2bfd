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


def edit_figure(package: Path, figure_id: str, value: float, as_written: str | None = None) -> int:
    """A what-if edit of one figure: its value, the bounds its qualifier implies and,
    if given, `as_written`; only that line of figures.csv changes. Returns the line.

    The package stays valid as long as `as_written` still reads as the value (within
    the validator's 0.1 %); its derived figures go stale until re-derived.
    """
    from chinaev.checks.consistency import QUALIFIER_BOUNDS

    path = Path(package) / "data" / "figures.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    for number, line in enumerate(lines[1:], start=1):
        row = dict(zip(header, next(csv.reader([line])), strict=True))
        if row["figure_id"] != figure_id:
            continue
        row["value"] = _number(value)
        lower, upper = QUALIFIER_BOUNDS.get(row.get("qualifier", ""), (1.0, 1.0))
        row["lower"] = "" if lower is None else _number(value * lower)
        row["upper"] = "" if upper is None else _number(value * upper)
        if as_written is not None:
            row["as_written"] = as_written
        out = io.StringIO()
        csv.writer(out, lineterminator=line[len(line.rstrip("\r\n")) :] or "\n").writerow(
            [row[name] for name in header]
        )
        lines[number] = out.getvalue()
        path.write_text("".join(lines), encoding="utf-8")
        return number + 1
    raise KeyError(f"no figure {figure_id!r} in {path}")


def _number(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))
