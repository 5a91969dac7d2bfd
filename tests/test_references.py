"""The bibliography entries built from the sources resource (chinaev.report.references)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from chinaev.data import paths
from chinaev.data.package import load
from chinaev.report.references import (
    NOT_AVAILABLE,
    bibliography,
    brief_name,
    date_text,
    date_with_precision,
    entry,
    escape,
    name_sources,
    short_label,
)


def source(**fields) -> dict:
    row = {
        "source_id": "seed-009",
        "file": "009_x.txt",
        "kind": "news-article",
        "title": "A Title",
        "publisher": "",
        "publisher_basis": "Not stated anywhere in the text.",
        "author": "",
        "published_date": "2025-06-01",
        "date_precision": "month",
        "date_inferred": "true",
        "date_basis": "Inferred from the data it reports.",
        "url": NOT_AVAILABLE,
        "url_note": "The text carries no address.",
        "accessed": "",
        "accessed_note": "Not recorded.",
        "licence_note": "Copyright of the publisher.",
        "reliability_note": "Trade news.",
    }
    row.update(fields)
    return row


def test_entry_starts_with_its_exact_label():
    text = entry(source(source_id="seed-002"))
    assert text.splitlines()[0] == "(ref-seed-002)="
    assert entry(source(source_id="iea-gevo-2024")).startswith("(ref-iea-gevo-2024)=\n")


@pytest.mark.parametrize(
    ("precision", "date", "inferred", "shown"),
    [
        ("day", "2025-01-20", "false", "20 January 2025 (to the day)"),
        ("month", "2025-06-01", "true", "June 2025 (to the month, inferred)"),
        ("year", "2021-01-01", "true", "2021 (to the year, inferred)"),
        ("not_before", "2025-01-20", "true", "on or after 20 January 2025 (inferred)"),
        ("unknown", "", "false", "undated"),
    ],
)
def test_dates_keep_their_precision_and_say_when_inferred(precision, date, inferred, shown):
    row = source(published_date=date, date_precision=precision, date_inferred=inferred)
    assert date_with_precision(row) == shown
    assert f", {shown}." in entry(row)


def test_typed_rows_from_the_loader_read_the_same_as_strings():
    typed = source(published_date=pd.Timestamp("2024-04-01"), date_inferred=True, accessed=pd.NaT)
    assert date_with_precision(typed) == "April 2024 (to the month, inferred)"
    assert entry(typed) == entry(source(published_date="2024-04-01"))


def test_missing_url_and_access_date_are_said_not_left_blank():
    text = entry(source())
    assert f"- **URL:** {NOT_AVAILABLE}. The text carries no address." in text
    assert "- **Accessed:** Not recorded." in text
    dated = entry(source(url="https://example.org/a", url_note="", accessed="2025-07-03"))
    assert "- **URL:** <https://example.org/a>" in dated
    assert "- **Accessed:** 3 July 2025. Not recorded." in dated


def test_publisher_leads_when_known_and_title_leads_when_not():
    known = entry(source(publisher="China Daily"))
    assert known.splitlines()[1].startswith("**China Daily.** *A Title.* News article, June 2025")
    unknown = entry(source())
    assert unknown.splitlines()[1].startswith("***A Title.*** Publisher not stated. News article")
    both = entry(source(author="A. Writer", publisher="China Daily"))
    assert both.splitlines()[1].startswith("**A. Writer.** *A Title.* China Daily. News article")


def test_licence_and_reliability_notes_are_in_the_entry():
    text = entry(source(reliability_note="Markers [1] to [4]; *garbled* names."))
    assert "- **Licence:** Copyright of the publisher." in text
    assert r"- **Reliability:** Markers \[1\] to \[4\]; \*garbled\* names." in text


def test_escape_neutralises_markdown():
    assert escape("a_b *c* `d` <e> {f} [g] |h|") == (r"a\_b \*c\* \`d\` \<e\> \{f\} \[g\] \|h\|")
    assert escape(None) == "" and escape(float("nan")) == ""


def test_entry_needs_an_id():
    with pytest.raises(ValueError):
        entry(source(source_id=""))


def test_bibliography_is_alphabetical_by_what_leads_each_entry():
    rows = pd.DataFrame(
        [
            source(source_id="b", title="Zebra", publisher=""),
            source(source_id="a", title="Middle", publisher="Alpha Press"),
            source(source_id="c", title="(untitled)", publisher="Beta News"),
        ]
    )
    labels = re.findall(r"^\(ref-([a-z]+)\)=$", bibliography(rows), flags=re.M)
    assert labels == ["a", "c", "b"]
    assert "No sources" in bibliography(rows.iloc[0:0])


def test_short_label_names_publisher_and_title_never_the_id():
    assert short_label(source(publisher="China Daily")) == "China Daily, A Title (2025)"
    assert short_label(source()) == "A Title (publisher not stated, 2025)"
    undated = short_label(source(published_date="", date_precision="unknown"))
    assert undated == "A Title (publisher not stated, undated)"
    assert "seed-009" not in short_label(source()) and "009_x" not in short_label(source())


def test_a_title_the_editors_supplied_is_cited_in_square_brackets():
    supplied = source(publisher="China Daily", title="(untitled in the text; a report)")
    assert short_label(supplied) == "China Daily, [untitled in the text; a report] (2025)"
    assert r"\[untitled in the text; a report\]" in entry(supplied)
    assert short_label(source(title="A (Parenthetical) Title")) == (
        "A (Parenthetical) Title (publisher not stated, 2025)"
    )


def test_date_text_of_the_real_sources():
    package = load(paths.DATAPACKAGE)
    shown = {row["source_id"]: date_text(row) for _, row in package.sources.iterrows()}
    assert shown["seed-004"] == "undated"
    assert all(re.search(r"\d{4}$", text) for key, text in shown.items() if key != "seed-004")


def test_every_real_source_has_one_entry_with_url_and_access_stated():
    package = load(paths.DATAPACKAGE)
    text = bibliography(package.sources)
    labels = re.findall(r"^\(ref-([a-z0-9-]+)\)=$", text, flags=re.M)
    assert sorted(labels) == sorted(package.sources["source_id"])
    for block in text.split("\n\n("):
        assert "- **URL:** " in block and "- **Accessed:** " in block
        assert "- **Licence:** " in block and "- **Reliability:** " in block


def test_name_sources_replaces_ids_in_editors_notes():
    sources = pd.DataFrame(
        [
            source(source_id="seed-002", publisher=""),
            source(source_id="seed-001", publisher="China Daily"),
            source(source_id="seed-0010", publisher="Longer Id Press"),
        ]
    )
    note = (
        "Named correctly in seed-002 (paragraph p5); see correction c001_cui_affiliation "
        "and derived figure iea_china_us_ratio_2023, not seed-001 or seed-0010."
    )
    assert name_sources(note, sources) == (
        "Named correctly in “A Title” (paragraph 5); see the corrections register and the "
        "derived figure in the figure index, not China Daily or Longer Id Press."
    )
    assert name_sources("p5 stays without the word", sources) == "p5 stays without the word"
    assert brief_name(source(publisher="MarketScale")) == "MarketScale"
