"""``vcc login``: a profile in config.toml, its secret in the OS keyring (verified first)."""

from __future__ import annotations

from vcc_cli.cli.table import Options
from vcc_cli.errors import AuthError, UsageError, VccError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime


class LoginOptions(Options):
    profile: str | None
    region: str | None
    client_id: str | None
    client_secret_stdin: bool
    scopes: list[str]
    auth_url: str | None
    api_url: str | None
    no_verify: bool
    timeout: float | None


#: What to give instead of answering each prompt, when there is no terminal to ask on.
_GIVEN_BY = {
    "Region (emea, nam, apac)": "pass --region (emea, nam or apac), or --auth-url and --api-url",
    "Client ID": "pass --client-id ID",
    "Client secret": "pipe it in with --client-secret-stdin (e.g. --client-secret-stdin < secret.txt); "
    "no option takes the secret itself",
}


def _prompt(rt: Runtime, text: str, *, hide: bool = False, default: str | None = None) -> str:
    if not rt.io.stdin_tty:
        raise UsageError(
            f"{text.lower()} is missing and stdin is not a terminal", _GIVEN_BY.get(text, "see `vcc login --help`")
        )
    return rt.io.prompt(text, hide=hide, default=default).strip()


def run(opts: LoginOptions, rt: Runtime) -> int:
    from vcc_cli import config, resolve
    from vcc_cli.tokens.source import TokenSource

    io = rt.io
    name = resolve.profile_name(opts.profile, rt.env)
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
    urls = {k: v for k, v in rt.env.items() if k in ("VCC_AUTH_URL", "VCC_API_URL")}
    target = resolve.target(lambda: profile, name, None, urls)

    if not opts.no_verify:
        credentials = resolve.Credentials(client_id, "login", secret=secret)
        source = TokenSource(
            endpoint=target.token_endpoint,
            credentials=credentials,
            cache=rt.token_cache(),
            timeout=resolve.timeout(opts.timeout, rt.env),
            session=lambda: rt.session,
            clock=rt.clock,
        )
        _verify(source, scopes, io)

    # The profile first, then the secret: when the keyring fails (locked, hanging),
    # the profile is taken back, so nothing is left half-done. Both steps hold the
    # config file's lock and re-read it: parallel logins keep each other's profiles.
    undo = cfg.save_profile(profile)
    try:
        rt.keyring.set_secret(name, secret)
    except BaseException:
        try:
            undo()
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
