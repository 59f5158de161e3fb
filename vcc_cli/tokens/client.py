"""The token endpoint client: OAuth 2.0 client credentials grant (RFC 6749 section 4.4).

Everything goes form-encoded in the body, credentials included
(``grant_type``, ``client_id``, ``client_secret``, ``scope``), exactly as VCC's
authentication guide documents it (DV 3565192752, DV 3599269892;
``shared/reference/vcc-authentication-guide.txt``). Several scopes go
space-separated in one request as DV 3599269892 shows, although the guide
(NV 3567190030) speaks of a token "for" one scope: asking for several is the
caller's choice (``vcc token -s a -s b``). One request per token, so
wrong credentials cost one request. There is no fallback to HTTP Basic: VCC
accepts the body form, and a second request with the same secret would only
double the traffic and the lock wait of parallel jobs.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from vcc_cli.errors import NetworkError, TokenRefused
from vcc_cli.http import iter_body, mask, redact, send
from vcc_cli.tokens import LATEST_TIME, MAX_LIFETIME, Token

#: What can follow "Bearer " in a header: visible ASCII (RFC 6750's b64token and more).
_BEARER_TOKEN = re.compile(r"[\x21-\x7e]+")

#: A token request ends within this many times its timeouts (connect + read) in all,
#: however its answer trickles in: ``--timeout`` bounds each read, so an endpoint
#: sending a byte a second would otherwise keep the fetch, and the cache lock that
#: parallel jobs wait on (``source.lock_timeout_for``), alive for ever. An honest
#: answer is a few hundred bytes and needs one read.
DEADLINE_FACTOR = 2
#: The most of a token endpoint's answer read, in bytes after decompression: a token
#: answer is a few hundred bytes; more is not one (a 611 KB gzip answer can unpack to GBs).
MAX_ANSWER_BYTES = 1024 * 1024
_READ_CHUNK = 64 * 1024


def fetch_deadline(timeout: tuple[float, float]) -> float:
    """Seconds a whole token request may take, answer included (DEADLINE_FACTOR)."""
    return DEADLINE_FACTOR * (timeout[0] + timeout[1])


@dataclass
class FetchResult:
    token: Token
    #: False when the answer gave no usable ``expires_in``: use the token for this run only.
    cacheable: bool = True
    notes: list[str] = field(default_factory=list)


def fetch_token(
    session,
    endpoint: str,
    client_id: str,
    secret: str,
    scopes: Sequence[str],
    *,
    timeout: tuple[float, float],
    clock: Callable[[], float] = time.time,
) -> FetchResult:
    """Ask ``endpoint`` for a token for ``scopes``; raises TokenRefused (refused, exit 3)
    or NetworkError (unreachable or unusable answer, exit 4)."""
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scopes:
        form["scope"] = " ".join(scopes)  # several scopes space-separated in one request (DV 3599269892)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    mask(secret, client_id)  # whatever an error quotes from here on, the secret is not in it
    sent_at = clock()
    response, data = _within_deadline(
        fetch_deadline(timeout), endpoint, lambda stop_at: _post(session, endpoint, form, headers, timeout, stop_at)
    )
    body = _json_object(data)
    return parse_token_response(response.status_code, body, response, endpoint, scopes, sent_at, secret)


def _post(session, endpoint: str, form: dict, headers: dict, timeout: tuple[float, float], stop_at: float):
    """Send the token request and read its answer, at most MAX_ANSWER_BYTES of it and
    not past ``stop_at`` (time.monotonic()); returns (response, body bytes)."""
    host = urlsplit(endpoint).netloc
    response = send(
        session, "POST", endpoint, data=form, headers=headers, timeout=timeout, allow_redirects=False, stream=True
    )
    data = bytearray()
    try:
        for chunk in iter_body(response, _READ_CHUNK):
            data += chunk
            if len(data) > MAX_ANSWER_BYTES:
                raise NetworkError(
                    f"the token endpoint at {host} answered with more than {MAX_ANSWER_BYTES // 1024} KiB "
                    "(a token answer is a few hundred bytes)",
                    "check the auth URL or region: it should point at VCC's /Auth/connect/token",
                )
            if time.monotonic() > stop_at:
                raise _too_slow(endpoint, fetch_deadline(timeout))
    finally:
        response.close()
    return response, bytes(data)


def _within_deadline(seconds: float, endpoint: str, work: Callable[[float], tuple]) -> tuple:
    """``work(stop_at)`` in a worker thread, given up after ``seconds``: a socket read
    cannot be bounded in total from outside, so the wait is. An abandoned worker stops
    at its next chunk, or when the server gives up; it holds no lock, and the process
    does not wait for it (daemon)."""
    outcome: dict[str, object] = {}
    done = threading.Event()
    stop_at = time.monotonic() + seconds

    def run() -> None:
        try:
            outcome["value"] = work(stop_at)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="vcc-token-request", daemon=True).start()
    if not done.wait(seconds):
        raise _too_slow(endpoint, seconds)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _too_slow(endpoint: str, seconds: float) -> NetworkError:
    return NetworkError(
        f"the token endpoint at {urlsplit(endpoint).netloc} did not finish answering within {seconds:g} s "
        f"({DEADLINE_FACTOR} times the connect and read timeouts)",
        "it is answering far too slowly: try again later, or raise --timeout",
    )


def _json_object(data: bytes) -> dict | None:
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return parsed if isinstance(parsed, dict) else None


def _clean(text: object, secret: str, limit: int = 200) -> str:
    """One line of server-provided text, without the secret in it in any form it was
    sent in (a server may echo the request it refuses): see ``http.redact``."""
    # Cut before redacting (a 1 MiB error_description costs nothing), keeping enough for
    # any form of the secret that straddles the cut to be recognised and hidden.
    line = " ".join(str(text)[: 4 * limit + 4 * len(secret) + 64].split())
    return redact(line, secret)[:limit]


def parse_token_response(
    status: int,
    body: dict | None,
    response,
    endpoint: str,
    scopes: Sequence[str],
    sent_at: float,
    secret: str = "",
) -> FetchResult:
    """Map a token endpoint answer to a token or to the error SPEC section 4 asks for."""
    host = urlsplit(endpoint).netloc
    if status >= 500:
        raise NetworkError(f"the token endpoint at {host} answered HTTP {status}", "try again later")
    if body is not None and isinstance(body.get("error"), str):
        raise oauth_error(body, scopes, secret)
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        raise NetworkError(
            f"the token endpoint {endpoint} redirected (HTTP {status}) to {location}",
            "use the final URL as --auth-url / VCC_AUTH_URL",
        )
    if status != 200:
        kind = (response.headers.get("Content-Type") or "no content type").split(";")[0]
        raise NetworkError(
            f"the token endpoint at {host} answered HTTP {status} ({kind}), not an OAuth answer",
            "check the auth URL or region: it should point at VCC's /Auth/connect/token",
        )
    if body is None:
        raise NetworkError(
            f"the token endpoint at {host} answered 200 but not with a JSON object",
            "check the auth URL or region: it should point at VCC's /Auth/connect/token",
        )
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip():
        raise NetworkError(f"the token endpoint at {host} answered without an access_token", "check the auth URL")
    if not _BEARER_TOKEN.fullmatch(access_token):
        # It could not go in an Authorization header (and the error requests would
        # raise then quotes the header, token included).
        raise NetworkError(
            f"the token endpoint at {host} answered with an access_token that is not a bearer token "
            "(it holds spaces, control or non-ASCII characters)",
            "check the auth URL: vcc needs a VCC (OAuth 2.0 bearer) token endpoint",
        )
    token_type = body.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise NetworkError(
            f"the token endpoint returned a token of type {_clean(token_type, secret)!r}, not Bearer",
            "check the auth URL: vcc needs a VCC (OAuth 2.0 bearer) token endpoint",
        )
    granted = body.get("scope")
    granted_scopes = tuple(granted.split()) if isinstance(granted, str) and granted.strip() else tuple(scopes)

    expires_in = body.get("expires_in")
    lifetime = _lifetime(expires_in)
    if lifetime is not None and lifetime <= 0:
        # The endpoint says the token is dead already: nothing can use it (SPEC section 4).
        raise NetworkError(
            f"the token endpoint at {host} answered with expires_in {_clean(expires_in, secret, 40)}: "
            "a token that has already expired",
            "try again; if it persists, check the auth URL and the token endpoint",
        )
    if lifetime is None:
        note = "the token endpoint gave no usable expires_in: the token is used for this run and not cached"
        return FetchResult(Token(access_token, "Bearer", granted_scopes, None), cacheable=False, notes=[note])
    if not 0 <= sent_at <= LATEST_TIME - lifetime:  # also false for NaN
        # A clock past year 9999 (or before 1970): no expiry vcc could store or show.
        note = (
            f"the system clock reads {sent_at:.0f} s since 1970, outside what vcc can date (years 1970-9999): "
            "the token is used for this run and not cached; set the clock right"
        )
        return FetchResult(Token(access_token, "Bearer", granted_scopes, None), cacheable=False, notes=[note])
    token = Token(access_token, "Bearer", granted_scopes, sent_at + lifetime)
    return FetchResult(token, cacheable=True)


def _lifetime(value: object) -> float | None:
    """``expires_in`` as seconds (capped at MAX_LIFETIME; zero or less when the token
    is already dead), None when absent or not a number (text, NaN, +infinity)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    if isinstance(value, int):  # compared as an int: float(10**400) would overflow
        return float(min(value, MAX_LIFETIME)) if value > 0 else float(max(value, -1))
    if math.isnan(value) or value == math.inf:
        return None
    return float(min(value, MAX_LIFETIME)) if value > 0 else max(value, -1.0)


def oauth_error(body: dict, scopes: Sequence[str], secret: str = "") -> TokenRefused:
    """An RFC 6749 section 5.2 error answer, worded for the person reading it."""
    code = _clean(body.get("error"), secret, 60)
    description = body.get("error_description")
    detail = f": {_clean(description, secret)}" if description else ""
    scope_text = " ".join(scopes)
    if code == "invalid_client":
        return TokenRefused(
            f"the token endpoint rejected the client ID or secret (invalid_client{detail})",
            "check the credentials: run `vcc login` again, or fix VCC_CLIENT_ID and its secret "
            "(VCC_CLIENT_SECRET, the file, or what the secret command prints)",
            code=code,
        )
    if code == "invalid_scope":
        return TokenRefused(
            f"the token endpoint refused the scope {scope_text!r} (invalid_scope{detail})",
            "add the scope to these API credentials in VCC's API Admin, or ask for another (see `vcc scopes`)",
            code=code,
        )
    if code == "unauthorized_client":
        return TokenRefused(
            f"this client may not use the client credentials grant (unauthorized_client{detail})",
            "check the API credentials in VCC's API Admin",
            code=code,
        )
    return TokenRefused(
        f"the token endpoint refused the request ({code}{detail})",
        "check the auth URL and region point at VCC's /Auth/connect/token",
        code=code,
    )
