"""The chapter 'Western responses': what each section of book/western-responses.ipynb
glues and draws, one function per section in reading order.

Every number comes from the data package: figures and derived figures by id, IEA rows
by key, event dates from the events table. The corrections register is shown to the
reader as written, never mined for numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from chinaev.report import escape, exhibits, prose, references
from chinaev.report.chapter import Chapter, citation_order

# The chapter's other sections live beside this module (each under 400 lines); the
# notebook reaches every section through this one.
from chinaev.report.pages.western_markets import eu_market, markets
from chinaev.report.pages.western_outlook import CHAPTER, outlook
from chinaev.report.pages.western_world import world

__all__ = ["as_of_note", "eu_market", "key_findings", "markets", "outlook", "partnerships",
           "register", "tariffs", "timeline", "world"]  # fmt: skip

NAME = "western-responses"

# fmt: off
# The tariff rates compared. The US standard duty on cars and the Section 301 rate before
# 2024 are in no source the package quotes (only in the corrections register), so the US
# whole tariff is given as a lower bound: the extra duty alone.
US_EXTRA, EU_ARTICLE = "us_tariff_chinese_evs", "eu_tariff_chinese_evs_max"
EU_BASE, EU_LOW, EU_HIGH = "eu_standard_duty_cars", "eu_cvd_2024_tesla", "eu_cvd_2024_saic"
EU_COMBINED = "eu_tariff_chinese_evs_combined_max"
SHARED = (US_EXTRA, EU_ARTICLE, EU_BASE, EU_LOW, EU_HIGH, EU_COMBINED,
          "chinese_brands_eu_ev_share_2019", "chinese_brands_eu_ev_share_2023",
          "stellantis_leapmotor_investment", "volkswagen_hefei_hub_investment",
          "german_carmakers_china_sales_share", "us_zev_share_target_2030")
GERMAN = "german_carmakers_china_sales_share"

# The corrections-register entries the chapter cites, in reading order. They are listed
# after the sources as [C1], [C2] ...: the article's words, the editors' statement and
# its basis.
US, EU = "c003_us_tariff_scope", "c003_eu_tariff_rate"
REGISTER = {"cite_reg_us": US, "cite_reg_eu": EU, "cite_reg_eu_timing": "c003_even_with_tariffs",
            "cite_reg_cv": "c003_connected_vehicle_rule",
            "cite_reg_target": "c001_us_target_vehicle_kind"}

EVENTS = {"date_us_announced": "us_tariff_chinese_evs_100",
          "date_us_in_force": "us_tariff_chinese_evs_in_force",
          "date_eu_approved": "eu_countervailing_duties",
          "date_eu_provisional": "eu_countervailing_duties_provisional",
          "date_eu_definitive": "eu_countervailing_duties_definitive",
          "date_us_target": "us_zev_target", "date_us_target_revoked": "us_zev_target_revoked",
          "date_us_rollback": "us_ev_support_rollback",
          "date_connected": "us_connected_vehicle_ban",
          "date_stellantis": "stellantis_invests_in_leapmotor",
          "date_vw_hub": "volkswagen_xpeng_hefei_hub"}

SHORT_NAMES = {"us-government": "US government", "volkswagen": "Volkswagen"}
WESTERN_ACTORS = {"volkswagen", "stellantis", "tesla", "us-government", "european-union"}
# The other markets whose measures the chapter compares (western_world.py).
OTHER_MARKETS = ["CAN", "TUR", "BRA", "MEX"]
# Western carmakers' stakes in Chinese makers: the event, who, the investment figure and
# the footprint rows that say what the deal does.
DEALS = [("stellantis_invests_in_leapmotor", "stellantis", "leapmotor",
          "stellantis_leapmotor_investment",
          ["leapmotor-europe-sales_network", "leapmotor-pol-assembly"]),
         ("volkswagen_xpeng_hefei_hub", "volkswagen", "xpeng",
          "volkswagen_hefei_hub_investment", ["volkswagen-chn-r_and_d"])]

# fmt: on


# -- small lookups ----------------------------------------------------------------------
def _missing(chapter: Chapter) -> str:
    """The placeholder for what came out after the chapter's date."""
    return str(prose.not_published(chapter.package.as_of))


def _register(chapter: Chapter) -> list[str]:
    """The register entries in the package as of its date, in the chapter's order."""
    wanted = list(REGISTER.values())
    known = chapter.package.select("corrections", ["correction_id"], correction_id=wanted)
    known = set(known["correction_id"])
    return [c for c in wanted if c in known]


def reg_link(chapter: Chapter, correction_id: str) -> escape.MyST:
    """The bracketed [C<n>] link to a register entry below the sources; empty if absent."""
    used = _register(chapter)
    if correction_id not in used:
        return escape.MyST("")
    number = used.index(correction_id) + 1
    return escape.MyST(f"[[C{number}]](#{NAME}-register-{number})")


def _event(chapter: Chapter, event_id: str) -> pd.Series | None:
    match = chapter.package.select("events", event_id=event_id)
    return match.iloc[0] if len(match) else None


def dated_by(row: pd.Series) -> str:
    """Where an event's date comes from: the article itself, or the editors."""
    if not row["date_inferred"]:
        return "article"
    return "editors, official record" if "editors" in row["date_basis"] else "inferred from article"


def _on(chapter: Chapter, key: str) -> str:
    """An event's date and where it comes from, for the tariff table."""
    row, shown = _event(chapter, EVENTS[key]), chapter.event(key, EVENTS[key])
    return f"{shown} ({dated_by(row)})" if row is not None else shown


def _cited(chapter: Chapter, record_id: str) -> str:
    """A figure (or derived figure) with its citation link, for a table cell."""
    derived = chapter.package.is_derived(record_id)
    shown = chapter.derived(record_id) if derived else chapter.fig(record_id)
    return f"{shown} {chapter.cite(record_id)}".strip()


def _without_asides(note: str) -> str:
    """A footprint note without its parenthetical asides, for a table cell."""
    while " (" in note and ")" in note.split(" (", 1)[1]:
        before, rest = note.split(" (", 1)
        note = before + rest.split(")", 1)[1]
    return note.rstrip(".")


# -- sections ---------------------------------------------------------------------------
def key_findings(chapter: Chapter) -> None:
    """The numbers, dates and judgements the key findings and later sections share."""
    chapter.numbers(*SHARED)
    # 'about a third' as the source says it: the converted value claims more precision.
    has_german = chapter.has(GERMAN)
    shown = chapter.package.record(GERMAN)["as_written"] if has_german else _missing(chapter)
    chapter.text(f"{GERMAN}_as_written", shown)
    for key, correction_id in REGISTER.items():
        chapter.md(key, "{link}", link=reg_link(chapter, correction_id))
    for key, event_id in EVENTS.items():
        chapter.event(key, event_id)
    # The overview quotes the two whole tariffs. The US one is a lower bound: the
    # standard duty comes on top, but no source in the package gives it.
    us = chapter.value(US_EXTRA) if chapter.has(US_EXTRA) else None
    eu = chapter.value(EU_COMBINED) if chapter.has(EU_COMBINED) else None
    chapter.text(
        "reg_us_combined", f"at least {chapter.fig(US_EXTRA)}" if us else _missing(chapter)
    )
    chapter.text("reg_eu_combined", chapter.derived(EU_COMBINED))
    if us is None or eu is None:
        chapter.text("us_vs_eu", str(chapter.unknown))
    else:
        higher = "higher than" if us > eu else "no higher than"
        chapter.text("us_vs_eu", "more than twice" if us > 2 * eu else higher)
    _target_status(chapter)


def _target_status(chapter: Chapter) -> None:
    """Whether the US 2030 target still stood as of the chapter's date."""
    revoked, as_of = _event(chapter, "us_zev_target_revoked"), chapter.package.as_of
    if revoked is not None:
        day = prose.date(revoked["date"], revoked["date_precision"])
        status = "no longer stands: the order that set it was revoked on **{day}**"
        chapter.md("target_status", status, day=day)
        sentence = "The executive order that had set the target was itself revoked on **{day}**, "
        chapter.md("revocation_sentence", sentence + "so the target no longer stands.", day=day)
    elif chapter.has("us_zev_share_target_2030"):
        chapter.md("target_status", "still stood on {day}", day=as_of or "the latest source date")
        chapter.md("revocation_sentence", "The target itself still stood on {day}.", day=as_of)
    else:
        chapter.md("target_status", "**{unknown}**", unknown=chapter.unknown)
        chapter.md("revocation_sentence", "")
    rollback = _event(chapter, "us_ev_support_rollback")
    floor = prose.date(rollback["date"], "day") if rollback is not None else chapter.unknown
    chapter.text("date_us_rollback_floor", str(floor))


def as_of_note(chapter: Chapter, datapackage: str) -> None:
    """The note under the introduction: how many of the sources the chapter draws on had
    been published as of its date. The full package tells which sources those are."""
    package, full = chapter.package, chapter.package.complete()
    source = Path(os.environ.get("CHINAEV_CHAPTER_SOURCE") or f"{NAME}.ipynb")
    cited = citation_order(source)
    figures = full.select("figures", ["figure_id", "source_id"], figure_id=cited)
    wanted = list(REGISTER.values())
    corrections = full.select("corrections", ["correction_id", "source_id"], correction_id=wanted)
    evidence = full.select("evidence", ["source_id"], chapter=CHAPTER)
    used = set(figures["source_id"]) | set(corrections["source_id"]) | set(evidence["source_id"])
    asked = [*used, package.iea_source_id]
    known = set(package.select("sources", ["source_id"], source_id=asked)["source_id"])
    total, got = prose.words(len(used)), prose.words(len(used & known))
    if package.as_of is None:
        note = (
            f"The chapter draws on {total} of the book's news articles and on the IEA's data; "
            "how far each article can be trusted is weighed where it is used."
        )
    else:
        got = f"{got} of the {total}" if used & known else f"none of the {total}"
        iea = "had" if package.iea_source_id in known else "had not"
        note = (
            f"This is the chapter as it could have been written on {prose.date(package.as_of)}: "
            f"{got} news articles it draws on had been published by then, and the IEA's data "
            f"{iea}. Figures, dates and register entries that came later appear as placeholders "
            "such as “(not published by …)”, and the judgements computed from them are "
            "withheld; the rest of the text is the full chapter's."
        )
    chapter.md("wr_as_of_note", "*{note}*", note=note)


def tariffs(chapter: Chapter) -> Markdown:
    """The two tariffs side by side (table) and split into standard and extra duty (chart)."""
    c, link = (lambda i: _cited(chapter, i)), (lambda i: reg_link(chapter, i))
    on = lambda key: _on(chapter, key)  # noqa: E731
    us_cars = "electric vehicles from China" if chapter.has(US_EXTRA) else _missing(chapter)
    eu_cars = "battery-electric cars only" if link(EU) else _missing(chapter)
    us_whole = f"at least {chapter.fig(US_EXTRA)}, the extra duty alone"
    us_whole = us_whole if chapter.has(US_EXTRA) else _missing(chapter)
    eu_force = (
        f"{on('date_eu_provisional')}, provisionally; {on('date_eu_definitive')}, definitively"
    )
    rows = [
        ("Extra duty, as the article gives it", c(US_EXTRA), c(EU_ARTICLE)),
        ("Extra duty, as the rules set it",
         f"{c(US_EXTRA)}, raised from an earlier rate {link(US)}",
         f"{c(EU_LOW)} to {c(EU_HIGH)}, by maker"),
        ("Standard import duty on cars", f"in no source the package quotes {link(US)}", c(EU_BASE)),
        ("Whole tariff, highest case", us_whole, c(EU_COMBINED)),
        ("Cars covered", f"{us_cars} {chapter.cite(US_EXTRA)}", f"{eu_cars} {link(EU)}"),
        ("Announced or approved", on("date_us_announced"), on("date_eu_approved")),
        ("In force from", on("date_us_in_force"), eu_force),
    ]  # fmt: skip
    _tariff_chart(chapter)
    caption = (
        "The two tariffs on electric cars from China, as the article gives them and as later "
        "reports and the corrections register complete them"
    )
    frame = pd.DataFrame(rows, columns=["", "United States", "European Union"])
    return chapter.table(frame, caption, "tab-wr-tariffs", widths=[28, 36, 36])


def _tariff_chart(chapter: Chapter) -> None:
    standard, extra = "standard import duty on cars", "extra duty on electric cars from China"
    low, high = "EU, lowest maker rate (Tesla)", "EU, highest maker rate (SAIC)"
    parts = [("United States", extra, US_EXTRA), (low, standard, EU_BASE), (low, extra, EU_LOW),
             (high, standard, EU_BASE), (high, extra, EU_HIGH)]  # fmt: skip
    what = {US_EXTRA: "US extra duty", EU_BASE: "EU standard duty", EU_LOW: "EU duties by maker"}
    what[EU_HIGH] = what[EU_LOW]
    package = chapter.package
    credit = {
        i: references.source_credit(package, package.record(i)["source_id"])
        for _, _, i in parts
        if chapter.has(i)
    }
    bars = [(case, part, chapter.value(i), chapter.fig(i), credit[i]) for case, part, i in parts
            if i in credit]  # fmt: skip
    frame = pd.DataFrame(bars, columns=["category", "part", "value", "label", "basis"])
    source = "; ".join(dict.fromkeys(f"{credit[i]} ({what[i]})" for i in credit))
    chart = exhibits.stacked_hbars(
        frame, series="part", series_order=[standard, extra], colours=["#56B4E9", "#D55E00"],
        title="What an electric car from China paid to enter",
        subtitle="Import duty as a percentage of the car's value, in force at the end of 2024",
        source=source or "no source published by the chosen date",
        x_title="Import duty (% of the car's value)",
    )  # fmt: skip
    chapter.chart("fig_wr_tariffs", exhibits.wrap_source(chart))


def partnerships(chapter: Chapter) -> Markdown:
    """Western carmakers' investments in Chinese makers, with what each deal does."""
    package = chapter.package
    chapter.numbers(
        "leapmotor_european_sales_countries",
        "volkswagen_china_ev_models_2021",
        "volkswagen_china_ev_sales_target_2021",
    )
    named = [entity for deal in DEALS for entity in deal[1:3]]
    names = package.select("entities", entity_id=named).set_index("entity_id")["name"]
    wanted = [f for deal in DEALS for f in deal[4]]
    footprint = package.select("footprint", footprint_id=wanted).set_index("footprint_id")
    countries = package.select("entities", ["country", "name"], type="country")
    country_names = dict(zip(countries["country"], countries["name"], strict=True))
    rows = []
    for event_id, western, chinese, figure_id, footprint_ids in DEALS:
        event = _event(chapter, event_id)
        if event is None or not chapter.has(figure_id):
            continue
        notes = []
        for f in [f for f in footprint_ids if f in footprint.index]:
            note = _without_asides(footprint.loc[f, "note"])
            country = country_names.get(footprint.loc[f, "country"], "")
            if country and country not in note:  # name the country of the plant
                note = note.replace(" plant;", f" plant in {country};")
            notes.append(note)
        who = SHORT_NAMES.get(western, names[western])
        when = prose.date(event["date"], event["date_precision"])
        rows.append((who, names[chinese], "; ".join(notes), _cited(chapter, figure_id), when))
    columns = ["Western carmaker", "Chinese partner", "What the deal does", "Investment", "When"]
    frame = pd.DataFrame(rows or [(_missing(chapter), "", "", "", "")], columns=columns)
    caption = "Western carmakers' investments in Chinese electric-car makers"
    return chapter.table(frame, caption, "tab-wr-partnerships", widths=[16, 14, 44, 14, 12])


def timeline(chapter: Chapter) -> Markdown:
    """The dated Western steps, and for each whether the date is the article's or the editors'."""
    package = chapter.package
    by_place = package.select("events", jurisdiction=["USA", "EU27", *OTHER_MARKETS])
    by_actor = package.select("events", actor_entity_id=WESTERN_ACTORS)
    steps = pd.concat([by_place, by_actor]).drop_duplicates("event_id")
    steps = steps.sort_values(["date", "event_id"])
    actors = package.select("entities", entity_id=steps["actor_entity_id"])
    names = actors.set_index("entity_id")["name"]
    rows = [
        (prose.date(r["date"], r["date_precision"]),
         SHORT_NAMES.get(r["actor_entity_id"], names[r["actor_entity_id"]]),
         r["description"], dated_by(r))
        for _, r in steps.iterrows()
    ]  # fmt: skip
    columns = ["When", "Who", "What happened", "Date from"]
    frame = pd.DataFrame(rows or [(_missing(chapter), "", "", "")], columns=columns)
    caption = (
        "Dated steps by the United States, the EU and the other markets in this chapter, "
        "and moves by Western carmakers in China"
    )
    return chapter.table(frame, caption, "tab-wr-timeline", widths=[15, 17, 48, 20])


def register(chapter: Chapter) -> Markdown:
    """The register entries the chapter cites as [C<n>]: the article's words, what the
    editors record instead, and the basis for it."""
    wanted = list(REGISTER.values())
    corrections = chapter.package.select("corrections", correction_id=wanted)
    corrections = corrections.set_index("correction_id")
    template = (
        "({target})=\n**[C{number}]** The article ({source}, paragraph {paragraph}) says: "
        "“{quote}”. *The register:* {statement} *Basis:* {basis}"
    )
    entries = []
    for number, correction_id in enumerate(_register(chapter), start=1):
        row = corrections.loc[correction_id]
        entries.append(
            escape.md(
                template,
                target=escape.MyST(f"{NAME}-register-{number}"),
                number=number,
                source=references.source_credit(chapter.package, row["source_id"]),
                paragraph=row["locator"][1:],
                quote=row["quote"],
                statement=row["correct_statement"],
                basis=row["basis"],
            )
        )
    empty = "No register entry applies to sources published by {day}."
    entries = entries or [escape.md(empty, day=chapter.package.as_of)]
    return chapter.show(escape.join(entries, "\n\n"))
