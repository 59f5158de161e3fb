"""What each emulated endpoint answers once the request has passed the bearer,
scope and Accept checks (see ``api.py``): the handlers and the mutable state
they share (created users, deleted interactions...).

A handler takes ``(state, request)`` and returns a Response, or raises
``Reject`` carrying an error response.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import threading
import uuid
from typing import Any, Callable, Iterable

from . import data
from .messages import Request, Response, is_json_type, json_response, message

Handler = Callable[["State", Request], Response]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
DEFAULT_WINDOW = 7 * 86400  # interaction search without start/end: the last week


class Reject(Exception):
    """Raised by a handler to answer with ``response`` (a 4xx)."""

    def __init__(self, response: Response):
        super().__init__(response.status)
        self.response = response


def bad_request(text: str, **extra: Any) -> Reject:
    return Reject(message(400, text, **extra))


def not_found(text: str) -> Reject:
    return Reject(message(404, text))


class State:
    """Everything the emulated APIs remember between requests. Thread-safe
    through ``lock``. ``clock`` returns Unix seconds; ``recording_size`` is
    the size in bytes of every call recording."""

    def __init__(self, clock: Callable[[], float], recording_size: int):
        self.clock = clock
        self.recording_size = recording_size
        self.lock = threading.RLock()
        self.users: dict[str, dict] = {u["id"]: u for u in data.users()}
        # Time series use the initial agents, so edits never change history.
        self.agents = data.agents(list(self.users.values()))
        self.presences: dict[str, dict] = {}
        self.deleted_interactions: list[int] = []  # sorted slots
        self.deleted_content: set[tuple[int, str]] = set()
        self.documents: dict[str, Any] = {}  # PUT/PATCH documents by lowercased path
        self.created: dict[str, dict[str, dict]] = {}  # collection path -> id -> object

    def now(self) -> float:
        return self.clock()


# ---------------------------------------------------------------- helpers


def positive_int(request: Request, names: Iterable[str], default: int, maximum: int | None = None) -> int:
    """The first of the query parameters ``names`` that is present, as an int in [1, maximum]."""
    for name in names:
        raw = request.arg(name)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"{name} must be a positive integer, not {raw!r}") from None
        if value < 1 or (maximum is not None and value > maximum):
            limit = f" between 1 and {maximum}" if maximum else " ≥ 1"
            raise bad_request(f"{name} must be an integer{limit}, not {value}")
        return value
    return default


def paging(request: Request, size_names: tuple[str, ...] = ("pageSize", "limit")) -> tuple[int, int]:
    """(page, page size) from the query; page counts from 1."""
    return (
        positive_int(request, ("page",), 1),
        positive_int(request, size_names, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


def meta(page: int, size: int, total: int, count: int) -> dict:
    """The ``meta`` object of a page: ``pageCount`` is 0 for an empty collection."""
    return {"page": page, "pageSize": size, "count": count, "pageCount": math.ceil(total / size), "totalCount": total}


def time_window(request: Request, required: bool, now: float) -> tuple[float, float]:
    """(start, end) in Unix seconds from the ``start``/``end`` ISO 8601 parameters."""
    values = {}
    for name in ("start", "end"):
        raw = request.arg(name)
        if raw is None:
            if required:
                raise bad_request("start and end are required, as ISO 8601 times (e.g. 2024-06-01T00:00:00Z)")
            continue
        try:
            values[name] = data.parse_iso(raw)
        except ValueError:
            raise bad_request(f"{name} is not an ISO 8601 time: {raw!r}") from None
    end = values.get("end", now)
    start = values.get("start", end - DEFAULT_WINDOW)
    if end <= start:
        raise bad_request("end must be later than start")
    return start, end


def json_body(request: Request) -> Any:
    if not request.body:
        raise bad_request("a JSON body is required")
    if not is_json_type(request.header("Content-Type")):
        raise Reject(message(415, "the body must be JSON: send Content-Type: application/json"))
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request(f"the body is not valid JSON: {exc}") from None


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


# ----------------------------------------------------- Agent Availability API


def agents_availability(state: State, request: Request) -> Response:
    """Agents who have every skill in ``skillNames`` (case-insensitive), their
    availability, and per skill how many agents are available."""
    wanted = comma_list(request, "skillNames")
    wanted_lower = {w.lower() for w in wanted}
    now = state.now()
    with state.lock:
        users = list(state.users.values())
    agents, per_skill = [], {w.lower(): {"skillName": w, "available": 0, "total": 0} for w in wanted}
    for user in users:
        if "Agent" not in user["roles"]:
            continue
        names = {s["name"].lower(): s["name"] for s in user["skills"]}
        availability = data.agent_availability(user, now)
        for key in wanted_lower & names.keys():
            per_skill[key]["total"] += 1
            per_skill[key]["available"] += availability["state"] == "Available"
        if wanted_lower - names.keys():
            continue
        agents.append(
            {
                "agentId": user["id"],
                "name": f"{user['firstName']} {user['lastName']}",
                "skills": [s["name"] for s in user["skills"]],
                **availability,
            }
        )
    available = sum(1 for a in agents if a["state"] == "Available")
    return json_response(
        200,
        {
            "skillNames": wanted,
            "availableAgents": available,
            "totalAgents": len(agents),
            "skills": list(per_skill.values()),
            "agents": agents,
        },
    )


# ---------------------------------------------------------------- Agents API


def _user(state: State, user_id: str) -> dict:
    with state.lock:
        user = state.users.get(user_id) or state.users.get(user_id.lower())
    if user is None:
        raise not_found(f"no user with id {user_id}")
    return user


def _presence(state: State, user: dict) -> dict:
    with state.lock:
        override = state.presences.get(user["id"])
    return override or data.presence(user, state.now())


def presence_definitions(state: State, request: Request) -> Response:
    return json_response(200, {"items": list(data.PRESENCE_DEFINITIONS)})


def presences_of_users(state: State, request: Request) -> Response:
    ids = comma_list(request, "userId")
    if not ids:
        raise bad_request("userId is required: one or more user IDs, comma-separated")
    if len(ids) > 50:
        raise bad_request(f"at most 50 userId values per request, not {len(ids)}")
    items, missing = [], []
    for user_id in ids:
        with state.lock:
            user = state.users.get(user_id)
        if user is None:
            missing.append(user_id)
        else:
            items.append(_presence(state, user))
    return json_response(200, {"items": items, "notFound": missing})


def agent_presence(state: State, request: Request) -> Response:
    return json_response(200, _presence(state, _user(state, request.params["userId"])))


def set_agent_presence(state: State, request: Request) -> Response:
    user = _user(state, request.params["userId"])
    body = json_object(request)
    wanted = body.get("presenceId") or body.get("id") or body.get("name")
    if isinstance(body.get("presence"), dict):
        wanted = body["presence"].get("id") or body["presence"].get("name")
    for definition in data.PRESENCE_DEFINITIONS:
        if isinstance(wanted, str) and wanted.lower() in (definition["id"], definition["name"].lower()):
            break
    else:
        known = ", ".join(d["id"] for d in data.PRESENCE_DEFINITIONS)
        raise bad_request(f"unknown presence {wanted!r}; send {{\"presenceId\": ...}} with one of: {known}")
    presence = {"userId": user["id"], "presence": dict(definition), "since": data.iso(state.now())}
    with state.lock:
        state.presences[user["id"]] = presence
    return json_response(200, presence)


# ------------------------------------------------- Conversation Analyzer API


def _interaction(state: State, guid: str, content: bool = False) -> tuple[int, dict]:
    slot = data.interaction_slot(guid)
    if slot is None or (content and _is_deleted(state, slot)):
        raise not_found(f"no interaction with guid {guid}")
    return slot, data.interaction(slot, state.agents)


def analyzer_interactions(state: State, request: Request) -> Response:
    guids = comma_list(request, "calls")
    if not guids:
        raise bad_request("calls is required: one or more interaction GUIDs, comma-separated")
    if len(guids) > 50:
        raise bad_request(f"at most 50 calls per request, not {len(guids)}")
    items, missing = [], []
    for guid in guids:
        slot = data.interaction_slot(guid)
        if slot is None:
            missing.append(guid)
        else:
            items.append(data.analysis(data.interaction(slot, state.agents)))
    return json_response(200, {"items": items, "notFound": missing})


def analyzer_interaction(state: State, request: Request) -> Response:
    _, item = _interaction(state, request.params["guid"])
    return json_response(200, {**data.analysis(item), "transcript": data.transcript(item)["segments"]})


def analyzer_status(state: State, request: Request) -> Response:
    return json_response(200, {"status": "Available", "time": data.iso(state.now())})


# -------------------------------------------------------- Insights Stats API


def _activities(kind: str | None) -> Handler:
    def handler(state: State, request: Request) -> Response:
        start, end = time_window(request, required=True, now=state.now())
        page, size = paging(request)
        slots = data.ACTIVITIES.slots(start, end)
        chosen = slots[(page - 1) * size : page * size]
        items = [data.activity(slot, state.agents, kind) for slot in chosen]
        return json_response(200, {"items": items, "meta": meta(page, size, len(slots), len(items))})

    return handler


def agent_status(state: State, request: Request) -> Response:
    page, size = paging(request)
    now = state.now()
    agents = state.agents
    chosen = agents[(page - 1) * size : page * size]
    items = []
    for agent in chosen:
        presence = _presence(state, agent)
        busy = data.agent_availability(agent, now)["state"] == "Busy"
        items.append(
            {
                "agentId": agent["id"],
                "agentName": f"{agent['firstName']} {agent['lastName']}",
                "presence": presence["presence"]["name"],
                "presenceSince": presence["since"],
                "workload": 1 if busy else 0,
                "interactions": [data.interaction_guid(data.interaction_slot_at(now))] if busy else [],
            }
        )
    return json_response(200, {"items": items, "meta": meta(page, size, len(agents), len(items))})


def stats_interactions(state: State, request: Request) -> Response:
    start, end = time_window(request, required=True, now=state.now())
    page, size = paging(request)
    slots = data.INTERACTIONS.slots(start, end)
    items = [data.interaction(s, state.agents) for s in slots[(page - 1) * size : page * size]]
    for item in items:
        item.pop("hasTranscript")
    return json_response(200, {"items": items, "meta": meta(page, size, len(slots), len(items))})


def stats_interaction(state: State, request: Request) -> Response:
    _, item = _interaction(state, request.params["guid"])
    item.pop("hasTranscript")
    return json_response(200, item)


# --------------------------------------------------- Interaction Content API

RECORDING_KEY = "callRecording"
TRANSCRIPT_KEY = "transcript"


def _is_deleted(state: State, slot: int) -> bool:
    with state.lock:
        i = bisect.bisect_left(state.deleted_interactions, slot)
        return i < len(state.deleted_interactions) and state.deleted_interactions[i] == slot


def _content_list(state: State, slot: int, item: dict) -> list[dict]:
    size = data.WAV_HEADER_SIZE + data.wav_data_length(state.recording_size)
    content = [{"contentKey": RECORDING_KEY, "contentType": "audio/wav", "size": size}]
    if item["hasTranscript"]:
        content.append({"contentKey": TRANSCRIPT_KEY, "contentType": "application/json"})
    with state.lock:
        return [c for c in content if (slot, c["contentKey"]) not in state.deleted_content]


def _with_content(state: State, slot: int, item: dict) -> dict:
    item = dict(item)
    item["content"] = _content_list(state, slot, item)
    del item["hasTranscript"]
    return item


def _live_slots(slots: range, deleted: list[int], offset: int, count: int) -> tuple[int, list[int]]:
    """(how many slots of ``slots`` are not deleted, the ``count`` live ones from position ``offset``)."""
    lo, hi = bisect.bisect_left(deleted, slots.start), bisect.bisect_left(deleted, slots.stop)
    gone = deleted[lo:hi]
    total = len(slots) - len(gone)
    if offset >= total:
        return total, []
    # The offset-th live slot s satisfies s = start + offset + (deleted slots <= s).
    s = slots.start + offset
    while True:
        candidate = slots.start + offset + bisect.bisect_right(gone, s)
        if candidate == s:
            break
        s = candidate
    chosen, gone_set = [], set(gone)
    while len(chosen) < count and s < slots.stop:
        if s not in gone_set:
            chosen.append(s)
        s += 1
    return total, chosen


def content_interactions(state: State, request: Request) -> Response:
    start, end = time_window(request, required=False, now=state.now())
    page, size = paging(request)
    slots = data.INTERACTIONS.slots(start, end)
    with state.lock:
        deleted = list(state.deleted_interactions)
    total, chosen = _live_slots(slots, deleted, (page - 1) * size, size)
    items = [_with_content(state, s, data.interaction(s, state.agents)) for s in chosen]
    return json_response(200, {"items": items, "meta": meta(page, size, total, len(items))})


def content_interaction(state: State, request: Request) -> Response:
    slot, item = _interaction(state, request.params["guid"], content=True)
    return json_response(200, _with_content(state, slot, item))


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
    guid, key = request.params["guid"], request.params["contentKey"]
    slot, item = _interaction(state, guid, content=True)
    keys = {c["contentKey"].lower(): c["contentKey"] for c in _content_list(state, slot, item)}
    key = keys.get(key.lower())
    if key is None:
        raise not_found(f"interaction {guid} has no content {request.params['contentKey']!r}")
    if key == TRANSCRIPT_KEY:
        return json_response(200, data.transcript(item))

    file_size = state.recording_size
    size = data.WAV_HEADER_SIZE + data.wav_data_length(file_size)
    variant = data.recording_variant(item["guid"])
    headers = [
        ("Content-Type", "audio/wav"),
        ("Accept-Ranges", "bytes"),
        ("Content-Disposition", f'attachment; filename="{item["guid"]}-{key}.wav"'),
        ("ETag", f'"{item["guid"]}-{size}"'),
    ]
    span = _byte_range(request.header("Range"), size)
    if span == "unsatisfiable":
        return message(
            416, f"the range is outside the recording ({size} bytes)", [("Content-Range", f"bytes */{size}")]
        )
    if span is None:
        return Response(200, headers, stream=data.wav_bytes(file_size, variant, 0, size), length=size)
    first, last = span
    headers.append(("Content-Range", f"bytes {first}-{last}/{size}"))
    return Response(
        206, headers, stream=data.wav_bytes(file_size, variant, first, last + 1), length=last - first + 1
    )


def delete_interaction(state: State, request: Request) -> Response:
    slot, _ = _interaction(state, request.params["guid"], content=True)
    with state.lock:
        bisect.insort(state.deleted_interactions, slot)
    return Response(204)


def delete_content(state: State, request: Request) -> Response:
    guid, key = request.params["guid"], request.params["contentKey"]
    slot, item = _interaction(state, guid, content=True)
    keys = {c["contentKey"].lower(): c["contentKey"] for c in _content_list(state, slot, item)}
    if key.lower() not in keys:
        raise not_found(f"interaction {guid} has no content {key!r}")
    with state.lock:
        state.deleted_content.add((slot, keys[key.lower()]))
    return Response(204)


def delete_batch(state: State, request: Request) -> Response:
    body = json_object(request)
    guids = body.get("guids")
    if not isinstance(guids, list) or not all(isinstance(g, str) for g in guids):
        raise bad_request('send {"guids": ["<interaction GUID>", ...]}')
    if len(guids) > 1000:
        raise bad_request(f"at most 1000 guids per request, not {len(guids)}")
    deleted, missing = [], []
    for guid in guids:
        slot = data.interaction_slot(guid)
        if slot is None or _is_deleted(state, slot):
            missing.append(guid)
            continue
        with state.lock:
            bisect.insort(state.deleted_interactions, slot)
        deleted.append(guid)
    return json_response(200, {"deleted": deleted, "notFound": missing})


# --------------------------------------------------------------- Payment API


def create_payment_session(digital: bool) -> Handler:
    def handler(state: State, request: Request) -> Response:
        body = json_object(request)
        now = state.now()
        guid = new_id()
        session = {
            **body,
            "sessionGuid": guid,
            "status": "Created",
            "createdAt": data.iso(now),
            "expiresAt": data.iso(now + 900),
        }
        if digital:
            session["paymentUrl"] = f"https://pay.example.com/session/{guid}"
        collection = request.path.rstrip("/").lower()
        with state.lock:
            state.created.setdefault(collection, {})[guid] = session
        # Only agent assist sessions can be read back (GET .../session/{guid}).
        headers = [] if digital else [("Location", f"{request.path.rstrip('/')}/{guid}")]
        return json_response(201, session, headers)

    return handler


def payment_session(state: State, request: Request) -> Response:
    guid = request.params["sessionGuid"]
    with state.lock:
        session = state.created.get("/globalpci/v1/session", {}).get(guid)
    if session is None:
        raise not_found(f"no payment session {guid} (sessions are kept 15 minutes after they end)")
    return json_response(200, session)


# ------------------------------------------------------------ User Admin API

# Fields a write may not set: skills have their own resource.
_READ_ONLY_FIELDS = ("id", "createdAt", "updatedAt", "skills")


def _public(user: dict) -> dict:
    return {k: v for k, v in user.items() if k != "skills"}


def list_users(state: State, request: Request) -> Response:
    page, size = paging(request, ("pageSize",))
    with state.lock:
        users = list(state.users.values())
    chosen = [_public(u) for u in users[(page - 1) * size : page * size]]
    return json_response(200, {"users": chosen, "meta": meta(page, size, len(users), len(chosen))})


def get_user(state: State, request: Request) -> Response:
    return json_response(200, _public(_user(state, request.params["userId"])))


def _check_user_fields(body: dict, full: bool) -> None:
    if full or "username" in body:
        if not isinstance(body.get("username"), str) or not body["username"].strip():
            raise bad_request("username is required (a non-empty string)")
    for name in ("firstName", "lastName", "email"):
        if name in body and not isinstance(body[name], str):
            raise bad_request(f"{name} must be a string")
    if "enabled" in body and not isinstance(body["enabled"], bool):
        raise bad_request("enabled must be true or false")
    roles = body.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise bad_request('roles must be a list of strings, e.g. ["Agent"]')


def _username_taken(state: State, username: str, except_id: str | None = None) -> bool:
    return any(u["username"].lower() == username.lower() and u["id"] != except_id for u in state.users.values())


def create_user(state: State, request: Request) -> Response:
    body = json_object(request)
    _check_user_fields(body, full=True)
    now = data.iso(state.now())
    user = {
        "enabled": True,
        "roles": ["Agent"],
        **{k: v for k, v in body.items() if k not in _READ_ONLY_FIELDS},
        "id": new_id(),
        "createdAt": now,
        "updatedAt": now,
    }
    user["skills"] = []
    with state.lock:
        if _username_taken(state, user["username"]):
            raise Reject(message(409, f"username {user['username']!r} is already taken"))
        state.users[user["id"]] = user
    return json_response(201, _public(user), [("Location", f"/useradmin/users/{user['id']}")])


def _check_id(body: dict, user_id: str) -> None:
    if "id" in body and body["id"] != user_id:
        raise bad_request("id cannot be changed")


def replace_user(state: State, request: Request) -> Response:
    old = _user(state, request.params["userId"])
    body = json_object(request)
    _check_id(body, old["id"])
    _check_user_fields(body, full=True)
    user = {
        **{k: v for k, v in body.items() if k not in _READ_ONLY_FIELDS},
        "id": old["id"],
        "createdAt": old["createdAt"],
        "updatedAt": data.iso(state.now()),
        "skills": old["skills"],
    }
    with state.lock:
        if _username_taken(state, user["username"], except_id=old["id"]):
            raise Reject(message(409, f"username {user['username']!r} is already taken"))
        state.users[old["id"]] = user
    return json_response(200, _public(user))


def update_user(state: State, request: Request) -> Response:
    old = _user(state, request.params["userId"])
    body = json_object(request)
    _check_id(body, old["id"])
    _check_user_fields(body, full=False)
    changes = {k: v for k, v in body.items() if k not in _READ_ONLY_FIELDS}
    with state.lock:
        if "username" in changes and _username_taken(state, changes["username"], except_id=old["id"]):
            raise Reject(message(409, f"username {changes['username']!r} is already taken"))
        user = {**old, **changes, "updatedAt": data.iso(state.now())}
        state.users[old["id"]] = user
    return json_response(200, _public(user))


def delete_user(state: State, request: Request) -> Response:
    user = _user(state, request.params["userId"])
    with state.lock:
        state.users.pop(user["id"], None)
    return Response(204)


def user_skills(state: State, request: Request) -> Response:
    user = _user(state, request.params["userId"])
    return json_response(200, {"items": user["skills"]})


def replace_user_skills(state: State, request: Request) -> Response:
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
        state.users[user["id"]] = {**user, "skills": skills, "updatedAt": data.iso(state.now())}
    return json_response(200, {"items": skills})


def skill_users(state: State, request: Request) -> Response:
    skill_id = request.params["skillId"]
    if skill_id not in {s["id"] for s in data.skills()}:
        raise not_found(f"no skill with id {skill_id}")
    page, size = paging(request, ("pageSize",))
    with state.lock:
        users = [u for u in state.users.values() if any(s["id"] == skill_id for s in u["skills"])]
    chosen = [_public(u) for u in users[(page - 1) * size : page * size]]
    return json_response(200, {"users": chosen, "meta": meta(page, size, len(users), len(chosen))})


# ------------------------------------------------------------------- generic


def generic(state: State, request: Request) -> Response:
    """For catalogued endpoints without a dedicated handler: POST creates an
    object with an ``id`` (201, the body echoed), PUT stores the body, PATCH
    merges into it, GET returns what was stored (or an empty collection),
    DELETE forgets it. A ``{userId}`` in the route must name an existing user."""
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
        everything = meta(1, MAX_PAGE_SIZE, len(collection), len(collection))
        return json_response(200, {"items": collection, "meta": everything})
    if request.method == "DELETE":
        with state.lock:
            found = state.documents.pop(path, None) or state.created.get(parent, {}).pop(last, None)
        if found is None:
            raise not_found(f"nothing at {request.path}")
        return Response(204)
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
    ("GET", "/stats/interactions/{guid}", stats_interaction),
    ("GET", "/stats/wfm/agent-states", _activities("presence")),
    ("GET", "/interaction-content/interactions", content_interactions),
    ("GET", "/interaction-content/interactions/{guid}", content_interaction),
    ("GET", "/interaction-content/interactions/{guid}/content/{contentKey}", content_file),
    ("DELETE", "/interaction-content/interactions/{guid}", delete_interaction),
    ("DELETE", "/interaction-content/interactions/{guid}/content/{contentKey}", delete_content),
    ("POST", "/interaction-content/interactions/delete-batch", delete_batch),
    ("POST", "/globalpci/v1/session", create_payment_session(digital=False)),
    ("GET", "/globalpci/v1/session/{sessionGuid}", payment_session),
    ("POST", "/globalpci/v1/digitalsession", create_payment_session(digital=True)),
    ("GET", "/useradmin/users", list_users),
    ("POST", "/useradmin/users", create_user),
    ("GET", "/useradmin/users/{userId}", get_user),
    ("PUT", "/useradmin/users/{userId}", replace_user),
    ("PATCH", "/useradmin/users/{userId}", update_user),
    ("DELETE", "/useradmin/users/{userId}", delete_user),
    ("GET", "/useradmin/users/{userId}/skills", user_skills),
    ("PUT", "/useradmin/users/{userId}/skills", replace_user_skills),
    ("GET", "/useradmin/skills/{skillId}/users", skill_users),
)
