"""The differences a comparison declares between a claim and its IEA selection, and the
checks frictionless cannot make on the comparisons (the validator runs `check_rows`)."""

from __future__ import annotations

from collections.abc import Iterator

from chinaev.data.factcheck.intervals import ALL_MODES, SHARE_PARAMETERS, split_list
from chinaev.data.problems import Problem

# Declared differences between a claim and its IEA selection (comparisons.differences).
DIFFERENCES = {
    "vehicles_scope": "the claim and the IEA selection count different vehicle types "
    "(cars only against all vehicles)",
    "vehicles_unspecified": "the claim does not say which vehicles it counts",
    "powertrain_scope": "the claim and the IEA selection count different powertrains "
    "(new-energy vehicles with fuel-cell ones, against battery-electric and plug-in hybrid)",
    "powertrain_unspecified": "the claim says 'electric' without saying whether plug-in "
    "hybrids are in",
    "flow_production_vs_sales": "the claim is about production; the IEA counts sales",
    "flow_exports_vs_sales": "the claim is about exports; the IEA counts sales",
    "flow_capacity_vs_sales": "the claim is about production capacity; the IEA counts sales",
    "flow_sales_vs_stock": "one side counts sales in a year, the other vehicles in use",
    "flow_sales_basis": "sales counted on another basis (wholesale shipments including "
    "exports, against sales in the country)",
    "period_part_of_year": "the claim covers part of a year; the IEA gives whole years",
    "period_unstated": "the claim is dated only by its article ('now', a stock at an "
    "unstated date)",
    "period_not_in_edition": "the IEA edition may not reach the claim's year",
    "target_vs_projection": "the claim is a target; the IEA value is a scenario projection",
    "derived_iea": "the IEA value is computed from two or more IEA series",
    "rounding_hedge": "the claim is rounded or hedged",
    "edition_revision": "later IEA editions revise earlier years",
}
# Differences the IEA data cannot size: when the numbers disagree and one of these is
# declared, the disagreement may be the difference itself, so the claim is not checkable.
UNSIZEABLE = frozenset(
    {
        "flow_production_vs_sales",
        "flow_exports_vs_sales",
        "flow_capacity_vs_sales",
        "flow_sales_vs_stock",
        "flow_sales_basis",
    }
)


def codes(cell: str) -> tuple[str, ...]:
    """The difference codes of a `differences` cell ('a;b')."""
    return tuple(part.strip() for part in str(cell or "").split(";") if part.strip())


def required_differences(figure: dict, comparison: dict) -> set[str]:
    """Differences the figure's basis columns and period imply against the selection."""
    required = set()
    modes = set(split_list(comparison.get("mode", "")))
    powertrains = set(split_list(comparison.get("powertrain", "")))
    parameter = comparison.get("parameter", "")
    vehicles = figure.get("basis_vehicles", "")
    if parameter != "EV charging points":
        if vehicles == "all_vehicles" and modes != set(ALL_MODES):
            required.add("vehicles_scope")
        elif vehicles in ("cars", "passenger_cars") and modes != {"Cars"}:
            required.add("vehicles_scope")
        elif vehicles == "commercial" and "Cars" in modes:
            required.add("vehicles_scope")
        elif vehicles == "unspecified":
            required.add("vehicles_unspecified")
    power = figure.get("basis_powertrain", "")
    expected = {
        "nev": {"BEV", "PHEV", "FCEV"},
        "ev": {"BEV", "PHEV"},
        "bev": {"BEV"},
        "phev": {"PHEV"},
    }
    if parameter in SHARE_PARAMETERS:
        powertrains = {"BEV", "PHEV"}  # the IEA's EV: battery-electric and plug-in hybrid
    if power in expected and comparison.get("operation") != "implied_total":
        if expected[power] != powertrains:
            required.add("powertrain_scope")
    elif power == "electric_unspecified":
        required.add("powertrain_unspecified")
    flow = figure.get("basis_flow", "")
    sales = parameter in ("EV sales", "EV sales share")
    if flow == "production":
        required.add("flow_production_vs_sales")
    elif flow == "exports":
        required.add("flow_exports_vs_sales")
    elif flow == "capacity":
        required.add("flow_capacity_vs_sales")
    elif (flow.startswith("sales") and not sales) or (flow == "stock" and sales):
        required.add("flow_sales_vs_stock")
    period_type = figure.get("period_type", "")
    if period_type == "target_year":
        required.add("target_vs_projection")
    elif period_type == "as_reported":
        required.add("period_unstated")
    elif period_type in ("month", "months"):
        required.add("period_part_of_year")
    return required


def check_rows(tables: dict[str, list[dict[str, str]]]) -> Iterator[Problem]:
    """Checks frictionless cannot make (the validator calls this): one claim per
    comparison, units that match, listed modes and powertrains that exist in the IEA
    data, and every difference the figure's basis implies declared."""
    figures = {row.get("figure_id"): row for row in tables.get("figures", [])}
    derived = {row.get("derived_id"): row for row in tables.get("derived", [])}
    present: dict[tuple[str, str, str], tuple[set[str], set[str]]] = {}
    for row in tables.get("iea", []):
        key = (row.get("region"), row.get("category"), row.get("parameter"))
        modes, powertrains = present.setdefault(key, (set(), set()))
        modes.add(row.get("mode"))
        powertrains.add(row.get("powertrain"))
    for line, row in enumerate(tables.get("comparisons", []), start=2):
        figure_id, derived_id = row.get("figure_id"), row.get("derived_id")
        if bool(figure_id) == bool(derived_id):
            yield Problem(
                "comparisons", line, "figure_id", "name exactly one of figure_id and derived_id"
            )
            continue
        claim = figures.get(figure_id) if figure_id else derived.get(derived_id)
        if claim is None:
            continue  # the foreign key check reports it
        if claim.get("unit") != row.get("unit"):
            yield Problem(
                "comparisons",
                line,
                "unit",
                f"{row.get('unit')!r} is not the claim's unit {claim.get('unit')!r}",
            )
        operation = row.get("operation")
        if (operation in ("ratio", "share_of")) != bool(row.get("denominator_region")):
            yield Problem(
                "comparisons",
                line,
                "denominator_region",
                "ratio and share_of need a denominator_region; other operations take none",
            )
        if row.get("alt_year") and row.get("alt_year") == row.get("year"):
            yield Problem("comparisons", line, "alt_year", "alt_year repeats year")
        key = (row.get("region"), row.get("category"), row.get("parameter"))
        modes, powertrains = present.get(key, (set(), set()))
        for field_name, known in (
            ("mode", modes),
            ("alt_mode", modes),
            ("powertrain", powertrains),
            ("alt_powertrain", powertrains),
        ):
            for item in split_list(row.get(field_name, "")):
                if known and item not in known:
                    yield Problem(
                        "comparisons",
                        line,
                        field_name,
                        f"{item!r} is not a {field_name.replace('alt_', '')} of the IEA rows "
                        f"for {' / '.join(key)}",
                    )
        declared = set(codes(row.get("differences", "")))
        for code in sorted(declared - set(DIFFERENCES)):
            yield Problem("comparisons", line, "differences", f"unknown difference {code!r}")
        if figure_id:
            for code in sorted(required_differences(claim, row) - declared):
                yield Problem(
                    "comparisons",
                    line,
                    "differences",
                    f"the figure's basis or period implies {code!r} "
                    f"({DIFFERENCES[code]}); declare it",
                )
