"""``vcc token``: print a bearer token, served from the disk cache while it lives."""

from __future__ import annotations

from vcc_cli.cli.table import Options

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens import Token

FORMATS = ("raw", "header", "json")
MIN_TTL = 60.0  # seconds


class TokenOptions(Options):
    scopes: list[str]
    profile: str | None
    region: str | None
    refresh: bool
    min_ttl: float
    format: str  # one of FORMATS
    timeout: float | None
    clear: bool


def run(opts: TokenOptions, rt: Runtime) -> int:
    """Print a token for the resolved scopes: VCC_TOKEN, else cache, else the token endpoint."""
    from vcc_cli import resolve

    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    if opts.clear:
        return run_clear(opts, inv, rt)
    token = resolve.env_token(rt.env)  # VCC_TOKEN needs no region, scope or client
    if token is not None:
        if opts.refresh:
            rt.io.note("VCC_TOKEN is set: --refresh has no effect, the token is used as is")
        _print(rt, opts.format, token, None, "env")
        return 0
    # As `vcc call` does: where to ask (exit 2), for what (exit 2), then as whom (exit 3).
    inv.target  # noqa: B018
    scopes = resolve.token_scopes(opts.scopes, rt.env, inv)
    source = resolve.token_source(inv, resolve.credentials(inv, token_allowed=False))
    resolved = source.get(scopes, min_ttl=opts.min_ttl, refresh=opts.refresh)
    token = resolved.token
    notes = list(resolved.notes)
    remaining = token.remaining(rt.clock())
    if resolved.origin == "fetched" and remaining is not None and remaining < opts.min_ttl:
        notes.append(f"the new token lives {remaining:.0f} s, less than --min-ttl {opts.min_ttl:g}")
    for note in notes:
        rt.io.note(note)
    _print(rt, opts.format, token, inv.target.region, resolved.origin)
    return 0


def run_clear(opts: TokenOptions, inv, rt: Runtime) -> int:
    """Remove the cached tokens of this profile's client (those covering -s scopes if given)."""
    from vcc_cli import config, resolve

    source = resolve.token_source(inv)
    removed = source.clear(config.split_scopes(opts.scopes))
    rt.io.note(f"removed {removed} cached token{'s' if removed != 1 else ''} of client {source.credentials.client_id}")
    return 0


def _print(rt: Runtime, fmt: str, token: Token, region: str | None, origin: str) -> None:
    if fmt == "raw":
        rt.io.write_line(token.access_token)
    elif fmt == "header":
        rt.io.write_line(f"Authorization: Bearer {token.access_token}")
    else:
        remaining = token.remaining(rt.clock())
        rt.io.print_json(
            {
                "access_token": token.access_token,
                "token_type": token.token_type,
                "scope": " ".join(token.scopes),
                "expires_at": iso_utc(token.expires_at),
                "expires_in": max(0, int(remaining)) if remaining is not None else None,
                "region": region,
                "source": origin,
            }
        )


def iso_utc(seconds: float | None) -> str | None:
    """``seconds`` since the epoch as ISO 8601 in UTC (``2026-01-02T03:04:05Z``); None
    when unknown or not a date ISO 8601 can write in four digits (after year 9999, or
    not finite: a clock set far ahead makes such expiry times)."""
    from datetime import UTC, datetime

    if seconds is None:
        return None
    try:
        shown = datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return None
    return shown.replace("+00:00", "Z")
