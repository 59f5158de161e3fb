"""Paths, regions, URLs and profiles (SPEC sections 1 and 2); their resolution order is ``resolve.py``.

Nothing here prints. Environment and clock are passed in (``env`` is any
mapping, ``os.environ`` by default) so tests never touch the real home.
Only the standard library is imported at module level: this module is on
the path of ``vcc token`` served from cache.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

from vcc_cli.errors import UsageError, VccError

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
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


class UntrustedDirectory(PermissionError):
    """A directory vcc keeps no private file in and trusts none from: ``filename`` is
    the directory at fault, ``reason`` why, ``fix`` what to do about it."""

    def __init__(self, path: str, reason: str, fix: str):
        super().__init__(1, reason, path)
        self.reason = reason
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.filename} {self.reason}"


def ensure_private_dir(path: Path, setting: str = "VCC_CACHE_DIR") -> Path:
    """Create ``path`` (and missing parents) with mode 0700. An existing directory keeps
    its mode, but it must pass ``untrusted_directory``, else UntrustedDirectory (an
    OSError) says which directory, why, and the fix (``setting`` names the variable
    that moves it). Nothing is created below a directory that fails."""
    text = os.fspath(path)
    missing = []
    while not os.path.lexists(text) and os.path.dirname(text) != text:
        missing.append(text)
        text = os.path.dirname(text) or "."
    if missing:
        problem = _untrusted_ancestors(missing[-1], path, setting)
        if problem is not None:
            raise problem
    for directory in reversed(missing):  # parents too: an umask of 0 would make them 0777
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
    problem = untrusted_directory(os.fspath(path), setting)
    if problem is not None:
        raise problem
    if not os.path.isdir(path):
        raise NotADirectoryError(20, "Not a directory", os.fspath(path))
    return path


def untrusted_directory(path: str, setting: str = "VCC_CACHE_DIR") -> UntrustedDirectory | None:
    """Why files in the directory ``path`` cannot be trusted, or None (also when it does
    not exist: there is nothing in it to trust). As ssh's StrictModes: it must be the
    user's and writable by nobody else (the sticky bit does not help: others could
    still create the lock or plant files), and each directory above it, up to the
    user's home or /, must be the user's or root's and not writable by others, else
    they could rename it away and put their own in its place. An exception above it,
    as for ssh: a sticky directory (/tmp), where others can add names but not move
    the user's; and, as Debian's ssh allows, a group-writable one whose group is the
    user's own private group (umask 002 systems)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        return UntrustedDirectory(path, "is not a directory", f"remove it, or set {setting} to another directory")
    if st.st_uid != os.geteuid():
        return UntrustedDirectory(
            path, "belongs to another user", f"set {setting} to a directory of your own, or remove it"
        )
    if st.st_mode & 0o022:
        return UntrustedDirectory(path, "is writable by other users", f"run: chmod 700 {path}")
    return _untrusted_ancestors(path, path, setting)


def _untrusted_ancestors(path: str, shown: object, setting: str) -> UntrustedDirectory | None:
    """The first directory above ``path`` that fails, as the error for ``shown``: above
    its real path, and above the path as given when a symbolic link is on the way (the
    directory holding the link decides where it leads)."""
    real = os.path.realpath(path)
    problem = _untrusted_above(real, os.path.dirname(real), shown, setting)
    given = os.path.abspath(path)
    if problem is None and given != real:
        problem = _untrusted_above(given, os.path.dirname(given), shown, setting)
    return problem


def _untrusted_above(path: str, start: str, shown: object, setting: str) -> UntrustedDirectory | None:
    """The first directory from ``start`` up that fails ``_insecure_ancestor``, as the
    error for ``shown``; the walk ends above the user's home, when ``path`` is in it."""
    uid = os.geteuid()
    current = start
    while True:
        try:
            above = os.stat(current)
        except OSError as exc:
            return UntrustedDirectory(current, f"cannot be examined ({exc.strerror})", f"set {setting} elsewhere")
        reason = _insecure_ancestor(above, uid)
        if reason is not None:
            # Looked up only now (it can cost: NSS, LDAP). Above the user's home, itself
            # checked, is the system's business, as for ssh.
            if any(_inside(path, home) and _inside(home, current) for home in _homes(uid)):
                return None
            fix = f"set {setting} to a directory outside it"
            return UntrustedDirectory(
                current,
                f"(above {shown}) {reason}",
                f"run: chmod go-w {current}, or {fix}" if "writable" in reason else fix,
            )
        if os.path.dirname(current) == current:
            return None
        current = os.path.dirname(current)


def _inside(path: str, directory: str) -> bool:
    return path.startswith(directory.rstrip("/") + "/")


def _insecure_ancestor(st: os.stat_result, uid: int) -> str | None:
    if st.st_uid not in (uid, 0):
        return "belongs to another user"
    if st.st_mode & stat.S_ISVTX:  # others may add names, not move or remove the user's
        return None
    if st.st_mode & 0o002:
        return "is writable by other users"
    if st.st_mode & 0o020 and not _private_group(st.st_gid, st.st_uid):
        return "is writable by its group"
    return None


def _private_group(gid: int, uid: int) -> bool:
    """Debian's ssh rule: the group's one and only member is the owner (a user private group)."""
    import grp
    import pwd

    try:
        group, owner = grp.getgrgid(gid), pwd.getpwuid(uid)
    except KeyError:
        return False
    primary = {user.pw_name for user in pwd.getpwall() if user.pw_gid == gid}
    return (primary | set(group.gr_mem)) == {owner.pw_name}


def _homes(uid: int) -> set[str]:
    """The user's home directory (from the password database, as ssh), as written and real."""
    import pwd

    try:
        home = pwd.getpwuid(uid).pw_dir
    except KeyError:
        return set()
    return {os.path.normpath(home), os.path.realpath(home)} if home.startswith("/") else set()


def untrusted_reason(st: os.stat_result) -> str | None:
    """Why a file with this stat must not be trusted (ssh's rule), or None."""
    if st.st_uid != os.geteuid():
        return "it belongs to another user"
    if st.st_mode & 0o022:
        return "other users can write to it"
    return None


def read_regular_file(path: str, *, limit: int = 1 << 20) -> tuple[os.stat_result, bytes]:
    """The stat and first ``limit`` bytes of the file ``path``, opened without blocking:
    a FIFO (which would wait for a writer), a device or a directory raises
    NotRegularFile before anything is read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(path, st)
        chunks, size = [], 0
        while size < limit:
            chunk = os.read(fd, limit - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return st, b"".join(chunks)
    finally:
        os.close(fd)


class NotRegularFile(OSError):
    """A FIFO, socket, device or directory where vcc expects a file: never read."""

    KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))

    def __init__(self, path: str, st: os.stat_result):
        kind = next((name for test, name in self.KINDS if test(st.st_mode)), "a device")
        super().__init__(errno.EINVAL, f"it is {kind}, not a regular file", path)
        self.kind = kind


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

    __slots__ = ("api_url", "auth_url", "client_id", "name", "region", "scopes", "secret_command")

    def __init__(
        self,
        name: str,
        region: str | None = None,
        client_id: str | None = None,
        scopes: tuple[str, ...] = (),
        auth_url: str | None = None,
        api_url: str | None = None,
        secret_command: tuple[str, ...] | None = None,
    ):
        self.name = name
        self.region = region
        self.client_id = client_id
        self.scopes = tuple(scopes)
        self.auth_url = auth_url
        self.api_url = api_url
        #: The argv (no shell) whose first line of stdout is the secret, instead of the
        #: keyring (``secret_command = ["pass", "show", "vcc/prod"]``); None: the keyring.
        self.secret_command = tuple(secret_command) if secret_command else None

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, key) for key in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and self._values() == other._values()

    def __repr__(self) -> str:
        return f"Profile({self.name!r}, region={self.region!r}, client_id={self.client_id!r})"


#: Seconds to wait for another vcc process's config update (each takes milliseconds).
CONFIG_LOCK_TIMEOUT = 10.0


class ConfigFile:
    """``config.toml``: one table per profile under ``[profiles.NAME]``. Never a secret.

    Reading uses the standard library; writing uses tomlkit so that comments and
    keys a person added survive, and goes through a temporary file and a rename.
    An update holds a cross-process lock (``config.toml.lock``, beside it) and
    re-reads the file under it, so that parallel ``vcc login`` runs lose nothing.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / "config.toml"

    def _read_text(self) -> str | None:
        if not os.path.lexists(self.path):  # nothing there to trust or distrust: an empty config
            return None
        problem = untrusted_directory(os.fspath(self.directory), "VCC_CONFIG_DIR")
        if problem is not None:
            raise UsageError(f"refusing to use {self.path}: {problem}", problem.fix)
        try:  # never blocking: a FIFO, a device (/dev/zero) or a directory is refused unread
            st, data = read_regular_file(os.fspath(self.path), limit=CONFIG_SIZE_LIMIT + 1)
        except FileNotFoundError:
            return None
        except NotRegularFile as exc:
            raise UsageError(
                f"refusing to use {self.path}: {exc.strerror}", "remove it, or set VCC_CONFIG_DIR"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot read {self.path}: {exc.strerror}") from exc
        reason = untrusted_reason(st)
        if reason:
            raise UsageError(
                f"refusing to use {self.path}: {reason}",
                f"check its content, then run: chmod 600 {self.path}",
            )
        if len(data) > CONFIG_SIZE_LIMIT:
            raise UsageError(f"{self.path} is larger than {CONFIG_SIZE_LIMIT >> 20} MiB: not a vcc config file")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"cannot read {self.path}: {exc}") from exc

    def load(self) -> dict:
        return self._parse(self._read_text())

    def _parse(self, text: str | None) -> dict:
        import tomllib

        if text is None:
            return {}
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{self.path} is not valid TOML: {exc}", "fix or remove the file") from exc
        except RecursionError:  # arrays or tables nested thousands deep
            raise UsageError(f"{self.path} is nested too deeply to be read", "fix or remove the file") from None
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
        command = table.get("secret_command")
        if command is not None and not (
            isinstance(command, list)
            and command
            and all(isinstance(arg, str) and "\x00" not in arg for arg in command)
            and command[0].strip()
        ):
            raise UsageError(
                f"{self.path}: profiles.{name}.secret_command must be a non-empty list of strings "
                "(the program and its arguments, run without a shell)",
                'fix the file, e.g. secret_command = ["pass", "show", "vcc/prod"]',
            )
        return Profile(
            name=name,
            region=text("region"),
            client_id=text("client_id"),
            scopes=tuple(scopes),
            auth_url=text("auth_url"),
            api_url=text("api_url"),
            secret_command=tuple(command) if command is not None else None,
        )

    # -- updates: each one under the lock, on the file as it is then

    def _lock(self) -> _UpdateLock:
        """The cross-process lock of config updates, entered with ``with``."""
        self._ensure_directory()
        return _UpdateLock(self)

    def _ensure_directory(self) -> None:
        try:
            ensure_private_dir(self.directory, "VCC_CONFIG_DIR")
        except UntrustedDirectory as exc:
            raise UsageError(f"refusing to write {self.path}: {exc}", exc.fix) from None
        except OSError as exc:
            raise self._write_error(exc) from exc

    def _document(self):
        """The file as it is now, as a tomlkit document (validated first: a file vcc
        could not read is never overwritten), and its text (None when there is none)."""
        import tomlkit

        text = self._read_text()
        self._parse(text)
        try:
            return (tomlkit.parse(text) if text else tomlkit.document()), text
        except RecursionError:
            raise UsageError(f"{self.path} is nested too deeply to be read", "fix or remove the file") from None

    def _write(self, document) -> str:
        import tomlkit

        text = tomlkit.dumps(document)
        self._write_bytes(text.encode("utf-8"))
        return text

    def _write_bytes(self, data: bytes) -> None:
        """Replace the file atomically: a new 0600 temporary file (O_EXCL, never a
        file or link someone left there), fsync, rename. On failure the previous
        file is untouched and no temporary file is left."""
        self._ensure_directory()
        # The name first, then the file: whatever interrupts, the cleanup knows what to remove.
        tmp = os.path.join(self.directory, f".{self.path.name}.{os.urandom(8).hex()}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            _unlink(tmp)
            raise self._write_error(exc) from exc
        except BaseException:
            _unlink(tmp)
            raise

    def _write_error(self, exc: OSError) -> UsageError:
        reason = exc.strerror or exc.__class__.__name__
        return UsageError(
            f"cannot write {self.path}: {reason}; the previous file is unchanged",
            f"free some space or fix the permissions of {self.directory}, or set VCC_CONFIG_DIR",
        )

    def save_profile(self, profile: Profile) -> Callable[[], None]:
        """Add or update ``profile``; returns a function that takes this change back
        (``vcc login`` when the keyring fails), leaving what others changed since."""
        with self._lock():
            document, before = self._document()
            previous = _plain(document.get("profiles", {}).get(profile.name))
            _set_profile(document, profile)
            after = self._write(document)
        mine = _plain(document["profiles"][profile.name])
        return lambda: self._undo(profile.name, previous, mine, before, after)

    def _undo(self, name: str, previous: dict | None, mine: dict | None, before: str | None, after: str) -> None:
        with self._lock():
            document, now = self._document()
            if now == after:  # nobody wrote since: the file exactly as it was
                if before is None:
                    _unlink(os.fspath(self.path))
                else:
                    self._write_bytes(before.encode("utf-8"))
                return
            profiles = document.get("profiles")
            if profiles is None or _plain(profiles.get(name)) != mine:
                return  # the profile changed since (another login): theirs stands
            if previous is None:
                del profiles[name]
            else:
                import tomlkit

                profiles[name] = tomlkit.item(previous)
            self._write(document)

    def remove_profile(self, name: str) -> bool:
        if not self.path.exists():
            return False
        with self._lock():
            document, _ = self._document()
            profiles = document.get("profiles")
            if not profiles or name not in profiles:
                return False
            del profiles[name]
            self._write(document)
        return True


class _UpdateLock:
    """``config.toml.lock`` held (flock: the kernel releases it when its holder dies)."""

    def __init__(self, config: ConfigFile):
        from filelock import FileLock

        self.config = config
        self.lock = FileLock(f"{config.path}.lock", timeout=CONFIG_LOCK_TIMEOUT, mode=0o600)

    def __enter__(self) -> None:
        from filelock import Timeout

        try:
            self.lock.acquire()
        except Timeout:
            raise UsageError(
                f"another vcc process has held the lock of {self.config.path} for {CONFIG_LOCK_TIMEOUT:g} s",
                "run the command again; if it keeps failing, look for a hanging vcc process",
            ) from None
        except OSError as exc:  # a symlink planted in place of the lock file, a full disk...
            raise self.config._write_error(exc) from exc

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


#: config.toml is a few lines; anything this large is not one.
CONFIG_SIZE_LIMIT = 1 << 20


def _set_profile(document, profile: Profile) -> None:
    import tomlkit

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
    if profile.secret_command:
        table["secret_command"] = list(profile.secret_command)
    else:
        table.pop("secret_command", None)


def _plain(item) -> dict | None:
    """A tomlkit table as plain values (to compare and to put back), or None."""
    if item is None:
        return None
    value = item.unwrap() if hasattr(item, "unwrap") else item
    return value if isinstance(value, dict) else {"": value}


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


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
