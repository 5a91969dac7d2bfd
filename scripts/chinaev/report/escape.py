"""The one way text from the data package enters markup.

Titles, quotes, notes and names come from the data package and may hold any character.
Wherever they go into markup (MyST for prose, tables and the sources list; HTML for the
source cards; a Vega expression for charts) they pass through `escape(value, context)`
here, so that the reader sees them exactly as written and nothing in them can act as
markup or script.

Markup the book writes itself (a citation link, emphasis around a title) is built with
`md()`, which escapes every value it is given and returns `MyST`: a string that is
already markup. Everything that emits MyST (`Chapter.md`, `Chapter.table`, the sources
list) escapes any plain string and passes `MyST` through. A sentence put together by
concatenating raw fields is a plain string, so it is escaped too: it can read wrongly
(a citation shown as text, which the reader tests catch) but never run as markup.
"""

from __future__ import annotations

import html as _html
import re

import pandas as pd


class MyST(str):
    """Text that is already MyST markup: built by `md()` from escaped values, or a
    literal the book's own code wrote. Never made from a data field directly."""

    __slots__ = ()


# Characters that start inline MyST/CommonMark markup: raw HTML and autolinks (<),
# code (`), emphasis (* _), links and images ([ ]), roles and substitutions ({ }),
# table cells (|), and the escape itself. "$" is left alone: the book does not enable
# dollarmath (_config.yml), so prices stay as written; tests/test_inert.py checks that.
_MYST_SPECIAL = set("\\`*_[]<>{}|")
# "&" only where it would start a character reference (&lt; &#60;): a plain
# "Transport & Environment" stays as it is.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A citation as the chapters write it: [[3]](#exports-src-...) or [[C1]](#...-register-1).
_ESCAPED_CITATION = re.compile(r"\\\[\\\[(C?\d+)\\\]\\\]\(#([a-z0-9-]+)\)")


def plain(value) -> str:
    """A data value as text: missing values (None, NaN, NaT, pd.NA) as empty text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


def myst(value) -> MyST:
    """`value` as inline MyST that renders exactly as written: markup characters
    backslash-escaped, line breaks and runs of spaces turned into one space (a line
    break could start a heading, list or directive). `MyST` passes unchanged."""
    if isinstance(value, MyST):
        return value
    flat = " ".join(plain(value).split())
    escaped = "".join(f"\\{char}" if char in _MYST_SPECIAL else char for char in flat)
    return MyST(_ENTITY.sub(r"\\&", escaped))


def myst_cell(value) -> MyST:
    """A table cell: as `myst`, except that the book's own citation links in a plain
    string stay links. Only that exact shape is kept: a link with any other text, or
    to anywhere but an anchor on the page, stays as written."""
    if isinstance(value, MyST):
        return value
    return MyST(_ESCAPED_CITATION.sub(r"[[\1]](#\2)", myst(value)))


def html(value) -> str:
    """`value` as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return _html.escape(plain(value), quote=True)


def vega(value) -> str:
    """`value` as a single-quoted string literal in a Vega expression."""
    text = plain(value)
    for char, code in (("\\", "\\\\"), ("'", "\\'"), ("\n", "\\n"), ("\r", "\\r")):
        text = text.replace(char, code)
    return "'" + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + "'"


CONTEXTS = {"myst": myst, "cell": myst_cell, "html": html, "vega": vega}


def escape(value, context: str) -> str:
    """`value` made inert for `context`: 'myst' (prose), 'cell' (a table cell), 'html'
    (a source card) or 'vega' (a string literal in a chart expression)."""
    return CONTEXTS[context](value)


def md(template: str, /, **values) -> MyST:
    """MyST from a template the book wrote and values that are escaped:
    `md("*{title}*, {who}", title=row["title"], who=row["publisher"])`."""
    return MyST(template.format(**{key: myst(value) for key, value in values.items()}))


def join(parts, separator: str = "") -> MyST:
    """Several pieces of MyST (plain strings escaped) joined into one by `separator`, which
    the book's code wrote (a blank line between blocks, say) and so is kept as it is."""
    return MyST(separator.join(myst(part) for part in parts))
