"""Reading the source article texts: paragraphs, whitespace-normalised matching, number tokens.

A locator `p7` names the seventh paragraph of a source file, where paragraphs are
blocks separated by blank lines, counted from 1. The same rule serves the quote
check and the audit, so a locator always means the same text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_BLANK_LINE = re.compile(r"\n[ \t\u00a0]*\n")
_SPACE = re.compile(r"\s+")
_LOCATOR = re.compile(r"^p([1-9][0-9]*)$")

# A number token is a run of digits with inner separators: 2.49, 421,000, 38.6.
NUMBER_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")
# Number words the audit also covers. "one" is left out on purpose: it is mostly a
# pronoun in these texts ("no one", "on one hand"); see the methods chapter.
NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "dozen",
    "dozens",
    "hundreds",
    "thousands",
    "millions",
    "double",
    "twice",
    "half",
    "third",
    "quarter",
    "seventh",
)
NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Collapse all whitespace (including non-breaking spaces) to single spaces."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


# A pack text (../shared/sources) opens with a header of `name: value` lines ended by a
# line `---`; its paragraphs are counted from the text after it.
_HEADER_END = "\n---\n"


def body(text: str) -> str:
    """The text of a source without the pack's header, if it has one."""
    text = text.replace("\r\n", "\n")
    if text.startswith("url:") and _HEADER_END in text:
        return text.split(_HEADER_END, 1)[1]
    return text


def paragraphs(text: str) -> list[str]:
    """Non-empty blank-line-separated blocks, in order."""
    return [block for block in _BLANK_LINE.split(text.replace("\r\n", "\n")) if block.strip()]


def paragraph_number(locator: str) -> int | None:
    match = _LOCATOR.match(locator or "")
    return int(match.group(1)) if match else None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def number_tokens(paragraph: str) -> list[str]:
    """Every number in a paragraph as written, digits first then number words, in order."""
    found = [(m.start(), m.group(0)) for m in NUMBER_TOKEN.finditer(paragraph)]
    found += [(m.start(), m.group(0).lower()) for m in NUMBER_WORD.finditer(paragraph)]
    return [token for _, token in sorted(found)]


def audit_keys(text: str) -> list[tuple[int, str, int]]:
    """(paragraph, token, occurrence) for every number token in a source text.

    occurrence counts repeats of the same token within one paragraph from 1, so each
    key names exactly one place in the text.
    """
    keys = []
    for number, block in enumerate(paragraphs(text), start=1):
        seen: dict[str, int] = {}
        for token in number_tokens(block):
            seen[token] = seen.get(token, 0) + 1
            keys.append((number, token, seen[token]))
    return keys
