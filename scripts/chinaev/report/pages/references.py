"""The references page (book/references.ipynb): what can and cannot be pinned down about
the sources, and the bibliography itself (built by chinaev.report.references)."""

from __future__ import annotations

from IPython.display import Markdown

from chinaev.report import prose, references
from chinaev.report.chapter import Chapter

# The kinds of source the summary counts, with the noun for one of them.
KINDS = (("news-article", "news article"), ("dataset", "dataset"))


def of(part, whole) -> str:
    """'3 of 5', 'all 5' or 'none of 5': a count against its total. Generic: any page
    that counts part of a table against the whole could use it."""
    n, total = int(len(part)), int(len(whole))
    if n == total and total:
        return f"all {total}"
    return f"none of {total}" if n == 0 else f"{n} of {total}"


def counted(n: int, noun: str) -> str:
    """'5 news articles', '1 dataset': a count in digits with its noun."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def known(chapter: Chapter) -> None:
    """'What is known and what is not': how many sources lack an address, a publisher,
    an author or a date, and how many were dated by inference."""
    sources = chapter.package.sources
    articles = sources[sources["kind"] == "news-article"]
    chapter.text("n_sources", len(sources))
    mix = (counted(int((sources["kind"] == kind).sum()), noun) for kind, noun in KINDS)
    chapter.text("source_mix", " and ".join(mix))
    chapter.text("articles_without_url", of(articles[articles["url"] == "not available"], articles))
    chapter.text("sources_without_publisher", of(sources[sources["publisher"] == ""], sources))
    chapter.text("sources_without_author", of(sources[sources["author"] == ""], sources))
    inferred = sources[sources["date_inferred"].fillna(False)]
    chapter.text("sources_date_inferred", of(inferred, sources))
    chapter.text("sources_undated", of(sources[sources["published_date"].isna()], sources))
    chapter.text("sources_accessed_known", of(sources[sources["accessed"].notna()], sources))
    as_of = chapter.package.as_of
    note = (
        f" as it stood on {prose.date(as_of)}, leaving out everything published later or not dated"
    )
    chapter.text("as_of_note", note if as_of else "")


def bibliography(chapter: Chapter) -> Markdown:
    """Every source in the package as an entry, alphabetically (entries are escaped)."""
    return Markdown(references.bibliography(chapter.package.sources))
