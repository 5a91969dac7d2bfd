"""Load the data package into typed pandas frames, optionally as it stood on a date.

Chapters read data only through the `Package` that `Chapter.open` loads, once per
kernel, and every read through it is noted in its record of reads (reads.py): a
figure by id, the rows a selection returns, the columns of every row a summary
counts, or a whole table. Types come from each resource's Table Schema, so a new
field needs no code here. The descriptor and the CSV files as files are read by
descriptor.py and csvfile.py (re-exported here); the date cut-off is as_of.py's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from chinaev.data.as_of import as_of_tables, parse_as_of, split_inputs
from chinaev.data.bounds import TESTS
from chinaev.data.csvfile import (
    DELIMITERS,
    check_tables,
    read_rows,
    table_problems,
)
from chinaev.data.descriptor import (
    DESCRIPTOR,
    RESOURCE_NAME,
    RESOURCES,
    descriptor_problems,
    iea_source_id,
    package_dir,
    read_descriptor,
    resource_descriptor,
    table_path,
)
from chinaev.data.problems import UserError
from chinaev.data.reads import READS_ENV, Reads, package_glob

__all__ = [
    "DELIMITERS",
    "DESCRIPTOR",
    "RESOURCES",
    "RESOURCE_NAME",
    "Package",
    "check_tables",
    "descriptor_problems",
    "iea_source_id",
    "load",
    "package_dir",
    "parse_as_of",
    "read_descriptor",
    "read_rows",
    "resource_descriptor",
    "split_inputs",
    "table_path",
    "table_problems",
]


def _typed(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    for spec in schema.get("fields", []):
        name, kind = spec["name"], spec.get("type", "string")
        if name not in frame:
            continue
        column = frame[name].replace("", None)
        if kind == "number":
            frame[name] = pd.to_numeric(column).astype("float64")
        elif kind in ("integer", "year"):
            frame[name] = pd.to_numeric(column).astype("Int64")
        elif kind == "date":
            frame[name] = pd.to_datetime(column, format="%Y-%m-%d")
        elif kind == "boolean":
            frame[name] = column.map({"true": True, "false": False}).astype("boolean")
        else:
            frame[name] = frame[name].fillna("")
    return frame


class _Tables(Mapping):
    """`package.tables`: every table by name; reading one through it counts as reading
    it whole (the figure index, which shows every row, may)."""

    def __init__(self, package: Package):
        self._package = package

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._package.table(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._package._frames)

    def __len__(self) -> int:
        return len(self._package._frames)


class Package:
    """The data package as typed frames; `as_of` is the date it is seen from, if any.

    `reads`, set by a chapter, notes what it reads (see reads.py). Read rows through
    `select` (rows by column values, or some columns of every row), records through
    `record`, `source` and `has`; a table read through `tables[...]` or an attribute
    (`package.events`) counts as read in full.
    """

    def __init__(
        self,
        path: Path,
        descriptor: dict,
        tables: Mapping[str, pd.DataFrame],
        as_of: date | None = None,
        left_out: dict[str, int] | None = None,
        complete: Package | None = None,
    ):
        self.path, self.descriptor, self.as_of = path, descriptor, as_of
        self._frames = dict(tables)
        self.left_out = dict(left_out or {})
        self.reads: Reads | None = None
        self._complete = complete

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in self.__dict__.get("_frames", {}):
            return self.table(name)
        raise AttributeError(name)

    @property
    def tables(self) -> _Tables:
        return _Tables(self)

    @property
    def names(self) -> list[str]:
        """The resources' names (reading no rows)."""
        return list(self._frames)

    def table(self, name: str) -> pd.DataFrame:
        """A whole table, noted as read in full."""
        if self.reads is not None:
            self.reads.table(name)
        return self._frames[name]

    def select(
        self, name: str, columns: Iterable[str] | None = None, test: str | None = None, **where
    ) -> pd.DataFrame:
        """Rows of table `name` whose columns hold the given values (a value, or a list
        of values any of which will do), with only `columns` if given; noted as read.

        `where` compares text columns only, so that the record can be resolved against
        the CSV text (reads.resolve). `columns` with no `where` is what a summary of
        every row reads (a count, the kinds of figure): editing a figure's value then
        leaves it unchanged. `test` (one of bounds.TESTS) adds a column of that name
        holding the test's verdict on each row: the record notes the verdicts, not the
        cells the test reads.
        """
        frame = self._frames[name]
        chosen = {column: _values(value) for column, value in where.items()}
        fields = {spec["name"]: spec.get("type", "string") for spec in self._schema(name)}
        for column, values in chosen.items():
            if fields.get(column) != "string":
                raise TypeError(f"select on {name}.{column}: only text columns can be matched")
            frame = frame[frame[column].isin(values)]
        shown = list(columns) if columns is not None else None
        if shown is not None:
            missing = [column for column in shown if column not in fields]
            if missing:
                raise KeyError(f"table {name} has no column {', '.join(missing)}")
        if test is not None:
            if shown is None:
                raise TypeError("select with a test names the columns shown beside it")
            verdicts = [TESTS[test](row) for row in frame.to_dict("records")]
            frame = frame.assign(**{test: pd.Series(verdicts, index=frame.index, dtype=bool)})
            shown = [*shown, test]
        if shown is not None:
            frame = frame[shown]
        if self.reads is not None:
            self.reads.select(name, chosen, shown, test)
        return frame.reset_index(drop=True)

    def iea_slice(
        self, *, region: str, parameter: str, mode: str, category: str, powertrains: Iterable[str]
    ) -> pd.DataFrame:
        """The IEA rows of one series and some powertrains (a copy), noted as read."""
        powertrains = sorted(powertrains)
        if self.reads is not None:
            self.reads.iea_slice(
                {
                    "region": region,
                    "parameter": parameter,
                    "mode": mode,
                    "category": category,
                    "powertrains": powertrains,
                }
            )
        data = self._frames["iea"]
        return data[
            (data["region"] == region)
            & (data["parameter"] == parameter)
            & (data["mode"] == mode)
            & (data["category"] == category)
            & data["powertrain"].isin(powertrains)
        ].copy()

    def files(self, pattern: str) -> list[Path]:
        """Other files of the package folder matching `pattern` (e.g. the raw IEA
        download, raw/iea/*.csv), in name order; noted, so editing one re-runs the page."""
        if self.reads is not None:
            self.reads.file(pattern)
        return [path for _, path in package_glob(self.path.parent, pattern)]

    def count(self, name: str) -> int:
        """How many rows table `name` has; noted as a read of its keys, not its values."""
        return len(self.select(name, columns=self._key(name)))

    def _schema(self, name: str) -> list[dict]:
        return resource_descriptor(self.descriptor, name).get("schema", {}).get("fields", [])

    def _key(self, name: str) -> list[str]:
        schema = resource_descriptor(self.descriptor, name).get("schema", {})
        key = schema.get("primaryKey") or [spec["name"] for spec in schema.get("fields", [])]
        return [key] if isinstance(key, str) else list(key)

    def complete(self) -> Package:
        """The package without the date cut-off (itself when there is none); its reads
        are noted in the same record (with a date, the fingerprint covers every file)."""
        if self._complete is None:
            return self
        self._complete.reads = self.reads
        return self._complete

    @property
    def iea_source_id(self) -> str:
        """The sources row of the IEA edition in the iea resource, e.g. iea-gevo-2024."""
        return iea_source_id(self.descriptor)

    @property
    def version(self) -> str:
        return self.descriptor.get("version", "")

    def _record_rows(self) -> dict[str, pd.Series]:
        """Every figure and derived figure by id (a figure wins over a derived figure).

        Chapters look records up hundreds of times; scanning the tables each time took a
        good part of a chapter's run. Rebuilt if a table is replaced.
        """
        frames = tuple(self._frames[table] for table in ("figures", "derived"))
        if getattr(self, "_record_index_of", None) != tuple(map(id, frames)):
            rows: dict[str, pd.Series] = {}
            for frame, key in zip(frames, ("figure_id", "derived_id"), strict=True):
                for position, record_id in enumerate(frame[key]):
                    rows.setdefault(record_id, frame.iloc[position])
            self._record_index, self._record_index_of = rows, tuple(map(id, frames))
        return self._record_index

    def record(self, record_id: str) -> pd.Series:
        """A figure or derived figure by id, whichever holds it."""
        if self.reads is not None:
            self.reads.record(record_id)
        row = self._record_rows().get(record_id)
        if row is not None:
            return row.copy()  # a chapter may change it; the next lookup must not see that
        raise KeyError(
            f"no figure or derived figure {record_id!r} in {self.path}"
            + (f" as of {self.as_of}" if self.as_of else "")
        )

    def value(self, record_id: str) -> float:
        return float(self.record(record_id)["value"])

    def has(self, record_id: str) -> bool:
        try:
            self.record(record_id)
        except KeyError:
            return False
        return True

    def is_derived(self, record_id: str) -> bool:
        """Whether `record_id` names a derived figure (and no figure); noted as read."""
        return self.has(record_id) and not isinstance(self.record(record_id).get("figure_id"), str)

    def source(self, source_id: str) -> pd.Series:
        if self.reads is not None:
            self.reads.source(source_id)
        return self._frames["sources"].set_index("source_id").loc[source_id]


def _values(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return sorted({str(item) for item in value})


_loaded_for_chapter = False  # in a `chinaev run` kernel: the one package it may load


def load(path: Path | str, as_of: str | date | None = None) -> Package:
    """Load every resource; with `as_of`, keep only what had been published by then.

    A source counts as published on its published_date (for not_before: that earliest
    date). Sources with no known date are left out whenever as_of is set, because
    nobody can show they were available then. Events dated after as_of are left out
    too, and derived figures whose inputs are gone go with them.

    In a chapter run by `chinaev run` the package is loaded once, by `Chapter.open`:
    a second load would read rows that the record of reads never sees, so it is a
    UserError (`package.complete()` gives the package without its date).
    """
    global _loaded_for_chapter
    if os.environ.get(READS_ENV):
        if _loaded_for_chapter:
            raise UserError(
                "the data package was loaded a second time in a chapter; read it through "
                "chapter.package (package.complete() for the package without its date), "
                "so that the record of reads sees every row"
            )
        _loaded_for_chapter = True
    if not isinstance(path, str | Path):
        raise UserError(f"datapackage must be a path to datapackage.json, not {path!r}")
    folder = package_dir(path)
    descriptor = read_descriptor(folder)
    # Parsed once, by the one reader, and not kept: the frames hold what is needed.
    parsed = check_tables(folder, descriptor, keep=False)
    tables = {}
    for resource in descriptor["resources"]:
        csv_file = parsed[resource["name"]]
        frame = pd.DataFrame(
            [record for _, record in csv_file.records[1:]], columns=csv_file.header, dtype=str
        )
        try:
            tables[resource["name"]] = _typed(frame, resource.get("schema", {}))
        except (ValueError, TypeError) as error:
            raise UserError(
                f"{table_path(folder, resource)}: cannot read typed values ({error}); "
                "run `chinaev validate` for the row and field"
            ) from None
    path = folder / DESCRIPTOR
    cutoff = parse_as_of(as_of)
    if cutoff is None:
        return Package(path, descriptor, tables)
    dated, left_out = as_of_tables(tables, descriptor, cutoff)
    return Package(path, descriptor, dated, cutoff, left_out, Package(path, descriptor, tables))
