"""The VCC API catalog: path prefixes, scopes, Accept versions, paging styles and
time-window limits (SPEC section 5).

Pure data and pure functions, standard library only: ``vcc call`` uses this
module to choose the scope and the versioned ``Accept`` header from a path and
to page collections, ``vcc scopes`` lists it, and the emulator serves its
endpoints with the same scopes, versions, paging and limits.

Every value comes from the VCC developer documentation (the NewVoiceMedia /
VCC Confluence spaces behind developer.vonage.com/en/vonage-contact-center),
digested with sources in ``shared/reference/vcc-api-facts.md``; the ``source``
next to each API and endpoint says where. Values the documentation does not
settle are marked ``# unconfirmed:``; where two pages disagree, the comment
says which one is followed and why.

An endpoint lists the *set* of scopes it accepts, the catalog's first choice
first: ``GET /useradmin/users`` works with ``users:read`` or ``users:write``,
and credentials that hold only the second must still get a token that works.

Paths are matched case-insensitively, on whole segments, after dropping any
scheme, host, query string and fragment; ``{name}`` in a template matches
exactly one segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The API Admin table of scopes ("How to authenticate with a VCC API").
SCOPES_SOURCE = "https://newvoicemedia.atlassian.net/wiki/spaces/VCCA/pages/3567190030"

PAGE_NUMBERS = "page"  # request ?page=N; answer meta {page, count, pageCount, totalCount}
CONTINUATION = "continuation"  # request ?continuationToken=T; answer meta.nextContinuationToken, null at the end

DAY = 86400.0  # seconds

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Scope:
    """An OAuth scope: its value in token requests and its API Admin description."""

    value: str
    description: str


@dataclass(frozen=True)
class Endpoint:
    """One documented endpoint. ``path`` is a full template such as
    ``/useradmin/users/{userId}``; ``scopes`` are the scopes it accepts, the
    catalog's first choice first; ``versions`` are set only where they differ
    from the API's. ``paging`` is ``PAGE_NUMBERS``, ``CONTINUATION`` or None;
    ``window`` is the longest ``start``..``end`` span the API accepts, in
    seconds, None when it has no documented limit; ``end_is_now`` says that a
    missing ``end`` means now (documented for Insights Stats), rather than an error."""

    method: str
    path: str
    scopes: tuple[str, ...]
    versions: tuple[int, ...] = ()
    paging: str | None = None
    window: float | None = None
    end_is_now: bool = False
    summary: str = ""
    source: str = ""  # the endpoint's own page, where it has one

    @property
    def scope(self) -> str:
        """The catalog's first choice among the accepted scopes."""
        return self.scopes[0]


@dataclass(frozen=True)
class Api:
    """One VCC API: the first path segment it lives under, the Accept versions
    it takes (default first), its scopes and its documented endpoints."""

    name: str
    prefix: str
    versions: tuple[int, ...]
    scopes: tuple[Scope, ...]
    endpoints: tuple[Endpoint, ...]
    source: str

    @property
    def version(self) -> int:
        """The default Accept version."""
        return self.versions[0]


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
# Not in the API Admin table of the authentication guide: the Webhooks API's
# endpoint pages and the Agents API's scope table name them; their wording here
# is ours (unconfirmed: API Admin's own descriptions of them).
ADMIN_READ = Scope("admin:read", "Read account administration settings")
ADMIN_WRITE = Scope("admin:write", "Change account administration settings")
SELF_READ = Scope("self:read", "Read your own user details and presence")
SELF_WRITE = Scope("self:write", "Update your own user details and presence")

_WIKI = "https://newvoicemedia.atlassian.net/wiki/spaces/VCCA/pages/"
_DOCS = "https://docs-vcc.atlassian.net/wiki/spaces/VCCA/pages/"

# Scope sets shared by many endpoints.
_USERS_READ_OR_WRITE = ("users:read", "users:write")  # GETs of User Admin and Agents (DV 3568861239)
_CONTENT_READ = ("interaction-content:read",)
_CONTENT_DELETE = ("interaction-content:delete",)
_STATS = ("stats",)


# ------------------------------------------------------------------------- APIs

AGENT_AVAILABILITY_API = Api(
    name="Agent Availability API",
    prefix="/agents-availability",
    versions=(1,),  # "the only supported version of Agent Availability API is version 1"
    scopes=(AGENTS_AVAILABILITY_READ,),
    endpoints=(
        Endpoint(
            "GET",
            "/agents-availability",
            ("agents-availability:read",),
            summary="Count agents per presence category for the skills in skillNames (required)",
            source=_DOCS + "3566174612",
        ),
    ),
    source=_DOCS + "3566174571/Requests+Agent+Availability+API",
)

# Agents API: the "required scope" table of the Agents API's authentication
# page (DV 3599597585) lists, per endpoint, every scope it accepts. users:* come
# first: they are what API Admin offers client credentials for this API.
_AGENTS_AUTH = "https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId=3599597585"
AGENTS_API = Api(
    name="Agents API",
    prefix="/agents",
    versions=(1,),  # "Agents API supports versions 1"
    scopes=(USERS_READ, USERS_WRITE, ADMIN_READ, ADMIN_WRITE, SELF_READ, SELF_WRITE),
    endpoints=(
        Endpoint(
            "GET",
            "/agents/presence-definitions",
            ("users:read", "users:write", "admin:read", "admin:write", "self:read", "self:write"),
            summary="List presence definitions",
            source=_WIKI + "3565192670/Get+presence+definitions",
        ),
        Endpoint(
            "GET",
            "/agents/presences/users",
            _USERS_READ_OR_WRITE,
            summary="Get the presences of up to 50 users (query: userId, comma-separated)",
            source=_WIKI + "3566174755",
        ),
        Endpoint(
            "GET",
            "/agents/{userId}/presence",
            ("users:read", "users:write", "self:read", "self:write"),
            summary="Get an agent's presence",
            source=_DOCS + "3565192683/Get+agent%27s+presence",
        ),
        Endpoint(
            "PATCH",
            "/agents/{userId}/presence",
            ("users:write", "self:write"),
            summary="Set an agent's presence",
            source=_DOCS + "3566174808/Set+agent+s+presence",
        ),
    ),
    source=_AGENTS_AUTH,
)

CONVERSATION_ANALYZER_API = Api(
    name="Conversation Analyzer API",
    prefix="/conversation-analyzer",
    # The "Requests" page shows v2 as its example (DV 3567190109); every endpoint
    # page sends v3, and fields vary by version (DV 3575021576): v3 is the default.
    versions=(3, 2, 1),
    scopes=(INTERACTION_CONTENT_READ,),
    endpoints=(
        Endpoint(
            "GET",
            "/conversation-analyzer/interactions",
            _CONTENT_READ,
            summary="Categorization and call time breakdown for up to 50 calls (query: calls)",
            source=_DOCS + "3565192829/Get+multiple+interactions",
        ),
        Endpoint(
            "GET",
            "/conversation-analyzer/interactions/{guid}",
            _CONTENT_READ,
            summary="Categorization, call time breakdown and transcript of one call",
            source=_DOCS + "3566175010/Get+a+single+interaction+Conversation+Analyzer+API",
        ),
        # unconfirmed: the docs list a "status" resource but show no path for it.
        Endpoint(
            "GET",
            "/conversation-analyzer/status",
            _CONTENT_READ,
            summary="Availability of the Conversation Analyzer API",
            source="https://conversation-analyzer.developer.newvoicemedia.com/docs/resources",
        ),
    ),
    source=_DOCS + "3567190109/Requests+Conversation+Analyzer+API",
)

# Insights Stats: page-numbered collections whose pages start at 1, with
# meta.upTo; windowed endpoints reject start..end spans over 31 days ("Request
# window size limit exceeded 31 days"); end defaults to now.
_STATS_WINDOW = 31 * DAY


def _stats(path: str, summary: str, source: str, *, window: bool = True) -> Endpoint:
    return Endpoint(
        "GET",
        path,
        _STATS,
        paging=PAGE_NUMBERS,
        window=_STATS_WINDOW if window else None,
        end_is_now=window,
        summary=summary,
        source=source,
    )


INSIGHTS_STATS_API = Api(
    name="Insights Stats API",
    prefix="/stats",
    versions=(3, 2),  # "Invalid api-version! Valid values: 2,3"; the docs use v3
    scopes=(STATS,),
    endpoints=(
        _stats(
            "/stats/agent-activities",
            "Agents' presence, workload and interaction activities (query: start, end)",
            _WIKI + "3567255553/Agent+Activities",
        ),
        _stats(
            "/stats/agent-activities/presence",
            "Agents' presence activities",
            _WIKI + "3567190316/Get+agent+presence+activities",
        ),
        _stats("/stats/agent-activities/interactions", "Agents' interaction activities", _WIKI + "3567223023"),
        _stats(
            "/stats/agent-status",
            "Agents' current presence, workload and interactions",
            _WIKI + "3566175057",
            window=False,
        ),
        _stats("/stats/interactions", "Interactions in a time window (query: start, end)", _WIKI + "3567845377"),
        _stats("/stats/interactions/ongoing", "Interactions in progress now", _DOCS + "3567222920", window=False),
        Endpoint("GET", "/stats/interactions/{guid}", _STATS, summary="One interaction", source=_WIKI + "3565193000"),
        _stats(
            "/stats/queue-times", "Queues' current waiting times (live dashboards)", _DOCS + "3567222920", window=False
        ),
        _stats(
            "/stats/wfm/agent-states",
            "Agent states for workforce management integrations",
            _DOCS + "3566175146/Get+WFM+agent+states",
        ),
        _stats(
            "/stats/wfm/queue-activity", "Queue activity for workforce management integrations", _DOCS + "3567222920"
        ),
    ),
    source=_DOCS + "3567222920/Requests+Insights+Stats+API",
)

INTERACTIONS_API = Api(
    name="Interactions API",
    prefix="/interactions",
    # Accept: application/vnd.newvoicemedia.v1+json (DV 3567190478, DV 3567484955).
    # application/json;version=6, which an older SPEC gave, belongs to the legacy
    # V0 Calls API, not this one.
    versions=(1,),
    scopes=(INTERACTIONS_WRITE,),
    endpoints=(
        Endpoint(
            "POST",
            "/interactions/invoke",
            ("interactions:write",),
            summary="Dispatch or release interactions through a named route",
            source=_DOCS + "3567484955/Create+inbound+interaction",
        ),
        Endpoint(
            "POST",
            "/interactions/register",
            ("interactions:write",),
            summary="Register a provider (callback API and permitted agent actions)",
            source=_WIKI + "3567190440",
        ),
    ),
    source=_DOCS + "3567190478",
)

# Interaction Content v3 search: continuation tokens, start and end required
# and at most 7 days apart, limit at most 1000 (DV 3567223389; VCC's Node
# sample, interaction-content-download/client.js).
CONTENT_SEARCH_WINDOW = 7 * DAY
INTERACTION_CONTENT_API = Api(
    name="Interaction Content API",
    prefix="/interaction-content",
    # "Interaction Content API supports versions 2 and 3"; endpoint examples use v3.
    versions=(3, 2),
    scopes=(INTERACTION_CONTENT_READ, INTERACTION_CONTENT_DELETE),
    endpoints=(
        Endpoint(
            "GET",
            "/interaction-content/interactions",
            _CONTENT_READ,
            paging=CONTINUATION,
            window=CONTENT_SEARCH_WINDOW,
            summary="Search interactions with content (query: start, end, limit, continuationToken)",
            source=_DOCS + "3567223389",
        ),
        Endpoint(
            "GET",
            "/interaction-content/interactions/{guid}",
            _CONTENT_READ,
            summary="One interaction and its content keys",
            source=_WIKI + "3567190659",
        ),
        Endpoint(
            "GET",
            "/interaction-content/interactions/{guid}/content/{contentKey}",
            _CONTENT_READ,
            summary="Download one content file (callRecording as audio/wav; Range supported)",
            source=_WIKI + "3567779931",
        ),
        Endpoint(
            "DELETE",
            "/interaction-content/interactions/{guid}",
            _CONTENT_DELETE,
            summary="Delete an interaction and all its content",
            source=_DOCS + "3567223352/Delete+specific+interaction+and+its+content+by+its+GUID",
        ),
        Endpoint(
            "DELETE",
            "/interaction-content/interactions/{guid}/content/{contentKey}",
            _CONTENT_DELETE,
            summary="Delete one content file",
            source=_DOCS + "3613589509/Delete+single+interaction+content+file",
        ),
        Endpoint(
            "POST",
            "/interaction-content/interactions/delete-batch",
            _CONTENT_DELETE,
            summary="Delete up to 1000 interactions and their content (body: guids)",
            source=_WIKI + "3567190610",
        ),
    ),
    source=_WIKI + "3567223408",
)

# Interaction Content Export (beta): its POSTs create jobs and storage handles
# but only *read* content, and its pages name interaction-content:read as the
# scope of every endpoint (DV 4355424337, DV 4355391611).
INTERACTION_CONTENT_EXPORT_API = Api(
    name="Interaction Content Export API",
    prefix="/interaction-content-export",
    versions=(1,),  # "Currently Interaction Content Export API supports version 1" (DV 4355457041)
    scopes=(INTERACTION_CONTENT_READ,),
    endpoints=(
        # The page's heading says POST /interactions/external-storage, its curl
        # example and the resources page POST /external-storage under the API's
        # prefix: the example is what a client sends, so it is followed.
        Endpoint(
            "POST",
            "/interaction-content-export/external-storage",
            _CONTENT_READ,
            summary="Create an external storage item (AWS_S3 role, region, bucket) to export into",
            source=_DOCS + "4355424337/Create+an+external+storage+item",
        ),
        Endpoint(
            "POST",
            "/interaction-content-export/interactions/jobs/schedule-batch-export",
            _CONTENT_READ,
            summary="Schedule a one-time export job (body: startDate, endDate, filters, externalStorageId)",
            source="https://docs-vcc.atlassian.net/wiki/x/cYCaAwE",
        ),
        # The page's title names schedule-recurring-export and its curl example
        # schedule-recurring-job; the title matches its one-time sibling
        # (schedule-batch-export), so it is followed. unconfirmed.
        Endpoint(
            "POST",
            "/interaction-content-export/interactions/jobs/schedule-recurring-export",
            _CONTENT_READ,
            summary="Schedule an hourly export job (body: startDate, filters, externalStorageId)",
            source=_DOCS + "4355391611",
        ),
    ),
    source=_DOCS + "4355391549/Resources+Interaction+Content+Export+API",
)

PAYMENT_API = Api(
    name="Payment API",
    # unconfirmed: the docs give only /v1/... paths, never the gateway prefix;
    # /globalpci follows the scope name and the code integrators publish.
    prefix="/globalpci",
    # unconfirmed: the docs require only the Authorization header, no versioned Accept.
    versions=(1,),
    scopes=(GLOBALPCI,),
    endpoints=(
        Endpoint(
            "POST",
            "/globalpci/v1/session",
            ("globalpci",),
            summary="Start an agent assist payment session",
            source=_DOCS + "3567681606/Create+agent+assist+session",
        ),
        Endpoint(
            "GET",
            "/globalpci/v1/session/{sessionGuid}",
            ("globalpci",),
            summary="Status of a payment session (kept 15 minutes after it ends)",
            source=_DOCS + "3567386714/Get+payment+session+status",
        ),
        Endpoint(
            "POST",
            "/globalpci/v1/digitalsession",
            ("globalpci",),
            summary="Start a digital payment session",
            source=_WIKI + "3613360129/Create+digital+session",
        ),
    ),
    source=_DOCS + "3567190827/Requests+Payment+API",
)


def _ua_get(path: str, summary: str, source: str, *, paged: bool = False) -> Endpoint:
    return Endpoint(
        "GET", path, _USERS_READ_OR_WRITE, paging=PAGE_NUMBERS if paged else None, summary=summary, source=source
    )


def _ua_write(method: str, path: str, summary: str, source: str) -> Endpoint:
    return Endpoint(method, path, ("users:write",), summary=summary, source=source)


_VIEWPAGE = "https://docs-vcc.atlassian.net/wiki/pages/viewpage.action?pageId="

# User Admin: GETs accept users:read or users:write (DV 3568861239); changes
# need users:write. Lists page by number; the docs disagree on the first page
# ("the first page of results is page 0" on one page, "minimum 1, default 1" on
# another), so ``vcc call --paginate`` numbers pages from the first answer's
# meta.page instead of assuming either. No PUT of a user is documented.
USER_ADMIN_API = Api(
    name="User Admin API",
    prefix="/useradmin",
    versions=(4,),  # "Invalid api-version! Valid values: 4"
    scopes=(USERS_READ, USERS_WRITE),
    endpoints=(
        _ua_get("/useradmin/users", "List users (query: page, limit)", _WIKI + "3568762915", paged=True),
        _ua_write("POST", "/useradmin/users", "Create a user", _WIKI + "3568795697"),
        _ua_get("/useradmin/users/{userId}", "Get a user", _DOCS + "3568861239/Get+user+by+user+ID"),
        _ua_write(
            "PATCH", "/useradmin/users/{userId}", "Update a user (e.g. archive: active false)", _DOCS + "3568861239"
        ),
        _ua_write("DELETE", "/useradmin/users/{userId}", "Delete a user (archive it first)", _DOCS + "3568861239"),
        _ua_get("/useradmin/users/{userId}/licenses", "A user's licenses", _DOCS + "3568861239"),
        _ua_write(
            "PATCH",
            "/useradmin/users/{userId}/licenses",
            "Change a user's licenses (body: licenseTypes)",
            _DOCS + "4411031596",
        ),
        _ua_get("/useradmin/users/{userId}/callbackNumbers", "A user's callback numbers", _VIEWPAGE + "3583868964"),
        _ua_write(
            "PUT",
            "/useradmin/users/{userId}/callbackNumbers",
            "Replace a user's callback numbers",
            _VIEWPAGE + "3583115287",
        ),
        _ua_get("/useradmin/users/{userId}/schedules", "A user's schedules", _WIKI + "3568926721"),
        _ua_get("/useradmin/users/{userId}/groups", "The groups a user is in", _WIKI + "3568599042"),
        _ua_get("/useradmin/users/{userId}/skills", "A user's skills", _DOCS + "3567681642/Get+user+s+skills"),
        _ua_write("PUT", "/useradmin/users/{userId}/skills", "Replace a user's skills", _VIEWPAGE + "3569319950"),
        _ua_get(
            "/useradmin/users/{userId}/permissions/groups",
            "A user's group permissions",
            _DOCS + "3567616092/Get+user+s+group+permissions",
        ),
        _ua_write(
            "PUT",
            "/useradmin/users/{userId}/permissions/groups",
            "Replace a user's group permissions",
            "https://docs-vcc.atlassian.net/wiki/x/GYC-1",
        ),
        _ua_get(
            "/useradmin/users/{userId}/permissions/addresses", "A user's address permissions", _DOCS + "3567224014"
        ),
        _ua_write(
            "PUT",
            "/useradmin/users/{userId}/permissions/addresses",
            "Replace a user's address permissions",
            _VIEWPAGE + "3567224027",
        ),
        _ua_get(
            "/useradmin/users/{userId}/permissions/interactionPlans",
            "A user's interaction plan permissions",
            _WIKI + "3567191217",
        ),
        _ua_write(
            "PUT",
            "/useradmin/users/{userId}/permissions/interactionPlans",
            "Replace a user's interaction plan permissions",
            _VIEWPAGE + "3573481601",
        ),
        _ua_get("/useradmin/users/{userId}/permissions/queues", "A user's queue permissions", _WIKI + "3567191242"),
        _ua_write(
            "PUT",
            "/useradmin/users/{userId}/permissions/queues",
            "Replace a user's queue permissions",
            _VIEWPAGE + "3568992326",
        ),
        _ua_get("/useradmin/skills/{skillId}/users", "The users who have a skill", _WIKI + "3567223966", paged=True),
        _ua_write(
            "PUT", "/useradmin/skills/{skillId}/users", "Replace the users who have a skill", _DOCS + "3567191186"
        ),
        _ua_get(
            "/useradmin/groups/{groupId}/users",
            "The users in a group",
            _DOCS + "3567223890/Get+group+s+users",
            paged=True,
        ),
    ),
    source=_WIKI + "3567191029",
)

# Webhooks (beta): POST /webhooks/subscriptions needs admin:write (NV 3914432546);
# GET and PATCH /webhooks/subscriptions/{subscriptionId} (NV 3914432535).
_WEBHOOKS_REQUESTS = _WIKI + "3914432535"
WEBHOOKS_API = Api(
    name="Webhooks API",
    prefix="/webhooks",
    versions=(1,),  # "Example application/vnd.newvoicemedia.v1+json"
    scopes=(ADMIN_READ, ADMIN_WRITE),
    endpoints=(
        Endpoint(
            "POST",
            "/webhooks/subscriptions",
            ("admin:write",),
            summary="Create a subscription (body: name, url, events, enabled, secret)",
            source="https://docs-vcc.atlassian.net/wiki/x/HQC4CgE",
        ),
        # unconfirmed: listing subscriptions; the docs show only the single GET.
        Endpoint(
            "GET",
            "/webhooks/subscriptions",
            ("admin:read", "admin:write"),
            summary="List subscriptions",
            source=_WEBHOOKS_REQUESTS,
        ),
        Endpoint(
            "GET",
            "/webhooks/subscriptions/{subscriptionId}",
            ("admin:read", "admin:write"),
            summary="Get a subscription",
            source=_WEBHOOKS_REQUESTS,
        ),
        Endpoint(
            "PATCH",
            "/webhooks/subscriptions/{subscriptionId}",
            ("admin:write",),
            summary="Update a subscription",
            source=_WEBHOOKS_REQUESTS,
        ),
        # unconfirmed: "This ID can be used to edit or delete the subscription."
        Endpoint(
            "DELETE",
            "/webhooks/subscriptions/{subscriptionId}",
            ("admin:write",),
            summary="Delete a subscription",
            source=_WEBHOOKS_REQUESTS,
        ),
    ),
    source=_WEBHOOKS_REQUESTS,
)

APIS: tuple[Api, ...] = (
    AGENT_AVAILABILITY_API,
    AGENTS_API,
    CONVERSATION_ANALYZER_API,
    INSIGHTS_STATS_API,
    INTERACTIONS_API,
    INTERACTION_CONTENT_API,
    INTERACTION_CONTENT_EXPORT_API,
    PAYMENT_API,
    USER_ADMIN_API,
    WEBHOOKS_API,
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
    for want, got in zip(template, segments, strict=False):
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


def accepted_scopes(method: str, path: str) -> tuple[str, ...]:
    """Every scope a call may use, the catalog's first choice first: the
    endpoint's documented set, else one guessed from the API and the method
    (GET/HEAD/OPTIONS the ``:read`` scope and then ``:write``, which the docs
    let read wherever they say; POST/PUT/PATCH ``:write``; DELETE ``:delete``
    if the API has one, else ``:write``); an API with a single scope
    (``stats``, ``globalpci``) always takes it. Empty outside the catalog."""
    segments = _segments(path)
    api = _api_for(segments)
    if api is None:
        return ()
    endpoint = find_endpoint(method, path)
    if endpoint is not None:
        return endpoint.scopes
    if len(api.scopes) == 1:
        return (api.scopes[0].value,)
    verb = method.strip().upper()
    if verb in _READ_METHODS:
        wanted: tuple[str, ...] = ("read", "write")
    elif verb == "DELETE":
        wanted = ("delete", "write")
    else:
        wanted = ("write",)
    found = tuple(v for v in (_scope_with_action(api, a) for a in wanted) if v is not None)
    if verb in _READ_METHODS and found:
        return found
    if found:
        return found[:1]
    # A write to an API with no ':write' scope: the least-read scope it has.
    if verb not in _READ_METHODS:
        for scope in api.scopes:
            if not scope.value.endswith(":read"):
                return (scope.value,)
    return (api.scopes[0].value,)


def infer_scope(method: str, path: str) -> str | None:
    """The catalog's first choice of scope for the call (see ``accepted_scopes``);
    None when the path is not in the catalog."""
    scopes = accepted_scopes(method, path)
    return scopes[0] if scopes else None


def choose_scope(method: str, path: str, held: Sequence[str] = ()) -> str | None:
    """The scope to ask a token for: the first accepted scope among ``held``
    (the profile's scopes: what the credentials are known to get), else the
    catalog's first choice. None when the path is not in the catalog."""
    scopes = accepted_scopes(method, path)
    for scope in scopes:
        if scope in held:
            return scope
    return scopes[0] if scopes else None


def accepted_versions(method: str, path: str) -> tuple[int, ...]:
    """The Accept versions the call may send, the default first: the
    endpoint's own if it has them, else the API's. Empty outside the catalog."""
    api = find_api(path)
    if api is None:
        return ()
    endpoint = find_endpoint(method, path)
    if endpoint is not None and endpoint.versions:
        return endpoint.versions
    return api.versions


def api_version(method: str, path: str) -> int | None:
    """The default Accept version for the call. None when the path is not in the catalog."""
    versions = accepted_versions(method, path)
    return versions[0] if versions else None


def accept_header(method: str, path: str, version: int | None = None) -> str:
    """The versioned Accept header value for the call: ``version``, else the
    catalog's default, else 1 for a path outside the catalog. Every VCC API
    takes ``application/vnd.newvoicemedia.v{N}+json``."""
    if version is None:
        version = api_version(method, path) or 1
    return f"application/vnd.newvoicemedia.v{version}+json"


def paging_style(method: str, path: str) -> str | None:
    """``PAGE_NUMBERS`` or ``CONTINUATION`` where the catalog knows how the
    endpoint pages, else None (the answer decides)."""
    endpoint = find_endpoint(method, path)
    return endpoint.paging if endpoint is not None else None


def window_limit(method: str, path: str) -> float | None:
    """The longest ``start``..``end`` span the endpoint accepts, in seconds;
    None when it has no documented limit."""
    endpoint = find_endpoint(method, path)
    return endpoint.window if endpoint is not None else None


def end_is_now(method: str, path: str) -> bool:
    """Whether the endpoint reads a missing ``end`` as now (Insights Stats does)."""
    endpoint = find_endpoint(method, path)
    return endpoint.end_is_now if endpoint is not None else False


def all_scopes() -> tuple[str, ...]:
    """Every scope value in the catalog, sorted, each once."""
    return tuple(sorted({scope.value for api in APIS for scope in api.scopes}))


def describe_scope(value: str) -> str | None:
    """The description of a scope value (API Admin's where it has one), None if unknown."""
    for api in APIS:
        for scope in api.scopes:
            if scope.value == value:
                return scope.description
    return None


def apis_for_scope(value: str) -> tuple[Api, ...]:
    """The APIs that accept a scope (users:read serves two)."""
    return tuple(api for api in APIS if any(s.value == value for s in api.scopes))
