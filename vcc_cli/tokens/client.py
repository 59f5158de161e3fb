"""The token endpoint client: OAuth 2.0 client credentials grant (RFC 6749 section 4.4).

The grant parameters go form-encoded in the body. The client authenticates with
HTTP Basic (RFC 6749 section 2.3.1, which every authorization server must
support); a server that refuses Basic with ``invalid_client``/``invalid_request``
is asked once more with the credentials in the body, as the VCC guide shows.
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlsplit

from vcc_cli.errors import AuthError, NetworkError
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


def _basic_header(client_id: str, secret: str) -> str:
    # RFC 6749 2.3.1: form-encode both parts before Basic encoding.
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


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
    """Ask ``endpoint`` for a token for ``scopes``; raises AuthError (refused, exit 3)
    or NetworkError (unreachable or unusable answer, exit 4)."""
    form = {"grant_type": "client_credentials"}
    if scopes:
        form["scope"] = " ".join(scopes)
    headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
    sent_at = clock()
    response = send(
        session,
        "POST",
        endpoint,
        data=form,
        headers={**headers, "Authorization": _basic_header(client_id, secret)},
        timeout=timeout,
        allow_redirects=False,
    )
    body = _json_object(response)
    if response.status_code in (400, 401) and body and body.get("error") in ("invalid_client", "invalid_request"):
        sent_at = clock()
        response = send(
            session,
            "POST",
            endpoint,
            data={**form, "client_id": client_id, "client_secret": secret},
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
        body = _json_object(response)
    return parse_token_response(response.status_code, body, response, endpoint, scopes, sent_at, secret)


def _json_object(response) -> dict | None:
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return data if isinstance(data, dict) else None


def _clean(text: object, secret: str, limit: int = 200) -> str:
    """One printable line of server-provided text, without the secret in it."""
    line = " ".join(str(text).split())
    if secret:
        line = line.replace(secret, "[REDACTED]")
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


def oauth_error(body: dict, scopes: Sequence[str], secret: str = "") -> AuthError:
    """An RFC 6749 section 5.2 error answer, worded for the person reading it."""
    code = _clean(body.get("error"), secret, 60)
    description = body.get("error_description")
    detail = f": {_clean(description, secret)}" if description else ""
    scope_text = " ".join(scopes)
    if code == "invalid_client":
        return AuthError(
            f"the token endpoint rejected the client ID or secret (invalid_client{detail})",
            "check the credentials: run `vcc login` again, or fix VCC_CLIENT_ID / VCC_CLIENT_SECRET",
        )
    if code == "invalid_scope":
        return AuthError(
            f"the token endpoint refused the scope {scope_text!r} (invalid_scope{detail})",
            "add the scope to these API credentials in VCC's API Admin, or ask for another (see `vcc scopes`)",
        )
    if code == "unauthorized_client":
        return AuthError(
            f"this client may not use the client credentials grant (unauthorized_client{detail})",
            "check the API credentials in VCC's API Admin",
        )
    return AuthError(
        f"the token endpoint refused the request ({code}{detail})",
        "check the auth URL and region point at VCC's /Auth/connect/token",
    )
