"""``vcc token``: print a bearer token, served from the disk cache while it lives."""

from __future__ import annotations

from typing import Annotated

import typer

from vcc_cli.cli import options
from vcc_cli.runtime import current
from vcc_cli.tokens.command import Format, TokenOptions, run


def command(
    scope: options.Scopes = None,
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Always fetch a new token and replace the cached one.")
    ] = False,
    min_ttl: Annotated[
        float,
        typer.Option(
            "--min-ttl",
            min=0,
            metavar="SECONDS",
            help="Serve a cached token only with at least this many seconds left.",
        ),
    ] = 60,
    format: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="raw: the token; header: an Authorization header; json: token and metadata.",
        ),
    ] = Format.raw,
    timeout: options.TimeoutOpt = None,
    clear: Annotated[
        bool,
        typer.Option(
            "--clear", help="Remove this client's cached tokens (only those covering -s scopes, if given) and exit."
        ),
    ] = False,
) -> None:
    """Print a bearer token for SCOPE, cached until shortly before it expires.

    stdout is exactly the token and a newline; notes go to stderr.

    \b
    Examples:
      vcc token -s stats
      curl -H "Authorization: Bearer $(vcc token -s stats)" https://emea.api.cc.vonage.com/stats/...
      vcc token -s stats -s users:read --format json
      vcc token --clear
    """
    opts = TokenOptions(scope or [], profile, region, refresh, min_ttl, format, timeout, clear)
    raise typer.Exit(run(opts, current()))
