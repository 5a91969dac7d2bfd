"""The methods page: how the data package was built, its cleaning rules, names, corrections,
number audit and hedges, and how to cite it. Every count and table is computed from the
package (and the validator's own rules) when the page is built.

Each function glues what one section's prose needs and returns that section's table.
"""

from __future__ import annotations

import pandas as pd
import yaml

from chinaev.checks import validate
from chinaev.data import iea, sourcetext
from chinaev.data.labels import categories
from chinaev.data.package import package_dir
from chinaev.report import escape, prose
from chinaev.report.chapter import Chapter, long_table
from chinaev.report.references import brief_name, name_sources

# The columns whose rules matter most when reading the figures, as (table, column).
RULES = [
    ("figures", "locator"), ("figures", "quote"), ("figures", "as_written"), ("figures", "value"),
    ("figures", "qualifier"), ("figures", "period_start"), ("figures", "period_type"),
    ("figures", "relation"), ("figures", "base_period_start"), ("figures", "correction_id"),
    ("derived", "method"), ("derived", "formula"), ("derived", "approximate"),
    ("audit", "status"), ("audit", "role"), ("aliases", "kind"), ("aliases", "confidence"),
    ("sources", "date_precision"), ("sources", "url"), ("sources", "accessed"),
]  # fmt: skip
# Alias kinds a reader could not resolve unaided, in the order the table lists them.
GARBLED = ["garbled", "misspelling", "descriptive", "unresolved"]
# How a captured token was captured: the audit's roles that name a way of capturing it, in
# the order of the table's columns. The column heads, and the words for why a token was
# excluded (the audit's other roles), are the categories of audit.role.
CAPTURED_AS = ("value", "period", "event_date", "repeat")


def capital(text: str) -> str:
    """A phrase that starts a sentence: 'Six corrections', 'No figures'."""
    return text[:1].upper() + text[1:]


# What the page shows of a source: its name (editors' notes may name any source).
SOURCE_NAME = ["source_id", "author", "publisher", "title"]


def all_sources(chapter: Chapter, *columns: str) -> pd.DataFrame:
    """Every source, whatever the page's date: editors' notes may name any of them."""
    return chapter.package.complete().select("sources", [*SOURCE_NAME, *columns])


def source_name(sources: pd.DataFrame, source_id: str) -> str:
    return brief_name(sources.set_index("source_id").loc[source_id].to_dict())


def built(chapter: Chapter):
    """How the package was built: its size, and the table of its tables."""
    package = chapter.package
    articles = package.select("sources", ["source_id"], kind="news-article")
    text, plural = chapter.text, prose.plural
    text("package_version", package.version or "(no version)")
    text("as_of_note", f", as it stood on {prose.date(package.as_of)}" if package.as_of else "")
    text("n_resources", plural(len(package.names), "table"))
    text("n_articles", plural(len(articles), "news article"))
    text("n_figures", plural(package.count("figures"), "figure"))
    text("n_derived", plural(package.count("derived"), "derived figure"))
    text("n_audit", plural(package.count("audit"), "number token"))
    text("n_entities", plural(package.count("entities"), "entity", "entities"))
    text("n_iea_rows", plural(package.count("iea"), "row"))
    text("max_quote", plural(validate.MAX_QUOTE, "character"))
    rows = []
    for resource in package.descriptor["resources"]:
        schema = resource.get("schema", {})
        key = schema.get("primaryKey", [])
        rows.append({
            "Table": resource["name"],
            "What a row is": schema.get("description", resource.get("title", "")),
            "Rows": prose.number(package.count(resource["name"])),
            "Key": ", ".join(key if isinstance(key, list) else [key]),
        })  # fmt: skip
    return long_table(
        pd.DataFrame(rows), "The tables of the data package", "tab-methods-resources",
        widths=[15, 55, 10, 20],
    )  # fmt: skip


def rules(chapter: Chapter):
    """Cleaning rules, as the schemas state them; the number words the audit counts."""
    resources = chapter.package.descriptor["resources"]
    schemas = {r["name"]: {f["name"]: f for f in r["schema"]["fields"]} for r in resources}
    shown = pd.DataFrame([
        {"Column": f"{resource}.{name}", "Rule": schemas[resource][name].get("description", "")}
        for resource, name in RULES if name in schemas.get(resource, {})
    ])  # fmt: skip
    chapter.text("number_words", ", ".join(f"“{w}”" for w in sourcetext.NUMBER_WORDS))
    chapter.text("n_rules", prose.plural(len(shown), "column"))
    caption = "Cleaning rules, as the schemas state them"
    return long_table(shown, caption, "tab-methods-rules", widths=[29, 71])


def iea_units(chapter: Chapter):
    """The IEA import: regions, years and scenarios, and units as published and as kept."""
    package, text = chapter.package, chapter.text
    units = []
    for raw in package.files("raw/iea/*.csv"):
        raw_rows = pd.read_csv(raw, dtype=str, keep_default_na=False)
        for unit, group in raw_rows.groupby("unit", sort=True):
            kept = iea.normalise_unit(unit) or "(not mapped)"
            units.append([unit, kept, prose.number(len(group))])
    units = pd.DataFrame(units, columns=["Unit as published", "Unit in the package", "Rows"])
    data = package.select("iea", ["region", "region_kind", "scenario", "year"])
    region = data["region"]
    countries = region[data["region_kind"] == "country"].nunique()
    text("iea_countries", prose.plural(countries, "country", "countries"))
    aggregates = sorted(region[data["region_kind"] == "aggregate"].unique())
    text("iea_aggregates", ", ".join(aggregates) or "none")
    scenarios = sorted(s for s in data["scenario"].unique() if s != "historical")
    text("iea_scenarios", ", ".join(scenarios) or "none")
    years = data["year"]
    text("iea_years", f"{years.min()} to {years.max()}" if len(data) else "no years")
    history = years[data["scenario"] == "historical"].max()
    text("iea_last_history", str(history) if len(data) else "none")
    absent = (
        f" As of {prose.date(package.as_of)} the IEA edition used here had not been "
        "published, so the package seen from that date holds none of it."
    )
    text("iea_absent_note", "" if len(data) else absent)
    caption = "IEA units as published and as kept in the package"
    return long_table(units, caption, "tab-methods-iea-units", widths=[45, 38, 17])


def meaning(names: pd.DataFrame, entity_id: str) -> str:
    """An entity's name, with its Chinese name when it has one."""
    row = names.loc[entity_id]
    return f"{row['name']} ({row['name_zh']})" if row["name_zh"] else row["name"]


def aliases(chapter: Chapter):
    """The alias table: garbled, misspelt, descriptive and unresolved names."""
    aliases, sources = chapter.package.aliases, all_sources(chapter)
    shown = aliases[aliases["kind"].isin(GARBLED)].copy()
    names = chapter.package.select("entities", entity_id=shown["entity_id"])
    names = names.set_index("entity_id")
    shown["order"] = shown["kind"].map(GARBLED.index)
    shown = shown.sort_values(["order", "source_id", "alias"])
    table = pd.DataFrame({
        "As printed": shown["alias"],
        "Stands for": shown["entity_id"].map(lambda entity_id: meaning(names, entity_id)),
        "Kind (confidence)": shown["kind"].str.replace("_", " ")
        + " (" + shown["confidence"] + ")",
        "Source": shown["source_id"].map(lambda source_id: source_name(sources, source_id)),
        "Evidence": shown["note"].map(lambda note: name_sources(note, sources) or "—"),
    })  # fmt: skip
    by_kind = aliases["kind"].value_counts()
    text, plural = chapter.text, prose.plural
    text("n_aliases", plural(len(aliases), "form"))
    text("n_garbled", plural(int(by_kind.get("garbled", 0)), "garbled form"))
    text("n_misspelt", plural(int(by_kind.get("misspelling", 0)), "misspelling"))
    text("n_descriptive", plural(int(by_kind.get("descriptive", 0)), "description"))
    text("n_unresolved", plural(int(by_kind.get("unresolved", 0)), "name"))
    text("n_probable", plural(int((shown["confidence"] == "probable").sum()), "resolution"))
    text("n_plain_aliases", plural(len(aliases) - len(shown), "form"))
    caption = "Garbled, misspelt, descriptive and unresolved names in the sources"
    return long_table(table, caption, "tab-methods-aliases", widths=[15, 17, 13, 16, 39])


def corrections(chapter: Chapter):
    """The corrections register."""
    corrections, sources = chapter.package.corrections, all_sources(chapter)
    where = zip(corrections["source_id"], corrections["locator"], strict=True)
    located = [f"{source_name(sources, s)}, paragraph {locator[1:]}" for s, locator in where]
    table = pd.DataFrame({
        "Source and paragraph": located,
        "The source says": corrections["quote"].map(lambda q: f"“{q}”"),
        "Problem": corrections["kind"].str.replace("_", " ")
        + " (" + corrections["confidence"] + " confidence)",
        "What is correct": corrections["correct_statement"].map(lambda s: name_sources(s, sources)),
        "Basis": corrections["basis"].map(lambda s: name_sources(s, sources)),
    })  # fmt: skip
    figures = chapter.package.select("figures", ["figure_id", "correction_id"])
    text, plural = chapter.text, prose.plural
    text("n_corrections", plural(len(corrections), "statement"))
    text("n_correction_sources", plural(corrections["source_id"].nunique(), "source"))
    text("n_corrected_figures", plural(int((figures["correction_id"] != "").sum()), "figure"))
    # Starts a sentence.
    text("n_high", capital(plural(int((corrections["confidence"] == "high").sum()), "correction")))
    caption = "Statements in the sources that are wrong or misleading"
    return long_table(table, caption, "tab-methods-corrections", widths=[14, 20, 13, 29, 24])


def audit_by_source(chapter: Chapter):
    """The number audit: tokens in each article, captured (by role) and excluded."""
    audit, sources = chapter.package.audit, all_sources(chapter)
    roles = categories(chapter.package, "audit", "role")
    heads = {role: roles[role] for role in CAPTURED_AS}
    # The seeds one by one; the pack's many reports by kind, so the table stays readable.
    kinds = all_sources(chapter, "kind").set_index("source_id")["kind"]
    grouped = audit["source_id"].map(
        lambda i: i if not i.startswith("pack-") else f"pack:{kinds.get(i, '')}"
    )
    rows = []
    for source_id, group in audit.groupby(grouped, sort=True):
        captured = group[group["status"] == "captured"]
        if source_id.startswith("pack:"):
            count = group["source_id"].nunique()
            name = f"Reports from the pack: {source_id[5:].replace('-', ' ')}s ({count})"
        else:
            name = source_name(sources, source_id)
        row = {"Source": name, "Numbers found": len(group)}
        for role, label in heads.items():
            row[label] = int((captured["role"] == role).sum())
        row["Excluded"] = int((group["status"] == "excluded").sum())
        rows.append(row)
    table = pd.DataFrame(rows, columns=["Source", "Numbers found", *heads.values(), "Excluded"])
    totals = {"Source": "All sources", **{c: int(table[c].sum()) for c in table.columns[1:]}}
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
    table[table.columns[1:]] = table[table.columns[1:]].map(prose.number)

    excluded = audit[audit["status"] == "excluded"]
    text = chapter.text
    text("audit_total", prose.plural(len(audit), "number token"))
    text("audit_captured", prose.number(int((audit["status"] == "captured").sum())))
    text("audit_excluded", prose.number(len(excluded)))
    share = prose.percent(100 * len(excluded) / len(audit), 0) if len(audit) else "none"
    text("audit_share_excluded", share)
    top = excluded["source_id"].value_counts()
    most = "none"
    if len(top):
        found = int((audit["source_id"] == top.index[0]).sum())
        of = f"{prose.number(int(top.iloc[0]))} of {prose.number(found)}"
        most = f"{source_name(sources, top.index[0])} ({of})"
    text("audit_most_excluded", most)
    caption = "Number tokens in each source text, captured and excluded"
    return long_table(
        table, caption, "tab-methods-audit-sources", widths=[35, 11, 11, 10, 11, 11, 11]
    )


def audit_reasons(chapter: Chapter):
    """Why numbers were excluded, with where and an example of the reasoning."""
    audit, sources = chapter.package.audit, all_sources(chapter)
    reasons = categories(chapter.package, "audit", "role")
    rows = []
    for role, group in audit[audit["status"] == "excluded"].groupby("role", sort=False):
        where = group["source_id"].value_counts().items()
        rows.append({
            "Reason": reasons.get(role, role.replace("_", " ")),
            "Count": len(group),
            "Where": "; ".join(f"{source_name(sources, s)}: {prose.number(n)}" for s, n in where),
            "Example": name_sources(group["note"].iloc[0], sources),
        })  # fmt: skip
    table = pd.DataFrame(rows, columns=["Reason", "Count", "Where", "Example"])
    table = table.sort_values(["Count", "Reason"], ascending=[False, True])
    table["Count"] = table["Count"].map(prose.number)
    chapter.text("n_reasons", prose.plural(len(table), "reason"))
    caption = "Why numbers were excluded"
    return long_table(table, caption, "tab-methods-audit-reasons", widths=[22, 10, 30, 38])


def bound(factor) -> str:
    """A bound as the rule states it: none, the value, or a multiple of it."""
    return "none" if factor is None else "the value" if factor == 1 else f"{factor:g} × the value"


def hedges(chapter: Chapter):
    """How a source's hedge becomes bounds, as the validator's rule has it."""
    # The validator's test of each figure's bounds, not the values it reads.
    test = "bounds_follow_qualifier"
    figures = chapter.package.select("figures", ["qualifier"], test=test)
    counts = figures["qualifier"].value_counts()
    rows = []
    for qualifier, (low, high) in validate.QUALIFIER_BOUNDS.items():
        rows.append({
            "Qualifier": qualifier.replace("_", " "),
            "Source wording, as the book prints it":
                prose.HEDGE_WORDS.get(qualifier, "").strip() or "(no hedge)",
            "Lower bound": bound(low),
            "Upper bound": bound(high),
            "Figures": prose.number(int(counts.get(qualifier, 0))),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    (about_low, about_high), (nearly_low, _) = (
        validate.QUALIFIER_BOUNDS[q] for q in ("about", "nearly")
    )
    text = chapter.text
    text("about_low", f"{about_low:g}")
    text("about_high", f"{about_high:g}")
    text("nearly_low", f"{nearly_low:g}")
    # Starts a sentence.
    text("hedged", capital(prose.plural(int((figures["qualifier"] != "exact").sum()), "figure")))
    following = int(figures[test].sum())
    text("bounds_consistent", f"{prose.number(following)} of {prose.number(len(figures))}")
    caption = "How a source's hedge becomes bounds"
    return long_table(table, caption, "tab-methods-qualifiers", widths=[16, 26, 22, 22, 14])


def citation(chapter: Chapter):
    """How to cite the book: from the repository's citation file, so it follows its version."""
    package = chapter.package
    citation_file = package_dir(package.path).parent / "CITATION.cff"
    cff = (
        yaml.safe_load(citation_file.read_text(encoding="utf-8")) if citation_file.is_file() else {}
    )
    authors = "; ".join(
        a.get("name") or " ".join(filter(None, [a.get("given-names"), a.get("family-names")]))
        for a in cff.get("authors", [])
    ) or "China EV Book contributors"  # fmt: skip
    year = str(cff.get("date-released", ""))[:4] or "n.d."
    title = cff.get("title", package.descriptor.get("title", ""))
    version = cff.get("version", package.version)
    licence = cff.get("license", "")
    sources = chapter.package.complete().select(
        "sources", ["source_id", "licence_note"], source_id=package.iea_source_id
    )
    sources = sources.set_index("source_id")
    iea_note = (
        sources.loc[package.iea_source_id, "licence_note"]
        if package.iea_source_id in sources.index
        else ""
    )
    attribution = iea_note.split("Attribution:", 1)[-1].strip() if iea_note else ""
    # A fence shows its lines as written, so the BibTeX entry is not escaped; its values
    # come from the repository's own citation file.
    bibtex = escape.MyST("\n".join([
        f"@misc{{chinaev{year},",
        f"  author = {{{{{authors}}}}},",
        f"  title = {{{title}}},",
        f"  year = {{{year}}},",
        f"  version = {{{version}}},",
        f"  note = {{Book and Frictionless data package, licence {licence}}}",
        "}",
    ]))  # fmt: skip
    # The package's name is shown as code, which shows it as written unless it has a backtick.
    name = package.descriptor.get("name", "")
    name = escape.MyST(f"`{name}`") if "`" not in name else name
    credit = "The IEA data it contains must be credited to the IEA: {attribution}"
    return chapter.show(escape.md(
        "{authors} ({year}). *{title}*, version {version}. Book and data package. "
        "Licence: {licence}.\n\n```bibtex\n{bibtex}\n```\n\n"
        "The data package alone is *{package_title}*, version {package_version} "
        "(package name {name}).\n\n" + (credit if attribution else ""),
        authors=authors, year=year, title=title, version=version, licence=licence, bibtex=bibtex,
        package_title=package.descriptor.get("title", ""), package_version=package.version,
        name=name, attribution=attribution,
    ))  # fmt: skip
