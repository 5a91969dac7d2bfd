"""What a reader sees when they hover over or focus a number in the HTML book.

Each glued number that is a figure or derived figure of the data package gets a
card: the verbatim quote, the source and paragraph, and any correction; for a
derived figure, how it was derived and from what. The card is plain HTML built
here with every data string escaped, so a quote or title holding markup shows as
text. The PDF never sees it (sphinx_ext.py adds cards to the HTML builder only).
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from chinaev.data.memo import per_object
from chinaev.data.package import Package, split_inputs
from chinaev.report import references
from chinaev.report.escape import html as escape


def _source_line(package: Package, source_id: str) -> str:
    sources = package.tables["sources"].set_index("source_id")
    if source_id not in sources.index:
        return escape(source_id)
    row = sources.loc[source_id].to_dict()
    title = references.cited_title(row.get("title"))
    who = references._text(row.get("author")) or references._text(row.get("publisher"))
    when = references.date_text(row)
    named = f"{escape(who)}, " if who else ""
    return f"{named}<em>{escape(title)}</em> ({escape(when)})"


def _lookup(package: Package, record_id: str) -> tuple[str, dict] | None:
    return _records_of(package).get(record_id)


@per_object
def _records_of(package: Package) -> dict[str, tuple[str, dict]]:
    """Every figure and derived figure by id (a figure first), indexed once per package:
    a build asks for some five hundred cards, and filtering the tables for each was a
    tenth of the HTML build."""
    index = {}
    for table, key in (("derived", "derived_id"), ("figures", "figure_id")):
        for row in package.tables[table].to_dict("records"):
            index[row[key]] = (table, row)
    return index


def card(package: Package, record_id: str) -> str | None:
    """The inner HTML of a record's card, or None when the id is not a record."""
    found = _lookup(package, record_id)
    if found is None:
        return None
    table, row = found
    lines = []
    if table == "figures":
        lines.append(f'<span class="chinaev-card-quote">“{escape(str(row["quote"]))}”</span>')
        locator = str(row["locator"])
        paragraph = locator[1:] if locator.startswith("p") else locator
        lines.append(f"{_source_line(package, row['source_id'])}, paragraph {escape(paragraph)}")
        correction_id = references._text(row.get("correction_id"))
        if correction_id:
            fixes = package.tables["corrections"].set_index("correction_id")
            if correction_id in fixes.index:
                statement = fixes.loc[correction_id, "correct_statement"]
                lines.append(f"<strong>Correction:</strong> {escape(str(statement))}")
    else:
        lines.append(f"<strong>Derived by the book.</strong> {escape(str(row['note']))}")
        lines.append(f"Formula: <code>{escape(str(row['formula']))}</code>")
        inputs = ", ".join(escape(ref) for ref in split_inputs(str(row["inputs"])))
        lines.append(f"Inputs: {inputs}")
    lines.append(f'<span class="chinaev-card-id">{escape(record_id)}</span>')
    return "<br/>".join(lines)


def phrase_card(package: Package, record_ids: list[str]) -> str | None:
    """The card of a number the book worked out from records: each record's card."""
    inner = [card(package, record_id) for record_id in record_ids]
    inner = [text for text in inner if text]
    if not inner:
        return None
    lead = "<strong>Worked out by the book from:</strong>"
    return lead + "".join(f'<span class="chinaev-card-part">{text}</span>' for text in inner)


def number_html(shown: str, inner: str, card_id: str) -> str:
    """A number that shows its card on hover and on keyboard focus."""
    return (
        f'<span class="chinaev-num" tabindex="0" aria-describedby="{card_id}">'
        f"{escape(shown)}"
        f'<span class="chinaev-card" role="tooltip" id="{card_id}">{inner}</span></span>'
    )


# Columns of a chapter's download, in this order: the figures' columns, then those
# only derived figures have, then the IEA's.
def rows_csv(package: Package, read: dict) -> str:
    """CSV of exactly the figures, derived figures and IEA rows a chapter read."""
    ids = set(read.get("records", []))
    frames = []
    for table, key in (("figures", "figure_id"), ("derived", "derived_id")):
        frame = package.tables[table]
        chosen = frame[frame[key].isin(ids)].sort_values(key)
        frames.append(chosen.rename(columns={key: "id"}).assign(resource=table))
    iea = package.tables["iea"]
    for selection in read.get("iea", []):
        mask = pd.Series(True, index=iea.index)
        for field, value in selection.items():
            if field == "powertrains":
                mask &= iea["powertrain"].isin(value) if value else True
            else:
                mask &= iea[field].astype(str) == str(value)
        chosen = iea[mask].sort_values(["region", "parameter", "mode", "powertrain", "year"])
        if chosen.empty:  # a slice the edition no longer has (the 2025 one has no APS)
            continue
        key = chosen[["region", "category", "parameter", "mode", "powertrain", "year"]].astype(str)
        chosen = chosen.assign(id=key.agg("/".join, axis=1), resource="iea")
        frames.append(chosen)
    frames = [frame for frame in frames if len(frame)]
    rows = pd.concat(frames, ignore_index=True) if frames else None
    buffer = io.StringIO()
    if rows is None or rows.empty:
        csv.writer(buffer, lineterminator="\n").writerow(["resource", "id"])
        return buffer.getvalue()
    rows = rows.drop_duplicates(subset=["resource", "id"])
    columns = ["resource", "id", *[c for c in rows.columns if c not in ("resource", "id")]]
    out = rows[columns].copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
