"""The VCC API catalog: path prefixes, scopes and Accept versions (SPEC section 5).

Pure data and pure functions, standard library only: ``vcc call`` uses this
module to choose the scope and the versioned ``Accept`` header from a path,
``vcc scopes`` lists it, and the emulator serves some of its endpoints.

Every value comes from the VCC developer documentation (the NewVoiceMedia /
VCC Confluence spaces behind developer.vonage.com/en/vonage-contact-center);
the ``source`` next to each API and endpoint says where. Values the
documentation does not settle are marked ``# unconfirmed:``.

Paths are matched case-insensitively, on whole segments, after dropping any
scheme, host, query string and fragment; ``{name}`` in a template matches
exactly one segment.
"""

from __future__ import annotations

from dataclasses import dataclass

# The API Admin table of scopes ("How to authenticate with a VCC API").
SCOPES_SOURCE = "https://newvoicemedia.atlassian.net/wiki/spaces/VCCA/pages/3567190030"

VND_STYLE = "vnd"  # Accept: application/vnd.newvoicemedia.v{N}+json
JSON_VERSION_STYLE = "json-version"  # Accept: application/json;version={N}

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Scope:
    """An OAuth scope: its value in token requests and its API Admin description."""

    value: str
    description: str


@dataclass(frozen=True)
class Endpoint:
    """One documented endpoint. ``path`` is a full template such as
    ``/useradmin/users/{userId}``; ``version`` is set only where it differs
    from the API's default Accept version."""

    method: str
    path: str
    scope: str
    version: int | None = None
    summary: str = ""
    source: str = ""  # the endpoint's own page, where it has one


@dataclass(frozen=True)
class Api:
    """One VCC API: the first path segment it lives under, its default
    Accept version and style, its scopes and its documented endpoints."""

    name: str
    prefix: str
    version: int
    scopes: tuple[Scope, ...]
    endpoints: tuple[Endpoint, ...]
    source: str
    accept_style: str = VND_STYLE  # "vnd" or "json-version"


# ----------------------------------------------------------------------- scopes
# Descriptions exactly as API Admin shows them. Two APIs may share a scope.

AGENTS_AVAILABILITY_READ = Scope("agents-availability:read", "View agent availability")
USERS_READ = Scope("users:read", "Read VCC user details, settings, and presences")
USERS_WRITE = Scope("users:write", "Update VCC user details, settings, and presences")
INTERACTION_CONTENT_READ = Scope("interaction-content:read", "Read or download interaction content")
INTERACTION_CONTENT_DELETE = Scope(
    "interaction-content:delete",
    "Delete interaction content (e.g. call recordings, transcripts)",
)
STATS = Scope("stats", "View Insights stats")
INTERACTIONS_WRITE = Scope("interactions:write", "Create and update active interactions")
GLOBALPCI = Scope("globalpci", "Create secure payment sessions")

_WIKI = "https://newvoicemedia.atlassian.net/wiki/spaces/VCCA/pages/"
_DOCS = "https://docs-vcc.atlassian.net/wiki/spaces/VCCA/pages/"


# ------------------------------------------------------------------------- APIs

AGENT_AVAILABILITY_API = Api(
    name="Agent Availability API",
    prefix="/agents-availability",
    version=1,  # "the only supported version of Agent Availability API is version 1"
    scopes=(AGENTS_AVAILABILITY_READ,),
    endpoints=(
        Endpoint(
            "GET",
            "/agents-availability",
            "agents-availability:read",
            summary="Count available agents for the skills in skillNames",
        ),
    ),
    source=_DOCS + "3566174571/Requests+Agent+Availability+API",
)

# Agents API: user-level credentials. Its endpoints also accept self:read,
# self:write, admin:read and admin:write, which the API Admin scope table does
# not list; users:read / users:write are the scopes API Admin offers for it.
AGENTS_API = Api(
    name="Agents API",
    prefix="/agents",
    version=1,  # "Agents API supports versions 1"
    scopes=(USERS_READ, USERS_WRITE),
    endpoints=(
        Endpoint(
            "GET",
            "/agents/presence-definitions",
            "users:read",
            summary="List presence definitions",
            source=_WIKI + "3565192670/Get+presence+definitions",
        ),
        Endpoint(
            "GET",
            "/agents/presences/users",
            "users:read",
            summary="Get the presences of up to 50 users (query: userId, comma-separated)",
            source=_WIKI + "3566174755",
        ),
        Endpoint(
            "GET",
            "/agents/{userId}/presence",
            "users:read",
            summary="Get an agent's presence",
            source=_DOCS + "3565192683/Get+agent%27s+presence",
        ),
        Endpoint(
            "PATCH",
            "/agents/{userId}/presence",
            "users:write",
            summary="Set an agent's presence",
            source=_DOCS + "3566174808/Set+agent+s+presence",
        ),
    ),
    source=_WIKI + "3566927907/Agents+API",
)

CONVERSATION_ANALYZER_API = Api(
    name="Conversation Analyzer API",
    prefix="/conversation-analyzer",
    # The "Requests" page shows v2 as its example; every endpoint page sends v3.
    version=3,
    scopes=(INTERACTION_CONTENT_READ,),
    endpoints=(
        Endpoint(
            "GET",
            "/conversation-analyzer/interactions",
            "interaction-content:read",
            summary="Categorization and call time breakdown for up to 50 calls (query: calls)",
            source=_DOCS + "3565192829/Get+multiple+interactions",
        ),
        Endpoint(
            "GET",
            "/conversation-analyzer/interactions/{guid}",
            "interaction-content:read",
            summary="Categorization, call time breakdown and transcript of one call",
            source=_DOCS + "3566175010/Get+a+single+interaction+Conversation+Analyzer+API",
        ),
        # unconfirmed: the docs list a "status" resource but show no path for it.
        Endpoint(
            "GET",
            "/conversation-analyzer/status",
            "interaction-content:read",
            summary="Availability of the Conversation Analyzer API",
            source="https://conversation-analyzer.developer.newvoicemedia.com/docs/resources",
        ),
    ),
    source=_DOCS + "3567190109/Requests+Conversation+Analyzer+API",
)

INSIGHTS_STATS_API = Api(
    name="Insights Stats API",
    prefix="/stats",
    version=3,  # "Invalid api-version! Valid values: 2,3"; the docs use v3
    scopes=(STATS,),
    endpoints=(
        Endpoint(
            "GET",
            "/stats/agent-activities",
            "stats",
            summary="Agents' presence, workload and interaction activities (query: start, end)",
            source=_WIKI + "3567255553/Agent+Activities",
        ),
        Endpoint(
            "GET",
            "/stats/agent-activities/presence",
            "stats",
            summary="Agents' presence activities",
            source=_WIKI + "3567190316/Get+agent+presence+activities",
        ),
        Endpoint(
            "GET",
            "/stats/agent-activities/interactions",
            "stats",
            summary="Agents' interaction activities",
            source=_WIKI + "3567223023",
        ),
        Endpoint(
            "GET",
            "/stats/agent-status",
            "stats",
            summary="Agents' current presence, workload and interactions",
            source=_WIKI + "3566175057",
        ),
        Endpoint(
            "GET",
            "/stats/interactions",
            "stats",
            summary="Interactions in a time window (query: start, end)",
            source=_WIKI + "3567845377",
        ),
        Endpoint(
            "GET",
            "/stats/interactions/{guid}",
            "stats",
            summary="One interaction",
            source=_WIKI + "3565193000",
        ),
        Endpoint(
            "GET",
            "/stats/wfm/agent-states",
            "stats",
            summary="Agent states for workforce management integrations",
            source=_DOCS + "3566175146/Get+WFM+agent+states",
        ),
    ),
    source=_DOCS + "3567222920/Requests+Insights+Stats+API",
)

INTERACTIONS_API = Api(
    name="Interactions API",
    prefix="/interactions",
    # unconfirmed: SPEC section 5 gives application/json;version=6, which the
    # docs never show; their examples send application/vnd.newvoicemedia.v1+json.
    version=6,
    accept_style=JSON_VERSION_STYLE,
    scopes=(INTERACTIONS_WRITE,),
    endpoints=(
        Endpoint(
            "POST",
            "/interactions/invoke",
            "interactions:write",
            summary="Dispatch or release interactions through a named route",
            source=_DOCS + "3567484955/Create+inbound+interaction",
        ),
        Endpoint(
            "POST",
            "/interactions/register",
            "interactions:write",
            summary="Register a provider (callback API and permitted agent actions)",
            source=_WIKI + "3567190440",
        ),
    ),
    source=_WIKI + "3567812647",
)

INTERACTION_CONTENT_API = Api(
    name="Interaction Content API",
    prefix="/interaction-content",
    # "Interaction Content API supports versions 2 and 3"; endpoint examples use v3.
    version=3,
    scopes=(INTERACTION_CONTENT_READ, INTERACTION_CONTENT_DELETE),
    endpoints=(
        Endpoint(
            "GET",
            "/interaction-content/interactions",
            "interaction-content:read",
            summary="Search interactions that have content",
            source=_WIKI + "3567190659",
        ),
        Endpoint(
            "GET",
            "/interaction-content/interactions/{guid}",
            "interaction-content:read",
            summary="One interaction and its content keys",
            source=_WIKI + "3567190659",
        ),
        Endpoint(
            "GET",
            "/interaction-content/interactions/{guid}/content/{contentKey}",
            "interaction-content:read",
            summary="Download one content file (e.g. callRecording as audio/wav)",
            source="https://docs-vcc.atlassian.net/wiki/x/WwCo1",
        ),
        Endpoint(
            "DELETE",
            "/interaction-content/interactions/{guid}",
            "interaction-content:delete",
            summary="Delete an interaction and all its content",
            source=_DOCS + "3567223352/Delete+specific+interaction+and+its+content+by+its+GUID",
        ),
        Endpoint(
            "DELETE",
            "/interaction-content/interactions/{guid}/content/{contentKey}",
            "interaction-content:delete",
            summary="Delete one content file",
            source=_DOCS + "3613589509/Delete+single+interaction+content+file",
        ),
        Endpoint(
            "POST",
            "/interaction-content/interactions/delete-batch",
            "interaction-content:delete",
            summary="Delete up to 1000 interactions and their content",
            source=_WIKI + "3567190610",
        ),
    ),
    source=_WIKI + "3567223408",
)

PAYMENT_API = Api(
    name="Payment API",
    # unconfirmed: the docs give only /v1/... paths, never the gateway prefix;
    # /globalpci follows the scope name.
    prefix="/globalpci",
    # unconfirmed: the docs require only the Authorization header, no versioned Accept.
    version=1,
    scopes=(GLOBALPCI,),
    endpoints=(
        Endpoint(
            "POST",
            "/globalpci/v1/session",
            "globalpci",
            summary="Start an agent assist payment session",
            source=_DOCS + "3567681606/Create+agent+assist+session",
        ),
        Endpoint(
            "GET",
            "/globalpci/v1/session/{sessionGuid}",
            "globalpci",
            summary="Status of a payment session (kept 15 minutes after it ends)",
            source=_DOCS + "3567386714/Get+payment+session+status",
        ),
        Endpoint(
            "POST",
            "/globalpci/v1/digitalsession",
            "globalpci",
            summary="Start a digital payment session",
            source=_WIKI + "3613360129/Create+digital+session",
        ),
    ),
    source=_DOCS + "3567190827/Requests+Payment+API",
)

USER_ADMIN_API = Api(
    name="User Admin API",
    prefix="/useradmin",
    version=4,  # "Invalid api-version! Valid values: 4"
    scopes=(USERS_READ, USERS_WRITE),
    endpoints=(
        Endpoint(
            "GET",
            "/useradmin/users",
            "users:read",
            summary="List users (query: include, page, limit)",
            source=_WIKI + "3568762915",
        ),
        Endpoint(
            "POST",
            "/useradmin/users",
            "users:write",
            summary="Create a user",
            source=_WIKI + "3568795697",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}",
            "users:read",
            summary="Get a user",
            source=_DOCS + "3568861239/Get+user+by+user+ID",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/callbackNumbers",
            "users:read",
            summary="A user's callback numbers",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3583868964",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/callbackNumbers",
            "users:write",
            summary="Replace a user's callback numbers",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3583115287",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/schedules",
            "users:read",
            summary="A user's schedules",
            source=_WIKI + "3568926721",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/groups",
            "users:read",
            summary="The groups a user is in",
            source=_WIKI + "3568599042",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/skills",
            "users:read",
            summary="A user's skills",
            source=_DOCS + "3567681642/Get+user+s+skills",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/skills",
            "users:write",
            summary="Replace a user's skills",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3569319950",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/permissions/groups",
            "users:read",
            summary="A user's group permissions",
            source=_DOCS + "3567616092/Get+user+s+group+permissions",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/permissions/groups",
            "users:write",
            summary="Replace a user's group permissions",
            source="https://docs-vcc.atlassian.net/wiki/x/GYC-1",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/permissions/addresses",
            "users:read",
            summary="A user's address permissions",
            source=_DOCS + "3567224014",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/permissions/addresses",
            "users:write",
            summary="Replace a user's address permissions",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3567224027",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/permissions/interactionPlans",
            "users:read",
            summary="A user's interaction plan permissions",
            source=_WIKI + "3567191217",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/permissions/interactionPlans",
            "users:write",
            summary="Replace a user's interaction plan permissions",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3573481601",
        ),
        Endpoint(
            "GET",
            "/useradmin/users/{userId}/permissions/queues",
            "users:read",
            summary="A user's queue permissions",
            source=_WIKI + "3567191242",
        ),
        Endpoint(
            "PUT",
            "/useradmin/users/{userId}/permissions/queues",
            "users:write",
            summary="Replace a user's queue permissions",
            source="https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3568992326",
        ),
        Endpoint(
            "GET",
            "/useradmin/skills/{skillId}/users",
            "users:read",
            summary="The users who have a skill",
            source=_WIKI + "3567223966",
        ),
        Endpoint(
            "PUT",
            "/useradmin/skills/{skillId}/users",
            "users:write",
            summary="Replace the users who have a skill",
            source=_DOCS + "3567191186",
        ),
        Endpoint(
            "GET",
            "/useradmin/groups/{groupId}/users",
            "users:read",
            summary="The users in a group",
            source=_DOCS + "3567223890/Get+group+s+users",
        ),
    ),
    source=_WIKI + "3567191029",
)

APIS: tuple[Api, ...] = (
    AGENT_AVAILABILITY_API,
    AGENTS_API,
    CONVERSATION_ANALYZER_API,
    INSIGHTS_STATS_API,
    INTERACTIONS_API,
    INTERACTION_CONTENT_API,
    PAYMENT_API,
    USER_ADMIN_API,
)


# -------------------------------------------------------------------- functions


def _segments(path: str) -> list[str]:
    """The path's segments, without scheme, host, query string or fragment."""
    p = path.strip()
    if "://" in p:
        p = p.split("://", 1)[1]
        slash = p.find("/")
        p = p[slash:] if slash >= 0 else "/"
    # Repeated slashes are a typo, not a scheme-relative URL: they collapse below.
    p = p.split("#", 1)[0].split("?", 1)[0]
    return [s for s in p.split("/") if s]


def _api_for(segments: list[str]) -> Api | None:
    lowered = [s.lower() for s in segments]
    best: Api | None = None
    best_len = 0
    for api in APIS:
        prefix = [s.lower() for s in api.prefix.split("/") if s]
        if len(prefix) > best_len and lowered[: len(prefix)] == prefix:
            best, best_len = api, len(prefix)
    return best


def find_api(path: str) -> Api | None:
    """The API whose prefix the path starts with, on a segment boundary and
    ignoring case (``/statsx`` is not ``/stats``); ``path`` may be a full URL
    and carry a query string. None when no catalogued API serves the path."""
    return _api_for(_segments(path))


def _matches(template: list[str], segments: list[str]) -> bool:
    if len(template) != len(segments):
        return False
    for want, got in zip(template, segments):
        if want.startswith("{") and want.endswith("}"):
            continue
        if want.lower() != got.lower():
            return False
    return True


def find_endpoint(method: str, path: str) -> Endpoint | None:
    """The documented endpoint for ``method`` and ``path``; ``{x}`` in a
    template matches one segment, a literal segment beats a parameter, and
    HEAD is looked up as GET. None when the endpoint is not catalogued."""
    segments = _segments(path)
    api = _api_for(segments)
    if api is None:
        return None
    verb = method.strip().upper()
    if verb == "HEAD":
        verb = "GET"
    best: Endpoint | None = None
    best_literals = -1
    for endpoint in api.endpoints:
        if endpoint.method != verb:
            continue
        template = [s for s in endpoint.path.split("/") if s]
        if not _matches(template, segments):
            continue
        literals = sum(1 for s in template if not s.startswith("{"))
        if literals > best_literals:
            best, best_literals = endpoint, literals
    return best


def _scope_with_action(api: Api, action: str) -> str | None:
    for scope in api.scopes:
        if scope.value.endswith(":" + action):
            return scope.value
    return None


def infer_scope(method: str, path: str) -> str | None:
    """The scope a call needs: the endpoint's own if documented, else by the
    API and method: GET/HEAD/OPTIONS take the ``:read`` scope, POST/PUT/PATCH
    the ``:write`` one, DELETE ``:delete`` if the API has one else ``:write``;
    an API with a single scope (``stats``, ``globalpci``) always takes it.
    None when the path is not in the catalog."""
    segments = _segments(path)
    api = _api_for(segments)
    if api is None:
        return None
    endpoint = find_endpoint(method, path)
    if endpoint is not None:
        return endpoint.scope
    if len(api.scopes) == 1:
        return api.scopes[0].value
    verb = method.strip().upper()
    if verb in _READ_METHODS:
        wanted = ("read",)
    elif verb == "DELETE":
        wanted = ("delete", "write")
    else:
        wanted = ("write",)
    for action in wanted:
        value = _scope_with_action(api, action)
        if value is not None:
            return value
    # A write to an API with no ':write' scope: the least-read scope it has.
    if verb not in _READ_METHODS:
        for scope in api.scopes:
            if not scope.value.endswith(":read"):
                return scope.value
    return api.scopes[0].value


def api_version(method: str, path: str) -> int | None:
    """The Accept version for the call: the endpoint's own if it has one, else
    the API's default. None when the path is not in the catalog."""
    api = find_api(path)
    if api is None:
        return None
    endpoint = find_endpoint(method, path)
    if endpoint is not None and endpoint.version is not None:
        return endpoint.version
    return api.version


def accept_header(method: str, path: str, version: int | None = None) -> str:
    """The versioned Accept header value for the call. ``version`` overrides the
    catalog's version; the style (vnd or ``application/json;version=N``) is the
    API's. A path outside the catalog gets the vnd style, version 1."""
    api = find_api(path)
    if version is None:
        version = api_version(method, path) or 1
    if api is not None and api.accept_style == JSON_VERSION_STYLE:
        return f"application/json;version={version}"
    return f"application/vnd.newvoicemedia.v{version}+json"


def all_scopes() -> tuple[str, ...]:
    """Every scope value in the catalog, sorted, each once."""
    return tuple(sorted({scope.value for api in APIS for scope in api.scopes}))


def describe_scope(value: str) -> str | None:
    """The API Admin description of a scope value, None if unknown."""
    for api in APIS:
        for scope in api.scopes:
            if scope.value == value:
                return scope.description
    return None


def apis_for_scope(value: str) -> tuple[Api, ...]:
    """The APIs that accept a scope (users:read serves two)."""
    return tuple(api for api in APIS if any(s.value == value for s in api.scopes))
