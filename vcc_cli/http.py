"""The HTTP layer: a requests session, timeouts, retries, redaction and host pinning.

``requests`` is imported inside the functions that need it, so that importing
this module costs nothing on the ``vcc token`` cache-hit path.
"""

from __future__ import annotations

import email.utils
import functools
import os
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote, urlsplit

from vcc_cli import __version__
from vcc_cli.config import is_loopback
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
#: Bytes of a body ``iter_body`` keeps while streaming it out, for the error an answer >= 400 becomes.
HEAD_KEPT = 64 * 1024


#: The longest proxy URL vcc accepts from the environment, in characters (real ones are < 200).
MAX_PROXY_URL = 2048
PROXY_SCHEMES = frozenset({"http", "https", "socks4", "socks4a", "socks5", "socks5h"})


def new_session(env: Mapping[str, str] | None = None):
    """A requests session that sends our User-Agent, with TLS verification on.

    It trusts nothing of the process environment (``trust_env`` off): requests would
    otherwise let ``~/.netrc`` replace vcc's Authorization header (Basic for the token
    endpoint, Bearer for calls) and read proxies and CA bundles from ``os.environ``
    rather than from the run's ``env``. What vcc wants of that comes from ``env``
    instead: proxies here (``proxies_for``), CA bundles in ``runtime.new_session``."""
    return _session_class()(os.environ if env is None else env)


@functools.cache
def _session_class():
    import requests

    class VccSession(requests.Session):
        def __init__(self, env: Mapping[str, str]):
            super().__init__()
            self.trust_env = False  # no netrc, no os.environ: see new_session
            self.env = env
            self.headers["User-Agent"] = USER_AGENT

        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            proxies = proxies or proxies_for(url, self.env)
            return super().merge_environment_settings(url, proxies, stream, verify, cert)

        def rebuild_proxies(self, prepared_request, proxies):
            # A redirect is judged afresh: an https answer sending us to http://127.0.0.1 goes direct.
            return super().rebuild_proxies(prepared_request, proxies_for(prepared_request.url or "", self.env))

    return VccSession


def proxies_for(url: str, env: Mapping[str, str]) -> dict[str, str]:
    """The requests ``proxies`` for a request to ``url``: ``{scheme: proxy URL}``, or
    ``{}`` for a direct connection. Like curl and requests: ``https_proxy`` or
    ``HTTPS_PROXY`` for https, ``http_proxy``/``HTTP_PROXY`` for http, else
    ``all_proxy``/``ALL_PROXY`` (lower case first), unless ``NO_PROXY`` lists the host.
    Plain http to a loopback host (the emulator, an SSH tunnel) always goes direct:
    through a proxy the secret and the token would travel in clear. A malformed proxy
    value is a UsageError naming its variable."""
    chosen = proxy_variable(url, env)
    if chosen is None:
        return {}
    name, value = chosen
    return {urlsplit(url).scheme.lower(): checked_proxy(name, value)}


def proxy_variable(url: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """``(variable name, value)`` of the proxy a request to ``url`` goes through, or None."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in ("http", "https") or (scheme == "http" and is_loopback(host)):
        return None
    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY", "all_proxy", "ALL_PROXY"):
        value = env.get(name, "").strip()
        if value:
            break
    else:
        return None
    no_proxy = env.get("no_proxy") or env.get("NO_PROXY") or ""
    try:
        port = parts.port or _default_port(scheme)
    except ValueError:
        port = _default_port(scheme)
    if bypasses_proxy(host, port, no_proxy):
        return None
    return name, value


def bypasses_proxy(host: str, port: int, no_proxy: str) -> bool:
    """True when ``NO_PROXY`` (comma or space separated, as curl reads it) lists ``host``:
    ``*``; the host or a parent domain (``example.com`` and ``.example.com`` both cover
    ``api.example.com``); an IP address or a CIDR range (``127.0.0.0/8``) for an address;
    any of these with ``:port`` to cover that port only."""
    import ipaddress

    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in no_proxy.replace(" ", ",").split(","):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        name, wanted_port = entry, None
        if entry.count(":") == 1 or (entry.startswith("[") and "]:" in entry):  # host:port, [v6]:port
            name, _, port_text = entry.rpartition(":")
            if not port_text.isdigit():
                continue
            wanted_port = int(port_text)
        if wanted_port is not None and wanted_port != port:
            continue
        name = name.strip("[]").lstrip(".").rstrip(".")
        if address is not None:  # an address matches itself or a CIDR range, never a suffix
            try:
                if address in ipaddress.ip_network(name, strict=False):
                    return True
            except ValueError:
                pass
        elif host == name or host.endswith("." + name):
            return True
    return False


def checked_proxy(name: str, value: str) -> str:
    """``value`` of proxy variable ``name`` as a URL requests can use (``http://`` added
    when there is no scheme, as requests does); its password is masked in error texts
    from now on. Anything unusable is a UsageError naming the variable without
    printing the value in full (nor its password)."""
    if len(value) > MAX_PROXY_URL:
        raise UsageError(
            f"{name} is {len(value)} characters long, too long to be a proxy URL ({shown_proxy(value)})",
            f"set {name} to the proxy's URL, such as http://proxy.example:3128, or unset it",
        )
    url = value if "://" in value else f"http://{value}"
    hint = f"set {name} to the proxy's URL, such as http://proxy.example:3128, or unset it"
    try:
        parts = urlsplit(url)
        if parts.password:
            mask(parts.password)
            mask(unquote(parts.password))
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0-65535
    except ValueError as exc:
        raise UsageError(f"{name}={shown_proxy(value)} is not a valid proxy URL ({redact(str(exc))})", hint) from None
    if parts.scheme.lower() not in PROXY_SCHEMES:
        raise UsageError(f"{name}={shown_proxy(value)} is not a proxy URL (scheme {parts.scheme!r})", hint)
    if not parts.hostname:
        raise UsageError(f"{name}={shown_proxy(value)} names no proxy host", hint)
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parse_url(url)
    except LocationParseError:
        raise UsageError(f"{name}={shown_proxy(value)} is not a valid proxy URL", hint) from None
    return url


def shown_proxy(value: str, limit: int = 80) -> str:
    """A proxy value fit for an error message: no user or password, at most ``limit`` characters."""
    scheme, sep, rest = value.partition("://") if "://" in value else ("", "", value)
    if "@" in rest:
        rest = f"{REDACTED}@{rest.rsplit('@', 1)[1]}"
    shown = redact(f"{scheme}{sep}{rest}")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def describe_network_error(
    exc: Exception, url: str, timeout: tuple[float, float], proxy: str | None = None
) -> VccError:
    """Turn a requests exception into an error (exit 4, or 2 for a malformed request) that
    says what to do; ``proxy`` names the variable of the proxy the request went through.
    Whatever the exception quotes is redacted (``redact``)."""
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
        via = f" through the proxy in {proxy}" if proxy else " through the proxy"
        return NetworkError(
            f"cannot reach {host}{via}: {_root_cause(exc)}",
            f"check {proxy or 'HTTPS_PROXY / HTTP_PROXY'}, or list {urlsplit(url).hostname} in NO_PROXY",
        )
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = _root_cause(exc)
        return NetworkError(f"cannot connect to {host}: {reason}", "check the URL, the region and the network")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
        return UsageError(f"invalid request: {redact(str(exc))[:300]}")
    return NetworkError(f"request to {host} failed: {_root_cause(exc)}")


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = redact(str(exc) or exc.__class__.__name__)
    # urllib3 wraps reasons as "<urllib3.connection...>: Failed to establish ...: [Errno 111] Connection refused"
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    return match.group(1).strip() if match else (text.splitlines() or [""])[0][:200]


def send(session, method: str, url: str, *, timeout: tuple[float, float], **kwargs):
    """``session.request`` with requests' exceptions turned into NetworkError (exit 4)."""
    import requests
    from urllib3.exceptions import LocationValueError

    try:
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.exceptions.RequestException as exc:
        env = getattr(session, "env", None)
        chosen = proxy_variable(url, env) if env is not None else None
        raise describe_network_error(exc, url, timeout, chosen[0] if chosen else None) from exc
    except LocationValueError as exc:  # urllib3 refusing a URL requests let through
        raise UsageError(f"invalid request: {redact(str(exc))[:300]}") from exc
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

#: Every form, in this process, of every secret vcc has sent or read (``mask``):
#: ``redact`` hides them in whatever foreign text an error quotes.
_MASKED: set[str] = set()
_SHORTEST_ENCODED = 6  # characters: shorter encoded fragments would match ordinary words
#: Values shorter than this are not masked for the whole process (a test's one-letter
#: VCC_TOKEN would blank out every "t"); VCC's secrets and tokens are far longer, and
#: ``redact(text, secret)`` hides a given secret whatever its length.
_SHORTEST_MASKED = 8
#: ``scheme://user:password@`` in a text: the password goes.
#: Bounded quantifiers: a hostile text ("a." * 500000) must not cost quadratic time.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]{0,31}://[^:/?#@\s]{0,256}:)[^@/?#\s]{1,1024}@")


def mask(secret: str, client_id: str = "") -> None:
    """From now on ``redact`` hides ``secret`` in every form vcc sends it in (see ``secret_forms``)."""
    if len(secret) >= _SHORTEST_MASKED:
        _MASKED.update(secret_forms(secret, client_id))


def secret_forms(secret: str, client_id: str = "") -> set[str]:
    """``secret`` as sent and as a server could echo it: raw, form-encoded
    (``quote_plus``, as the token request body carries it), percent-encoded, and in
    base64: of each of those, of ``client_id:secret`` (HTTP Basic) and of the pair
    form-encoded first (RFC 6749 section 2.3.1), at each alignment it can take inside
    a longer base64 text, in the standard and the URL-safe alphabet."""
    encoded = {quote_plus(secret), quote(secret, safe=""), quote(secret)}
    forms = {secret, *encoded}
    # Each alignment of the secret (or its form encoding) inside a longer base64 text covers
    # the base64 of any text around it: a Basic header, a whole echoed request body.
    payloads = {secret, *encoded, f"{client_id}:{secret}", f"{quote_plus(client_id)}:{quote_plus(secret)}"}
    for payload in payloads:
        forms |= _base64_forms(payload.encode("utf-8"))
    return {f for f in forms if f == secret or len(f) >= _SHORTEST_ENCODED}


def _base64_forms(data: bytes) -> set[str]:
    import base64

    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        # Only the characters that depend on ``data`` alone, whatever surrounds it.
        start, end = -(-8 * offset // 6), 4 * (offset + len(data)) // 3
        fragment = encoded[start:end]
        forms |= {fragment, fragment.replace("+", "-").replace("/", "_")}
    return forms


def redact(text: str, *secrets: str) -> str:
    """``text`` (foreign: a server's answer, an exception's words) with every masked
    secret and ``secrets``, in each of their forms, replaced by ``[REDACTED]``, and the
    password of any ``scheme://user:password@`` URL in it. Every error that quotes foreign
    text passes it through here."""
    forms = set(_MASKED)
    for secret in secrets:
        if secret:
            # a one-letter "secret" would blank every such letter: encoded forms only when long enough
            forms |= {f for f in secret_forms(secret) if len(f) >= _SHORTEST_MASKED}
            if len(secret) >= 4:  # a given secret is hidden as is however short, but not a letter or two
                forms.add(secret)
    for form in sorted(forms, key=len, reverse=True):  # longest first: a form may contain another
        if form in text:
            text = text.replace(form, REDACTED)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)


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
    head = bytearray()
    response.vcc_head = head  # see body_head
    raw = getattr(response, "raw", None)
    read1 = getattr(raw, "read1", None)
    try:
        if read1 is not None and not getattr(response, "_content_consumed", False):
            while chunk := read1(chunk_size, decode_content=True):
                received += len(chunk)
                if len(head) < HEAD_KEPT:
                    head += chunk[: HEAD_KEPT - len(head)]
                yield chunk
            response._content_consumed = True
        else:
            for chunk in response.iter_content(chunk_size):
                received += len(chunk)
                if len(head) < HEAD_KEPT:
                    head += chunk[: HEAD_KEPT - len(head)]
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


def body_head(response, limit: int = HEAD_KEPT) -> bytes:
    """The first ``limit`` bytes (at most HEAD_KEPT) of a response's body: what
    ``iter_body`` kept of it while the body went out, else read now (the rest is left)."""
    kept = getattr(response, "vcc_head", None)
    if isinstance(kept, bytes | bytearray):
        return bytes(kept[:limit])
    if getattr(response, "_content_consumed", False):
        content = getattr(response, "_content", None)
        return bytes(content[:limit]) if isinstance(content, bytes) else b""
    data = bytearray()
    try:
        for chunk in iter_body(response, min(limit, BODY_CHUNK)):
            data += chunk
            if len(data) >= limit:
                break
    except NetworkError:
        pass  # what arrived is what there is
    return bytes(data[:limit])


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port or _default_port(a.scheme)) == (
        b.scheme,
        b.hostname,
        b.port or _default_port(b.scheme),
    )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80
