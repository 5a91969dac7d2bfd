"""Load the data package into typed pandas frames, optionally as it stood on a date.

Chapters read data only through `load()`. Types come from each resource's Table
Schema, so a new field needs no code here.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from chinaev.problems import UserError
from chinaev.reads import Reads

RESOURCES = (
    "sources",
    "figures",
    "derived",
    "audit",
    "entities",
    "aliases",
    "corrections",
    "events",
    "footprint",
    "destinations",
    "metrics",
    "iea",
    "comparisons",
)


def package_dir(path: Path | str) -> Path:
    """Folder of a package given either datapackage.json or its folder."""
    path = Path(path)
    return path.parent if path.suffix == ".json" else path


def read_descriptor(path: Path | str) -> dict:
    folder = package_dir(path)
    descriptor_path = folder / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{descriptor_path}: no such file") from None
    except json.JSONDecodeError as error:
        raise UserError(f"{descriptor_path}: not valid JSON ({error})") from None
    for resource in descriptor.get("resources", []):
        if isinstance(resource.get("schema"), str):
            schema_path = folder / resource["schema"]
            try:
                resource["schema"] = json.loads(schema_path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as error:
                raise UserError(f"{schema_path}: cannot read schema ({error})") from None
    return descriptor


def iea_source_id(descriptor: dict) -> str:
    """The `sources` row the iea resource comes from: its `source_id`, set by the import.

    Empty when the descriptor does not say (`chinaev validate` reports that).
    """
    for resource in descriptor.get("resources", []):
        if resource.get("name") == "iea":
            return str(resource.get("source_id") or "")
    return ""


def resource_descriptor(descriptor: dict, name: str) -> dict:
    for resource in descriptor.get("resources", []):
        if resource.get("name") == name:
            return resource
    raise UserError(f"datapackage.json has no resource named {name!r}")


def read_rows(path: Path | str, name: str) -> list[dict[str, str]]:
    """Rows of one resource as strings, exactly as stored (for checks and rewriting)."""
    folder = package_dir(path)
    resource = resource_descriptor(read_descriptor(folder), name)
    csv_path = folder / resource["path"]
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        raise UserError(f"{csv_path}: no such file (resource {name})") from None


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


@dataclass
class Package:
    """The data package as typed frames; `as_of` is the date it is seen from, if any."""

    path: Path
    descriptor: dict
    tables: dict[str, pd.DataFrame]
    as_of: date | None = None
    left_out: dict[str, int] = field(default_factory=dict)
    # Set by a chapter: notes what it reads (see reads.py). A whole table read through
    # an attribute (`package.events`) counts as read in full.
    reads: Reads | None = None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            if self.__dict__.get("reads") is not None:
                self.reads.table(name)
            return tables[name]
        raise AttributeError(name)

    @property
    def iea_source_id(self) -> str:
        """The sources row of the IEA edition in the iea resource, e.g. iea-gevo-2024."""
        return iea_source_id(self.descriptor)

    @property
    def version(self) -> str:
        return self.descriptor.get("version", "")

    def record(self, record_id: str) -> pd.Series:
        """A figure or derived figure by id, whichever holds it."""
        if self.reads is not None:
            self.reads.record(record_id)
        for table, key in (("figures", "figure_id"), ("derived", "derived_id")):
            frame = self.tables[table]
            match = frame[frame[key] == record_id]
            if len(match):
                return match.iloc[0]
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

    def source(self, source_id: str) -> pd.Series:
        if self.reads is not None:
            self.reads.source(source_id)
        return self.tables["sources"].set_index("source_id").loc[source_id]


def parse_as_of(as_of: str | date | None) -> date | None:
    if as_of in (None, ""):
        return None
    if isinstance(as_of, date):
        return as_of
    try:
        return date.fromisoformat(str(as_of))
    except ValueError:
        raise UserError(f"as_of must be an ISO date such as 2025-06-30, not {as_of!r}") from None


def load(path: Path | str, as_of: str | date | None = None) -> Package:
    """Load every resource; with `as_of`, keep only what had been published by then.

    A source counts as published on its published_date (for not_before: that earliest
    date). Sources with no known date are left out whenever as_of is set, because
    nobody can show they were available then. Events dated after as_of are left out
    too, and derived figures whose inputs are gone go with them.
    """
    folder = package_dir(path)
    descriptor = read_descriptor(folder)
    tables = {}
    for resource in descriptor.get("resources", []):
        csv_path = folder / resource["path"]
        try:
            frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"{csv_path}: no such file (resource {resource['name']})") from None
        try:
            tables[resource["name"]] = _typed(frame, resource.get("schema", {}))
        except (ValueError, TypeError) as error:
            raise UserError(
                f"{csv_path}: cannot read typed values ({error}); "
                "run `chinaev validate` for the row and field"
            ) from None
    package = Package(path=folder / "datapackage.json", descriptor=descriptor, tables=tables)
    cutoff = parse_as_of(as_of)
    if cutoff is not None:
        _apply_as_of(package, cutoff)
    return package


def _apply_as_of(package: Package, cutoff: date) -> None:
    tables = package.tables
    stamp = pd.Timestamp(cutoff)
    sources = tables["sources"]
    published = sources[sources["published_date"].notna() & (sources["published_date"] <= stamp)]
    known = set(published["source_id"])

    def keep(name: str, mask) -> None:
        before = len(tables[name])
        tables[name] = tables[name][mask].reset_index(drop=True)
        package.left_out[name] = before - len(tables[name])

    for name in ("figures", "audit", "corrections", "footprint", "destinations", "aliases"):
        keep(name, tables[name]["source_id"].isin(known))
    events = tables["events"]
    keep("events", events["source_id"].isin(known) & (events["date"] <= stamp))
    if iea_source_id(package.descriptor) not in known:
        keep("iea", tables["iea"]["year"] < 0)
    keep("sources", sources["source_id"].isin(known))
    keep("derived", _derived_still_computable(tables))
    package.as_of = cutoff


def _derived_still_computable(tables: dict[str, pd.DataFrame]) -> pd.Series:
    present = set(tables["figures"]["figure_id"])
    iea_available = len(tables["iea"]) > 0
    keep = {}
    # Derived rows may depend on each other; resolve in file order until stable.
    rows = list(tables["derived"].itertuples(index=False))
    changed = True
    while changed:
        changed = False
        for row in rows:
            if row.derived_id in keep:
                continue
            refs = split_inputs(row.inputs)
            status = []
            for ref in refs:
                if ref.startswith("iea:"):
                    status.append(iea_available)
                elif ref in present:
                    status.append(True)
                elif ref in keep:
                    status.append(keep[ref])
                else:
                    status.append(None)
            if None not in status:
                keep[row.derived_id] = all(status)
                changed = True
    return tables["derived"]["derived_id"].map(lambda i: keep.get(i, False))


def split_inputs(text: str) -> list[str]:
    """Inputs of a derived figure: ids separated by semicolons (IEA keys contain spaces)."""
    return [part.strip() for part in text.split(";") if part.strip()]
