"""Proposed rows for a new source text: its `sources` row, `figures` and `audit` rows.

`chinaev propose FILE` reads one text (a pack text with its `url:`/`publisher:`/
`published:` header, or a bare text) and proposes, for review, what the package would
hold for it: the `sources` row (file, sha256, date and publisher from the header, kind
guessed), one `figures` row per quantity in the text (locator, the sentence around the
number as the quote, the number as written, value, unit, metric and period guessed) and
one `audit` row for every number token, with the validator's own tokeniser
(`sourcetext.audit_keys`), so that the audit is complete by construction.

Nothing here is final: every row carries a `review` column saying what was guessed,
and the editor checks each row against the text before copying it (without that
column) into the package. Guesses are deliberately plain: a number followed by
"percent" is a percentage, a growth rate when "year on year" or "month on month"
follows it; a count of "units" or "vehicles" in a sentence about exports is an export
figure; months, "the first N months", quarters and halves set the period.
"""

from __future__ import annotations

import calendar
import csv
import functools
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from chinaev.data import paths
from chinaev.data.numbers import parse_as_written
from chinaev.data.sourcetext import audit_keys, body, normalise, paragraphs, sha256_of


@functools.cache
def columns(resource: str) -> list[str]:
    """A table's columns, in order, from its Table Schema in the book's package."""
    schema = paths.DATAPACKAGE.parent / "schemas" / f"{resource}.json"
    return [field["name"] for field in json.loads(schema.read_text(encoding="utf-8"))["fields"]]


REVIEW = "review"
MAX_QUOTE = 300

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
ORDINALS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
    "8": 8, "9": 9, "10": 10, "11": 11,
}  # fmt: skip
HEDGES = {
    "nearly": "nearly", "almost": "nearly", "about": "about", "around": "about",
    "some": "about", "approximately": "about", "over": "more_than", "more than": "more_than",
    "exceeding": "more_than", "topped": "more_than", "at least": "at_least",
    "up to": "up_to", "less than": "less_than",
}  # fmt: skip
BOUNDS = {
    "exact": (1, 1), "about": (0.9, 1.1), "nearly": (0.9, 1), "more_than": (1, None),
    "at_least": (1, None), "up_to": (None, 1), "less_than": (None, 1),
}  # fmt: skip

# A quantity as a reader would quote it: an optional hedge, the digits, a scale word,
# and a percent sign or word.
_HEDGE = (
    r"(?:(?P<hedge>nearly|almost|about|around|some|approximately|over|more than|"
    r"exceeding|topped|at least|up to|less than)\s+)?"
)
QUANTITY = re.compile(
    _HEDGE + r"(?P<number>\d+(?:[.,]\d+)*)(?P<suffix>(?:\s*(?:million|mln|billion|m\b))?"
    r"(?:\s*(?:percent|per cent|%|-fold))?)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"'(])")


@dataclass
class Proposal:
    source: dict
    figures: list[dict] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)


def header(text: str) -> dict[str, str]:
    """The `name: value` lines above a pack text's `---` line (empty for a bare text)."""
    text = text.replace("\r\n", "\n")
    if body(text) == text:
        return {}
    top = text.split("\n---\n", 1)[0]
    fields = {}
    for line in top.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return fields


def guess_kind(text: str, publisher: str) -> str:
    """statistical-release for a compiler's figures relayed by an outlet (CAAM, CPCA)."""
    if re.search(r"Automobile Manufacturers|\bCAAM\b|Passenger Car Association|\bCPCA\b", text):
        return "statistical-release"
    if re.search(r"government|ministry|\.gov\b|official", publisher, re.IGNORECASE):
        return "official-document"
    if re.search(r"press release|newswire", publisher, re.IGNORECASE):
        return "company-release"
    return "news-article"


def source_id_for(path: Path) -> str:
    """pack-NNN for a pack text named NNN_..., else the file's stem."""
    match = re.match(r"(\d+)_", path.name)
    return f"pack-{match.group(1)}" if match else re.sub(r"[^a-z0-9]+", "-", path.stem.lower())


def sentence_around(paragraph: str, start: int, end: int) -> str:
    """The sentence holding text[start:end], cut to at most MAX_QUOTE characters."""
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(paragraph)] + [len(paragraph)]
    left = max(b for b in bounds if b <= start)
    right = min((b for b in bounds if b >= end and b > left), default=len(paragraph))
    sentence = paragraph[left:right].strip()
    if len(sentence) > MAX_QUOTE:  # keep a window around the number, cut at spaces
        offset = start - left
        lo = max(0, offset - MAX_QUOTE // 2)
        window = sentence[lo : lo + MAX_QUOTE]
        if lo:
            window = window.split(" ", 1)[-1]
        if lo + MAX_QUOTE < len(sentence):
            window = window.rsplit(" ", 1)[0]
        sentence = window.strip()
    return sentence


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def guess_period(sentence: str, published: date | None) -> tuple[str, str, str, str]:
    """(period_start, period_end, period_type, why) from the words of a sentence."""
    low = sentence.lower()
    years = [int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", sentence)]
    year = years[0] if years else (published.year if published else None)
    why = "year from the sentence" if years else "year from the publication date"
    if year is None:
        return "", "", "undated", "no year in the sentence and no publication date"
    month_words = "|".join(MONTHS)
    span = re.search(rf"\b({month_words})\s*(?:-|–|to)\s*({month_words})\b", low)
    first = re.search(r"\bfirst (\w+) months\b", low)
    if span:
        a, b = MONTHS[span.group(1)], MONTHS[span.group(2)]
        return (f"{year}-{a:02d}-01", _last_day(year, b).isoformat(), "months",
                f"'{span.group(0)}', {why}")  # fmt: skip
    if first and first.group(1) in ORDINALS:
        n = ORDINALS[first.group(1)]
        return (
            f"{year}-01-01",
            _last_day(year, n).isoformat(),
            "months",
            f"'{first.group(0)}', {why}",
        )
    for words, (a, b) in {
        ("first quarter", "q1", "first three months"): (1, 3),
        ("first half", "h1", "first six months"): (1, 6),
        ("first three quarters", "first nine months"): (1, 9),
    }.items():
        if any(re.search(rf"\b{w}\b", low) for w in words):
            return (f"{year}-{a:02d}-01", _last_day(year, b).isoformat(), "months",
                    f"part of the year named in the sentence, {why}")  # fmt: skip
    named = re.search(rf"\b(?:in|of|for) ({month_words})\b|\b({month_words}) alone\b", low)
    if named:
        month = MONTHS[named.group(1) or named.group(2)]
        if not years and published and month > published.month:
            year -= 1  # a month later than the publication date is last year's
        return (f"{year}-{month:02d}-01", _last_day(year, month).isoformat(), "month",
                f"'{named.group(0)}', {why}")  # fmt: skip
    if "last month" in low and published:
        y, m = (
            (published.year, published.month - 1)
            if published.month > 1
            else (published.year - 1, 12)
        )
        return (
            f"{y}-{m:02d}-01",
            _last_day(y, m).isoformat(),
            "month",
            "'last month' before publication",
        )
    if "last year" in low and published and not years:
        year = published.year - 1
        why = "'last year' before publication"
    return f"{year}-01-01", f"{year}-12-31", "year", why


def clause_period(sentence: str, as_written: str, published: date | None):
    """The period of the clause that leads to the number ("..., while in May alone ... 551,000"),
    else of the whole sentence."""
    before = sentence.split(as_written, 1)[0]
    clause = re.split(r",\s*while\b|;\s*", before)[-1]
    guess = guess_period(clause, published)
    return (
        guess
        if guess[2] != "year" or re.search(r"\b(19|20)\d\d\b", clause)
        else guess_period(sentence, published)
    )


def guess_unit_metric(as_written: str, sentence: str) -> tuple[str, str, str]:
    """(unit, metric, basis_powertrain) from the number and the words of its sentence."""
    low, written = sentence.lower(), as_written.lower()
    nev = bool(re.search(r"\bnevs?\b|new[ -]energy|electric", low))
    exports = "export" in low
    if re.search(r"percent|per cent|%|-fold", written):
        after = low.split(written, 1)[-1][:60]
        # The nearer of the two phrases names the rate ("22.2 percent year on year and
        # 7.4 percent month on month").
        places = {
            "growth_yoy": min((after.find(w) for w in ("year on year", "year-on-year",
                                                      "from a year") if w in after), default=99),
            "growth_mom": min((after.find(w) for w in ("month on month", "month-on-month")
                               if w in after), default=99),
        }  # fmt: skip
        if "-fold" in written:
            places["growth_yoy"] = -1
        nearest = min(places, key=places.get)
        if places[nearest] < 99:
            return "percent", nearest, "nev" if nev else "all_powertrains"
        if exports and nev:
            return "percent", "nev_share_of_exports", "nev"
        return "percent", "market_share" if "share" in low else "", "nev" if nev else ""
    if exports:
        return (
            "vehicles",
            "nev_exports" if nev else "vehicle_exports",
            "nev" if nev else "all_powertrains",
        )
    if re.search(r"units|vehicles|million", low + written):
        return "vehicles", "", "nev" if nev else ""
    return "count", "", ""


def _value(as_written: str, unit: str) -> float | None:
    text = re.sub(r"\bmln\b|(?<=\d)m\b", " million", as_written, flags=re.IGNORECASE)
    fold = re.search(r"(\d+(?:\.\d+)?)-fold", text)
    if fold:
        return float(fold.group(1)) * 100
    return parse_as_written(text, unit)


def _figure_id(metric: str, start: str, end: str, period_type: str, taken: set[str]) -> str:
    stem = f"china_{metric or 'figure'}"
    if start:
        y, m = start[:4], start[5:7]
        stem += {"month": f"_{y}_{m}", "months": f"_{y}_01_{end[5:7]}", "year": f"_{y}"}.get(
            period_type, f"_{y}"
        )
    name, n = stem, 2
    while name in taken:
        name, n = f"{stem}_{n}", n + 1
    taken.add(name)
    return name


def _base_period(start: str, end: str, metric: str) -> tuple[str, str]:
    """The period a growth rate is measured from: a year earlier, or the month before."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if metric == "growth_mom":
        y, m = (first.year, first.month - 1) if first.month > 1 else (first.year - 1, 12)
        return f"{y}-{m:02d}-01", _last_day(y, m).isoformat()
    return (
        first.replace(year=first.year - 1).isoformat(),
        _last_day(last.year - 1, last.month).isoformat(),
    )


def _number(value: float) -> str:
    return f"{value:.10g}"


def propose(path: Path, *, source_id: str | None = None) -> Proposal:
    """Proposed sources, figures and audit rows for one source text."""
    path = Path(path)
    raw = path.read_text(encoding="utf-8")
    head, text = header(raw), body(raw)
    sid = source_id or source_id_for(path)
    published = None
    if re.match(r"^\d{4}-\d{2}-\d{2}$", head.get("published", "")):
        published = date.fromisoformat(head["published"])
    publisher = head.get("publisher", "")
    source = {column: "" for column in columns("sources")}
    source.update(
        source_id=sid,
        file=path.name,
        kind=guess_kind(text, publisher),
        publisher=publisher,
        publisher_basis="Recorded in the header of the copy in the pack of dated reports."
        if publisher
        else "",
        published_date=published.isoformat() if published else "",
        date_precision="day" if published else "unknown",
        date_inferred="false" if published else "true",
        date_basis="Stated in the text (the pack header's published date)." if published else "",
        url=head.get("url", "") or "not available",
        url_note="Recorded in the header of the copy in the pack of dated reports."
        if head.get("url")
        else "",
        accessed_note="Not recorded. The copy in the pack of dated reports was taken from a "
        "search index's stored copy of the public page; when that copy was made is not known.",
        language=head.get("language", "en"),
        sha256=sha256_of(path),
        licence_note="Copyright of the publisher. Not redistributed: the package keeps only "
        "short verbatim quotes attached to figures, as citations.",
    )
    source[REVIEW] = "proposed: title, reliability note and kind to check" + (
        "" if published else "; no published date in the header: infer it and say how"
    )
    proposal = Proposal(source)
    taken: set[str] = set()
    # (paragraph, token, occurrence) -> (figure_id, role) for the tokens a figure covers
    covered: dict[tuple[int, str, int], tuple[str, str]] = {}
    last_level: dict[str, dict] = {}  # sentence -> the export level proposed in it
    for number, block in enumerate(paragraphs(text), start=1):
        flat = normalise(block)
        seen: dict[str, int] = {}
        for match in QUANTITY.finditer(flat):
            digits = match.group("number")
            seen[digits] = seen.get(digits, 0) + 1
            if _YEAR.match(digits) and not match.group("suffix").strip():
                continue  # a bare year is a period, not a quantity
            if _ISO_DATE.search(flat[max(0, match.start() - 8) : match.end() + 6]):
                continue  # part of a written date (2025-06-12)
            as_written = match.group(0).strip()
            sentence = sentence_around(flat, match.start(), match.end())
            unit, metric, powertrain = guess_unit_metric(as_written, sentence)
            value = _value(as_written, unit)
            if value is None:
                continue
            start, end, period_type, why = clause_period(sentence, as_written, published)
            qualifier = HEDGES.get((match.group("hedge") or "").lower(), "exact")
            low, high = BOUNDS[qualifier]
            level = last_level.get(sentence) if metric.startswith("growth_") else None
            if level:  # a growth rate after its level in one sentence: name and link it
                figure_id = _figure_id(f"{level['figure_id'][6:]}_{metric}", "", "", "", taken)
                start, end, period_type = (
                    level["period_start"],
                    level["period_end"],
                    level["period_type"],
                )
                powertrain = level["basis_powertrain"]
            else:
                figure_id = _figure_id(metric, start, end, period_type, taken)
            row = {column: "" for column in columns("figures")}
            row.update(
                figure_id=figure_id,
                source_id=sid,
                locator=f"p{number}",
                quote=sentence,
                as_written=as_written,
                value=_number(value),
                unit=unit,
                qualifier=qualifier,
                lower="" if low is None else _number(value * low),
                upper="" if high is None else _number(value * high),
                metric=metric,
                entity_id="china",
                reporter_entity_id="caam" if source["kind"] == "statistical-release" else "",
                scope="national",
                geography="CHN",
                period_start=start,
                period_end=end,
                period_type=period_type,
                chapter="exports" if "export" in metric else "",
                basis_vehicles="all_vehicles" if metric.endswith("exports") else "",
                basis_powertrain=powertrain,
                basis_flow="exports" if "export" in sentence.lower() else "",
            )
            if level:
                base = _base_period(start, end, metric)
                row.update(relation="growth_of", related_figure_id=level["figure_id"],
                           base_period_start=base[0], base_period_end=base[1],
                           basis_vehicles=level["basis_vehicles"])  # fmt: skip
            elif metric.endswith("exports"):
                last_level[sentence] = row
            row[REVIEW] = (
                f"proposed: unit and metric guessed from the sentence; period: {why}; "
                "check the subject, reporter and basis, and drop the row if the number is "
                "not a substantive figure"
            )
            proposal.figures.append(row)
            covered[(number, digits, seen[digits])] = (figure_id, "value")
            for year in re.findall(r"\b(?:19|20)\d\d\b", sentence):
                key = (number, year, 1)
                covered.setdefault(key, (figure_id, "period"))
    for number, token, occurrence in audit_keys(text):
        row = {column: "" for column in columns("audit")}
        row.update(source_id=sid, locator=f"p{number}", token=token, occurrence=str(occurrence))
        hit = covered.get((number, token, occurrence))
        if hit:
            row.update(status="captured", figure_id=hit[0], role=hit[1])
            row[REVIEW] = "proposed: captured by the proposed figure; keep only if it is kept"
        else:
            role = "time_reference" if _YEAR.match(token) or token.isalpha() else "non_quantitative"
            row.update(
                status="excluded", role=role, note=f"REVIEW: '{token}' not proposed as a figure."
            )
            row[REVIEW] = "proposed: excluded; give the role and a short honest reason"
        proposal.audit.append(row)
    return proposal


def to_csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns + [REVIEW], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns + [REVIEW]})
    return out.getvalue()


def write(proposal: Proposal, out: Path | None = None) -> str:
    """Write the three tables into folder `out` (sources.csv, figures.csv, audit.csv), or
    return them as one text, each table under a `# name` line, for stdout."""
    tables = {
        "sources": to_csv([proposal.source], columns("sources")),
        "figures": to_csv(proposal.figures, columns("figures")),
        "audit": to_csv(proposal.audit, columns("audit")),
    }
    if out is None:
        return "\n".join(f"# {name}\n{text}" for name, text in tables.items())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (out / f"{name}.csv").write_text(text, encoding="utf-8")
    return (
        f"{out}: 1 source, {len(proposal.figures)} figures, {len(proposal.audit)} audit rows "
        "proposed (all to review)\n"
    )
