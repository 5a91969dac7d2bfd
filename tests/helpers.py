"""Shared test helpers: where things are, and how to edit a copy of the package."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATAPACKAGE = ROOT / "datapackage"
CHINAEV = Path(sys.executable).parent / "chinaev"


def seeds_dir() -> Path:
    """Source texts, or skip (fail under CI=true) when they are not beside the repo."""
    folder = Path(os.environ.get("CHINAEV_SEEDS", ROOT.parent / "shared" / "seeds"))
    if not folder.is_dir():
        message = f"source texts not found at {folder} (set CHINAEV_SEEDS)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; under CI=true they are required")
        pytest.skip(message)
    return folder


def copy_package(tmp_path: Path) -> Path:
    target = tmp_path / "datapackage"
    shutil.copytree(DATAPACKAGE, target, ignore=shutil.ignore_patterns("raw"))
    return target


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_row(package: Path, resource: str, key_field: str, key: str, **changes) -> int:
    """Change fields of one row; return its CSV line number (header is line 1)."""
    path = package / "data" / f"{resource}.csv"
    rows = read_csv(path)
    for index, row in enumerate(rows):
        if row[key_field] == key:
            row.update(changes)
            write_csv(path, rows)
            return index + 2
    raise KeyError(key)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CHINAEV), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


# -- one visit per page in headless Chromium ----------------------------------------------

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Best-practice rules the brief asks for besides WCAG: heading order, one main landmark.
EXTRA_RULES = ["heading-order", "landmark-one-main", "page-has-heading-one"]
CHART_DIV = "div.chinaev-chart"


def visit_page(browser, base_url: str, page_name: str, axe: bool = True) -> dict:
    """Open one page with every request to another host blocked, as a reader would.

    Reports the blocked requests, console and page errors, each chart's state, and
    (with `axe`) what axe-core finds at WCAG A/AA. Loading a page with its charts costs
    more than any one check, so every browser check of a built book reads one visit.
    """
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked, errors, pending = [], [], set()

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base_url):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    # Requests still open; Playwright's "networkidle" (500 ms without one) proved
    # flaky on a loaded machine, so the visit waits for this set to empty instead.
    page.on("request", lambda request: pending.add(request))
    page.on("requestfinished", lambda request: pending.discard(request))
    page.on("requestfailed", lambda request: pending.discard(request))
    try:
        page.goto(f"{base_url}{page_name}.html", wait_until="load")
        # Each chart either draws (svg/canvas appears) or records an error.
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel)].every(
                   d => d.querySelector('svg, canvas') || d.dataset.chartError)""",
            arg=CHART_DIV,
            timeout=20_000,
        )
        page.evaluate("document.fonts.ready.then(() => true)")
        for _ in range(300):
            if not pending:
                break
            page.wait_for_timeout(100)
        else:
            errors.append(f"requests still open after 30 s: {[r.url for r in pending]}")
        charts = page.eval_on_selector_all(
            CHART_DIV,
            """divs => divs.map(d => ({
                   id: d.id,
                   drawn: !!d.querySelector('svg, canvas'),
                   error: d.dataset.chartError || '',
                   label: d.getAttribute('aria-label') || '',
                   role: d.getAttribute('role') || ''}))""",
        )
        violations = None
        if axe:
            page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
            # One run of the rules the WCAG tags select (as runOnly by tag selects them,
            # leaving out axe's experimental and deprecated ones) plus the extra rules:
            # the same rules as a run by tag and a run by rule, in less time.
            violations = page.evaluate(
                """async ([tags, rules]) => {
                    const excluded = (axe._audit && axe._audit.tagExclude)
                        || ['experimental', 'deprecated'];
                    const wcag = axe.getRules(tags)
                        .filter(r => !r.tags.some(t => excluded.includes(t)))
                        .map(r => r.ruleId);
                    const found = await axe.run(
                        document, {runOnly: {type: 'rule', values: [...wcag, ...rules]}});
                    return found.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' '))}));
                }""",
                [WCAG_TAGS, EXTRA_RULES],
            )
    finally:
        page.close()
    return {"blocked": blocked, "errors": errors, "charts": charts, "axe": violations}


def note_change(package: Path, line: str) -> None:
    """Say what changed under the copy's CHANGELOG 'Unreleased' heading, as a user who
    edits the data must (`chinaev validate` refuses changed data with nothing there)."""
    changelog = Path(package) / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        text.replace("## Unreleased\n", f"## Unreleased\n\n- {line}\n", 1), encoding="utf-8"
    )


def on_the_2024_edition(package: Path, raw_2024: Path) -> Path:
    """Put a copy of the package back on the IEA's 2024 edition (the package ships the
    2025 edition), as if the 2025 one had never been imported: its sources row goes and
    the 2024 download is imported again. For tests of what importing a later edition does."""
    from chinaev.data.iea import import_iea

    sources = package / "data" / "sources.csv"
    lines = sources.read_text(encoding="utf-8").splitlines(keepends=True)
    sources.write_text(
        "".join(line for line in lines if not line.startswith("iea-gevo-2025,")), encoding="utf-8"
    )
    for raw in (package / "raw" / "iea").glob("EVDataExplorer2025.csv"):
        raw.unlink()
    report = import_iea(raw_2024, package)
    assert report.problems == [] and report.written, report.problems
    return package
