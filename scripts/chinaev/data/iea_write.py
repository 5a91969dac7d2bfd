"""Write an IEA edition into the data package.

On success the importer writes data/iea.csv, keeps the raw file under raw/iea/ with
its PROVENANCE.md, records the edition in datapackage.json (the iea resource's
`source_id` names its row in `sources`, added for a new edition), extends the unit
vocabulary of schemas/iea.json when needed. Every file's new content is made before
the first is written, so a failure writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

from chinaev.data.files import write_atomically
from chinaev.data.iea_names import attribution, edition_year, source_id_of
from chinaev.data.iea_read import COLUMNS, KEY
from chinaev.data.problems import Problem, UserError

RESOURCE = "iea"


def table_text(rows: list[dict], columns: list[str] = COLUMNS) -> str:
    """Rows as the package's CSV text (header first, \\n line ends)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def provenance_text(raw_name: str, sha256: str, edition: str, rows: int) -> str:
    year = edition_year(edition)
    return f"""# IEA Global EV Outlook {year}: raw data

Written by `chinaev import-iea`; it is rewritten on every import, so edit the
importer rather than this file.

- File: `{raw_name}` ({rows} data rows), kept here byte for byte as downloaded.
- sha256: `{sha256}`
- Producer: International Energy Agency (IEA).
- Title: Global EV Outlook {year}, Global EV Data Explorer (CSV download).
- Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
- Attribution: IEA ({year}), Global EV Outlook {year}, IEA, Paris. Licence: CC BY 4.0
- Tidy copy: `data/iea.csv` (edition `{edition}`), made from this file by
  `chinaev import-iea`; units there are normalised, all values as published.
"""


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as error:
        raise UserError(f"{path}: not valid JSON ({error})") from None


def json_text(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _updated_descriptor(descriptor: dict, edition: str, raw_name: str) -> dict:
    """The descriptor with the iea resource (and the package's sources) on this edition."""
    data = json.loads(json.dumps(descriptor))
    year = edition_year(edition)
    outlook = re.compile(r"Global EV Outlook \d{4}")
    for name in ("title", "description"):
        if isinstance(data.get(name), str):
            data[name] = outlook.sub(f"Global EV Outlook {year}", data[name])
    raw_path = f"raw/iea/{raw_name}"
    for source in data.get("sources", []):
        if str(source.get("path", "")).startswith("raw/iea/"):
            source.update(title=attribution(edition), path=raw_path, version=year)
    for resource in data.get("resources", []):
        if resource.get("name") == RESOURCE:
            resource["title"] = outlook.sub(
                f"Global EV Outlook {year}", resource.get("title", f"IEA Global EV Outlook {year}")
            )
            resource["sources"] = [{"title": attribution(edition), "path": raw_path}]
            # The row of the sources resource this edition is cited from.
            resource["source_id"] = source_id_of(edition)
    return data


def _sources_text(
    path: Path, edition: str, raw_name: str, sha256: str, previous: str
) -> tuple[str | None, list[str]]:
    """sources.csv with a row for this edition inserted in key order (None: no change),
    and the fields carried over from the previous edition's row.

    Only one line is added, so the rest of the file stays byte-identical. A column the
    importer does not know takes the value of the row of `previous` (the edition
    replaced), so that a later column of the sources table needs no code change here.
    """
    if not path.exists():
        return None, []
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    source_id = source_id_of(edition)
    records = [next(csv.reader([line])) if line.strip() else [""] for line in lines[1:]]
    ids = [record[0] for record in records]
    if source_id in ids:
        return None, []
    old = next((dict(zip(header, r, strict=False)) for r in records if r[0] == previous), {})
    year = edition_year(edition)
    values = {
        "source_id": source_id,
        "file": raw_name,
        "kind": "dataset",
        "title": f"Global EV Outlook {year}: Global EV Data Explorer",
        "publisher": "International Energy Agency (IEA)",
        "publisher_basis": "The IEA is the producer of the Global EV Data Explorer download.",
        "published_date": f"{year}-01-01",
        "date_precision": "year",
        "date_inferred": "true",
        "date_basis": (
            f"The edition year ({year}) from the file name or --edition; the download itself "
            "carries no date. Replace with the release date when known."
        ),
        "url": "https://www.iea.org/data-and-statistics/data-tools/global-ev-data-explorer",
        "url_note": (
            "The IEA's public page for the Global EV Data Explorer; the exact link the file "
            "was downloaded from was not recorded by the import."
        ),
        "accessed": "",
        "accessed_note": "Not recorded by the import: put the download date here when known.",
        "author": "",
        "language": "en",
        "sha256": sha256,
        "licence_note": f"CC BY 4.0. Attribution: {attribution(edition)}.",
        "reliability_note": (
            "Official statistics and scenario projections, imported by `chinaev import-iea`; "
            "see the import notes for regions, parameters and units new in this edition."
        ),
    }
    carried = [c for c in header if c not in values and old.get(c)]
    values.update({c: old[c] for c in carried})
    buffer = io.StringIO()
    ending = lines[0][len(lines[0].rstrip("\r\n")) :] or "\n"
    csv.writer(buffer, lineterminator=ending).writerow([values.get(c, "") for c in header])
    position = next((i for i, other in enumerate(ids) if other > source_id), len(ids))
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += ending
    lines.insert(position + 1, buffer.getvalue())
    return "".join(lines), carried


def _schema_text(schema: dict | None, units: set[str]) -> tuple[str | None, list[str]]:
    """schemas/iea.json with new units added to the unit enum; the units added."""
    if schema is None:
        return None, []
    data = json.loads(json.dumps(schema))
    for spec in data.get("fields", []):
        if spec.get("name") == "unit":
            enum = spec.setdefault("constraints", {}).get("enum")
            if enum is None:
                return None, []
            added = sorted(units - set(enum))
            if not added:
                return None, []
            spec["constraints"]["enum"] = [*enum, *added]
            return json_text(data), added
    return None, []


def _derived_text(path: Path, previous: str, current: str) -> tuple[str | None, int]:
    """derived.csv with the rows that cited the edition replaced citing this one (their
    values are recomputed from it), and how many; None when nothing changes."""
    if not path.exists() or not previous or previous == current:
        return None, 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames or [], list(reader)
    moved = [row for row in rows if row.get("source_id") == previous]
    if not moved:
        return None, 0
    for row in moved:
        row["source_id"] = current
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue(), len(moved)


def derived_problems(package: Path, keys: set[tuple]) -> list[Problem]:
    """derived.csv rows reading an IEA row that the new table lacks."""
    path = package / "data" / "derived.csv"
    if not path.exists():
        return []
    problems = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for ref in (part.strip() for part in row.get("inputs", "").split(";")):
                if not ref.startswith("iea:"):
                    continue
                parts = ref[4:].split("|")
                if len(parts) == len(KEY) and tuple(parts) not in keys:
                    problems.append(
                        Problem(
                            "derived",
                            line,
                            "inputs",
                            f"{row.get('derived_id')} reads {ref}, which the new edition lacks: "
                            "change or remove that input first",
                        )
                    )
    return problems


def read_old(output: Path) -> list[dict]:
    if not output.exists():
        return []
    with output.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if all(c in row for c in COLUMNS)]


def planned_writes(
    package: Path,
    source_name: str,
    data: bytes,
    edition: str,
    rows: list[dict],
    *,
    units: set[str],
    rows_read: int,
) -> tuple[list[tuple[Path, bytes]], list[str]]:
    """(path, content) of every file the import writes, and notes on what it adds.

    `rows` are the tidy rows, `units` the units new to the schema's vocabulary,
    `rows_read` the data rows of the download (for its PROVENANCE.md).
    """
    sha256 = hashlib.sha256(data).hexdigest()
    writes: list[tuple[Path, bytes]] = [(package / "data" / "iea.csv", table_text(rows).encode())]
    notes = []
    descriptor_path = package / "datapackage.json"
    descriptor = read_json(descriptor_path)
    if descriptor is not None:
        updated = _updated_descriptor(descriptor, edition, source_name)
        if updated != descriptor:
            writes.append((descriptor_path, json_text(updated).encode("utf-8")))
        resource = next((r for r in updated["resources"] if r.get("name") == RESOURCE), {})
        schema_path = package / resource.get("schema", "schemas/iea.json")
        schema_text, _ = _schema_text(read_json(schema_path), units)
        if schema_text is not None:
            writes.append((schema_path, schema_text.encode("utf-8")))
        # The sources row of the edition replaced, whose extra columns carry over.
        iea = [r for r in descriptor.get("resources", []) if r.get("name") == RESOURCE]
        previous = iea[0].get("source_id", "") if iea else ""
        sources, carried = _sources_text(
            package / "data" / "sources.csv", edition, source_name, sha256, previous or ""
        )
        if sources is not None:
            writes.append((package / "data" / "sources.csv", sources.encode("utf-8")))
            notes.append(
                f"sources row {source_id_of(edition)} added with the edition year as its date "
                "(date_precision year): put the release date in data/sources.csv when known"
                + (f"; carried over from {previous}: {', '.join(carried)}" if carried else "")
            )
        derived, moved = _derived_text(
            package / "data" / "derived.csv", previous or "", source_id_of(edition)
        )
        if derived is not None:
            writes.append((package / "data" / "derived.csv", derived.encode("utf-8")))
            notes.append(
                f"{moved} derived figure(s) citing {previous} now cite {source_id_of(edition)}, "
                "the edition they are recomputed from"
            )
    folder = package / "raw" / "iea"
    raw_target = folder / source_name
    if not raw_target.exists() or raw_target.read_bytes() != data:
        writes.append((raw_target, data))
    notes_text = provenance_text(source_name, sha256, edition, rows_read)
    writes.append((folder / "PROVENANCE.md", notes_text.encode("utf-8")))
    return writes, notes


def write_all(writes: list[tuple[Path, bytes]]) -> None:
    """Write each file whose content changes, each atomically."""
    for path, content in writes:
        if not path.exists() or path.read_bytes() != content:
            write_atomically(path, lambda handle, content=content: handle.write(content))
