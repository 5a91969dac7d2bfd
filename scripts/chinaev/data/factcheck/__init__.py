"""Set the news figures against the IEA series they overlap, and judge each claim.

Each row of the `comparisons` resource pairs one claim (a figure or a derived figure)
with a selection of IEA rows and names how the two differ. This package computes, from
the package alone:

- the claim's interval: the bounds its qualifier implies ("nearly 13 million" is 11.7
  to 13 million), widened for an unhedged number by half a unit of its last non-zero
  digit ("3 percent" is 2.5 to 3.5; a trailing zero counts as rounding, "40" is 35 to 45);
- the IEA value and its interval: the IEA rounds to about two significant figures, so
  each row stands for its value plus or minus half a unit of its second digit; sums,
  ratios and implied totals carry those intervals through (interval arithmetic), and
  `rounding_plus_relative` widens the result by a further `tolerance` times the value;
- the same on the claim's own definition (`alt_mode`, `alt_powertrain`) and over a
  bracket of years (`alt_year`), where the IEA data allow it;
- a verdict:

  consistent               the IEA interval on the comparison's own selection meets
                           the claim's interval;
  consistent once defined  it does not, but the IEA interval on the claim's definition
                           (other vehicle types or powertrains, or the years that bracket
                           a part-year claim) does;
  stale                    the claim's number as written (without a floor or ceiling)
                           meets no IEA value for its own years, on any definition, but
                           meets the value for one of the STALE_YEARS years before them:
                           it held then (a floor such as "over 500,000" would otherwise
                           make an old count look consistent);
  inconsistent             neither meets it, and every declared difference is one the
                           IEA data can size;
  not checkable            the claim is a target (a statement of intent) or the IEA value
                           is a projection; the IEA has no value for the period; the
                           claim's period lies outside the IEA years compared; or the
                           numbers differ and a declared difference (production against
                           sales, say) is one the IEA data cannot size.

Nothing in the verdict is typed in the data: change an IEA value, a bound or a declared
difference and the verdict follows.

Modules: `intervals` (both sides as intervals, the IEA quantities), `verdicts` (judging
a comparison, the table of results, the counts), `rules` (the declared differences and
the checks the validator runs). What a reader reads about the results, the sentences
and the formatting, is in `chinaev.report.factcheck`.
"""

from chinaev.data.factcheck.intervals import (
    Interval,
    claim_interval,
    evaluate,
    half_unit_last_digit,
    half_unit_significant,
    split_list,
)
from chinaev.data.factcheck.rules import DIFFERENCES, check_rows, required_differences
from chinaev.data.factcheck.verdicts import (
    STALE_YEARS,
    VERDICTS,
    Result,
    check,
    counts,
    judge,
)

__all__ = [
    "DIFFERENCES",
    "STALE_YEARS",
    "VERDICTS",
    "Interval",
    "Result",
    "check",
    "check_rows",
    "claim_interval",
    "counts",
    "evaluate",
    "half_unit_last_digit",
    "half_unit_significant",
    "judge",
    "required_differences",
    "split_list",
]
