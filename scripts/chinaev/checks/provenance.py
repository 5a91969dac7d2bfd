"""Provenance checks against the source texts: quotes, locators, aliases and the audit.

A record that quotes a source must quote it verbatim, from the paragraph its locator
names; every number in a source text is classified in the audit (captured or excluded),
and every figure's number is captured by an audit row.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from chinaev.data import paths
from chinaev.data.problems import Problem, UserError
from chinaev.data.sourcetext import (
    audit_keys,
    body,
    normalise,
    paragraph_number,
    paragraphs,
    sha256_of,
)

MAX_QUOTE = 300


def source_texts(tables, seeds: Path) -> tuple[dict[str, str], list[Problem], list[str]]:
    """(texts by source_id, problems, notes) for the sources (all but datasets), looked up
    in the seeds folder and then in the pack of reports; with neither folder the quote
    checks are skipped, which is a note, or a problem on CI (where the texts must be)."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    folders = [folder for folder in paths.text_dirs(seeds) if folder.is_dir()]
    if not seeds.is_dir():
        message = (
            f"source texts not found at {seeds}: quote, locator and audit checks "
            "skipped (set CHINAEV_SEEDS or --seeds, CHINAEV_SOURCES)"
        )
        if os.environ.get("CI") == "true":
            return texts, [Problem("sources", None, None, message)], []
        return texts, [], [message]
    for line, row in enumerate(tables.get("sources", []), start=2):
        if row.get("kind") == "dataset":
            continue
        try:
            candidates = [paths.inside(f, row.get("file", ""), what="source file") for f in folders]
        except UserError as error:
            problems.append(Problem("sources", line, "file", str(error)))
            continue
        file = next((c for c in candidates if c.is_file()), None)
        if file is None:
            where = " or ".join(str(f) for f in folders)
            message = f"source file {row.get('file')!r} not found in {where}"
            problems.append(Problem("sources", line, "file", message))
            continue
        if sha256_of(file) != row.get("sha256"):
            message = f"{file.name} does not match the recorded sha256"
            problems.append(Problem("sources", line, "sha256", message))
        texts[row["source_id"]] = body(file.read_text(encoding="utf-8"))
    return texts, problems, []


def _paragraph(texts, source_id: str, locator: str) -> str | None | bool:
    """The located paragraph; None when it does not exist; False when the text is absent."""
    if source_id not in texts:
        return False
    number = paragraph_number(locator)
    blocks = paragraphs(texts[source_id])
    if number is None or number > len(blocks):
        return None
    return blocks[number - 1]


def check_quote(resource, line, row, texts, needle_field=None) -> Iterator[Problem]:
    """The row's quote is short, and stands verbatim in the paragraph its locator names;
    the text of `needle_field` (e.g. the number as written) stands in the quote."""
    quote = row.get("quote", "")
    if len(quote) > MAX_QUOTE:
        message = f"quote is {len(quote)} characters; at most {MAX_QUOTE}"
        yield Problem(resource, line, "quote", message)
    source_id, locator = row.get("source_id", ""), row.get("locator", "")
    paragraph = _paragraph(texts, source_id, locator)
    if paragraph is False:
        return
    if paragraph is None:
        message = f"{locator!r} is not a paragraph of source {source_id}"
        yield Problem(resource, line, "locator", message)
        return
    if normalise(quote) not in normalise(paragraph):
        message = f"quote not found verbatim in {source_id} {locator}"
        yield Problem(resource, line, "quote", message)
    if needle_field and normalise(row.get(needle_field, "")) not in normalise(quote):
        message = f"{row.get(needle_field)!r} does not appear in the quote"
        yield Problem(resource, line, needle_field, message)


def _audit_row_problems(line: int, row: dict) -> Iterator[Problem]:
    """A captured number names what captures it; an excluded one names nothing, and why."""
    status = row.get("status")
    named = row.get("figure_id") or row.get("event_id")
    if status == "captured" and not named:
        yield Problem("audit", line, "figure_id", "a captured number needs a figure_id or event_id")
    if status == "excluded":
        if named:
            message = "an excluded number cannot name a figure or event"
            yield Problem("audit", line, "status", message)
        if not row.get("note"):
            yield Problem("audit", line, "note", "an excluded number needs a reason")


def check_audit(folder, tables, texts) -> Iterator[Problem]:
    """Every number of every source text has exactly one audit row, and every figure's
    number is captured by one (role value)."""
    audit = tables.get("audit", [])
    rows_by_key = {}
    for line, row in enumerate(audit, start=2):
        key = (row.get("source_id"), row.get("locator"), row.get("token"), row.get("occurrence"))
        rows_by_key.setdefault(key, line)
        yield from _audit_row_problems(line, row)
    for source_id, text in texts.items():
        expected = {(source_id, f"p{p}", token, str(n)) for p, token, n in audit_keys(text)}
        present = {key for key in rows_by_key if key[0] == source_id}
        for _, locator, token, occurrence in sorted(expected - present, key=str):
            message = (
                f"{source_id} {locator}: number {token!r} (occurrence {occurrence}) "
                "is not classified"
            )
            yield Problem("audit", None, "token", message)
        for key in sorted(present - expected, key=str):
            _, locator, token, occurrence = key
            message = f"{source_id} {locator} has no number {token!r} (occurrence {occurrence})"
            yield Problem("audit", rows_by_key[key], "token", message)
    captured = Counter(
        row.get("figure_id")
        for row in audit
        if row.get("status") == "captured" and row.get("role") == "value"
    )
    message = "no audit row captures this figure's number (role value)"
    for line, row in enumerate(tables.get("figures", []), start=2):
        if texts.get(row.get("source_id")) is not None and not captured[row.get("figure_id")]:
            yield Problem("figures", line, "figure_id", message)


def check_quoted_records(folder, tables, texts) -> Iterator[Problem]:
    """Quotes of corrections and destinations, locators of events and footprint, aliases."""
    for resource in ("corrections", "destinations"):
        for line, row in enumerate(tables.get(resource, []), start=2):
            yield from check_quote(resource, line, row, texts)
    for resource in ("events", "footprint"):
        for line, row in enumerate(tables.get(resource, []), start=2):
            source_id, locator = row.get("source_id", ""), row.get("locator", "")
            if _paragraph(texts, source_id, locator) is None:
                message = f"{locator!r} is not a paragraph of {source_id}"
                yield Problem(resource, line, "locator", message)
    for line, row in enumerate(tables.get("aliases", []), start=2):
        text = texts.get(row.get("source_id"))
        if text is not None and normalise(row.get("alias", "")) not in normalise(text):
            message = f"{row.get('alias')!r} does not occur in {row.get('source_id')}"
            yield Problem("aliases", line, "alias", message)
