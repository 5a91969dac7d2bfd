"""Structured problems and user errors shared by every command.

A Problem names where something is wrong (resource, row, field) so that the
CLI can print one line per problem; a UserError is a mistake the user can fix
and is reported without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    resource: str
    row: int | None  # line number in the CSV file (the header is line 1); None: whole resource
    field: str | None
    message: str
    # The file the row is in, as the descriptor names it (data/figures.csv); shown
    # first when known, so every line says which file to open.
    file: str | None = None

    def __str__(self) -> str:
        where = [self.file or self.resource]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field}")
        return f"{': '.join([', '.join(where), self.message])}"


class UserError(Exception):
    """A mistake in the user's input or command line; printed without a traceback."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class UnsafePath(UserError):
    """A path taken from the data that would lead outside its folder."""
