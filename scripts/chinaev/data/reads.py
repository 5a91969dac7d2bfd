"""The record of what a chapter read from the data package.

A chapter's `Chapter` notes every figure and derived figure it looks up, every IEA
slice it selects, every selection of rows or columns it makes (`Package.select`),
every whole table it touches and the chinaev modules its kernel imported. `chinaev
run` stores that record in the executed notebook (`metadata.chinaev.reads`), and
three things are made from it:

- the fingerprint that decides whether a chapter must run again
  (pipeline/fingerprint.py): only the rows a chapter read, so editing one figure
  re-runs only the chapters that cite it;
- the CSV of exactly those rows that each chapter page offers for download (build.py);
- the list of records whose source cards the HTML shows on hover.

The record is written by the kernel to the file named in `$CHINAEV_READS_FILE`
(set by `chinaev run`); under nbval or plain papermill nothing is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from chinaev.data import paths
from chinaev.data.bounds import TESTS
from chinaev.data.csvfile import CsvFile, read_csv

READS_ENV = "CHINAEV_READS_FILE"

# Kinds of item in a record, and the resource and key each one is looked up in.
KEYED = {
    "figure": ("figures", "figure_id"),
    "derived": ("derived", "derived_id"),
    "source": ("sources", "source_id"),
    "correction": ("corrections", "correction_id"),
}


@dataclass
class Reads:
    """What one chapter read, in first-read order (as sorted lists when saved)."""

    records: set[str] = field(default_factory=set)  # figure or derived ids
    sources: set[str] = field(default_factory=set)
    corrections: set[str] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)
    iea: list[dict] = field(default_factory=list)
    # Rows by column values and/or some columns of every row: {table, where, columns}.
    selections: list[dict] = field(default_factory=list)
    # Other files of the package, by glob inside its folder (the raw IEA download).
    files: set[str] = field(default_factory=set)
    # Glued phrases worked out from records ("about 8.6%"): key -> the records' ids.
    phrases: dict[str, list[str]] = field(default_factory=dict)

    def phrase(self, key: str, record_ids: list[str]) -> None:
        if key not in self.phrases:
            self.phrases[key] = list(record_ids)
            self.save()

    def record(self, record_id: str) -> None:
        self._add(self.records, record_id)

    def source(self, source_id: str) -> None:
        self._add(self.sources, source_id)

    def correction(self, correction_id: str) -> None:
        self._add(self.corrections, correction_id)

    def table(self, name: str) -> None:
        self._add(self.tables, name)

    def file(self, pattern: str) -> None:
        self._add(self.files, pattern)

    def iea_slice(self, selection: dict) -> None:
        selection = {key: selection[key] for key in sorted(selection)}
        if selection not in self.iea:
            self.iea.append(selection)
            self.save()

    def select(self, table: str, where: dict, columns: list[str] | None, test=None) -> None:
        selection = {"table": table, "where": {k: where[k] for k in sorted(where)}}
        if columns is not None:
            selection["columns"] = [c for c in columns if c != test]
        if test is not None:
            selection["test"] = test
        if selection not in self.selections:
            self.selections.append(selection)
            self.save()

    def _add(self, bucket: set[str], item: str) -> None:
        if item not in bucket:
            bucket.add(item)
            self.save()

    def as_dict(self) -> dict:
        # Each chinaev module by its path inside the package ('report/prose.py').
        root = Path(__file__).resolve().parents[1]
        modules = sorted(
            Path(module.__file__).resolve().relative_to(root).as_posix()
            for name, module in list(sys.modules.items())
            if name.startswith("chinaev.") and getattr(module, "__file__", None)
        )
        return {
            "records": sorted(self.records),
            "sources": sorted(self.sources),
            "corrections": sorted(self.corrections),
            "tables": sorted(self.tables),
            "iea": sorted(self.iea, key=lambda s: json.dumps(s, sort_keys=True)),
            "files": sorted(self.files),
            "selections": sorted(self.selections, key=lambda s: json.dumps(s, sort_keys=True)),
            "modules": modules,
            "phrases": {key: self.phrases[key] for key in sorted(self.phrases)},
        }

    def save(self) -> None:
        """Rewrite the record file, if `chinaev run` asked for one (a few hundred bytes)."""
        target = os.environ.get(READS_ENV)
        if target:
            Path(target).write_text(json.dumps(self.as_dict(), sort_keys=True), encoding="utf-8")


def resolve(reads: dict, descriptor_path: Path) -> dict[str, list[dict[str, str]]]:
    """Each item of a record with the raw CSV rows it stands for, keyed 'kind:id'.

    An id that no longer exists resolves to an empty list, so a figure that is
    removed (or added back) changes the result as surely as an edited one.
    """
    folder = descriptor_path.parent
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    resources = {r.get("name"): r for r in descriptor.get("resources", [])}

    opened: dict[str, CsvFile] = {}  # each file read once per call

    def table(name: str) -> CsvFile:
        if name not in opened:
            path = resources.get(name, {}).get("path")
            opened[name] = (
                read_csv(paths.inside(folder, path, what="resource path"))
                if isinstance(path, str)
                else CsvFile([])
            )
        return opened[name]

    def keyed(kind: str, value: str) -> list[dict[str, str]]:
        name, field_name = KEYED[kind]
        return table(name).index((field_name,)).get((value,), [])

    found: dict[str, list[dict[str, str]]] = {}
    for record_id in reads.get("records", []):
        found[f"record:{record_id}"] = keyed("figure", record_id) + keyed("derived", record_id)
    for kind, bucket in (("source", "sources"), ("correction", "corrections")):
        for item in reads.get(bucket, []):
            found[f"{kind}:{item}"] = keyed(kind, item)
    for name in reads.get("tables", []):
        found[f"table:{name}"] = table(name).rows
    for selection in reads.get("iea", []):
        wanted = {key: str(value) for key, value in selection.items() if key != "powertrains"}
        powertrains = set(selection.get("powertrains") or [])
        fields = tuple(sorted(wanted))
        candidates = table("iea").index(fields).get(tuple(wanted[f] for f in fields), [])
        found["iea:" + json.dumps(selection, sort_keys=True)] = [
            row for row in candidates if not powertrains or row.get("powertrain") in powertrains
        ]
    for pattern in reads.get("files", []):
        found[f"files:{pattern}"] = [
            [name, hashlib.sha256(path.read_bytes()).hexdigest()]
            for name, path in package_glob(folder, pattern)
        ]
    for selection in reads.get("selections", []):
        where = list(selection.get("where", {}).items())
        rows = table(selection["table"]).rows
        if where:  # the first column through an index: by value, in file order within
            column, values = where.pop(0)
            groups = table(selection["table"]).index((column,))
            rows = [row for value in sorted(set(values)) for row in groups.get((value,), [])]
        for column, values in where:
            allowed = set(values)
            rows = [row for row in rows if row.get(column) in allowed]
        test = TESTS[selection["test"]] if "test" in selection else None
        if "columns" in selection:
            rows = [
                [row.get(column) for column in selection["columns"]] + ([test(row)] if test else [])
                for row in rows
            ]
        found["rows:" + json.dumps(selection, sort_keys=True)] = rows
    return found


def package_glob(folder: Path, pattern: str) -> list[tuple[str, Path]]:
    """Files of the package folder matching `pattern`, by their path inside it (each
    through the one safe join), in name order."""
    paths.inside(folder, pattern, what="file pattern")  # no way out of the folder
    found = sorted(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())
    return [(name, paths.inside(folder, name, what="package file")) for name in found]
