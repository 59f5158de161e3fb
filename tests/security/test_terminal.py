"""What vcc writes to a terminal cannot be steered by its input: control characters,
escape sequences and bidi overrides in arguments or server text are shown escaped,
and bytes that are not UTF-8 never crash the output."""

from __future__ import annotations

import pytest

ESCAPES = ("\x1b", "\x07", "\x08", "\r", "\u202e")


@pytest.mark.parametrize(
    "args",
    [
        ("token", "--profile", "x\x1b]0;pwned\x07\nvcc: everything is fine"),
        ("token", "--bogus\x1b[2J\r"),
        ("call", "-X", "G\u202eTEG", "/agents-availability"),
        ("login", "--region", "mars\x1b[31m", "--client-id", "x", "--client-secret-stdin"),
    ],
    ids=["profile", "unknown-option", "method", "region"],
)
def test_input_echoed_in_an_error_cannot_drive_the_terminal(vcc, args):
    result = vcc(*args, stdin="secret\n", expect_error=2)
    assert not any(char in result.stderr for char in ESCAPES), repr(result.stderr)
    assert len(result.stderr.splitlines()) == 2, result.stderr


def test_undecodable_bytes_in_a_path_are_a_usage_error_even_in_a_dry_run(vcc):
    # A request cannot carry them, so a dry run must not print a curl command that differs from what vcc would send.
    result = vcc(
        "call", "--dry-run", "/agents-availability/\udc80", env={"VCC_TOKEN": "t", "VCC_REGION": "emea"}, expect_error=2
    )
    assert "PATH is not valid UTF-8" in result.stderr and result.stdout_bytes == b""
