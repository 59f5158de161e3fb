"""The exit code check every way of running vcc in the tests shares (the in-process
``vcc`` fixture, the e2e subprocess fixture, ``run_vcc``): as HTTPie's test helper does,
a run fails the test unless it exited 0 or the test said it expects a failure."""

from __future__ import annotations

import pytest


def check_exit_code(command: str, code: int, stderr: str, expect_error: bool | int = False) -> None:
    """Fail the test when ``code`` is not what ``expect_error`` allows: ``False``, only 0;
    ``True``, any code; a number, exactly that code (SPEC section 6)."""
    if expect_error is True:
        return
    expected = 0 if expect_error is False else expect_error
    if code != expected:
        wanted = "" if expect_error is False else f", expected {expected}"
        pytest.fail(f"{command} exited {code}{wanted}\nstderr: {stderr}")
