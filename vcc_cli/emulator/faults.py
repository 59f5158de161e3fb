"""Fault injection and run-time settings (``Faults``), and the fair-usage
limit (``FairUsage``): what makes the emulator misbehave on purpose, so that
clients can be tested against 429s, 5xxs and broken downloads."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any

TOKEN_FAULTS = ("", "503", "html", "not-json", "no-access-token", "no-expires-in")
CONTENT_FAIL_STATUSES = (500, 502, 503, 504)
_SECONDS = ("delay", "delete_batch_seconds")
_GUID_LISTS = ("content_fail_guids", "delete_fail_guids")
# "Every Nth" faults count from the moment they are set.
_EVERY = ("content_fail_every", "content_cut_every")


@dataclass
class Faults:
    """Fault injection and run-time settings; change them at any time.

    - ``rate_limit_next``: the next N API requests get 429 with ``Retry-After``.
    - ``retry_after``: the ``Retry-After`` value of those 429s, in seconds.
    - ``fail_next_503``: the next N API requests get 503 (after any 429s).
    - ``delay``: seconds to wait before answering each API or token request.
    - ``token_ttl``: ``expires_in`` of the next tokens, in seconds.
    - ``token_fault``: what the token endpoint answers instead of its normal
      response while set: ``"503"``, ``"html"`` (a 200 HTML page),
      ``"not-json"``, ``"no-access-token"``, ``"no-expires-in"``; ``""`` is off.
    - ``rate_limit``: VCC's fair usage: at most N API requests per client ID
      in any 60 seconds, the rest 429 without ``Retry-After``; 0 is off.
    - ``delete_batch_seconds``: how long each delete-batch takes; another one
      arriving meanwhile gets 429, as VCC answers concurrent deletions.
    - ``delete_fail_guids``: GUIDs that delete-batch reports in ``failures``
      (statusCode 500) and does not delete.
    - ``content_fail_every``: every Nth content file request (``GET
      …/interactions/{guid}/content/{key}``, counted from when this is set)
      answers ``content_fail_status`` (500, 502, 503 or 504; 503 by default).
    - ``content_fail_guids``: GUIDs whose content files always answer 500.
    - ``content_cut_every``: every Nth content body (counted from when this
      is set) stops halfway: the full Content-Length is promised, half the
      bytes are sent, then the connection is closed.
    """

    rate_limit_next: int = 0
    retry_after: int = 1
    fail_next_503: int = 0
    delay: float = 0.0
    token_ttl: int = 7200  # VCC's: "always 7200, two hours"
    token_fault: str = ""
    rate_limit: int = 0  # requests per minute per client ID
    delete_batch_seconds: float = 0.0
    delete_fail_guids: list[str] = field(default_factory=list)
    content_fail_every: int = 0
    content_fail_status: int = 503
    content_fail_guids: list[str] = field(default_factory=list)
    content_cut_every: int = 0

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name in _EVERY:  # setting an "every Nth" fault starts its count again
            self.__dict__.setdefault("_seen", {})[name] = 0

    def update(self, values: dict[str, Any]) -> None:
        """Set several fields from a JSON object; ValueError names the bad one.
        Nothing changes unless every value is valid."""
        known = {f.name for f in fields(self)}
        checked = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(known)}")
            checked[name] = _checked(name, value)
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def nth(self, name: str) -> bool:
        """Count one event for the "every Nth" fault ``name``; whether it is
        the Nth (False while the fault is off)."""
        every = getattr(self, name)
        if every <= 0:
            return False
        with _COUNT_LOCK:
            seen = self.__dict__.setdefault("_seen", {})
            seen[name] = seen.get(name, 0) + 1
            return seen[name] % every == 0


_COUNT_LOCK = threading.Lock()


def _checked(name: str, value: Any) -> Any:
    """``value`` as field ``name`` takes it; ValueError naming the field otherwise."""
    if name == "token_fault":
        if value not in TOKEN_FAULTS:
            raise ValueError(f"token_fault must be one of {TOKEN_FAULTS}, not {value!r}")
        return value
    if name in _SECONDS:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
            raise ValueError(f"{name} must be a number of seconds ≥ 0, not {value!r}")
        return float(value)
    if name in _GUID_LISTS:
        if not isinstance(value, list) or not all(isinstance(g, str) and _is_guid(g) for g in value):
            raise ValueError(f"{name} must be a list of interaction GUIDs, not {value!r}")
        return [normal_guid(g) for g in value]
    if name == "content_fail_status":
        if isinstance(value, bool) or value not in CONTENT_FAIL_STATUSES:
            raise ValueError(f"content_fail_status must be one of {CONTENT_FAIL_STATUSES}, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer ≥ 0, not {value!r}")
    return value


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def normal_guid(value: str) -> str:
    """A GUID as the emulator writes it (lower case, with hyphens); ``value``
    itself when it is not a GUID."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


WINDOW_SECONDS = 60  # the fair-usage limit is per minute


class FairUsage:
    """VCC's fair-usage limit, a sliding window: at most ``limit`` admitted
    requests per key (a client ID) in any ``WINDOW_SECONDS``. A refused
    request does not count. Thread-safe; times are the caller's clock (Unix
    seconds), so a test's clock moves the window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._admitted: dict[str, deque[float]] = {}

    def admit(self, key: str, limit: int, now: float) -> bool:
        """Count one request of ``key`` at ``now``; False when it is over ``limit``."""
        with self._lock:
            times = self._admitted.setdefault(key, deque())
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True
