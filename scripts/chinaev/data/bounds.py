"""The rule that turns a source's hedge into bounds, and the test of a figure against it.

Standard library only: the record of reads (reads.py) names this test when a page
shows only whether each figure's bounds follow the rule, and the fingerprint applies
it to the CSV text, so editing a figure's value and bounds together re-runs no such page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from chinaev.data.numbers import close

# Bounds implied by each qualifier, as (lower factor, upper factor); None is unbounded.
QUALIFIER_BOUNDS = {
    "exact": (1.0, 1.0),
    "about": (0.9, 1.1),
    "nearly": (0.9, 1.0),
    "more_than": (1.0, None),
    "at_least": (1.0, None),
    "up_to": (None, 1.0),
    "less_than": (None, 1.0),
}


def _number(value) -> float | None:
    """A cell as a number: text as stored, or a typed value (None for empty or NaN)."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def follows_qualifier(row: Mapping) -> bool:
    """Whether a figure's lower and upper bounds are what its qualifier implies."""
    factors = QUALIFIER_BOUNDS.get(row.get("qualifier"))
    value = _number(row.get("value"))
    if factors is None or value is None:
        return False
    for name, factor in zip(("lower", "upper"), factors, strict=True):
        bound = _number(row.get(name))
        if factor is None:
            if bound is not None:
                return False
        elif bound is None or not close(bound, value * factor, 1e-6):
            return False
    return True


# Tests a page may record instead of the columns they read (see Package.select).
TESTS = {"bounds_follow_qualifier": follows_qualifier}
