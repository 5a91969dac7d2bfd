"""The fact-check chapter (book/fact-check.ipynb), continued: the pattern across the
verdicts, and the revisions between IEA editions.

A claim checked against one edition may read differently against the next: the IEA
revises its history. The package keeps, for the IEA keys the book reads, the value of
the edition replaced beside the current one (`iea_revisions`, written by `chinaev
import-iea`); the section below says how far they moved.
"""

from __future__ import annotations

import pandas as pd

from chinaev.data.factcheck import VERDICTS
from chinaev.report import factcheck, prose
from chinaev.report.chapter import Chapter

# The revisions shown in the table: the largest, by relative change.
SHOWN = 8
# A revision counted as large: a relative change of at least this much.
LARGE = 0.05
TABLE = "tab-fact-check-revisions"


def pattern(results: pd.DataFrame, tally: dict[str, int]) -> str:
    """Whether the numbers hold up, naming the claims that do not hold as written."""

    def named(verdict: str) -> str:
        return "; ".join(
            f"“{claim}”" for claim in results.loc[results["verdict"] == verdict, "claim"]
        )

    if sum(tally[v] for v in VERDICTS if v != "not checkable") == 0:
        pattern = "No claim could be checked against the statistics."
    elif tally["inconsistent"] == 0 and tally["consistent once defined"] > 0:
        pattern = (
            "Where the news and the statistics overlap, the news numbers hold up, but their "
            "labels do not always. The claims that agree only once defined are: "
            f"{named('consistent once defined')}."
        )
    elif tally["inconsistent"] == 0:
        pattern = "Where the news and the statistics overlap, the news numbers hold up as written."
    else:
        pattern = f"Some news numbers do not survive the comparison: {named('inconsistent')}."
    if tally["stale"]:
        which = (
            "One held for an earlier year, not for its own"
            if tally["stale"] == 1
            else ("Some held for an earlier year, not for their own")
        )
        pattern += f" {which}: {named('stale')}."
    waiting = results[results["reason"] == "no_iea_value"]
    years = sorted({int(y) for y in waiting["iea_year"]})
    if years:
        pattern += (
            f" The most recent claims, about {prose.listing(years)}, are those the statistics "
            "in the package cannot yet reach."
        )
    return pattern


# -- revisions between editions ---------------------------------------------------------
def revisions(chapter: Chapter):
    """The IEA values the book reads that the current edition revised, largest first
    (China's, if it has any); glues a sentence on them (`fc_revisions`). Returns the
    table, with one row saying so when there is none."""
    package = chapter.package
    caption = "The IEA values this book reads that the later edition revised most"
    none = pd.DataFrame({"Revisions": ["None: the package keeps no earlier IEA edition."]})
    found = package.select("iea_revisions") if "iea_revisions" in package.names else none.iloc[0:0]
    if not len(found):
        chapter.md("fc_revisions", "The package keeps no earlier IEA edition to compare.")
        return chapter.table(none, caption, TABLE, widths=[100])
    found = found.assign(change=(found["value_to"] - found["value_from"]) / found["value_from"])
    found = found.assign(size=found["change"].abs()).sort_values(
        ["size", "region", "parameter", "mode", "year"], ascending=[False, True, True, True, True]
    )
    # Each edition by its title before the colon: 'Global EV Outlook 2025'.
    before = package.source(found["edition_from"].iloc[0])["title"].split(":")[0]
    after = package.source(found["edition_to"].iloc[0])["title"].split(":")[0]
    china = found[(found["region"] == "China") & (found["parameter"] == "EV sales share")]
    china = china[china["mode"] == "Cars"].sort_values("year")
    example = ""
    if len(china):
        row = china.iloc[-1]
        example = (
            f"China's electric share of new-car sales in {int(row['year'])}, for example, "
            f"was {factcheck.formatted(row['value_from'], row['unit'])} in the earlier "
            f"edition and is {factcheck.formatted(row['value_to'], row['unit'])} in the later."
        )
    moved = int((found["size"] >= LARGE).sum())
    chapter.md(
        "fc_revisions",
        "Between the {before} and the {after}, the IEA revised {n} of the values this book "
        "reads, {moved} of them by {large} or more. {example} A claim checked against one "
        "edition can therefore move when the next is imported: the comparisons name their "
        "years, not an edition, so each import re-checks them.",
        n=prose.words(len(found)),
        before=before,
        after=after,
        moved=prose.words(moved),
        large=prose.percent(LARGE * 100, 0),
        example=example,
    )
    # The table: China's revised values, the book's subject, largest first (all regions
    # if China has none).
    china_rows = found[found["region"] == "China"]
    shown = (china_rows if len(china_rows) else found).head(SHOWN)
    if len(china_rows):
        caption = caption.replace("The IEA values", "China's IEA values")

    def values(column: str) -> list[str]:
        pairs = zip(shown[column], shown["unit"], strict=True)
        return [factcheck.formatted(value, unit) for value, unit in pairs]

    table = pd.DataFrame(
        {
            "Region": shown["region"],
            "What": shown["parameter"] + ", " + shown["mode"] + " (" + shown["powertrain"] + ")",
            "Year": shown["year"].astype(int).astype(str),
            "Earlier edition": values("value_from"),
            "Later edition": values("value_to"),
            "Change": [("+" if c > 0 else "") + prose.percent(c * 100, 0) for c in shown["change"]],
        }
    )
    return chapter.table(table, caption, TABLE, widths=[14, 36, 8, 14, 14, 14])
