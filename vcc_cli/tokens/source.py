"""A token for a client and scopes: from the disk cache, else the token endpoint.

A cache miss takes the key's cross-process lock, looks again (another process
may have just fetched it) and only then asks the token endpoint, so concurrent
cold invocations send one request between them.

Each entry binds the secret it was fetched with (tokens/cache.py), and a lookup
presents the secret it holds, so a wrong or rotated secret is answered by the
token endpoint (invalid_client, exit 3), not from the cache: see SECRET_UNCHECKED
for the one place where a cache hit trusts the secret without reading it.
"""

from __future__ import annotations

import time

from vcc_cli.errors import NetworkError
from vcc_cli.tokens.cache import CacheUnavailable, TokenCache, cache_key

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vcc_cli.resolve import Credentials
    from vcc_cli.tokens import Token

#: seconds: a holder slow to start, and one that reads its secret from the keyring under
#: the lock before its deadline starts (the keyring's own limit, 5 s by default).
LOCK_MARGIN = 2.0 + 5.0

#: Credential sources whose secret a cache hit does not read to check the entry's digest.
#: The keyring: reading it means importing keyring and a D-Bus round trip, and it may prompt
#: to unlock or hang until its time limit, where a cached token must stay fast and work
#: with a locked keyring; what it holds was put there by `vcc login`, which checks it
#: (unless --no-verify) before storing it. A secret command (a profile's, or
#: VCC_CLIENT_SECRET_COMMAND): running a password manager (`op`, `bw`, gpg) on every cached
#: token would cost a second or a prompt each time, which is what the cache is there to
#: avoid; the command's answer is checked whenever a token is fetched, so a rotation shows
#: within one token lifetime. VCC_TOKEN has no secret (and no cache). Every other source
#: (env value, secret file, one not known here) is checked: reading it costs nothing, and a
#: secret that changes outside vcc is only caught by looking at it.
SECRET_UNCHECKED = frozenset({"keyring", "secret command", "env (secret command)", "VCC_TOKEN"})


def lock_timeout_for(timeout: tuple[float, float]) -> float:
    """How long to wait for another process's fetch: the holder gives up on the token
    endpoint at the total deadline of one token request (``client.fetch_deadline``, a
    few times connect + read timeout, however slowly the answer trickles in); a waiter
    gives up LOCK_MARGIN seconds after that, a margin for a holder that was slow to
    start or to read its secret."""
    from vcc_cli.tokens.client import fetch_deadline

    return fetch_deadline(timeout) + LOCK_MARGIN


class Resolved:
    """A token and where it came from: "cache" or "fetched" ("env" for VCC_TOKEN)."""

    __slots__ = ("notes", "origin", "token")

    def __init__(self, token: Token, origin: str, notes: list[str] | None = None):
        self.token = token
        self.origin = origin
        self.notes = notes if notes is not None else []


class TokenSource:
    """Everything needed to produce a token for one endpoint and client.
    ``session`` returns the run's HTTP session (created on first use)."""

    def __init__(
        self,
        endpoint: str,
        credentials: Credentials,
        cache: TokenCache,
        timeout: tuple[float, float],
        session: Callable[[], object],
        clock: Callable[[], float] = time.time,
    ):
        self.endpoint = endpoint
        self.credentials = credentials
        self.cache = cache
        self.timeout = timeout
        self._session = session
        self.clock = clock

    @property
    def lock_timeout(self) -> float:
        return lock_timeout_for(self.timeout)

    @property
    def session(self):
        return self._session()

    def presented_secret(self) -> str | None:
        """The secret a cache lookup must match, or None where it is not checked (SECRET_UNCHECKED)."""
        if self.credentials.source in SECRET_UNCHECKED:
            return None
        return self.credentials.secret()

    def cached(self, scopes: Sequence[str], min_ttl: float) -> Token | None:
        entry = self.cache.find(
            self.endpoint, self.credentials.client_id, scopes, min_ttl, secret=self.presented_secret()
        )
        return entry.token if entry else None

    def get(self, scopes: Sequence[str], *, min_ttl: float = 60.0, refresh: bool = False) -> Resolved:
        """A token for ``scopes`` with at least ``min_ttl`` seconds left."""
        return self._noted(self._get(scopes, min_ttl, refresh))

    def replace(self, rejected: Token, scopes: Sequence[str], *, min_ttl: float = 60.0) -> Resolved:
        """A token for ``scopes`` instead of ``rejected``, which the API refused (401):
        the one another process cached since, if there is one, else a new one, fetched
        under the key's lock after looking again. N processes whose token was revoked
        send one token request between them, as cold ones do."""
        return self._noted(self._get(scopes, min_ttl, False, rejected))

    def _noted(self, resolved: Resolved) -> Resolved:
        for path, reason in self.cache.distrusted.items():
            resolved.notes.append(f"ignored the cached token {path}: {reason}; check who can write to {path.parent}")
        return resolved

    def _cached_other_than(self, scopes: Sequence[str], min_ttl: float, rejected: Token | None) -> Token | None:
        token = self.cached(scopes, min_ttl)
        if token is None or (rejected is not None and token.access_token == rejected.access_token):
            return None
        return token

    def _get(self, scopes: Sequence[str], min_ttl: float, refresh: bool, rejected: Token | None = None) -> Resolved:
        if not refresh:
            token = self._cached_other_than(scopes, min_ttl, rejected)
            if token is not None:
                return Resolved(token, "cache")
        key = cache_key(self.endpoint, self.credentials.client_id, scopes)
        try:
            lock = self.cache.lock(key, self.lock_timeout)
        except CacheUnavailable as exc:
            resolved = self.fetch(scopes, store=False)
            resolved.notes.append(f"{exc}; the token was not cached")
            return resolved
        from filelock import Timeout

        try:
            lock.acquire()
        except Timeout:
            raise NetworkError(
                f"gave up after {self.lock_timeout:g} s waiting for another vcc process to fetch the token",
                "that process is still waiting for the token endpoint: check the network, or raise --timeout",
            ) from None
        except OSError as exc:  # unwritable directory, a symlink in place of the lock...
            if rejected is not None:
                self.drop(rejected)
            resolved = self.fetch(scopes, store=False)
            resolved.notes.append(
                f"cannot lock the token cache {self.cache.directory} ({exc.strerror or exc}); the token was not cached"
            )
            return resolved
        try:
            if rejected is not None:
                self.drop(rejected)  # under the lock: no other process is fetching its successor now
            if not refresh:
                token = self._cached_other_than(scopes, min_ttl, rejected)
                if token is not None:
                    return Resolved(token, "cache")
            return self.fetch(scopes, store=True)
        finally:
            lock.release()

    def fetch(self, scopes: Sequence[str], *, store: bool) -> Resolved:
        from vcc_cli.tokens.client import fetch_token

        sent_at = self.clock()
        secret = self.credentials.secret()
        result = fetch_token(
            self.session,
            self.endpoint,
            self.credentials.client_id,
            secret,
            scopes,
            timeout=self.timeout,
            clock=self.clock,
        )
        resolved = Resolved(result.token, "fetched", list(result.notes))
        if store and not result.cacheable:  # an older entry must not outlive a refresh
            self.cache.delete(cache_key(self.endpoint, self.credentials.client_id, scopes))
        if store and result.cacheable:
            try:
                self.cache.put(self.endpoint, self.credentials.client_id, scopes, result.token, sent_at, secret)
            except CacheUnavailable as exc:
                resolved.notes.append(f"{exc}; the token was not cached")
        return resolved

    def clear(self, scopes: Sequence[str] = ()) -> int:
        """Remove this client's cached tokens at this endpoint (only those covering
        ``scopes`` when given); returns how many went."""
        wanted = set(scopes)
        endpoint = self.endpoint.rstrip("/")
        return self.cache.remove(
            lambda e: (
                e.endpoint == endpoint
                and e.client_id == self.credentials.client_id
                and wanted <= set(e.scopes) | set(e.token.scopes)
            )
        )

    def forget_other_secrets(self) -> int:
        """Remove this client's cached tokens at this endpoint that were not fetched with
        the credentials' secret (for `vcc login` to call when it stores a new one, so that
        keyring profiles, whose hits are not checked, never serve a token of the old
        secret); returns how many went."""
        secret = self.credentials.secret()
        endpoint = self.endpoint.rstrip("/")
        return self.cache.remove(
            lambda e: e.endpoint == endpoint and e.client_id == self.credentials.client_id and not e.made_with(secret)
        )

    def drop(self, token: Token) -> int:
        """Forget cached entries holding ``token`` (after the API rejected it)."""
        return self.cache.remove(lambda e: e.token.access_token == token.access_token)
