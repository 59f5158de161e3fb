"""Serving the catalogued APIs: route matching and the checks every API
request passes before its handler runs, in this order:

1. a path outside every API of ``vcc_cli.catalog``: 404;
2. a bearer token that the emulator issued, not expired, not revoked: else
   401 with the API's documented body (``unauthorized_body``);
3. a route for the path (404) and the method (405);
4. one of the scopes ``catalog.accepted_scopes`` lists for the call (any one
   suffices): else 401 ``{"message": "Unauthorized"}`` on Insights Stats
   (documented), 403 elsewhere (undocumented);
5. an Accept header naming a version of ``catalog.accepted_versions``: else
   400 with the API's documented body (``accept_error``); the Payment API,
   documented as needing the Authorization header only, takes any.

Scopes, prefixes and versions all come from the catalog, so ``vcc call`` and
the emulator cannot disagree about them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vcc_cli import catalog

from .auth import Grant, TokenAuthority
from .messages import Request, Response, json_response, media_type, message
from .resources import ROUTES, Handler, Reject, State, generic

REALM = 'Bearer realm="vcc-emulator"'
# Insights Stats' documented 401 bodies; the APIs whose 401 body is
# undocumented answer the same (the Agents API documents its own).
MISSING_TOKEN = {"error": "invalid_request", "error_description": "The access token is missing"}
INVALID_TOKEN = {"error": "invalid_token", "error_description": "The access token is invalid or has expired"}
AGENTS_DENIED = {"message": "Authorization has been denied for this request."}

_VND = re.compile(r"application/vnd\.newvoicemedia\.v(\d+)\+json")


def unauthorized_body(api: catalog.Api, missing: bool) -> dict:
    """The 401 body of ``api`` for a missing (or malformed) or an invalid token."""
    if api is catalog.AGENTS_API:
        return AGENTS_DENIED
    return MISSING_TOKEN if missing else INVALID_TOKEN


def accept_versions(header: str | None) -> list[int]:
    """The VCC versions an Accept header names (``application/vnd.newvoicemedia.vN+json``,
    not refused with q=0). Wildcards name none: VCC wants the version said out loud."""
    versions = []
    for item in (header or "").split(","):
        kind, params = media_type(item)
        match = _VND.fullmatch(kind)
        if match and params.get("q", "1").strip() not in ("0", "0.0", "0.00", "0.000"):
            versions.append(int(match.group(1)))
    return versions


def accept_error(api: catalog.Api, request: Request, sent: list[int], accepted: tuple[int, ...]) -> Response:
    """The 400 for an Accept header without an accepted version: no version
    at all (``sent`` empty) or only others."""
    values = [catalog.accept_header(request.method, request.path, v) for v in sorted(accepted)]
    # The catalog quotes "Invalid api-version! Valid values: 2,3" (Stats) and "...: 4" (User Admin).
    wrong_version = "Invalid api-version! Valid values: " + ",".join(map(str, sorted(accepted)))
    if api is catalog.INSIGHTS_STATS_API:  # documented for a missing version
        text = wrong_version if sent else "Invalid Accept header!"
        return json_response(400, {"statusCode": 400, "error": "Bad Request", "message": text})
    if api is catalog.USER_ADMIN_API:  # documented for a missing version
        return message(400, wrong_version if sent else "Version missing from Accept header!")
    if api is catalog.INTERACTION_CONTENT_API:  # documented
        return message(400, "Invalid api-version! Valid values: " + ", ".join(f"'{v}'" for v in values))
    if api is catalog.AGENTS_API:  # the code is documented; the messages are ASP.NET API Versioning's (unconfirmed)
        if not sent:
            error = {"code": "ApiVersionUnspecified", "message": "An API version is required, but was not specified."}
        else:
            error = {
                "code": "UnsupportedApiVersion",
                "message": f"The HTTP resource that matches the request URI '{request.path}' does not support "
                f"the API version '{sent[0]}'.",
            }
        return json_response(400, {"error": error})
    # undocumented for the other APIs: a small message naming what they take.
    return message(400, f"Invalid api-version! Valid values: {', '.join(values)}")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    segments: tuple[str, ...]  # lowercased; parameters keep their braces

    @property
    def literals(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.segments):
            return None
        params = {}
        for want, got in zip(self.segments, segments, strict=False):
            if want.startswith("{"):
                params[want[1:-1]] = got
            elif want != got.lower():
                return None
        return params


def _split(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _route(method: str, template: str, handler: Handler) -> Route:
    segments = tuple(s if s.startswith("{") else s.lower() for s in _split(template))
    # Keep parameter names as written ({userId}); only literals are case-folded.
    return Route(method.upper(), template, handler, segments)


def _shape(method: str, template: str) -> tuple[str, tuple[str, ...]]:
    return method.upper(), tuple("{}" if s.startswith("{") else s.lower() for s in _split(template))


def build_routes() -> tuple[Route, ...]:
    """The dedicated routes of ``resources.ROUTES``, plus ``generic`` for every
    catalogued endpoint they leave out. Raises RuntimeError when a dedicated
    route lies outside the catalog (the two would have drifted apart)."""
    routes = []
    for method, template, handler in ROUTES:
        if catalog.find_api(template) is None:
            raise RuntimeError(f"emulator route {method} {template} is under no API of vcc_cli.catalog")
        routes.append(_route(method, template, handler))
    covered = {_shape(r.method, r.template) for r in routes}
    for api in catalog.APIS:
        for endpoint in api.endpoints:
            if _shape(endpoint.method, endpoint.path) not in covered:
                routes.append(_route(endpoint.method, endpoint.path, generic))
                covered.add(_shape(endpoint.method, endpoint.path))
    return tuple(routes)


class ApiService:
    """Answers API requests (everything under a catalogued prefix)."""

    def __init__(self, authority: TokenAuthority, state: State):
        self.authority = authority
        self.state = state
        self.routes = build_routes()

    def _grant(self, api: catalog.Api, request: Request) -> Grant | Response:
        scheme, _, token = (request.header("Authorization") or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            # RFC 6750 3.1: no error code in the challenge when there is no token at all.
            return json_response(401, unauthorized_body(api, missing=True), [("WWW-Authenticate", REALM)])
        grant = self.authority.lookup(token)
        if grant is None:
            description = INVALID_TOKEN["error_description"]
            challenge = f'{REALM}, error="invalid_token", error_description="{description}"'
            return json_response(401, unauthorized_body(api, missing=False), [("WWW-Authenticate", challenge)])
        return grant

    def _scope_refusal(self, api: catalog.Api, request: Request, grant: Grant) -> Response | None:
        accepted = catalog.accepted_scopes(request.method, request.path)
        if not accepted or grant.scopes & set(accepted):
            return None
        # RFC 6750's scope attribute lists scopes that are all needed, so it
        # names one: the catalog's first choice among the alternatives.
        challenge = [("WWW-Authenticate", f'{REALM}, error="insufficient_scope", scope="{accepted[0]}"')]
        if api is catalog.INSIGHTS_STATS_API:  # documented
            return json_response(401, {"message": "Unauthorized"}, challenge)
        # undocumented: the 403 and its body.
        return message(
            403,
            f"this endpoint needs the scope {' or '.join(accepted)}; the access token has: "
            f"{' '.join(sorted(grant.scopes))}",
            challenge,
        )

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, its parameters, the methods the path allows)."""
        segments = _split(path)
        verb = "GET" if method == "HEAD" else method
        best: tuple[Route, dict[str, str]] | None = None
        allowed: set[str] = set()
        for route in self.routes:
            params = route.match(segments)
            if params is None:
                continue
            allowed.add(route.method)
            if route.method == verb and (best is None or route.literals > best[0].literals):
                best = (route, params)
        if "GET" in allowed:
            allowed.add("HEAD")
        if best is None:
            return None, {}, sorted(allowed)
        return best[0], best[1], sorted(allowed)

    def handle(self, request: Request) -> Response:
        api = catalog.find_api(request.path)
        if api is None:
            return message(404, f"no VCC API serves {request.path}")
        grant = self._grant(api, request)
        if isinstance(grant, Response):
            return grant
        route, params, allowed = self._match(request.method, request.path)
        if route is None:
            if allowed:
                return message(
                    405, f"{request.method} is not allowed on {request.path}", [("Allow", ", ".join(allowed))]
                )
            return message(404, f"the {api.name} has no resource at {request.path}")
        refusal = self._scope_refusal(api, request, grant)
        if refusal is not None:
            return refusal
        accepted = catalog.accepted_versions(request.method, request.path)
        sent = accept_versions(request.header("Accept"))
        # The Payment API's docs ask for the Authorization header only (the
        # catalog's versions for it are unconfirmed), so it takes any Accept.
        if api is not catalog.PAYMENT_API and not set(sent) & set(accepted):
            return accept_error(api, request, sent, accepted)
        request.params = params
        request.template = route.template
        try:
            return route.handler(self.state, request)
        except Reject as rejection:
            return rejection.response
