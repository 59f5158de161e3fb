"""``vcc login`` and ``vcc logout``: a profile in config.toml, its secret in the OS keyring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import typer

from vcc_cli.cli import options
from vcc_cli.errors import AuthError, UsageError, VccError
from vcc_cli.runtime import Runtime, current


@dataclass
class LoginOptions:
    profile: str | None = None
    region: str | None = None
    client_id: str | None = None
    client_secret_stdin: bool = False
    scopes: list[str] = field(default_factory=list)
    auth_url: str | None = None
    api_url: str | None = None
    verify: bool = True
    timeout: float | None = None


def _prompt(rt: Runtime, text: str, *, hide: bool = False, default: str | None = None) -> str:
    if not rt.io.stdin_tty:
        raise UsageError(
            f"{text.lower()} is missing and stdin is not a terminal", "pass it as an option (see `vcc login --help`)"
        )
    value = typer.prompt(text, hide_input=hide, default=default, show_default=default is not None, err=True)
    return value.strip()


def run(opts: LoginOptions, rt: Runtime) -> int:
    from vcc_cli import config
    from vcc_cli.tokens.resolve import TokenSource

    io = rt.io
    name = config.resolve_profile_name(opts.profile, rt.env)
    cfg = rt.config_file()
    existing = cfg.get_profile(name)

    auth_url = config.check_url(opts.auth_url, "--auth-url") if opts.auth_url else None
    api_url = config.check_url(opts.api_url, "--api-url") if opts.api_url else None
    if bool(auth_url) != bool(api_url) and not opts.region:
        raise UsageError("--auth-url and --api-url go together", "give both, or a --region")
    region = opts.region
    if region is None and not auth_url and existing is not None:  # logging in again keeps where it pointed
        if existing.auth_url and existing.api_url:
            auth_url = config.check_url(existing.auth_url, f"profile {name} auth URL")
            api_url = config.check_url(existing.api_url, f"profile {name} API URL")
        else:
            region = existing.region
    if region is None and not auth_url:
        region = _prompt(rt, "Region (emea, nam, apac)")
    region = config.normalize_region(region) if region else None

    client_id = opts.client_id
    if not client_id:
        default = existing.client_id if existing else None
        client_id = _prompt(rt, "Client ID", default=default)
    if not client_id:
        raise UsageError("the client ID is empty")
    config.require_text(client_id, "the client ID")

    # Fail early, before asking for the secret, when there is nowhere to keep it.
    rt.keyring.backend_name()

    if opts.client_secret_stdin:
        try:
            line = io.stdin.readline()
        except UnicodeDecodeError:  # stdin decoded strictly (a UTF-8 locale)
            raise UsageError(
                "the client secret is not valid UTF-8 text", "check the bytes of the client secret"
            ) from None
        secret = line.rstrip("\r\n")
        if not secret:
            raise UsageError(
                "--client-secret-stdin: the first line of stdin is empty", "pipe the secret in, e.g. from a file"
            )
    else:
        secret = _prompt(rt, "Client secret", hide=True)
        if not secret:
            raise UsageError("the client secret is empty")
    config.require_text(secret, "the client secret")

    scopes = config.split_scopes(opts.scopes) if opts.scopes else (existing.scopes if existing else ())
    profile = config.Profile(name, region, client_id, tuple(scopes), auth_url, api_url)
    target = config.resolve_target(
        profile, name, None, {k: v for k, v in rt.env.items() if k in ("VCC_AUTH_URL", "VCC_API_URL")}
    )

    if opts.verify:
        credentials = config.Credentials(client_id, "login", _secret=secret)
        source = TokenSource(
            endpoint=target.token_endpoint,
            credentials=credentials,
            cache=rt.token_cache(),
            timeout=config.resolve_timeout(opts.timeout, rt.env),
            session_factory=rt.session_factory,
            clock=rt.clock,
        )
        _verify(source, scopes, io)

    # The profile first, then the secret: when the keyring fails (locked, hanging),
    # the profile is taken back, so nothing is left half-done.
    previous = cfg.snapshot()
    cfg.save_profile(profile)
    try:
        rt.keyring.set_secret(name, secret)
    except BaseException:
        try:
            cfg.restore(previous)
        except VccError:
            pass  # the keyring's error is the one to report
        raise
    io.note(f"logged in: profile {name!r}, region {target.region}, client {client_id}; the secret is in the keyring")
    return 0


def _verify(source, scopes, io) -> None:
    """Ask for a token; rejected credentials raise AuthError and nothing is stored."""
    try:
        resolved = source.get(scopes, refresh=True) if scopes else source.fetch((), store=False)
    except AuthError as exc:
        if not scopes and "invalid_scope" in exc.message:
            # The server authenticated the client, then wanted a scope: the credentials are good.
            io.note("credentials accepted (not verified for any scope: pass -s SCOPE to set default scopes)")
            return
        raise
    for note in resolved.notes:
        io.note(note)
    io.note(f"credentials verified at {source.endpoint}")


def command(
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    client_id: Annotated[
        str | None,
        typer.Option("--client-id", metavar="ID", help="Client ID from VCC's API Admin (prompted when missing)."),
    ] = None,
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help="Read the client secret from the first line of stdin.")
    ] = False,
    scope: options.Scopes = None,
    auth_url: Annotated[
        str | None, typer.Option("--auth-url", metavar="URL", help="Custom auth base URL (saved in the profile).")
    ] = None,
    api_url: Annotated[
        str | None, typer.Option("--api-url", metavar="URL", help="Custom API base URL (saved in the profile).")
    ] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Store without asking the token endpoint first.")
    ] = False,
    timeout: options.TimeoutOpt = None,
) -> None:
    """Save a profile: client ID in config.toml, secret in the OS keyring (verified first).

    Prompts for what is missing; the secret is never taken as an argument.

    \b
    Examples:
      vcc login --region emea --client-id abcde -s stats
      vcc login --profile ci --region nam --client-id abcde --client-secret-stdin < secret.txt
    """
    opts = LoginOptions(
        profile, region, client_id, client_secret_stdin, scope or [], auth_url, api_url, not no_verify, timeout
    )
    raise typer.Exit(run(opts, current()))


# --------------------------------------------------------------------------- logout


@dataclass
class LogoutOptions:
    profile: str | None = None
    all: bool = False


def run_logout(opts: LogoutOptions, rt: Runtime) -> int:
    from vcc_cli import config

    if opts.all and opts.profile:
        raise UsageError("--profile and --all do not go together")
    cfg = rt.config_file()
    names = cfg.profile_names() if opts.all else [config.resolve_profile_name(opts.profile, rt.env)]
    cache = rt.token_cache()
    failures: list[str] = []
    for name in names:
        try:
            profile, damaged = cfg.get_profile(name), False
        except UsageError:  # a damaged table: logging out is how to get rid of it
            profile, damaged = None, True
        if profile and profile.client_id:
            cache.remove(lambda e, cid=profile.client_id: e.client_id == cid)
        # The secret first: while it cannot be removed the profile stays, so that
        # `vcc logout` run again still knows there is a secret to remove.
        try:
            rt.keyring.delete_secret(name)
        except AuthError as exc:
            if profile is not None or damaged:
                failures.append(f"{name}: {exc.message}")
                continue
        cfg.remove_profile(name)
        if damaged:
            rt.io.note(f"logged out of profile {name!r} (its table in the config file was damaged)")
        else:
            rt.io.note(f"logged out of profile {name!r}" if profile else f"profile {name!r} was not logged in")
    if failures:
        raise AuthError(
            "could not remove the secret from the keyring for " + "; ".join(failures),
            "unlock the keyring and run `vcc logout` again (the profile is kept until then)",
        )
    return 0


def logout_command(
    profile: options.ProfileOpt = None,
    all_profiles: Annotated[bool, typer.Option("--all", help="Log out of every profile.")] = False,
) -> None:
    """Remove a profile, its keyring entry and its cached tokens (safe to repeat).

    \b
    Examples:
      vcc logout --profile staging
      vcc logout --all
    """
    raise typer.Exit(run_logout(LogoutOptions(profile, all_profiles), current()))
