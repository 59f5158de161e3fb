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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, urlsplit

from vcc_cli.errors import NetworkError, TokenRefused
from vcc_cli.http import send
from vcc_cli.tokens import MAX_LIFETIME, Token

#: What can follow "Bearer " in a header: visible ASCII (RFC 6750's b64token and more).
_BEARER_TOKEN = re.compile(r"[\x21-\x7e]+")


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
    sent_at = clock()
    response = send(session, "POST", endpoint, data=form, headers=headers, timeout=timeout, allow_redirects=False)
    body = _json_object(response)
    return parse_token_response(response.status_code, body, response, endpoint, scopes, sent_at, secret)


def _json_object(response) -> dict | None:
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return data if isinstance(data, dict) else None


def _clean(text: object, secret: str, limit: int = 200) -> str:
    """One printable line of server-provided text, without the secret in it, as
    sent or form-encoded (a server may echo the request body it refuses)."""
    line = " ".join(str(text).split())
    if secret:
        for form in {secret, quote_plus(secret), quote(secret, safe="")}:
            line = line.replace(form, "[REDACTED]")
    return line[:limit]


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

    notes: list[str] = []
    lifetime = _lifetime(body.get("expires_in"))
    if lifetime is None:
        notes.append("the token endpoint gave no usable expires_in: the token is used for this run and not cached")
        token = Token(access_token, "Bearer", granted_scopes, None)
        return FetchResult(token, cacheable=False, notes=notes)
    token = Token(access_token, "Bearer", granted_scopes, sent_at + lifetime)
    return FetchResult(token, cacheable=True, notes=notes)


def _lifetime(value: object) -> float | None:
    """``expires_in`` as seconds, None when absent or absurd (non-numeric, <= 0, not finite)."""
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
        return float(min(value, MAX_LIFETIME)) if value > 0 else None
    if not math.isfinite(value) or value <= 0:
        return None
    return float(min(value, MAX_LIFETIME))


def oauth_error(body: dict, scopes: Sequence[str], secret: str = "") -> TokenRefused:
    """An RFC 6749 section 5.2 error answer, worded for the person reading it."""
    code = _clean(body.get("error"), secret, 60)
    description = body.get("error_description")
    detail = f": {_clean(description, secret)}" if description else ""
    scope_text = " ".join(scopes)
    if code == "invalid_client":
        return TokenRefused(
            f"the token endpoint rejected the client ID or secret (invalid_client{detail})",
            "check the credentials: run `vcc login` again, or fix VCC_CLIENT_ID / VCC_CLIENT_SECRET",
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
