"""What an IEA edition has and lacks, in words a chapter can glue.

Each edition of the IEA's Global EV Outlook may drop a scenario (the 2025 edition has
no announced-pledges scenario), stop its projections at another year, or end its
history later. A chapter says so from the data rather than from a sentence written
for one edition.
"""

from __future__ import annotations

import pandas as pd


def scenario_caveat(recorded: pd.DataFrame, steps: pd.DataFrame, aps: pd.DataFrame) -> str:
    """The caveat on the IEA's scenarios, naming only those the edition has."""
    if len(steps) and len(aps):
        said = "The IEA's stated-policies and announced-pledges scenarios are not forecasts"
    elif len(steps) or len(aps):
        which = "stated-policies" if len(steps) else "announced-pledges"
        other = "announced-pledges" if len(steps) else "stated-policies"
        said = (f"The IEA's {which} scenario is not a forecast (this edition of its outlook "
                f"has no {other} scenario)")  # fmt: skip
    else:
        return "This edition of the IEA's outlook gives no projection of China's car share."
    if not len(recorded):
        return said + "."
    start = "they start" if len(steps) and len(aps) else "it starts"
    return f"{said}; {start} from its record, which ends in {int(recorded['year'].max())}."
