"""The section 'Beyond the United States and the EU' of the chapter 'Western responses':
the duties six markets charge on an electric car from China, on one basis (the standard
duty every imported car pays, plus any extra duty), as of one stated date.

The date is the latest on which a measure the section shows took effect, among those
that had taken effect by the time the latest of their sources was written (or by the
date the chapter is seen from): a step that a source only scheduled for later is shown
as scheduled, not as in force. Every rate is a figure or derived figure of the package;
a rate no source states is named as missing, never filled in.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from IPython.display import Markdown

from chinaev.report import exhibits, prose, references
from chinaev.report.chapter import Chapter

# fmt: off
# Each duty the section shows: the figure (or derived figure), the event that puts it in
# force, and where it sits on the common basis.
STANDARD, ALL_CARS, CHINA, SINGLE = (
    "standard duty", "extra duty, all imported cars (US)", "extra duty, cars from China",
    "single rate (Mexico)")
COLOURS = ["#56B4E9", "#009E73", "#D55E00", "#999999"]
US_301, US_232, US_EXTRA = ("us_section301_ev_rate_2024", "us_section232_autos_rate_2025",
                            "us_extra_duties_chinese_evs_2025")
EU_BASE, EU_LOW, EU_HIGH, EU_WHOLE = ("eu_standard_duty_cars", "eu_cvd_2024_tesla",
                                      "eu_cvd_2024_saic", "eu_tariff_chinese_evs_combined_max")
CA_BASE, CA_SURTAX, CA_WHOLE, CA_QUOTA = ("canada_mfn_duty_cars", "canada_surtax_chinese_evs_2024",
                                          "canada_tariff_chinese_evs_combined_2024",
                                          "canada_quota_rate_chinese_evs_2026")
TR_EXTRA = "turkey_extra_tariff_chinese_vehicles_2024"
TR_MIN = "turkey_minimum_duty_chinese_vehicles_2024"
MX_NEW, MX_LOW, MX_HIGH = ("mexico_tariff_chinese_cars_2026", "mexico_tariff_chinese_cars_2025_low",
                           "mexico_tariff_chinese_cars_2025_high")
# Brazil's schedule for electric cars from any country, step by step.
BRAZIL = ["brazil_ev_import_tax_2024_01", "brazil_ev_import_tax_2024_07",
          "brazil_ev_import_tax_2025_07", "brazil_ev_import_tax_2026_07"]
# The event that puts each rate in force.
IN_FORCE = {US_301: "us_tariff_chinese_evs_in_force", US_232: "us_section232_autos_in_force",
            EU_LOW: "eu_countervailing_duties_definitive",
            EU_HIGH: "eu_countervailing_duties_definitive",
            CA_SURTAX: "canada_surtax_chinese_evs", CA_QUOTA: "canada_ev_import_quota",
            TR_EXTRA: "turkey_additional_tariff_chinese_vehicles",
            MX_NEW: "mexico_tariffs_non_fta_in_force", **{b: b for b in BRAZIL}}
DATES = {"date_us_232": "us_section232_autos_in_force",
         "date_us_credit_end": "us_clean_vehicle_credit_ends",
         "date_ca_surtax": "canada_surtax_chinese_evs",
         "date_ca_deal": "canada_china_ev_arrangement", "date_ca_quota": "canada_ev_import_quota",
         "date_tr_tariff": "turkey_additional_tariff_chinese_vehicles",
         "date_br_first": BRAZIL[0], "date_br_last": BRAZIL[-1],
         "date_mx_in_force": "mexico_tariffs_non_fta_in_force",
         "date_eu_consensus": "eu_china_price_undertaking_consensus",
         "date_eu_undertaking": "eu_accepts_vw_anhui_price_undertaking"}
EXACT = {CA_WHOLE}
UNDERTAKING = "eu_accepts_vw_anhui_price_undertaking"
NUMBERS = [US_301, US_232, US_EXTRA, CA_BASE, CA_SURTAX, CA_WHOLE, CA_QUOTA, TR_EXTRA, TR_MIN,
           MX_NEW, MX_LOW, MX_HIGH, "us_clean_vehicle_credit_max", *BRAZIL]
# fmt: on


def _events(chapter: Chapter) -> pd.DataFrame:
    return chapter.package.events.set_index("event_id")


def _written(chapter: Chapter, source_id: str) -> date | None:
    """When a source was written (a lower bound where only that is known)."""
    if source_id not in set(chapter.package.sources["source_id"]):
        return None
    when = chapter.package.source(source_id)["published_date"]
    return None if pd.isna(when) else pd.Timestamp(when).date()


def _published(chapter: Chapter, record_id: str) -> list[date]:
    """When the sources of a rate and of the event that puts it in force were written."""
    events, found = _events(chapter), []
    if chapter.has(record_id):
        found.append(_written(chapter, chapter.package.record(record_id)["source_id"]))
    if IN_FORCE.get(record_id) in events.index:
        found.append(_written(chapter, events.loc[IN_FORCE[record_id], "source_id"]))
    return [d for d in found if d is not None]


def _since(chapter: Chapter, record_id: str) -> date | None:
    """The day a rate took effect, from its event; None if the package lacks either."""
    events = _events(chapter)
    event_id = IN_FORCE.get(record_id)
    if not chapter.has(record_id) or event_id not in events.index:
        return None
    return pd.Timestamp(events.loc[event_id, "date"]).date()


def comparison_date(chapter: Chapter) -> date | None:
    """The latest day a shown rate took effect, among rates in force by the time the
    latest of the section's sources was written (scheduled later steps are left out)."""
    written = [d for i in IN_FORCE for d in _published(chapter, i)]
    if not written:
        return None
    # Seen from a date (as_of), a step announced before it and due by then counts.
    cutoff = chapter.package.as_of or max(written)
    starts = [_since(chapter, i) for i in IN_FORCE]
    return max((d for d in starts if d is not None and d <= cutoff), default=None)


def _in_force(chapter: Chapter, record_id: str, day: date | None) -> bool:
    since = _since(chapter, record_id)
    return day is not None and since is not None and since <= day


def _brazil_now(chapter: Chapter, day: date | None) -> str | None:
    """The step of Brazil's schedule in force on the day, if any."""
    steps = [b for b in BRAZIL if _in_force(chapter, b, day)]
    return steps[-1] if steps else None


def _c(chapter: Chapter, record_id: str) -> str:
    """A rate with its citation link, for a table cell; the placeholder if not published."""
    # Asked record by record: reading the whole derived table would re-run the chapter
    # whenever any derived figure is re-derived.
    derived = chapter.package.is_derived(record_id)
    shown = chapter.derived(record_id) if derived else chapter.fig(record_id)
    if record_id in EXACT:
        shown = _exact(chapter, record_id)
    return f"{shown} {chapter.cite(record_id)}".strip()


def _exact(chapter: Chapter, record_id: str) -> str:
    """An exact sum of rates given to one decimal (6.1 + 100), shown to that decimal: the
    book's usual three significant digits would print 106.1 as 106."""
    if not chapter.has(record_id):
        return str(chapter.unknown)
    return prose.percent(chapter.value(record_id), 1)


def _on(chapter: Chapter, event_id: str) -> str:
    events = _events(chapter)
    if event_id not in events.index:
        return str(chapter.unknown)
    return prose.date(events.loc[event_id, "date"], events.loc[event_id, "date_precision"])


def world(chapter: Chapter) -> Markdown:
    """The six markets on one basis: the table, the chart and the phrases the prose glues."""
    chapter.numbers(*NUMBERS)
    for key, event_id in DATES.items():
        chapter.event(key, event_id)
    day = comparison_date(chapter)
    shown_day = prose.date(day) if day else str(chapter.unknown)
    chapter.text("wr_world_date", shown_day)
    chapter.text("wr_canada_whole", _exact(chapter, CA_WHOLE))
    brazil = _brazil_now(chapter, day)
    chapter.text("wr_brazil_now", chapter.fig(brazil) if brazil else str(chapter.unknown))
    chapter.md("cite_wr_brazil_now", "{link}", link=chapter.cite(brazil) if brazil else "")
    _order(chapter, day, brazil)
    _chart(chapter, day, brazil, shown_day)
    return _table(chapter, day, brazil, shown_day)


def _whole(chapter: Chapter, day, brazil) -> list[tuple[str, float, str]]:
    """(market, the part of the whole duty the sources state, how it reads) on the day."""
    rows = []
    if _in_force(chapter, US_232, day) and chapter.has(US_EXTRA):
        rows.append(("the United States", chapter.value(US_EXTRA), "at least"))
    elif _in_force(chapter, US_301, day):
        rows.append(("the United States", chapter.value(US_301), "at least"))
    if _in_force(chapter, CA_SURTAX, day) and chapter.has(CA_WHOLE):
        rows.append(("Canada", chapter.value(CA_WHOLE), ""))
    if _in_force(chapter, MX_NEW, day):
        rows.append(("Mexico", chapter.value(MX_NEW), ""))
    if _in_force(chapter, EU_HIGH, day):
        whole = EU_WHOLE if chapter.has(EU_WHOLE) else EU_HIGH
        rows.append(("the European Union", chapter.value(whole), "up to"))
    if _in_force(chapter, TR_EXTRA, day):
        rows.append(("Turkey", chapter.value(TR_EXTRA), "at least"))
    if brazil:
        rows.append(("Brazil", chapter.value(brazil), ""))
    return sorted(rows, key=lambda r: -r[1])


def _order(chapter: Chapter, day, brazil) -> None:
    """The markets from the highest known duty to the lowest, as a phrase."""
    rows = _whole(chapter, day, brazil)
    names = [name for name, _, _ in rows]
    chapter.text("wr_world_order", prose.listing(names) if names else str(chapter.unknown))
    chapter.text("wr_world_count", prose.words(len(names)))
    chapter.text("wr_world_highest", names[0] if names else str(chapter.unknown))


def _chart(chapter: Chapter, day, brazil, shown_day: str) -> None:
    us, canada, eu_high, eu_low = (
        "United States",
        "Canada, beyond the quota",
        "EU, highest maker rate (SAIC)",
        "EU, lowest maker rate (Tesla)",
    )
    parts = [(us, ALL_CARS, US_232), (us, CHINA, US_301),
             (canada, STANDARD, CA_BASE), (canada, CHINA, CA_SURTAX),
             ("Canada, inside the quota", STANDARD, CA_QUOTA), ("Mexico", SINGLE, MX_NEW),
             (eu_high, STANDARD, EU_BASE), (eu_high, CHINA, EU_HIGH),
             (eu_low, STANDARD, EU_BASE), (eu_low, CHINA, EU_LOW),
             ("Turkey", CHINA, TR_EXTRA)]  # fmt: skip
    if brazil:
        parts.append(("Brazil", STANDARD, brazil))
    governs = {CA_BASE: CA_SURTAX, EU_BASE: EU_HIGH}  # a standard duty shown with its extra
    package, bars = chapter.package, []
    for case, part, record_id in parts:
        gate = governs.get(record_id, record_id)
        if not chapter.has(record_id) or not (_in_force(chapter, gate, day) or record_id in BRAZIL):
            continue
        credit = references.source_credit(package, package.record(record_id)["source_id"])
        bars.append((case, part, chapter.value(record_id), chapter.fig(record_id), credit))
    frame = pd.DataFrame(bars, columns=["category", "part", "value", "label", "basis"])
    source = "; ".join(dict.fromkeys(frame["basis"])) if len(frame) else ""
    chart = exhibits.stacked_hbars(
        frame, series="part", series_order=[STANDARD, ALL_CARS, CHINA, SINGLE], colours=COLOURS,
        title="Import duty on an electric car from China, by market",
        subtitle=f"Percent of the car's value, rates in force on {shown_day}; US and Turkish "
                 "standard duties are in no source and left out",
        source=source or "no source published by the chosen date",
        x_title="Import duty (% of the car's value)",
    )  # fmt: skip
    chapter.chart("fig_wr_world", exhibits.wrap_source(chart))


def _table(chapter: Chapter, day, brazil, shown_day: str) -> Markdown:
    c = lambda i: _c(chapter, i)  # noqa: E731
    on = lambda i: _on(chapter, IN_FORCE[i])  # noqa: E731
    gap = "in no source in the package"
    rows = [
        ("United States", gap, f"{c(US_301)} (Section 301, from {on(US_301)}) plus {c(US_232)} "
         f"on all imported cars (Section 232, from {on(US_232)})", f"at least {c(US_EXTRA)}"),
        ("European Union", c(EU_BASE), f"{c(EU_LOW)} to {c(EU_HIGH)} by maker, battery-electric "
         f"cars only (from {on(EU_HIGH)}); none on a car under an accepted price undertaking "
         f"(the first from {_on(chapter, UNDERTAKING)})", f"up to {c(EU_WHOLE)}"),
        ("Canada", c(CA_BASE), f"{c(CA_SURTAX)} surtax (from {on(CA_SURTAX)}); none inside a "
         f"yearly quota (from {on(CA_QUOTA)})", f"{c(CA_WHOLE)}; {c(CA_QUOTA)} inside the quota"),
        ("Turkey", gap, f"{c(TR_EXTRA)} on all vehicles from China, at least {c(TR_MIN)} a "
         f"vehicle (from {on(TR_EXTRA)}); an earlier extra duty on electric cars, rate {gap}",
         f"at least {c(TR_EXTRA)}"),
        ("Brazil", f"{c(brazil)} on electric cars from any country above duty-free quotas "
         f"(from {on(brazil)}); {c(BRAZIL[-1])} scheduled from {on(BRAZIL[-1])}" if brazil else
         str(chapter.unknown), "none specific to China",
         c(brazil) if brazil else str(chapter.unknown)),
        ("Mexico", f"one rate for countries without a trade agreement with Mexico: {c(MX_NEW)} "
         f"from {on(MX_NEW)}, up from {c(MX_LOW)} to {c(MX_HIGH)}", "none separate", c(MX_NEW)),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["Market", "Standard duty", "Extra duty", "Whole duty"])
    caption = (
        f"Import duty on an electric car from China in six markets, in force on {shown_day}: "
        "the standard duty plus any extra duty, each rate with its source and the date it "
        "took effect"
    )
    return chapter.table(frame, caption, "tab-wr-world", widths=[13, 27, 40, 20])
