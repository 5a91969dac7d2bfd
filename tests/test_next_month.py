"""The next month, end to end: a new CAAM release moves the exports chapter with no code
change.

A copy of the package gets one made-up month (February 2026, after the latest month the
real package holds), with its source text written here and found through
CHINAEV_SOURCES, rows proposed by `chinaev propose` and then reviewed as an editor
would: the figures the book uses are kept, every other number is excluded with a
reason. The copy validates, and the exports chapter run on it names the new month in
its key findings and draws it in its monthly chart. Every row says it is a fixture.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from helpers import copy_package, note_change, read_csv, run_cli, seeds_dir, write_csv

from chinaev.data.propose import propose

REPO = Path(__file__).resolve().parents[1]
FIXTURE = "FIXTURE for tests/test_next_month.py: a made-up release, not a real one."
TEXT = """url: https://example.org/fixture/caam-2026-02
publisher: Fixture Wire
published: 2026-03-12
language: en
retrieved-from: written by tests/test_next_month.py (a made-up release)
---
In February, China's vehicle exports amounted to 812,000 units, up 80.5 percent year on year, according to the China Association of Automobile Manufacturers (CAAM).

In February alone, China's NEV exports totaled 402,000 units.
"""  # noqa: E501 (the fixture has the long lines of a real release)


def _glued(path: Path) -> dict[str, str]:
    """Glued keys of an executed notebook: text/markdown where there is one, else text."""
    found = {}
    for cell in nbformat.read(path, as_version=4).cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            if scrapbook.get("name"):
                prefix, data = scrapbook.get("mime_prefix", ""), output.get("data", {})
                chart = data.get(f"{prefix}application/vnd.chinaev.chart+json")
                text = data.get(f"{prefix}text/markdown")
                if chart is not None:
                    found[scrapbook["name"]] = chart
                elif text is not None:
                    found[scrapbook["name"]] = text
                else:  # a glued string's text/plain is its repr
                    found[scrapbook["name"]] = ast.literal_eval(data[f"{prefix}text/plain"])
    return found


def _chart_months(spec) -> dict[tuple[str, str], float]:
    """(series, month) -> value from a chart's inline data."""
    spec = json.loads(spec) if isinstance(spec, str) else spec
    points = {}
    for rows in spec.get("datasets", {}).values():
        for row in rows:
            if "series" in row and "period_start" in row:
                points[(row["series"], str(row["period_start"])[:7])] = row["value"]
    return points


def _sources_folder(tmp_path: Path, package: Path) -> Path:
    """The pack texts the copy cites, plus the fixture text, in one folder."""
    pack = Path(os.environ.get("CHINAEV_SOURCES", REPO.parent / "shared" / "sources"))
    if not pack.is_dir():
        pytest.skip(f"pack of dated reports not found at {pack} (set CHINAEV_SOURCES)")
    folder = tmp_path / "sources"
    folder.mkdir()
    for row in read_csv(package / "data" / "sources.csv"):
        if (pack / row["file"]).is_file():
            shutil.copy2(pack / row["file"], folder / row["file"])
    return folder


def _add_month(package: Path, text_path: Path) -> None:
    """Propose, review and add the fixture month's rows, as README's walk-through does."""
    proposal = propose(text_path, source_id="fixture-2026-02")
    data = package / "data"
    sources = read_csv(data / "sources.csv")
    source = {column: proposal.source.get(column, "") for column in sources[0]}
    source.update(title="Fixture: CAAM's February 2026 figures (made up)", reliability_note=FIXTURE)
    write_csv(data / "sources.csv", sorted([*sources, source], key=lambda r: r["source_id"]))

    proposed = {row["as_written"]: row for row in proposal.figures}
    figures = read_csv(data / "figures.csv")
    kept = []
    for as_written, figure_id in (("812,000", "china_vehicle_exports_2026_02"),
                                  ("80.5 percent", "china_vehicle_exports_2026_02_growth_yoy"),
                                  ("402,000", "china_nev_exports_2026_02")):  # fmt: skip
        row = {column: proposed[as_written].get(column, "") for column in figures[0]}
        assert row["figure_id"] == figure_id, row  # the proposal's id is the one the book uses
        row.update(note=FIXTURE, basis_vehicles="all_vehicles", chapter="exports")
        if figure_id.endswith("growth_yoy"):
            row.update(relation="growth_of", related_figure_id="china_vehicle_exports_2026_02",
                       base_period_start="2025-02-01", base_period_end="2025-02-28",
                       basis_flow="exports")  # fmt: skip
        kept.append(row)
    write_csv(data / "figures.csv", sorted([*figures, *kept], key=lambda r: r["figure_id"]))

    audit = read_csv(data / "audit.csv")
    kept_ids = {row["figure_id"] for row in kept}
    reviewed = []
    for row in proposal.audit:
        row = {column: row.get(column, "") for column in audit[0]}
        if row["status"] == "captured" and row["figure_id"] not in kept_ids:
            row.update(status="excluded", figure_id="", role="out_of_scope")
        if row["status"] == "excluded":
            row["note"] = f"'{row['token']}': not used by the book. {FIXTURE}"
        reviewed.append(row)
    write_csv(data / "audit.csv", [*audit, *reviewed])


@pytest.mark.slow
def test_next_month_moves_the_exports_chapter(tmp_path):
    package = copy_package(tmp_path)
    folder = _sources_folder(tmp_path, package)
    text_path = folder / "901_caam-2026-02-fixture.txt"
    text_path.write_text(TEXT, encoding="utf-8")
    _add_month(package, text_path)
    note_change(package, "CAAM's February 2026 release (a fixture month).")

    env = {"CHINAEV_SOURCES": str(folder), "CHINAEV_SEEDS": str(seeds_dir())}
    checked = run_cli("validate", str(package / "datapackage.json"), env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    out = tmp_path / "out"
    ran = run_cli("run", "exports", "--datapackage", str(package / "datapackage.json"),
                  "--output-dir", str(out), "--force", env=env)  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr

    before = _glued(REPO / "book" / "exports.ipynb")
    after = _glued(out / "exports.ipynb")
    # The latest month moves from the book's to the fixture's, in the prose ...
    assert after["latest_month"] != before["latest_month"]
    assert after["latest_month"] == "February 2026"
    assert "812,000" in after["finding_latest"] and "February 2026" in after["finding_latest"]
    assert "+80.5%" in after["finding_latest"]
    assert "812,000" not in before["finding_latest"]
    assert "February 2026" in after["finding_nev"] and "402,000" in after["finding_nev"]
    assert int(after["n_months"].replace(",", "")) == int(before["n_months"].replace(",", "")) + 1
    # ... and in the monthly chart's data.
    points_before = _chart_months(before["fig_exports_series"])
    points_after = _chart_months(after["fig_exports_series"])
    assert ("all vehicles", "2026-02") not in points_before
    assert points_after[("all vehicles", "2026-02")] == 812000
    assert points_after[("new-energy vehicles", "2026-02")] == 402000
    assert {k: v for k, v in points_after.items() if k[1] != "2026-02"} == points_before
