"""``vcc token``: print a bearer token, served from the disk cache while it lives."""

from __future__ import annotations

from vcc_cli.cli.table import Options

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import Entry
    from vcc_cli.tokens.source import Resolved, TokenSource

FORMATS = ("raw", "header", "json", "env")
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
    inspect: bool
    show_token: bool


def run(opts: TokenOptions, rt: Runtime) -> int:
    """Print a token for the resolved scopes: VCC_TOKEN, else cache, else the token endpoint."""
    from vcc_cli import resolve

    if opts.inspect or opts.show_token:
        _check_inspect_options(opts)
    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    if opts.clear:
        return run_clear(opts, inv, rt)
    token = resolve.env_token(rt.env)  # VCC_TOKEN needs no region, scope or client
    if token is not None:
        if opts.refresh:
            rt.io.note("VCC_TOKEN is set: --refresh has no effect, the token is used as is")
        if opts.inspect:
            show_inspection(rt, describe_env_token(token, rt.clock()), token, opts.format, opts.show_token)
            return 0
        _print(rt, opts.format, token, None, "env")
        return 0
    # As `vcc call` does: where to ask (exit 2), for what (exit 2), then as whom (exit 3).
    inv.target  # noqa: B018
    scopes = resolve.token_scopes(opts.scopes, rt.env, inv)
    source = resolve.token_source(inv, resolve.credentials(inv, token_allowed=False))
    asked_at = rt.clock()
    resolved = source.get(scopes, min_ttl=opts.min_ttl, refresh=opts.refresh)
    token = resolved.token
    notes = list(resolved.notes)
    remaining = token.remaining(rt.clock())
    if resolved.origin == "fetched" and remaining is not None and remaining < opts.min_ttl:
        notes.append(f"the new token lives {remaining:.0f} s, less than --min-ttl {opts.min_ttl:g}")
    for note in notes:
        rt.io.note(note)
    if opts.inspect:
        report = describe(resolved, source, scopes, inv.target.region, asked_at, rt.clock())
        show_inspection(rt, report, token, opts.format, opts.show_token)
        return 0
    _print(rt, opts.format, token, inv.target.region, resolved.origin)
    return 0


def _check_inspect_options(opts: TokenOptions) -> None:
    from vcc_cli.errors import UsageError

    if opts.show_token and not opts.inspect:
        raise UsageError("--show-token goes with --inspect", "plain `vcc token` prints the token itself")
    if opts.clear:
        raise UsageError("--inspect and --clear do not go together", "run them one after the other")
    if opts.format not in ("raw", "json"):
        raise UsageError(
            f"--inspect prints text, or JSON with --format json, not --format {opts.format}",
            "drop --format, or use --format json",
        )


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
    elif fmt == "env":
        # One line for `eval "$(vcc token --format env)"` and .env files. shlex costs a cached
        # run nothing measurable (its re, io and collections are loaded already), but only
        # this format pays for it. A token is visible ASCII (client.py refuses anything
        # else), which single quotes hold exactly in every POSIX shell.
        import shlex

        rt.io.write_line(f"VCC_TOKEN={shlex.quote(token.access_token)}")
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


# --------------------------------------------------------------------------- --inspect

UNVERIFIED = "decoded without verifying the signature (VCC documents its tokens as opaque: do not rely on them)"


def _claim_time(claims: dict | None, name: str) -> float | None:
    """A NumericDate claim (seconds since the epoch, RFC 7519), None when absent or not a number."""
    value = claims.get(name) if claims else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # a JSON integer too large for a float
        return None


def _report(
    token: Token,
    now: float,
    *,
    source: str,
    cache_file: str | None,
    token_endpoint: str | None,
    client_id: str | None,
    region: str | None,
    requested: Sequence[str] | None,
    issued_at: float | None,
    times_from: str | None,
) -> dict[str, Any]:
    """What ``--inspect`` shows, as its JSON: the keys in the order the text lists them."""
    from vcc_cli.tokens import decode_jwt, jwt_scopes

    jwt = decode_jwt(token.access_token)
    claims = jwt[1] if jwt else None
    expires_at = token.expires_at
    if token.expires_at is None and times_from == "jwt":
        issued_at, expires_at = _claim_time(claims, "iat"), _claim_time(claims, "exp")
        if issued_at is None and expires_at is None:
            times_from = None
    remaining = None
    if expires_at is not None and iso_utc(expires_at) is not None:  # a date: finite, before year 10000
        remaining = expires_at - now
    scopes = list(token.scopes) or list(jwt_scopes(token.access_token) or ())
    return {
        "source": source,
        "cache_file": cache_file,
        "token_endpoint": token_endpoint,
        "client_id": client_id,
        "region": region,
        "token_type": token.token_type,
        "scopes": scopes,
        "requested_scopes": list(requested) if requested is not None else None,
        "issued_at": iso_utc(issued_at),
        "expires_at": iso_utc(expires_at),
        "expires_in": int(remaining // 1) if remaining is not None else None,  # negative: expired
        "times_from": times_from,
        "jwt": {"verified": False, "header": jwt[0], "claims": jwt[1]} if jwt else None,
    }


def describe(
    resolved: Resolved, source: TokenSource, requested: Sequence[str], region: str, asked_at: float, now: float
) -> dict[str, Any]:
    """``--inspect`` for a token from the cache or the token endpoint: the cache entry
    holding it (its file, and when its request was sent), the endpoint and client."""
    token = resolved.token
    cache_file, issued_at = None, asked_at if resolved.origin == "fetched" else None
    entry_path = _cache_entry(source, token)
    if entry_path is not None:
        entry, cache_file = entry_path
        issued_at = entry.obtained_at
    return _report(
        token,
        now,
        source=resolved.origin,
        cache_file=cache_file,
        token_endpoint=source.endpoint,
        client_id=source.credentials.client_id,
        region=region,
        requested=requested,
        issued_at=issued_at,
        times_from="cache" if resolved.origin == "cache" else "token endpoint",
    )


def describe_env_token(token: Token, now: float) -> dict[str, Any]:
    """``--inspect`` for ``VCC_TOKEN``: only what the token itself says (its JWT claims, if any)."""
    return _report(
        token,
        now,
        source="VCC_TOKEN",
        cache_file=None,
        token_endpoint=None,
        client_id=None,
        region=None,
        requested=None,
        issued_at=None,
        times_from="jwt",
    )


def _cache_entry(source: TokenSource, token: Token) -> tuple[Entry, str | None] | None:
    """The cache entry holding ``token`` and its file (None when it cannot be told)."""
    import os

    from vcc_cli.tokens.cache import cache_key

    for entry in source.cache.entries_for(source.endpoint, source.credentials.client_id):
        if entry.token.access_token != token.access_token:
            continue
        key = cache_key(entry.endpoint, entry.client_id, entry.scopes)
        path = os.path.join(source.cache.directory, f"{key}.json")
        return entry, path if source.cache.read(key) == entry else None
    return None


def show_inspection(rt: Runtime, report: dict[str, Any], token: Token, fmt: str, show_token: bool) -> None:
    """The report as JSON (``--format json``) or as aligned lines; the token itself only
    with ``show_token`` (``access_token``, as ``--format json`` names it)."""
    shown = token.access_token if show_token else None
    if fmt == "json":
        rt.io.print_json({**report, "access_token": shown} if show_token else report)
        return
    for label, value in inspection_lines(report, shown):
        rt.io.write_line(f"{label:<16}{value}")


def inspection_lines(report: dict[str, Any], token: str | None) -> list[tuple[str, str]]:
    """``--inspect``'s text: (label, value) pairs, every value from a server escaped to one line."""
    import json

    from vcc_cli.output import one_line

    def text(value: object) -> str:
        return one_line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))

    source = report["source"]
    if source == "VCC_TOKEN":
        shown_source = "VCC_TOKEN (used as is: not fetched, not cached)"
    elif report["cache_file"]:
        shown_source = f"{source} ({'cached in ' if source == 'fetched' else ''}{report['cache_file']})"
    else:
        shown_source = source if source == "cache" else f"{source} (not cached)"
    lines: list[tuple[str, str]] = [("source", one_line(shown_source))]
    lines.append(("token", one_line(token) if token is not None else "not shown (--show-token prints it)"))
    lines.append(("type", text(report["token_type"])))
    scopes = text(" ".join(report["scopes"])) if report["scopes"] else "unknown"
    if report["scopes"] and source == "VCC_TOKEN":
        scopes += " (scope claim, unverified)"
    lines.append(("scopes", scopes))
    if report["requested_scopes"] is not None:
        lines.append(("asked for", text(" ".join(report["requested_scopes"]))))
    for label, key in (("token endpoint", "token_endpoint"), ("client ID", "client_id"), ("region", "region")):
        if report[key] is not None:
            lines.append((label, text(report[key])))
    times_from = report["times_from"]
    if report["issued_at"]:
        why = {"cache": "when vcc sent the request", "token endpoint": "when vcc sent the request"}
        lines.append(("issued", f"{report['issued_at']} ({why.get(times_from, 'iat claim, unverified')})"))
    if report["expires_at"]:
        left = report["expires_in"]
        lifetime = f"in {left} s, {_duration(left)}" if left > 0 else f"expired {-left} s ago"
        origin = ", exp claim, unverified" if times_from == "jwt" else ""
        lines.append(("expires", f"{report['expires_at']} ({lifetime}{origin})"))
    else:
        lines.append(
            ("expires", "unknown" + (" (the token endpoint gave no expires_in)" if source == "fetched" else ""))
        )
    jwt = report["jwt"]
    if jwt is None:
        lines.append(("JWT", "no: an opaque token, as VCC documents them"))
        return lines
    lines.append(("JWT", "yes, " + UNVERIFIED))
    lines.append(("  header", text(jwt["header"])))
    for name, value in jwt["claims"].items():
        shown = text(value)
        when = iso_utc(_claim_time(jwt["claims"], name)) if name in ("iat", "nbf", "exp", "auth_time") else None
        if when:
            shown += f" ({when})"
        lines.append((f"  {text(name)}", shown))
    return lines


def _duration(seconds: int) -> str:
    """``7080`` as ``1 h 58 min``; under a minute as ``45 s``."""
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"
