"""Breakable tables for the PDF (chinaev.report.pagetable)."""

import pandas as pd
import pytest

from chinaev.report.pagetable import breakable, long_table


def test_long_table_adds_the_longtable_class_once():
    frame = pd.DataFrame({"A": ["x"], "B": ["y"]})
    text = long_table(frame, "Caption", "tab-x", widths=[30, 70]).data
    lines = text.splitlines()
    assert lines[0] == "```{table} Caption"
    assert lines[1] == ":class: longtable"
    assert ":name: tab-x" in lines and ":widths: 30 70" in lines
    assert text.count(":class: longtable") == 1
    assert breakable(text).data == text


def test_breakable_refuses_anything_but_a_table_directive():
    with pytest.raises(ValueError):
        breakable("| A |\n|---|\n| x |")
