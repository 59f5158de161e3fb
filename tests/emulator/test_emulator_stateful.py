"""SPEC section 4, `vcc emulator`: random sequences of documented requests never get a
5xx, and every answer has its documented shape: a hypothesis state machine drives the
emulator's handler directly (``Emulator.answer``, the same code the HTTP server runs,
without sockets, so many steps fit in a few seconds)."""

from __future__ import annotations

import json
import re
import string
from urllib.parse import urlencode

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    rule,
)

from vcc_cli import catalog
from vcc_cli.emulator import Emulator
from vcc_cli.emulator.data import iso

FORM = "application/x-www-form-urlencoded"
EVERY_SCOPE = " ".join(catalog.all_scopes())
AVAILABILITY_KEYS = ["Ready", "Away", "Extended Away", "Logged Out"]
USER_FIELDS = {
    "userId",
    "username",
    "name",
    "email",
    "lastLoginTime",
    "active",
    "locked",
    "ssoExternalId",
    "userAccountConfiguration",
}
CONTENT_ITEM = {"guid", "start", "connectFrom", "connectTo", "direction", "handlingAgents", "content"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATS_PATHS = (
    "/stats/agent-activities",
    "/stats/agent-activities/presence",
    "/stats/agent-activities/interactions",
    "/stats/agent-status",
    "/stats/interactions",
    "/stats/interactions/ongoing",
    "/stats/queue-times",
    "/stats/wfm/agent-states",
    "/stats/wfm/queue-activity",
)
PAGED = {"page", "count", "pageCount", "totalCount"}

names = st.text(string.ascii_lowercase + string.digits + ".-_", min_size=0, max_size=12)
text = st.text(max_size=20)
hours = st.integers(min_value=-24 * 40, max_value=24)  # offsets from now, in hours


class Clock:
    def __init__(self) -> None:
        self.now = 1_780_000_000.0

    def __call__(self) -> float:
        return self.now


class EmulatorMachine(RuleBasedStateMachine):
    users = Bundle("users")
    guids = Bundle("guids")

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.emulator = Emulator(recording_size=4096, clock=self.clock)
        self.token, self.token_expires = "", 0.0

    def teardown(self) -> None:
        self.emulator.stop()

    # --------------------------------------------------------------- plumbing

    def send(
        self,
        method: str,
        path: str,
        params=None,
        body=None,
        accept: int | str | None = "catalog",
        authorization: str | None = "fresh",
        headers=None,
    ):
        """(status, parsed JSON or raw bytes, headers) of one request; fails on any 5xx."""
        if authorization == "fresh":
            authorization = "Bearer " + self.fresh_token()
        sent = dict(headers or {})
        if authorization is not None:
            sent["Authorization"] = authorization
        if accept == "catalog":
            accept = catalog.api_version(method, path)
        if accept is not None:
            sent["Accept"] = accept if isinstance(accept, str) else f"application/vnd.newvoicemedia.v{accept}+json"
        raw = b""
        if body is not None:
            raw = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        target = path + ("?" + urlencode(params) if params else "")
        response = self.emulator.answer(method, target, sent, raw)
        content = response.body if response.stream is None else b"".join(response.stream)
        assert response.status < 500, (method, target, response.status, content[:300])
        found = dict(response.headers)
        found["Content-Length"] = str(response.length if response.stream is not None else len(response.body))
        if found.get("Content-Type", "").startswith("application/json"):
            return response.status, json.loads(content), found
        return response.status, content, found

    def fresh_token(self) -> str:
        if self.clock.now >= self.token_expires - 1:
            form = urlencode(
                {
                    "grant_type": "client_credentials",
                    "client_id": "demo-client",
                    "client_secret": "demo-secret",
                    "scope": EVERY_SCOPE,
                }
            ).encode()
            response = self.emulator.answer("POST", "/Auth/connect/token", {"Content-Type": FORM}, form)
            body = json.loads(response.body)
            assert response.status == 200 and set(body) == {"access_token", "expires_in", "token_type"}
            self.token, self.token_expires = body["access_token"], self.clock.now + body["expires_in"]
        return self.token

    # ------------------------------------------------------------------ users

    @initialize(target=users)
    def seed_users(self):
        status, body, _ = self.send("GET", "/useradmin/users", {"limit": 6})
        assert status == 200
        return multiple(*(u["userId"] for u in body["items"]))

    @rule(
        target=users,
        username=names,
        name=text,
        active=st.booleans(),
        role=st.sampled_from([None, "Agent", "Supervisor"]),
    )
    def create_user(self, username, name, active, role):
        body = {"username": username, "name": name, "email": f"{username}@example.com", "active": active}
        if role:
            body["userAccountConfiguration"] = {"role": role}
        status, answer, _ = self.send("POST", "/useradmin/users", body=body)
        if not username.strip():
            assert status == 400
            return multiple()
        if status == 409:
            return multiple()
        assert status == 201 and set(answer) == USER_FIELDS and answer["username"] == username
        return answer["userId"]

    @initialize(target=guids)
    def seed_guids(self):
        now = self.clock.now
        status, body, _ = self.send(
            "GET", "/interaction-content/interactions", {"start": iso(now - 86400), "end": iso(now), "limit": 5}
        )
        assert status == 200
        return multiple(*(i["guid"] for i in body["items"]))

    @rule(
        user=users,
        changes=st.fixed_dictionaries(
            {},
            optional={
                "name": text,
                "active": st.booleans(),
                "locked": st.booleans(),
                "username": names,
                "userAccountConfiguration": st.fixed_dictionaries(
                    {"role": st.sampled_from(["Agent", "Administrator"])}
                ),
                "email": st.one_of(text, st.integers()),
            },
        ),
    )
    def patch_user(self, user, changes):
        status, answer, _ = self.send("PATCH", f"/useradmin/users/{user}", body=changes)
        assert status in (200, 400, 404, 409)
        if status == 200:
            assert set(answer) == USER_FIELDS and answer["userId"] == user
            for key, value in changes.items():
                if key != "userAccountConfiguration":
                    assert answer[key] == value

    @rule(user=consumes(users))
    def archive_and_delete_user(self, user):
        status, _, _ = self.send("PATCH", f"/useradmin/users/{user}", body={"active": False})
        assert status in (200, 404)
        status, answer, _ = self.send("DELETE", f"/useradmin/users/{user}")
        assert (status, answer) == (200, {}) or status == 404
        assert self.send("GET", f"/useradmin/users/{user}")[0] == 404

    @rule(user=users)
    def delete_without_archiving(self, user):
        status, answer, _ = self.send("GET", f"/useradmin/users/{user}")
        if status == 200 and answer["active"]:
            assert self.send("DELETE", f"/useradmin/users/{user}")[0] == 400

    @rule(page=st.integers(-1, 30), limit=st.one_of(st.none(), st.integers(-1, 5001)))
    def list_users(self, page, limit):
        params = {"page": page, **({"limit": limit} if limit is not None else {})}
        status, body, _ = self.send("GET", "/useradmin/users", params)
        if page < 1 or (limit is not None and not 1 <= limit <= 5000):
            assert status == 400
            return
        assert status == 200 and set(body["meta"]) == PAGED and body["meta"]["page"] == page
        assert body["meta"]["count"] == len(body["items"]) <= (limit or 25)
        assert all(set(u) == USER_FIELDS for u in body["items"])

    @rule(user=users)
    def user_licenses(self, user):
        status, body, _ = self.send(
            "PATCH", f"/useradmin/users/{user}/licenses", body={"licenseTypes": {"analytics": "viewer"}}
        )
        assert status in (200, 404)
        if status == 200:
            assert self.send("GET", f"/useradmin/users/{user}/licenses")[1] == body

    @rule(user=users)
    def put_user_is_405(self, user):
        assert self.send("PUT", f"/useradmin/users/{user}", body={"username": "x"})[0] == 405

    # ------------------------------------------------------- agents, availability

    @rule(skills=st.lists(st.sampled_from(["French", "English", "german", "VIP", "Klingon", ""]), max_size=3))
    def availability(self, skills):
        status, body, _ = self.send("GET", "/agents-availability", {"skillNames": ",".join(skills)})
        if not any(skills):
            assert (status, body) == (400, {"SkillNames": ["The SkillNames field is required."]})
        else:
            assert status == 200 and list(body) == AVAILABILITY_KEYS
            assert all(isinstance(n, int) and n >= 0 for n in body.values())

    @rule(chosen=st.lists(users, max_size=5), extra=st.integers(0, 60))
    def presences(self, chosen, extra):
        ids = list(dict.fromkeys([*chosen, *(f"nobody-{n}" for n in range(extra))]))
        status, body, _ = self.send("GET", "/agents/presences/users", {"userId": ",".join(ids)} if ids else None)
        if not ids or len(ids) > 50:
            assert status == 400
            return
        assert status == 200 and isinstance(body, list)
        assert all(set(p) == {"userId", "updated", "presence"} for p in body)

    @rule(user=users, presence=st.sampled_from(["ready", "lunch", "meeting", "logged-out", "nap", 5]))
    def set_presence(self, user, presence):
        status, body, _ = self.send("PATCH", f"/agents/{user}/presence", body={"presenceId": presence})
        assert status in (200, 400, 404)
        if status == 200:
            assert body["presence"]["presenceId"] == presence
            assert self.send("GET", f"/agents/{user}/presence")[1] == body

    # -------------------------------------------------------------------- stats

    @rule(
        path=st.sampled_from(STATS_PATHS),
        start=st.one_of(st.none(), hours),
        span=st.one_of(st.none(), hours),
        page=st.integers(0, 4),
        limit=st.sampled_from([1, 10, 1000, 1001]),
    )
    def stats_page(self, path, start, span, page, limit):
        now = self.clock.now
        params: dict = {"page": page, "limit": limit}
        begin = end = None
        if start is not None:
            begin, end = now + start * 3600, now
            params["start"] = iso(begin)
            if span is not None:
                end = now + (start + span) * 3600
                params["end"] = iso(end)
        status, body, _ = self.send("GET", path, params)
        windowed = catalog.window_limit("GET", path) is not None
        too_long = windowed and begin is not None and end - begin > 31 * 86400
        if page < 1 or limit > 1000 or (windowed and (begin is None or end <= begin or too_long)):
            assert status == 400 and set(body) == {"statusCode", "error", "message"}
            if too_long:
                assert body["message"] == "Request window size limit exceeded 31 days"
            return
        assert status == 200 and set(body) == {"items", "meta"}
        assert set(body["meta"]) == PAGED | {"upTo"} and body["meta"]["page"] == page
        assert body["meta"]["count"] == len(body["items"]) <= limit
        assert body["meta"]["upTo"] <= iso(now)

    # ------------------------------------------------------- interaction content

    @rule(
        target=guids,
        start=st.integers(-24 * 9, 0),
        span=st.integers(-2, 24 * 8),
        limit=st.sampled_from([1, 7, 50, 1000, 1001]),
        pages=st.integers(1, 3),
    )
    def content_search(self, start, span, limit, pages):
        now = self.clock.now
        params = {"start": iso(now + start * 3600), "end": iso(now + (start + span) * 3600), "limit": limit}
        status, body, _ = self.send("GET", "/interaction-content/interactions", params)
        if span <= 0 or span > 24 * 7 or limit > 1000:
            assert status == 400 and list(body) == ["message"]
            return multiple()
        found = []
        for _ in range(pages):
            assert status == 200 and set(body) == {"items", "meta"} and set(body["meta"]) == {"nextContinuationToken"}
            assert len(body["items"]) <= limit
            for item in body["items"]:
                assert set(item) == CONTENT_ITEM and item["direction"] in ("inbound", "outbound")
                assert item["handlingAgents"] and all(
                    set(c) == {"contentKey", "type", "contentType", "contentLength", "lastModified", "properties"}
                    for c in item["content"]
                )
            found += body["items"]
            token = body["meta"]["nextContinuationToken"]
            if token is None:
                break
            status, body, _ = self.send(
                "GET", "/interaction-content/interactions", {**params, "continuationToken": token}
            )
        starts = [i["start"] for i in found]
        assert starts == sorted(starts) and len({i["guid"] for i in found}) == len(found)
        return multiple(*(i["guid"] for i in found[:5]))

    @rule(token=st.text(max_size=40))
    def garbled_continuation_token(self, token):
        now = self.clock.now
        params = {"start": iso(now - 3600), "end": iso(now), "continuationToken": token}
        status, body, _ = self.send("GET", "/interaction-content/interactions", params)
        assert status == 400 and list(body) == ["message"]

    @rule(
        chosen=st.lists(guids, max_size=4),
        junk=st.lists(st.sampled_from(["x", "", "00000000-0000-4000-8000-000000000000"]), max_size=2),
    )
    def delete_batch(self, chosen, junk):
        status, body, _ = self.send(
            "POST", "/interaction-content/interactions/delete-batch", body={"guids": [*chosen, *junk]}
        )
        assert status == 200 and set(body) == {"failures"}
        assert sorted(f["guid"] for f in body["failures"]) == sorted(j for j in junk if not GUID.match(j))
        for guid in chosen:
            assert self.send("GET", f"/interaction-content/interactions/{guid}")[0] == 404

    @rule(guid=guids, whole=st.booleans())
    def delete_interaction_or_recording(self, guid, whole):
        path = f"/interaction-content/interactions/{guid}" + ("" if whole else "/content/callRecording")
        assert self.send("DELETE", path)[:2] == (200, {})

    @rule(
        guid=guids,
        key=st.sampled_from(["callRecording", "transcript", "video"]),
        span=st.one_of(st.none(), st.tuples(st.integers(0, 5000), st.integers(0, 5000))),
    )
    def download(self, guid, key, span):
        headers = {"Range": f"bytes={span[0]}-{span[1]}"} if span else None
        status, content, found = self.send(
            "GET", f"/interaction-content/interactions/{guid}/content/{key}", headers=headers
        )
        assert status in (200, 206, 404, 416)
        if status in (200, 206) and key == "callRecording":
            assert len(content) == int(found["Content-Length"])

    # -------------------------------------------------------- refusals, the clock

    @rule(
        path=st.sampled_from(
            [
                "/stats/agent-status",
                "/useradmin/users",
                "/agents/presence-definitions",
                "/interaction-content/interactions",
                "/webhooks/subscriptions",
            ]
        ),
        authorization=st.sampled_from([None, "Bearer nope", "Basic Zm9vOmJhcg==", "Bearer "]),
    )
    def bad_token(self, path, authorization):
        status, body, found = self.send("GET", path, authorization=authorization)
        assert status == 401 and found["WWW-Authenticate"].startswith("Bearer")
        if path.startswith("/agents/"):
            assert body == {"message": "Authorization has been denied for this request."}
        else:
            assert body["error"] in ("invalid_request", "invalid_token")

    @rule(
        path=st.sampled_from(
            [
                "/stats/agent-status",
                "/useradmin/users",
                "/agents/presence-definitions",
                "/interaction-content/interactions",
                "/webhooks/subscriptions",
            ]
        ),
        accept=st.sampled_from([None, "*/*", "application/json", 0, 5, 99]),
    )
    def bad_accept(self, path, accept):
        status, body, _ = self.send("GET", path, accept=accept)
        assert status == 400, (path, accept, body)
        assert isinstance(body, dict) and ("message" in body or body["error"]["code"])

    @rule(seconds=st.integers(0, 3 * 3600))
    def time_passes(self, seconds):
        self.clock.now += seconds

    @rule(
        body=st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
            max_leaves=6,
        ),
        write=st.sampled_from(
            [
                ("POST", "/useradmin/users"),
                ("POST", "/webhooks/subscriptions"),
                ("POST", "/interaction-content/interactions/delete-batch"),
                ("POST", "/globalpci/v1/session"),
                ("POST", "/interactions/invoke"),
                ("POST", "/interaction-content-export/interactions/jobs/schedule-batch-export"),
            ]
        ),
    )
    def any_json_body(self, body, write):
        self.send(*write, body=body)  # any status but a 5xx


EmulatorMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
test_random_documented_requests_never_get_a_5xx_and_keep_documented_shapes = EmulatorMachine.TestCase
