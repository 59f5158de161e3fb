"""Serving the catalogued APIs: route matching and the checks every API
request passes before its handler runs, in this order:

1. a path outside every API of ``vcc_cli.catalog``: 404;
2. a bearer token that the emulator issued, not expired, not revoked: else 401
   ``{"message": "The access token is invalid or has expired"}``;
3. a route for the path (404) and the method (405);
4. the scope ``catalog.infer_scope`` names for the call: else 403;
5. the versioned Accept header of the API (``catalog.accept_header``, plus the
   older versions the docs still show): else 400.

Scopes, prefixes and versions all come from the catalog, so ``vcc call`` and
the emulator cannot disagree about them.
"""

from __future__ import annotations

from dataclasses import dataclass

from vcc_cli import catalog

from .auth import Grant, TokenAuthority
from .messages import Request, Response, media_type, message
from .resources import ROUTES, Handler, Reject, State, generic

# Versions the docs show besides the catalog's default, by API prefix:
# "Interaction Content API supports versions 2 and 3"; Insights Stats answers
# "Invalid api-version! Valid values: 2,3".
EXTRA_VERSIONS: dict[str, tuple[int, ...]] = {
    "/interaction-content": (2,),
    "/stats": (2,),
}

INVALID_TOKEN_MESSAGE = "The access token is invalid or has expired"
_DESCRIPTION = f'error_description="{INVALID_TOKEN_MESSAGE}"'


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
        for want, got in zip(self.segments, segments):
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


def accepted_values(method: str, path: str) -> list[str]:
    """The Accept values an API call may send, the catalog's own first."""
    api = catalog.find_api(path)
    primary = catalog.api_version(method, path) or 1
    extras = EXTRA_VERSIONS.get(api.prefix.lower(), ()) if api else ()
    return [catalog.accept_header(method, path, v) for v in (primary, *(v for v in extras if v != primary))]


def accept_matches(header: str | None, supported: list[str]) -> bool:
    """Whether one media range of ``header`` names a supported type, with the
    same ``version`` parameter where the supported value has one. Wildcards
    (``*/*``) do not count: VCC wants the version said out loud."""
    if not header:
        return False
    wanted = [media_type(value) for value in supported]
    for item in header.split(","):
        kind, params = media_type(item)
        if params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        for want_kind, want_params in wanted:
            if kind == want_kind and all(params.get(k) == v for k, v in want_params.items()):
                return True
    return False


class ApiService:
    """Answers API requests (everything under a catalogued prefix)."""

    def __init__(self, authority: TokenAuthority, state: State):
        self.authority = authority
        self.state = state
        self.routes = build_routes()

    def _grant(self, request: Request) -> Grant | Response:
        header = request.header("Authorization") or ""
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            # RFC 6750 3.1: no error code when the request has no token at all.
            return message(401, INVALID_TOKEN_MESSAGE, [("WWW-Authenticate", 'Bearer realm="vcc-emulator"')])
        grant = self.authority.lookup(token)
        if grant is None:
            return message(
                401,
                INVALID_TOKEN_MESSAGE,
                [("WWW-Authenticate", f'Bearer realm="vcc-emulator", error="invalid_token", {_DESCRIPTION}')],
            )
        return grant

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
        grant = self._grant(request)
        if isinstance(grant, Response):
            return grant
        route, params, allowed = self._match(request.method, request.path)
        if route is None:
            if allowed:
                return message(
                    405,
                    f"{request.method} is not allowed on {request.path}",
                    [("Allow", ", ".join(allowed))],
                    allowed=allowed,
                )
            return message(404, f"the {api.name} has no resource at {request.path}")
        scope = catalog.infer_scope(request.method, request.path)
        if scope is not None and scope not in grant.scopes:
            return message(
                403,
                f"this endpoint needs the scope {scope}; the access token has: {' '.join(sorted(grant.scopes))}",
                [("WWW-Authenticate", f'Bearer realm="vcc-emulator", error="insufficient_scope", scope="{scope}"')],
                requiredScope=scope,
                tokenScopes=sorted(grant.scopes),
            )
        supported = accepted_values(request.method, request.path)
        if not accept_matches(request.header("Accept"), supported):
            sent = request.header("Accept")
            return message(
                400,
                f"unsupported Accept header ({'none sent' if sent is None else repr(sent)}); "
                f"the {api.name} accepts: {', '.join(supported)}",
                supportedAccept=supported,
            )
        request.params = params
        request.template = route.template
        try:
            return route.handler(self.state, request)
        except Reject as rejection:
            return rejection.response
