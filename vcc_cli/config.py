"""Paths, regions, profiles and the resolution order of SPEC sections 1-3.

Nothing here prints. Environment and clock are passed in (``env`` is any
mapping, ``os.environ`` by default) so tests never touch the real home.
Only the standard library is imported at module level: this module is on
the path of ``vcc token`` served from cache.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from vcc_cli.errors import AuthError, UsageError, VccError

APP_NAME = "vcc"
DEFAULT_PROFILE = "default"
TOKEN_PATH = "/Auth/connect/token"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0

#: region -> (auth base URL, API base URL), SPEC section 1.
REGIONS: dict[str, tuple[str, str]] = {
    "emea": ("https://emea.cc.vonage.com", "https://emea.api.cc.vonage.com"),
    "nam": ("https://nam.cc.vonage.com", "https://nam.api.cc.vonage.com"),
    "apac": ("https://apac.cc.vonage.com", "https://apac.api.cc.vonage.com"),
}


# --------------------------------------------------------------------------- paths


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("VCC_CONFIG_DIR"):
        return Path(env["VCC_CONFIG_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("VCC_CACHE_DIR"):
        return Path(env["VCC_CACHE_DIR"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) with mode 0700. An existing directory keeps its
    mode, but one owned by another user or writable by others (without the sticky
    bit) is refused, as ssh does: someone else could swap the files in it."""
    try:
        path.mkdir(mode=0o700, parents=True)
        path.chmod(0o700)  # mkdir's mode is filtered by the umask
    except FileExistsError:
        pass
    st = path.stat()
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(20, "Not a directory", str(path))
    if st.st_uid != os.geteuid() or (st.st_mode & 0o022 and not st.st_mode & stat.S_ISVTX):
        raise PermissionError(1, "owned by another user or writable by others", str(path))
    return path


def untrusted_reason(st: os.stat_result) -> str | None:
    """Why a file with this stat must not be trusted (ssh's rule), or None."""
    if st.st_uid != os.geteuid():
        return "it belongs to another user"
    if st.st_mode & 0o022:
        return "other users can write to it"
    return None


# --------------------------------------------------------------------------- URLs


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":  # SPEC 1: localhost, 127.0.0.0/8 and ::1, nothing else by name
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, what: str) -> str:
    """Validate a base URL: https anywhere, plain http only on loopback (SPEC 1, 7).

    Returns the URL without a trailing slash.
    """
    require_text(url, what)
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0-65535
    except ValueError as exc:
        raise UsageError(
            f"{what} {url!r} is not a valid URL ({exc})", "give a full URL such as https://emea.api.cc.vonage.com"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{what} {url!r} is not an http(s) URL",
            "give a full URL such as https://emea.api.cc.vonage.com",
        )
    if parts.username or parts.password:
        raise UsageError(f"{what} must not contain a user name or password", "remove the user:password@ part")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"{what} {url!r} uses plain http, which would send credentials in clear",
            "use https (plain http is accepted only for localhost, 127.0.0.0/8 and ::1)",
        )
    return url.strip().rstrip("/")


def token_endpoint(auth_url: str) -> str:
    """The token endpoint for an auth base URL (a full endpoint URL is kept as is)."""
    if urlsplit(auth_url).path.rstrip("/").lower().endswith("/connect/token"):
        return auth_url.rstrip("/")
    return auth_url.rstrip("/") + TOKEN_PATH


def normalize_region(region: str) -> str:
    value = region.strip().lower()
    if value not in REGIONS:
        raise UsageError(
            f"unknown region {region!r}",
            f"valid regions: {', '.join(REGIONS)} (or set VCC_AUTH_URL and VCC_API_URL for custom endpoints)",
        )
    return value


CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def ca_bundle(env: Mapping[str, str]) -> str | None:
    """The CA certificates to verify TLS with, from the environment (corporate proxies),
    or None for the default bundle. requests reads REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE
    itself but not OpenSSL's SSL_CERT_FILE, which curl and most tools honour: vcc does.
    A variable naming no file is a usage error (requests would fail with a bare OSError)."""
    for name in CA_BUNDLE_VARIABLES:
        value = env.get(name, "")
        if value:
            if not os.path.exists(value):
                raise UsageError(
                    f"{name}={value} names no file or directory",
                    f"point {name} at a PEM file of CA certificates, or unset it",
                )
            return value
    return None


# --------------------------------------------------------------------------- profiles


@dataclass
class Profile:
    name: str
    region: str | None = None
    client_id: str | None = None
    scopes: tuple[str, ...] = ()
    auth_url: str | None = None
    api_url: str | None = None


class ConfigFile:
    """``config.toml``: one table per profile under ``[profiles.NAME]``. Never a secret.

    Reading uses the standard library; writing uses tomlkit so that comments and
    keys a person added survive, and goes through a temporary file and a rename.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / "config.toml"

    def _read_text(self) -> str | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsageError(f"cannot read {self.path}: {exc.strerror}") from exc
        reason = untrusted_reason(st)
        if reason:
            raise UsageError(
                f"refusing to use {self.path}: {reason}",
                f"check its content, then run: chmod 600 {self.path}",
            )
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {self.path}: {exc}") from exc

    def load(self) -> dict:
        text = self._read_text()
        if text is None:
            return {}
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{self.path} is not valid TOML: {exc}", "fix or remove the file") from exc
        profiles = data.get("profiles", {})
        if not isinstance(profiles, dict):
            raise UsageError(f"{self.path}: 'profiles' must be a table", "fix or remove the file")
        return data

    def profile_names(self) -> list[str]:
        return sorted(self.load().get("profiles", {}))

    def get_profile(self, name: str) -> Profile | None:
        table = self.load().get("profiles", {}).get(name)
        if table is None:
            return None
        if not isinstance(table, dict):
            raise UsageError(f"{self.path}: [profiles.{name}] must be a table", "fix or remove the file")

        def text(key: str) -> str | None:
            value = table.get(key)
            if value is None:
                return None
            if not isinstance(value, str):
                raise UsageError(f"{self.path}: profiles.{name}.{key} must be a string", "fix the file")
            return value

        scopes = table.get("scopes", [])
        if isinstance(scopes, str):
            scopes = scopes.split()
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise UsageError(f"{self.path}: profiles.{name}.scopes must be a list of strings", "fix the file")
        return Profile(
            name=name,
            region=text("region"),
            client_id=text("client_id"),
            scopes=tuple(scopes),
            auth_url=text("auth_url"),
            api_url=text("api_url"),
        )

    def _write(self, document) -> None:
        import tomlkit

        self._write_bytes(tomlkit.dumps(document).encode("utf-8"))

    def _write_bytes(self, data: bytes) -> None:
        """Replace the file atomically: a new 0600 temporary file (O_EXCL, never a
        file or link someone left there), fsync, rename. On failure the previous
        file is untouched and no temporary file is left."""
        import tempfile

        try:
            ensure_private_dir(self.directory)
            fd, name = tempfile.mkstemp(dir=self.directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise self._write_error(exc) from exc
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise self._write_error(exc) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _write_error(self, exc: OSError) -> UsageError:
        reason = exc.strerror or exc.__class__.__name__
        return UsageError(
            f"cannot write {self.path}: {reason}; the previous file is unchanged",
            f"free some space or fix the permissions of {self.directory}, or set VCC_CONFIG_DIR",
        )

    def snapshot(self) -> bytes | None:
        """The file's bytes as they are now (None when there is no file), for ``restore``."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsageError(f"cannot read {self.path}: {exc.strerror}") from exc

    def restore(self, snapshot: bytes | None) -> None:
        """Put back what ``snapshot`` returned (undo a change another step could not finish)."""
        if snapshot is None:
            self.path.unlink(missing_ok=True)
        else:
            self._write_bytes(snapshot)

    def _document(self):
        import tomlkit

        self.load()  # validates: never overwrite a file we could not read
        text = self._read_text()
        return tomlkit.parse(text) if text else tomlkit.document()

    def save_profile(self, profile: Profile) -> None:
        import tomlkit

        document = self._document()
        if "profiles" not in document:
            document["profiles"] = tomlkit.table(is_super_table=True)
        profiles = document["profiles"]
        table = profiles.get(profile.name)
        if table is None:
            table = tomlkit.table()
            profiles[profile.name] = table
        for key in ("region", "client_id", "auth_url", "api_url"):
            value = getattr(profile, key)
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        if profile.scopes:
            table["scopes"] = list(profile.scopes)
        else:
            table.pop("scopes", None)
        self._write(document)

    def remove_profile(self, name: str) -> bool:
        if not self.path.exists():
            return False
        document = self._document()
        profiles = document.get("profiles")
        if not profiles or name not in profiles:
            return False
        del profiles[name]
        self._write(document)
        return True


# --------------------------------------------------------------------------- resolution


@dataclass
class Target:
    """Where requests go for one invocation, and where each setting came from."""

    profile: str
    region: str  # a region name, or "custom"
    auth_url: str
    api_url: str
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def token_endpoint(self) -> str:
        return token_endpoint(self.auth_url)


def require_text(value: str, what: str, error: type[VccError] = UsageError) -> str:
    """``value`` when it is text that can be written out (UTF-8); an argument, variable or
    line of stdin holding bytes that are not UTF-8 reaches Python as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not valid UTF-8 text", f"check the bytes of {what}") from None
    return value


def resolve_profile_name(option: str | None, env: Mapping[str, str]) -> str:
    if option:
        return require_text(option, "--profile")
    if env.get("VCC_PROFILE"):
        return require_text(env["VCC_PROFILE"], "VCC_PROFILE")
    return DEFAULT_PROFILE


def resolve_target(
    profile: Profile | None,
    profile_name: str,
    region_option: str | None,
    env: Mapping[str, str],
) -> Target:
    """Region and URLs: env URLs > --region > VCC_REGION > profile URLs > profile region."""
    sources: dict[str, str] = {}
    region: str | None = None
    if region_option:
        region, sources["region"] = normalize_region(region_option), "option --region"
    elif env.get("VCC_REGION"):
        region, sources["region"] = normalize_region(env["VCC_REGION"]), "env VCC_REGION"
    explicit_region = region is not None
    if region is None and profile and profile.region:
        region, sources["region"] = normalize_region(profile.region), f"config (profile {profile.name})"

    urls: dict[str, str] = {}
    for index, key in ((0, "auth_url"), (1, "api_url")):
        env_name = "VCC_" + key.upper()
        label = "auth URL" if index == 0 else "API URL"
        saved = getattr(profile, key) if profile else None
        if env.get(env_name):
            urls[key], sources[key] = check_url(env[env_name], f"{env_name}"), f"env {env_name}"
        elif explicit_region:
            urls[key], sources[key] = REGIONS[region][index], sources["region"]
        elif saved:
            urls[key], sources[key] = (
                check_url(saved, f"profile {profile.name} {label}"),
                f"config (profile {profile.name})",
            )
        elif region:
            urls[key], sources[key] = REGIONS[region][index], sources["region"]
        else:
            hint = "pass --region (emea, nam, apac), set VCC_REGION, or run: vcc login"
            if profile is None:
                hint = f"no profile {profile_name!r} is configured: " + hint
            raise UsageError("no region is set", hint)

    # A region name is reported only when both URLs are that region's own.
    custom = region is None or (urls["auth_url"], urls["api_url"]) != REGIONS[region]
    return Target(
        profile=profile_name,
        region="custom" if custom else region,
        auth_url=urls["auth_url"],
        api_url=urls["api_url"],
        sources=sources,
    )


def resolve_timeout(option: float | None, env: Mapping[str, str]) -> tuple[float, float]:
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
        return DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT
    if not (0 < value < 86400):
        raise UsageError(f"{origin} must be a positive number of seconds, not {value}")
    return value, value


#: One scope value: RFC 6749 section 3.3's scope-token (printable ASCII but space, " and \).
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


def split_scopes(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Scopes given as repeated options and/or space- or comma-separated strings, deduplicated.
    A value that cannot be an OAuth scope is a usage error (before anything is sent)."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.replace(",", " ").split():
            if not _SCOPE_TOKEN.fullmatch(part):
                raise UsageError(
                    f"{part!r} is not a valid scope (printable ASCII without quotes or backslashes)",
                    "see `vcc scopes` for the scope values",
                )
            seen.setdefault(part, None)
    return tuple(seen)


def resolve_token_scopes(options: list[str] | None, env: Mapping[str, str], profile: Profile | None) -> tuple[str, ...]:
    """Scopes for ``vcc token``: -s > VCC_SCOPE > profile default scopes (SPEC 3)."""
    for candidate in (options or [], [env.get("VCC_SCOPE", "")], list(profile.scopes) if profile else []):
        scopes = split_scopes(candidate)
        if scopes:
            return scopes
    raise UsageError("no scope given", "pass -s SCOPE (see `vcc scopes` for the list) or set VCC_SCOPE")


# --------------------------------------------------------------------------- credentials


@dataclass
class Credentials:
    """A client ID, and where its secret comes from; the secret is read only when needed."""

    client_id: str
    source: str  # "env", "env (secret file)", "keyring"
    _secret: str | None = None
    _secret_loader: object = None  # () -> str

    def secret(self) -> str:
        if self._secret is None:
            self._secret = self._secret_loader()  # type: ignore[operator]
        return self._secret

    def __repr__(self) -> str:  # never show the secret
        return f"Credentials(client_id={self.client_id!r}, source={self.source!r})"


def read_secret_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            secret = fh.readline(64 * 1024).rstrip("\r\n")  # bounded: /dev/zero must not hang us
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        if not os.path.lexists(path) and not path.startswith(("/", "~", "./", "../")):
            # Not a path: most likely the secret itself, set by mistake. Never echo it.
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


def resolve_credentials(
    env: Mapping[str, str], profile: Profile | None, profile_name: str, secret_loader
) -> Credentials:
    """Env variables first (SPEC 3), else the profile's client ID with ``secret_loader`` for the keyring."""
    env_id = env.get("VCC_CLIENT_ID", "")
    env_secret = env.get("VCC_CLIENT_SECRET", "")
    env_file = env.get("VCC_CLIENT_SECRET_FILE", "")
    if env_secret and env_file:
        raise AuthError("both VCC_CLIENT_SECRET and VCC_CLIENT_SECRET_FILE are set", "unset one of them")
    if env_id or env_secret or env_file:
        for name, value in (
            ("VCC_CLIENT_ID", env_id),
            ("VCC_CLIENT_SECRET", env_secret),
            ("VCC_CLIENT_SECRET_FILE", env_file),
        ):
            require_text(value, name, AuthError)
        if not env_id:
            given = "VCC_CLIENT_SECRET" if env_secret else "VCC_CLIENT_SECRET_FILE"
            raise AuthError(f"{given} is set but VCC_CLIENT_ID is not", "set both, or neither to use the profile")
        if env_secret:
            return Credentials(env_id, "env", _secret=env_secret)
        if env_file:
            return Credentials(env_id, "env (secret file)", _secret_loader=lambda: read_secret_file(env_file))
        raise AuthError(
            "VCC_CLIENT_ID is set but VCC_CLIENT_SECRET is not",
            "set VCC_CLIENT_SECRET or VCC_CLIENT_SECRET_FILE too, or unset VCC_CLIENT_ID to use the profile",
        )
    if profile is None or not profile.client_id:
        raise AuthError(
            f"no credentials: profile {profile_name!r} is not configured",
            "run `vcc login`, or set VCC_CLIENT_ID and VCC_CLIENT_SECRET",
        )
    return Credentials(
        profile.client_id, "keyring", _secret_loader=lambda: secret_loader(profile_name, profile.client_id)
    )
