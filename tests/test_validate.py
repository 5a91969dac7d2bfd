"""`chinaev validate` and the `frictionless` command on the real package, and without the
source texts.

Bad input, one line per problem naming file, row and field: tests/test_hostile.py."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from helpers import DATAPACKAGE, copy_package, run_cli, seeds_dir

from chinaev import cli


def validate(package, *extra, env=None):
    """`chinaev validate PACKAGE ...` in this process: exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env or {}),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = cli.main(["validate", str(package / "datapackage.json"), *extra])
    result = subprocess.CompletedProcess(
        ["chinaev", "validate"], code, out.getvalue(), err.getvalue()
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def package(tmp_path):
    seeds_dir()
    return copy_package(tmp_path)


def test_frictionless_finds_the_real_package_valid():
    """The reference implementation, as a re-user runs it on the package."""
    frictionless = Path(sys.executable).parent / "frictionless"
    done = subprocess.run(
        [str(frictionless), "validate", str(DATAPACKAGE / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_real_package_is_valid():
    seeds_dir()
    result = run_cli("validate")  # the installed script, in its own process
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid:")


# The bad-input cases that were here (wrong type, unknown unit, broken foreign key,
# duplicate id, quote not in source, value not in quote, value against as_written,
# backwards period, percentage out of range, missing source, missing source file,
# malformed date, locator beyond the text, bounds against qualifier, growth rate
# without its level, unclassified audit number, stale derived value, alias not in
# its source, broken descriptor, missing CSV) are rows of the table in
# tests/test_hostile.py now, with many more, run in-process on a small package.


def test_missing_seeds_is_a_note_locally_and_a_failure_in_ci(package, tmp_path):
    missing = str(tmp_path / "nowhere")
    local = validate(package, "--seeds", missing, env={"CI": "false"})
    assert local.returncode == 0 and "skipped" in local.stderr
    ci = validate(package, "--seeds", missing, env={"CI": "true"})
    assert ci.returncode == 1 and "source texts not found" in ci.stderr
