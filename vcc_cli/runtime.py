"""The one seam for the outside world: environment, clock, streams, HTTP, keyring.

Commands take a ``Runtime``; tests build one with a fixed clock, a dict for
the environment, an in-memory keyring or a ``responses``-mocked session.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from vcc_cli import config
from vcc_cli.output import IO


class KeyringStore:
    """The keyring functions commands use; swapped for a dict-backed one in tests."""

    def get_secret(self, profile: str, client_id: str | None = None) -> str:
        from vcc_cli.tokens import secrets

        return secrets.get_secret(profile, client_id)

    def set_secret(self, profile: str, secret: str) -> None:
        from vcc_cli.tokens import secrets

        secrets.set_secret(profile, secret)

    def delete_secret(self, profile: str) -> bool:
        from vcc_cli.tokens import secrets

        return secrets.delete_secret(profile)

    def backend_name(self) -> str:
        from vcc_cli.tokens import secrets

        return secrets.backend_name()


def _new_session():
    from vcc_cli.http import new_session

    session = new_session()
    # Verification stays on; a corporate CA bundle from the environment is checked
    # and used (requests alone ignores SSL_CERT_FILE). requests reads the process
    # environment for these, so this does too.
    bundle = config.ca_bundle(os.environ)
    if bundle:
        session.verify = bundle
    return session


@dataclass
class Runtime:
    env: MutableMapping[str, str] = field(default_factory=lambda: os.environ)
    io: IO | None = None
    clock: Callable[[], float] = time.time
    session_factory: Callable[[], object] = _new_session
    keyring: KeyringStore = field(default_factory=KeyringStore)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.io is None:
            self.io = IO(env=self.env)

    @property
    def config_dir(self) -> Path:
        return config.config_dir(self.env)

    @property
    def cache_dir(self) -> Path:
        return config.cache_dir(self.env)

    def config_file(self) -> config.ConfigFile:
        return config.ConfigFile(self.config_dir)

    def token_cache(self):
        from vcc_cli.tokens.cache import TokenCache

        return TokenCache(self.cache_dir, clock=self.clock)


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
