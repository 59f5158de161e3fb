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
# Other header and query parameter names that carry secrets (X-Api-Key, access_token...).
_SENSITIVE_NAME = re.compile(r"token|secret|passw|api[-_]?key|session|signature|credential", re.IGNORECASE)
BODY_CHUNK = 1024 * 1024  # bytes read at a time when streaming a body


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
        return NetworkError(
            f"connecting to {host} timed out after {timeout[0]:g} s", "check the network, or raise --timeout"
        )
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
    except UnicodeError as exc:  # e.g. a redirect Location that is not valid UTF-8
        raise NetworkError(
            f"{urlsplit(url).netloc} answered with a header that is not valid text ({exc.__class__.__name__})",
            "the server or a proxy in between is misbehaving; try -v to see the exchange",
        ) from exc


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

    def backoff(self, attempt: int) -> float:
        """The exponential step for retry ``attempt`` (1-based): base, 2 base, 4 base…, capped."""
        return min(self.cap, self.base * 2 ** min(attempt - 1, 30))

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): ``Retry-After``
        when the server gives a readable one, else a random time between half the
        backoff step and the whole step ("equal jitter", so parallel clients spread
        out yet every wait grows); never more than ``cap``."""
        delay = parse_retry_after(retry_after, self.clock()) if retry_after else None
        if delay is None:
            step = self.backoff(attempt)
            delay = step / 2 + self.rand() * step / 2
        return max(0.0, min(delay, self.cap))


def parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After`` in seconds or as an HTTP date (RFC 9110 10.2.3); None when unreadable."""
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which isdigit() accepts
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
        elif _SENSITIVE_NAME.search(name):
            value = REDACTED
        out.append((name, value))
    return out


def redact_url(url: str) -> str:
    """``url`` with the values of secret-looking query parameters (``access_token``,
    ``client_secret``…) and any user:password replaced."""
    from urllib.parse import parse_qsl, urlencode, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query and _SENSITIVE_NAME.search(query):
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if _SENSITIVE_NAME.search(k) else v) for k, v in pairs], safe="[]")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def http_version(response) -> str:
    """``HTTP/1.1`` (or 1.0, 2) for a requests response."""
    version = getattr(getattr(response, "raw", None), "version", 11)
    return {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(version, "HTTP/1.1")


def iter_body(response, chunk_size: int = BODY_CHUNK):
    """The body of a streaming response as it arrives, in chunks of at most
    ``chunk_size`` bytes (decoded when the server compressed it); a connection
    that breaks or stalls mid-body is a NetworkError (exit 4) saying how far it got.

    urllib3 2's ``read1`` hands over whatever the socket has (one recv per chunk),
    so a slow link still shows progress and a fast one costs few Python calls;
    older urllib3 falls back to requests' ``iter_content``."""
    import requests
    import urllib3

    received = 0
    raw = getattr(response, "raw", None)
    read1 = getattr(raw, "read1", None)
    try:
        if read1 is not None and not getattr(response, "_content_consumed", False):
            while chunk := read1(chunk_size, decode_content=True):
                received += len(chunk)
                yield chunk
            response._content_consumed = True
        else:
            for chunk in response.iter_content(chunk_size):
                received += len(chunk)
                yield chunk
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        host = urlsplit(response.url or "").netloc
        expected = response.headers.get("Content-Length")
        of = f" of {expected}" if expected and expected.isdigit() else ""
        stalled = isinstance(exc, urllib3.exceptions.ReadTimeoutError | requests.exceptions.ReadTimeout | TimeoutError)
        what = "stopped sending" if stalled else "broke"
        raise NetworkError(
            f"the connection to {host} {what} after {received}{of} bytes of the answer",
            "try again (raise --timeout for a slow link); nothing incomplete was kept",
        ) from exc


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port or _default_port(a.scheme)) == (
        b.scheme,
        b.hostname,
        b.port or _default_port(b.scheme),
    )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
