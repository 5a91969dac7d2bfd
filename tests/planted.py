"""The planted what-if book: the real chapters run on a copy of the package whose every
free-text field holds markup and script, and built into a folder of their own, as a
re-user would (`chinaev run --datapackage ... --output-dir`, then
`chinaev build --html --book-dir`).

It is made once per test session and read by two modules: test_inert_book.py (no
planted string comes alive on any page) and test_whatif.py (the pages of a what-if
build name the package, and its links and downloads are its own). For the second, one
figure is also edited and the exports chapter is run as of a date, so the build holds
chapters run on other data both with and without `--as-of`.

Each planted row is tagged with its resource, field and row, so that two planted
values never collide and any leak names its origin. Fields left out are those the code
computes with rather than shows: keys, fields with an enum or pattern, the number as
written (checked against the value), a derived figure's formula and inputs, and the
IEA's scenario names.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers import DATAPACKAGE, ROOT, edit_row, read_csv, run_cli, write_csv

COMPUTED = {("figures", "as_written"), ("derived", "inputs"), ("derived", "formula")}
COMPUTED |= {("iea", "scenario")}
# Resources the code writes from the others (chinaev derive): planting there only makes
# them stale, which the run rightly refuses.
COMPUTED_RESOURCES = {"factcheck_results", "derived_inputs"}

# The what-if edit: one figure the exports chapter shows, and the date it is run as of.
# Every source is published by that date except one undated article (seed-004), whose
# rows the exports chapter does not show: the planted coverage of exports is whole.
EDITED_FIGURE = "china_nev_exports_2025_05"
EDITED_VALUE, EDITED_AS_WRITTEN = "213000", "213,000"
AS_OF_CHAPTER, AS_OF = "exports", "2026-06-30"


def hostile(tag: str) -> str:
    """Markup, script and every MyST special character, tagged to find where it went."""
    return (
        f"{tag}<script>window.__pwned='{tag}'</script><img src=x onerror=\"window.__pwned="
        f"'{tag}'\"> **b** _i_ `c` [l](https://example.org) {{{{sub}}}} {{sub}}`x` "
        f'&lt;e&gt; &amp; | \\ it\'s "q" $1'
    )


def free_text_fields(package: Path) -> dict[str, dict[str, int | None]]:
    """Every string field that no key, enum or pattern constrains, by resource, with
    its maximum length if it has one."""
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    found = {}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        if isinstance(schema, str):
            schema = json.loads((package / schema).read_text(encoding="utf-8"))
        keys = schema.get("primaryKey", [])
        keys = [keys] if isinstance(keys, str) else list(keys)
        for foreign in schema.get("foreignKeys", []):
            fields = foreign["fields"]
            keys += [fields] if isinstance(fields, str) else fields
        found[resource["name"]] = {
            field["name"]: field.get("constraints", {}).get("maxLength")
            for field in schema["fields"]
            if field.get("type", "string") == "string"
            and not {"enum", "pattern"} & set(field.get("constraints", {}))
            and field["name"] not in keys
            and (resource["name"], field["name"]) not in COMPUTED
        }
    return found


def plant_everywhere(package: Path) -> int:
    """Plant a tagged hostile string in every free-text cell that holds text; return
    how many cells were planted."""
    planted = 0
    for resource, fields in free_text_fields(package).items():
        path = package / "data" / f"{resource}.csv"
        if not fields or not path.is_file() or resource in COMPUTED_RESOURCES:
            continue
        rows = read_csv(path)
        for index, row in enumerate(rows):
            for field, longest in fields.items():
                if not row.get(field):
                    continue
                # A quote must still hold the number as written (the run checks it).
                kept = f" {row['as_written']}" if field == "quote" and row.get("as_written") else ""
                # An evidence summary keeps the slot its figure's value fills.
                kept += " {figure}" if "{figure}" in row[field] else ""
                value = hostile(f"{resource}.{field}.{index}")
                row[field] = (value[: longest - len(kept)] if longest else value) + kept
                planted += 1
        write_csv(path, rows)
    return planted


@dataclass(frozen=True)
class PlantedBook:
    package: Path  # the planted copy's folder
    html: Path  # the what-if build's HTML
    planted: int  # how many cells were planted
    printed: str  # what `chinaev build` printed
    book_before: dict[str, str]  # the real book's sources before the run and build ...
    book_after: dict[str, str]  # ... and after (a what-if build must leave them alone)

    @property
    def descriptor(self) -> Path:
        return self.package / "datapackage.json"

    def pages(self) -> list[str]:
        skipped = ("genindex", "search")
        return sorted(p.stem for p in self.html.glob("*.html") if p.stem not in skipped)


def book_sources() -> dict[str, str]:
    """sha256 of each chapter, page and table of contents of the real book."""
    book = ROOT / "book"
    files = [*book.glob("*.ipynb"), *book.glob("*.md"), book / "_toc.yml"]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(files)}


def build_planted_book(root: Path) -> PlantedBook:
    before = book_sources()
    package = root / "datapackage"
    shutil.copytree(DATAPACKAGE, package, ignore=shutil.ignore_patterns("raw"))
    edit_row(
        package, "figures", "figure_id", EDITED_FIGURE, value=EDITED_VALUE,
        lower=EDITED_VALUE, upper=EDITED_VALUE, as_written=EDITED_AS_WRITTEN,
    )  # fmt: skip
    planted = plant_everywhere(package)  # after the edit: a planted quote keeps "213,000"
    out = str(root / "chapters")
    descriptor = str(package / "datapackage.json")
    notebooks = sorted((ROOT / "book").glob("*.ipynb"))
    others = [path.stem for path in notebooks if path.stem != AS_OF_CHAPTER]
    for chapters, as_of in ((others, []), ([AS_OF_CHAPTER], ["--as-of", AS_OF])):
        # One chapter at a time (--jobs 1): the suite keeps the other core busy.
        options = [*as_of, "--output-dir", out, "--jobs", "1"]
        ran = run_cli("run", *chapters, "--datapackage", descriptor, *options)
        assert ran.returncode == 0, ran.stderr
    built = run_cli("build", "--html", "--book-dir", out)
    assert built.returncode == 0, built.stderr
    html = root / "chapters" / "_build" / "html"
    return PlantedBook(package, html, planted, built.stdout, before, book_sources())
