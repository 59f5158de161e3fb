"""``vcc token``: print a bearer token, served from the disk cache while it lives."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated

import typer

from vcc_cli.cli import options
from vcc_cli.runtime import Runtime, current


class Format(str, enum.Enum):
    raw = "raw"
    header = "header"
    json = "json"


@dataclass
class TokenOptions:
    scopes: list[str]
    profile: str | None
    region: str | None
    refresh: bool
    min_ttl: float
    format: Format
    timeout: float | None
    clear: bool = False


def run(opts: TokenOptions, rt: Runtime) -> int:
    from vcc_cli import config
    from vcc_cli.tokens.resolve import env_token, resolve_invocation, token_source

    io = rt.io
    if opts.clear:
        return run_clear(opts, rt)
    token = env_token(rt.env)
    region = None
    if token is not None:
        origin, notes = "env", []
        if opts.refresh:
            notes.append("VCC_TOKEN is set: --refresh has no effect, the token is used as is")
    else:
        inv = resolve_invocation(rt, opts.profile, opts.region)
        region = inv.target.region
        scopes = config.resolve_token_scopes(opts.scopes, rt.env, inv.profile)
        source = token_source(rt, inv, opts.timeout)
        resolved = source.get(scopes, min_ttl=opts.min_ttl, refresh=opts.refresh)
        token, origin, notes = resolved.token, resolved.origin, resolved.notes
        remaining = token.remaining(rt.clock())
        if origin == "fetched" and remaining is not None and remaining < opts.min_ttl:
            notes.append(f"the new token lives {remaining:.0f} s, less than --min-ttl {opts.min_ttl:g}")
    for note in notes:
        io.note(note)

    if opts.format is Format.raw:
        io.write_line(token.access_token)
    elif opts.format is Format.header:
        io.write_line(f"Authorization: Bearer {token.access_token}")
    else:
        remaining = token.remaining(rt.clock())
        expires_at = (
            datetime.fromtimestamp(token.expires_at, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            if token.expires_at is not None
            else None
        )
        io.print_json(
            {
                "access_token": token.access_token,
                "token_type": token.token_type,
                "scope": " ".join(token.scopes),
                "expires_at": expires_at,
                "expires_in": max(0, int(remaining)) if remaining is not None else None,
                "region": region,
                "source": origin,
            }
        )
    return 0


def run_clear(opts: TokenOptions, rt: Runtime) -> int:
    """Remove the cached tokens of this profile's client (those covering -s scopes if given)."""
    from vcc_cli import config
    from vcc_cli.tokens.resolve import resolve_invocation, token_source

    inv = resolve_invocation(rt, opts.profile, opts.region)
    source = token_source(rt, inv, opts.timeout)
    removed = source.clear(config.split_scopes(opts.scopes))
    rt.io.note(f"removed {removed} cached token{'s' if removed != 1 else ''} of client {source.credentials.client_id}")
    return 0


def command(
    scope: options.Scopes = None,
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Always fetch a new token and replace the cached one.")] = False,
    min_ttl: Annotated[
        float,
        typer.Option("--min-ttl", min=0, metavar="SECONDS", help="Serve a cached token only with at least this many seconds left."),
    ] = 60,
    format: Annotated[
        Format, typer.Option("--format", "-f", case_sensitive=False, help="raw: the token; header: an Authorization header; json: token and metadata.")
    ] = Format.raw,
    timeout: options.TimeoutOpt = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove this client's cached tokens (only those covering -s scopes, if given) and exit.")
    ] = False,
) -> None:
    """Print a bearer token for SCOPE (cached until shortly before it expires).

    Example: curl -H "Authorization: Bearer $(vcc token -s stats)" https://emea.api.cc.vonage.com/stats/...
    """
    opts = TokenOptions(scope or [], profile, region, refresh, min_ttl, format, timeout, clear)
    raise typer.Exit(run(opts, current()))
