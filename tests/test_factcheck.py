"""The fact-check: claims against the IEA series, verdicts computed from the numbers."""

from __future__ import annotations

import math

import pytest
from helpers import DATAPACKAGE, copy_package, edit_row, read_csv, write_csv

from chinaev.data import factcheck
from chinaev.data.package import load
from chinaev.report import factcheck as in_words


def verdicts(package_dir) -> dict[str, str]:
    results = factcheck.check(load(package_dir))
    return dict(zip(results["comparison_id"], results["verdict"], strict=True))


def set_iea_value(package, region, category, parameter, mode, powertrain, year, value) -> None:
    """Change one IEA row in place (only that line is rewritten)."""
    path = package / "data" / "iea.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    prefix = (region, category, parameter, mode, powertrain, str(year))
    for number, line in enumerate(lines):
        cells = line.rstrip("\n").split(",")
        if (cells[0], cells[3], cells[5], cells[6], cells[7], cells[8]) == prefix:
            cells[10] = str(value)
            lines[number] = ",".join(cells) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return
    raise AssertionError(f"no IEA row {prefix}")


def add_iea_rows(package, rows: list[dict[str, str]]) -> None:
    path = package / "data" / "iea.csv"
    existing = read_csv(path)
    write_csv(path, existing + [{**existing[0], **row} for row in rows])


# -- rounding and intervals ---------------------------------------------------------------
@pytest.mark.parametrize(
    "value, half",
    [(3, 0.5), (38.6, 0.05), (13_000_000, 500_000), (40, 5), (551_000, 500), (0.61, 0.005)],
)
def test_half_unit_of_the_last_written_digit(value, half):
    assert math.isclose(factcheck.half_unit_last_digit(value), half)


@pytest.mark.parametrize(
    "value, half", [(5_400_000, 50_000), (0.61, 0.005), (19, 0.5), (1_390_000, 50_000)]
)
def test_iea_values_stand_for_two_significant_figures(value, half):
    assert math.isclose(factcheck.half_unit_significant(value), half)


def test_claim_interval_follows_the_qualifier():
    package = load(DATAPACKAGE)
    nearly = factcheck.claim_interval(package.record("china_ev_sales_2024"))
    assert (nearly.lo, nearly.hi) == (11_700_000, 13_000_000)  # hedged: the bounds only
    exact = factcheck.claim_interval(package.record("us_ev_share_2021_h1"))
    assert (exact.lo, exact.hi) == (2.5, 3.5)  # "3 percent", read as rounded
    floor = factcheck.claim_interval(package.record("china_public_charging_outlets"))
    assert floor.lo == 500_000 and math.isinf(floor.hi)


def test_intervals_carry_through_ratios():
    ratio = factcheck.Interval(8, 7, 9) / factcheck.Interval(2, 1, 4)
    assert (ratio.point, ratio.lo, ratio.hi) == (4, 1.75, 9)


# -- the real package -----------------------------------------------------------------------
def test_every_comparison_gets_a_verdict_from_the_fixed_list():
    results = in_words.explained(load(DATAPACKAGE))
    assert len(results) == len(read_csv(DATAPACKAGE / "data" / "comparisons.csv"))
    assert set(results["verdict"]) <= set(factcheck.VERDICTS)
    assert sum(factcheck.counts(results).values()) == len(results)
    assert results["explanation"].str.len().min() > 0


def test_verdicts_on_the_published_data():
    found = verdicts(DATAPACKAGE)
    # "over 500,000" public outlets, about 2021: the IEA's count for 2021 is far above the
    # floor, but 500,000 is its count for 2019, not for 2020 or 2021: stale.
    assert found["china_public_charging_outlets"] == "stale"
    # 3% in the first half of 2021 lies between the 2020 and 2021 annual shares.
    assert found["us_ev_share_2021_h1"] == "consistent once defined"
    # "nearly 26 million cars": the IEA-implied total for all vehicle types, not for cars.
    assert found["china_vehicle_production_2020"] == "consistent once defined"
    # The 2025 edition reaches 2024; targets are not measurements.
    assert found["china_ev_sales_2024"] == "consistent"
    assert found["china_nev_share_target_2030"] == "not checkable"


def test_a_claim_that_held_for_an_earlier_year_is_stale(tmp_path):
    results = factcheck.check(load(DATAPACKAGE)).set_index("comparison_id")
    charging = results.loc["china_public_charging_outlets"]
    assert (charging["verdict"], charging["reason"]) == ("stale", "earlier_year")
    assert charging["context_year"] == 2019 and charging["context_value"] == 510_000
    explained = in_words.explained(load(DATAPACKAGE)).set_index("comparison_id")
    assert "its value for 2019" in explained.loc["china_public_charging_outlets", "explanation"]
    # Had the IEA counted 600,000 slow chargers in 2019, the claim's 500,000 would match
    # no year near it, and its floor makes it consistent with 2021.
    package = copy_package(tmp_path)
    set_iea_value(
        package, "China", "Historical", "EV charging points", "EV",
        "Publicly available slow", 2019, 600000,
    )  # fmt: skip
    assert verdicts(package)["china_public_charging_outlets"] == "consistent"
    # A match more than STALE_YEARS before the claim's period is chance, not staleness.
    set_iea_value(
        package, "China", "Historical", "EV charging points", "EV",
        "Publicly available slow", 2017, 390000,
    )  # fmt: skip
    assert factcheck.STALE_YEARS == 2
    assert verdicts(package)["china_public_charging_outlets"] == "consistent"


def test_differences_are_computed_from_the_iea_rows():
    results = factcheck.check(load(DATAPACKAGE)).set_index("comparison_id")
    charging = results.loc["china_public_charging_outlets"]
    # Publicly available fast plus slow chargers in China, 2021, as in the IEA rows.
    iea = read_csv(DATAPACKAGE / "data" / "iea.csv")
    expected = sum(
        float(r["value"])
        for r in iea
        if r["region"] == "China"
        and r["category"] == "Historical"
        and r["parameter"] == "EV charging points"
        and r["year"] == "2021"
    )
    assert math.isclose(charging["iea_value"], expected)
    assert math.isclose(charging["difference"], expected - 500_000)
    assert math.isclose(charging["relative_difference"], (expected - 500_000) / 500_000)


# -- verdicts follow the data ---------------------------------------------------------------
def test_changing_an_iea_value_changes_the_verdict(tmp_path):
    package = copy_package(tmp_path)
    assert verdicts(package)["us_ev_share_2021_h1"] == "consistent once defined"
    # Had the 2020 annual share already been well above 3%, the bracket from 2020 to 2021
    # could not hold the claim, and nothing named explains the gap.
    set_iea_value(package, "USA", "Historical", "EV sales share", "Cars", "EV", 2020, 4.2)
    assert verdicts(package)["us_ev_share_2021_h1"] == "inconsistent"


def test_the_package_stores_the_results_and_they_go_stale_with_their_inputs(tmp_path):
    """factcheck_results holds what the fact-check computes; the chapter reads it back in
    the computation's own shape; an edited IEA value makes it stale until re-derived."""
    from chinaev.data.derive import write_derived
    from chinaev.data.factcheck.results import stale_results, stored

    package = load(DATAPACKAGE)
    computed = factcheck.check(package).set_index("comparison_id")
    read = stored(package).set_index("comparison_id")
    assert list(read.index) == list(computed.index)
    assert (read["verdict"] == computed["verdict"]).all()
    assert (read["reason"] == computed["reason"]).all()
    for name in ("news_lo", "news_hi", "iea_value", "iea_hi", "defined_value", "difference"):
        for left, right in zip(read[name], computed[name], strict=True):
            assert (math.isnan(left) and math.isnan(right)) or math.isclose(
                left, right, rel_tol=1e-9
            ), name
    copy = copy_package(tmp_path)
    assert stale_results(copy) == []
    set_iea_value(copy, "USA", "Historical", "EV sales share", "Cars", "EV", 2020, 4.2)
    stored_ids = [r["comparison_id"] for r in read_csv(copy / "data" / "factcheck_results.csv")]
    line = 2 + stored_ids.index("us_ev_share_2021_h1")
    problems = {(p.row, p.field) for p in stale_results(copy)}
    assert (line, "verdict") in problems and (line, "defined_year_values") in problems
    assert write_derived(copy) is True
    assert stale_results(copy) == []
    assert (
        in_words.explained(load(copy))
        .set_index("comparison_id")
        .loc["us_ev_share_2021_h1", "verdict"]
        == "inconsistent"
    )


def test_a_new_edition_makes_a_claim_checkable(tmp_path):
    package = copy_package(tmp_path)
    # An edition that stops in 2023 (the package's own stops in 2024): no 2024 rows.
    path = package / "data" / "iea.csv"
    write_csv(path, [r for r in read_csv(path) if r["year"] != "2024"])
    assert verdicts(package)["china_ev_sales_2024"] == "not checkable"
    common = {
        "region": "China",
        "region_iso3": "CHN",
        "category": "Historical",
        "parameter": "EV sales",
        "mode": "Cars",
        "year": "2024",
        "unit": "vehicles",
    }
    add_iea_rows(
        package,
        [
            {**common, "powertrain": "BEV", "value": "6400000"},
            {**common, "powertrain": "PHEV", "value": "5000000"},
        ],
    )
    assert verdicts(package)["china_ev_sales_2024"] == "consistent"
    # A much lower count is not explained by vehicle types, and the sales basis
    # (wholesale with exports against sales at home) cannot be sized: not checkable.
    set_iea_value(package, "China", "Historical", "EV sales", "Cars", "PHEV", 2024, 1000000)
    assert verdicts(package)["china_ev_sales_2024"] == "not checkable"


def test_declared_differences_decide_between_inconsistent_and_not_checkable(tmp_path):
    package = copy_package(tmp_path)
    # Without the claim's own definition (all vehicle types), the 2020 output claim no
    # longer matches; production against sales is a difference the IEA cannot size.
    edit_row(
        package,
        "comparisons",
        "comparison_id",
        "china_vehicle_production_2020",
        alt_mode="",
        alt_powertrain="",
    )
    assert verdicts(package)["china_vehicle_production_2020"] == "not checkable"
    edit_row(
        package,
        "comparisons",
        "comparison_id",
        "china_vehicle_production_2020",
        differences="vehicles_scope;derived_iea;rounding_hedge",
    )
    assert verdicts(package)["china_vehicle_production_2020"] == "inconsistent"


def test_qualifier_bounds_enter_the_verdict(tmp_path):
    package = copy_package(tmp_path)
    # "over 500,000" against 1.15 million is met by the floor; "up to 100,000" is not
    # (and 100,000 is no count of the years just before the claim's either).
    edit_row(
        package,
        "figures",
        "figure_id",
        "china_public_charging_outlets",
        value="100000",
        qualifier="up_to",
        lower="",
        upper="100000",
    )
    assert verdicts(package)["china_public_charging_outlets"] == "inconsistent"


def test_before_the_iea_edition_nothing_is_checkable():
    results = in_words.explained(load(DATAPACKAGE, as_of="2021-12-31"))
    assert len(results) > 0
    assert set(results["verdict"]) == {"not checkable"}
    assert results["explanation"].str.contains("not been published").all()
    # Claims from later articles are left out altogether.
    assert "china_ev_sales_2024" not in set(results["comparison_id"])


# -- validation -------------------------------------------------------------------------------
def tables(package) -> dict[str, list[dict[str, str]]]:
    names = ("figures", "derived", "iea", "comparisons")
    return {name: read_csv(package / "data" / f"{name}.csv") for name in names}


def test_the_real_comparisons_pass_the_checks():
    assert list(factcheck.check_rows(tables(DATAPACKAGE))) == []


def test_a_difference_the_basis_implies_must_be_declared(tmp_path):
    package = copy_package(tmp_path)
    line = edit_row(
        package,
        "comparisons",
        "comparison_id",
        "china_ev_sales_2024",
        differences="flow_sales_basis;period_not_in_edition;rounding_hedge",
    )
    problems = list(factcheck.check_rows(tables(package)))
    assert [(p.row, p.field) for p in problems] == [(line, "differences")]
    assert "vehicles_scope" in problems[0].message


def test_unknown_modes_and_mismatched_units_are_reported(tmp_path):
    package = copy_package(tmp_path)
    line = edit_row(
        package,
        "comparisons",
        "comparison_id",
        "us_ev_share_2021_h1",
        mode="Trucks",
        unit="vehicles",
    )
    problems = {(p.row, p.field) for p in factcheck.check_rows(tables(package))}
    assert (line, "mode") in problems  # the USA has no truck share rows
    assert (line, "unit") in problems


# -- the chapter's text -----------------------------------------------------------------------
def test_claims_notes_and_source_names_reach_the_chapter_escaped(tmp_path, monkeypatch):
    """Markup planted in the claims, the editors' notes and the sources' names reaches the
    fact-check chapter's glued markdown and tables only escaped."""
    from IPython.display import Markdown

    from chinaev.report import escape
    from chinaev.report.chapter import Chapter
    from chinaev.report.pages import fact_check

    hostile = "<script>x</script> **b** [l](https://example.org) {sub}`x` |"
    package = copy_package(tmp_path)
    for row in read_csv(package / "data" / "comparisons.csv"):
        note = {"difference_note": f"{hostile} note"}
        edit_row(package, "comparisons", "comparison_id", row["comparison_id"], **note)
        claim = {"claim": f"{hostile} {row['comparison_id']}"}
        edit_row(package, "comparisons", "comparison_id", row["comparison_id"], **claim)
    for row in read_csv(package / "data" / "sources.csv"):
        field = "publisher" if row["publisher"] else "title"
        edit_row(package, "sources", "source_id", row["source_id"], **{field: hostile})
    monkeypatch.chdir(tmp_path)  # no chapter file: citations are numbered as they come
    chapter = Chapter.open("fact-check", str(package / "datapackage.json"))
    glued: dict[str, object] = {}
    monkeypatch.setattr(chapter, "_once", lambda key, value: glued.setdefault(key, value))
    results = fact_check.results(chapter)
    fact_check.findings(chapter, results, "china_vehicle_production_2020")
    fact_check.method(chapter, results)
    tables = [fact_check.side_by_side(chapter, results)]
    fact_check.on_one_scale(chapter, results)
    fact_check.claim_by_claim(chapter, results)
    tables += [fact_check.verdicts(chapter, results), fact_check.not_compared(chapter, results)]
    shown = [v.data for v in [*glued.values(), *tables] if isinstance(v, Markdown)]
    assert any(escape.myst(hostile) in text for text in shown)  # the planted text is there
    for text in shown:
        assert hostile not in text and "<script>" not in text


def test_seen_from_a_date_the_stored_results_are_those_of_the_claims_then_published():
    from chinaev.data.factcheck.results import stored

    for as_of in ("2021-12-31", "2024-12-31", "2025-06-30"):
        package = load(DATAPACKAGE, as_of=as_of)
        read = stored(package).set_index("comparison_id")
        computed = factcheck.check(package).set_index("comparison_id")
        assert list(read.index) == list(computed.index), as_of
        assert (read["verdict"] == computed["verdict"]).all(), as_of


def test_run_rederives_stale_results_first_and_no_derive_refuses(tmp_path):
    from chinaev.data.factcheck.results import stale_results
    from chinaev.data.problems import UserError
    from chinaev.pipeline.run import refresh_derived

    package = copy_package(tmp_path)
    edit_row(
        package,
        "factcheck_results",
        "comparison_id",
        "china_vehicle_production_2020",
        verdict="consistent",
        reason="match",
    )
    with pytest.raises(UserError, match="china_vehicle_production_2020"):
        refresh_derived(package / "datapackage.json", derive=False)
    notices = refresh_derived(package / "datapackage.json")
    assert notices and notices[0].startswith("factcheck_results.csv: 1 stale")
    assert stale_results(package) == []
