"""Every number traces to its source: quotes verbatim, values as written, references
resolve, every number in the sources classified, and no article text copied."""

from __future__ import annotations

import re

import pytest
from helpers import DATAPACKAGE, ROOT, read_csv, seeds_dir

from chinaev.checks.schema import frictionless_problems
from chinaev.data.derive import recompute
from chinaev.data.numbers import close, parse_as_written
from chinaev.data.paths import sources_dir
from chinaev.data.sourcetext import audit_keys, body, normalise, paragraphs, sha256_of

DATA = DATAPACKAGE / "data"
QUOTED = ("figures", "corrections", "destinations")


@pytest.fixture(scope="module")
def texts():
    # Every source but a dataset has a text: in the seeds folder, else in the pack of
    # dated reports (whose header is not part of the text).
    folders = [seeds_dir(), sources_dir()]
    sources = read_csv(DATA / "sources.csv")
    found = {}
    for row in sources:
        if row["kind"] == "dataset":
            continue
        file = next(f / row["file"] for f in folders if (f / row["file"]).is_file())
        found[row["source_id"]] = body(file.read_text(encoding="utf-8"))
    return found


def located(texts, row) -> str:
    blocks = paragraphs(texts[row["source_id"]])
    number = int(row["locator"][1:])
    assert 1 <= number <= len(blocks), f"{row['locator']} beyond the end of {row['source_id']}"
    return normalise(blocks[number - 1])


def test_every_source_file_is_recorded_with_its_hash():
    folder = seeds_dir()
    sources = {row["file"]: row for row in read_csv(DATA / "sources.csv")}
    for file in sorted(folder.glob("*.txt")):
        assert file.name in sources, f"{file.name} has no row in sources.csv"
        assert sources[file.name]["sha256"] == sha256_of(file)


@pytest.mark.parametrize("resource", QUOTED)
def test_quotes_are_verbatim_in_their_paragraph(texts, resource):
    rows = read_csv(DATA / f"{resource}.csv")
    assert rows
    for row in rows:
        assert len(row["quote"]) <= 300
        assert normalise(row["quote"]) in located(texts, row), (resource, row)


def test_quotes_contain_the_value_as_written(texts):
    for row in read_csv(DATA / "figures.csv"):
        assert normalise(row["as_written"]) in normalise(row["quote"]), row["figure_id"]
        stated = parse_as_written(row["as_written"], row["unit"])
        assert stated is not None and close(stated, float(row["value"])), row["figure_id"]


def test_aliases_occur_in_their_source(texts):
    for row in read_csv(DATA / "aliases.csv"):
        assert normalise(row["alias"]) in normalise(texts[row["source_id"]]), row


def test_audit_classifies_every_number_in_every_source(texts):
    audit = {
        (r["source_id"], r["locator"], r["token"], r["occurrence"]): r
        for r in read_csv(DATA / "audit.csv")
    }
    expected = {
        (sid, f"p{p}", token, str(n))
        for sid, text in texts.items()
        for p, token, n in audit_keys(text)
    }
    assert expected, "no numbers found in the sources: tokeniser broken?"
    assert expected - set(audit) == set(), "numbers not classified"
    assert set(audit) - expected == set(), "audit rows for numbers that are not in the text"
    for row in audit.values():
        if row["status"] == "captured":
            assert row["figure_id"] or row["event_id"], row
        else:
            assert row["note"], row


def test_every_figure_is_captured_by_the_audit():
    captured = {
        r["figure_id"]
        for r in read_csv(DATA / "audit.csv")
        if r["status"] == "captured" and r["role"] == "value"
    }
    for row in read_csv(DATA / "figures.csv"):
        assert row["figure_id"] in captured, row["figure_id"]


def test_growth_rates_are_linked_to_their_levels():
    figures = {row["figure_id"]: row for row in read_csv(DATA / "figures.csv")}
    growth = [row for row in figures.values() if row["metric"].startswith("growth_")]
    assert growth
    for row in growth:
        level = figures[row["related_figure_id"]]
        assert row["relation"] == "growth_of"
        assert level["source_id"] == row["source_id"]
        assert level["period_start"] == row["period_start"]
        assert row["base_period_end"] < row["period_start"]


def test_every_reference_resolves():
    problems = frictionless_problems(DATAPACKAGE)
    assert problems == [], "\n".join(map(str, problems))
    fresh, derive_problems = recompute(DATAPACKAGE)
    assert derive_problems == []


def test_derived_values_are_current_and_correct():
    stored = {row["derived_id"]: row for row in read_csv(DATA / "derived.csv")}
    fresh = {row["derived_id"]: row for row in recompute(DATAPACKAGE)[0]}
    assert stored == fresh, "derived.csv is stale: run `chinaev derive`"
    # Independent spot checks against the figures themselves.
    figures = {row["figure_id"]: float(row["value"]) for row in read_csv(DATA / "figures.csv")}
    share = 100 * figures["china_nev_exports_2025_05"] / figures["china_vehicle_exports_2025_05"]
    assert close(float(stored["china_nev_share_of_exports_2025_05"]["value"]), share, 1e-6)
    base = figures["china_vehicle_exports_2025_05"] / 1.145
    assert close(float(stored["china_vehicle_exports_2024_05"]["value"]), base, 1e-6)
    for row in stored.values():
        assert row["formula"] and row["inputs"], row["derived_id"]


def test_no_article_text_is_copied_beyond_short_quotes(texts):
    """Sentences of the sources may appear only inside the quote fields of the data."""
    sentences = {
        normalise(s)
        for text in texts.values()
        for s in re.split(r"(?<=[.!?”])\s+", text)
        if len(normalise(s)) > 80
    }
    allowed = {normalise(row["quote"]) for name in QUOTED for row in read_csv(DATA / f"{name}.csv")}
    checked = 0
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if (
            not path.is_file()
            or parts & {".git", ".venv", "_build", "node_modules", "raw"}
            or path.suffix not in {".md", ".ipynb", ".py", ".csv", ".json", ".yml", ".txt"}
        ):
            continue
        content = normalise(path.read_text(encoding="utf-8", errors="ignore"))
        checked += 1
        for sentence in sentences:
            if sentence in content and not any(sentence in quote for quote in allowed):
                pytest.fail(f"{path.relative_to(ROOT)} copies source text: {sentence[:80]}…")
    assert checked > 10
