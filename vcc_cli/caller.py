"""Sending ``vcc call`` requests with the token machinery: one token per run
(``VCC_TOKEN``, cache or token endpoint), a refresh on 401, retries on 429 and
502/503/504, and the errors an answer >= 400 becomes.

The bearer token is only ever sent to the configured API origin: ``request.py``
refuses other hosts, and requests drops the Authorization header itself when a
redirect leaves that host (``Session.rebuild_auth``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vcc_cli import catalog
from vcc_cli.errors import ApiError, AuthError
from vcc_cli.http import IDEMPOTENT_METHODS, RetryPolicy, body_head, mask, redact, send
from vcc_cli.request import CallRequest
from vcc_cli.tokens import jwt_scopes

if TYPE_CHECKING:
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.source import Resolved, TokenSource

MIN_TTL = 60.0  # seconds a cached token must have left to serve a call (TokenSource.get's default)
#: Characters of the API's own words about an error put into the message on stderr.
API_REASON_LIMIT = 300


@dataclass
class Sent:
    response: Any  # requests.Response, streaming (requests is imported only when sending)
    elapsed: float  # seconds until the headers arrived, retries included
    token_scopes: tuple[str, ...] | None  # None when unknown


@dataclass
class Caller:
    """Sends requests with the token machinery: the token is resolved once
    (VCC_TOKEN, cache or token endpoint) and reused for every request of the
    invocation (pages included); a 401 on a cached or fetched token drops it,
    fetches a new one and retries once; 429 and 502/503/504 go through
    ``policy``. ``on_request(method, url, headers)`` and
    ``on_response(response, seconds)`` see every attempt (for -v)."""

    accept: str
    session: Any  # requests.Session
    timeout: tuple[float, float]
    policy: RetryPolicy
    notify: Callable[[str], None]
    tokens: TokenSource | None = None  # None with VCC_TOKEN or -H Authorization
    env_token: Token | None = None  # Token from VCC_TOKEN
    on_request: Callable[[str, str, dict[str, str]], None] | None = None
    on_response: Callable[[Any, float], None] | None = None
    requests_sent: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    _token: Token | None = None
    _origin: str | None = None
    _scopes: tuple[str, ...] = ()  # the scopes of the token in use

    def _resolve(self, req: CallRequest) -> None:
        if self._origin is not None:
            return
        with self._lock:  # the first request of several threads: one of them resolves it
            if self._origin is not None:
                return
            self._scopes = req.scopes
            if req.user_sets_authorization:
                self._token, self._origin = None, "header"
            elif self.env_token is not None:
                self._token, self._origin = self.env_token, "env"
            else:
                resolved = self._first_token(req)
                for note in resolved.notes:
                    self.notify(note)
                self._token, self._origin = resolved.token, resolved.origin

    def _source(self) -> TokenSource:
        if self.tokens is None:  # pragma: no cover - _resolve only asks with a source
            raise AuthError("no credentials to fetch a token with")
        return self.tokens

    def _first_token(self, req: CallRequest) -> Resolved:
        """A token for the request's scopes; if the token endpoint refuses an
        inferred scope (invalid_scope) and the endpoint accepts another, that
        one is asked for, once, with a note."""
        from vcc_cli.errors import TokenRefused

        tokens = self._source()
        if req.scope_alternatives and tokens.cached(req.scopes, MIN_TTL) is None:
            # A token cached for another accepted scope (say after an earlier
            # invalid_scope fallback) serves without asking for a refused one again;
            # get() serves it, with its notes about distrusted cache files.
            for other in req.scope_alternatives:
                if tokens.cached((other,), MIN_TTL) is not None:
                    self._scopes = (other,)
                    return tokens.get(self._scopes, min_ttl=MIN_TTL)
        try:
            return tokens.get(req.scopes)
        except TokenRefused as refused:
            if refused.code != "invalid_scope" or not req.scope_alternatives:
                raise
            wanted, other = " ".join(req.scopes), req.scope_alternatives[0]
            self.notify(
                f"the token endpoint refused scope {wanted!r}; {req.path} also accepts {other!r}: "
                "asking for that instead"
            )
            self._scopes = (other,)
            try:
                return tokens.get(self._scopes)
            except TokenRefused as again:
                if again.code != "invalid_scope":
                    raise
                raise AuthError(
                    f"the token endpoint refused both scopes {wanted!r} and {other!r} (invalid_scope)",
                    "add one of them to these API credentials in VCC's API Admin, or pass -s SCOPE (see `vcc scopes`)",
                ) from None

    @property
    def token_origin(self) -> str | None:
        """Where the token came from: "cache", "fetched", "refreshed", "env" or "header"."""
        return self._origin

    @property
    def token_scopes(self) -> tuple[str, ...] | None:
        token = self._token
        if token is None:
            return None
        if token.scopes:
            return tuple(token.scopes)
        return jwt_scopes(token.access_token)

    def send(self, req: CallRequest) -> Sent:
        """Send ``req``; returns the (streaming) response, whatever its status.
        Thread-safe: threads share the token, and a 401 is refreshed once for all of
        them (a thread whose token another thread replaced meanwhile just tries the new one)."""
        self._resolve(req)
        started = time.monotonic()
        used = self._token
        response = self._with_retries(req, used)
        if response.status_code == 401:
            with self._lock:
                response = self._refresh_after_401(req, used, response)
        response.vcc_token_origin = self._origin  # what api_error's hints may suggest depends on it
        return Sent(response, time.monotonic() - started, self.token_scopes)

    def _refresh_after_401(self, req: CallRequest, used: Token | None, response):
        """The answer to ``req`` after its 401 with token ``used``: sent again with a new
        token (once per invocation), or a final AuthError. Called under the lock."""
        if used is not None and self._token is not used:  # refreshed by another thread meanwhile
            response.close()
            response = self._with_retries(req, self._token)
            if response.status_code != 401:
                return response
            raise _rejected(
                response,
                "the API rejected the new token too (HTTP 401)",
                f"check that the credentials are allowed scope {' '.join(self._scopes)!r}, and the API URL/region",
            )
        if self._origin in ("cache", "fetched") and self._token is not None:
            response.close()
            self.notify("the API answered 401: fetching a new token and trying once more")
            # Another process may have replaced the token already (a revocation hits
            # every parallel job at once): replace() looks again under the lock.
            resolved = self._source().replace(self._token, self._scopes, min_ttl=MIN_TTL)
            for note in resolved.notes:
                self.notify(note)
            self._token, self._origin = resolved.token, "refreshed"
            response = self._with_retries(req, self._token)
            if response.status_code == 401 and resolved.origin == "cache":
                # The cached replacement was as old as the rejected token (an entry for a
                # wider scope set, say) and the same revocation hit it: fetch a new one.
                response.close()
                self._source().drop(resolved.token)
                fresh = self._source().get(self._scopes, min_ttl=MIN_TTL, refresh=True)
                for note in fresh.notes:
                    self.notify(note)
                self._token = fresh.token
                response = self._with_retries(req, self._token)
            if response.status_code == 401:
                raise _rejected(
                    response,
                    "the API rejected the new token too (HTTP 401)",
                    f"check that the credentials are allowed scope {' '.join(self._scopes)!r}, and the API URL/region",
                )
        elif self._origin == "refreshed":  # one refresh per invocation
            raise _rejected(
                response,
                "the API rejected the token fetched after an earlier 401 (HTTP 401)",
                f"check that the credentials are allowed scope {' '.join(self._scopes)!r}, and the API URL/region",
            )
        elif self._origin == "env":
            raise _rejected(
                response,
                "the API rejected VCC_TOKEN (HTTP 401)",
                "unset VCC_TOKEN to let vcc fetch tokens, or set a valid one",
            )
        return response

    def _with_retries(self, req: CallRequest, using: Token | None):
        token = using.access_token if using is not None else None
        if token is not None:
            mask(token)  # a server quoting the request back does not print the token in an error
        headers = req.final_headers(self.accept, token)
        url = req.full_url()
        attempt = 0
        while True:
            if self.on_request:
                self.on_request(req.method, url, headers)
            started = time.monotonic()
            response = send(
                self.session, req.method, url, headers=headers, data=req.body, timeout=self.timeout, stream=True
            )
            with self._lock:
                self.requests_sent += 1
            if self.on_response:
                self.on_response(response, time.monotonic() - started)
            if attempt >= self.policy.retries or not self.policy.should_retry(req.method, response.status_code):
                return response
            attempt += 1
            wait = self.policy.wait(attempt, response.headers.get("Retry-After"))
            self.notify(
                f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                + f": retry {attempt}/{self.policy.retries} in {wait:.1f} s"
            )
            response.close()
            self.policy.sleep(wait)


def json_answer(caller: Caller, req: CallRequest, label: str | None = None) -> object:
    """The parsed JSON answer to ``req`` sent through ``caller`` (``label`` names the page
    in messages): an answer >= 400 raises its ApiError, one that is not JSON a NetworkError."""
    from vcc_cli.errors import NetworkError
    from vcc_cli.http import iter_body

    sent = caller.send(req)
    with sent.response as response:
        if response.status_code >= 400:
            read_error_body(response)  # ApiError.response stays readable once closed
            raise api_error(response, req, sent.token_scopes, page=label)
        data = b"".join(iter_body(response))
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise NetworkError(
            f"{req.method} {req.path}{f' ({label})' if label else ''}: the answer is not JSON",
            "try again; if it persists, check the API URL",
        ) from None


def read_error_body(response) -> None:
    """Read an error answer's body now, at most the 64 KiB the CLI keeps of one, so that
    ``ApiError.response.content`` and ``.json()`` still work once the stream is closed."""
    from vcc_cli.errors import NetworkError
    from vcc_cli.http import HEAD_KEPT, iter_body

    if response._content_consumed:
        return
    data = bytearray()
    try:
        for chunk in iter_body(response):
            data += chunk
            if len(data) >= HEAD_KEPT:
                break
    except NetworkError:
        pass  # what arrived is what there is
    response._content = bytes(data[:HEAD_KEPT])
    response._content_consumed = True


def _rejected(response, message: str, hint: str) -> AuthError:
    """The final 401 as an AuthError carrying the API's reason (its body is not shown)."""
    said = api_reason(response)
    response.close()
    return AuthError(message + (f" (the API says: {said})" if said else ""), hint)


def required_scope(response, req: CallRequest) -> str:
    """The scope a 403 asks for: the ``scope`` of its ``WWW-Authenticate`` challenge
    (RFC 6750 3.1), else the catalog's for the endpoint, else the scopes asked for."""
    challenge = response.headers.get("WWW-Authenticate", "") if response is not None else ""
    match = re.search(r'\bscope="([^"]+)"', challenge)
    if match:
        return match.group(1)
    return catalog.infer_scope(req.method, req.path) or " ".join(req.scopes)


def accepted_text(req: CallRequest, needed: str) -> str:
    """``'users:read'`` or, where the endpoint accepts several, ``'users:read' (or 'users:write')``."""
    accepted = catalog.accepted_scopes(req.method, req.path)
    others = [s for s in accepted if s != needed] if needed in accepted else []
    return repr(needed) + (f" (or {' or '.join(map(repr, others))})" if others else "")


def api_error(
    response, req: CallRequest, token_scopes: tuple[str, ...] | None, *, page: int | str | None = None
) -> ApiError:
    """The error for an answer >= 400 (``_api_error``), holding its status and response."""
    error = _api_error(response, req, token_scopes, page=page)
    error.status, error.response = response.status_code, response
    return error


def _api_error(
    response, req: CallRequest, token_scopes: tuple[str, ...] | None, *, page: int | str | None = None
) -> ApiError:
    """The error for an answer >= 400, carrying the API's own words about it (``api_reason``):
    the whole answer went to stdout, which a CI log may keep apart from stderr. A 403
    names the scope needed and the token's scopes; each hint suggests only what applies
    to where the token came from (``Caller.send`` tags the response with it)."""
    status, reason = response.status_code, redact(response.reason or "")
    if isinstance(page, int):
        page = f"page {page}"
    where = f"{req.method} {req.path}" + (f" ({page})" if page is not None else "")
    said = api_reason(response)
    says = f" (the API says: {said})" if said else ""
    if status == 403:
        needed = required_scope(response, req)
        has = " ".join(token_scopes) if token_scopes else "unknown"
        return ApiError(
            f"HTTP 403 {reason}: {where} needs scope {accepted_text(req, needed)}; the token has {has!r}{says}",
            _scope_hint(needed, token_scopes, getattr(response, "vcc_token_origin", None)),
        )
    if status == 404:
        return ApiError(f"HTTP 404 {reason}: {where}{says}", "check the path (see `vcc scopes` for the APIs)")
    if status == 416:
        return ApiError(
            f"HTTP 416 {reason}: {where}: the range is outside the content{says}",
            "check --range (or your -H Range) against the size (Content-Range in `vcc call -i` shows it)",
        )
    if status == 400 and catalog.find_api(req.path) is None and not req.headers.get("accept"):
        return ApiError(
            f"HTTP 400 {reason}: {where}{says}",
            f"the path is not in the catalog, so {_sent_accept(response) or 'Accept v1'} was sent: "
            "try --api-version N or -H 'Accept: ...'",
        )
    if status == 429 or (status in (502, 503, 504) and req.method.upper() in IDEMPOTENT_METHODS):
        return ApiError(
            f"HTTP {status} {reason}: {where}{says}", "the API is busy or down: try again later, or raise --retries"
        )
    if status in (502, 503, 504):  # never retried: the request may have taken effect
        return ApiError(
            f"HTTP {status} {reason}: {where}{says}",
            f"the API is busy or down; vcc does not retry a {req.method.upper()} (it may have been carried out): "
            "check, then try again",
        )
    shown = "the API's whole answer is on stdout" if said else "the API's answer is shown above (on stdout)"
    return ApiError(f"HTTP {status} {reason}: {where}{says}", shown)


def _scope_hint(needed: str, token_scopes: tuple[str, ...] | None, origin: str | None) -> str:
    if origin == "env":
        return (
            f"VCC_TOKEN holds a token without {needed!r}: set it to one with that scope "
            f"(`vcc token -s {needed}`), or unset it to let vcc fetch one"
        )
    if origin == "header":
        return (
            f"the token in your -H Authorization has not got {needed!r}: pass one that has "
            f"(`vcc token -s {needed}`), or drop the header to let vcc fetch one"
        )
    if token_scopes and needed in token_scopes:  # asked for and granted: -s would change nothing
        return f"the token has {needed!r} and is still refused: check these API credentials' access in VCC's API Admin"
    return f"add {needed!r} to the API credentials in VCC's API Admin, or pass -s {needed}"


def _sent_accept(response) -> str | None:
    """The Accept header the request carried, as ``Accept: value``; None when unknown."""
    headers = getattr(getattr(response, "request", None), "headers", None)
    value = headers.get("Accept") if headers is not None else None
    return f"Accept: {value}" if isinstance(value, str) else None


def api_reason(response, limit: int = API_REASON_LIMIT) -> str:
    """What the API says about an error, in one line of at most ``limit`` characters
    (escaped, redacted), from the shapes VCC's APIs answer with (reference/vcc-api-facts.md):
    ``{"message"}`` (Stats, Agents, Interaction Content), ``{"error", "error_description"}``
    (OAuth-style 401s), ``{"error": {"code", "message"}}`` (Agents' version errors),
    ``{"title", "detail"}`` (RFC 9457 problem details), ``{"Field": ["text"]}`` and
    ``{"errors": {...}}`` (ASP.NET validation), or a short text answer; "" when none.
    Sources, under https://docs-vcc.atlassian.net/wiki/spaces/VCCA/pages/: 3565192752
    (token endpoint errors), 3566174612 (Agent Availability's field errors); the
    Accept-version and 401 bodies as the facts file quotes them from each API's pages."""
    from vcc_cli.output import one_line

    data = body_head(response)
    ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        document = None
        text = data.decode("utf-8", "replace")
        if ctype.startswith("text/html") or text.lstrip()[:1] == "<" or not text.strip():
            return ""
        said = text  # a plain-text answer: its words are the reason
    else:
        said = _reason_in(document)
    said = " ".join(redact(said[: 4 * limit + 4096]).split())  # cut first: redacting 64 KiB of hostile text is not free
    said = one_line(said)
    return said if len(said) <= limit else said[: limit - 1] + "…"


def _reason_in(document: object) -> str:
    if isinstance(document, str):
        return document
    if not isinstance(document, dict):
        return ""
    error = document.get("error")
    if isinstance(document.get("message"), str):
        return document["message"]
    if isinstance(document.get("error_description"), str):
        return f"{error}: {document['error_description']}" if isinstance(error, str) else document["error_description"]
    if isinstance(error, dict):
        text = error.get("message")
        code = error.get("code")
        if isinstance(text, str):
            return f"{code}: {text}" if isinstance(code, str) else text
        if isinstance(code, str):
            return code
    title, detail = document.get("title"), document.get("detail")
    if isinstance(title, str) or isinstance(detail, str):
        return ": ".join(part for part in (title, detail) if isinstance(part, str))
    if isinstance(error, str):
        return error
    errors = document.get("errors")
    fields: dict = errors if isinstance(errors, dict) else document
    lines = [
        f"{name}: {' '.join(m for m in messages if isinstance(m, str))}"
        for name, messages in fields.items()
        if isinstance(messages, list) and any(isinstance(m, str) for m in messages)
    ]
    return "; ".join(lines)
