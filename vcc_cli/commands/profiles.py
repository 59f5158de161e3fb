"""``vcc profiles``: every profile of config.toml at a glance, as ``gh auth status`` shows
accounts: region or URLs, client ID, where the secret lives (and whether the keyring has
it), default scopes, cached tokens and their remaining lifetime, the active one marked,
and the environment variables that override them.

``--json`` prints ``listing()``'s document, whose shape is stable (documented in
``vcc profiles --help``): every key is always there, ``null`` when unknown. No token and
no secret is ever shown; a secret is only looked up, within the keyring's time limit.
"""

from __future__ import annotations

import time

from vcc_cli.cli.table import Options
from vcc_cli.errors import UsageError, VccError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from vcc_cli import config
    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens.cache import Entry


class ProfilesOptions(Options):
    profile: str | None
    json: bool


#: Environment variables that take precedence over the profiles (SPEC section 3):
#: (variables, what they replace, in --json's "replaces", what that means for a person).
OVERRIDES = (
    (("VCC_TOKEN",), "credentials", "vcc token and vcc call use this token as is, no profile's credentials"),
    (
        ("VCC_CLIENT_ID", "VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND"),
        "credentials",
        "the client ID and secret come from the environment, not from a profile",
    ),
    (("VCC_REGION", "VCC_AUTH_URL", "VCC_API_URL"), "region and URLs", "requests go there, whatever the profile says"),
    (("VCC_SCOPE",), "default scopes", "vcc token asks for these scopes, not the profile's"),
)


def env_overrides(env: Mapping[str, str]) -> list[dict]:
    """The variables set that take precedence over the profiles, grouped by what they replace."""
    found = []
    for variables, replaces, meaning in OVERRIDES:
        given = [name for name in variables if env.get(name, "").strip()]
        if given:
            found.append({"variables": given, "replaces": replaces, "meaning": meaning})
    return found


class KeyringAsker:
    """Asks the keyring (``rt.keyring``, time-limited) whether it holds each profile's
    secret. The backend is looked up once; once the keyring has spent its time limit
    (``VCC_KEYRING_TIMEOUT``) in all, it is asked no more, so that a hanging keyring
    costs at most about twice its limit, however many profiles there are."""

    def __init__(self, rt: Runtime, monotonic: Callable[[], float] = time.monotonic):
        self.rt = rt
        self.monotonic = monotonic
        self.spent = 0.0
        self.asked = False
        self.backend: str | None = None
        self.problem: str | None = None  # why the keyring cannot be used at all
        self.slow: str | None = None  # the profile whose lookup used up the time

    def _budget(self) -> float:
        from vcc_cli.tokens import secrets

        try:
            return secrets.keyring_timeout(self.rt.env)
        except VccError:
            return secrets.DEFAULT_TIMEOUT

    def _timed(self, action: Callable[[], object]) -> object:
        started = self.monotonic()
        try:
            return action()
        finally:
            self.spent += self.monotonic() - started

    def secret_state(self, name: str, client_id: str | None) -> dict:
        """``{"found": bool | None, "problem": str | None}`` for profile ``name``'s secret:
        None when the keyring could not be asked. The secret itself is dropped at once."""
        if not self.asked:
            self.asked = True
            try:
                self.backend = str(self._timed(self.rt.keyring.backend_name))
            except VccError as exc:
                self.problem = exc.message
        if self.problem is not None:
            return {"found": None, "problem": self.problem}
        if self.slow is not None:
            return {"found": None, "problem": f"not asked: the keyring was too slow for profile {self.slow!r}"}
        try:
            self._timed(lambda: self.rt.keyring.get_secret(name, client_id))
        except VccError as exc:  # this profile's: the next one is still asked
            found: dict = {"found": False, "problem": exc.message}
        else:
            found = {"found": True, "problem": None}
        if self.spent >= self._budget():
            self.slow = name
        return found

    def summary(self) -> dict | None:
        """The keyring as this listing met it, or None when no profile needed it."""
        if not self.asked:
            return None
        return {"backend": self.backend, "answers": self.problem is None, "problem": self.problem}


def _where(target) -> dict:
    return {"region": target.region, "auth_url": target.auth_url, "api_url": target.api_url}


def _token(entry: Entry, endpoint: str | None, now: float) -> dict:
    from vcc_cli.commands.token import iso_utc

    left = entry.token.remaining(now)
    return {
        "scopes": list(entry.token.scopes or entry.scopes),
        "expires_at": iso_utc(entry.token.expires_at),
        "expires_in": max(0, int(left)) if left is not None else None,
        "expired": left is None or left <= 0,
        "token_endpoint": entry.endpoint,
        "other_endpoint": endpoint is not None and entry.endpoint != endpoint.rstrip("/"),
    }


def _profile(
    cfg: config.ConfigFile, name: str, active: str, entries: list[Entry], keyring: KeyringAsker, now: float
) -> dict:
    from vcc_cli import resolve

    shown: dict = {
        "name": name,
        "active": name == active,
        "region": None,
        "auth_url": None,
        "api_url": None,
        "client_id": None,
        "secret": None,
        "scopes": [],
        "tokens": [],
        "problem": None,
    }
    try:
        profile = cfg.get_profile(name)
    except UsageError as exc:  # one damaged table: the others are still listed
        shown["problem"] = exc.message
        return shown
    if profile is None:  # gone since the names were read (another vcc logout)
        shown["problem"] = "not in the config file any more"
        return shown
    shown["client_id"], shown["scopes"] = profile.client_id, list(profile.scopes)
    endpoint = None
    try:  # the profile's own settings: the environment's overrides are listed apart
        target = resolve.target(lambda: profile, name, None, {})
        shown.update(_where(target))
        endpoint = target.token_endpoint
    except UsageError as exc:
        shown["region"], shown["problem"] = profile.region, exc.message
    if profile.secret_command:
        shown["secret"] = {"source": "command", "command": list(profile.secret_command)}
    else:
        shown["secret"] = {"source": "keyring", **keyring.secret_state(name, profile.client_id)}
    if profile.client_id:
        mine = [e for e in entries if e.client_id == profile.client_id]
        mine.sort(key=lambda e: (e.endpoint != (endpoint or "").rstrip("/"), e.endpoint, e.token.scopes or e.scopes))
        shown["tokens"] = [_token(e, endpoint, now) for e in mine]
    return shown


def listing(opts: ProfilesOptions, rt: Runtime) -> dict:
    """The document ``vcc profiles --json`` prints (nothing printed here)."""
    from vcc_cli import resolve

    cfg = rt.config_file()
    names = cfg.profile_names()
    active = resolve.profile_name(opts.profile, rt.env)
    if opts.profile and opts.profile not in names:
        raise UsageError(
            f"no profile named {opts.profile!r}",
            f"known profiles: {', '.join(names)}" if names else "create it with: vcc login --profile " + opts.profile,
        )
    source = "option --profile" if opts.profile else "env VCC_PROFILE" if rt.env.get("VCC_PROFILE") else "default"
    entries = rt.token_cache().entries()
    keyring = KeyringAsker(rt)
    now = rt.clock()
    profiles = [
        _profile(cfg, name, active, entries, keyring, now) for name in ([opts.profile] if opts.profile else names)
    ]
    return {
        "config_file": str(cfg.path),
        "active": {"name": active, "source": source, "configured": active in names},
        "env_overrides": env_overrides(rt.env),
        "keyring": keyring.summary(),
        "profiles": profiles,
    }


# --------------------------------------------------------------------------- text


def _region_line(shown: dict) -> str:
    if shown["auth_url"] is None:  # resolve.target refused the profile's settings: say why
        return f"{shown['region'] or 'none'} (unusable: {shown['problem']})"
    if shown["region"] == "custom":
        return f"custom: auth {shown['auth_url']}, API {shown['api_url']}"
    return shown["region"]


def _secret_line(secret: dict, keyring: dict | None) -> str:
    import shlex

    if secret["source"] == "command":
        return f"command `{shlex.join(secret['command'])}` (run when a token is fetched)"
    backend = f" ({keyring['backend']})" if keyring and keyring["backend"] else ""
    if secret["found"]:
        return f"keyring{backend}: found"
    if secret["found"] is False:
        return f"keyring{backend}: not found: {secret['problem']}"
    return f"keyring: unknown: {secret['problem']}"


def _token_line(token: dict) -> str:
    from vcc_cli.checks import duration_left

    scopes = " ".join(token["scopes"]) or "(no scope)"
    left = "expired" if token["expired"] else duration_left(token["expires_in"])
    return f"{scopes}: {left}" + (f" (at {token['token_endpoint']})" if token["other_endpoint"] else "")


def _source_words(source: str) -> str:
    return {"option --profile": "from --profile", "env VCC_PROFILE": "from VCC_PROFILE", "default": "the default"}[
        source
    ]


def render(document: dict, write: Callable[[str], None]) -> None:
    """``document`` (from ``listing``) as lines for a person, every value escaped."""
    from vcc_cli.output import one_line

    def line(text: str) -> None:
        write(one_line(text))

    active = document["active"]
    line(f"Profiles in {document['config_file']}:")
    for shown in document["profiles"]:
        line("")
        mark = (
            f"* {shown['name']}  (active, {_source_words(active['source'])})"
            if shown["active"]
            else f"  {shown['name']}"
        )
        line(mark)
        rows: list[tuple[str, str]] = []
        if shown["problem"] and shown["client_id"] is None and shown["secret"] is None:
            rows.append(("problem", shown["problem"]))
        else:
            rows.append(("region", _region_line(shown)))
            rows.append(("client ID", shown["client_id"] or "none (run `vcc login --profile " + shown["name"] + "`)"))
            rows.append(("secret", _secret_line(shown["secret"], document["keyring"])))
            rows.append(("default scopes", " ".join(shown["scopes"]) or "none"))
            tokens = [_token_line(t) for t in shown["tokens"]] or ["none"]
            rows.append(("cached tokens", tokens[0]))
            rows.extend(("", more) for more in tokens[1:])
        for label, value in rows:
            line(f"    {label:<15} {value}")
    if not active["configured"]:
        line("")
        line(
            f"The active profile {active['name']!r} ({_source_words(active['source'])}) is not configured: "
            f"create it with `vcc login --profile {active['name']}`"
        )
    if document["env_overrides"]:
        line("")
        line("Set in the environment, and used over the profiles:")
        for override in document["env_overrides"]:
            line(f"    {' + '.join(override['variables'])}: {override['meaning']}")


def run(opts: ProfilesOptions, rt: Runtime) -> int:
    document = listing(opts, rt)
    if opts.json:
        rt.io.print_json(document)
        return 0
    if not document["profiles"]:
        # An empty list is an answer, not a failure (exit 0): `vcc status` is the readiness check.
        rt.io.note(f"no profiles in {document['config_file']}: create one with `vcc login`")
        for override in document["env_overrides"]:
            rt.io.note(f"set in the environment: {' + '.join(override['variables'])}: {override['meaning']}")
        return 0
    render(document, rt.io.write_line)
    return 0
