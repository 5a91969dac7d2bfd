"""The figure index: every figure and derived figure in one table.

The same table goes out twice in one display bundle: as `text/html`, an itables
(DataTables) table that readers can search and sort, with the library embedded so
it works offline; and as `text/markdown`, a plain captioned table for the PDF. Each
builder picks its part (`nb_mime_priority_overrides` in `_config.yml`: LaTeX never
takes `text/html`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from chinaev.data.package import Package, split_inputs
from chinaev.report import escape, prose
from chinaev.report.chapter import table
from chinaev.report.references import anchor, brief_name, name_sources, short_label

# Columns of the index, in order, and the part of each that the PDF shows.
COLUMNS = ["What", "Value", "Unit", "Period", "Source", "Quote or formula", "Chapter"]
# Print has no room for a unit column: the unit joins the value ("26 million vehicles").
PDF_COLUMNS = ["What", "Value", "Period", "Source", "Quote or formula"]
PDF_WIDTHS = [20, 15, 12, 18, 35]
HTML_WIDTHS = [15, 9, 8, 9, 18, 31, 10]
TABLE_ID = "figure-index-table"
# Geography codes that are not countries (figures.geography, derived.geography).
AREAS = {"WLD": "World", "EUR": "Europe", "EU27": "European Union"}


def _stamp(value) -> pd.Timestamp | None:
    if value is None or value is pd.NaT or (isinstance(value, str) and not value.strip()):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp


def period_text(start, end, period_type: str = "") -> str:
    """A period as readers say it: 'May 2025', 'January–May 2025', '2024', '2019–2023',
    'target year 2030', '2025 (as reported)' or 'undated'."""
    first, last = _stamp(start), _stamp(end)
    if first is None:
        return "undated"
    last = last or first
    if period_type == "target_year":
        return f"target year {last:%Y}"
    whole_years = first.month == 1 and first.day == 1 and last.month == 12 and last.day == 31
    if whole_years:
        years = f"{first:%Y}" if first.year == last.year else f"{first:%Y}–{last:%Y}"
        return f"{years} (as reported)" if period_type == "as_reported" else years
    month_end = last + pd.offsets.MonthEnd(0)
    if first.day == 1 and last == month_end:
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%B %Y}"
        if first.year == last.year:
            return f"{first:%B}–{last:%B %Y}"
        return f"{first:%B %Y} – {last:%B %Y}"
    return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


def _sources_of(package: Package, record_id: str, seen: set[str] | None = None) -> list[str]:
    """Source ids behind a figure, or behind every input of a derived figure."""
    seen = set() if seen is None else seen
    if record_id in seen:
        return []
    seen.add(record_id)
    if record_id.startswith("iea:"):
        return [package.iea_source_id]
    record = package.record(record_id)
    if isinstance(record.get("figure_id"), str) and record.get("figure_id"):
        return [record["source_id"]]
    found: list[str] = []
    for ref in split_inputs(record["inputs"]):
        for source_id in _sources_of(package, ref, seen):
            if source_id not in found:
                found.append(source_id)
    return found


def _subjects_of(package: Package, record_id: str, seen: set[str] | None = None) -> set[str]:
    """Entity ids of the reported figures behind a record; IEA inputs add none, since
    their subject is the record's geography."""
    seen = set() if seen is None else seen
    if record_id in seen or record_id.startswith("iea:"):
        return set()
    seen.add(record_id)
    record = package.record(record_id)
    if isinstance(record.get("figure_id"), str) and record.get("figure_id"):
        return {record["entity_id"]}
    found: set[str] = set()
    for ref in split_inputs(record["inputs"]):
        found |= _subjects_of(package, ref, seen)
    return found


def derived_subject(package: Package, record, places: dict[str, str]) -> str:
    """What a derived figure is about, read from its inputs: the one company, place or
    group they all describe (with the market, where that is another area), else the
    geography. A figure about Horgos port is about the port, not about China."""
    entities = package.entities.set_index("entity_id")
    place = places.get(record["geography"], record["geography"])
    subjects = _subjects_of(package, record["derived_id"])
    if len(subjects) != 1 or next(iter(subjects)) not in entities.index:
        return place
    entity = entities.loc[next(iter(subjects))]
    if entity["type"] == "country":
        return place
    if record["geography"] in ("", "WLD", entity["country"]):
        return str(entity["name"])
    return f"{entity['name']}; market: {place}"


def _unit(unit: str) -> str:
    return unit.replace("_", " ")


def index_frame(
    package: Package,
    chapter_titles: dict[str, str] | None = None,
    all_sources: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per figure and derived figure, with reader-facing text only (no ids).

    `all_sources` names sources that editors' notes mention (default: the package's own,
    which under as_of lacks the later ones). Hidden helper columns: `value` (number, for
    sorting), `period_sort` (ISO start), `source_ids` (for links to the references page)."""
    titles = chapter_titles or {}
    sources = package.sources.set_index("source_id")
    metrics = package.metrics.set_index("metric")["description"]
    entities = package.entities.set_index("entity_id")["name"]
    rows = []
    for _, record in package.figures.iterrows():
        what = metrics.get(record["metric"], record["metric"]).rstrip(".")
        if record["entity_id"] in entities.index:  # the subject: what the figure is about
            what = f"{what}: {entities[record['entity_id']]}"
        reporter = record.get("reporter_entity_id", "")  # who the source credits with it
        if reporter and reporter != record["entity_id"] and reporter in entities.index:
            what = f"{what}; reported by {entities[reporter]}"
        rows.append(
            {
                "What": what,
                "Value": prose.figure(record),
                "Unit": _unit(record["unit"]),
                "Period": period_text(
                    record["period_start"], record["period_end"], record["period_type"]
                ),
                "source_ids": [record["source_id"]],
                "Quote or formula": f"“{record['quote']}” (paragraph {record['locator'][1:]})",
                "Chapter": titles.get(record["chapter"], record["chapter"]),
                "value": float(record["value"]),
                "period_sort": _iso(record["period_start"]),
                "kind": "reported",
            }
        )
    all_sources = package.sources if all_sources is None else all_sources
    places = {**AREAS, **package.entities.query("type == 'country'").set_index("country")["name"]}
    for _, record in package.derived.iterrows():
        what = metrics.get(record["metric"], record["metric"]).rstrip(".")
        subject = derived_subject(package, record, places)
        if subject:
            what = f"{what}: {subject}"
        note = name_sources(record["note"], all_sources)
        rows.append(
            {
                "What": what,
                "Value": prose.derived(record),
                "Unit": _unit(record["unit"]),
                "Period": period_text(record["period_start"], record["period_end"]),
                "source_ids": _sources_of(package, record["derived_id"]),
                "Quote or formula": f"Derived ({record['method'].replace('_', ' ')}): "
                f"{record['formula']}." + (f" {note}" if note else ""),
                "Chapter": titles.get(record["chapter"], record["chapter"]),
                "value": float(record["value"]),
                "period_sort": _iso(record["period_start"]),
                "kind": "derived",
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[*COLUMNS[:4], "source_ids", *COLUMNS[5:], "value", "period_sort", "kind"],
    )

    def names(ids: list[str]) -> list[str]:
        return [short_label(sources.loc[i].to_dict()) for i in ids]

    frame["source_ids"] = frame["source_ids"].map(
        lambda ids: [i for i in ids if i in sources.index]
    )
    frame["source_names"] = frame["source_ids"].map(names)
    frame["brief_names"] = frame["source_ids"].map(
        lambda ids: [brief_name(sources.loc[i].to_dict()) for i in ids]
    )
    frame.insert(
        4,
        "Source",
        [
            ("Derived by the book from: " if kind == "derived" else "") + "; ".join(found)
            for kind, found in zip(frame["kind"], frame["source_names"], strict=True)
        ],
    )
    # Book order of chapters, then time, then reported before derived.
    order = {title: i for i, title in enumerate([*titles.values()])}
    frame["chapter_order"] = frame["Chapter"].map(lambda c: order.get(c, len(order)))
    frame["derived_last"] = frame["kind"] == "derived"
    frame = frame.sort_values(
        ["chapter_order", "period_sort", "derived_last", "What"], kind="stable"
    ).reset_index(drop=True)
    return frame.drop(columns=["chapter_order", "derived_last"])


def _iso(value) -> str:
    stamp = _stamp(value)
    return "" if stamp is None else f"{stamp:%Y-%m-%d}"


def _html_cell(value: str) -> str:
    return escape.html(value)


def html_frame(frame: pd.DataFrame, references_page: str = "references.html") -> pd.DataFrame:
    """The index as escaped HTML cells; each source links to its bibliography entry."""
    shown = frame[COLUMNS].map(_html_cell)

    def links(row) -> str:
        prefix = "Derived by the book from: " if row["kind"] == "derived" else ""
        parts = [
            f'<a href="{references_page}#{anchor(i)}">{_html_cell(n)}</a>'
            for n, i in zip(row["source_names"], row["source_ids"], strict=True)
        ]
        return _html_cell(prefix) + "; ".join(parts)

    shown["Source"] = [links(row) for _, row in frame.iterrows()]
    shown["value"] = frame["value"]
    shown["period_sort"] = frame["period_sort"]
    return shown


def offline_init_html() -> str:
    """itables' DataTables bundle, inlined (base64), so the table needs no network."""
    from itables import javascript, options

    init = javascript.read_package_file("html/init_datatables.html")
    connected_import = (
        "import { set_or_remove_dark_class } from '"
        + javascript.UNPKG_DT_BUNDLE_URL_NO_VERSION
        + "';"
    )
    local_import = (
        "const { set_or_remove_dark_class } = await window."
        + javascript._itables_underscore_version()
        + ";"
    )
    init = javascript.replace_value(init, connected_import, local_import)
    return init + javascript.generate_init_offline_itables_html(options.dt_bundle)


def interactive_html(frame: pd.DataFrame, caption: str) -> str:
    """The index as an offline, searchable and sortable itables table."""
    from itables import to_html_datatable

    shown = html_frame(frame)
    value_col, period_col = len(COLUMNS), len(COLUMNS) + 1
    table_html = to_html_datatable(
        shown,
        caption=caption,
        table_id=TABLE_ID,
        connected=False,
        allow_html=True,
        showIndex=False,
        display_logo_when_loading=False,
        pageLength=25,
        lengthMenu=[10, 25, 50, 100, -1],
        classes="display compact",
        columnDefs=[
            *({"targets": i, "width": f"{width}%"} for i, width in enumerate(HTML_WIDTHS)),
            {"targets": [value_col, period_col], "visible": False, "searchable": False},
            {"targets": COLUMNS.index("Value"), "orderData": [value_col]},
            {"targets": COLUMNS.index("Period"), "orderData": [period_col]},
        ],
        order=[],
        autoWidth=False,
        maxBytes=0,
    )
    return offline_init_html() + _placeholder_with_header(table_html, list(shown.columns))


# itables' placeholder: the table DataTables later fills (it replaces the whole inner
# HTML), which holds only a "Loading ITables" row until then.
_PLACEHOLDER = re.compile(rf'(<table id="{TABLE_ID}"[^>]*>)\s*<tbody>(.*?)</tbody>', re.DOTALL)


def _placeholder_with_header(table_html: str, columns: list[str]) -> str:
    """Give itables' placeholder table a header row, as every table needs one for
    assistive technology (WCAG 1.3.1); the loading message spans the columns."""
    head = "".join(f'<th scope="col">{escape.html(c)}</th>' for c in columns)

    def with_header(match: re.Match) -> str:
        body = match.group(2).replace("<td ", f'<td colspan="{len(columns)}" ', 1)
        return f"{match.group(1)}<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"

    result, count = _PLACEHOLDER.subn(with_header, table_html, count=1)
    if count != 1:
        raise RuntimeError("itables changed its placeholder table: check the figure index")
    return result


def _value_with_unit(value: str, unit: str) -> str:
    """'26 million vehicles', but '19.3%', '$23 billion' and '7.1 times' as they are."""
    if unit in ("percent", "USD", "count", "rank", "ratio") or value.rstrip().endswith(unit):
        return value
    return f"{value} {unit}"


def markdown_tables(frame: pd.DataFrame, caption: str, name: str) -> str:
    """The index as plain captioned tables for the PDF, one per chapter in book order
    (chinaev.report.chapter.table, breakable across pages), since print cannot be sorted."""
    parts = []
    for number, (chapter, rows) in enumerate(frame.groupby("Chapter", sort=False), start=1):
        shown = rows.assign(
            Value=[
                _value_with_unit(v, u) for v, u in zip(rows["Value"], rows["Unit"], strict=True)
            ],
            Source=[
                ("Derived from: " if kind == "derived" else "") + "; ".join(names)
                for kind, names in zip(rows["kind"], rows["brief_names"], strict=True)
            ],
        )
        parts.append(
            table(
                shown[PDF_COLUMNS],
                f"{caption} in “{chapter}”",
                f"{name}-{number}",
                widths=PDF_WIDTHS,
                long=True,
            ).data
        )
    return "\n\n".join(parts)


class FigureIndex:
    """A display object: itables HTML for the web page, a plain table for LaTeX."""

    def __init__(self, frame: pd.DataFrame, caption: str, name: str):
        self.frame, self.caption, self.name = frame, caption, name

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {
            "text/html": interactive_html(self.frame, self.caption),
            "text/markdown": markdown_tables(self.frame, self.caption, self.name),
            "text/plain": f"{self.caption}: {len(self.frame)} rows",
        }


def chapter_titles(book_dir, names: list[str]) -> dict[str, str]:
    """Each chapter's title, read from the first '# ' heading of its notebook."""
    import json

    titles = {}
    for name in names:
        path = Path(book_dir) / f"{name}.ipynb"
        if not path.is_file():
            continue
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        for cell in cells:
            if cell.get("cell_type") != "markdown":
                continue
            match = re.search(r"^# (.+)$", "".join(cell["source"]), flags=re.M)
            if match:
                titles[name] = match.group(1).strip()
                break
    return titles


def book_folder() -> Path:
    """The folder of the notebook being run: `chinaev run` names its source file; nbval
    and plain papermill run it from its own folder."""
    source = os.environ.get("CHINAEV_CHAPTER_SOURCE") or "figure-index.ipynb"
    return Path(source).absolute().parent


def summary(chapter, chapters: list[str], all_sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """The figure-index page: the index of `chapter`'s package, with chapter titles read
    from the notebooks `chapters` beside this one, and the counts its prose gives glued.
    `all_sources` (default: the package's not cut to a date) names sources notes mention.
    The page shows every figure and derived figure: it reads both tables whole."""
    package = chapter.package
    titles = chapter_titles(book_folder(), chapters)
    if all_sources is None:
        all_sources = package.complete().sources
    index = index_frame(package, titles, all_sources=all_sources)
    chapter.text("n_rows", len(index))
    chapter.text("n_reported", int((index["kind"] == "reported").sum()))
    chapter.text("n_derived", int((index["kind"] == "derived").sum()))
    chapter.text("n_index_sources", len({i for ids in index["source_ids"] for i in ids}))
    note = f" as it stood on {prose.date(package.as_of)}" if package.as_of else ""
    chapter.text("as_of_note", note)
    return index
