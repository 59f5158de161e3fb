"""``vcc login``: a profile in config.toml, its secret in the OS keyring or, with
``--secret-command``, the command that prints it (verified first)."""

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
    secret_command: tuple[str, ...] | None
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
    command = tuple(opts.secret_command) if opts.secret_command else None
    if command and opts.client_secret_stdin:
        raise UsageError(
            "--secret-command and --client-secret-stdin do not go together",
            "give the secret one way: the command that prints it, or the secret on stdin",
        )
    if command:
        from vcc_cli.tokens.secret_command import findable

        if not findable(command, rt.env):  # perhaps the secret itself: never shown, never stored
            raise UsageError(
                "--secret-command names no program that can be run (the command is not shown: "
                "it may be the secret itself); nothing was stored",
                "give the command that prints the secret, e.g. --secret-command 'pass show vcc/prod'",
            )
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

    secret: str | None = None
    if command is None:
        # Fail early, before asking for the secret, when there is nowhere to keep it.
        rt.keyring.backend_name()
        secret = _read_secret(opts, rt)
    elif not opts.no_verify:  # the command is run once now, to verify what it prints
        from vcc_cli.tokens import secret_command, secrets

        secret = secret_command.run_secret_command(
            command, rt.env, timeout=secrets.keyring_timeout(rt.env), what="--secret-command"
        )

    scopes = config.split_scopes(opts.scopes) if opts.scopes else (existing.scopes if existing else ())
    profile = config.Profile(name, region, client_id, tuple(scopes), auth_url, api_url, command)
    urls = {k: v for k, v in rt.env.items() if k in ("VCC_AUTH_URL", "VCC_API_URL")}
    target = resolve.target(lambda: profile, name, None, urls)

    source = None
    if secret is not None:  # None: a command not run (--no-verify)
        source = TokenSource(
            endpoint=target.token_endpoint,
            credentials=resolve.Credentials(client_id, "login", secret=secret),
            cache=rt.token_cache(),
            timeout=resolve.timeout(opts.timeout, rt.env),
            session=lambda: rt.session,
            clock=rt.clock,
        )
        if not opts.no_verify:
            _verify(source, scopes, io)

    # The profile first, then the secret: when the keyring fails (locked, hanging),
    # the profile is taken back, so nothing is left half-done. Both steps hold the
    # config file's lock and re-read it: parallel logins keep each other's profiles.
    undo = cfg.save_profile(profile)
    if command is None:
        assert secret is not None
        try:
            rt.keyring.set_secret(name, secret)
        except BaseException:
            try:
                undo()
            except VccError:
                pass  # the keyring's error is the one to report
            raise
    if existing is not None:
        io.note(replacing(existing, profile))
    if source is not None and not opts.no_verify:  # only a secret the token endpoint took
        _forget_tokens_of_other_secrets(source)
    if command is None:
        io.note(
            f"logged in: profile {name!r}, region {target.region}, client {client_id}; the secret is in the keyring"
        )
        return 0
    if existing is not None and not existing.secret_command:
        _forget_keyring_secret(rt, name)
    io.note(
        f"logged in: profile {name!r}, region {target.region}, client {client_id}; "
        f"the secret comes from `{_shown(command)}`, run when a token is needed"
    )
    return 0


def _read_secret(opts: LoginOptions, rt: Runtime) -> str:
    """The secret from the first line of stdin (``--client-secret-stdin``), else a hidden prompt."""
    from vcc_cli import config

    if opts.client_secret_stdin:
        try:
            line = rt.io.stdin.readline()
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
    return config.require_text(secret, "the client secret")


def _shown(command: tuple[str, ...]) -> str:
    from vcc_cli.tokens.secret_command import shown

    return shown(command)


def _forget_tokens_of_other_secrets(source) -> None:
    """Cached tokens fetched with an earlier secret of this client go: a keyring profile's
    cache hits do not read the secret to check them (tokens/source.py, SECRET_UNCHECKED)."""
    from vcc_cli.tokens.cache import CacheUnavailable

    try:
        source.forget_other_secrets()
    except (CacheUnavailable, OSError):
        pass  # an unusable cache holds nothing to forget; `vcc token` says so itself


def _forget_keyring_secret(rt: Runtime, name: str) -> None:
    """The profile's secret now comes from a command: the one in the keyring, unused from
    now on, is removed rather than left behind. A keyring that cannot do it is a note."""
    try:
        removed = rt.keyring.delete_secret(name)
    except AuthError as exc:
        rt.io.note(
            f"the keyring could not be asked to remove the old secret of profile {name!r} "
            f"({exc.message}); if one is there, it is no longer used"
        )
        return
    if removed:
        rt.io.note(f"removed the old secret of profile {name!r} from the keyring")


def _where(profile) -> str:
    """Where a profile points: its region, or its custom URLs."""
    if profile.auth_url or profile.api_url:
        return f"auth URL {profile.auth_url or '(none)'}, API URL {profile.api_url or '(none)'}"
    return f"region {profile.region or '(none)'}"


def _secret_from(profile) -> str:
    return f"from command `{_shown(profile.secret_command)}`" if profile.secret_command else "from the keyring"


def replacing(old, new) -> str:
    """What ``vcc login`` changes in an existing profile, for a person: only what differs,
    and nothing secret (``region emea → nam, client ID abc → def, secret from the keyring →
    from command `pass show vcc/prod```)."""
    changes = []
    if (old.region, old.auth_url, old.api_url) != (new.region, new.auth_url, new.api_url):
        if old.auth_url or old.api_url or new.auth_url or new.api_url:
            changes.append(f"{_where(old)} → {_where(new)}")
        else:
            changes.append(f"region {old.region or '(none)'} → {new.region or '(none)'}")
    if old.client_id != new.client_id:
        changes.append(f"client ID {old.client_id or '(none)'} → {new.client_id}")
    if old.scopes != new.scopes:
        changes.append(f"default scopes {' '.join(old.scopes) or '(none)'} → {' '.join(new.scopes) or '(none)'}")
    if old.secret_command != new.secret_command:
        changes.append(f"secret {_secret_from(old)} → {_secret_from(new)}")
    elif not new.secret_command:
        changes.append("a new secret in the keyring")
    if not changes:
        return f"replacing profile {new.name!r}: nothing changes"
    return f"replacing profile {new.name!r}: " + ", ".join(changes)


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
