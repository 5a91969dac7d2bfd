"""`chinaev propose`: proposed sources, figures and audit rows for a small fixture text."""
# ruff: noqa: E501 (the fixture text has the long lines of a real release)

from __future__ import annotations

import csv
import io

from chinaev.cli import main
from chinaev.data.propose import propose
from chinaev.data.sourcetext import audit_keys, body, normalise, paragraphs

TEXT = """url: https://example.org/caam-2026-02
publisher: Example Wire
published: 2026-03-11
language: en
retrieved-from: fixture written by the test
---
In February, China's vehicle exports amounted to 612,000 units, up 12.5 percent year on year, according to the China Association of Automobile Manufacturers (CAAM).

In the first two months, China's NEV exports totaled 1.2 million units, while in February alone NEV exports amounted to about 250,000 units.

The association has 3 deputy heads.
"""


def _fixture(tmp_path):
    path = tmp_path / "901_caam-2026-02-fixture.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_source_row_from_header(tmp_path):
    proposal = propose(_fixture(tmp_path))
    source = proposal.source
    assert source["source_id"] == "pack-901"
    assert source["file"] == "901_caam-2026-02-fixture.txt"
    assert source["published_date"] == "2026-03-11"
    assert source["publisher"] == "Example Wire"
    assert source["kind"] == "statistical-release"
    assert source["url"] == "https://example.org/caam-2026-02"
    assert len(source["sha256"]) == 64
    assert source["review"].startswith("proposed")


def test_figures_quote_the_sentence_and_guess_unit_and_period(tmp_path):
    path = _fixture(tmp_path)
    figures = {row["as_written"]: row for row in propose(path).figures}
    blocks = paragraphs(body(path.read_text()))
    exports = figures["612,000"]
    assert exports["metric"] == "vehicle_exports"
    assert exports["value"] == "612000"
    assert exports["unit"] == "vehicles"
    assert (exports["period_start"], exports["period_end"]) == ("2026-02-01", "2026-02-28")
    assert exports["period_type"] == "month"
    assert exports["figure_id"] == "china_vehicle_exports_2026_02"
    assert exports["locator"] == "p1"
    assert exports["reporter_entity_id"] == "caam"
    growth = figures["12.5 percent"]
    assert (growth["metric"], growth["unit"], growth["value"]) == ("growth_yoy", "percent", "12.5")
    assert growth["figure_id"] == "china_vehicle_exports_2026_02_growth_yoy"
    assert (growth["relation"], growth["related_figure_id"]) == (
        "growth_of",
        "china_vehicle_exports_2026_02",
    )
    assert (growth["base_period_start"], growth["base_period_end"]) == ("2025-02-01", "2025-02-28")
    ytd = figures["1.2 million"]
    assert ytd["metric"] == "nev_exports" and ytd["value"] == "1200000"
    assert (ytd["period_start"], ytd["period_end"], ytd["period_type"]) == (
        "2026-01-01",
        "2026-02-28",
        "months",
    )
    month = figures["about 250,000"]
    assert month["qualifier"] == "about" and month["lower"] == "225000"
    assert month["period_start"] == "2026-02-01"
    for row in figures.values():  # every quote is verbatim in its paragraph
        paragraph = blocks[int(row["locator"][1:]) - 1]
        assert normalise(row["quote"]) in normalise(paragraph)
        assert row["as_written"] in row["quote"]
        assert len(row["quote"]) <= 300
        assert row["review"].startswith("proposed")


def test_audit_covers_every_token_like_the_validator(tmp_path):
    path = _fixture(tmp_path)
    proposal = propose(path)
    keys = [(int(r["locator"][1:]), r["token"], int(r["occurrence"])) for r in proposal.audit]
    assert keys == audit_keys(body(path.read_text()))
    rows = {(r["locator"], r["token"]): r for r in proposal.audit}
    assert rows[("p1", "612,000")]["status"] == "captured"
    assert rows[("p1", "612,000")]["figure_id"] == "china_vehicle_exports_2026_02"
    assert rows[("p2", "two")]["status"] == "excluded" and rows[("p2", "two")]["note"]
    assert all(r["review"].startswith("proposed") for r in proposal.audit)


def test_command_prints_csv_or_writes_a_folder(tmp_path, capsys):
    path = _fixture(tmp_path)
    assert main(["propose", str(path)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# sources\n") and "# figures\n" in printed and "# audit\n" in printed
    out = tmp_path / "proposed"
    assert main(["propose", str(path), "--out", str(out), "--source-id", "pack-x"]) == 0
    audit = list(csv.DictReader(io.StringIO((out / "audit.csv").read_text())))
    assert {row["source_id"] for row in audit} == {"pack-x"}
    assert len(audit) == len(audit_keys(body(path.read_text())))
    assert (out / "sources.csv").exists() and (out / "figures.csv").exists()
