"""Tables that may break across PDF pages.

Sphinx sets a table of up to thirty rows in a LaTeX environment that cannot break,
so a shorter table with long cells runs off the bottom of the page. The class
`longtable` makes LaTeX use the longtable environment, which breaks between rows
and repeats the header. The HTML page is unaffected.
"""

from __future__ import annotations

from IPython.display import Markdown

from chinaev.report.chapter import table


def breakable(markdown: Markdown | str) -> Markdown:
    """A captioned `{table}` directive (as `chinaev.report.chapter.table` writes it) with the
    `longtable` class added."""
    text = markdown.data if isinstance(markdown, Markdown) else str(markdown)
    head, sep, rest = text.partition("\n")
    if not head.startswith("```{table}") or not sep:
        raise ValueError("expected a ```{table} directive")
    if "\n:class: longtable\n" in f"\n{rest}":
        return Markdown(text)
    return Markdown(f"{head}\n:class: longtable\n{rest}")


def long_table(frame, caption: str, name: str, widths: list[int] | None = None) -> Markdown:
    """`chinaev.report.chapter.table`, breakable across PDF pages."""
    return breakable(table(frame, caption, name, widths=widths))
