"""What ``vcc token`` does, without typer: shared by the command and the start-up fast path."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vcc_cli.runtime import Runtime
from vcc_cli.tokens import Token


class Format(enum.StrEnum):
    raw = "raw"
    header = "header"
    json = "json"


@dataclass
class TokenOptions:
    scopes: list[str] = field(default_factory=list)
    profile: str | None = None
    region: str | None = None
    refresh: bool = False
    min_ttl: float = 60.0
    format: Format = Format.raw
    timeout: float | None = None
    clear: bool = False


def run(opts: TokenOptions, rt: Runtime) -> int:
    """Print a token for the resolved scopes: VCC_TOKEN, else cache, else the token endpoint."""
    from vcc_cli.tokens.resolve import env_token

    if opts.clear:
        return run_clear(opts, rt)
    token = env_token(rt.env)
    if token is not None:
        if opts.refresh:
            rt.io.note("VCC_TOKEN is set: --refresh has no effect, the token is used as is")
        _print(rt, opts.format, token, None, "env")
        return 0
    source, scopes, region = _source(opts, rt)
    resolved = source.get(scopes, min_ttl=opts.min_ttl, refresh=opts.refresh)
    token = resolved.token
    notes = list(resolved.notes)
    remaining = token.remaining(rt.clock())
    if resolved.origin == "fetched" and remaining is not None and remaining < opts.min_ttl:
        notes.append(f"the new token lives {remaining:.0f} s, less than --min-ttl {opts.min_ttl:g}")
    for note in notes:
        rt.io.note(note)
    _print(rt, opts.format, token, region, resolved.origin)
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


def _source(opts: TokenOptions, rt: Runtime):
    from vcc_cli import config
    from vcc_cli.tokens.resolve import resolve_invocation, token_source

    inv = resolve_invocation(rt, opts.profile, opts.region)
    scopes = config.resolve_token_scopes(opts.scopes, rt.env, inv.profile)
    return token_source(rt, inv, opts.timeout), scopes, inv.target.region


def _print(rt: Runtime, fmt: Format, token: Token, region: str | None, origin: str) -> None:
    if fmt is Format.raw:
        rt.io.write_line(token.access_token)
    elif fmt is Format.header:
        rt.io.write_line(f"Authorization: Bearer {token.access_token}")
    else:
        remaining = token.remaining(rt.clock())
        expires_at = None
        if token.expires_at is not None:
            expires_at = datetime.fromtimestamp(token.expires_at, UTC).isoformat(timespec="seconds")
            expires_at = expires_at.replace("+00:00", "Z")
        rt.io.print_json(
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


# --------------------------------------------------------------------------- fast path

_VALUE_OPTIONS = {
    "-s": "scope",
    "--scope": "scope",
    "-p": "profile",
    "--profile": "profile",
    "-r": "region",
    "--region": "region",
    "--min-ttl": "min_ttl",
    "-f": "format",
    "--format": "format",
    "--timeout": "timeout",
}


def parse_fast(args: list[str]) -> TokenOptions | None:
    """Options of ``vcc token`` in their plain forms, or None for anything else
    (help, bundled flags, odd values): the full command-line parser then handles it."""
    opts = TokenOptions()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--refresh", "--clear"):
            setattr(opts, arg[2:], True)
            i += 1
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        key = _VALUE_OPTIONS.get(name)
        if key is None:
            return None
        if not eq:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 1
        i += 1
        try:
            if key == "scope":
                opts.scopes.append(value)
            elif key == "min_ttl":
                opts.min_ttl = float(value)
                if not opts.min_ttl >= 0 or opts.min_ttl == float("inf"):
                    return None
            elif key == "format":
                opts.format = Format(value.lower())
            elif key == "timeout":
                opts.timeout = float(value)
                if not 0 < opts.timeout < 86400:
                    return None
            else:
                setattr(opts, key, value)
        except ValueError:
            return None
    return opts
