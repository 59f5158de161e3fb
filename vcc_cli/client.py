"""The Python API (SPEC, "Python API"): ``Client``, the same tokens, cache, retries and
paging as ``vcc call``, for scripts that would otherwise shell out to ``vcc token``.

A ``Client`` resolves its profile, region, URLs, credentials and timeout exactly as the
CLI does (SPEC section 3: ``VCC_TOKEN``, ``VCC_CLIENT_ID`` + ``VCC_CLIENT_SECRET`` or
``VCC_CLIENT_SECRET_FILE``, else the profile's client ID and its secret in the keyring),
from the environment as it was when the client was made. Tokens live in the CLI's disk
cache under its cross-process lock, so a script and ``vcc token`` in parallel CI jobs
send one token request between them.

Every request goes through the CLI's own machinery (``resolve``, ``caller.Caller``,
``pagination``, ``download``): the scope and Accept version come from the path, a 401
on a cached token is refreshed once, 429 and 502/503/504 are retried with backoff, and
the token is only ever sent to the API host. Errors are ``vcc_cli.errors`` exceptions
carrying the CLI's exit codes (``VccError.exit_code``); nothing is printed: notes the
CLI would show on stderr go to the ``vcc_cli`` logger.

requests is imported when the first request is made, not when this module is.
"""

from __future__ import annotations

import json as _json
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from vcc_cli.errors import UsageError, VccError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import requests

    from vcc_cli.caller import Caller
    from vcc_cli.request import CallRequest
    from vcc_cli.resolve import Credentials, Invocation
    from vcc_cli.tokens.source import TokenSource

__all__ = ["Client"]

log = logging.getLogger("vcc_cli")

#: A query string as a mapping, or as (name, value) pairs for repeated names.
Params = Mapping[str, Any] | Sequence[tuple[str, Any]]


class Client:
    """A VCC API client that resolves credentials as the ``vcc`` CLI does.

    ``profile`` and ``region`` are ``--profile`` and ``--region`` (else ``VCC_PROFILE``,
    ``VCC_REGION`` and the profile's, as in the CLI); ``scopes`` are the scopes
    ``token()`` asks for and calls fall back on when the path does not tell (else
    ``VCC_SCOPE``, else the profile's default scopes); ``timeout`` is seconds for
    connect and read (else ``VCC_TIMEOUT``, else 10 s and 60 s); ``retries`` the
    retries of a 429 (and 502/503/504 for idempotent methods), 0 to 10. ``env``
    replaces ``os.environ`` for the resolution (a copy is kept either way).

    Nothing is resolved until it is needed, so a missing region or credentials
    raise their ``UsageError``/``AuthError`` on the first call. A client may be
    used from several threads."""

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        *,
        scopes: Sequence[str] | None = None,
        timeout: float | None = None,
        retries: int = 3,
        env: Mapping[str, str] | None = None,
    ) -> None:
        import io

        from vcc_cli import config, resolve
        from vcc_cli.output import IO
        from vcc_cli.runtime import Runtime

        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
            raise UsageError(f"retries must be a whole number from 0 to 10, not {retries!r}")
        if isinstance(scopes, str):
            scopes = scopes.split()
        environ = dict(os.environ if env is None else env)
        quiet = io.StringIO()  # nothing below the commands prints; this is the proof
        self._rt = Runtime(env=environ, io=IO(stdout=quiet, stderr=quiet, stdin=io.StringIO(), env=environ))
        self._inv: Invocation = resolve.Invocation(self._rt, profile, region, timeout)
        if timeout is not None:
            try:
                self._inv.timeout  # noqa: B018 - a bad timeout is the constructor's error
            except UsageError as error:
                raise _in_python_words(error) from None
        self.scopes: tuple[str, ...] = config.split_scopes(scopes or ())
        self.retries = retries
        self._lock = threading.Lock()
        self._callers: dict[tuple, Caller] = {}
        self._creds: Credentials | None = None
        self._source: TokenSource | None = None

    def __repr__(self) -> str:
        return f"Client(profile={self._inv.profile_name!r})"

    # -- what the client resolved

    @property
    def profile(self) -> str:
        """The profile's name (``default`` unless one was chosen)."""
        return self._inv.profile_name

    @property
    def region(self) -> str:
        """``emea``, ``nam``, ``apac``, or ``custom`` when both URLs are given."""
        return self._inv.target.region

    @property
    def api_url(self) -> str:
        """The API base URL, without a trailing slash."""
        return self._inv.target.api_url.rstrip("/")

    # -- tokens

    def token(self, scopes: Sequence[str] | str | None = None) -> str:
        """A bearer token for ``scopes`` (a list, or space-separated; default: the
        client's, ``VCC_SCOPE``, the profile's), from the disk cache while it has a
        minute left, else fetched and cached; ``VCC_TOKEN`` as it is when set."""
        from vcc_cli import config, resolve

        creds = self._credentials()
        if creds.token is not None:
            return creds.token.access_token
        if isinstance(scopes, str):
            scopes = scopes.split()
        wanted = config.split_scopes(scopes or ()) or self.scopes
        if not wanted:
            try:
                wanted = resolve.token_scopes((), self._rt.env, self._inv)
            except UsageError as error:
                raise _in_python_words(error) from None
        resolved = self._token_source().get(wanted)
        for note in resolved.notes:
            log.info(note)
        return resolved.token.access_token

    def _credentials(self) -> Credentials:
        from vcc_cli import resolve

        with self._lock:
            if self._creds is None:
                self._creds = resolve.credentials(self._inv)
            return self._creds

    def _token_source(self) -> TokenSource:
        from vcc_cli import resolve

        creds = self._credentials()
        with self._lock:
            if self._source is None:
                self._source = resolve.token_source(self._inv, creds)
            return self._source

    # -- requests

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        scopes: Sequence[str] | str | None = None,
        api_version: int | None = None,
        stream: bool = False,
        check: bool = True,
    ) -> requests.Response:
        """Send ``method path`` (a path on the API base, query string allowed, or a full
        URL on the API host) and return the ``requests.Response``.

        ``params`` go in the query string; ``json`` is sent as a JSON body, ``data`` as
        the body as it is (JSON text). ``headers`` replace the defaults (``Accept``,
        ``Authorization``). ``scopes`` and ``api_version`` override what the path
        implies. ``stream=True`` leaves the body unread (close the response). With
        ``check`` (the default) a status of 400 or more, after the retries, raises
        ``ApiError`` holding the response as ``.response``. A 401 that a new token does
        not cure (or a rejected ``VCC_TOKEN``) raises ``AuthError`` whatever ``check`` says,
        as the CLI exits 3 for it."""
        req, caller = self._prepare(method, path, params, json, data, headers, scopes, api_version)
        sent = caller.send(req)
        response = sent.response
        if not stream:
            _read(response)
        if check and response.status_code >= 400:
            from vcc_cli.caller import api_error, read_error_body

            read_error_body(response)
            response.close()
            raise api_error(response, req, sent.token_scopes)
        return response

    def get(self, path: str, params: Params | None = None, **kwargs: Any) -> requests.Response:
        """``request("GET", path, params=params, ...)``."""
        return self.request("GET", path, params=params, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """``request("POST", path, json=json, ...)``."""
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """``request("PUT", path, json=json, ...)``."""
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """``request("PATCH", path, json=json, ...)``."""
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """``request("DELETE", path, ...)``."""
        return self.request("DELETE", path, **kwargs)

    def paginate(
        self,
        path: str,
        params: Params | None = None,
        *,
        window: str | None = None,
        scopes: Sequence[str] | str | None = None,
        api_version: int | None = None,
    ) -> Iterator[Any]:
        """Every item of a collection, page after page as the iteration asks for them:
        page numbers or continuation tokens, whichever the API uses, and a
        ``start``..``end`` range wider than the API's window (stats 31 days, the
        content search 7) paged in consecutive windows. ``window`` (``"1d"``,
        ``"12h"``…) forces smaller windows. An answer that is not a collection yields
        its items if it is a list, else itself. Raises as ``request`` does; a walk cut
        short by the page limit raises ``NetworkError`` after its items."""
        from vcc_cli import pagination, windows
        from vcc_cli.errors import NetworkError

        try:
            window_ms = windows.parse_duration(window) if window is not None else None
        except ValueError as error:
            raise UsageError(f"window {error}") from None
        req, caller = self._prepare("GET", path, params, None, None, None, scopes, api_version)

        def get_json(page_req: CallRequest, label: str) -> object:
            return self._json(caller, page_req, label)

        walked = pagination.walk(req, get_json, now=self._rt.clock(), window_ms=window_ms, who="Client.paginate")
        if not walked.paged:
            first = walked.first
            yield from first if isinstance(first, list) else [first]
            return
        for batch in walked:
            yield from batch
        for note in walked.notes:
            log.info(note)
        if walked.truncated:
            raise NetworkError(
                f"Client.paginate stopped at the limit of {walked.max_pages:,} pages a window: there are more items",
                "page a shorter start..end range or a smaller window",
            )

    def download(
        self,
        path: str,
        dest: str | os.PathLike[str],
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        scopes: Sequence[str] | str | None = None,
    ) -> Path:
        """Stream the body of ``GET path`` into ``dest`` in constant memory: the file is
        complete or absent (written beside it, renamed when whole; an older ``dest``
        stays if anything fails). Returns ``dest`` as a ``Path``."""
        from vcc_cli.caller import api_error, read_error_body
        from vcc_cli.download import save
        from vcc_cli.http import iter_body

        req, caller = self._prepare("GET", path, params, None, None, headers, scopes, None)
        sent = caller.send(req)
        target = Path(dest)
        with sent.response as response:
            if response.status_code >= 400:
                read_error_body(response)
                raise api_error(response, req, sent.token_scopes)
            save(iter_body(response), target)
        return target

    # -- the machinery below, shared with `vcc call`

    def _prepare(
        self,
        method: str,
        path: str,
        params: Params | None,
        json_body: Any,
        data: bytes | str | None,
        headers: Mapping[str, str] | None,
        scopes: Sequence[str] | str | None,
        api_version: int | None,
    ) -> tuple[CallRequest, Caller]:
        from vcc_cli import catalog, request, resolve

        if not isinstance(method, str) or not method.isascii() or not method.isalpha():
            raise UsageError(f"{method!r} is not an HTTP method", "give one such as GET, POST, PATCH or DELETE")
        method = method.upper()
        if json_body is not None and data is not None:
            raise UsageError("give json or data, not both")
        body: bytes | None = None
        if json_body is not None:
            body = _json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        elif data is not None:
            body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if isinstance(scopes, str):
            scopes = scopes.split()
        try:
            url, rel_path = request.resolve_url(path, self._inv.target.api_url)
            wanted, alternatives = resolve.call_scopes(
                method,
                rel_path,
                tuple(scopes or ()),
                lambda: self.scopes or self._inv.profile_scopes,
                self._rt.env.get("VCC_SCOPE", "").split(),
            )
        except UsageError as error:
            raise _in_python_words(error) from None
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params or ())
        # as requests does: a list or tuple repeats the name, None leaves it out
        query = [
            (str(k), _text(item))
            for k, v in pairs
            for item in (v if isinstance(v, list | tuple) else [v])
            if item is not None
        ]
        given = {str(k).lower(): (str(k), str(v)) for k, v in (headers or {}).items()}
        req = request.CallRequest(method, url, rel_path, query, given, body, wanted, alternatives)
        accept = catalog.accept_header(method, rel_path, api_version)
        return req, self._caller(accept, req)

    def _caller(self, accept: str, req: CallRequest) -> Caller:
        """One Caller per Accept header and scope choice, all sharing the session and the
        token source (and so the cache): each keeps the token of its scopes."""
        from vcc_cli.caller import Caller
        from vcc_cli.http import RetryPolicy

        key = (accept, req.scopes, req.scope_alternatives, req.user_sets_authorization)
        existing = self._callers.get(key)
        if existing is not None:
            return existing
        creds = None if req.user_sets_authorization else self._credentials()
        source = self._token_source() if creds is not None and creds.token is None else None
        caller = Caller(
            accept,
            self._rt.session,
            self._inv.timeout,
            RetryPolicy(retries=self.retries, sleep=self._rt.sleep, clock=self._rt.clock),
            log.info,
            tokens=source,
            env_token=creds.token if creds is not None else None,
        )
        with self._lock:
            return self._callers.setdefault(key, caller)

    def _json(self, caller: Caller, req: CallRequest, label: str) -> object:
        from vcc_cli.caller import json_answer

        return json_answer(caller, req, label)


#: The CLI's words in hints, and what a Python caller writes instead.
_PYTHON_WORDS = (
    ("pass --region (emea, nam, apac)", "give Client(region=...) (emea, nam, apac)"),
    ("pass -s SCOPE", "pass scopes=[...]"),
    ("or set default scopes with `vcc login -s SCOPE`", "or give Client(scopes=[...])"),
    ("--timeout must be", "timeout must be"),
)


def _in_python_words(error: VccError) -> VccError:
    """``error`` naming the Python arguments where its words name CLI options."""
    for cli, python in _PYTHON_WORDS:
        error.message = error.message.replace(cli, python)
        error.args = (error.message,)
        if error.hint:
            error.hint = error.hint.replace(cli, python)
    return error


def _read(response: Any) -> None:
    """Read the whole body now, as requests does without ``stream=True``; a connection
    that breaks meanwhile is the NetworkError the CLI gives it."""
    from vcc_cli.http import iter_body

    response._content = b"".join(iter_body(response))
    response._content_consumed = True


def _text(value: Any) -> str:
    """A query parameter's text: booleans as JSON writes them, everything else as str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
