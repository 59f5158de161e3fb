"""``vcc exec``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import Arg, Command, Opt, number
from vcc_cli.commands import exec as exec_command

COMMAND = Command(
    "exec",
    exec_command.ExecOptions,
    exec_command.run,
    [
        common.SCOPES,
        common.PROFILE,
        common.REGION,
        Opt(
            ("--min-ttl",),
            "min_ttl",
            "Serve a cached token only with at least this many seconds left (CMD cannot refresh it).",
            default=exec_command.MIN_TTL,
            metavar="SECONDS",
            convert=number(0, unit="seconds"),
        ),
        common.TIMEOUT,
    ],
    args=Arg("command", "[--] CMD...", "The command to run and its arguments (vcc's options go before it)."),
    options_first=True,
    panel="Tokens and calls",
    short_help="Run a command with VCC_TOKEN and VCC_API_URL set.",
    help="""Run CMD with VCC_TOKEN (a token for SCOPE, cached as for `vcc token`) and
    VCC_API_URL (the API base URL, no trailing slash) in its environment.

    The client secret is not passed on: VCC_CLIENT_SECRET, VCC_CLIENT_SECRET_FILE,
    VCC_CLIENT_SECRET_COMMAND and VCC_CLIENT_ID are removed from CMD's environment.
    vcc becomes CMD (on POSIX), so its exit status is CMD's; 127 when CMD is not
    found, 126 when it cannot be run. vcc's options go before CMD; everything from
    CMD on is CMD's (`--` before it is optional).

    \b
    Examples:
      vcc exec -s stats -- ./export-stats.sh
      vcc exec -s stats -- sh -c 'curl -H "Authorization: Bearer $VCC_TOKEN" "$VCC_API_URL/stats/agent-status"'
      vcc exec -p prod -s users:read --min-ttl 1800 -- python sync_users.py
    """,
)
