"""Chart builders shared by the chapters, on top of the theme in charts.py.

Each takes a frame from `Chapter.frame()` (columns category, value, label, basis)
and writes its own screen-reader description from the data, so the description
can never disagree with what the chart shows.

Chapters use them through the package, `exhibits.bars(...)`; they live in
bar_charts.py, line_charts.py, comparisons.py and timelines.py, with what they
share (colours, placeholder, description, width and source-line fixes) in common.py.
"""

from __future__ import annotations

from chinaev.report.exhibits.bar_charts import bars, month_bars, stacked_bars, stacked_hbars
from chinaev.report.exhibits.common import (
    BASIS_COLOURS,
    BASIS_NAMES,
    BASIS_ORDER,
    describe,
    placeholder,
    with_width,
    wrap_source,
)
from chinaev.report.exhibits.comparisons import VERDICT_COLOURS, claim_checks, dot_comparison
from chinaev.report.exhibits.line_charts import lines, region_lines, shares_with_targets
from chinaev.report.exhibits.timelines import DATED_BY, timeline

__all__ = [
    "BASIS_COLOURS",
    "BASIS_NAMES",
    "BASIS_ORDER",
    "DATED_BY",
    "VERDICT_COLOURS",
    "bars",
    "claim_checks",
    "describe",
    "dot_comparison",
    "lines",
    "month_bars",
    "placeholder",
    "region_lines",
    "shares_with_targets",
    "stacked_bars",
    "stacked_hbars",
    "timeline",
    "with_width",
    "wrap_source",
]
