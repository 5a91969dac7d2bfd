"""The loader, as_of, derivations, number reading and formatting."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest
from helpers import DATAPACKAGE, ROOT, copy_package, edit_row, read_csv

from chinaev import text
from chinaev.derive import METHODS, write_derived
from chinaev.numbers import parse_as_written
from chinaev.package import load
from chinaev.problems import UserError


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
    assert sources == {"seed-000", "seed-001"}  # 2021 articles only; IEA came out in 2024
    assert set(early.figures["source_id"]) <= sources
    assert (early.events["date"] <= pd.Timestamp("2022-01-01")).all()
    assert len(early.iea) == 0 and len(early.derived) == 0
    assert not early.has("china_vehicle_exports_2025_05")
    assert early.left_out["figures"] == len(full.figures) - len(early.figures) > 0


def test_as_of_keeps_derived_figures_whose_inputs_remain():
    mid = load(DATAPACKAGE, as_of="2024-12-31")
    assert mid.has("iea_china_us_ev_car_sales_ratio_2023")  # IEA inputs published April 2024
    assert not mid.has("china_nev_share_of_exports_2025_05")


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
    assert text.count(551000) == "551,000"
    assert text.count(2490000) == "2.49 million"
    assert text.usd(2.7e9) == "$2.7 billion"
    assert text.change(-8.57) == "\u22128.6%" and text.change(14.5) == "+14.5%"
    assert text.percent(120) == "120%"
    assert text.ordinal(12) == "12th" and text.ordinal(22) == "22nd"
    row = {"unit": "vehicles", "qualifier": "nearly", "value": 13e6, "metric": "ev_sales"}
    assert text.figure(row) == "nearly 13 million"
    derived = {"unit": "vehicles", "value": 481222.7, "approximate": True, "metric": "x"}
    assert text.derived(derived) == "about 481,000"


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


def test_the_readme_pandas_recipe_loads_every_resource():
    readme = (ROOT / "datapackage" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    recipe = next(b for b in blocks if "pd.read_csv" in b)
    check = recipe + (
        "\nresources = json.load(open('datapackage/datapackage.json'))['resources']"
        "\nassert len(tables) == len(resources) and all(len(t) for t in tables.values())"
        "\nfigures = tables['figures']"
        "\nassert str(figures['value'].dtype) == 'float64', figures['value'].dtype"
        "\nassert str(figures['period_start'].dtype).startswith('datetime64')"
        "\nassert str(tables['sources']['date_inferred'].dtype) == 'boolean'\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_package_carries_its_citation_and_licence():
    # The package is meant to travel alone: it holds copies of the top-level files.
    for name in ("CITATION.cff", "LICENSE-DATA.md"):
        top = (ROOT / name).read_text(encoding="utf-8")
        assert (ROOT / "datapackage" / name).read_text(encoding="utf-8") == top, name


def test_derived_inputs_are_a_long_table_with_declared_keys(tmp_path):
    from frictionless import Package as FrictionlessPackage

    from chinaev.derive import link_rows

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
