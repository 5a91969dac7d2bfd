"""The loader, as_of, derivations, number reading and formatting."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers import DATAPACKAGE, ROOT, copy_package, edit_row, read_csv

from chinaev.data.derive import METHODS, write_derived
from chinaev.data.numbers import parse_as_written
from chinaev.data.package import load
from chinaev.data.problems import UserError
from chinaev.report import prose


def test_load_types_columns_from_the_schemas():
    pkg = load(DATAPACKAGE)
    assert pkg.figures["value"].dtype == "float64"
    assert pd.api.types.is_datetime64_any_dtype(pkg.figures["period_start"])
    assert pkg.iea["year"].dtype == "Int64"
    assert pkg.value("china_vehicle_exports_2025_05") == 551000
    assert pkg.record("china_nev_share_of_exports_2025_05")["unit"] == "percent"


def test_as_of_leaves_out_what_was_published_later():
    full = load(DATAPACKAGE)
    early = load(DATAPACKAGE, as_of="2022-01-01")
    sources = set(early.sources["source_id"])
    # The 2021 articles only (IEA came out in 2024), and the pack's reports of 2020 and 2021
    assert {s for s in sources if not s.startswith("pack-")} == {"seed-000", "seed-001"}
    assert (early.sources["published_date"] <= pd.Timestamp("2022-01-01")).all()
    assert set(early.figures["source_id"]) <= sources
    assert (early.events["date"] <= pd.Timestamp("2022-01-01")).all()
    assert len(early.iea) == 0 and len(early.derived) == 0
    assert not early.has("china_vehicle_exports_2025_05")
    assert early.left_out["figures"] == len(full.figures) - len(early.figures) > 0


def test_as_of_keeps_derived_figures_whose_inputs_remain():
    mid = load(DATAPACKAGE, as_of="2025-05-31")
    assert mid.has("iea_china_us_ev_car_sales_ratio_2023")  # IEA inputs published May 2025
    assert not mid.has("china_nev_share_of_exports_2025_05")
    # Before the edition the package carries, its derived figures are left out too.
    assert not load(DATAPACKAGE, as_of="2024-12-31").has("iea_china_us_ev_car_sales_ratio_2023")


def test_undated_sources_are_left_out_under_any_as_of():
    assert not load(DATAPACKAGE, as_of="2100-01-01").has("china_ev_production_capacity")
    assert load(DATAPACKAGE).has("china_ev_production_capacity")


def test_bad_as_of_is_a_user_error():
    with pytest.raises(UserError, match="ISO date"):
        load(DATAPACKAGE, as_of="31/03/2025")


@pytest.mark.parametrize(
    "written,unit,expected",
    [
        ("nearly 26 million", "vehicles", 26e6),
        ("about a third", "percent", 100 / 3),
        ("$2.7 billion", "USD", 2.7e9),
        ("12th", "rank", 12),
        ("seventh", "rank", 7),
        ("nearly double", "ratio", 2),
        ("at least a dozen", "count", 12),
        ("38.6%", "percent", 38.6),
        ("less than 1 percent", "percent", 1),
        ("70 or more", "count", 70),
        ("$8,200", "USD", 8200),
    ],
)
def test_numbers_are_read_as_written(written, unit, expected):
    assert parse_as_written(written, unit) == pytest.approx(expected)


def test_formatting():
    assert prose.count(551000) == "551,000"
    assert prose.count(2490000) == "2.49 million"
    assert prose.usd(2.7e9) == "$2.7 billion"
    assert prose.change(-8.57) == "\u22128.6%" and prose.change(14.5) == "+14.5%"
    assert prose.percent(120) == "120%"
    assert prose.ordinal(12) == "12th" and prose.ordinal(22) == "22nd"
    row = {"unit": "vehicles", "qualifier": "nearly", "value": 13e6, "metric": "ev_sales"}
    assert prose.figure(row) == "nearly 13 million"
    derived = {"unit": "vehicles", "value": 481222.7, "approximate": True, "metric": "x"}
    assert prose.derived(derived) == "about 481,000"
    # The verb agrees with the count: the localisation chapter once read "1 were running".
    assert prose.counted_verb(1, "was running", "were running") == "1 was running"
    assert prose.counted_verb(5, "was running", "were running") == "5 were running"


def test_every_method_computes():
    assert METHODS["base_from_growth"].compute(551000, 14.5) == pytest.approx(481222.707)
    assert METHODS["share"].compute(212000, 551000) == pytest.approx(38.4755, rel=1e-5)
    assert METHODS["growth"].compute(110, 100) == pytest.approx(10)
    assert METHODS["sum"].compute(1, 2, 3) == 6


def test_derive_rewrites_stale_values_and_check_reports_them(tmp_path):
    package = copy_package(tmp_path)
    edit_row(package, "figures", "figure_id", "china_nev_exports_2025_05", value="220000")
    assert write_derived(package, check=True) is True
    assert write_derived(package) is True
    rows = {r["derived_id"]: r for r in read_csv(package / "data" / "derived.csv")}
    assert rows["china_nev_share_of_exports_2025_05"]["formula"] == "100 × 220000 / 551000"
    assert write_derived(package, check=True) is False


def test_the_package_carries_its_citation_and_licence():
    # The package is meant to travel alone: it holds a copy of the citation, and its own
    # data licence, which names no file outside the package.
    top = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert (ROOT / "datapackage" / "CITATION.cff").read_text(encoding="utf-8") == top
    licence = (ROOT / "datapackage" / "LICENSE-DATA.md").read_text(encoding="utf-8")
    named = re.findall(r"`([^`\s]+\.[a-z]+|[^`\s]+/)`", licence)
    assert named, "the licence names the package's files"
    missing = [n for n in named if n != "typed/" and not (ROOT / "datapackage" / n).exists()]
    assert missing == [], f"LICENSE-DATA.md names files that are not in the package: {missing}"


def test_derived_inputs_are_a_long_table_with_declared_keys(tmp_path):
    from frictionless import Package as FrictionlessPackage

    from chinaev.data.derive import link_rows

    package = copy_package(tmp_path)
    links = link_rows(package)
    derived = read_csv(package / "data" / "derived.csv")
    assert len(links) == sum(len(row["inputs"].split(";")) for row in derived)
    assert {link["input_kind"] for link in links} == {"figure", "derived", "iea"}
    # A link to a figure that does not exist breaks a declared foreign key.
    path = package / "data" / "derived_inputs.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            f",figure,{links[0]['figure_id']},", ",figure,no_such_figure,", 1
        ),
        encoding="utf-8",
    )
    report = FrictionlessPackage(str(package / "datapackage.json")).validate()
    errors = [e for task in report.tasks for e in task.errors]
    assert [e.type for e in errors] == ["foreign-key"], errors


# The scope a figure's subject implies, by entity type. Associations, research bodies and
# people only state or compile numbers (reporter_entity_id): no figure is about them.
SCOPE_OF_SUBJECT = {
    "country": "national",
    "place": "subnational",  # province, city, industrial zone
    "facility": "subnational",  # port, plant
    "company": "company",
    "group": "company",  # a group of companies or brands
    "product": "product",
    "international-body": "international",
}
# Only an organisation can state a figure about itself (its own target or spending).
SELF_REPORTING = {"company", "government-body"}
# Things that cannot state a number: a reporter is never one of these.
NOT_REPORTERS = {"country", "place", "facility", "product", "group"}


def subject_and_reporter_problems(pkg) -> list[str]:
    entities = pkg.entities.set_index("entity_id")
    problems = []
    for _, figure in pkg.figures.iterrows():
        name, subject = figure["figure_id"], entities.loc[figure["entity_id"]]
        if subject["type"] == "government-body":  # a national government, or the EU
            expected = "national" if subject["country"] else "international"
        else:
            expected = SCOPE_OF_SUBJECT.get(subject["type"], f"none (a {subject['type']})")
        if figure["scope"] != expected:
            problems.append(f"{name}: scope {figure['scope']}, subject implies {expected}")
        if expected in ("national", "subnational") and figure["geography"] != subject["country"]:
            problems.append(f"{name}: geography {figure['geography']} is not its subject's country")
        reporter = figure["reporter_entity_id"]
        if not reporter:
            continue
        kind = entities.loc[reporter, "type"]
        if kind in NOT_REPORTERS:
            problems.append(f"{name}: reporter {reporter} is a {kind}, which states nothing")
        if reporter == figure["entity_id"] and kind not in SELF_REPORTING:
            problems.append(f"{name}: reporter and subject are both {reporter}")
    return problems


def test_figures_scope_follows_the_subject_and_reporters_are_not_subjects(tmp_path):
    pkg = load(DATAPACKAGE)
    assert subject_and_reporter_problems(pkg) == []
    # The cases that prompted the split: a port's exports are sub-national, counted by
    # customs; CAAM's export counts are national totals about China, reported by CAAM.
    horgos = pkg.figures[pkg.figures["entity_id"] == "horgos-port"]
    assert len(horgos) >= 2 and set(horgos["scope"]) == {"subnational"}
    assert set(horgos["reporter_entity_id"]) == {"horgos-customs"}
    caam = pkg.figures[pkg.figures["reporter_entity_id"] == "caam"]
    # Exports by destination are about the destination country (entity), not China.
    caam = caam[caam["metric"] != "vehicle_exports_from_china"]
    assert len(caam) >= 2 and set(caam["entity_id"]) == {"china"}
    assert set(caam["scope"]) == {"national"}
    # The check catches the old mixing and a port marked national.
    package = copy_package(tmp_path)
    edit_row(package, "figures", "figure_id", horgos["figure_id"].iloc[0], scope="national")
    edit_row(package, "figures", "figure_id", caam["figure_id"].iloc[0], entity_id="caam")
    found = subject_and_reporter_problems(load(package))
    assert len(found) == 3, found
    assert any("scope national, subject implies subnational" in p for p in found), found
    assert any("subject implies none (a association)" in p for p in found), found
    assert any("reporter and subject are both caam" in p for p in found), found


def test_an_index_is_made_once_per_object_and_again_for_another():
    from chinaev.data.memo import per_object

    made = []

    @per_object
    def index(frame):
        made.append(id(frame))
        return len(frame)

    first, second = pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [1, 2]})
    assert index(first) == 2 and index(first) == 2 and made == [id(first)]
    assert index(second) == 2 and made == [id(first), id(second)]  # equal, yet another
