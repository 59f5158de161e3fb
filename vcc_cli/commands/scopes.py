"""``vcc scopes``: every API with its scopes, what each is for (including the
endpoints that accept it in place of another), path prefix and Accept versions."""

from __future__ import annotations

from vcc_cli.cli.table import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime


class ScopesOptions(Options):
    json: bool
    profile: str | None


def _accept(api) -> str:
    from vcc_cli import catalog

    return catalog.accept_header("GET", api.prefix, api.version)


def _versions(api) -> str:
    """``v3`` or ``v3 (also v2)``: the default Accept version first."""
    others = ", ".join(f"v{v}" for v in api.versions[1:])
    return f"v{api.version}" + (f" (also {others})" if others else "")


def _used_for(api, scope: str) -> str:
    """The methods whose endpoints take ``scope`` as first choice, then those that
    accept it in place of another: ``POST PATCH DELETE; GET in place of users:read``."""
    first: list[str] = []
    instead: dict[str, list[str]] = {}
    for endpoint in api.endpoints:
        if scope not in endpoint.scopes:
            continue
        if endpoint.scopes[0] == scope:
            first.append(endpoint.method)
        else:
            instead.setdefault(endpoint.scopes[0], []).append(endpoint.method)

    def methods(values: list[str]) -> str:
        order = ("GET", "POST", "PUT", "PATCH", "DELETE")
        return " ".join(m for m in order if m in values)

    parts = [methods(first)] if first else []
    parts += [f"{methods(ms)} in place of {other}" for other, ms in instead.items()]
    return "; ".join(parts)


def _endpoints(api) -> list[dict]:
    from vcc_cli import catalog

    return [
        {
            "method": e.method,
            "path": e.path,
            "scopes": list(e.scopes),
            "versions": list(e.versions or api.versions),
            **({"paging": e.paging} if e.paging else {}),
            **({"window_days": e.window / catalog.DAY} if e.window else {}),
            "summary": e.summary,
            **({"source": e.source} if e.source else {}),
        }
        for e in api.endpoints
    ]


def _profile_state(opts: ScopesOptions, rt: Runtime):
    """(profile default scopes, {scope: seconds left of its cached token}) when a profile or env
    credentials are set up; (None, {}) otherwise. Never asks the network or the keyring."""
    from vcc_cli import resolve
    from vcc_cli.errors import VccError

    try:
        inv = resolve.Invocation(rt, opts.profile)
        creds = resolve.credentials(inv, token_allowed=False)
        endpoint = inv.target.token_endpoint
        defaults = inv.profile_scopes
    except VccError:
        if opts.profile:
            raise
        return None, {}
    now = rt.clock()
    lifetimes: dict[str, float] = {}
    for entry in rt.token_cache().entries_for(endpoint, creds.client_id):
        left = entry.token.remaining(now)
        if left is None or left <= 0:
            continue
        for scope in entry.token.scopes:
            lifetimes[scope] = max(lifetimes.get(scope, 0.0), left)
    return defaults, lifetimes


def run(opts: ScopesOptions, rt: Runtime) -> int:
    from vcc_cli import catalog

    defaults, lifetimes = _profile_state(opts, rt)
    if opts.json:
        rt.io.print_json(
            [
                {
                    "api": api.name,
                    "prefix": api.prefix,
                    "version": api.version,
                    "versions": list(api.versions),
                    "accept": _accept(api),
                    "source": api.source,
                    "scopes": [
                        {
                            "value": s.value,
                            "description": s.description,
                            "used_for": _used_for(api, s.value),
                            **({"default": s.value in defaults} if defaults is not None else {}),
                            **({"cached_token_expires_in": int(lifetimes[s.value])} if s.value in lifetimes else {}),
                        }
                        for s in api.scopes
                    ],
                    "endpoints": _endpoints(api),
                }
                for api in catalog.APIS
            ]
        )
        return 0
    columns = ["API", "scope", "description", "used for", "prefix", "Accept"]
    if defaults is not None:
        columns.append("profile")
    rows = []
    for api in catalog.APIS:
        for s in api.scopes:
            row = [api.name, s.value, s.description, _used_for(api, s.value), api.prefix, _versions(api)]
            if defaults is not None:
                marks = []
                if s.value in defaults:
                    marks.append("default")
                if s.value in lifetimes:
                    marks.append(f"cached {int(lifetimes[s.value]) // 60} min")
                row.append(", ".join(marks))
            rows.append(row)
    rt.io.table("VCC APIs and scopes", columns, rows)
    return 0
