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
