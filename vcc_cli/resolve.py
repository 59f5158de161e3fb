"""SPEC section 3 in one place: which profile, where requests go, how long to wait,
which scopes, and whose credentials.

Everything is read from the Runtime (``rt.env``, ``rt.config_file()``,
``rt.keyring``), never from ``os.environ``. The config file is read only when a
setting needs the profile: with ``VCC_CLIENT_ID``/``VCC_CLIENT_SECRET``,
``VCC_REGION`` and ``-s`` a cached ``vcc token`` never opens it.

Credentials come from an ordered chain of providers, botocore style: each looks at
its own source and returns credentials or None, and the first answer wins.
"""

from __future__ import annotations

from vcc_cli import config
from vcc_cli.errors import AuthError, UsageError

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.source import TokenSource

_UNSET = object()


# --------------------------------------------------------------------------- profile and target


def profile_name(option: str | None, env: Mapping[str, str]) -> str:
    """``--profile`` > ``VCC_PROFILE`` > ``default``."""
    if option:
        return config.require_text(option, "--profile")
    if env.get("VCC_PROFILE"):
        return config.require_text(env["VCC_PROFILE"], "VCC_PROFILE")
    return config.DEFAULT_PROFILE


class Target:
    """Where requests go for one invocation, and where each setting came from."""

    __slots__ = ("api_url", "auth_url", "profile", "region", "sources")

    def __init__(self, profile: str, region: str, auth_url: str, api_url: str, sources: dict[str, str]):
        self.profile = profile
        self.region = region  # a region name, or "custom"
        self.auth_url = auth_url
        self.api_url = api_url
        self.sources = sources

    @property
    def token_endpoint(self) -> str:
        return config.token_endpoint(self.auth_url)


def target(
    profile: Callable[[], config.Profile | None],
    name: str,
    region_option: str | None,
    env: Mapping[str, str],
) -> Target:
    """Region and URLs: env URLs > --region > VCC_REGION > profile URLs > profile region.
    ``profile`` is called only when the profile is needed."""
    sources: dict[str, str] = {}
    region: str | None = None
    if region_option:
        region, sources["region"] = config.normalize_region(region_option), "option --region"
    elif env.get("VCC_REGION"):
        region, sources["region"] = config.normalize_region(env["VCC_REGION"]), "env VCC_REGION"
    explicit_region = region is not None
    both_env_urls = bool(env.get("VCC_AUTH_URL") and env.get("VCC_API_URL"))
    saved = None if explicit_region or both_env_urls else profile()
    if region is None and saved and saved.region:
        region, sources["region"] = config.normalize_region(saved.region), f"config (profile {saved.name})"

    urls: dict[str, str] = {}
    for index, key in ((0, "auth_url"), (1, "api_url")):
        env_name = "VCC_" + key.upper()
        label = "auth URL" if index == 0 else "API URL"
        saved_url = getattr(saved, key) if saved else None
        if env.get(env_name):
            urls[key], sources[key] = config.check_url(env[env_name], env_name), f"env {env_name}"
        elif region and (explicit_region or not saved_url):
            urls[key], sources[key] = config.REGIONS[region][index], sources["region"]
        elif saved and saved_url:
            where = f"config (profile {saved.name})"
            urls[key], sources[key] = config.check_url(saved_url, f"profile {saved.name} {label}"), where
        else:
            hint = "pass --region (emea, nam, apac), set VCC_REGION, or run: vcc login"
            if saved is None:
                hint = f"no profile {name!r} is configured: " + hint
            raise UsageError("no region is set", hint)

    # A region name is reported only when both URLs are that region's own.
    custom = region is None or (urls["auth_url"], urls["api_url"]) != config.REGIONS[region]
    return Target(name, "custom" if custom else region or "custom", urls["auth_url"], urls["api_url"], sources)


def timeout(option: float | None, env: Mapping[str, str]) -> tuple[float, float]:
    """(connect, read) timeouts in seconds: --timeout > VCC_TIMEOUT > 10 s / 60 s."""
    if option is not None:
        value, origin = option, "--timeout"
    elif env.get("VCC_TIMEOUT"):
        origin = "VCC_TIMEOUT"
        try:
            value = float(env["VCC_TIMEOUT"])
        except ValueError:
            raise UsageError(f"VCC_TIMEOUT={env['VCC_TIMEOUT']!r} is not a number of seconds") from None
    else:
        return config.DEFAULT_CONNECT_TIMEOUT, config.DEFAULT_READ_TIMEOUT
    low, high = config.TIMEOUT_RANGE
    if not (low <= value <= high):  # NaN included
        raise UsageError(f"{origin} must be a number of seconds from {low:g} to {high:g}, not {value:g}")
    return value, value


class Invocation:
    """The profile, target and timeout one command works with, each resolved on
    first use: the config file is read only when a setting needs the profile, and
    nothing is resolved that the command does not use (``VCC_TOKEN`` needs no region)."""

    def __init__(
        self,
        rt: Runtime,
        profile_option: str | None = None,
        region_option: str | None = None,
        timeout_option: float | None = None,
    ):
        self.rt = rt
        self.profile_option = profile_option
        self.region_option = region_option
        self.timeout_option = timeout_option
        self._profile_name: str | None = None
        self._profile: object = _UNSET
        self._target: Target | None = None
        self._timeout: tuple[float, float] | None = None

    @property
    def profile_name(self) -> str:
        if self._profile_name is None:
            self._profile_name = profile_name(self.profile_option, self.rt.env)
        return self._profile_name

    @property
    def target(self) -> Target:
        if self._target is None:
            if self.profile_option:  # a profile asked for by name must exist
                self.profile  # noqa: B018
            self._target = target(lambda: self.profile, self.profile_name, self.region_option, self.rt.env)
        return self._target

    @property
    def timeout(self) -> tuple[float, float]:
        if self._timeout is None:
            self._timeout = timeout(self.timeout_option, self.rt.env)
        return self._timeout

    @property
    def profile(self) -> config.Profile | None:
        if self._profile is _UNSET:
            cfg = self.rt.config_file()
            found = cfg.get_profile(self.profile_name)
            if found is None and self.profile_option:
                names = cfg.profile_names()
                raise UsageError(
                    f"no profile named {self.profile_option!r}",
                    f"known profiles: {', '.join(names)}"
                    if names
                    else "create it with: vcc login --profile " + self.profile_option,
                )
            self._profile = found
        return self._profile  # type: ignore[return-value]

    @property
    def profile_scopes(self) -> tuple[str, ...]:
        profile = self.profile
        return profile.scopes if profile else ()


# --------------------------------------------------------------------------- scopes


def token_scopes(options: Sequence[str], env: Mapping[str, str], inv: Invocation) -> tuple[str, ...]:
    """Scopes for ``vcc token``: -s > VCC_SCOPE > profile default scopes."""
    for candidate in (options, [env.get("VCC_SCOPE", "")]):
        scopes = config.split_scopes(candidate)
        if scopes:
            return scopes
    scopes = config.split_scopes(inv.profile_scopes)
    if scopes:
        return scopes
    raise UsageError("no scope given", "pass -s SCOPE (see `vcc scopes` for the list) or set VCC_SCOPE")


def call_scopes(
    method: str,
    path: str,
    scope_options: Sequence[str],
    profile_scopes: Callable[[], Sequence[str]],
    env_scopes: Sequence[str] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scopes to ask a token for, other scopes the endpoint accepts) for ``vcc call``.

    ``--scope`` first; else, for a catalogued path, one the endpoint accepts and
    the credentials can get: the first accepted scope among the profile's
    scopes and ``VCC_SCOPE``'s (``env_scopes``: what a CI job without a profile
    says its credentials hold), else the catalog's first choice (SPEC 3 and 5);
    else the profile's default scopes."""
    from vcc_cli import catalog

    if scope_options:
        return config.split_scopes(scope_options), ()
    chosen = catalog.choose_scope(method, path, (*profile_scopes(), *env_scopes))
    if chosen:
        return (chosen,), tuple(s for s in catalog.accepted_scopes(method, path) if s != chosen)
    defaults = tuple(profile_scopes())
    if defaults:
        return defaults, ()
    raise UsageError(
        f"cannot tell which scope {path} needs",
        "pass -s SCOPE (see `vcc scopes`), or set default scopes with `vcc login -s SCOPE`",
    )


# --------------------------------------------------------------------------- credentials


class Credentials:
    """A client ID and where its secret comes from (read only when needed), or a
    bearer token given as is (``VCC_TOKEN``: then ``token`` is set, no client)."""

    __slots__ = ("_loader", "_secret", "client_id", "command", "source", "token")

    def __init__(
        self,
        client_id: str,
        source: str,
        *,
        secret: str | None = None,
        loader: Callable[[], str] | None = None,
        token: Token | None = None,
        command: tuple[str, ...] | None = None,
    ):
        self.client_id = client_id
        # "VCC_TOKEN", "env", "env (secret file)", "env (secret command)", "keyring",
        # "secret command" (the profile's secret_command), "login"
        self.source = source
        self.token = token
        self.command = command  # the argv that prints the secret, for the command sources
        self._secret = secret
        self._loader = loader

    def secret(self) -> str:
        if self._secret is None:
            if self._loader is None:
                raise AuthError("no client secret: VCC_TOKEN is a token, not credentials", "unset VCC_TOKEN")
            self._secret = self._loader()
        return self._secret

    def __repr__(self) -> str:  # never show the secret
        return f"Credentials(client_id={self.client_id!r}, source={self.source!r})"


def env_token(env: Mapping[str, str]) -> Token | None:
    """``VCC_TOKEN`` used as is: no fetch, no cache. It must look like a bearer token
    (visible ASCII, RFC 6750), and is never echoed when it does not."""
    value = env.get("VCC_TOKEN", "").strip()
    if not value:
        return None
    if not all("!" <= ch <= "~" for ch in value):
        raise UsageError(
            "VCC_TOKEN is not a bearer token: it has spaces, line breaks or non-ASCII characters (not shown)",
            "set it to the token alone, e.g. VCC_TOKEN=$(vcc token -s stats), or unset it",
        )
    from vcc_cli.tokens import Token

    return Token(value, "Bearer", (), None)


def from_vcc_token(inv: Invocation) -> Credentials | None:
    """``VCC_TOKEN``: a bearer token used as is."""
    token = env_token(inv.rt.env)
    return Credentials("", "VCC_TOKEN", token=token) if token is not None else None


def shown_secret_file(path: str) -> str | None:
    """``VCC_CLIENT_SECRET_FILE`` as vcc may show it: the path when it names something
    that exists, else None. A value that names nothing may be the secret itself, set by
    mistake (a secret can look like a path: base64 holds ``/``), so it is never echoed."""
    import os

    try:
        return path if os.path.lexists(path) else None
    except (OSError, ValueError):  # a NUL byte, a name too long
        return None


def read_secret_file(path: str) -> str:
    """The first line of ``VCC_CLIENT_SECRET_FILE`` (bounded: /dev/zero must not hang us)."""
    try:
        with open(path, encoding="utf-8") as fh:
            secret = fh.readline(64 * 1024).rstrip("\r\n")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        if shown_secret_file(path) is None:
            raise AuthError(
                "VCC_CLIENT_SECRET_FILE names no file (its value is not shown: it may be the secret itself)",
                "set it to the path of a file whose first line is the secret, or use VCC_CLIENT_SECRET",
            ) from None
        raise AuthError(
            f"cannot read VCC_CLIENT_SECRET_FILE {path}: {reason}", "check the path and its permissions"
        ) from exc
    if not secret.strip():
        raise AuthError(f"VCC_CLIENT_SECRET_FILE {path} is empty", "put the client secret on its first line")
    return secret


#: The environment's ways of giving the secret with VCC_CLIENT_ID: exactly one of them.
SECRET_VARIABLES = ("VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND")


def from_env_pair(inv: Invocation) -> Credentials | None:
    """``VCC_CLIENT_ID`` with one of ``VCC_CLIENT_SECRET``, ``VCC_CLIENT_SECRET_FILE`` or
    ``VCC_CLIENT_SECRET_COMMAND``; one of the pair alone, or two ways of giving the
    secret, is an error."""
    env = inv.rt.env
    env_id = env.get("VCC_CLIENT_ID", "")
    given = [name for name in SECRET_VARIABLES if env.get(name, "")]
    if len(given) > 1:
        names = ", ".join(given[:-1]) + " and " + given[-1]
        raise AuthError(f"{names} are set: they are ways of giving the same secret", "unset all but one of them")
    if not (env_id or given):
        return None
    for name in ("VCC_CLIENT_ID", *SECRET_VARIABLES):
        config.require_text(env.get(name, ""), name, AuthError)
    if not env_id:
        raise AuthError(f"{given[0]} is set but VCC_CLIENT_ID is not", "set both, or neither to use the profile")
    if not given:
        raise AuthError(
            "VCC_CLIENT_ID is set but VCC_CLIENT_SECRET is not",
            "set VCC_CLIENT_SECRET, VCC_CLIENT_SECRET_FILE or VCC_CLIENT_SECRET_COMMAND too, "
            "or unset VCC_CLIENT_ID to use the profile",
        )
    value = env[given[0]]
    if given[0] == "VCC_CLIENT_SECRET":
        return Credentials(env_id, "env", secret=value)
    if given[0] == "VCC_CLIENT_SECRET_FILE":
        return Credentials(env_id, "env (secret file)", loader=lambda: read_secret_file(value))
    from vcc_cli.tokens import secret_command

    argv = secret_command.split_command_line(value, "VCC_CLIENT_SECRET_COMMAND", AuthError)
    return Credentials(
        env_id,
        "env (secret command)",
        loader=lambda: _run_command(argv, inv, "VCC_CLIENT_SECRET_COMMAND", show=False),
        command=argv,
    )


def from_profile(inv: Invocation) -> Credentials | None:
    """The profile's client ID, its secret from its ``secret_command`` or else from the
    keyring (either asked only when needed)."""
    profile = inv.profile
    if profile is None or not profile.client_id:
        return None
    keyring, name, client_id = inv.rt.keyring, inv.profile_name, profile.client_id
    argv = profile.secret_command
    if argv:
        what = f"the secret_command of profile {name!r}"
        return Credentials(client_id, "secret command", loader=lambda: _run_command(argv, inv, what), command=argv)
    return Credentials(client_id, "keyring", loader=lambda: keyring.get_secret(name, client_id))


def _run_command(argv: tuple[str, ...], inv: Invocation, what: str, *, show: bool = True) -> str:
    """The secret the command prints, within the keyring's time limit (VCC_KEYRING_TIMEOUT)."""
    from vcc_cli.tokens import secret_command, secrets

    env = inv.rt.env
    return secret_command.run_secret_command(argv, env, timeout=secrets.keyring_timeout(env), what=what, show=show)


def profile_secret_origin(profile: config.Profile) -> str:
    """Where a saved profile's secret lives, for a person: ``the keyring`` or
    ``command `pass show vcc/prod```. Nothing is run or read."""
    if profile.secret_command:
        from vcc_cli.tokens import secret_command

        return f"command `{secret_command.shown(profile.secret_command)}`"
    return "the keyring"


def secret_origin(inv: Invocation, creds: Credentials | None = None) -> str:
    """Where the secret of ``creds`` (the chain's, by default; may raise AuthError) comes
    from, for a person (``vcc status``, ``vcc profiles``): ``env VCC_CLIENT_SECRET``,
    ``env VCC_CLIENT_SECRET_FILE (/run/secrets/vcc)``, ``env VCC_CLIENT_SECRET_COMMAND
    `op read …```, ``the keyring``, ``command `pass show vcc/prod```. Nothing is run or
    read. A file or command that names nothing that exists is not shown (it may be the
    secret itself, set by mistake)."""
    creds = creds or credentials(inv, token_allowed=False)
    env = inv.rt.env
    if creds.source == "VCC_TOKEN":
        return "none (VCC_TOKEN is a token, used as is)"
    if creds.source == "env":
        return "env VCC_CLIENT_SECRET"
    if creds.source == "env (secret file)":
        path = shown_secret_file(env.get("VCC_CLIENT_SECRET_FILE", ""))
        return "env VCC_CLIENT_SECRET_FILE" + (f" ({path})" if path else " (a value that names no file, not shown)")
    from vcc_cli.tokens import secret_command

    if creds.source == "env (secret command)":
        argv = creds.command or ()
        if argv and secret_command.findable(argv, env):
            return f"env VCC_CLIENT_SECRET_COMMAND `{secret_command.shown(argv)}`"
        return "env VCC_CLIENT_SECRET_COMMAND (a command whose program is not found, not shown)"
    if creds.source == "secret command" and creds.command:
        return f"command `{secret_command.shown(creds.command)}`"
    return "the keyring"


#: SPEC section 3's order. A command that needs a client (not a token) skips the first.
PROVIDERS: tuple[Callable[[Invocation], Credentials | None], ...] = (from_vcc_token, from_env_pair, from_profile)


def credentials(inv: Invocation, *, token_allowed: bool = True) -> Credentials:
    """The first provider's credentials; none is an AuthError naming the fixes."""
    for provider in PROVIDERS:
        if provider is from_vcc_token and not token_allowed:
            continue
        found = provider(inv)
        if found is not None:
            return found
    raise AuthError(
        f"no credentials: profile {inv.profile_name!r} is not configured",
        "run `vcc login` (or `vcc login --secret-command CMD` for a password manager), "
        "or set VCC_CLIENT_ID and VCC_CLIENT_SECRET",
    )


def token_source(inv: Invocation, creds: Credentials | None = None) -> TokenSource:
    """The token machinery for these credentials (the chain's, by default) at the
    invocation's token endpoint, sharing the run's HTTP session."""
    from vcc_cli.tokens.source import TokenSource

    rt = inv.rt
    return TokenSource(
        endpoint=inv.target.token_endpoint,
        credentials=creds or credentials(inv, token_allowed=False),
        cache=rt.token_cache(),
        timeout=inv.timeout,
        session=lambda: rt.session,
        clock=rt.clock,
    )
