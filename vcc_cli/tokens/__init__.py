"""Tokens: the token endpoint client, the disk cache, the keyring, and resolution."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The longest token lifetime vcc believes, in seconds; a larger ``expires_in`` is capped.
MAX_LIFETIME = 24 * 3600
#: The last second of year 9999: later times cannot be shown as dates.
LATEST_TIME = 253_402_300_799.0


@dataclass(frozen=True)
class Token:
    """A bearer token. ``expires_at`` is seconds since the epoch (UTC), None when unknown."""

    access_token: str
    token_type: str = "Bearer"
    scopes: tuple[str, ...] = ()
    expires_at: float | None = None

    def remaining(self, now: float) -> float | None:
        """Seconds of life left at ``now`` (may be negative), None when unknown."""
        if self.expires_at is None or not math.isfinite(self.expires_at):
            return None
        return self.expires_at - now

    def __repr__(self) -> str:  # keep tokens out of tracebacks and logs
        return f"Token(scopes={self.scopes!r}, expires_at={self.expires_at!r})"
