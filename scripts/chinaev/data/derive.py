"""Derived figures: each row of derived.csv names a method and its inputs; this module
computes the value, writes the formula out with the input values, and flags results
built on hedged inputs as approximate.

The same code serves `chinaev derive`, the validator (stale values) and the chapters.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from chinaev.data.csvfile import descriptor_of
from chinaev.data.files import write_text_atomically
from chinaev.data.package import (
    package_dir,
    read_rows,
    resource_descriptor,
    split_inputs,
    table_path,
)
from chinaev.data.problems import Problem, UserError


@dataclass(frozen=True)
class Method:
    arity: int | None  # None: any number of inputs, at least two
    compute: Callable[..., float]
    template: str  # how the formula is written, with {a}, {b} or {terms}


METHODS: dict[str, Method] = {
    "base_from_growth": Method(2, lambda a, b: a / (1 + b / 100), "{a} / (1 + {b}/100)"),
    "base_from_ratio": Method(2, lambda a, b: a / b, "{a} / {b}"),
    "share": Method(2, lambda a, b: 100 * a / b, "100 × {a} / {b}"),
    "ratio": Method(2, lambda a, b: a / b, "{a} / {b}"),
    "difference": Method(2, lambda a, b: a - b, "{a} − {b}"),
    "growth": Method(2, lambda a, b: 100 * (a / b - 1), "100 × ({a} / {b} − 1)"),
    "sum": Method(None, lambda *terms: sum(terms), "{terms}"),
}

IEA_KEY = ("region", "category", "parameter", "mode", "powertrain", "year")


def number_text(value: float) -> str:
    """Stable text for a number: at most 4 decimals, no trailing zeros, no exponent."""
    rounded = round(value, 4)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.4f}".rstrip("0").rstrip(".")


@dataclass
class Result:
    value: float
    approximate: bool
    formula: str


def _float(ref: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LookupError(f"input {ref} has no numeric value ({text!r})") from None


class _Resolver:
    def __init__(self, figures, derived, iea):
        self.figures = {row["figure_id"]: row for row in figures}
        self.derived = {row["derived_id"]: row for row in derived}
        self.iea = {tuple(row[k] for k in IEA_KEY): row for row in iea}
        self.done: dict[str, Result] = {}
        self.active: set[str] = set()

    def input(self, ref: str) -> tuple[float, bool]:
        if ref.startswith("iea:"):
            key = tuple(ref[4:].split("|"))
            if len(key) != len(IEA_KEY) or key not in self.iea:
                raise LookupError(f"input {ref} matches no IEA row")
            return _float(ref, self.iea[key]["value"]), False
        if ref in self.figures:
            row = self.figures[ref]
            return _float(ref, row["value"]), row["qualifier"] != "exact"
        if ref in self.derived:
            result = self.compute(ref)
            return result.value, result.approximate
        raise LookupError(f"input {ref} is neither a figure, a derived figure nor an iea: row")

    def compute(self, derived_id: str) -> Result:
        if derived_id in self.done:
            return self.done[derived_id]
        if derived_id in self.active:
            raise LookupError(f"derived figure {derived_id} depends on itself")
        self.active.add(derived_id)
        row = self.derived[derived_id]
        method = METHODS.get(row["method"])
        if method is None:
            raise LookupError(f"unknown method {row['method']!r}")
        refs = split_inputs(row["inputs"])
        if (method.arity and len(refs) != method.arity) or (method.arity is None and len(refs) < 2):
            raise LookupError(
                f"method {row['method']} takes {method.arity or 'two or more'} "
                f"inputs, got {len(refs)}"
            )
        values, hedged = zip(*(self.input(ref) for ref in refs), strict=True)
        try:
            value = method.compute(*values)
        except ZeroDivisionError:
            raise LookupError("division by zero") from None
        if not math.isfinite(value):
            raise LookupError("result is not a finite number")
        texts = [number_text(v) for v in values]
        formula = method.template.format(
            a=texts[0], b=texts[-1] if len(texts) > 1 else "", terms=" + ".join(texts)
        )
        self.active.discard(derived_id)
        # Growth rates are published rounded (14.5%), so a level implied from one is only
        # approximate even when nothing in the source is hedged.
        approximate = any(hedged) or row["method"] == "base_from_growth"
        self.done[derived_id] = Result(value, approximate, formula)
        return self.done[derived_id]


def _rows(path: Path | str, name: str, tables: Mapping[str, list] | None) -> list[dict[str, str]]:
    """A resource's rows as stored: from `tables` (rows already read) or from its file."""
    return tables[name] if tables is not None and name in tables else read_rows(path, name)


def recompute(
    path: Path | str, tables: Mapping[str, list] | None = None
) -> tuple[list[dict[str, str]], list[Problem]]:
    """derived.csv rows with value, formula and approximate recomputed, plus problems.

    `tables`: rows already read (as `read_rows` gives them), so they are not read again.
    """
    figures, derived, iea = (_rows(path, name, tables) for name in ("figures", "derived", "iea"))
    resolver = _Resolver(figures, derived, iea)
    problems, rows = [], []
    for line, row in enumerate(derived, start=2):
        new = dict(row)
        try:
            result = resolver.compute(row["derived_id"])
        except (LookupError, ValueError) as error:
            resolver.active.clear()
            problems.append(Problem("derived", line, "inputs", str(error)))
        else:
            new.update(
                value=number_text(result.value),
                formula=result.formula,
                approximate="true" if result.approximate else "false",
            )
        rows.append(new)
    return rows, problems


def stale_rows(path: Path | str, tables: Mapping[str, list] | None = None) -> list[Problem]:
    """Rows whose stored value, formula or approximate flag differ from a recomputation."""
    stored = _rows(path, "derived", tables)
    fresh, problems = recompute(path, tables)
    for line, (old, new) in enumerate(zip(stored, fresh, strict=True), start=2):
        for name in ("value", "formula", "approximate"):
            if old.get(name) != new.get(name):
                problems.append(
                    Problem(
                        "derived",
                        line,
                        name,
                        f"stale: stored {old.get(name)!r}, recomputed "
                        f"{new.get(name)!r}; run `chinaev derive`",
                    )
                )
    return problems


LINK_FIELDS = (
    "derived_id",
    "position",
    "input_kind",
    "figure_id",
    "input_derived_id",
    *IEA_KEY,
)
LINKS = "derived_inputs"


def link_rows(path: Path | str, tables: Mapping[str, list] | None = None) -> list[dict[str, str]]:
    """`derived.inputs` as a long table, one input per row, with keys that can be declared:
    a figure id, a derived id, or the IEA row's full key."""
    figures = {row["figure_id"] for row in _rows(path, "figures", tables)}
    links = []
    for row in _rows(path, "derived", tables):
        for position, ref in enumerate(split_inputs(row["inputs"]), start=1):
            link = dict.fromkeys(LINK_FIELDS, "")
            link.update(derived_id=row["derived_id"], position=str(position))
            if ref.startswith("iea:"):
                link.update(
                    input_kind="iea", **dict(zip(IEA_KEY, ref[4:].split("|"), strict=False))
                )
            elif ref in figures:
                link.update(input_kind="figure", figure_id=ref)
            else:
                link.update(input_kind="derived", input_derived_id=ref)
            links.append(link)
    return links


def stale_links(path: Path | str, tables: Mapping[str, list] | None = None) -> list[Problem]:
    """derived_inputs.csv must be `derived.inputs` written long (`chinaev derive` writes it)."""
    folder = package_dir(path)
    try:
        target = table_path(folder, resource_descriptor(descriptor_of(folder, tables), LINKS))
    except UserError:
        return [Problem(LINKS, None, None, "resource missing from datapackage.json")]
    fresh = _csv_text(link_rows(folder, tables), LINK_FIELDS)
    stored = target.read_text(encoding="utf-8") if target.is_file() else ""
    if stored == fresh:
        return []
    return [
        Problem(LINKS, None, None, "stale: does not match derived.inputs; run `chinaev derive`")
    ]


def _csv_text(rows: list[dict[str, str]], fields) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_derived(
    path: Path | str, check: bool = False, tables: Mapping[str, list] | None = None
) -> bool:
    """Recompute derived.csv and derived_inputs.csv, then the fact-check's results
    (factcheck_results.csv, which read the derived figures); return whether any changed.
    Raises UserError on bad inputs. `tables`: rows already read (`package_rows`)."""
    folder = package_dir(path)
    rows, problems = recompute(folder, tables)
    if problems:
        raise UserError("derived figures cannot be computed", problems)
    descriptor = descriptor_of(folder, tables)
    outputs = [
        (table_path(folder, resource_descriptor(descriptor, "derived")), _csv_text(rows, rows[0]))
    ]
    if any(r.get("name") == LINKS for r in descriptor.get("resources", [])):
        target = table_path(folder, resource_descriptor(descriptor, LINKS))
        outputs.append((target, _csv_text(link_rows(folder, tables), LINK_FIELDS)))
    changed = False
    for target, text in outputs:
        old = target.read_text(encoding="utf-8") if target.is_file() else None
        if old != text:
            changed = True
            if not check:
                write_text_atomically(target, text)
    from chinaev.data.factcheck.results import write_results

    return write_results(folder, check_only=check) or changed
