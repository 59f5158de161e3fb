"""API credentials the emulator accepts: client ID, secret and allowed scopes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vcc_cli import catalog


@dataclass(frozen=True)
class Client:
    """One set of API credentials, as API Admin would create it."""

    client_id: str
    secret: str
    scopes: frozenset[str]


def parse_client(spec: str) -> Client:
    """``ID:SECRET:SCOPES`` → Client. SCOPES are separated by spaces, ``+`` or
    commas (scope values contain ``:``, so only the first two colons split);
    ``ID:SECRET`` alone allows every scope of the catalog. Raises ValueError
    with a message meant for the person who typed the spec."""
    parts = spec.strip().split(":", 2)
    if len(parts) < 2:
        raise ValueError(f"bad client {spec!r}: expected ID:SECRET or ID:SECRET:SCOPE1+SCOPE2")
    client_id, secret = parts[0].strip(), parts[1].strip()
    if not client_id:
        raise ValueError(f"bad client {spec!r}: the client ID is empty")
    if not secret:
        raise ValueError(f"bad client {client_id!r}: the secret is empty")
    if len(parts) == 2:
        return Client(client_id, secret, frozenset(catalog.all_scopes()))
    scopes = [s for s in re.split(r"[\s+,]+", parts[2]) if s]
    if not scopes:
        raise ValueError(
            f"bad client {client_id!r}: no scope after 'ID:SECRET:' (leave out the last ':' to allow every scope)"
        )
    known = set(catalog.all_scopes())
    unknown = [s for s in scopes if s not in known]
    if unknown:
        raise ValueError(
            f"bad client {client_id!r}: unknown scope {', '.join(unknown)}; known scopes: {' '.join(sorted(known))}"
        )
    return Client(client_id, secret, frozenset(scopes))


DEFAULT_CLIENT = Client("demo-client", "demo-secret", frozenset(catalog.all_scopes()))
