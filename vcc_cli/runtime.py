"""The one seam for the outside world: environment, clock, streams, HTTP, keyring.

Commands take a ``Runtime``; tests build one with a fixed clock, a dict for
the environment, an in-memory keyring or a ``responses``-mocked session.
Nothing else in vcc reads ``os.environ``.
"""

from __future__ import annotations

import os
import time

from vcc_cli import config
from vcc_cli.output import IO

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from pathlib import Path

    from vcc_cli.tokens.cache import TokenCache


class KeyringStore:
    """The keyring functions commands use; swapped for a dict-backed one in tests."""

    def __init__(self, env: MutableMapping[str, str] | None = None):
        self.env = os.environ if env is None else env

    def get_secret(self, profile: str, client_id: str | None = None) -> str:
        from vcc_cli.tokens import secrets

        return secrets.get_secret(profile, client_id, env=self.env)

    def set_secret(self, profile: str, secret: str) -> None:
        from vcc_cli.tokens import secrets

        secrets.set_secret(profile, secret, env=self.env)

    def delete_secret(self, profile: str) -> bool:
        from vcc_cli.tokens import secrets

        return secrets.delete_secret(profile, env=self.env)

    def backend_name(self) -> str:
        from vcc_cli.tokens import secrets

        return secrets.backend_name(env=self.env)


def new_session(env: MutableMapping[str, str]) -> object:
    """A requests session for one run that takes its settings from ``env`` alone (never
    ``~/.netrc``): proxies (never for plain http to loopback), and verification on, with
    a corporate CA bundle from ``env`` checked and used (requests alone ignores
    SSL_CERT_FILE)."""
    from vcc_cli.http import new_session as session_for

    session = session_for(env)
    bundle = config.ca_bundle(env)
    if bundle:
        session.verify = bundle
    return session


class Runtime:
    """Environment, streams, clock, sleep, keyring and the run's one HTTP session."""

    def __init__(
        self,
        env: MutableMapping[str, str] | None = None,
        io: IO | None = None,
        clock: Callable[[], float] = time.time,
        session_factory: Callable[[], object] | None = None,
        keyring: KeyringStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.env: MutableMapping[str, str] = os.environ if env is None else env
        self.io: IO = io if io is not None else IO(env=self.env)
        self.clock = clock
        self.sleep = sleep
        self.keyring: KeyringStore = keyring if keyring is not None else KeyringStore(self.env)
        self.session_factory: Callable[[], object] = session_factory or (lambda: new_session(self.env))
        self._session: object = None

    @property
    def session(self):  # requests.Session; untyped so that requests stays unimported here
        """The run's HTTP session, shared by the token source and the caller (one
        connection pool), created on first use."""
        if self._session is None:
            self._session = self.session_factory()
        return self._session

    @property
    def config_dir(self) -> Path:
        return config.config_dir(self.env)

    @property
    def cache_dir(self) -> Path:
        return config.cache_dir(self.env)

    def config_file(self) -> config.ConfigFile:
        return config.ConfigFile(self.config_dir)

    def token_cache(self) -> TokenCache:
        from vcc_cli.tokens.cache import TokenCache

        return TokenCache(config.user_cache_dir(self.env), clock=self.clock)  # text: no pathlib on a hit


_current: Runtime | None = None


def current() -> Runtime:
    """The runtime of this invocation (built from the real world on first use)."""
    global _current
    if _current is None:
        _current = Runtime()
    return _current


def use(runtime: Runtime | None) -> None:
    """Install ``runtime`` for the next invocation (tests), or None to reset."""
    global _current
    _current = runtime
