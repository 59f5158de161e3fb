"""``vcc status``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import FLAG, Command, Opt
from vcc_cli.commands import status

COMMAND = Command(
    "status",
    status.StatusOptions,
    status.run,
    [
        common.PROFILE,
        common.REGION,
        Opt(("--json",), "json", "Machine-readable JSON.", kind=FLAG),
        Opt(("--no-clock",), "no_clock", "Skip the request that measures the clock offset.", kind=FLAG),
    ],
    panel="Credentials",
    short_help="Show what is set up, where it came from, and what to fix.",
    help="""Show the profile, URLs, credentials, keyring, files, cached tokens and clock offset.

    Exit 0 when `vcc token` has everything it needs, 3 otherwise (with the fix named).

    \b
    Example:
      vcc status --profile ci
    """,
)
