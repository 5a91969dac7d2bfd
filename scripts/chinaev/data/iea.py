"""Import an IEA Global EV Data Explorer CSV into the data package.

The IEA publishes a new Global EV Outlook every year, and every edition may
add years, regions, parameters, modes, powertrains, scenarios and units, and
change the layout of the download. A new edition therefore imports with no
code change and no hand edit:

- The download is read as published (chinaev.data.iea_read): a column the IEA
  renamed is read under our name, a column the importer does not use is dropped,
  a row repeated exactly is kept once, and each of these is said in a note.
- Regions are resolved to ISO 3166-1 alpha-3 codes with pycountry, units and
  scenarios read as published (chinaev.data.iea_names); a name that is no
  country is kept as an aggregate with no code, and everything new is a note.

Real errors stay errors: a missing column, a value or year that is not a number,
an empty field, a short row, two rows with one key and different values. Each is
a Problem naming the file, the CSV line and the field, and nothing is written
while any exists. A derived figure that reads an IEA row the new edition lacks is
an error too (the package would no longer validate).

The report (chinaev.data.iea_changes) says what changed against the edition being
replaced; the writes (chinaev.data.iea_write) put the edition into the package,
then derived.csv is recomputed, since its IEA-based figures may have changed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from chinaev.data import iea_revisions
from chinaev.data.iea_changes import Changes, ImportReport, compare, layout_notes, notes
from chinaev.data.iea_gaps import book_dir, missing_slices
from chinaev.data.iea_names import UNITS, edition_label, normalise_unit
from chinaev.data.iea_read import Resolver, read_bytes, read_raw, tidy
from chinaev.data.iea_write import derived_problems, planned_writes, read_old, write_all

# book/methods.ipynb shows how units are normalised as iea.normalise_unit: kept here.
__all__ = ["import_iea", "normalise_unit"]


def _package_dir(datapackage: Path) -> Path:
    # Accept the package folder or its datapackage.json, which may not exist yet.
    return datapackage.parent if datapackage.suffix.lower() == ".json" else datapackage


def import_iea(
    source: Path,
    datapackage: Path,
    *,
    edition: str | None = None,
    book: Path | None = None,
) -> ImportReport:
    """Clean `source` into <package>/data/iea.csv and keep the raw file under raw/iea/.

    `datapackage` is the package's datapackage.json (it need not exist) or its
    folder. Returns what was read, written, what changed, notes and every
    problem found; nothing is written while there is a problem. A missing
    column or an unreadable file raises UserError. `book`: the chapters whose records
    of reads are checked against the edition (default: the book beside the package).
    """
    source = Path(source)
    label = edition_label(source, edition)
    package = _package_dir(Path(datapackage))
    output = package / "data" / "iea.csv"
    data = read_bytes(source)
    table = read_raw(source, data)
    report = ImportReport(source, output, label, rows_read=len(table.rows) + len(table.problems))
    report.extra_columns = table.extra

    resolve = Resolver()
    cleaned = tidy(table, label, source.name, resolve)
    good = [row for _, (_, row) in sorted(cleaned.rows.items())]
    problems = cleaned.problems + derived_problems(
        package, {tuple(str(v) for v in key) for key in cleaned.rows}
    )
    report.problems = sorted(
        problems, key=lambda p: (p.resource != source.name, p.row or 0, p.field or "", p.message)
    )
    report.units = Counter(row["unit"] for row in good)
    report.categories = Counter(row["category"] for row in good)
    old_rows = read_old(output)
    report.changes = compare(old_rows, [{**r, "year": str(r["year"])} for r in good])
    if not old_rows:
        report.changes = Changes(previous=None)
    extra_units = {row["unit"] for row in good} - set(UNITS)
    report.notes = layout_notes(source.name, table, cleaned.repeated)
    report.notes += notes(good, old_rows, resolve, extra_units)
    # Before anything is written or run: which chapters read slices this edition lacks.
    book = book if book is not None else book_dir(package)
    report.warnings = missing_slices(book, good, old_rows)
    if report.problems:
        return report

    writes, added = planned_writes(
        package, source.name, data, label, good, units=extra_units, rows_read=report.rows_read
    )
    revised = iea_revisions.revisions(package, book, old_rows, good)
    target = package / "data" / f"{iea_revisions.RESOURCE}.csv"
    if revised is not None and target.exists():
        writes.append((target, iea_revisions.table_text(revised).encode("utf-8")))
        added.append(
            f"{len(revised)} revised value(s) of the IEA keys the book reads kept in "
            f"data/{target.name} (the replaced edition's value beside the new one)"
        )
    report.notes += added
    write_all(writes)
    report.rows_written = len(good)
    report.written = True
    if (package / "datapackage.json").exists() and (package / "data" / "derived.csv").exists():
        from chinaev.data.derive import write_derived

        report.derived_changed = write_derived(package)
    return report
