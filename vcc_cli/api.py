"""Building and sending one ``vcc call`` request (the command itself only parses and renders).

Host pinning: the bearer token is only ever sent to the configured API origin;
requests drops the Authorization header itself when a redirect leaves that host.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from vcc_cli import catalog
from vcc_cli.errors import ApiError, AuthError, UsageError
from vcc_cli.http import RetryPolicy, same_origin, send

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
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


def resolve_url(path: str, api_url: str) -> tuple[str, str]:
    """(absolute URL, path) for PATH relative to the API base or a full URL on the API host."""
    if "://" in path:
        if not same_origin(path, api_url):
            raise UsageError(
                f"refusing to send the token to {urlsplit(path).netloc or path!r}: it is not the API host",
                f"use a path relative to {api_url}, or set --api-url / VCC_API_URL",
            )
        return path, urlsplit(path).path or "/"
    if not path.startswith("/"):
        path = "/" + path
    return api_url.rstrip("/") + path, urlsplit(path).path


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
        headers[name.lower()] = (name, val)
    return headers


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
    except UnicodeDecodeError:
        raise UsageError(f"the body from {where} is not UTF-8 text", "-d takes JSON") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the body from {where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "-d takes JSON, e.g. -d '{\"name\": \"x\"}', -d @file.json or -d @-",
        ) from None
    return data


def choose_scopes(method: str, path: str, scope_options: Sequence[str], profile_scopes: Sequence[str]) -> tuple[str, ...]:
    """--scope > inferred from the path and method > profile default (SPEC 3)."""
    from vcc_cli.config import split_scopes

    if scope_options:
        return split_scopes(scope_options)
    inferred = catalog.infer_scope(method, path)
    if inferred:
        return (inferred,)
    if profile_scopes:
        return tuple(profile_scopes)
    raise UsageError(
        f"cannot tell which scope {path} needs",
        "pass -s SCOPE (see `vcc scopes`), or set default scopes with `vcc login -s SCOPE`",
    )


# --------------------------------------------------------------------------- dry run


def curl_command(req: CallRequest, accept: str) -> str:
    """The request as a curl command, with ``$(vcc token -s …)`` in place of the token."""
    parts = ["curl"]
    if req.method != "GET":
        parts += ["-X", req.method]
    parts.append(shlex.quote(req.full_url()))
    token_cmd = "$(vcc token" + "".join(f" -s {shlex.quote(s)}" for s in req.scopes) + ")"
    headers = req.final_headers(accept, token=None)
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if not req.user_sets_authorization:
        parts += ["-H", f'"Authorization: Bearer {token_cmd}"']
    if req.body is not None:
        parts += ["--data-binary", shlex.quote(req.body.decode("utf-8"))]
    return " ".join(parts)


# --------------------------------------------------------------------------- sending


@dataclass
class Sent:
    response: object  # requests.Response, streaming
    elapsed: float  # seconds until the headers arrived
    token_scopes: tuple[str, ...] | None  # None when unknown (VCC_TOKEN, -H Authorization)


def send_call(
    req: CallRequest,
    accept: str,
    session,
    *,
    timeout: tuple[float, float],
    tokens,  # TokenSource-like: get(scopes, min_ttl=, refresh=) and drop(token); None for VCC_TOKEN
    env_token=None,
    policy: RetryPolicy,
    notify: Callable[[str], None],
    on_request: Callable[[str, str, dict[str, str]], None] | None = None,
) -> Sent:
    """Send ``req`` with retries; on a 401 with a cached or fetched token, fetch a new one
    and try once more. Returns the (streaming) response, whatever its status."""
    if req.user_sets_authorization:
        token, origin = None, "header"
    elif env_token is not None:
        token, origin = env_token, "env"
    else:
        resolved = tokens.get(req.scopes)
        for note in resolved.notes:
            notify(note)
        token, origin = resolved.token, resolved.origin

    def once(current_token):
        headers = req.final_headers(accept, current_token.access_token if current_token else None)
        return _send_with_retries(req, headers, session, timeout, policy, notify, on_request)

    started = time.monotonic()
    response = once(token)
    if response.status_code == 401 and origin in ("cache", "fetched"):
        response.close()
        notify("the API answered 401: fetching a new token and trying once more")
        tokens.drop(token)
        resolved = tokens.get(req.scopes, refresh=True)
        token = resolved.token
        response = once(token)
        if response.status_code == 401:
            response.close()
            raise AuthError(
                "the API rejected a freshly fetched token (HTTP 401)",
                f"check that the credentials are allowed scope {' '.join(req.scopes)!r}, and the API URL/region",
            )
    elif response.status_code == 401 and origin == "env":
        response.close()
        raise AuthError("the API rejected VCC_TOKEN (HTTP 401)", "unset VCC_TOKEN to let vcc fetch tokens, or set a valid one")
    scopes = token.scopes if token is not None and token.scopes else None
    return Sent(response, time.monotonic() - started, scopes)


def _send_with_retries(req, headers, session, timeout, policy: RetryPolicy, notify, on_request):
    attempt = 0
    while True:
        url = req.full_url()
        if on_request:
            on_request(req.method, url, headers)
        response = send(session, req.method, url, headers=headers, data=req.body, timeout=timeout, stream=True)
        if attempt >= policy.retries or not policy.should_retry(req.method, response.status_code):
            return response
        attempt += 1
        wait = policy.wait(attempt, response.headers.get("Retry-After"))
        notify(f"HTTP {response.status_code}: retry {attempt}/{policy.retries} in {wait:.1f} s")
        response.close()
        policy.sleep(wait)


def api_error(status: int, reason: str, req: CallRequest, token_scopes: tuple[str, ...] | None) -> ApiError:
    """The error for an answer >= 400; a 403 names the scope needed and the token's scopes."""
    if status == 403:
        needed = catalog.infer_scope(req.method, req.path) or " ".join(req.scopes)
        has = " ".join(token_scopes) if token_scopes else "unknown"
        return ApiError(
            f"HTTP 403 {reason}: {req.method} {req.path} needs scope {needed!r}; the token has {has!r}",
            f"add {needed!r} to the API credentials in VCC's API Admin, or pass -s {needed}",
        )
    if status == 404:
        return ApiError(f"HTTP 404 {reason}: {req.method} {req.path}", "check the path (see `vcc scopes` for the APIs)")
    if status == 400 and catalog.find_api(req.path) is None and not req.headers.get("accept"):
        return ApiError(
            f"HTTP 400 {reason}: {req.method} {req.path}",
            "the path is not in the catalog, so Accept v1 was sent: try --api-version N or -H 'Accept: ...'",
        )
    return ApiError(f"HTTP {status} {reason}: {req.method} {req.path}", "the API's answer is shown above")
