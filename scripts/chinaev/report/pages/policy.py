"""The policy chapter (book/policy.ipynb): targets, subsidies and city money.

One function per section of the chapter. Each glues what that section's prose refers to
and draws its chart or returns its table; the notebook calls them in reading order.
"""

from __future__ import annotations

from functools import partial

import pandas as pd

from chinaev.data.labels import categories, vocabulary
from chinaev.report import escape, exhibits, prose, references
from chinaev.report.chapter import Chapter
from chinaev.report.pages.iea_editions import scenario_caveat

# The records the chapter draws on: their sources are the ones the status line counts.
# fmt: off
RECORDS = [
    "china_nev_share_target_2025", "china_nev_share_target_2030", "china_nev_share_target_2035",
    "china_ev_share_of_sales_2024", "china_public_charging_outlets",
    "hefei_emerging_industry_investment", "hefei_nio_investment_2020", "hefei_nio_stake_2020",
    "hefei_nio_investment_2024", "nio_sales_rank_2024", "hefei_ev_manufacturers",
    "hefei_delegations_per_month", "china_ev_hub_localities", "china_auto_alley_sized_hubs",
    "leapmotor_sales_2024", "jinhua_population", "tesla_shanghai_capacity",
    "volkswagen_hefei_hub_investment", "stellantis_leapmotor_investment",
]
# The instruments on the timeline are the events with a policy_lane (its categories are
# the chart's lanes) and a short_label; the labels of the target chart's series and of the
# city-money table are vocabularies of the package's labels resource.
# The events whose dates the prose gives.
EVENTS = ("china_opens_auto_industry", "tesla_shanghai_production_start",
          "jinhua_nev_town_launch", "china_joins_wto", "china_nev_push_begins",
          "china_nev_credit_mandate", "china_nev_central_subsidies_end",
          "china_nev_purchase_tax_break_extended")
# CAAM's share of new-energy vehicles in all new vehicles (wholesale, exports included),
# the count the 2025 target is set on, year by year.
CAAM_SHARES = ["china_nev_share_of_sales_2022", "china_nev_share_of_sales_2023",
               "china_nev_share_of_sales_2024", "china_nev_share_of_sales_2025"]
CAAM_SERIES = "CAAM: NEV share of all new vehicles, exports in"
IEA_SERIES = "IEA: electric share of car sales in China (recorded)"
NEWS_SERIES = "One news report, 2024: share of all vehicles"
# The IEA's two scenarios, drawn as one line when their projections are the same.
SCENARIOS = ["IEA projection, stated policies (STEPS)", "IEA projection, announced pledges (APS)"]
# fmt: on
CITY_CAPTION = "Local-government money and the race between cities"


# -- shared by several sections -------------------------------------------------------
def iea_share(chapter: Chapter, category: str) -> pd.DataFrame:
    """The IEA's record ('Historical') or a projection of the electric share of new-car
    sales in China."""
    selection = {"region": "China", "parameter": "EV sales share", "mode": "Cars"}
    return chapter.iea(**selection, powertrains=["EV"], category=category)


def target_year(chapter: Chapter, record_id: str) -> int:
    return chapter.package.record(record_id)["period_start"].year


# -- key findings ---------------------------------------------------------------------
def findings(chapter: Chapter) -> None:
    """The status line, the findings' figures, dates and names, and the 2025 target's
    verdict (`target_2025_passed`, a phrase the book's overview reuses)."""
    recorded = iea_share(chapter, "Historical")
    chapter.md("cite_iea", "{link}", link=escape.MyST(chapter.cite_iea() if len(recorded) else ""))
    chapter.text("policy_status", status(chapter))

    chapter.numbers(*RECORDS, *CAAM_SHARES, "hefei_nio_investment_2020_2024")
    for event_id in EVENTS:
        chapter.event(f"when_{event_id}", event_id)
    for entity in ("state-council", "china-sae", "hefei", "jinhua", "leapmotor", "nio"):
        chapter.entity(entity)

    target = ["china_nev_share_target_2025"]
    chapter.when("target_2025_passed", target, partial(passed, chapter, recorded))
    chapter.when("target_2025_latest", target, partial(latest, chapter, recorded))
    outturn = [CAAM_SHARES[-1], *target]
    chapter.when("caam_2025_vs_target", outturn, lambda share, aim: level(share, aim))
    last = recorded.iloc[-1] if len(recorded) else None
    chapter.text("iea_last_year", str(chapter.unknown if last is None else last["year"]))
    chapter.text("iea_share_last", str(chapter.unknown if last is None else last["label"]))


def status(chapter: Chapter) -> str:
    """What the findings rest on and, for an earlier date, how much of it was out then."""
    package = chapter.package
    complete = package.complete()  # only to say what an earlier date leaves out
    events = complete.select("events", ["event_id", "source_id"], event_id=list(EVENTS))
    behind = {complete.record(i)["source_id"] for i in [*RECORDS, *CAAM_SHARES]}
    behind |= set(events["source_id"]) | {complete.iea_source_id}
    asked = sorted(behind)
    published = set(package.select("sources", ["source_id"], source_id=asked)["source_id"])
    if package.as_of is None:
        kinds = complete.sources.set_index("source_id").loc[sorted(behind), "kind"]
        caam = prose.words(int((kinds == "statistical-release").sum()))
        news = prose.words(int((kinds == "news-article").sum()))
        return (
            f"The findings rest on {news} news reports, {caam} of CAAM's releases as news "
            "outlets relayed them, and the IEA's electric-vehicle data."
        )
    seen = f"Seen from {prose.date(package.as_of)}"
    if published == behind:
        return f"{seen}, every source this chapter draws on had been published."
    total = f"{prose.words(len(behind))} sources this chapter draws on had been published"
    if not published:
        return (
            f"{seen}, none of the {total}, so every figure below reads as not yet published "
            "and the charts are empty."
        )
    return (
        f"{seen}, {prose.words(len(published))} of the {total}; figures from the others read "
        "as not yet published."
    )


def passed(chapter: Chapter, recorded: pd.DataFrame, target: float) -> str:
    """When the IEA's recorded share first reached the 2025 target, and how early."""
    year = target_year(chapter, "china_nev_share_target_2025")
    if recorded.empty:
        return f"(not known: the IEA's record had not been published by {chapter.package.as_of})"
    reached = recorded[recorded["value"] >= target]
    last = recorded.iloc[-1]
    if reached.empty:
        return (
            f"had not reached the {year} target by {last['year']}, the latest year the IEA "
            f"records, when it stood at {last['label']}"
        )
    first = reached.iloc[0]
    early = year - int(first["year"])
    timing = f"{prose.plural(abs(early), 'year')} {'early' if early > 0 else 'late'}"
    timing = timing if early else "in the target year itself"
    # No margin in points: the IEA share counts cars, the target every new vehicle.
    return (
        f"passed the level of the {year} target in {first['year']}, {timing}, when the "
        f"share of cars reached {first['label']}"
    )


def latest(chapter: Chapter, recorded: pd.DataFrame, target: float) -> str:
    if recorded.empty:
        return f"(The IEA's record had not been published by {chapter.package.as_of}.)"
    last = recorded.iloc[-1]
    return (
        f"In {last['year']}, the latest year the IEA records, the share of cars was "
        f"{last['label']}, {level(last['value'], target)} the target's level, though on a "
        "narrower count"
    )


def level(value: float, target: float) -> str:
    """Where a share stands against a target, in words (no margin: they count different cars)."""
    if value >= 1.5 * target:
        return "well above"
    return "above" if value > target else "at" if value == target else "below"


# -- the instruments and when they came ------------------------------------------------
def timeline_frame(chapter: Chapter) -> pd.DataFrame:
    """One row per instrument event in the package, in date order."""
    package = chapter.package
    lanes = categories(package, "events", "policy_lane")
    shown = package.select("events", policy_lane=list(lanes))
    # A programme over several years (a figure whose period spans years) is drawn as a bar.
    spans = package.select(
        "figures", ["figure_id", "period_type", "period_end"], figure_id=shown["figure_id"]
    )
    spans = spans[spans["period_type"] == "years"]
    spans = dict(zip(spans["figure_id"], spans["period_end"], strict=True))
    when = [prose.date(d, p) for d, p in zip(shown["date"], shown["date_precision"], strict=True)]
    frame = pd.DataFrame(
        {
            "id": shown["event_id"],
            "date": shown["date"],
            "end": pd.to_datetime([spans.get(f, pd.NaT) for f in shown["figure_id"]]),
            "lane": shown["policy_lane"].map(lanes),
            "label": shown["short_label"],
            "when": when,
            "detail": shown["description"],
            "dated_by": shown["date_inferred"].map(lambda by: exhibits.DATED_BY[1 if by else 0]),
            "basis": shown["date_basis"],
            "source": shown["source_id"].map(lambda s: references.source_credit(package, s)),
        }
    )
    return frame.sort_values("date").reset_index(drop=True)


def instruments(chapter: Chapter):
    """The timeline chart, the order the instruments came in, how many dates the editors
    supplied; returns the table of instruments."""
    timeline = timeline_frame(chapter)
    credits = "; ".join(dict.fromkeys(timeline["source"])) if len(timeline) else "the sources"
    chart = exhibits.timeline(
        timeline,
        lanes=list(categories(chapter.package, "events", "policy_lane").values()),
        title="China's EV policy instruments, as the sources name them",
        subtitle="Filled points: date given by the source; hollow: inferred or supplied by the "
        "editors",
        source=f"{credits}; dates marked hollow from the editors",
    )
    chapter.chart("fig_policy_timeline", exhibits.wrap_source(chart, max_chars=96))

    by_editors = int((timeline["dated_by"] == exhibits.DATED_BY[1]).sum())
    shares = f"{prose.words(by_editors)} of the {prose.words(len(timeline))} dates"
    chapter.text("editor_dated_share", shares if len(timeline) else str(chapter.unknown))
    first_of = timeline.groupby("lane")["date"].min().sort_values()
    order = "; ".join(f"{lane.lower()} from {first.year}" for lane, first in first_of.items())
    chapter.text("instrument_order", order or str(chapter.unknown))

    # One row per event; an asterisk marks a date the editors inferred or supplied.
    editors = timeline["dated_by"] == exhibits.DATED_BY[1]
    rows = timeline.assign(when=timeline["when"] + editors.map({True: "*", False: ""}))
    if rows.empty:
        nothing = f"No instrument in the sources had been published by {chapter.package.as_of}."
        rows = pd.DataFrame({"when": [""], "lane": [""], "detail": [nothing], "source": [""]})
    shown = chapter.table(
        rows[["when", "lane", "detail", "source"]].rename(
            columns={"when": "When", "lane": "Instrument", "detail": "What", "source": "Source"}
        ),
        "Policy instruments named by the sources. An asterisk marks a date the editors inferred "
        "from the article's date or supplied from the public record; the data package gives the "
        "basis for each.",
        "tab-policy-instruments",
        widths=[15, 16, 47, 22],
        long=True,
    )
    return shown


# -- targets against the market -------------------------------------------------------
def targets(chapter: Chapter) -> None:
    """The targets chart, and the phrases setting the targets against the IEA's record and
    projections and the news report's share."""
    package = chapter.package
    recorded = iea_share(chapter, "Historical")
    steps = iea_share(chapter, "Projection-STEPS")
    aps = iea_share(chapter, "Projection-APS")
    same = len(steps) > 0 and steps[["year", "value"]].reset_index(drop=True).equals(
        aps[["year", "value"]].reset_index(drop=True)
    )

    def year_label(record):
        return f"{record['period_start'].year}"

    series = vocabulary(package, "policy_target_series")
    points = chapter.frame(list(series), label_of=year_label)
    points = points.assign(series=points["id"].map(series))
    reported = chapter.frame(["china_ev_share_of_sales_2024"], label_of=year_label)
    points = pd.concat([points, reported.assign(series=NEWS_SERIES)])
    points["year"] = points["category"].astype(int)
    caam = chapter.frame(CAAM_SHARES, label_of=year_label)
    caam = caam.assign(series=CAAM_SERIES, year=caam["category"].astype(int))

    # An edition may lack a scenario (the 2025 edition has no APS): only those it has.
    scenarios = [(n, f) for n, f in zip(SCENARIOS, [steps, aps], strict=True) if len(f)]
    if same:
        scenarios = [("IEA projection (STEPS and APS identical)", steps)]
    names = [name for name, _ in scenarios]
    chapter.text("scenario_caveat", scenario_caveat(recorded, steps, aps))
    # Projections drawn from the last recorded year on, so the lines join.
    projected = [
        frame[frame["year"] >= recorded["year"].max()].assign(series=name)
        for name, frame in scenarios
        if len(recorded)
    ]
    projected = pd.concat(projected) if projected else recorded.iloc[0:0].assign(series="")
    columns = ["year", "value", "label", "series"]
    lines = pd.concat([recorded.assign(series=IEA_SERIES), projected, caam[columns]])
    authors = list(dict.fromkeys(series.values()))
    order = [IEA_SERIES, *names, CAAM_SERIES, *authors, NEWS_SERIES]
    behind = [package.record(i)["source_id"] for i in [*points["id"], *caam["id"]]]
    behind = ([package.iea_source_id] if len(recorded) else []) + behind
    credit = "; ".join(dict.fromkeys(references.source_credit(package, s) for s in behind))
    chart = exhibits.shares_with_targets(
        lines[columns],
        points[columns],
        series_order=order,
        dashed=names,
        title="China's electric share of new sales against its targets",
        subtitle="Percent; the IEA counts cars sold in China, CAAM and the targets all new "
        "vehicles (CAAM wholesale, exports included)",
        source=credit or "the sources",
        y_title="Share of new sales (%)",
    )
    chapter.chart("fig_policy_targets", exhibits.wrap_source(chart))

    later = ["china_nev_share_target_2030", "china_nev_share_target_2035"]
    chapter.when("projection_summary", later, partial(projection_summary, chapter, steps, same))
    chapter.when("roadmap_verdict", later, partial(roadmap_verdict, chapter, recorded, steps))
    news = ["china_ev_share_of_sales_2024", later[0]]
    chapter.when("news_vs_2030", news, partial(news_vs_2030, chapter))
    # The recorded share in the year the targets were written (the plan's date).
    plan = "china_nev_plan_2021_2035"
    events = package.select("events", event_id=plan).set_index("event_id")
    written = events.loc[plan, "date"].year if plan in events.index else None
    base = recorded[recorded["year"] == written]
    shown = f"{base['label'].iloc[0]} in {written}" if len(base) else str(chapter.unknown)
    chapter.text("iea_share_base", shown)


def projection(steps: pd.DataFrame, year: int):
    """The stated-policies projection for a year, or None."""
    row = steps[steps["year"] == year]
    return row.iloc[0] if len(row) else None


def projection_summary(chapter, steps, same, t2030, t2035) -> str:
    years = [target_year(chapter, f"china_nev_share_target_{y}") for y in (2030, 2035)]
    shown = [(projection(steps, y), t) for y, t in zip(years, (t2030, t2035), strict=True)]
    shown = [(p, t) for p, t in shown if p is not None]
    if not len(steps):
        return "the IEA's outlook gives no projection of the car share"
    if not shown:
        last = int(steps["year"].max())
        return f"the IEA's projections stop at {last}, before the roadmap's years"
    scenarios = "both its scenarios" if same else "its stated-policies scenario"
    sides = ["above" if p["value"] > t else "below" if p["value"] < t else "level with"
             for p, t in shown]  # fmt: skip
    values = " and ".join(f"{p['label']} for {p['year']}" for p, _ in shown)
    if len(shown) == 1:
        last = int(steps["year"].max())
        return (
            f"in {scenarios} the IEA projects a car share of {values}, {sides[0]} the "
            f"roadmap's share for all new vehicles; its projections stop at {last}"
        )
    placed = f"both {sides[0]}" if sides[0] == sides[1] else f"{sides[0]} and {sides[1]}"
    return (
        f"in {scenarios} the IEA projects a car share of {values}, {placed} the roadmap's "
        "shares for all new vehicles"
    )


def roadmap_verdict(chapter, recorded, steps, t2030, t2035) -> str:
    a = target_year(chapter, "china_nev_share_target_2030")
    b = target_year(chapter, "china_nev_share_target_2035")
    # The first year, recorded or projected after the record ends, whose share reaches
    # each level.
    last = recorded["year"].max() if len(recorded) else None
    ahead = steps[steps["year"] > last] if last is not None else steps.iloc[0:0]
    if not len(ahead):
        return "Whether the market will pass them cannot be judged from what had been published."
    path = pd.concat([recorded, ahead])
    firsts = [path.loc[path["value"] >= t, "year"].min() for t in (t2030, t2035)]

    def when(level_year, first):
        done = "already passed" if first <= last else "reaches"
        return f"{done} the roadmap's {level_year} level " + (
            f"in {int(first)}" if first <= last else f"by {int(first)}"
        )

    if all(pd.notna(f) and f < y for f, y in zip(firsts, (a, b), strict=True)):
        return (
            f"On that path the car share {when(a, firsts[0])} and {when(b, firsts[1])}: the "
            "industry's expectations look cautious beside the market, if the scenarios hold."
        )
    end = int(ahead["year"].max())
    if any(pd.isna(f) and end < y for f, y in zip(firsts, (a, b), strict=True)):
        return (
            f"The projections stop at {end}, so whether the market passes the roadmap's "
            "shares cannot be judged from them."
        )
    return "On that path the roadmap's shares still lie ahead of the market."


def news_vs_2030(chapter, share, t2030) -> str:
    relation = "exactly" if share == t2030 else "above" if share > t2030 else "below"
    year = target_year(chapter, "china_nev_share_target_2030")
    return f"{relation} the share the roadmap expects for {year}"


# -- city money -----------------------------------------------------------------------
def city_money(chapter: Chapter):
    """How the NIO deals compare with Hefei's claim; returns the table of city money."""
    package = chapter.package
    deals_and_claim = ["hefei_nio_investment_2020_2024", "hefei_emerging_industry_investment"]
    chapter.when("nio_part_of_claim", deals_and_claim, share_of_claim)
    what_of = vocabulary(package, "policy_city_money")
    claimant = vocabulary(package, "policy_city_money_claimant")
    money = chapter.frame(
        list(what_of), label_of=lambda r: prose.period(r["period_start"], r["period_end"])
    )
    source_of = {i: package.record(i)["source_id"] for i in money["id"]}
    several = len(set(source_of.values())) != 1
    # Each amount carries its citation, as in the prose; the source is named in each row
    # only when there is more than one.
    cited = [
        escape.md("{label} {cite}", label=label, cite=chapter.cite(i))
        for label, i in zip(money["label"], money["id"], strict=True)
    ]
    who = [
        claimant[i] + (f": {references.source_credit(package, source_of[i])}" if several else "")
        for i in money["id"]
    ]
    what = [what_of[i] for i in money["id"]]
    rows = pd.DataFrame({"What": what, "Amount": cited, "When": money["category"]})
    rows["According to"] = who
    if money.empty:
        nothing = f"No figure had been published by {package.as_of}."
        rows = pd.DataFrame({"What": [nothing], "Amount": [""], "When": [""], "According to": [""]})
    caption = f"{CITY_CAPTION}, as the sources report it"
    if not several:
        (only,) = set(source_of.values())
        caption = f"{CITY_CAPTION}, as reported in {references.source_credit(package, only)}"
    return chapter.table(rows, caption, "tab-policy-city-money", widths=[32, 19, 17, 32])


def share_of_claim(nio_total: float, claimed: float) -> str:
    part = nio_total / claimed
    size = "a small part" if part < 0.1 else "a large part" if part > 0.5 else "a substantial part"
    return f"{size} of the total the city claims"
