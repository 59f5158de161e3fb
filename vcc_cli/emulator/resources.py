"""What each emulated endpoint answers once the request has passed the bearer,
scope and Accept checks (see ``api.py``): the handlers and the mutable state
they share (created users, deleted interactions...).

Shapes, status codes, error bodies and limits follow VCC's documentation as
digested in ``shared/reference/vcc-api-facts.md``; where the docs are silent,
answers are kept small and the code says ``undocumented:``.

A handler takes ``(state, request)`` and returns a Response, or raises
``Reject`` carrying an error response. No handler may raise anything else for
a well-formed request: the emulator never answers 500 unless told to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from vcc_cli import catalog

from . import data
from .faults import Faults, normal_guid
from .messages import Request, Response, is_json_type, json_response, message

Handler = Callable[["State", Request], Response]

STATS_DEFAULT_LIMIT = 100  # undocumented: the default page size of Insights Stats
STATS_MAX_LIMIT = 1000  # "limit" at most 1000 (Insights Stats, Interaction Content search)
CONTENT_DEFAULT_LIMIT = 100  # undocumented: the search's default page size
USERS_DEFAULT_LIMIT = 25  # User Admin: "limit default 25, maximum 5000"
USERS_MAX_LIMIT = 5000


class Reject(Exception):
    """Raised by a handler to answer with ``response`` (a 4xx)."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def bad_request(text: str) -> Reject:
    return Reject(message(400, text))


def not_found(text: str) -> Reject:
    return Reject(message(404, text))


def stats_error(status: int, text: str) -> Reject:
    """Insights Stats' error envelope, as its documented Accept error shows it;
    undocumented for its other 4xx, which use it too."""
    reason = {400: "Bad Request", 404: "Not Found"}[status]
    return Reject(json_response(status, {"statusCode": status, "error": reason, "message": text}))


class State:
    """Everything the emulated APIs remember between requests. Thread-safe
    through ``lock``. ``clock`` returns Unix seconds; ``recording_size`` is
    the size in bytes of every call recording; ``faults`` the settings that
    make handlers fail on purpose; ``scale`` the density of the generated
    time series (``data.Dataset``; ValueError when out of range)."""

    def __init__(
        self, clock: Callable[[], float], recording_size: int, faults: Faults | None = None, scale: float = 1.0
    ):
        self.clock = clock
        self.recording_size = recording_size
        self.faults = Faults() if faults is None else faults
        self.dataset = data.Dataset(scale)
        self.lock = threading.RLock()
        self.batch_lock = threading.Lock()  # held while a delete-batch runs
        self.users: dict[str, dict] = {}
        self.skills: dict[str, list[dict]] = {}  # userId -> skills (not part of the user resource)
        for user, skills in data.users():
            self.users[user["userId"]] = user
            self.skills[user["userId"]] = skills
        # Time series use the initial agents, so edits never change history.
        self.agents = data.agents(list(self.users.values()))
        self.presences: dict[str, dict] = {}  # userId -> presence set with PATCH
        self.licenses: dict[str, dict] = {}  # userId -> licenseTypes set with PATCH
        self.deleted_interactions: set[int] = set()  # slots
        self.deleted_content: set[tuple[int, str]] = set()
        self.sessions: dict[str, dict] = {}  # payment sessions by sessionGuid
        self.subscriptions: dict[str, dict] = {}  # webhook subscriptions by subscriptionId
        self.documents: dict[str, Any] = {}  # generic PUT/PATCH documents by lowercased path
        self.created: dict[str, dict[str, dict]] = {}  # generic POSTs: collection path -> id -> object

    def now(self) -> float:
        return self.clock()

    def use_scale(self, scale: float) -> None:
        """Switch to the dataset of ``scale``; deletions made in the old one are forgotten."""
        dataset = data.Dataset(scale)
        with self.lock:
            if dataset.interactions != self.dataset.interactions:
                self.deleted_interactions.clear()
                self.deleted_content.clear()
            self.dataset = dataset


# ---------------------------------------------------------------- helpers


def int_param(request: Request, name: str, default: int, low: int, high: int | None, error=bad_request) -> int:
    """Query parameter ``name`` as an int in [low, high]; ``default`` when absent."""
    raw = request.arg(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(f"{name} must be an integer, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise error(f"{name} must be {bounds}, not {value}")
    return value


def page_meta(page: int, limit: int, total: int, count: int) -> dict:
    """``meta`` of a page-numbered collection: ``count`` items on this page;
    ``pageCount`` is 0 for an empty collection."""
    return {"page": page, "count": count, "pageCount": math.ceil(total / limit), "totalCount": total}


def time_param(request: Request, name: str, error=bad_request) -> float | None:
    raw = request.arg(name)
    if raw is None:
        return None
    try:
        return data.parse_iso(raw)
    except ValueError:
        raise error(f"{name} is not an ISO 8601 time: {raw!r}") from None


def json_body(request: Request) -> Any:
    if not request.body:
        raise bad_request("a JSON body is required")
    if not is_json_type(request.header("Content-Type")):
        raise Reject(message(415, "the body must be JSON: send Content-Type: application/json"))
    try:
        return json.loads(request.body, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_object(request: Request) -> dict:
    body = json_body(request)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def comma_list(request: Request, name: str) -> list[str]:
    """Values of a comma-separated parameter, which may also be repeated."""
    return [v.strip() for raw in request.query.get(name, []) for v in raw.split(",") if v.strip()]


def new_id() -> str:
    return str(uuid.uuid4())


def deleted() -> Response:
    """What a DELETE answers: 200 ``{}`` (documented for interactions; the
    other DELETEs do the same, undocumented)."""
    return json_response(200, {})


_KINDS = {str: "a string", bool: "true or false", dict: "an object", list: "a list", type(None): "null"}


def check_types(body: dict, types: dict[str, tuple[type, ...]]) -> None:
    """400 unless each field of ``types`` present in ``body`` has one of its JSON types."""
    for name, allowed in types.items():
        if name in body and type(body[name]) not in allowed:  # exact: true is not a number here
            raise bad_request(f"{name} must be {' or '.join(_KINDS[t] for t in allowed)}")


# ----------------------------------------------------- Agent Availability API


def agents_availability(state: State, request: Request) -> Response:
    """How many agents having *all* the skills in ``skillNames`` (case-
    insensitive) are in each presence category. The docs show the counts, not
    whether several skills mean all or any: all is what routing a call that
    needs French *and* English asks. Archived users are not counted; an
    unknown skill counts nobody."""
    # ASP.NET binds query parameters whatever their case: skillnames=French works too.
    names = [k for k in request.query if k.lower() == "skillnames"]
    wanted = {w.lower() for name in names for w in comma_list(request, name)}
    if not wanted:  # documented: ASP.NET's model validation answer
        raise Reject(json_response(400, {"SkillNames": ["The SkillNames field is required."]}))
    now = state.now()
    counts = dict.fromkeys(data.CATEGORIES.values(), 0)
    with state.lock:
        users = [(u, state.skills.get(u["userId"], [])) for u in state.users.values()]
    for user, skills in users:
        if not data.is_agent(user) or user.get("active") is False:
            continue
        if wanted <= {s["name"].lower() for s in skills}:
            counts[_presence(state, user, now)["presence"]["category"]["description"]] += 1
    return json_response(200, counts)


# ---------------------------------------------------------------- Agents API


def _user(state: State, user_id: str) -> dict:
    with state.lock:
        user = state.users.get(user_id) or state.users.get(user_id.lower())
    if user is None:
        raise not_found(f"no user with id {user_id}")
    return user


def _presence(state: State, user: dict, now: float) -> dict:
    with state.lock:
        override = state.presences.get(user["userId"])
    if override is not None and user.get("active") is not False:
        return override
    return data.presence(user, now)


def presence_definitions(state: State, request: Request) -> Response:
    return json_response(
        200, {"presenceDefinitions": [data.presence_definition(d["presenceId"]) for d in data.PRESENCE_DEFINITIONS]}
    )


def presences_of_users(state: State, request: Request) -> Response:
    """A bare array of presences, at most 50 users a query (documented).
    undocumented: unknown user IDs are left out of the array."""
    ids = list(dict.fromkeys(comma_list(request, "userId")))
    if not ids:
        raise bad_request("userId is required: one or more user IDs, comma-separated")
    if len(ids) > 50:
        raise bad_request(f"at most 50 users a query, not {len(ids)}")
    now = state.now()
    with state.lock:
        users = [state.users[i] for i in ids if i in state.users]
    return json_response(200, [_presence(state, user, now) for user in users])


def agent_presence(state: State, request: Request) -> Response:
    return json_response(200, _presence(state, _user(state, request.params["userId"]), state.now()))


def set_agent_presence(state: State, request: Request) -> Response:
    """PATCH ``{"presenceId": "<id from presence-definitions>"}``. undocumented:
    the body (we take the field the presence shape names) and the answer (the
    new presence, 200); an unknown or non-selectable presence is a 400."""
    user = _user(state, request.params["userId"])
    wanted = json_object(request).get("presenceId")
    definition = data.presence_definition(wanted) if isinstance(wanted, str) else None
    if definition is None or not definition["selectable"]:
        choices = ", ".join(d["presenceId"] for d in data.PRESENCE_DEFINITIONS if d["selectable"])
        raise bad_request(f'send {{"presenceId": ...}} with a selectable presence: one of {choices}')
    if user.get("active") is False:
        raise bad_request("the user is archived (active: false): it has no presence to set")
    presence = {"userId": user["userId"], "updated": data.iso(state.now()), "presence": definition}
    with state.lock:
        state.presences[user["userId"]] = presence
    return json_response(200, presence)


# ------------------------------------------------- Conversation Analyzer API


def _call(state: State, guid: str) -> tuple[int, data.Call]:
    """An interaction that has happened (404 for other GUIDs, and for ours
    still in the future)."""
    dataset = state.dataset
    slot = dataset.interaction_slot(guid)
    if slot is not None:
        call = dataset.interaction(slot, state.agents)
        if call.start < state.now():
            return slot, call
    raise not_found(f"no interaction with guid {guid}")


def analyzer_interactions(state: State, request: Request) -> Response:
    """undocumented: the answer's shape (items, and GUIDs it does not know)."""
    guids = comma_list(request, "calls")
    if not guids:
        raise bad_request("calls is required: one or more interaction GUIDs, comma-separated")
    if len(guids) > 50:
        raise bad_request(f"at most 50 calls a request, not {len(guids)}")
    items, missing = [], []
    for guid in guids:
        try:
            items.append(data.analysis(_call(state, guid)[1]))
        except Reject:
            missing.append(guid)
    return json_response(200, {"items": items, "notFound": missing})


def analyzer_interaction(state: State, request: Request) -> Response:
    _, call = _call(state, request.params["guid"])
    return json_response(200, {**data.analysis(call), "transcript": data.transcript(call)["segments"]})


def analyzer_status(state: State, request: Request) -> Response:
    return json_response(200, {"status": "Available", "time": data.iso(state.now())})


# -------------------------------------------------------- Insights Stats API
#
# Page-numbered from 1 (``page``, ``limit`` ≤ 1000), answering
# {"items", "meta": {page, count, pageCount, totalCount, upTo}}; windowed
# endpoints need ``start``, default ``end`` to now and refuse windows longer
# than the catalog's limit (31 days). Data exists only up to now, so ``upTo``
# (the time up to which the answer is complete) is min(end, now).


def _stats_paging(request: Request) -> tuple[int, int]:
    page = int_param(request, "page", 1, 1, None, stats_error_400)
    return page, int_param(request, "limit", STATS_DEFAULT_LIMIT, 1, STATS_MAX_LIMIT, stats_error_400)


def stats_error_400(text: str) -> Reject:
    return stats_error(400, text)


def _stats_window(state: State, request: Request) -> tuple[float, float]:
    """(start, end of the data) of a windowed stats request."""
    now = state.now()
    start = time_param(request, "start", stats_error_400)
    if start is None:
        raise stats_error_400("start is required, as an ISO 8601 time (e.g. 2024-06-01T00:00:00Z)")
    end = time_param(request, "end", stats_error_400)
    end = now if end is None else end
    if end <= start:
        raise stats_error_400("end must be later than start")
    limit = catalog.window_limit(request.method, request.template)
    if limit is not None and end - start > limit:
        raise stats_error_400(f"Request window size limit exceeded {limit / catalog.DAY:g} days")
    return start, min(end, now)


def _stats_page(items: list, page: int, limit: int, total: int, up_to: float) -> Response:
    return json_response(
        200, {"items": items, "meta": {**page_meta(page, limit, total, len(items)), "upTo": data.iso(up_to)}}
    )


def _window_of(page: int, limit: int) -> slice:
    return slice((page - 1) * limit, page * limit)


def _activities(kind: str | None) -> Handler:
    def handler(state: State, request: Request) -> Response:
        start, end = _stats_window(state, request)
        page, limit = _stats_paging(request)
        dataset = state.dataset
        slots = dataset.activities.slots(start, end)
        items = [dataset.activity(slot, state.agents, kind) for slot in slots[_window_of(page, limit)]]
        return _stats_page(items, page, limit, len(slots), max(start, end))

    return handler


def wfm_agent_states(state: State, request: Request) -> Response:
    """WFM agent states (documented fields), from the presence activities:
    ``state`` is the presence category, ``description`` the presence.
    undocumented: those values and the unit of duration (milliseconds, as the
    other stats durations)."""
    start, end = _stats_window(state, request)
    page, limit = _stats_paging(request)
    dataset = state.dataset
    slots = dataset.activities.slots(start, end)
    items = []
    for slot in slots[_window_of(page, limit)]:
        a = dataset.activity(slot, state.agents, "presence")
        items.append(
            {
                "agentId": a["agentId"],
                "start": a["start"],
                "duration": a["duration"],
                "state": a["category"],
                "description": a["name"],
            }
        )
    return _stats_page(items, page, limit, len(slots), max(start, end))


def agent_status(state: State, request: Request) -> Response:
    """Each active agent's presence, workload and interactions now.
    undocumented: the item's shape."""
    page, limit = _stats_paging(request)
    now = state.now()
    dataset = state.dataset
    with state.lock:
        agents = [u for u in state.users.values() if data.is_agent(u) and u.get("active") is not False]
    items = []
    for agent in agents[_window_of(page, limit)]:
        presence = _presence(state, agent, now)
        rng = data.KeyedRandom(f"{data.SEED}-status-{agent['userId']}-{int(now // 300)}")
        busy = presence["presence"]["category"]["categoryType"] == "Ready" and rng.random() < 0.6
        guid = dataset.interaction_guid(dataset.interaction_slot_at(now) - rng.randrange(3))
        items.append(
            {
                "agentId": agent["userId"],
                "presence": presence["presence"],
                "updated": presence["updated"],
                "workload": 1 if busy else 0,
                "interactions": [{"guid": guid}] if busy else [],
            }
        )
    return _stats_page(items, page, limit, len(agents), now)


def stats_interactions(state: State, request: Request) -> Response:
    start, end = _stats_window(state, request)
    page, limit = _stats_paging(request)
    dataset = state.dataset
    slots = dataset.interactions.slots(start, end)
    items = [data.stats_interaction(dataset.interaction(s, state.agents)) for s in slots[_window_of(page, limit)]]
    return _stats_page(items, page, limit, len(slots), max(start, end))


def ongoing_interactions(state: State, request: Request) -> Response:
    """Interactions in progress now, their duration so far. undocumented: the
    shape (that of the interaction items)."""
    page, limit = _stats_paging(request)
    now = state.now()
    dataset = state.dataset
    slots = dataset.interactions.slots(now - data.MAX_CALL_SECONDS, now)
    calls = [c for c in (dataset.interaction(s, state.agents) for s in slots) if c.end > now]
    items = [data.stats_interaction(c, now) for c in calls[_window_of(page, limit)]]
    return _stats_page(items, page, limit, len(calls), now)


def stats_interaction(state: State, request: Request) -> Response:
    try:
        _, call = _call(state, request.params["guid"])
    except Reject:
        raise stats_error(404, f"no interaction with guid {request.params['guid']}") from None
    return json_response(200, data.stats_interaction(call))


def queue_times(state: State, request: Request) -> Response:
    """Each queue's waiting interactions now (milliseconds). undocumented: the
    item's shape, kept to what a live dashboard shows."""
    page, limit = _stats_paging(request)
    now = state.now()
    items = []
    for name, queue_id in data.queue_ids().items():
        rng = data.KeyedRandom(f"{data.SEED}-queue-{name}-{int(now // 60)}")
        waiting = rng.randrange(8)
        longest = rng.randint(5_000, 600_000) if waiting else 0
        items.append(
            {
                "queueId": queue_id,
                "queueName": name,
                "interactionsWaiting": waiting,
                "longestWaitTime": longest,
                "averageWaitTime": longest // 2,
            }
        )
    return _stats_page(items[_window_of(page, limit)], page, limit, len(items), now)


WFM_INTERVAL = 900  # seconds: WFM tools plan in 15-minute intervals


def wfm_queue_activity(state: State, request: Request) -> Response:
    """Per queue and 15-minute interval starting in the window: offered,
    answered and abandoned interactions, average handle time (milliseconds).
    undocumented: the item's shape."""
    start, end = _stats_window(state, request)
    page, limit = _stats_paging(request)
    first = math.ceil(start / WFM_INTERVAL)
    intervals = max(0, math.ceil(end / WFM_INTERVAL) - first)
    queues = list(data.queue_ids().items())
    total = intervals * len(queues)
    items = []
    for index in range(total)[_window_of(page, limit)]:
        t = (first + index // len(queues)) * WFM_INTERVAL
        name, queue_id = queues[index % len(queues)]
        rng = data.KeyedRandom(f"{data.SEED}-wfm-{name}-{t}")
        offered = rng.randrange(30)
        answered = offered - rng.randrange(min(offered, 3) + 1)
        items.append(
            {
                "queueId": queue_id,
                "queueName": name,
                "start": data.iso(t),
                "duration": WFM_INTERVAL * 1000,
                "offered": offered,
                "answered": answered,
                "abandoned": offered - answered,
                "averageHandleTime": rng.randint(60_000, 900_000) if answered else 0,
            }
        )
    return _stats_page(items, page, limit, total, max(start, end))


# --------------------------------------------------- Interaction Content API

RECORDING_KEY = "callRecording"
TRANSCRIPT_KEY = "transcript"


def _transcript_bytes(call: data.Call) -> bytes:
    return json_response(200, data.transcript(call)).body


def _content(state: State, slot: int, call: data.Call) -> list[dict]:
    """The content items of an interaction (documented fields). undocumented:
    the values of type and properties."""
    modified = data.iso(call.end + 60)
    size = data.WAV_HEADER_SIZE + data.wav_data_length(state.recording_size)
    content = [
        {
            "contentKey": RECORDING_KEY,
            "type": "recording",
            "contentType": "audio/wav",
            "contentLength": size,
            "lastModified": modified,
            "properties": {},
        }
    ]
    if call.has_transcript:
        content.append(
            {
                "contentKey": TRANSCRIPT_KEY,
                "type": "transcript",
                "contentType": "application/json",
                "contentLength": len(_transcript_bytes(call)),
                "lastModified": modified,
                "properties": {},
            }
        )
    with state.lock:
        return [c for c in content if (slot, c["contentKey"]) not in state.deleted_content]


def _content_item(state: State, slot: int, call: data.Call) -> dict:
    return {
        "guid": call.guid,
        "start": data.iso(call.start),
        "connectFrom": call.connect_from,
        "connectTo": call.connect_to,
        "direction": call.direction,
        "handlingAgents": [{"id": call.agent_id}],
        "content": _content(state, slot, call),
    }


def _live_call(state: State, guid: str) -> tuple[int, data.Call]:
    slot, call = _call(state, guid)
    with state.lock:
        gone = slot in state.deleted_interactions
    if gone:
        raise not_found(f"no interaction with guid {guid}")
    return slot, call


# Continuation tokens are stateless: the search window and where the next
# page starts (the start in ms of its first interaction), signed so that a
# token we did not issue is refused (400) rather than trusted. They survive
# restarts (the key is fixed), deletions (a position, not an offset, so
# deleting items before it shifts nothing) and a change of scale (a time,
# not a slot number).
_TOKEN_KEY = hashlib.sha256(f"{data.SEED}-continuation".encode()).digest()


def _sign(payload: str) -> str:
    return hmac.new(_TOKEN_KEY, payload.encode(), hashlib.sha256).hexdigest()[:24]


_TOKEN_LIMIT = 10**15  # ms: beyond any window a search can ask for


def encode_continuation(start_ms: int, end_ms: int, next_ms: int) -> str:
    payload = f"1:{start_ms}:{end_ms}:{next_ms}"
    return base64.urlsafe_b64encode(f"{payload}:{_sign(payload)}".encode()).decode().rstrip("=")


def decode_continuation(token: str) -> tuple[int, int, int]:
    """(start ms, end ms, next ms) of a token we issued; 400 otherwise."""
    try:
        text = base64.urlsafe_b64decode(token.strip() + "=" * (-len(token.strip()) % 4)).decode("ascii")
        payload, _, signature = text.rpartition(":")
        version, start_ms, end_ms, next_ms = payload.split(":")
        if version != "1" or not hmac.compare_digest(signature, _sign(payload)):
            raise ValueError("not ours")
        values = int(start_ms), int(end_ms), int(next_ms)
        # The key derives from the public seed, so a token can be forged: keep
        # its numbers where the arithmetic below stays exact (year 1970..~33658).
        if not all(0 <= v < _TOKEN_LIMIT for v in values):
            raise ValueError("out of range")
        return values
    except (ValueError, UnicodeError, binascii.Error):
        raise bad_request("Invalid continuationToken") from None


def content_search(state: State, request: Request) -> Response:
    """``GET /interaction-content/interactions``: ``start`` and ``end`` required
    and at most 7 days apart, ``limit`` ≤ 1000, paged by continuation token:
    ``{"items", "meta": {"nextContinuationToken": <token> | null}}``. A token
    carries its window; ``start``/``end`` sent with it must be the same."""
    limit = int_param(request, "limit", CONTENT_DEFAULT_LIMIT, 1, STATS_MAX_LIMIT)
    start, end = time_param(request, "start"), time_param(request, "end")
    token = request.arg("continuationToken")
    if token is not None:
        start_ms, end_ms, position = decode_continuation(token)
        for given, carried in ((start, start_ms), (end, end_ms)):
            if given is not None and round(given * 1000) != carried:
                raise bad_request("the continuationToken belongs to a search with another start or end")
        start, end = start_ms / 1000, end_ms / 1000
    else:
        if start is None or end is None:
            raise bad_request("start and end are required, as ISO 8601 times (e.g. 2024-06-01T00:00:00Z)")
        position = None
    assert start is not None and end is not None
    if end <= start:
        raise bad_request("end must be later than start")
    window = catalog.window_limit(request.method, request.template) or catalog.CONTENT_SEARCH_WINDOW
    if end - start > window:
        raise bad_request(f"start and end must be at most {window / catalog.DAY:g} days apart")
    dataset = state.dataset
    series = dataset.interactions
    slots = series.slots(start, min(end, state.now()))
    s = slots.start if position is None else max(series.first_slot_from(position), slots.start)
    chosen: list[int] = []
    with state.lock:  # each page skips at most the deleted interactions: no copy of them
        gone = state.deleted_interactions
        while s < slots.stop and len(chosen) < limit:
            if s not in gone:
                chosen.append(s)
            s += 1
        while s < slots.stop and s in gone:
            s += 1
    following = None
    if s < slots.stop:
        following = encode_continuation(round(start * 1000), round(end * 1000), series.item_start_ms(s))
    items = [_content_item(state, slot, dataset.interaction(slot, state.agents)) for slot in chosen]
    return json_response(200, {"items": items, "meta": {"nextContinuationToken": following}})


def content_interaction(state: State, request: Request) -> Response:
    slot, call = _live_call(state, request.params["guid"])
    return json_response(200, _content_item(state, slot, call))


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """[first, last] of a single ``Range: bytes=`` header; None to send the
    whole file (no header, or one we may ignore: RFC 9110 14.2); "unsatisfiable"."""
    if not header:
        return None
    match = _RANGE.match(header)
    if not match:
        return None  # several ranges or another unit: serve it all
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    a, b = int(first), int(last) if last else None
    if b is not None and b < a:
        return None  # syntactically invalid: ignored
    if a >= size:
        return "unsatisfiable"
    return a, size - 1 if b is None else min(b, size - 1)


def content_file(state: State, request: Request) -> Response:
    guid = request.params["guid"]
    slot, call = _live_call(state, guid)
    keys = {c["contentKey"].lower(): c["contentKey"] for c in _content(state, slot, call)}
    key = keys.get(request.params["contentKey"].lower())
    if key is None:
        raise not_found(f"interaction {guid} has no content {request.params['contentKey']!r}")
    faults = state.faults
    if call.guid in {normal_guid(g) for g in faults.content_fail_guids}:
        return message(500, "An error occurred while reading the content (injected: content_fail_guids)")
    if faults.nth("content_fail_every"):
        status = faults.content_fail_status
        return message(status, f"The content is unavailable at the moment (injected: content_fail_every, {status})")
    response = _content_body(state, request, call, key)
    if request.method != "HEAD" and response.status in (200, 206) and faults.nth("content_cut_every"):
        whole = response.length if response.stream is not None else len(response.body)
        response.cut_after = (whole or 0) // 2
    return response


def _content_body(state: State, request: Request, call: data.Call, key: str) -> Response:
    if key == TRANSCRIPT_KEY:
        return Response(200, [("Content-Type", "application/json; charset=utf-8")], _transcript_bytes(call))

    file_size = state.recording_size
    size = data.WAV_HEADER_SIZE + data.wav_data_length(file_size)
    variant = data.recording_variant(call.guid)
    headers = [
        ("Content-Type", "audio/wav"),
        ("Accept-Ranges", "bytes"),
        ("Content-Disposition", f'attachment; filename="{call.guid}-{key}.wav"'),
        ("ETag", f'"{call.guid}-{size}"'),
    ]
    span = _byte_range(request.header("Range"), size)
    if isinstance(span, str):  # "unsatisfiable"
        return message(
            416, f"the range is outside the recording ({size} bytes)", [("Content-Range", f"bytes */{size}")]
        )
    if span is None:
        return Response(200, headers, stream=data.wav_bytes(file_size, variant, 0, size), length=size)
    first, last = span
    headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
    return Response(206, headers, stream=data.wav_bytes(file_size, variant, first, last + 1), length=last - first + 1)


def _guid_slot(state: State, guid: str) -> int | None:
    """The slot of an interaction GUID; None for a well-formed GUID that names
    none of ours; 400 for something that is not a GUID."""
    if not data.is_guid(guid):
        raise bad_request(f"{guid!r} is not an interaction GUID")
    return state.dataset.interaction_slot(guid)


def delete_interaction(state: State, request: Request) -> Response:
    """200 ``{}`` (documented). undocumented: an interaction that is not there
    (any more) is deleted all the same, as delete-batch counts it."""
    slot = _guid_slot(state, request.params["guid"])
    if slot is not None:
        with state.lock:
            state.deleted_interactions.add(slot)
    return deleted()


def delete_content(state: State, request: Request) -> Response:
    """undocumented: the answer (200 ``{}``, as the interaction DELETE); content
    that is not there is deleted all the same."""
    slot = _guid_slot(state, request.params["guid"])
    if slot is not None:
        keys = {k.lower(): k for k in (RECORDING_KEY, TRANSCRIPT_KEY)}
        key = keys.get(request.params["contentKey"].lower())
        if key is not None:
            with state.lock:
                state.deleted_content.add((slot, key))
    return deleted()


def delete_batch(state: State, request: Request) -> Response:
    """``{"guids": [...]}`` (at most 1000) → 200 ``{"failures": [...]}``.
    Documented: interactions that do not exist still count as success. Our
    choice: only an entry that is not a GUID at all fails, with its own 400
    in ``failures``, without failing the others. Documented: concurrent
    deletions give 429, so a batch arriving while another one runs (each
    takes ``faults.delete_batch_seconds``) is refused whole. Faults: the GUIDs
    of ``faults.delete_fail_guids`` fail with statusCode 500 and stay."""
    guids = json_object(request).get("guids")
    if not isinstance(guids, list) or not all(isinstance(g, str) for g in guids):
        raise bad_request('send {"guids": ["<interaction GUID>", ...]}')
    if len(guids) > 1000:
        raise bad_request(f"at most 1000 guids a request, not {len(guids)}")
    if not state.batch_lock.acquire(blocking=False):
        # undocumented: the body (no Retry-After, as for the fair-usage 429)
        raise Reject(message(429, "Too Many Requests: another batch deletion is in progress"))
    try:
        seconds = state.faults.delete_batch_seconds
        if seconds > 0:
            time.sleep(seconds)  # real time, not the emulator's clock: overlap is about real requests
        failing = {normal_guid(g) for g in state.faults.delete_fail_guids}
        dataset = state.dataset
        failures = []
        for guid in guids:
            if not data.is_guid(guid):
                failures.append({"guid": guid, "message": "Invalid interaction GUID", "statusCode": 400})
                continue
            if normal_guid(guid) in failing:
                message_text = "The interaction could not be deleted (injected: delete_fail_guids)"
                failures.append({"guid": guid, "message": message_text, "statusCode": 500})
                continue
            slot = dataset.interaction_slot(guid)
            if slot is not None:
                with state.lock:
                    state.deleted_interactions.add(slot)
    finally:
        state.batch_lock.release()
    return json_response(200, {"failures": failures})


# ------------------------------------------ Interaction Content Export API


def create_external_storage(state: State, request: Request) -> Response:
    """undocumented: the answer; the ID is named as the export jobs' bodies name it."""
    json_object(request)
    return json_response(200, {"externalStorageId": new_id()})


def schedule_export(state: State, request: Request) -> Response:
    """The docs' example answer: ``{"jobId": <uuid>}``."""
    json_object(request)
    return json_response(200, {"jobId": new_id()})


# --------------------------------------------------------------- Payment API


def create_payment_session(state: State, request: Request) -> Response:
    """A session in the documented GET shape. undocumented: the request body
    (a ``callGuid`` is kept, the rest ignored), the 201 and the sessionState
    values."""
    body = json_object(request)
    check_types(body, {"callGuid": (str, type(None))})
    now, guid = data.iso(state.now()), new_id()
    session = {
        "lastUpdatedOn": now,
        "callGuid": body.get("callGuid"),
        "createdOn": now,
        "sessionGuid": guid,
        "paymentResultData": None,
        "sessionState": "Created",
        "providerSessionGuid": new_id(),
    }
    with state.lock:
        state.sessions[guid] = session
    return json_response(201, session)


def payment_session(state: State, request: Request) -> Response:
    guid = request.params["sessionGuid"]
    with state.lock:
        session = state.sessions.get(guid)
    if session is None:
        raise not_found(f"no payment session {guid} (sessions are kept 15 minutes after they end)")
    return json_response(200, session)


# ------------------------------------------------------------ User Admin API

_USER_TYPES: dict[str, tuple[type, ...]] = {
    "username": (str,),
    "name": (str,),
    "email": (str,),
    "active": (bool,),
    "locked": (bool,),
    "ssoExternalId": (str, type(None)),
    "userAccountConfiguration": (dict,),
}


def _user_changes(body: dict, user_id: str | None) -> dict:
    """The documented fields of a user write, checked. undocumented: unknown
    fields are ignored (as ASP.NET's model binding does), userId cannot change
    and lastLoginTime is the server's."""
    if user_id is not None and body.get("userId", user_id) != user_id:
        raise bad_request("userId cannot be changed")
    check_types(body, _USER_TYPES)
    if "username" in body and not body["username"].strip():
        raise bad_request("username must not be empty")
    config = body.get("userAccountConfiguration", {})
    if "role" in config and not (isinstance(config["role"], str) and config["role"].strip()):
        raise bad_request("userAccountConfiguration.role must be a non-empty string")
    return {k: v for k, v in body.items() if k in _USER_TYPES}


def _username_taken(state: State, username: str, except_id: str | None = None) -> bool:
    wanted = username.lower()
    return any(u["username"].lower() == wanted and u["userId"] != except_id for u in state.users.values())


def _taken(username: str) -> Reject:
    return Reject(message(409, f"username {username!r} is already taken"))  # undocumented: the 409


def list_users(state: State, request: Request) -> Response:
    """Page-numbered: ``page`` and ``limit`` (default 25, at most 5000).
    The docs disagree on the first page ("the first page of results is page 0"
    on one page, "minimum 1, default 1" in the parameter table); we follow the
    parameter table, as Insights Stats does: page 1 is the first, page 0 is a
    400, and meta.page says which page this is, so a client that numbers
    pages from the first answer's meta.page is right either way.
    undocumented: the list's name, ``items`` as in VCC's other collections."""
    page = int_param(request, "page", 1, 1, None)
    limit = int_param(request, "limit", USERS_DEFAULT_LIMIT, 1, USERS_MAX_LIMIT)
    with state.lock:
        users = list(state.users.values())
    chosen = [dict(u) for u in users[_window_of(page, limit)]]
    return json_response(200, {"items": chosen, "meta": page_meta(page, limit, len(users), len(chosen))})


def get_user(state: State, request: Request) -> Response:
    return json_response(200, _user(state, request.params["userId"]))


def create_user(state: State, request: Request) -> Response:
    """201 with the user. undocumented: the 201, the Location header, the
    defaults (active, not locked, role Agent) and the 409 for a taken username."""
    changes = _user_changes(json_object(request), None)
    if "username" not in changes:
        raise bad_request("username is required")
    config = {"role": "Agent", **changes.pop("userAccountConfiguration", {})}
    user = {
        "userId": new_id(),
        "username": changes["username"],
        "name": changes.get("name", changes["username"]),
        "email": changes.get("email"),
        "lastLoginTime": None,
        "active": changes.get("active", True),
        "locked": changes.get("locked", False),
        "ssoExternalId": changes.get("ssoExternalId"),
        "userAccountConfiguration": config,
    }
    with state.lock:
        if _username_taken(state, user["username"]):
            raise _taken(user["username"])
        state.users[user["userId"]] = user
        state.skills[user["userId"]] = []
    return json_response(201, user, [("Location", f"/useradmin/users/{user['userId']}")])


def update_user(state: State, request: Request) -> Response:
    """A partial update: the fields sent replace theirs (``userAccountConfiguration``
    is merged key by key)."""
    old = _user(state, request.params["userId"])
    changes = _user_changes(json_object(request), old["userId"])
    if "userAccountConfiguration" in changes:
        changes["userAccountConfiguration"] = {**old["userAccountConfiguration"], **changes["userAccountConfiguration"]}
    with state.lock:
        if "username" in changes and _username_taken(state, changes["username"], except_id=old["userId"]):
            raise _taken(changes["username"])
        user = {**old, **changes}
        state.users[old["userId"]] = user
        if user.get("active") is False:
            state.presences.pop(old["userId"], None)  # archived: logged out
    return json_response(200, user)


def delete_user(state: State, request: Request) -> Response:
    """Documented: a user must be archived (``active`` false) before deletion;
    DELETE answers 200. undocumented: the 400's wording and the ``{}`` body."""
    user = _user(state, request.params["userId"])
    if user.get("active") is not False:
        raise bad_request('archive the user first (PATCH {"active": false}): only archived users can be deleted')
    with state.lock:
        for table in (state.users, state.skills, state.presences, state.licenses):
            table.pop(user["userId"], None)
    return deleted()


# "licenseTypes": {"analytics": creator|viewer|none, "krispnoisecancellation":
# enabled|none} (the PATCH body of "Update user's licenses", DV 4411031596).
# undocumented: the GET answer (the same object) and the PATCH answer (the
# licenses after the change, 200).
LICENSE_VALUES = {"analytics": ("creator", "viewer", "none"), "krispnoisecancellation": ("enabled", "none")}


def _licenses(state: State, user: dict) -> dict:
    with state.lock:
        chosen = state.licenses.get(user["userId"])
    if chosen is None:
        analytics = {"Administrator": "creator", "Supervisor": "viewer"}.get(data.role(user) or "", "none")
        chosen = {"analytics": analytics, "krispnoisecancellation": "none"}
    return dict(chosen)


def user_licenses(state: State, request: Request) -> Response:
    return json_response(200, {"licenseTypes": _licenses(state, _user(state, request.params["userId"]))})


def update_user_licenses(state: State, request: Request) -> Response:
    user = _user(state, request.params["userId"])
    wanted = json_object(request).get("licenseTypes")
    if not isinstance(wanted, dict):
        raise bad_request(
            'send {"licenseTypes": {"analytics": "creator|viewer|none", "krispnoisecancellation": "enabled|none"}}'
        )
    for name, value in wanted.items():
        if (
            name.lower() not in LICENSE_VALUES
            or not isinstance(value, str)
            or value.lower() not in LICENSE_VALUES[name.lower()]
        ):
            allowed = "; ".join(f"{k}: {', '.join(v)}" for k, v in LICENSE_VALUES.items())
            raise bad_request(f"unknown license {name!r} or value {value!r}; known: {allowed}")
    licenses = {**_licenses(state, user), **{k.lower(): v.lower() for k, v in wanted.items()}}
    with state.lock:
        state.licenses[user["userId"]] = licenses
    return json_response(200, {"licenseTypes": licenses})


def user_skills(state: State, request: Request) -> Response:
    """undocumented: the shape."""
    user = _user(state, request.params["userId"])
    with state.lock:
        return json_response(200, {"items": list(state.skills.get(user["userId"], []))})


def replace_user_skills(state: State, request: Request) -> Response:
    """undocumented: the body (a list of ``{"id" or "name", "level"}``, or
    ``{"items": [...]}``) and the answer (the new list)."""
    user = _user(state, request.params["userId"])
    body = json_body(request)
    items = body.get("items") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise bad_request('send a list of skills: [{"id" or "name": ..., "level": 1-5}, ...]')
    by_id = {s["id"]: s["name"] for s in data.skills()}
    by_name = {s["name"].lower(): s["id"] for s in data.skills()}
    skills = []
    for entry in items:
        if not isinstance(entry, dict):
            raise bad_request("each skill must be an object with an id or a name")
        given = entry.get("id")
        skill_id = given if isinstance(given, str) else by_name.get(str(entry.get("name", "")).lower())
        if skill_id not in by_id:
            raise bad_request(f"unknown skill {entry.get('id') or entry.get('name')!r}")
        level = entry.get("level", 1)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise bad_request("level must be an integer from 1 to 5")
        skills.append({"id": skill_id, "name": by_id[skill_id], "level": level})
    with state.lock:
        state.skills[user["userId"]] = skills
    return json_response(200, {"items": skills})


def skill_users(state: State, request: Request) -> Response:
    """The users who have a skill, paged as ``GET /useradmin/users``."""
    skill_id = request.params["skillId"]
    if skill_id not in {s["id"] for s in data.skills()}:
        raise not_found(f"no skill with id {skill_id}")
    page = int_param(request, "page", 1, 1, None)
    limit = int_param(request, "limit", USERS_DEFAULT_LIMIT, 1, USERS_MAX_LIMIT)
    with state.lock:
        users = [
            dict(u) for u in state.users.values() if any(s["id"] == skill_id for s in state.skills.get(u["userId"], []))
        ]
    chosen = users[_window_of(page, limit)]
    return json_response(200, {"items": chosen, "meta": page_meta(page, limit, len(users), len(chosen))})


# -------------------------------------------------------------- Webhooks API
# A subscription as the docs show it: {subscriptionId, name, url, events,
# enabled}; the secret signs notifications and is never shown back.
# undocumented: the list's shape, the 201, PATCH's answer and DELETE's.

_SUBSCRIPTION_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "url": (str,),
    "events": (list,),
    "enabled": (bool,),
    "secret": (str,),
}


def _subscription_fields(body: dict) -> dict:
    check_types(body, _SUBSCRIPTION_TYPES)
    if "events" in body and not all(isinstance(e, str) and e for e in body["events"]):
        raise bad_request("events must be a list of event type names")
    if "url" in body and not re.match(r"https?://[^\s/]+", body["url"]):
        raise bad_request("url must be an http(s) URL")
    return {k: v for k, v in body.items() if k in _SUBSCRIPTION_TYPES}


def _public_subscription(sub: dict) -> dict:
    return {k: sub[k] for k in ("subscriptionId", "name", "url", "events", "enabled")}


def create_subscription(state: State, request: Request) -> Response:
    fields = _subscription_fields(json_object(request))
    missing = [name for name in ("url", "events") if name not in fields]
    if missing:
        raise bad_request(f"{' and '.join(missing)} required")
    sub = {"subscriptionId": new_id(), "name": "", "enabled": True, **fields}
    with state.lock:
        state.subscriptions[sub["subscriptionId"]] = sub
    return json_response(201, _public_subscription(sub))


def _subscription(state: State, request: Request) -> dict:
    with state.lock:
        sub = state.subscriptions.get(request.params["subscriptionId"])
    if sub is None:
        raise not_found(f"no subscription {request.params['subscriptionId']}")
    return sub


def list_subscriptions(state: State, request: Request) -> Response:
    with state.lock:
        subs = list(state.subscriptions.values())
    return json_response(200, {"items": [_public_subscription(s) for s in subs]})


def get_subscription(state: State, request: Request) -> Response:
    return json_response(200, _public_subscription(_subscription(state, request)))


def update_subscription(state: State, request: Request) -> Response:
    sub = _subscription(state, request)
    fields = _subscription_fields(json_object(request))
    with state.lock:
        sub = {**sub, **fields}
        state.subscriptions[sub["subscriptionId"]] = sub
    return json_response(200, _public_subscription(sub))


def delete_subscription(state: State, request: Request) -> Response:
    sub = _subscription(state, request)
    with state.lock:
        state.subscriptions.pop(sub["subscriptionId"], None)
    return deleted()


# ------------------------------------------------------------------- generic


def generic(state: State, request: Request) -> Response:
    """For catalogued endpoints without a dedicated handler (undocumented
    shapes all): POST creates an object with an ``id`` (201, the body echoed),
    PUT stores the body, PATCH merges into it, GET returns what was stored (or
    an empty collection), DELETE forgets it. A ``{userId}`` in the route must
    name an existing user."""
    if "userId" in request.params:
        _user(state, request.params["userId"])
    path = request.path.rstrip("/").lower()
    if request.method == "POST":
        body = json_object(request)
        obj = {**body, "id": new_id(), "createdAt": data.iso(state.now())}
        with state.lock:
            state.created.setdefault(path, {})[obj["id"]] = obj
        return json_response(201, obj)
    parent, _, last = path.rpartition("/")
    with state.lock:
        created = state.created.get(parent, {}).get(last)
        document = state.documents.get(path)
        collection = list(state.created.get(path, {}).values())
    if request.method in ("GET", "HEAD"):
        if document is not None:
            return json_response(200, document)
        if created is not None:
            return json_response(200, created)
        if request.template.rstrip("/").endswith("}"):  # an item, not a collection
            raise not_found(f"nothing at {request.path}")
        if catalog.paging_style(request.method, request.template) == catalog.PAGE_NUMBERS:
            return json_response(
                200,
                {"items": collection, "meta": page_meta(1, max(1, len(collection)), len(collection), len(collection))},
            )
        return json_response(200, {"items": collection})
    if request.method == "DELETE":
        with state.lock:
            found = state.documents.pop(path, None) or state.created.get(parent, {}).pop(last, None)
        if found is None:
            raise not_found(f"nothing at {request.path}")
        return deleted()
    body = json_body(request)
    if request.method == "PATCH":
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        base = document if isinstance(document, dict) else created or {}
        body = {**base, **body}
    with state.lock:
        state.documents[path] = body
    return json_response(200, body)


# Method, path template, handler. Paths must lie under a catalogued API;
# catalogued endpoints missing here are served by ``generic``.
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/agents-availability", agents_availability),
    ("GET", "/agents/presence-definitions", presence_definitions),
    ("GET", "/agents/presences/users", presences_of_users),
    ("GET", "/agents/{userId}/presence", agent_presence),
    ("PATCH", "/agents/{userId}/presence", set_agent_presence),
    ("GET", "/conversation-analyzer/interactions", analyzer_interactions),
    ("GET", "/conversation-analyzer/interactions/{guid}", analyzer_interaction),
    ("GET", "/conversation-analyzer/status", analyzer_status),
    ("GET", "/stats/agent-activities", _activities(None)),
    ("GET", "/stats/agent-activities/presence", _activities("presence")),
    ("GET", "/stats/agent-activities/interactions", _activities("interaction")),
    ("GET", "/stats/agent-status", agent_status),
    ("GET", "/stats/interactions", stats_interactions),
    ("GET", "/stats/interactions/ongoing", ongoing_interactions),
    ("GET", "/stats/interactions/{guid}", stats_interaction),
    ("GET", "/stats/queue-times", queue_times),
    ("GET", "/stats/wfm/agent-states", wfm_agent_states),
    ("GET", "/stats/wfm/queue-activity", wfm_queue_activity),
    ("GET", "/interaction-content/interactions", content_search),
    ("GET", "/interaction-content/interactions/{guid}", content_interaction),
    ("GET", "/interaction-content/interactions/{guid}/content/{contentKey}", content_file),
    ("DELETE", "/interaction-content/interactions/{guid}", delete_interaction),
    ("DELETE", "/interaction-content/interactions/{guid}/content/{contentKey}", delete_content),
    ("POST", "/interaction-content/interactions/delete-batch", delete_batch),
    ("POST", "/interaction-content-export/external-storage", create_external_storage),
    ("POST", "/interaction-content-export/interactions/jobs/schedule-batch-export", schedule_export),
    ("POST", "/interaction-content-export/interactions/jobs/schedule-recurring-export", schedule_export),
    ("POST", "/globalpci/v1/session", create_payment_session),
    ("GET", "/globalpci/v1/session/{sessionGuid}", payment_session),
    ("POST", "/globalpci/v1/digitalsession", create_payment_session),
    ("GET", "/useradmin/users", list_users),
    ("POST", "/useradmin/users", create_user),
    ("GET", "/useradmin/users/{userId}", get_user),
    ("PATCH", "/useradmin/users/{userId}", update_user),
    ("DELETE", "/useradmin/users/{userId}", delete_user),
    ("GET", "/useradmin/users/{userId}/licenses", user_licenses),
    ("PATCH", "/useradmin/users/{userId}/licenses", update_user_licenses),
    ("GET", "/useradmin/users/{userId}/skills", user_skills),
    ("PUT", "/useradmin/users/{userId}/skills", replace_user_skills),
    ("GET", "/useradmin/skills/{skillId}/users", skill_users),
    ("POST", "/webhooks/subscriptions", create_subscription),
    ("GET", "/webhooks/subscriptions", list_subscriptions),
    ("GET", "/webhooks/subscriptions/{subscriptionId}", get_subscription),
    ("PATCH", "/webhooks/subscriptions/{subscriptionId}", update_subscription),
    ("DELETE", "/webhooks/subscriptions/{subscriptionId}", delete_subscription),
)
