"""The localisation chapter (book/localisation.ipynb): what Chinese companies build abroad.

One function per section: each glues what the section's prose refers to and draws its chart
or returns its table. Names come from the package, so phrases with them are glued through
`chapter.md` (escaped), never as raw markdown."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from chinaev.report import exhibits, maps, prose, references
from chinaev.report.chapter import Chapter
from chinaev.report.pages.footprint_words import status_date, words

# Reader-facing words for the footprint's codes are the categories of footprint.status
# (in order, most advanced first) and footprint.kind; the map's short symbol names and the
# nouns for a kind in a sentence are the labels vocabularies footprint_symbol and
# footprint_noun_one / _several. A country's map colour is its most advanced status;
# markets a company only names in a speech (status "stated", kind "target_market") are
# kept apart and never counted as operations.
STATUS_COLOURS = ["#0072B2", "#009E73", "#56B4E9", "#CC79A7", "#E3D39A"]
# Statuses that are no longer "to come": running, or stopped since.
DONE = ("operating", "stopped")
# fmt: off
# The companies the section on routes abroad follows, and each one's route in a phrase.
ROUTES = {"byd": "BYD builds plants of its own",
          "saic-motor": "SAIC Motor prepares knock-down kit assembly and names regional markets",
          "leapmotor": "Leapmotor works through Stellantis"}
# The outlook's table: each challenge, where it is raised (source and paragraphs), what
# the sources say and the editors' view of the evidence.
CHALLENGES = [
    ("Data privacy and security compliance", [("seed-004", "15", "19"), ("seed-003", "8", "32")],
     "Listed first among the challenges in a summary of a book by a former industry minister. A "
     "stronger source reports a concrete case: the United States has in effect shut connected "
     "cars made in China out of its market on security grounds.",
     "Moderate: one real measure, in a market where Chinese cars are not sold; none yet in Europe"),
    ("Technical standards and compliance systems", [("seed-002", "12", "14")],
     "Industry researchers call the differences a main obstacle and urge licensing, joint "
     "ventures and work on local standards.",
     "Moderate: informed insiders, but no case or measure is named"),
    ("Profitability", [("seed-004", "15"), ("seed-003", "30")],
     "Fierce competition at home makes innovation hard to turn into profit. Against it, analysts "
     "quoted in a stronger source find that Chinese brands will probably still earn more per car "
     "in Europe than at home, even after the EU duties.",
     "Weak and mixed: an assertion about the home market; the one analysis of Europe points the "
     "other way"),
    ("Intelligent and autonomous driving", [("seed-004", "9", "15"), ("seed-002", "11")],
     "China's lead in making electric cars may not carry over into software and self-driving, "
     "where Tesla pushes hard. A Chinese supplier's manager claims the opposite: Chinese brands "
     "already lead in intelligence.",
     "Weak: claims on both sides, from interested or unattributed voices, with no measurement"),
]
# The charts' fixed settings: the map's colours, inset and titles (its status and symbol
# orders come from the package, see words()).
MAP = dict(status_colours=STATUS_COLOURS, home="CHN", home_label="China (home country)",
           inset=("Europe", (-11, 35, 42, 61)), aside_title="Placed only in a region",
           title="Where the sources place Chinese companies abroad",
           subtitle="Country colour: most advanced status reported; symbol: kind of facility",
           description_lead="World map of Chinese companies' operations abroad")
BARS = dict(status_colours=STATUS_COLOURS, title="What each company has abroad, by status",
            subtitle="Operations in the footprint; a region or a group of countries counts once",
            x_title="Entries (countries or regions)")
CAPTIONS = {
    "footprint": "Chinese companies' operations abroad and the markets they name, by company "
                 "and country",
    "challenges": "Challenges for Chinese carmakers abroad named by the sources, and how well "
                  "they are supported",
}
# The figures the Leapmotor and connected-car sections cite.
LEAPMOTOR = ["stellantis_leapmotor_investment", "leapmotor_european_sales_countries",
             "leapmotor_in_house_component_share", "leapmotor_sales_target_2025",
             "leapmotor_overseas_sales_target_2025", "leapmotor_overseas_share_of_target_2025",
             "unicom_local_team_countries", "leapmotor_international_stellantis_stake",
             "byd_camacari_capacity"]
# Sentences whose words follow the data; chapter.md escapes the values put into them.
SAY = {
    "as_of_note": "This version shows the data as they stood on {date}: sources published "
                  "later, and the operations and figures they report, are left out; the "
                  "commentary is the book's current reading.",
    "named_markets": "The sources contain {n} such markets, all named by {companies}; they are "
                     "mapped in a colour of their own and left out of every count of operations.",
    "no_named_markets": "None appears in the sources {published}.",
    "all_drawn": "Every country named in the footprint is large enough to draw.",
    "not_drawn": "Too small to draw at this scale, and so listed beside the map instead: "
                 "{countries}.",
    "spread": "Of the {countries} coloured, {only_named} only markets named in a speech, where "
              "nothing has been built, and {top} of the {entries} come from a single source, "
              "{source}.",
    "no_spread": "No source {published} places a Chinese company abroad.",
    "capital_heavy": "the most capital-heavy route, and the one that ties a company to a market "
                     "for longest.",
    # The correction's own words stay in the sources list, where they are attributed.
    "first_claim_correction": "It was not, and the assembly did not last: the correction given "
                              "with the source below names an earlier Chinese brand assembled "
                              "inside the European Union, and records that Stellantis stopped "
                              "building the T03 in Poland soon after the article was written.",
    "no_correction": "(none: the article was not yet published by {date})",
}
# fmt: on


class Footprint(NamedTuple):
    """The footprint resource with reader-facing columns, split as the chapter counts it."""

    everything: pd.DataFrame
    operations: pd.DataFrame  # abroad, not merely named in a speech
    named_markets: pd.DataFrame  # abroad, named in a speech only
    in_china: pd.DataFrame
    shown: pd.DataFrame  # what the map and the table show: operations, then named markets


def footprint(chapter: Chapter) -> Footprint:
    package = chapter.package
    said = words(chapter)
    names = package.entities.set_index("entity_id")["name"]
    places = country_names(chapter)
    rows = package.footprint.assign(
        company=lambda f: f["company_entity_id"].map(names),
        partner=lambda f: f["partner_entity_id"].map(names).fillna(""),
        where=lambda f: [
            places(c) if c else r for c, r in zip(f["country"], f["region"], strict=True)
        ],
        what=lambda f: f["kind"].map(said.kind).fillna(f["kind"].str.replace("_", " ")),
        state=lambda f: f["status"].map(said.status),
    )
    stated = rows["status"] == "stated"
    if not stated.equals(rows["kind"] == "target_market"):
        raise ValueError("footprint: status 'stated' goes with kind 'target_market' only")
    abroad = rows["country"] != "CHN"
    operations, named = rows[abroad & ~stated], rows[abroad & stated]
    return Footprint(rows, operations, named, rows[~abroad], pd.concat([operations, named]))


def country_names(chapter: Chapter):
    """A country's name as the package gives it (else the map's), by its alpha-3 code."""
    countries = chapter.package.select("entities", ["country", "name"], type="country")
    countries = countries.set_index("country")["name"]
    return lambda code: countries.get(code, maps.country_name(code))


def published(chapter: Chapter) -> str:
    """'in the book', or 'published by 30 June 2021' for an earlier date."""
    as_of = chapter.package.as_of
    return f"published by {prose.date(as_of)}" if as_of else "in the book"


def counted(value: int, noun: str, nouns: str) -> str:
    """'1 company', '4 companies': a count from the data, in digits, with its noun."""
    return f"{prose.count(value)} {noun if value == 1 else nouns}"


def credit(chapter: Chapter, frame: pd.DataFrame) -> str:
    """A chart's source line. Without quotation marks: the chart font sets them full width."""
    ids = sorted(frame["source_id"].unique())
    names = [references.source_credit(chapter.package, s) for s in ids]
    shown = "; ".join(names).replace("“", "").replace("”", "")
    return shown or f"no source {published(chapter)}"


# -- key findings -----------------------------------------------------------------------
def findings(chapter: Chapter) -> None:
    """The counts of operations and companies, and how named markets are treated."""
    parts = footprint(chapter)
    operations, named = parts.operations, parts.named_markets
    in_countries = operations[operations["country"] != ""]
    companies = operations["company_entity_id"].nunique()
    chapter.text("n_operations", counted(len(operations), "operation", "operations"))
    chapter.text("n_companies", counted(companies, "company", "companies"))
    chapter.text("n_operations_in_countries", prose.count(len(in_countries)))
    countries = in_countries["country"].nunique()
    chapter.text("n_operation_countries", counted(countries, "named country", "named countries"))
    chapter.text("n_operations_regional", prose.count((operations["country"] == "").sum()))
    running = int((operations["status"] == "operating").sum())
    chapter.text("running_clause", prose.counted_verb(running, "was running", "were running"))
    chapter.text("n_stopped", prose.count((operations["status"] == "stopped").sum()))
    not_yet = int((~operations["status"].isin(DONE)).sum())
    planned = prose.counted_verb(not_yet, "was still planned", "were still planned")
    chapter.text("planned_clause", planned)
    chapter.text("status_as_of", status_date(chapter, parts.shown))
    chapter.text("n_named_markets", prose.count(len(named)))
    as_of = chapter.package.as_of
    chapter.md("as_of_note", SAY["as_of_note"] if as_of else "", date=prose.date(as_of))
    if len(named):
        companies = prose.listing(named["company"])
        chapter.md("named_markets_phrase", SAY["named_markets"], n=len(named), companies=companies)
    else:
        chapter.md("named_markets_phrase", SAY["no_named_markets"], published=published(chapter))
    news = chapter.package.select("sources", ["source_id"], kind="news-article")
    chapter.text("n_news_sources", prose.count(len(news)))


# -- where the sources place Chinese companies -------------------------------------------
def where(chapter: Chapter) -> None:
    """The world map, what it cannot draw, and how thin its spread is."""
    parts = footprint(chapter)
    shown, places = parts.shown, country_names(chapter)
    rows = shown[["country"]].assign(
        status=shown["state"],
        kind=shown["kind"].map(words(chapter).symbol).fillna(shown["what"]),
        text=[f"{r.company}: {r.what}, {r.state} ({r.year})" for r in shown.itertuples()],
    )
    # Entries placed only in a region, and countries too small to draw, are listed beside.
    regional = shown[shown["country"] == ""]
    aside = []
    for r in regional.itertuples():
        partner = f" with {r.partner}" if r.partner else ""
        aside.append((f"{r.where}: {r.company}{partner}", f"{r.what}, {r.state} ({r.year})"))
    not_drawn = maps.undrawable(shown.loc[shown["country"] != "", "country"])
    for code in not_drawn:
        text = "; ".join(rows.loc[rows["country"] == code, "text"])
        aside.append((f"{places(code)}: too small for this map", text))
    if not_drawn:
        chapter.md("not_drawn", SAY["not_drawn"], countries=prose.listing(map(places, not_drawn)))
    else:
        chapter.md("not_drawn", SAY["all_drawn"] if len(shown) else "")
    chapter.text("n_regional_rows", counted(len(regional), "entry", "entries"))

    drawn = shown[shown["country"] != ""]
    built = set(drawn.loc[drawn["status"] != "stated", "country"])
    only_named = len(set(drawn.loc[drawn["status"] == "stated", "country"]) - built)
    top = shown["source_id"].value_counts()
    if len(shown):
        chapter.md(
            "spread_sentence",
            SAY["spread"],
            countries=counted(drawn["country"].nunique(), "country", "countries"),
            only_named=f"{prose.count(only_named)} {'is' if only_named == 1 else 'are'}",
            top=prose.count(int(top.iloc[0])),
            entries=counted(len(shown), "entry", "entries"),
            source=references.source_credit(chapter.package, top.index[0]),
        )
    else:
        chapter.md("spread_sentence", SAY["no_spread"], published=published(chapter))
    running = parts.operations.query("country != '' and status == 'operating'")
    nowhere = f"no place, in the sources {published(chapter)}"
    chapter.text("operating_places", prose.listing(sorted(running["where"]), empty=nowhere))
    chapter.text("n_in_china", counted(len(parts.in_china), "entry", "entries"))
    in_china = [
        f"{r.company} ({r.what}, with {r.partner})" if r.partner else f"{r.company} ({r.what})"
        for r in parts.in_china.itertuples()
    ]
    chapter.md("in_china_list", "{entries}", entries=prose.listing(in_china))
    chart = maps.footprint_map(
        rows[rows["country"] != ""],
        aside=aside,
        source=credit(chapter, shown),
        status_order=words(chapter).status_order,
        kind_order=list(words(chapter).symbol.values()),
        **{**MAP, "subtitle": f"{MAP['subtitle']}; as of {status_date(chapter, shown)}"},
    )
    chapter.chart("fig_localisation_map", exhibits.wrap_source(chart, max_chars=110))


# -- company by country -----------------------------------------------------------------
def by_company(chapter: Chapter):
    """The table behind the map: one row per company, kind, status and source paragraph,
    listing the places it covers."""
    shown = footprint(chapter).shown
    key = ["company", "partner", "rank", "what", "state", "year", "source_id", "locator"]
    listed = (
        shown.assign(rank=shown["status"].map(words(chapter).rank.index))
        .groupby(key, sort=True)
        .agg(where=("where", lambda w: prose.listing(sorted(w))), first=("footprint_id", "min"))
        .reset_index()
        .sort_values(["company", "rank", "first"])
    )
    with_partner = listed["partner"].map(lambda p: f" (with {p})" if p else "")
    credits = listed["source_id"].map(lambda s: references.source_credit(chapter.package, s))
    rows = pd.DataFrame(
        {
            "Company": listed["company"] + with_partner,
            "Where": listed["where"],
            "What": listed["what"],
            "Status as reported (year)": listed["state"] + " (" + listed["year"].astype(str) + ")",
            "Source": credits + ", paragraph " + listed["locator"].str[1:],
        }
    )
    caption = CAPTIONS["footprint"]
    return chapter.table(rows, caption, "tab-localisation-footprint", widths=[18, 24, 18, 18, 22])


# -- four routes abroad -----------------------------------------------------------------
def routes(chapter: Chapter) -> None:
    """Each company's operations by status (chart), what each has where, and BYD's role."""
    parts = footprint(chapter)
    operations, as_of = parts.operations, chapter.package.as_of
    # Operations only: markets named in a speech would lengthen a bar with nothing built.
    by_status = (
        operations.groupby(["company", "state"])
        .agg(count=("footprint_id", "size"), places=("where", lambda w: prose.listing(sorted(w))))
        .reset_index()
        .rename(columns={"state": "status"})
    )
    order = operations.groupby("company").size().sort_values(ascending=False, kind="stable")
    nothing = "No operation abroad is reported."
    if as_of:
        nothing = f"No operation abroad had been reported by {prose.date(as_of)}."
    chart = maps.footprint_bars(
        by_status,
        company_order=list(order.index),
        source=credit(chapter, operations),
        placeholder_text=nothing,
        status_order=words(chapter).status_order,
        **BARS,
    )
    chapter.chart("fig_localisation_strategies", exhibits.wrap_source(chart))

    for company_id in [*ROUTES, "leapmotor-international", "china-unicom-smart-connection"]:
        key = f"footprint_{company_id.replace('-', '_')}"
        chapter.md(key, "{text}", text=describe(chapter, parts.shown, company_id))
    going = set(operations["company_entity_id"])
    present = [route for company_id, route in ROUTES.items() if company_id in going]
    nothing = f"none appears in the sources {published(chapter)}"
    chapter.md("routes_summary", "{routes}", routes=prose.listing(present, empty=nothing))

    rows = parts.everything
    hq = rows[(rows["company_entity_id"] == "byd") & (rows["kind"] == "headquarters")]
    # The note reads "European headquarters: <functions>."; the functions follow the colon.
    functions = f"functions that the sources {published(chapter)} do not report"
    if len(hq):
        functions = hq["note"].iloc[0].split(":")[-1].strip().rstrip(".")
    chapter.text("byd_hq_detail", functions)
    chapter.numbers("eu_tariff_chinese_evs_max")
    owners = set(operations.loc[operations["kind"] == "plant", "company_entity_id"])
    role = "Owning plants abroad is {route}"
    if owners == {"byd"}:
        role = "It is the only company in them that builds and owns plants abroad: {route}"
    chapter.md("byd_role", role, route=SAY["capital_heavy"])


def describe(chapter: Chapter, shown: pd.DataFrame, company_id: str) -> str:
    """What the sources give a company abroad, by status and kind, as a phrase: 'operating,
    plants of its own in Thailand and Uzbekistan; planned or announced, ...' (the status
    said once, not after each noun)."""
    rows, said = shown[shown["company_entity_id"] == company_id], words(chapter)
    rows = rows.assign(rank=rows["status"].map(said.rank.index)).sort_values(
        ["rank", "footprint_id"]
    )
    if rows.empty:
        as_of = chapter.package.as_of
        return f"nothing abroad yet (as of {prose.date(as_of)})" if as_of else "nothing abroad"
    by_status: dict[str, list[str]] = {}
    for (kind, status), group in rows.groupby(["kind", "status"], sort=False):
        places = prose.listing(sorted(group["where"]))
        if status == "stated":
            by_status.setdefault("named in a speech", []).append(f"markets ({places})")
            continue
        noun = said.nouns.get(kind, (said.kind.get(kind, kind),) * 2)[len(group) > 1]
        by_status.setdefault(said.status[status], []).append(f"{noun} in {places}")
    return "; ".join(f"{status}, {prose.listing(parts)}" for status, parts in by_status.items())


def month(chapter: Chapter, key: str, event_id: str) -> None:
    """Glue an event's month (its year, if that is all the package gives)."""
    precision = chapter.package.select("events", event_id=event_id)["date_precision"]
    chapter.event(key, event_id, "month" if precision.isin(["day", "month"]).any() else "year")


# -- Leapmotor ----------------------------------------------------------------------------
def leapmotor(chapter: Chapter) -> None:
    """Leapmotor's figures and dates, and the correction to the 'first in Europe' claim."""
    chapter.numbers(*LEAPMOTOR)
    month(chapter, "stellantis_deal_month", "stellantis_invests_in_leapmotor")
    month(chapter, "leapmotor_sales_start", "leapmotor_europe_sales_start")
    first = "c003_first_chinese_brand_europe"
    if len(chapter.package.select("corrections", ["correction_id"], correction_id=first)):
        chapter.md("first_claim_correction", SAY["first_claim_correction"])
    else:
        as_of = prose.date(chapter.package.as_of)
        chapter.md("first_claim_correction", SAY["no_correction"], date=as_of)


# -- outlook ------------------------------------------------------------------------------
def outlook(chapter: Chapter):
    """The US tariff and connected-car ban; returns the table of challenges."""
    chapter.numbers("us_tariff_chinese_evs")
    month(chapter, "connected_ban_month", "us_connected_vehicle_ban")
    cited = [place[0] for _, places, _, _ in CHALLENGES for place in places]
    known = set(chapter.package.select("sources", ["source_id"], source_id=cited)["source_id"])

    def by(source, *paragraphs):
        if source not in known:
            return f"a source not published {published(chapter)}"
        numbers = f"paragraph{'s' if len(paragraphs) > 1 else ''} {prose.listing(paragraphs)}"
        return f"{references.source_credit(chapter.package, source)}, {numbers}"

    rows = pd.DataFrame(
        [
            (name, "; ".join(by(*place) for place in places), say, strength)
            for name, places, say, strength in CHALLENGES
        ],
        columns=["Challenge", "Raised in", "What the sources say", "Strength of the evidence"],
    )
    caption = CAPTIONS["challenges"]
    return chapter.table(rows, caption, "tab-localisation-challenges", widths=[16, 22, 38, 24])
