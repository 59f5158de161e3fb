"""The emulator's authorization server: ``POST /Auth/connect/token`` (the OAuth
2.0 client credentials grant as VCC's authentication guide documents it, with
RFC 6749 sections 2.3.1, 4.4 and 5 where the guide is silent) and the bearer
tokens it hands out.

VCC documents its tokens as opaque strings. Ours look like JWTs
(``header.payload.signature``, base64url, with ``client_id``, ``scope``,
``iat`` and ``exp`` claims) so that tools which peek at tokens have something
to show, but the signature is random: the emulator only trusts tokens it
remembers issuing, and clients must not rely on the claims.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from .clients import Client
from .messages import Request, Response, json_response, media_type, oauth_error

TOKEN_PATH = "/Auth/connect/token"
FORM_TYPE = "application/x-www-form-urlencoded"
BASIC_CHALLENGE = ("WWW-Authenticate", 'Basic realm="vcc-emulator", charset="UTF-8"')


@dataclass(frozen=True)
class Grant:
    """What a bearer token stands for. ``expires_at`` is Unix seconds."""

    client_id: str
    scopes: frozenset[str]
    expires_at: float


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenAuthority:
    """Issues, remembers and checks bearer tokens. Thread-safe.

    ``clock`` returns Unix seconds; ``ttl`` returns the lifetime in seconds to
    give the next token (read at each issue, so it can change at run time)."""

    def __init__(self, clients: dict[str, Client], clock: Callable[[], float], ttl: Callable[[], int], issuer: str):
        self.clients = clients
        self.clock = clock
        self.ttl = ttl
        self.issuer = issuer
        self._grants: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def issue(self, client: Client, scopes: list[str]) -> tuple[str, int]:
        """A new token for ``scopes`` and its lifetime in seconds."""
        now = self.clock()
        ttl = int(self.ttl())
        header = {"alg": "RS256", "typ": "JWT", "kid": "vcc-emulator"}
        payload = {
            "iss": self.issuer,
            "aud": "vcc-api",
            "client_id": client.client_id,
            "scope": scopes,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now + ttl),
            "jti": secrets.token_hex(16),
        }
        token = ".".join(
            (
                _b64url(json.dumps(header, separators=(",", ":")).encode()),
                _b64url(json.dumps(payload, separators=(",", ":")).encode()),
                _b64url(secrets.token_bytes(64)),
            )
        )
        with self._lock:
            if len(self._grants) > 10_000:  # long-running emulator: forget the dead
                self._grants = {t: g for t, g in self._grants.items() if g.expires_at > now}
            self._grants[token] = Grant(client.client_id, frozenset(scopes), now + ttl)
        return token, ttl

    def lookup(self, token: str) -> Grant | None:
        """The grant of a live token; None when unknown, revoked or expired."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or self.clock() >= grant.expires_at:
            return None
        return grant

    def revoke_all(self) -> int:
        """Forget every token issued so far; returns how many there were."""
        with self._lock:
            count = len(self._grants)
            self._grants = {}
        return count

    # ------------------------------------------------------------ endpoint

    def token_endpoint(self, request: Request) -> Response:
        """Answer a token request: client credentials in the form body (as
        documented) or as HTTP Basic (as VCC's Node sample sends them), not both."""
        if request.method != "POST":
            return oauth_error(405, "invalid_request", "the token endpoint accepts only POST", [("Allow", "POST")])
        kind, _ = media_type(request.header("Content-Type"))
        if kind != FORM_TYPE:
            got = request.header("Content-Type") or "no Content-Type"
            return oauth_error(400, "invalid_request", f"the request body must be {FORM_TYPE} (got {got})")
        try:
            pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True)
        except (UnicodeDecodeError, ValueError):
            return oauth_error(400, "invalid_request", "the request body is not valid UTF-8 form data")
        form: dict[str, str] = {}
        for key, value in pairs:
            if key in form:
                return oauth_error(400, "invalid_request", f"the parameter {key!r} is given more than once")
            form[key] = value
        # RFC 6749 3.1: parameters sent without a value are treated as omitted.
        form = {k: v for k, v in form.items() if v != ""}

        basic = _basic_credentials(request.header("Authorization"))
        if isinstance(basic, str):  # "malformed"
            return oauth_error(401, "invalid_client", "the Basic Authorization header is malformed", [BASIC_CHALLENGE])
        client_id: str | None
        secret: str | None
        if basic is not None:
            if "client_secret" in form:
                return oauth_error(
                    400,
                    "invalid_request",
                    "use one client authentication method: HTTP Basic or client_secret in the body, not both",
                )
            if "client_id" in form and form["client_id"] != basic[0]:
                return oauth_error(400, "invalid_request", "client_id in the body differs from the Basic user name")
            client_id, secret = basic
        else:
            client_id, secret = form.get("client_id"), form.get("client_secret")

        # Client authentication comes first, then the grant type, then the
        # scope: the order of IdentityServer, whose /connect/token path VCC's
        # endpoint has (undocumented: the guide shows each error on its own).
        challenge = [BASIC_CHALLENGE] if basic is not None else []
        if client_id is None or secret is None:
            return oauth_error(
                401,
                "invalid_client",
                "client authentication is missing: send client_id and client_secret, or HTTP Basic",
                challenge,
            )
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
            return oauth_error(401, "invalid_client", "unknown client or wrong client secret", challenge)

        # Documented: a missing or bad grant_type gets this one answer.
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "Invalid grant_type")

        requested = form.get("scope", "").split()
        if not requested:  # documented
            return oauth_error(400, "invalid_scope", "You must specify a scope")
        refused = [s for s in requested if s not in client.scopes]
        if refused:  # undocumented: the description
            return oauth_error(
                400,
                "invalid_scope",
                f"scope {' '.join(refused)} is not allowed for client {client.client_id!r}; "
                f"it may ask for: {' '.join(sorted(client.scopes))}",
            )
        scopes = list(dict.fromkeys(requested))  # each once, in the order asked
        token, ttl = self.issue(client, scopes)
        # Documented: these three fields and no scope.
        return json_response(
            200,
            {"access_token": token, "expires_in": ttl, "token_type": "Bearer"},
            [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
        )


def _basic_credentials(header: str | None) -> tuple[str, str] | str | None:
    """(client_id, secret) from an HTTP Basic header, form-decoded as RFC 6749
    2.3.1 asks; None when there is no Basic header; "malformed" when it is bad."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return "malformed"
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return "malformed"
    return unquote_plus(user), unquote_plus(password)
