"""The package's words for the footprint's codes, as the localisation chapter uses them:
the categories of footprint.status (most advanced first) and footprint.kind, and the
labels vocabularies footprint_symbol (the map's short names) and footprint_noun_one /
footprint_noun_several (a kind in a sentence)."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from chinaev.data.labels import categories, vocabulary
from chinaev.report import prose
from chinaev.report.chapter import Chapter


class Words(NamedTuple):
    """The package's words for the footprint's codes."""

    status: dict[str, str]  # most advanced first
    kind: dict[str, str]
    symbol: dict[str, str]
    nouns: dict[str, tuple[str, str]]  # (one, several)

    @property
    def rank(self) -> list[str]:
        return list(self.status)

    @property
    def status_order(self) -> list[str]:
        return list(dict.fromkeys(self.status.values()))


def words(chapter: Chapter) -> Words:
    package = chapter.package
    one, several = (vocabulary(package, f"footprint_noun_{n}") for n in ("one", "several"))
    return Words(
        categories(package, "footprint", "status"),
        categories(package, "footprint", "kind"),
        vocabulary(package, "footprint_symbol"),
        {kind: (one[kind], several[kind]) for kind in one},
    )


def status_date(chapter: Chapter, frame: pd.DataFrame) -> str:
    """The publication date of the latest source behind the entries: the date their
    statuses stand at ('10 October 2025')."""
    sources = chapter.package.sources.set_index("source_id")
    dated = sources.loc[sorted(set(frame["source_id"])), ["published_date", "date_precision"]]
    if dated.empty:
        return str(chapter.unknown)
    latest = dated.sort_values("published_date").iloc[-1]
    return prose.date(latest["published_date"], latest["date_precision"])
