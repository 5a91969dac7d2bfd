"""The outlook section of the chapter 'Western responses': what the sources say could
hold Chinese carmakers back abroad, and how far each kind of evidence can be trusted."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from chinaev.data.labels import categories
from chinaev.report import prose, references
from chinaev.report.chapter import Chapter

# The evidence on each challenge is the package's `evidence` resource (topic: the
# challenge; weight: how much the item can carry), its words the categories of those fields.
CHAPTER = "western-responses"
# fmt: off
# The verdict on each challenge: the kinds of evidence it needs for the first reading,
# else the second.
VERDICTS = {
    "compliance": ({"rule"},
                   "Strong for the United States, where a rule is in force; elsewhere a stated "
                   "concern, with no measure in the sources.",
                   "Moderate: stated concerns only."),
    "profit": ({"expert"},
               "Weak: asserted rather than shown. The sources give no profit figures, and the one "
               "analysis of Europe finds it the more profitable market.",
               "Weak: one view, from an unreliable summary."),
    "autonomy": ({"expert", "summary"},
                 "Weak and contested: the claims point both ways, come mostly from interested "
                 "parties or an unreliable summary, and none is measured.",
                 "Weak: claims from interested parties and experts, none measured."),
}
# The analysis after each verdict, sentence by sentence, each shown only when the source
# it rests on had been published as of the chapter's date.
ANALYSIS = {
    "compliance": [
        ("seed-003", "This is the obstacle with the hardest evidence, because part of it is law "
                     "rather than opinion: the US rule already decides which cars may be sold."),
        ("seed-002", "Chinese industry voices treat compliance as a cost of doing business "
                     "abroad, to be met with local teams and partners."),
        ("seed-003", "Nothing in the sources shows a European or other market moving to a "
                     "US-style ban.")],
    "profit": [
        ("seed-003", "The pressure the sources describe is at home, where subsidised local "
                     "champions multiply and many start-ups have failed. Abroad they point the "
                     "other way: the same models sell at a markup in Europe, so selling overseas "
                     "is partly a way out of the competition at home. That makes tariffs and "
                     "market access, more than competition abroad, what decides whether "
                     "expansion pays.")],
    "autonomy": [
        ("seed-003", "Whether Chinese makers lead or trail in software cannot be settled from "
                     "these sources. It also matters less than it seems in the largest closed "
                     "market: the US rule bars Chinese automated-driving software whatever its "
                     "quality.")],
}
# fmt: on


def _missing(chapter: Chapter) -> str:
    return str(prose.not_published(chapter.package.as_of))


def outlook(chapter: Chapter) -> Markdown:
    """What could hold Chinese carmakers back abroad: each challenge's evidence, how far
    it can be trusted, and the table of what each source says."""
    package = chapter.package
    chapter.numbers("unicom_local_team_countries")
    challenges = categories(package, "evidence", "topic")
    weight = categories(package, "evidence", "weight")
    published = set(package.select("sources", ["source_id"])["source_id"])
    present = evidence(chapter, published)
    chapter.text("n_challenges", prose.words(len(challenges)))
    for key, (needs, strong, weak) in VERDICTS.items():
        kinds = set(present.loc[present["topic"] == key, "weight"])
        verdict = (strong if needs <= kinds else weak) if kinds else None
        verdict = verdict or f"Not raised by any source published by {package.as_of}."
        chapter.md(f"verdict_{key}", "*{verdict}*", verdict=verdict)
        analysis = " ".join(text for source, text in ANALYSIS[key] if source in published)
        chapter.md(f"analysis_{key}", "{analysis}", analysis=analysis)
    rows = []
    for i, item in enumerate(present.itertuples()):
        # The challenge is named on the first of its rows only, so the table reads in groups.
        first = i == 0 or present["topic"].iloc[i - 1] != item.topic
        where = f"paragraph {item.locator[1:]}"
        credit = f"{references.source_credit(package, item.source_id)}, {where}"
        what = item.summary
        if item.figure_id:
            what = what.replace("{figure}", str(chapter.fig(item.figure_id)))
        rows.append((challenges[item.topic] if first else "", what, credit, weight[item.weight]))
    columns = ["Challenge", "What the source says", "Source", "Kind of evidence"]
    frame = pd.DataFrame(rows or [(_missing(chapter), "", "", "")], columns=columns)
    caption = "Challenges for Chinese carmakers abroad: what the sources say and how much it weighs"
    return chapter.table(frame, caption, "tab-wr-outlook", widths=[15, 43, 26, 16])


def evidence(chapter: Chapter, published: set[str]) -> pd.DataFrame:
    """The chapter's evidence items from sources published as of its date, by challenge
    (in the order of the topic's categories) and position."""
    items = chapter.package.evidence
    order = {code: i for i, code in enumerate(categories(chapter.package, "evidence", "topic"))}
    items = items[(items["chapter"] == CHAPTER) & items["source_id"].isin(published)]
    items = items.assign(order=items["topic"].map(order)).sort_values(["order", "position"])
    return items.fillna({"figure_id": ""}).reset_index(drop=True)
