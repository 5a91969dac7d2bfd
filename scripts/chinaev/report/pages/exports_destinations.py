"""The exports chapter's destination rankings: which countries took the most vehicles,
period by period, as the sources rank them (Russia's lead and its loss to Mexico).

The rankings are the `destinations` rows with a ranking signal (`top_by_volume`,
`top_by_value`); the volumes beside them are the figures that the same source gives for
Russia in the same period. Rankings from different sources use different yardsticks
(vehicles or the value of passenger cars) and periods, so the table compares places in
each list, never sizes across lists.
"""

from __future__ import annotations

import pandas as pd

from chinaev.data.labels import categories
from chinaev.report import escape, prose, references
from chinaev.report.chapter import Chapter

# The signals that rank destinations; the other signals are statements the
# destinations table lists.
RANKINGS = ("top_by_volume", "top_by_value")
# Metrics of the figures that give one destination's exports in a ranking's period.
VOLUMES = ("vehicle_exports_from_china", "car_export_value_from_china")
# How many places of each ranking the table shows (a source may list ten).
SHOWN = 5
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")  # fmt: skip


def _place(position: int) -> str:
    """'first', 'second' ... for a place in a ranking; '11th' beyond ten."""
    return ORDINALS[position - 1] if 1 <= position <= len(ORDINALS) else prose.ordinal(position)


def ranked(package) -> list[pd.DataFrame]:
    """Each ranking the sources give (one source, signal and period), in order of its
    period, its rows in list order."""
    rows = package.destinations
    rows = rows[rows["signal"].isin(RANKINGS)]
    if rows.empty:
        return []
    keys = ["source_id", "signal", "period_start", "period_end"]
    groups = [group.sort_values("list_position") for _, group in rows.groupby(keys, sort=False)]
    return sorted(groups, key=lambda g: (g["period_end"].iloc[0], g["period_start"].iloc[0]))


def _place_of(ranking: pd.DataFrame, iso3: str) -> int | None:
    found = ranking[ranking["iso3"] == iso3]
    return int(found["list_position"].iloc[0]) if len(found) else None


def _volume(chapter: Chapter, ranking: pd.DataFrame, entity_id: str):
    """The figure the ranking's source gives for one destination in its period, shown
    with its citation; '' when the source gives none."""
    first = ranking.iloc[0]
    found = chapter.package.select(
        "figures", source_id=first["source_id"], entity_id=entity_id, metric=list(VOLUMES)
    )
    found = found[
        (found["period_start"] == first["period_start"])
        & (found["period_end"] == first["period_end"])
    ]
    if found.empty:
        return ""
    figure_id = found["figure_id"].iloc[0]
    return escape.md("{shown} {link}", shown=chapter.fig(figure_id), link=chapter.cite(figure_id))


def _period(ranking: pd.DataFrame) -> str:
    return prose.period(ranking["period_start"].iloc[0], ranking["period_end"].iloc[0])


def _glue_story(chapter: Chapter, rankings: list[pd.DataFrame]) -> None:
    """Phrases the prose uses: where Russia led, who leads the latest ranking, and
    Russia's places after it lost the lead."""
    unknown = str(chapter.unknown)
    led = [i for i, r in enumerate(rankings) if _place_of(r, "RUS") == 1]
    latest = rankings[-1] if rankings else None
    chapter.text(
        "russia_top_periods", prose.listing((_period(rankings[i]) for i in led), empty=unknown)
    )
    chapter.text("latest_ranking_period", _period(latest) if latest is not None else unknown)
    chapter.text("latest_leader", latest["name"].iloc[0] if latest is not None else unknown)
    after = rankings[led[-1] + 1 :] if led else []
    places = [(r, _place_of(r, "RUS")) for r in after]
    chapter.text(
        "russia_places_after",
        prose.listing(
            (f"{_place(p)} in {_period(r)}" for r, p in places if p),
            empty="with no later list to compare",
        ),
    )


def rankings(chapter: Chapter):
    """'Where the cars go': the largest destinations period by period, Russia's place
    in each and its volume where the same source gives one, as a table."""
    package = chapter.package
    chapter.numbers(
        "china_vehicle_exports_to_russia_2024_05",
        "china_vehicle_exports_to_russia_2025",
        "china_vehicle_exports_to_mexico_2025",
    )
    found = ranked(package)
    _glue_story(chapter, found)
    chapter.text("n_rankings", prose.words(len(found)))
    measure = categories(package, "destinations", "signal")
    rows = []
    for ranking in found:
        first = ranking.iloc[0]
        place = _place_of(ranking, "RUS")
        top = list(ranking["name"].head(SHOWN))
        more = len(ranking) - len(top)
        rows.append(
            {
                "period": _period(ranking),
                "measure": measure.get(first["signal"], first["signal"]).removeprefix("ranked "),
                "russia": prose.ordinal(place) if place else "not in the list",
                "volume": _volume(chapter, ranking, "russia"),
                "top": ", ".join(top) + (f" (and {prose.words(more)} more)" if more else ""),
                "source": f"{references.source_credit(package, first['source_id'])}, "
                f"paragraph {str(first['locator'])[1:]}",
            }
        )
    columns = {"period": "Period", "measure": "Ranked", "russia": "Russia's place",
               "volume": "To Russia", "top": "Largest destinations, in the source's order",
               "source": "Source"}  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(columns))
    if frame.empty:
        frame = pd.DataFrame([{"period": f"No ranking had been published by {package.as_of}."}])
        frame = frame.reindex(columns=list(columns), fill_value="")
    caption = (
        "China's largest export destinations as the sources rank them, period by period. "
        "The rankings differ in period, yardstick and compiler, so compare places within a "
        "row, not sizes across rows"
    )
    return chapter.table(
        frame.rename(columns=columns), caption, "tab-exports-destination-ranks",
        widths=[13, 13, 9, 15, 30, 20],
    )  # fmt: skip
