"""The book's bibliography, and how sources are named wherever readers see them.

One entry per row of the `sources` resource, written as MyST Markdown. Each entry
starts with the target `(ref-<source_id>)=`, so any page can link to it with
``{ref}`text <ref-seed-002>` `` or ``[text](#ref-seed-002)``. Everything in an entry
comes from the row: nothing is looked up elsewhere or filled in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from chinaev.report import escape as escape_

NOT_AVAILABLE = "not available"
KINDS = {"news-article": "News article", "dataset": "Dataset"}
PRECISION_WORDS = {"day": "to the day", "month": "to the month", "year": "to the year"}


def anchor(source_id: str) -> str:
    """The label of a source's entry: `ref-<source_id>`."""
    return f"ref-{source_id}"


def escape(value) -> str:
    """Data text made safe for Markdown: no stray emphasis, links, roles or HTML
    (escape.myst, with missing values as empty text)."""
    return escape_.myst(_text(value))


def _text(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    return str(value).strip()


def _date(value) -> pd.Timestamp | None:
    if _text(value) == "":
        return None
    return pd.Timestamp(value)


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp.day} {stamp:%B %Y}"


def _flag(value) -> bool:
    return _text(value).lower() in ("true", "1")


def date_text(row: Mapping) -> str:
    """A publication date as precise as the source allows: '20 January 2025',
    'June 2025', '2021', 'on or after 20 January 2025' or 'undated'."""
    stamp = _date(row.get("published_date"))
    precision = _text(row.get("date_precision"))
    if stamp is None or precision == "unknown":
        return "undated"
    if precision == "year":
        return f"{stamp:%Y}"
    if precision == "month":
        return f"{stamp:%B %Y}"
    if precision == "not_before":
        return f"on or after {_day(stamp)}"
    return _day(stamp)


def date_with_precision(row: Mapping) -> str:
    """The date followed by its precision and whether it was inferred:
    'June 2025 (to the month, inferred)'."""
    shown = date_text(row)
    if shown == "undated":
        return shown
    notes = [PRECISION_WORDS.get(_text(row.get("date_precision")), "")]
    if _flag(row.get("date_inferred")):
        notes.append("inferred")
    notes = [n for n in notes if n]
    return f"{shown} ({', '.join(notes)})" if notes else shown


def year_text(row: Mapping) -> str:
    """Just the year for short labels; 'undated' when there is none."""
    stamp = _date(row.get("published_date"))
    if stamp is None or _text(row.get("date_precision")) == "unknown":
        return "undated"
    prefix = "not before " if _text(row.get("date_precision")) == "not_before" else ""
    return f"{prefix}{stamp:%Y}"


def cited_title(title) -> str:
    """A title as cited. A title the editors supplied is kept in parentheses in the data
    ('(untitled in the text; ...)'); it is cited in square brackets, the bibliographic
    mark of a supplied title, so that it never reads as an aside after a comma."""
    title = _text(title)
    if title.startswith("(") and title.endswith(")"):
        return f"[{title[1:-1]}]"
    return title


def short_label(row: Mapping) -> str:
    """Plain-text name of a source for tables and credits (never its id or file):
    'China Daily, <title> (2021)' or '<title> (publisher not stated, 2025)'."""
    title = cited_title(row.get("title"))
    publisher = _text(row.get("author")) or _text(row.get("publisher"))
    year = year_text(row)
    if publisher:
        return f"{publisher}, {title} ({year})"
    return f"{title} (publisher not stated, {year})"


def _url(row: Mapping) -> str:
    url = _text(row.get("url"))
    note = escape(row.get("url_note"))
    if url.startswith(("http://", "https://")):
        return f"<{url}>" + (f" ({note})" if note else "")
    return NOT_AVAILABLE + (f". {note}" if note else "")


def _accessed(row: Mapping) -> str:
    """The access date and its note; with no date the note (which says why) stands alone."""
    stamp = _date(row.get("accessed"))
    note = escape(row.get("accessed_note"))
    if stamp is None:
        return note or "unknown"
    return _day(stamp) + (f". {note}" if note else "")


def entry(row: Mapping) -> str:
    """One bibliography entry as MyST Markdown, led by its `(ref-<source_id>)=` target."""
    source_id = _text(row.get("source_id"))
    if not source_id:
        raise ValueError("a source row needs a source_id")
    title = escape(cited_title(row.get("title"))) or "[untitled]"
    author = escape(row.get("author"))
    publisher = escape(row.get("publisher"))
    kind = KINDS.get(_text(row.get("kind")), escape(row.get("kind")).capitalize())
    dated = date_with_precision(row)
    if author or publisher:
        lead = f"**{author or publisher}.** *{title}.*"
        if author and publisher:
            lead += f" {publisher}."
    else:
        lead = f"***{title}.*** Publisher not stated."
    details = [
        ("Publisher", escape(row.get("publisher_basis")) or (publisher or "not stated")),
        ("Date", dated + (f". {escape(row.get('date_basis'))}" if row.get("date_basis") else "")),
        ("URL", _url(row)),
        ("Accessed", _accessed(row)),
        ("Licence", escape(row.get("licence_note"))),
        ("Reliability", escape(row.get("reliability_note"))),
    ]
    lines = [f"({anchor(source_id)})=", f"{lead} {kind}, {dated}.", ""]
    lines += [f"- **{name}:** {value}" for name, value in details if value]
    return "\n".join(lines)


def sort_key(row: Mapping) -> str:
    """Alphabetical by what leads the entry (author, publisher, else title)."""
    lead = _text(row.get("author")) or _text(row.get("publisher")) or _text(row.get("title"))
    return re.sub(r"^[^0-9A-Za-z]+", "", lead).casefold()


def bibliography(sources: pd.DataFrame) -> escape_.MyST:
    """Every source as an entry, in alphabetical order, as one MyST Markdown string
    (each entry escapes what it takes from the row)."""
    rows = sorted((row for _, row in sources.iterrows()), key=sort_key)
    if not rows:
        return escape_.MyST("No sources are in the data package as of this date.")
    return escape_.MyST("\n\n".join(entry(row) for row in rows))


def brief_name(row: Mapping) -> str:
    """The shortest reader-facing name of a source: its publisher, else its title in quotes."""
    return _text(row.get("author")) or _text(row.get("publisher")) or f"“{_text(row.get('title'))}”"


def name_sources(text: str, sources: pd.DataFrame) -> str:
    """Editors' notes made reader-facing: source ids become names, 'correction <id>' a
    pointer to the corrections register, '(derived) figure <id>' a pointer to the figure
    index, and locators after 'paragraph' lose their 'p'."""
    text = _text(text)
    names = {
        _text(row["source_id"]): brief_name(row)
        for _, row in sources.iterrows()
        if _text(row["source_id"])
    }
    if names:
        ids = sorted(names, key=len, reverse=True)
        pattern = r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])"
        text = re.sub(pattern, lambda m: names[m.group(1)], text)
    text = re.sub(r"\bcorrection [a-z0-9]+_[a-z0-9_]+", "the corrections register", text)
    text = re.sub(
        r"\b(derived )?figure [a-z0-9]+(?:_[a-z0-9]+)+",
        lambda m: f"the {m.group(1) or ''}figure in the figure index",
        text,
    )
    if "paragraph" in text:  # locators in running text: 'paragraphs p3 and p10'
        text = re.sub(r"\bp([1-9]\d*)\b", r"\1", text)
    return text


def source_credit(package, source_id: str) -> str:
    """A reader-facing name for a source, for chart credits and tables: the publisher
    and date when the publisher is known, otherwise the title and date; never the
    package's internal id. A source not (yet) in the package reads as not published."""
    found = package.select("sources", source_id=source_id)
    if not len(found):
        return "a source not published by the chosen date"
    source = found.iloc[0]
    when = source["published_date"]
    if pd.isna(when):
        dated = "undated"
    elif source["date_precision"] in ("year", "not_before"):
        dated = f"{when:%Y}"
    else:
        dated = f"{when:%B %Y}"
    title = str(source["title"])
    if source["kind"] == "dataset":
        return f"{source['publisher']}, {title}"
    if source["publisher"]:
        return f"{source['publisher']} ({dated})"
    if title.startswith("("):  # an editors' description, not a real title
        return f"an unnamed publisher ({dated})"
    return f"“{title}” ({dated})"
