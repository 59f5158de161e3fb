"""``vcc token``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common, complete
from vcc_cli.cli.table import FLAG, Command, Opt, choice, number
from vcc_cli.commands import token

COMMAND = Command(
    "token",
    token.TokenOptions,
    token.run,
    [
        common.SCOPES,
        common.PROFILE,
        common.REGION,
        Opt(("--refresh",), "refresh", "Always fetch a new token and replace the cached one.", kind=FLAG),
        Opt(
            ("--min-ttl",),
            "min_ttl",
            "Serve a cached token only with at least this many seconds left.",
            default=token.MIN_TTL,
            metavar="SECONDS",
            convert=number(0, unit="seconds"),
        ),
        Opt(
            ("--format", "-f"),
            "format",
            "raw: the token; header: an Authorization header; json: token and metadata; "
            "env: VCC_TOKEN=<token>, shell-quoted, for eval and .env files.",
            default="raw",
            metavar="[raw|header|json|env]",
            convert=choice(token.FORMATS),
            complete=lambda incomplete: complete.matching(token.FORMATS, incomplete),
        ),
        common.TIMEOUT,
        Opt(
            ("--clear",),
            "clear",
            "Remove this client's cached tokens (only those covering -s scopes, if given) and exit.",
            kind=FLAG,
        ),
        Opt(
            ("--inspect",),
            "inspect",
            "Show what is known about the token instead of printing it: source, scopes, issue and "
            "expiry times, JWT claims (unverified); JSON with --format json.",
            kind=FLAG,
        ),
        Opt(("--show-token",), "show_token", "With --inspect, print the token itself too.", kind=FLAG),
    ],
    panel="Tokens and calls",
    short_help="Print a bearer token (cached on disk) for scripts.",
    help="""Print a bearer token for SCOPE, cached until shortly before it expires.

    stdout is exactly the token and a newline; notes go to stderr.

    \b
    Examples:
      vcc token -s stats
      curl -H "Authorization: Bearer $(vcc token -s stats)" https://emea.api.cc.vonage.com/stats/...
      vcc token -s stats -s users:read --format json
      eval "$(vcc token -s stats --format env)"   # sets VCC_TOKEN
      vcc token -s stats --inspect
      vcc token --clear
    """,
)
