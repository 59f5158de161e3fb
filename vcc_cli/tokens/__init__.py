"""Tokens: the token endpoint client, the disk cache, the keyring, and resolution."""

from __future__ import annotations

#: The longest token lifetime vcc believes, in seconds; a larger ``expires_in`` is capped.
MAX_LIFETIME = 24 * 3600
#: The last second of year 9999: later times cannot be shown as dates.
LATEST_TIME = 253_402_300_799.0
_INFINITY = float("inf")  # finiteness is checked without math: a cached `vcc token` does not import it


class Token:
    """A bearer token. ``expires_at`` is seconds since the epoch (UTC), None when unknown.
    A plain class: a cached ``vcc token`` does not pay for ``dataclasses``."""

    __slots__ = ("access_token", "expires_at", "scopes", "token_type")

    def __init__(
        self,
        access_token: str,
        token_type: str = "Bearer",
        scopes: tuple[str, ...] = (),
        expires_at: float | None = None,
    ):
        self.access_token = access_token
        self.token_type = token_type
        self.scopes = tuple(scopes)
        self.expires_at = expires_at

    def _values(self) -> tuple[object, ...]:
        return (self.access_token, self.token_type, self.scopes, self.expires_at)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def remaining(self, now: float) -> float | None:
        """Seconds of life left at ``now`` (may be negative), None when unknown."""
        if self.expires_at is None or not -_INFINITY < self.expires_at < _INFINITY:  # NaN is not either
            return None
        return self.expires_at - now

    def __repr__(self) -> str:  # keep tokens out of tracebacks and logs
        return f"Token(scopes={self.scopes!r}, expires_at={self.expires_at!r})"


def decode_jwt(access_token: str) -> tuple[dict, dict] | None:
    """The header and claims of a JWT-shaped token (three base64url parts, the first two
    JSON objects), decoded without verifying the signature; None for an opaque token."""
    import base64
    import json

    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    decoded = []
    for part in parts[:2]:
        try:
            value = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (ValueError, TypeError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        decoded.append(value)
    return decoded[0], decoded[1]


def jwt_scopes(access_token: str) -> tuple[str, ...] | None:
    """The ``scope`` claim of a JWT-shaped token, read without verifying it (only
    to word a 403 or to inspect it); None when the token is opaque."""
    jwt = decode_jwt(access_token)
    scope = jwt[1].get("scope") if jwt else None
    if isinstance(scope, str):
        return tuple(scope.split()) or None
    if isinstance(scope, list) and all(isinstance(s, str) for s in scope):
        return tuple(scope) or None
    return None
