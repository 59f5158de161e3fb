"""``VccAuth``: a ``requests`` auth for code that already has its own ``requests.Session``
(SPEC, "Python API"): the bearer token of a ``Client`` for each request's scope, the
versioned Accept header, and one refresh after a 401, as ``vcc call`` does.

The token is attached only to requests for the client's API host (SPEC section 7: the
token goes only to the configured API host); anything else is refused with a
``UsageError`` rather than sent without it or, worse, with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from vcc_cli.client import Client, log
from vcc_cli.errors import UsageError

__all__ = ["VccAuth"]


class VccAuth(requests.auth.AuthBase):
    """``session.get(url, auth=VccAuth(client))``: the client's token for the scope the
    request's method and path need (or ``scopes``), the Accept version the path
    implies unless the request sets one, and, after a 401 on a cached token, a new
    token and one more try."""

    def __init__(self, client: Client, scopes: Sequence[str] | str | None = None) -> None:
        self.client = client
        self.scopes = scopes.split() if isinstance(scopes, str) else tuple(scopes or ())

    def _scopes_for(self, method: str, path: str) -> tuple[str, ...]:
        from vcc_cli import resolve

        if self.scopes:
            return tuple(self.scopes)
        wanted, _ = resolve.call_scopes(
            method,
            path,
            (),
            lambda: self.client.scopes or self.client._inv.profile_scopes,
            self.client._rt.env.get("VCC_SCOPE", "").split(),
        )
        return wanted

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        from vcc_cli import catalog, request

        method = (r.method or "GET").upper()
        _, path = request.resolve_url(str(r.url), self.client.api_url)  # another host: UsageError
        scopes = self._scopes_for(method, path)
        r.headers["Authorization"] = f"Bearer {self.client.token(scopes)}"
        if r.headers.get("Accept", "*/*") == "*/*":  # requests' default: the API wants its version
            r.headers["Accept"] = catalog.accept_header(method, path)
        r.register_hook("response", self._retry_after_401)
        return r

    def _retry_after_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        """One more try with a new token after a 401 (the cached one was revoked or
        expired early), as ``vcc call`` does; a second 401 is returned as it is."""
        request_sent = response.request
        if response.status_code != 401 or getattr(request_sent, "_vcc_retried", False):
            return response
        creds = self.client._credentials()
        if creds.token is not None:  # VCC_TOKEN: a 401 is final
            return response
        from vcc_cli import request

        try:
            _, path = request.resolve_url(str(request_sent.url), self.client.api_url)
        except UsageError:  # a redirect led to another host: requests dropped the token, keep it so
            return response
        method = (request_sent.method or "GET").upper()
        scopes = self._scopes_for(method, path)
        rejected = str(request_sent.headers.get("Authorization", "")).removeprefix("Bearer ")
        source = self.client._token_source()
        cached = source.cached(scopes, 0)
        if cached is not None and cached.access_token == rejected:
            resolved = source.replace(cached, scopes)
        else:
            resolved = source.get(scopes)
        for note in resolved.notes:
            log.info(note)
        log.info("the API answered 401: fetched a new token and trying once more")
        response.content  # noqa: B018 - release the connection
        response.close()
        retry = request_sent.copy()
        retry.headers["Authorization"] = f"Bearer {resolved.token.access_token}"
        retry._vcc_retried = True  # type: ignore[attr-defined]
        sent = response.connection.send(retry, **kwargs)
        sent.history.append(response)
        sent.request = retry
        return sent
