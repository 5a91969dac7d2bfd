"""The outlook section of the chapter 'Western responses': what the sources say could
hold Chinese carmakers back abroad, and how far each kind of evidence can be trusted."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from chinaev.report import prose, references
from chinaev.report.chapter import Chapter

# fmt: off
CHALLENGES = {"compliance": "Data and security compliance", "profit": "Profitability",
              "autonomy": "Intelligent and autonomous driving"}
# What each source says on each challenge, in the editors' words; the kind is how much
# the item can carry: a rule in force, a named expert, an interested party, or a summary
# of unknown reliability. {unicom} is the figure unicom_local_team_countries.
EVIDENCE = [
    ("compliance", "seed-003", "p8", "rule",
     "The United States bars Chinese connected-car technology by rule, not by tariff."),
    ("compliance", "seed-003", "p32", "reported",
     "National-security worries in Brussels and Washington clash with carmakers' use of "
     "Chinese production hubs."),
    ("compliance", "seed-002", "p14", "interested",
     "A researcher at a Chinese state-backed research centre names differing standards and "
     "compliance systems abroad as an obstacle to be met by local partnerships."),
    ("compliance", "seed-002", "p11", "interested",
     "China Unicom's connected-car arm has local teams in {unicom} countries to run "
     "carmakers' telematics abroad."),
    ("compliance", "seed-004", "p15", "summary",
     "Miao Wei, a former industry minister, lists data privacy and security rules abroad as "
     "a key test, in an automatically rewritten summary of his book."),
    ("profit", "seed-003", "p43", "expert",
     "An expert at CSIS, a Washington think tank, warns that local governments' subsidies "
     "risk a race to the bottom and firms that never go bankrupt."),
    ("profit", "seed-003", "p30", "expert",
     "Rhodium Group finds Chinese brands probably earn more per car in Europe than at home, "
     "even after the EU duty."),
    ("profit", "seed-004", "p15", "summary",
     "Miao Wei sees fierce competition at home making innovation hard to turn into profit."),
    ("autonomy", "seed-003", "p6", "expert",
     "A US university expert says Chinese carmakers are now at the forefront of the "
     "technology."),
    ("autonomy", "seed-003", "p48", "interested",
     "Leapmotor's executive director describes cars as intelligent electronics and credits "
     "in-house parts for fast updates."),
    ("autonomy", "seed-002", "p11", "interested",
     "China Unicom's connected-car arm claims Chinese brands already lead the world in "
     "intelligent features."),
    ("autonomy", "seed-004", "p9", "summary",
     "Miao Wei holds that China's lead in production does not guarantee a lead in AI-driven "
     "cars, with Tesla pushing self-driving."),
]
WEIGHT = {"rule": "rule in force", "expert": "outside expert", "reported": "reporter's account",
          "interested": "interested party", "summary": "unreliable summary"}
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
    cited = {e[1] for e in EVIDENCE}
    published = set(package.select("sources", ["source_id"], source_id=cited)["source_id"])
    present = [e for e in EVIDENCE if e[1] in published]
    chapter.text("n_challenges", prose.words(len(CHALLENGES)))
    for key, (needs, strong, weak) in VERDICTS.items():
        kinds = {e[3] for e in present if e[0] == key}
        verdict = (strong if needs <= kinds else weak) if kinds else None
        verdict = verdict or f"Not raised by any source published by {package.as_of}."
        chapter.md(f"verdict_{key}", "*{verdict}*", verdict=verdict)
        analysis = " ".join(text for source, text in ANALYSIS[key] if source in published)
        chapter.md(f"analysis_{key}", "{analysis}", analysis=analysis)
    unicom = chapter.fig("unicom_local_team_countries")
    rows = []
    for i, (challenge, source, locator, kind, what) in enumerate(present):
        # The challenge is named on the first of its rows only, so the table reads in groups.
        first = i == 0 or present[i - 1][0] != challenge
        credit = f"{references.source_credit(package, source)}, paragraph {locator[1:]}"
        rows.append((CHALLENGES[challenge] if first else "", what.format(unicom=unicom), credit,
                     WEIGHT[kind]))  # fmt: skip
    columns = ["Challenge", "What the source says", "Source", "Kind of evidence"]
    frame = pd.DataFrame(rows or [(_missing(chapter), "", "", "")], columns=columns)
    caption = "Challenges for Chinese carmakers abroad: what the sources say and how much it weighs"
    return chapter.table(frame, caption, "tab-wr-outlook", widths=[15, 43, 26, 16])
