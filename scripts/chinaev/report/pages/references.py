"""The references page (book/references.ipynb): what can and cannot be pinned down about
the sources, and the bibliography itself (built by chinaev.report.references)."""

from __future__ import annotations

from chinaev.report import prose, references
from chinaev.report.chapter import Chapter
from chinaev.report.prose import share_of

# The kinds of source the summary counts, with the noun for one of them.
KINDS = (("news-article", "news article"), ("dataset", "dataset"))


def known(chapter: Chapter) -> None:
    """'What is known and what is not': how many sources lack an address, a publisher,
    an author or a date, and how many were dated by inference."""
    sources = chapter.package.sources
    articles = sources[sources["kind"] == "news-article"]
    chapter.text("n_sources", len(sources))
    mix = (prose.counted(int((sources["kind"] == kind).sum()), noun) for kind, noun in KINDS)
    chapter.text("source_mix", " and ".join(mix))
    chapter.text(
        "articles_without_url", share_of(articles[articles["url"] == "not available"], articles)
    )
    chapter.text(
        "sources_without_publisher", share_of(sources[sources["publisher"] == ""], sources)
    )
    chapter.text("sources_without_author", share_of(sources[sources["author"] == ""], sources))
    inferred = sources[sources["date_inferred"].fillna(False)]
    chapter.text("sources_date_inferred", share_of(inferred, sources))
    chapter.text("sources_undated", share_of(sources[sources["published_date"].isna()], sources))
    chapter.text("sources_accessed_known", share_of(sources[sources["accessed"].notna()], sources))
    as_of = chapter.package.as_of
    note = (
        f" as it stood on {prose.date(as_of)}, leaving out everything published later or not dated"
    )
    chapter.text("as_of_note", note if as_of else "")


def bibliography(chapter: Chapter):
    """Every source in the package as an entry, alphabetically (entries are escaped)."""
    return chapter.show(references.bibliography(chapter.package.sources))
