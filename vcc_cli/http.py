"""The HTTP layer: a requests session, timeouts, retries, redaction and host pinning.

``requests`` is imported inside the functions that need it, so that importing
this module costs nothing on the ``vcc token`` cache-hit path.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from vcc_cli import __version__
from vcc_cli.errors import NetworkError, UsageError, VccError

USER_AGENT = f"vcc/{__version__}"
RETRY_STATUSES_ANY_METHOD = frozenset({429})
RETRY_STATUSES_IDEMPOTENT = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_RETRY_WAIT = 30.0  # seconds: no single wait is longer, whatever Retry-After says

REDACTED = "[REDACTED]"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def new_session():
    """A requests session that sends our User-Agent. TLS verification stays on;
    REQUESTS_CA_BUNDLE, SSL_CERT_FILE-style CA settings and HTTPS_PROXY are honoured
    by requests itself (``trust_env``)."""
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def describe_network_error(exc: Exception, url: str, timeout: tuple[float, float]) -> VccError:
    """Turn a requests exception into an error (exit 4, or 2 for a malformed request) that says what to do."""
    import requests

    host = urlsplit(url).netloc
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return NetworkError(f"connecting to {host} timed out after {timeout[0]:g} s", "check the network, or raise --timeout")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return NetworkError(f"{host} did not answer within {timeout[1]:g} s", "try again later, or raise --timeout")
    if isinstance(exc, requests.exceptions.SSLError):
        return NetworkError(
            f"TLS verification failed for {host}",
            "behind a corporate proxy, point REQUESTS_CA_BUNDLE at its CA certificate",
        )
    if isinstance(exc, requests.exceptions.ProxyError):
        return NetworkError(f"the proxy refused the connection to {host}", "check HTTPS_PROXY / NO_PROXY")
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _root_cause(exc)
        return NetworkError(f"cannot connect to {host}: {reason}", "check the URL, the region and the network")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
        return UsageError(f"invalid request: {exc}")
    return NetworkError(f"request to {host} failed: {_root_cause(exc)}")


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc) or exc.__class__.__name__
    # urllib3 wraps reasons as "<urllib3.connection...>: Failed to establish ...: [Errno 111] Connection refused"
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    return match.group(1).strip() if match else text.splitlines()[0][:200]


def send(session, method: str, url: str, *, timeout: tuple[float, float], **kwargs):
    """``session.request`` with requests' exceptions turned into NetworkError (exit 4)."""
    import requests

    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.exceptions.RequestException as exc:
        raise describe_network_error(exc, url, timeout) from exc


# --------------------------------------------------------------------------- retries


@dataclass
class RetryPolicy:
    """429 for any method, 502/503/504 for idempotent ones; exponential backoff with
    full jitter, or ``Retry-After`` when the server gives it; every wait capped."""

    retries: int = 3
    base: float = 0.5  # seconds
    cap: float = MAX_RETRY_WAIT
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    clock: Callable[[], float] = time.time

    def should_retry(self, method: str, status: int) -> bool:
        if status in RETRY_STATUSES_ANY_METHOD:
            return True
        return status in RETRY_STATUSES_IDEMPOTENT and method.upper() in IDEMPOTENT_METHODS

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        delay = parse_retry_after(retry_after, self.clock()) if retry_after else None
        if delay is None:
            delay = self.rand() * self.base * (2 ** (attempt - 1)) + self.base / 2
        return max(0.0, min(delay, self.cap))


def parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After`` in seconds or as an HTTP date (RFC 9110 10.2.3); None when unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


# --------------------------------------------------------------------------- redaction and pinning


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers with credentials replaced; the auth scheme (``Bearer``) stays readable."""
    out = []
    for name, value in headers:
        if name.lower() in SENSITIVE_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} {REDACTED}".strip()
        out.append((name, value))
    return out


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port or _default_port(a.scheme)) == (
        b.scheme,
        b.hostname,
        b.port or _default_port(b.scheme),
    )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
