"""The fact-check chapter (book/fact-check.ipynb): one function per section.

Each function glues what its section's prose refers to and returns the section's table,
if it has one. The comparisons and verdicts are computed in `chinaev.data.factcheck`
and put in words by `chinaev.report.factcheck`; this module chooses what the chapter
says about them. Citation numbers follow the order in which records are first cited,
so the functions are called in the chapter's order.
"""

from __future__ import annotations

import math

import pandas as pd

from chinaev.checks.validate import QUALIFIER_BOUNDS
from chinaev.data.factcheck import VERDICTS, counts
from chinaev.data.factcheck.intervals import IEA_DIGITS
from chinaev.data.labels import vocabulary
from chinaev.report import escape, exhibits, factcheck, prose
from chinaev.report.chapter import Chapter
from chinaev.report.pages import fact_check_editions
from chinaev.report.pages.fact_check_editions import revisions  # noqa: F401 (a section)

# How the claim the findings name fits the two readings, by the reason for its verdict.
READINGS = {
    "match_once_defined": "The claim fits the second reading: *{verdict}*.",
    "match": "The claim fits even the first reading: *{verdict}*.",
    "mismatch": "The claim fits neither reading: *{verdict}*.",
    "earlier_year": "The claim fits neither reading for its own year: *{verdict}*.",
    "unsizeable": "The claim fits neither reading: *{verdict}*.",
}


# -- generic wording (not about this chapter) --------------------------------------------
TEENS = ("eleven", "twelve", "thirteen", "fourteen", "fifteen")
TEENS += ("sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def words(n: int) -> str:
    """`prose.words`, carried on to twenty: this chapter counts claims in words."""
    return TEENS[n - 11] if 11 <= n <= 20 else prose.words(n)


def counted_verb(n: int, one: str, many: str) -> str:
    """'none agrees', 'one agrees', 'two agree'."""
    return f"{'none' if n == 0 else words(n)} {one if n <= 1 else many}"


def quoted(items) -> str:
    """'“A”, “B” and “C”', or 'none'."""
    return prose.listing(f"“{item}”" for item in items)


# -- set-up -------------------------------------------------------------------------------
def results(chapter: Chapter) -> pd.DataFrame:
    """Every comparison whose claim the package holds, by verdict and then claim; glues
    the IEA citation (`cite_iea`) once the IEA data are published."""
    found = factcheck.explained(chapter.package)
    order = {verdict: i for i, verdict in enumerate(VERDICTS)}
    found = found.sort_values(
        ["verdict", "claim"], key=lambda c: c.map(order) if c.name == "verdict" else c
    )
    link = chapter.cite_iea() if len(chapter.package.iea) else ""
    chapter.md("cite_iea", "{link}", link=escape.MyST(link))
    return found


def _edition(package) -> str:
    return package.source(package.iea_source_id)["title"] if len(package.iea) else "the IEA data"


def _last_year(package) -> int | None:
    historical = package.iea[package.iea["category"] == "Historical"]
    return int(historical["year"].max()) if len(historical) else None


# -- key findings -------------------------------------------------------------------------
def findings(chapter: Chapter, results: pd.DataFrame, named: str) -> None:
    """What can be checked, the verdicts, the claim `named` on both readings, the claims
    beyond the statistics and the targets."""
    package, tally = chapter.package, counts(results)
    figures = package.select("figures", ["figure_id", "basis_flow"])
    counted = figures[figures["basis_flow"] != "not_applicable"]  # vehicles or chargers
    news = package.select("sources", ["source_id"], kind="news-article")
    chapter.text("fc_n_sources", words(len(news)))
    chapter.text("fc_n_figures", words(len(figures)))
    chapter.text("fc_n_counted", words(len(counted)))
    chapter.text("fc_n_claims", words(len(results)))
    summary = verdict_summary(tally) if len(results) else "there is nothing to compare yet"
    chapter.md("fc_verdict_summary", "{summary}", summary=summary)
    chapter.text("fc_verdict_summary_plain", summary)  # for the overview, which glues text
    last_year = _last_year(package)
    chapter.text("fc_last_year", str(last_year) if last_year else str(chapter.unknown))
    chapter.text("fc_edition", _edition(package))
    reasons = results["reason"].value_counts()
    chapter.text("fc_n_no_value", words(int(reasons.get("no_iea_value", 0))))
    chapter.text("fc_n_targets_cap", words(int(reasons.get("target", 0))).capitalize())
    targets = results[results["reason"] == "target"]
    above = int((targets["iea_value"] > targets["news_value"]).sum())
    projected = int(targets["iea_value"].notna().sum())  # an edition may stop short
    reached = f", for the {words(projected)} target years they reach,"
    some = reached if projected < len(targets) else ""
    chapter.text(
        "fc_targets_phrase",
        "the IEA's stated-policies projections for the same years had not been published"
        if not len(package.iea) or targets["iea_value"].isna().all()
        else f"the IEA's stated-policies projections{some} lie above "
        f"{'all' if above == projected else words(above)} of them",
    )
    _readings(chapter, results, named)
    _beyond(chapter, results, last_year)
    _refuted(chapter, tally)


def verdict_summary(tally: dict[str, int]) -> str:
    return (
        f"{counted_verb(tally['consistent'], 'agrees', 'agree')} with the IEA as stated, "
        f"{counted_verb(tally['consistent once defined'], 'agrees', 'agree')} once the claim's "
        "definition is spelled out, "
        + (
            f"{counted_verb(tally['stale'], 'holds', 'hold')} only for an earlier year, "
            if tally["stale"]
            else ""
        )  # fmt: skip
        + f"{counted_verb(tally['inconsistent'], 'contradicts', 'contradict')} it and "
        f"{counted_verb(tally['not checkable'], 'cannot', 'cannot')} be checked against it"
    )


def _readings(chapter: Chapter, results: pd.DataFrame, cid: str) -> None:
    """The named claim's IEA value as written and once defined, and which reading it fits."""
    chapter.numbers(cid)
    by_id = results.set_index("comparison_id")
    row = by_id.loc[cid] if cid in by_id.index else None
    unknown = str(chapter.unknown)
    has = row is not None and not math.isnan(row["iea_value"])
    direct = factcheck.formatted(row["iea_value"], row["unit"]) if has else unknown
    defined = factcheck.formatted(row["defined_value"], row["unit"]) if has else unknown
    chapter.text(f"fc_direct_{cid}", direct)
    chapter.text(f"fc_defined_{cid}", defined)
    template = "" if row is None else READINGS.get(row["reason"], "Its verdict: *{verdict}*.")
    chapter.md(f"fc_reading_{cid}", template, verdict=row["verdict"] if row is not None else "")
    if chapter.has(cid):
        record = chapter.package.record(cid)
        start, end = record["period_start"].year, record["period_end"].year
        chapter.text(f"fc_period_{cid}", f"{start}" if start == end else f"{start} to {end}")
    else:
        chapter.text(f"fc_period_{cid}", unknown)


def _beyond(chapter: Chapter, results: pd.DataFrame, last_year: int | None) -> None:
    beyond = results[results["reason"] == "no_iea_value"]
    if not len(chapter.package.iea):
        chapter.md(
            "fc_beyond",
            "The IEA data had not been published by the chosen date, so no claim "
            "could be checked against them.",
        )
    elif len(beyond):
        first = beyond.iloc[0]
        chapter.md(
            "fc_beyond",
            "{n} of the claims concern years that the IEA data in the package do not reach "
            "(their history ends in {last_year}), among them “{claim}”, given as {shown} "
            "{cite}. Importing a later edition with `chinaev import-iea` would check them "
            "without any change to the comparisons.",
            n=words(len(beyond)).capitalize(),
            last_year=last_year,
            claim=first["claim"],
            shown=first["news_shown"],
            cite=chapter.cite(first["claim_id"]),
        )
    else:
        chapter.md("fc_beyond", "Every claim compared falls within the years the IEA data cover.")


def _refuted(chapter: Chapter, tally: dict[str, int]) -> None:
    wrong, defined = tally["inconsistent"], tally["consistent once defined"]
    if wrong:
        template = "{n} {claims} at odds with the statistics."
    elif tally["consistent"] + defined == 0:
        template = ""  # nothing could be tested
    else:
        template = "The IEA data contradict none of the claims they can test" + (
            "; where a claim needs its definition spelled out, the problem is a label, "
            "not a number."
            if defined
            else "."
        )
    claims = "claim is" if wrong == 1 else "claims are"
    chapter.md("fc_refuted", template, n=words(wrong).capitalize(), claims=claims)


# -- how a claim is checked ---------------------------------------------------------------
def method(chapter: Chapter, results: pd.DataFrame) -> None:
    """The qualifier bounds, the IEA's rounding and the relative tolerances used."""
    about_upper = QUALIFIER_BOUNDS["about"][1]
    nearly_lower = QUALIFIER_BOUNDS["nearly"][0]
    chapter.text("fc_about", prose.percent(round((about_upper - 1) * 100), 0))
    chapter.text("fc_nearly", prose.percent(round((1 - nearly_lower) * 100), 0))
    chapter.text("fc_iea_digits", words(IEA_DIGITS))
    relative = results[results["tolerance_rule"] == "rounding_plus_relative"]
    chapter.text("fc_n_relative", words(len(relative)))
    tolerances = [prose.percent(t * 100, 0) for t in sorted(set(relative["tolerance"]))]
    chapter.text("fc_tolerances", " or ".join(tolerances) or "none")


# -- side by side ---------------------------------------------------------------------------
def side_by_side(chapter: Chapter, results: pd.DataFrame):
    """The table of every claim with its IEA counterpart."""
    for claim_id in results["claim_id"]:
        chapter.cite(claim_id)  # numbered in the order the table lists them
    rows = [row for _, row in results.iterrows()]
    side = pd.DataFrame(
        {
            "Claim": results["claim"],
            "News value": results["news_shown"],
            "Source": [publisher(chapter.package, row["source_id"]) for row in rows],
            "IEA value": [factcheck.iea_cell(row) for row in rows],
            "Gap": [factcheck.gap_cell(row) for row in rows],
            "Verdict": results["verdict"],
        }
    )
    return chapter.table(
        side,
        "News claims and the IEA values they are compared with",
        "tab-fact-check-side-by-side",
        widths=[22, 12, 16, 20, 10, 20],
    )


def publisher(package, source_id: str) -> str:
    """The publisher, or the first words of the title when the publisher is not known."""
    source = package.source(source_id)
    title = source["title"].split()
    return source["publisher"] or f"“{' '.join(title[:4])}{'…' if len(title) > 4 else ''}”"


# -- the claims on one scale --------------------------------------------------------------
CHART_COLUMNS = ["category", "verdict", "claim_lo", "claim_hi", "iea", "iea_kind"]
CHART_COLUMNS += ["defined_lo", "defined_hi", "label"]


def on_one_scale(chapter: Chapter, results: pd.DataFrame) -> None:
    """Glue the chart of every claim's range and IEA value as multiples of the news value."""
    rows = [row for _, row in results.iterrows()]
    kinds = vocabulary(chapter.package, "factcheck_iea_value_kind")
    once_defined = results["reason"] == "match_once_defined"
    plotted = results.assign(
        category=results["claim"],
        claim_lo=results["news_lo"] / results["news_value"],
        claim_hi=results["news_hi"] / results["news_value"],
        iea=results["shown_iea"] / results["news_value"],
        iea_kind=[kinds[factcheck.iea_kind(row)] for row in rows],
        defined_lo=(results["defined_lo"] / results["news_value"]).where(once_defined),
        defined_hi=(results["defined_hi"] / results["news_value"]).where(once_defined),
        label=[f"news {row['news_shown']}; IEA {factcheck.iea_cell(row)}" for row in rows],
    )[CHART_COLUMNS]  # only what the chart draws goes into its data
    package = chapter.package
    iea = f"IEA, {_edition(package)} (CC BY 4.0)" if len(package.iea) else "IEA"
    chart = exhibits.claim_checks(
        plotted,
        title="The news claims on the IEA's scale",
        subtitle="Grey: the claim's range; dot: the IEA value; line: the IEA range once defined",
        source=f"news articles listed below; {iea}",
        kind_order=[k for k in kinds.values() if k in set(plotted["iea_kind"])],
    )
    chapter.chart("fig_fact_check_claims", chart)


# -- claim by claim -------------------------------------------------------------------------
def claim_by_claim(chapter: Chapter, results: pd.DataFrame) -> None:
    """Glue `fc_claim_by_claim`: a paragraph per claim with its verdict, value, source,
    the explanation and the editors' note on definitions."""
    blocks = [
        escape.md(
            "**{claim}.** *{verdict}.* The news value is {shown} {cite}, from {source}. "
            "{explanation} {note}",
            claim=row["claim"],
            verdict=row["verdict"].capitalize(),
            shown=row["news_shown"],
            cite=chapter.cite(row["claim_id"]),
            source=source_phrase(chapter.package, row["source_id"]),
            explanation=row["explanation"],
            note=row["difference_note"],
        )
        for _, row in results.iterrows()
    ]
    empty = "No claim in the package overlaps an IEA series yet."
    text = escape.MyST("\n\n".join(blocks)) if blocks else empty
    chapter.md("fc_claim_by_claim", "{text}", text=text)


def source_phrase(package, source_id: str) -> str:
    source = package.source(source_id)
    return source["publisher"] or f"the article “{source['title']}”"


# -- verdicts -------------------------------------------------------------------------------
def verdicts(chapter: Chapter, results: pd.DataFrame):
    """The table of verdicts; glues what the checkable claims show, why the others cannot
    be checked and the pattern across them."""
    tally = counts(results)
    meaning = vocabulary(chapter.package, "factcheck_verdict_meaning")
    table = pd.DataFrame(
        {
            "Verdict": list(VERDICTS),
            "Claims": [tally[v] for v in VERDICTS],
            "Meaning": [meaning[v] for v in VERDICTS],
        }
    )
    agree = tally["consistent"] + tally["consistent once defined"]
    stale = tally["stale"]
    phrase = (
        f"{counted_verb(agree, 'agrees', 'agree')} with the IEA, as stated or once defined, "
        + (f"{counted_verb(stale, 'holds', 'hold')} only for an earlier year, " if stale else "")
        + f"and {counted_verb(tally['inconsistent'], 'contradicts', 'contradict')} it"
    )
    chapter.md("fc_checkable_phrase", "{phrase}", phrase=phrase)
    unchecked = results[results["verdict"] == "not checkable"]["reason"].value_counts()
    one = vocabulary(chapter.package, "factcheck_not_checkable_one")
    several = vocabulary(chapter.package, "factcheck_not_checkable_several")
    why = prose.listing(counted_verb(int(n), one[r], several[r]) for r, n in unchecked.items())
    chapter.md("fc_not_checkable_why", "{why}", why=why)
    chapter.text("fc_not_checkable_why_plain", why)
    chapter.md("fc_pattern", "{pattern}", pattern=fact_check_editions.pattern(results, tally))
    return chapter.table(table, "Claims by verdict", "tab-fact-check-verdicts", widths=[24, 10, 66])


# -- what the IEA cannot check --------------------------------------------------------------
def not_compared(chapter: Chapter, results: pd.DataFrame):
    """The table of news figures with no IEA counterpart, by reason; glues the largest
    group, the export figures, and which IEA parameters and regions the claims meet."""
    package = chapter.package
    figures = package.select("figures", ["figure_id", "basis_flow", "entity_id"])
    iea = package.iea
    kinds = package.select("entities", ["entity_id", "type"]).set_index("entity_id")["type"]
    rest = figures[~figures["figure_id"].isin(set(results["claim_id"]))]
    reasons = (
        rest.apply(factcheck.why_not_compared, axis=1, kinds=kinds) if len(rest) else pd.Series()
    )
    by_reason = reasons.value_counts()
    why = vocabulary(package, "factcheck_not_compared")
    coverage = pd.DataFrame(
        {
            "Why not compared": [why[r] for r in by_reason.index],
            "Figures": by_reason.to_numpy(),
        }
    )
    chapter.text("fc_n_rest", words(len(rest)))
    if len(by_reason):
        chapter.md(
            "fc_largest_gap",
            "The largest group, of {n} figures, is of those that {what}",
            n=words(int(by_reason.iloc[0])),
            what=vocabulary(package, "factcheck_not_compared_sentence")[by_reason.index[0]],
        )
    else:
        chapter.md("fc_largest_gap", "There are none")
    chapter.text("fc_n_exports_gap", words(int(by_reason.get("exports", 0))))
    # The other direction: which IEA parameters and regions any news claim meets.
    comparisons = package.comparisons
    used = comparisons[comparisons["comparison_id"].isin(results["comparison_id"])]
    parameters = set(used["parameter"])
    regions = set(used["region"]) | set(used["denominator_region"]) - {""}
    chapter.text("fc_parameters_used", quoted(sorted(parameters)))
    chapter.text("fc_parameters_unused", quoted(sorted(set(iea["parameter"]) - parameters)))
    chapter.text("fc_regions_used", quoted(sorted(regions)))
    chapter.text("fc_n_regions", words(int(iea["region"].nunique())))
    return chapter.table(
        coverage,
        "News figures with no IEA counterpart, by reason",
        "tab-fact-check-coverage",
        widths=[80, 20],
    )
