"""The package's structure for re-users: claim types and who set each target or
expectation, company hierarchy, money with a basis."""

from __future__ import annotations

from helpers import DATAPACKAGE, copy_package, edit_row, read_csv, write_csv

from chinaev.checks.validate import validate_package
from chinaev.data.package import load


def problems_at(package, resource: str) -> set[tuple[int | None, str | None]]:
    result = validate_package(package, provenance=False)
    return {(p.row, p.field) for p in result.problems if p.resource == resource}


def test_targets_and_expectations_are_told_apart_and_each_has_an_origin():
    package = load(DATAPACKAGE)
    figures = package.figures.merge(package.metrics[["metric", "claim_type"]], on="metric")
    kinds = figures.set_index("figure_id")["claim_type"]
    assert kinds["china_nev_share_target_2025"] == "target"
    assert kinds["china_nev_share_target_2030"] == "expectation"
    assert kinds["china_nev_share_target_2035"] == "expectation"
    origins = package.claim_origins.set_index("figure_id")
    assert set(origins.index) == set(kinds[kinds != "statistic"].index)
    # The 2035 share is linked to the roadmap that set it, like the 2030 one.
    assert origins.loc["china_nev_share_target_2035", "event_id"] == "china_sae_nev_roadmap"
    assert origins.loc["china_nev_share_target_2025", "set_by_entity_id"] == "state-council"
    # The article gives no hedge: the figure stays as written.
    assert figures.set_index("figure_id").loc["china_nev_share_target_2025", "qualifier"] == "exact"


def test_a_target_without_an_origin_is_a_problem(tmp_path):
    package = copy_package(tmp_path)
    rows = read_csv(package / "data" / "claim_origins.csv")
    kept = [r for r in rows if r["figure_id"] != "us_zev_share_target_2030"]
    write_csv(package / "data" / "claim_origins.csv", kept)
    figures = [r["figure_id"] for r in read_csv(package / "data" / "figures.csv")]
    line = figures.index("us_zev_share_target_2030") + 2
    assert (line, "metric") in problems_at(package, "figures")


def test_a_statistic_with_an_origin_is_a_problem(tmp_path):
    package = copy_package(tmp_path)
    line = edit_row(
        package, "figures", "figure_id", "china_nev_share_target_2030", metric="ev_share_of_sales"
    )
    assert line
    origins = [r["figure_id"] for r in read_csv(package / "data" / "claim_origins.csv")]
    at = origins.index("china_nev_share_target_2030") + 2
    assert (at, "figure_id") in problems_at(package, "claim_origins")


def test_a_group_gathers_its_figures_in_one_join():
    """Everything about Leapmotor: its own figures and its products' (the T03's price)."""
    package = load(DATAPACKAGE)
    entities = package.entities[["entity_id", "parent_entity_id"]]
    about = package.figures.merge(entities, on="entity_id")
    leap = about[(about["entity_id"] == "leapmotor") | (about["parent_entity_id"] == "leapmotor")]
    assert "leapmotor_t03_price" in set(leap["figure_id"])
    assert "leapmotor_sales_2024" in set(leap["figure_id"])
    derived = package.derived.set_index("derived_id")
    assert derived.loc["leapmotor_sales_2023", "entity_id"] == "leapmotor"
    assert derived.loc["leapmotor_sales_2023", "source_id"] == "seed-003"


def test_a_parent_without_its_source_or_a_cycle_is_a_problem(tmp_path):
    package = copy_package(tmp_path)
    line = edit_row(package, "entities", "entity_id", "leapmotor", relation_source_id="")
    assert (line, "relation_source_id") in problems_at(package, "entities")
    edit_row(package, "entities", "entity_id", "leapmotor", relation_source_id="seed-003")
    edit_row(
        package,
        "entities",
        "entity_id",
        "stellantis",
        parent_entity_id="leapmotor",
        relation="stake",
        relation_source_id="seed-003",
        relation_locator="p49",
    )
    assert (line, "parent_entity_id") in problems_at(package, "entities")


def test_every_money_figure_has_its_basis_and_an_implied_rate_must_be_the_quotient(tmp_path):
    package = load(DATAPACKAGE)
    money = package.money.set_index("figure_id")
    in_money = package.figures[package.figures["unit"].isin(["USD", "EUR", "CNY"])]
    assert set(in_money["figure_id"]) == set(money.index)
    assert money.loc["hefei_emerging_industry_investment", "price_basis"] == "nominal_mixed"
    copy = copy_package(tmp_path)
    # Were a source to give €2.5 billion beside the $2.7 billion, the rate it implies:
    implied = dict(
        original_currency="EUR",
        original_amount="2500000000",
        exchange_rate="1.08",
        rate_date="2024-04-01",
        rate_basis="implied",
    )
    line = edit_row(copy, "money", "figure_id", "volkswagen_hefei_hub_investment", **implied)
    assert problems_at(copy, "money") == set()
    edit_row(copy, "money", "figure_id", "volkswagen_hefei_hub_investment", exchange_rate="1.1")
    assert (line, "exchange_rate") in problems_at(copy, "money")
    edit_row(copy, "money", "figure_id", "volkswagen_hefei_hub_investment", original_amount="")
    assert (line, "exchange_rate") in problems_at(copy, "money")


def test_the_readme_fact_check_recipe_gives_every_verdict():
    import re
    import subprocess
    import sys

    from helpers import ROOT

    readme = (ROOT / "datapackage" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    recipe = next(b for b in blocks if "factcheck_results.csv" in b).rstrip().splitlines()
    code = "\n".join(
        [*recipe[:-1], f"shown = {recipe[-1]}", "assert shown['verdict'].notna().all()"]
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
