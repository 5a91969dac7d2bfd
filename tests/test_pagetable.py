"""Tables that may break across PDF pages (chinaev.report.chapter.table, long=True)."""

import pandas as pd

from chinaev.report.chapter import long_table, table


def test_long_table_adds_the_longtable_class_once():
    frame = pd.DataFrame({"A": ["x"], "B": ["y"]})
    text = long_table(frame, "Caption", "tab-x", widths=[30, 70]).data
    lines = text.splitlines()
    assert lines[0] == ":::{table} Caption"
    assert lines[1] == ":class: longtable"
    assert ":name: tab-x" in lines and ":widths: 30 70" in lines
    assert text.count(":class: longtable") == 1


def test_a_table_breaks_only_when_asked():
    frame = pd.DataFrame({"A": ["x"]})
    assert ":class: longtable" not in table(frame, "Caption", "tab-y").data
