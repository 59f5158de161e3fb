"""Tokens: the token endpoint client, the disk cache, the keyring, and resolution."""

from __future__ import annotations

import math
from dataclasses import dataclass


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
