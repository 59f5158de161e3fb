"""The disk token cache of SPEC section 2.

One JSON file per (token endpoint, client ID, sorted scope set), named by a hash
of that key so that file names do not reveal the client ID. Files are 0600 in a
0700 directory, replaced atomically (temporary file, fsync, rename). An entry
that is corrupt, truncated, foreign-owned or writable by others, or not a regular
file (a FIFO is never opened blocking), is a miss; so is every entry of a
directory that fails ``config.untrusted_directory`` (another user's, one others
can write to, or below one they can), and nothing is written there.
A per-key lock file (filelock, imported only on a miss) lets concurrent
processes with a cold cache send one token request between them.

An entry binds the secret it was fetched with: a random salt and HMAC-SHA256 of
the secret under it (``secret_digest``). A lookup that presents a secret is a miss
for an entry made with another one, so a rotated, wrong secret is refused by the
token endpoint rather than answered from the cache. Entries of format 1 (older vcc,
no digest) are a miss and are not listed; only ``remove`` still sees them, so that
logout and ``--clear`` take them away too.

A hit reads one file through os-level text paths: pathlib (which brings fnmatch
and urllib.parse) is imported only to write, and the key's SHA-256
comes from the builtin module rather than hashlib, which loads OpenSSL.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time

from vcc_cli.config import UntrustedDirectory, ensure_private_dir, untrusted_directory, untrusted_reason
from vcc_cli.tokens import LATEST_TIME, MAX_LIFETIME, Token

try:  # constant time, without hmac (which imports hashlib)
    from _operator import _compare_digest as compare_digest
except ImportError:  # another implementation of Python
    from hmac import compare_digest  # type: ignore[no-redef]  # the same function

try:  # the builtin SHA-256 loads in a fraction of the time hashlib and OpenSSL take
    if sys.version_info >= (3, 12):
        from _sha2 import sha256
    else:
        from _sha256 import sha256  # type: ignore[import-not-found]  # no stub in typeshed
except ImportError:  # a build without the builtin hashes
    from hashlib import sha256

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

FORMAT_VERSION = 2
#: Entries of older vcc versions (no secret digest): never served, but removed with the others.
LEGACY_VERSION = 1
SALT_BYTES = 16
#: Tolerated backwards clock step, in seconds, before an entry is distrusted.
CLOCK_SLACK = 5.0


class CacheUnavailable(Exception):
    """The cache directory cannot be created or written, or is not to be trusted."""

    @classmethod
    def because(cls, exc: OSError, directory: object, doing: str = "write to") -> CacheUnavailable:
        if isinstance(exc, UntrustedDirectory):
            return cls(f"refusing to use the token cache {directory}: {exc} ({exc.fix})")
        return cls(f"cannot {doing} the token cache {directory}: {exc.strerror}")


class Entry:
    """One cached token with its key (a plain class: ``dataclasses`` is not imported on a cache hit)."""

    __slots__ = ("client_id", "endpoint", "obtained_at", "scopes", "secret_hmac", "secret_salt", "token")

    def __init__(
        self,
        endpoint: str,
        client_id: str,
        scopes: tuple[str, ...],
        token: Token,
        obtained_at: float,
        secret_salt: str | None = None,
        secret_hmac: str | None = None,
    ):
        self.endpoint = endpoint
        self.client_id = client_id
        self.scopes = tuple(scopes)  # the requested scope set, sorted: part of the key
        self.token = token
        self.obtained_at = obtained_at  # when the request that produced it was sent
        # hex; both None for an entry that binds no secret (written by a caller holding only a token)
        self.secret_salt = secret_salt
        self.secret_hmac = secret_hmac

    def _values(self) -> tuple[object, ...]:
        return (
            self.endpoint,
            self.client_id,
            self.scopes,
            self.token,
            self.obtained_at,
            self.secret_salt,
            self.secret_hmac,
        )

    @property
    def binds_a_secret(self) -> bool:
        return self.secret_salt is not None and self.secret_hmac is not None

    def made_with(self, secret: str) -> bool:
        """Whether this entry binds ``secret`` (False for one that binds none)."""
        if self.secret_salt is None or self.secret_hmac is None:
            return False
        return compare_digest(self.secret_hmac, secret_digest(bytes.fromhex(self.secret_salt), secret))

    def serves(self, secret: str | None) -> bool:
        """Whether a lookup presenting ``secret`` may be served this entry: always when it
        presents none; else when the entry was made with it, or binds none at all."""
        return secret is None or not self.binds_a_secret or self.made_with(secret)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def usable_at(self, now: float, min_ttl: float) -> bool:
        """Alive with at least ``min_ttl`` seconds left, and the clock has not
        jumped back before the time the token was obtained."""
        remaining = self.token.remaining(now)
        if remaining is None or now < self.obtained_at - CLOCK_SLACK:
            return False
        return remaining >= min_ttl


def secret_digest(salt: bytes, secret: str) -> str:
    """HMAC-SHA256 (RFC 2104) of ``secret`` keyed with ``salt``, in hex: HKDF-Extract's shape (RFC 5869).

    A fast digest is enough here: VCC client secrets are generated, high-entropy strings,
    not passwords, so there is no dictionary to run against it, and a slow KDF (scrypt,
    PBKDF2) would only tax every cached `vcc token`. The per-entry random salt keeps the
    digest from matching anything computed elsewhere (another entry, another machine, a
    plain SHA-256 of the secret). Written by hand over the builtin SHA-256: the hmac
    module imports hashlib and OpenSSL, which a cache hit does without."""
    key = salt if len(salt) <= 64 else sha256(salt).digest()  # 64: SHA-256's block size
    key = key.ljust(64, b"\0")
    inner = sha256(bytes(b ^ 0x36 for b in key) + secret.encode("utf-8", "surrogateescape")).digest()
    return sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


def cache_key(endpoint: str, client_id: str, scopes: Iterable[str]) -> str:
    material = "\n".join([endpoint.rstrip("/"), client_id, " ".join(sorted(set(scopes)))])
    return sha256(material.encode("utf-8")).hexdigest()[:40]


def encode_entry(entry: Entry) -> bytes:
    binding = {"secret_salt": entry.secret_salt, "secret_hmac": entry.secret_hmac} if entry.binds_a_secret else {}
    return json.dumps(
        {
            "version": FORMAT_VERSION,
            "endpoint": entry.endpoint,
            "client_id": entry.client_id,
            "scopes": list(entry.scopes),
            "access_token": entry.token.access_token,
            "token_type": entry.token.token_type,
            "granted_scopes": list(entry.token.scopes),
            "expires_at": entry.token.expires_at,
            "obtained_at": entry.obtained_at,
            **binding,
        },
        separators=(",", ":"),
    ).encode("utf-8")


def _hex(value: object, size: int) -> bool:
    if not isinstance(value, str) or len(value) != 2 * size:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def decode_entry(data: bytes, *, legacy: bool = False) -> Entry | None:
    """The entry in ``data``, or None for anything malformed; an entry of an older
    format (LEGACY_VERSION) only when ``legacy`` is true."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    version = raw.get("version")
    if type(version) is not int or version not in ((FORMAT_VERSION, LEGACY_VERSION) if legacy else (FORMAT_VERSION,)):
        return None
    salt, digest = raw.get("secret_salt"), raw.get("secret_hmac")
    if version == FORMAT_VERSION and (salt is not None or digest is not None):
        if not (_hex(salt, SALT_BYTES) and _hex(digest, 32)):
            return None
    else:
        salt = digest = None
    strings = ("endpoint", "client_id", "access_token", "token_type")
    if not all(isinstance(raw.get(k), str) and raw.get(k) for k in strings):
        return None
    lists = ("scopes", "granted_scopes")
    if not all(isinstance(raw.get(k), list) and all(isinstance(s, str) for s in raw[k]) for k in lists):
        return None
    times = []
    for k in ("expires_at", "obtained_at"):
        value = raw.get(k)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        try:
            value = float(value)
        except OverflowError:  # a JSON integer too large for a float
            return None
        if not 0 <= value <= LATEST_TIME:  # also false for NaN; infinities are out of range
            return None
        times.append(value)
    expires_at, obtained_at = times
    # vcc never writes an entry living longer than MAX_LIFETIME: anything else was not written by vcc.
    if not 0 < expires_at - obtained_at <= MAX_LIFETIME + CLOCK_SLACK:
        return None
    token = Token(raw["access_token"], raw["token_type"], tuple(raw["granted_scopes"]), expires_at)
    return Entry(raw["endpoint"], raw["client_id"], tuple(raw["scopes"]), token, obtained_at, salt, digest)


class TokenCache:
    """Token entries under ``directory`` (a path or its text); ``clock`` gives seconds since the epoch."""

    def __init__(self, directory: Path | str, clock: Callable[[], float] = time.time):
        self._dir = os.fspath(directory)  # text: a hit never builds a Path
        self._directory = None if isinstance(directory, str) else directory
        self.clock = clock
        #: entries met but not trusted (path -> why), for a note like ssh's
        self.distrusted: dict[Path, str] = {}
        self._checked = False  # the directory, once per run: a few stat calls
        self._problem: UntrustedDirectory | None = None

    def _directory_problem(self) -> UntrustedDirectory | None:
        """Why the directory's files cannot be trusted (see config.untrusted_directory), or None."""
        if not self._checked:
            self._problem, self._checked = untrusted_directory(self._dir), True
        return self._problem

    @property
    def directory(self) -> Path:
        if self._directory is None:
            from pathlib import Path

            self._directory = Path(self._dir)
        return self._directory

    def _path(self, key: str) -> str:
        return os.path.join(self._dir, f"{key}.json")

    def read(self, key: str) -> Entry | None:
        """The stored entry for ``key`` if it can be trusted, whatever its age."""
        return self._read_path(self._path(key))

    def _read_path(self, path: str, legacy: bool = False) -> Entry | None:
        problem = self._directory_problem()
        if problem is not None:
            if os.path.lexists(path):
                self._distrust(path, f"{problem} ({problem.fix})")
            return None
        # Never blocking (a FIFO planted here would wait for a writer), never through a link.
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                self._distrust(path, "it is not a regular file")
                return None
            reason = untrusted_reason(st)
            if reason:
                self._distrust(path, reason)
                return None
            data = os.read(fd, 1 << 20)  # an entry is a few hundred bytes
        except OSError:
            return None
        finally:
            os.close(fd)
        return decode_entry(data, legacy=legacy)

    def _distrust(self, path: str, reason: str) -> None:
        from pathlib import Path

        self.distrusted[Path(path)] = reason

    def _entry_paths(self) -> list[str]:
        """The entry files (``*.json``, hidden ones too, as pathlib's glob), sorted by name."""
        try:
            names = os.listdir(self._dir)
        except OSError:
            return []
        return [os.path.join(self._dir, name) for name in sorted(names) if name.endswith(".json")]

    def find(
        self, endpoint: str, client_id: str, scopes: Iterable[str], min_ttl: float, secret: str | None = None
    ) -> Entry | None:
        """A usable entry for the request: its own key first, else any entry of the
        same endpoint and client whose granted scopes include the asked ones. With
        ``secret``, an entry made with another secret is a miss (see Entry.serves);
        it stays on disk for the processes that hold the right one."""
        wanted = set(scopes)
        now = self.clock()
        entry = self.read(cache_key(endpoint, client_id, wanted))
        if entry and entry.usable_at(now, min_ttl) and self._matches(entry, endpoint, client_id, wanted, secret):
            return entry
        for other in self.entries():
            if other.usable_at(now, min_ttl) and self._matches(other, endpoint, client_id, wanted, secret):
                return other
        return None

    @staticmethod
    def _matches(entry: Entry, endpoint: str, client_id: str, wanted: set[str], secret: str | None) -> bool:
        return (
            entry.endpoint == endpoint.rstrip("/")
            and entry.client_id == client_id
            and wanted <= set(entry.token.scopes)  # granted scopes (the asked ones when unstated)
            and entry.serves(secret)
        )

    def entries_for(self, endpoint: str, client_id: str) -> list[Entry]:
        """Every trusted entry of one client at one token endpoint, whatever its age."""
        endpoint = endpoint.rstrip("/")
        return [e for e in self.entries() if e.endpoint == endpoint and e.client_id == client_id]

    def entries(self) -> list[Entry]:
        return [e for e in (self._read_path(p) for p in self._entry_paths()) if e is not None]

    def put(
        self,
        endpoint: str,
        client_id: str,
        scopes: Iterable[str],
        token: Token,
        obtained_at: float,
        secret: str | None = None,
    ) -> Path:
        """Store ``token`` atomically: temporary file, fsync, rename. ``secret``, the one
        the token was fetched with, is bound to the entry as a salted digest (never
        itself); without it the entry binds none (a caller holding only a token)."""
        from pathlib import Path

        salt = hmac = None
        if secret is not None:
            raw_salt = os.urandom(SALT_BYTES)
            salt, hmac = raw_salt.hex(), secret_digest(raw_salt, secret)
        entry = Entry(endpoint.rstrip("/"), client_id, tuple(sorted(set(scopes))), token, obtained_at, salt, hmac)
        path = self.directory / f"{cache_key(endpoint, client_id, entry.scopes)}.json"

        try:
            ensure_private_dir(self.directory)
        except OSError as exc:
            raise CacheUnavailable.because(exc, self.directory) from exc
        # The name first, then the file: whatever interrupts, the cleanup knows what to remove.
        tmp = os.path.join(self._dir, f".tmp-{os.urandom(8).hex()}.json")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(encode_entry(entry))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise CacheUnavailable.because(exc, self.directory) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def delete(self, key: str) -> bool:
        try:
            os.unlink(self._path(key))
            return True
        except FileNotFoundError:
            return False

    def remove(self, predicate: Callable[[Entry], bool]) -> int:
        """Delete every entry ``predicate`` accepts, those of older formats included;
        return how many went."""
        removed = 0
        for path in self._entry_paths():
            entry = self._read_path(path, legacy=True)
            if entry is not None and predicate(entry):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                removed += 1
        return removed

    def lock(self, key: str, timeout: float):
        """A cross-process lock for ``key`` (a filelock.FileLock, used as a context manager).

        flock-based: the kernel releases it when its holder dies, so a killed
        process never blocks anyone."""
        from filelock import FileLock

        try:
            ensure_private_dir(self.directory)
        except OSError as exc:
            raise CacheUnavailable.because(exc, self.directory, "create") from exc
        return FileLock(str(self.directory / f"{key}.lock"), timeout=timeout, mode=0o600)
