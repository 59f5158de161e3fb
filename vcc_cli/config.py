"""Paths, regions, URLs and profiles (SPEC sections 1 and 2); their resolution order is ``resolve.py``.

Nothing here prints. Environment and clock are passed in (``env`` is any
mapping, ``os.environ`` by default) so tests never touch the real home.
Only the standard library is imported at module level: this module is on
the path of ``vcc token`` served from cache.
"""

from __future__ import annotations

import os
import stat
import sys

from vcc_cli.errors import UsageError, VccError

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path  # imported where used: pathlib is not on the cache-hit path

APP_NAME = "vcc"
DEFAULT_PROFILE = "default"
TOKEN_PATH = "/Auth/connect/token"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
#: The timeouts accepted, in seconds, from --timeout and VCC_TIMEOUT alike.
TIMEOUT_RANGE = (0.001, 86400.0)

#: region -> (auth base URL, API base URL), SPEC section 1.
REGIONS: dict[str, tuple[str, str]] = {
    "emea": ("https://emea.cc.vonage.com", "https://emea.api.cc.vonage.com"),
    "nam": ("https://nam.cc.vonage.com", "https://nam.api.cc.vonage.com"),
    "apac": ("https://apac.cc.vonage.com", "https://apac.api.cc.vonage.com"),
}


# --------------------------------------------------------------------------- paths


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    from pathlib import Path

    return Path(user_config_dir(env))


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    from pathlib import Path

    return Path(user_cache_dir(env))


def user_config_dir(env: Mapping[str, str] | None = None) -> str:
    """``VCC_CONFIG_DIR`` (``~`` expanded), else the platform's (``~/.config/vcc``), as text."""
    return _user_dir(os.environ if env is None else env, "VCC_CONFIG_DIR", "XDG_CONFIG_HOME", "/.config")


def user_cache_dir(env: Mapping[str, str] | None = None) -> str:
    """``VCC_CACHE_DIR`` (``~`` expanded), else the platform's (``~/.cache/vcc``), as text:
    the token cache reads it without pathlib."""
    return _user_dir(os.environ if env is None else env, "VCC_CACHE_DIR", "XDG_CACHE_HOME", "/.cache")


def _user_dir(env: Mapping[str, str], variable: str, xdg_variable: str, home_default: str) -> str:
    given = env.get(variable)
    if given:
        expanded = os.path.expanduser(given)
        if given[:1] == "~" and expanded[:1] == "~":  # as pathlib's Path.expanduser, which this replaces
            raise RuntimeError("Could not determine home directory.")
        return expanded
    # platformdirs' answer in the plain Linux case, worked out here: platformdirs and
    # what it imports (pathlib, tempfile) cost more than the rest of a cached `vcc token`.
    # Anything else (another system, Android, a relative HOME or XDG variable, which
    # platformdirs versions treat differently) is left to platformdirs.
    home, xdg = env.get("HOME", ""), env.get(xdg_variable, "")
    android = hasattr(sys, "getandroidapilevel") or "ANDROID_DATA" in env
    if sys.platform == "linux" and not android and home[:1] == "/":
        if xdg[:1] == "/":
            return os.path.join(xdg, APP_NAME)
        if not xdg.strip():
            return os.path.join(home.rstrip("/") + home_default, APP_NAME)
    import platformdirs

    if variable == "VCC_CONFIG_DIR":
        return platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return platformdirs.user_cache_dir(APP_NAME, appauthor=False)


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
    import ipaddress

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
    from urllib.parse import urlsplit

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
    rest = auth_url.split("?", 1)[0].split("#", 1)[0].split("://", 1)[-1]  # no urllib: on the cache-hit path
    path = rest[rest.find("/") :] if "/" in rest else ""
    if path.rstrip("/").lower().endswith("/connect/token"):
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


class Profile:
    """One ``[profiles.NAME]`` table of config.toml."""

    __slots__ = ("api_url", "auth_url", "client_id", "name", "region", "scopes")

    def __init__(
        self,
        name: str,
        region: str | None = None,
        client_id: str | None = None,
        scopes: tuple[str, ...] = (),
        auth_url: str | None = None,
        api_url: str | None = None,
    ):
        self.name = name
        self.region = region
        self.client_id = client_id
        self.scopes = tuple(scopes)
        self.auth_url = auth_url
        self.api_url = api_url

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, key) for key in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self._values() == other._values()

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, region={self.region!r}, client_id={self.client_id!r})"


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
        import tomllib

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
        from pathlib import Path

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


# --------------------------------------------------------------------------- values


def require_text(value: str, what: str, error: type[VccError] = UsageError) -> str:
    """``value`` when it is text that can be written out (UTF-8); an argument, variable or
    line of stdin holding bytes that are not UTF-8 reaches Python as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not valid UTF-8 text", f"check the bytes of {what}") from None
    return value


#: The characters of RFC 6749 section 3.3's scope-token: printable ASCII but space, " and \.
_SCOPE_CHARS = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "\\"}


def split_scopes(values: Iterable[str]) -> tuple[str, ...]:
    """Scopes given as repeated options and/or space- or comma-separated strings, deduplicated.
    A value that cannot be an OAuth scope is a usage error (before anything is sent)."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.replace(",", " ").split():
            if not _SCOPE_CHARS.issuperset(part):
                raise UsageError(
                    f"{part!r} is not a valid scope (printable ASCII without quotes or backslashes)",
                    "see `vcc scopes` for the scope values",
                )
            seen.setdefault(part, None)
    return tuple(seen)
