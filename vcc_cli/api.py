"""Building and sending ``vcc call`` requests (the command itself only parses and renders).

Host pinning: the bearer token is only ever sent to the configured API origin:
a full URL on another host is refused before anything is sent, and requests
drops the Authorization header itself when a redirect leaves that host
(``Session.rebuild_auth``).
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcc_cli import catalog
from vcc_cli.errors import ApiError, AuthError, UsageError
from vcc_cli.http import RetryPolicy, same_origin, send

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MIN_TTL = 60.0  # seconds a cached token must have left to serve a call (TokenSource.get's default)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass
class CallRequest:
    method: str
    url: str  # absolute URL on the API host, with the path's own query string
    path: str  # path part, for the catalog
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # -H values, by lower-case name
    body: bytes | None = None
    scopes: tuple[str, ...] = ()
    #: other scopes the endpoint accepts, to ask for once if the token endpoint
    #: refuses an inferred scope (empty when -s chose the scopes)
    scope_alternatives: tuple[str, ...] = ()

    @property
    def user_sets_authorization(self) -> bool:
        return "authorization" in self.headers

    def final_headers(self, accept: str, token: str | None) -> dict[str, str]:
        """Default headers, overridden by -H ones (names compared case-insensitively)."""
        headers = {"Accept": accept}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        lower = {k.lower(): k for k in headers}
        for name_lower, (name, value) in self.headers.items():
            headers.pop(lower.get(name_lower, name), None)
            headers[name] = value
        return headers

    def full_url(self) -> str:
        if not self.params:
            return self.url
        sep = "&" if urlsplit(self.url).query else "?"
        return self.url + sep + urlencode(self.params)

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name`` (in PATH's query string or -q), None if absent."""
        given = parse_qsl(urlsplit(self.url).query, keep_blank_values=True) + list(self.params)
        values = [v for k, v in given if k == name]
        return values[-1] if values else None

    def with_param(self, name: str, value: str) -> CallRequest:
        """The same request with query parameter ``name`` set to ``value`` alone,
        wherever it was given (in PATH's query string or with -q)."""
        parts = urlsplit(self.url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
        url = urlunsplit(parts._replace(query=urlencode(kept)))
        params = [(k, v) for k, v in self.params if k != name] + [(name, value)]
        return replace(self, url=url, params=params)


# --------------------------------------------------------------------------- parsing


def split_method_and_path(args: Sequence[str], method_option: str | None) -> tuple[str | None, str]:
    """``[METHOD] PATH`` positional arguments; METHOD in any case, or -X."""
    if len(args) == 1:
        method, path = None, args[0]
    elif len(args) == 2:
        method, path = args[0], args[1]
        if method.upper() not in METHODS:
            raise UsageError(f"unknown method {method!r}", f"use one of {', '.join(METHODS)}")
    else:
        raise UsageError("expected [METHOD] PATH", "example: vcc call GET /agents-availability -q skillNames=French")
    if method and method_option and method.upper() != method_option.upper():
        raise UsageError(f"method given twice: {method} and -X {method_option}")
    method = method or method_option
    if method is not None and method.upper() not in METHODS:
        raise UsageError(f"unknown method {method!r}", f"use one of {', '.join(METHODS)}")
    return (method.upper() if method else None), path


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def resolve_url(path: str, api_url: str) -> tuple[str, str]:
    """(absolute URL, path) for PATH relative to the API base or a full URL on the API host.

    A full URL must name the API origin for Python's parser and for urllib3's (which
    sends the request) alike: a backslash or a user@ part can make them disagree."""
    if _CONTROL.search(path):
        raise UsageError("the path contains a control character (a line break?)", "percent-encode it, e.g. %0A")
    if "://" in path:
        refused = UsageError(
            f"refusing to send the token to {path!r}: it is not the API host",
            f"use a path relative to {api_url}, or set --api-url / VCC_API_URL",
        )
        parts = urlsplit(path)
        if "\\" in path.split("?", 1)[0] or "@" in parts.netloc:
            raise refused
        try:
            if not same_origin(path, api_url):
                raise refused
            from urllib3.util import parse_url

            sent, base = parse_url(path), parse_url(api_url)
        except ValueError as exc:
            raise UsageError(f"bad URL {path!r}: {exc}", "check the host and port") from None
        if (sent.scheme, sent.host, sent.port or _port(sent.scheme)) != (
            base.scheme,
            base.host,
            base.port or _port(base.scheme),
        ):
            raise refused
        return path, parts.path or "/"
    path = "/" + path.lstrip("/")  # "//host/x" is a path on the API host, never another host
    return api_url.rstrip("/") + path, urlsplit(path).path


def _port(scheme: str | None) -> int:
    return 443 if scheme == "https" else 80


def parse_params(values: Sequence[str]) -> list[tuple[str, str]]:
    params = []
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"bad -q {value!r}", "write it as key=value, e.g. -q skillNames=French")
        params.append((key, val))
    return params


def parse_headers(values: Sequence[str]) -> dict[str, tuple[str, str]]:
    headers: dict[str, tuple[str, str]] = {}
    for value in values:
        name, sep, val = value.partition(":")
        name = name.strip()
        if not sep or not _HEADER_NAME.match(name):
            raise UsageError(f"bad -H {value!r}", "write it as 'Name: value', e.g. -H 'Accept: application/json'")
        val = val.strip()
        if "\n" in val or "\r" in val:
            raise UsageError(f"bad -H {name}: the value contains a line break")
        try:
            val.encode("latin-1")  # what HTTP/1.1 header values can carry
        except UnicodeEncodeError:
            raise UsageError(
                f"bad -H {name}: the value has characters a header cannot carry",
                "percent-encode them, or send them in the body",
            ) from None
        headers[name.lower()] = (name, val)
    return headers


_RANGE = re.compile(r"(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*")


def range_header(value: str) -> str:
    """``--range`` as a Range header value: ``0-1023``, ``1000-``, ``-500`` or
    several, comma-separated, with or without the ``bytes=`` unit."""
    spec = value.strip()
    if spec.lower().startswith("bytes="):
        spec = spec[6:].strip()
    if not _RANGE.fullmatch(spec):
        raise UsageError(f"bad --range {value!r}", "give bytes as FIRST-LAST, FIRST- or -SUFFIX, e.g. --range 0-1023")
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first and last and int(last) < int(first):
            raise UsageError(f"bad --range {value!r}: {last} is before {first}")
    return "bytes=" + spec


def read_text_file(name: str, stdin, flag: str = "-F") -> str:
    """The text of ``name`` (``-`` for stdin), for ``-F key=@file``."""
    try:
        if name == "-":
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(name, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {flag} file {name}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"the {flag} file {name} is not UTF-8 text", "fields take text; send binary data with -d"
        ) from None


def read_body(value: str, stdin) -> bytes:
    """``-d`` JSON inline, ``@file`` or ``@-``; checked to be JSON (usage error says where)."""
    if value.startswith("@"):
        source = value[1:]
        if source == "-":
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
            where = "stdin"
        else:
            try:
                with open(source, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise UsageError(f"cannot read -d file {source}: {exc.strerror}") from exc
            where = source
    else:
        data, where = value.encode("utf-8"), "-d"
    try:
        json.loads(data)
    except RecursionError:
        raise UsageError(f"the body from {where} is JSON nested too deeply to check", "flatten it") from None
    except UnicodeDecodeError:
        raise UsageError(f"the body from {where} is not UTF-8 text", "-d takes JSON") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the body from {where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            '-d takes JSON, e.g. -d \'{"name": "x"}\', -d @file.json or -d @-',
        ) from None
    return data


def choose_scopes(
    method: str,
    path: str,
    scope_options: Sequence[str],
    profile_scopes: Sequence[str],
    env_scopes: Sequence[str] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scopes to ask a token for, other scopes the endpoint accepts).

    ``--scope`` first; else, for a catalogued path, one the endpoint accepts and
    the credentials can get: the first accepted scope among the profile's
    scopes and ``VCC_SCOPE``'s (``env_scopes``: what a CI job without a profile
    says its credentials hold), else the catalog's first choice (SPEC 3 and 5);
    else the profile's default scopes."""
    from vcc_cli.config import split_scopes

    if scope_options:
        return split_scopes(scope_options), ()
    chosen = catalog.choose_scope(method, path, (*profile_scopes, *env_scopes))
    if chosen:
        return (chosen,), tuple(s for s in catalog.accepted_scopes(method, path) if s != chosen)
    if profile_scopes:
        return tuple(profile_scopes), ()
    raise UsageError(
        f"cannot tell which scope {path} needs",
        "pass -s SCOPE (see `vcc scopes`), or set default scopes with `vcc login -s SCOPE`",
    )


# --------------------------------------------------------------------------- dry run


def curl_command(req: CallRequest, accept: str, *, token_options: Sequence[str] = (), output: str | None = None) -> str:
    """The request as a curl command, with ``$(vcc token -s …)`` in place of the token.
    ``token_options`` (e.g. ``--profile prod``) go to that ``vcc token``; ``output`` adds ``-o``."""
    parts = ["curl"]
    if req.method == "HEAD":
        parts.append("--head")
    elif req.method != "GET":
        parts += ["-X", req.method]
    parts.append(shlex.quote(req.full_url()))
    token_cmd = "$(vcc token" + "".join(f" -s {shlex.quote(s)}" for s in req.scopes)
    token_cmd += "".join(f" {shlex.quote(o)}" for o in token_options) + ")"
    headers = req.final_headers(accept, token=None)
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if not req.user_sets_authorization:
        parts += ["-H", f'"Authorization: Bearer {token_cmd}"']
    if req.body is not None:
        parts += ["--data-binary", shlex.quote(req.body.decode("utf-8"))]
    if output is not None:
        parts += ["-o", shlex.quote(output)]
    return " ".join(parts)


# --------------------------------------------------------------------------- sending


@dataclass
class Sent:
    response: object  # requests.Response, streaming
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
    session: object
    timeout: tuple[float, float]
    policy: RetryPolicy
    notify: Callable[[str], None]
    tokens: object = None  # TokenSource-like: get(scopes, refresh=) and drop(token); None without one
    env_token: object = None  # Token from VCC_TOKEN
    on_request: Callable[[str, str, dict[str, str]], None] | None = None
    on_response: Callable[[object, float], None] | None = None
    requests_sent: int = 0
    _token: object = None
    _origin: str | None = None
    _scopes: tuple[str, ...] = ()  # the scopes of the token in use

    def _resolve(self, req: CallRequest) -> None:
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

    def _first_token(self, req: CallRequest):
        """A token for the request's scopes; if the token endpoint refuses an
        inferred scope (invalid_scope) and the endpoint accepts another, that
        one is asked for, once, with a note."""
        from vcc_cli.errors import TokenRefused

        if req.scope_alternatives and self.tokens.cached(req.scopes, MIN_TTL) is None:
            # A token cached for another accepted scope (say after an earlier
            # invalid_scope fallback) serves without asking for a refused one again;
            # get() serves it, with its notes about distrusted cache files.
            for other in req.scope_alternatives:
                if self.tokens.cached((other,), MIN_TTL) is not None:
                    self._scopes = (other,)
                    return self.tokens.get(self._scopes, min_ttl=MIN_TTL)
        try:
            return self.tokens.get(req.scopes)
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
                return self.tokens.get(self._scopes)
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
        """Send ``req``; returns the (streaming) response, whatever its status."""
        self._resolve(req)
        started = time.monotonic()
        response = self._with_retries(req)
        if response.status_code == 401 and self._origin in ("cache", "fetched"):
            response.close()
            self.notify("the API answered 401: fetching a new token and trying once more")
            self.tokens.drop(self._token)
            resolved = self.tokens.get(self._scopes, refresh=True)
            self._token, self._origin = resolved.token, "refreshed"
            response = self._with_retries(req)
            if response.status_code == 401:
                response.close()
                raise AuthError(
                    "the API rejected a freshly fetched token (HTTP 401)",
                    f"check that the credentials are allowed scope {' '.join(self._scopes)!r}, and the API URL/region",
                )
        elif response.status_code == 401 and self._origin == "refreshed":  # one refresh per invocation
            response.close()
            raise AuthError(
                "the API rejected the token fetched after an earlier 401 (HTTP 401)",
                f"check that the credentials are allowed scope {' '.join(self._scopes)!r}, and the API URL/region",
            )
        elif response.status_code == 401 and self._origin == "env":
            response.close()
            raise AuthError(
                "the API rejected VCC_TOKEN (HTTP 401)", "unset VCC_TOKEN to let vcc fetch tokens, or set a valid one"
            )
        return Sent(response, time.monotonic() - started, self.token_scopes)

    def _with_retries(self, req: CallRequest):
        token = self._token.access_token if self._token is not None else None
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


def jwt_scopes(access_token: str) -> tuple[str, ...] | None:
    """The ``scope`` claim of a JWT-shaped token, read without verifying it (only
    to word a 403); None when the token is opaque."""
    import base64

    parts = access_token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError):
        return None
    scope = payload.get("scope") if isinstance(payload, dict) else None
    if isinstance(scope, str):
        return tuple(scope.split()) or None
    if isinstance(scope, list) and all(isinstance(s, str) for s in scope):
        return tuple(scope) or None
    return None


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


def api_error(response, req: CallRequest, token_scopes: tuple[str, ...] | None, *, page: int | None = None) -> ApiError:
    """The error for an answer >= 400; a 403 names the scope needed and the token's scopes."""
    status, reason = response.status_code, response.reason or ""
    where = f"{req.method} {req.path}" + (f" (page {page})" if page is not None else "")
    if status == 403:
        needed = required_scope(response, req)
        has = " ".join(token_scopes) if token_scopes else "unknown"
        return ApiError(
            f"HTTP 403 {reason}: {where} needs scope {accepted_text(req, needed)}; the token has {has!r}",
            f"add {needed!r} to the API credentials in VCC's API Admin, or pass -s {needed}",
        )
    if status == 404:
        return ApiError(f"HTTP 404 {reason}: {where}", "check the path (see `vcc scopes` for the APIs)")
    if status == 416:
        return ApiError(
            f"HTTP 416 {reason}: {where}: the range is outside the content",
            "check --range against the size (Content-Range in `vcc call -i` shows it)",
        )
    if status == 400 and catalog.find_api(req.path) is None and not req.headers.get("accept"):
        return ApiError(
            f"HTTP 400 {reason}: {where}",
            "the path is not in the catalog, so Accept v1 was sent: try --api-version N or -H 'Accept: ...'",
        )
    if status == 429 or (status in (502, 503, 504)):
        return ApiError(
            f"HTTP {status} {reason}: {where}", "the API is busy or down: try again later, or raise --retries"
        )
    return ApiError(f"HTTP {status} {reason}: {where}", "the API's answer is shown above")
