"""An index made once for the object it indexes."""

from __future__ import annotations

import functools
import weakref


def per_object(build):
    """`build(obj)`, kept for the last object it was called with.

    Objects are compared by identity, not by value: a DataFrame or a package cannot be
    hashed, and is not changed once made. Only the last one is kept (and only weakly),
    since a process indexes one package, or one table, at a time.
    """
    last: tuple[weakref.ref, object] | None = None

    @functools.wraps(build)
    def cached(obj):
        nonlocal last
        if last is None or last[0]() is not obj:
            last = (weakref.ref(obj), build(obj))
        return last[1]

    return cached
