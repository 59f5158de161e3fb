"""SPEC section 4, `vcc emulator`: the emulated APIs answer as VCC's documentation says
(shared/reference/vcc-api-facts.md): bearer, scope and Accept checks with each API's
error bodies, the documented shapes, paging styles and limits."""

from __future__ import annotations

import io
import re
import wave

import pytest

from vcc_cli import catalog
from vcc_cli.emulator import Emulator, data
from vcc_cli.emulator.data import iso

V1, V2, V3, V4 = (f"application/vnd.newvoicemedia.v{n}+json" for n in (1, 2, 3, 4))
JSON_V6 = "application/json;version=6"
DAY = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-02T00:00:00Z"}
CONTENT = "interaction-content:read"
DELETE = "interaction-content:delete"
AVAILABILITY = "agents-availability:read"
STATS_400 = {"statusCode": 400, "error": "Bad Request"}
MISSING = {"error": "invalid_request", "error_description": "The access token is missing"}
INVALID = {"error": "invalid_token", "error_description": "The access token is invalid or has expired"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def search(call, **params):
    response = call("GET", "/interaction-content/interactions", CONTENT, V3, params={**DAY, **params})
    assert response.status_code == 200, response.text
    return response.json()


def first_interaction(call) -> dict:
    return search(call, limit=1)["items"][0]


def recording_path(call) -> str:
    return f"/interaction-content/interactions/{first_interaction(call)['guid']}/content/callRecording"


def a_user(call, n: int = 0) -> dict:
    return call("GET", "/useradmin/users", "users:read", V4).json()["items"][n]


def all_pages(call, path, scope, accept, params) -> list[dict]:
    """Every item of a continuation-token collection, following nextContinuationToken."""
    items, token = [], None
    for _ in range(10_000):
        sent = dict(params) if token is None else {**params, "continuationToken": token}
        body = call("GET", path, scope, accept, params=sent).json()
        items += body["items"]
        token = body["meta"]["nextContinuationToken"]
        if token is None:
            return items
    raise AssertionError("the continuation tokens never ended")


# ------------------------------------------------------- bearer and scopes


def test_missing_token_is_401_the_access_token_is_missing(call):
    response = call("GET", "/stats/agent-status", None, V3)

    assert response.status_code == 401
    assert response.json() == MISSING
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_is_401_invalid_token(http, emulator):
    response = http.get(emulator.url + "/stats/agent-status", headers={"Authorization": "Bearer nope", "Accept": V3})

    assert response.status_code == 401
    assert response.json() == INVALID
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_token_expires_after_7200_seconds_with_401_invalid_token(http, emulator, token, clock):
    headers = {"Authorization": "Bearer " + token("stats"), "Accept": V3}
    clock.advance(7199)
    assert http.get(emulator.url + "/stats/agent-status", headers=headers).status_code == 200
    clock.advance(1)
    response = http.get(emulator.url + "/stats/agent-status", headers=headers)

    assert response.status_code == 401
    assert response.json() == INVALID


def test_apis_with_undocumented_401_bodies_answer_the_stats_bodies(call, http, emulator):
    # undocumented for them: the emulator uses the Stats bodies
    assert call("GET", "/useradmin/users", None, V4).json() == MISSING
    bad = {"Authorization": "Bearer nope", "Accept": V3}
    assert http.get(emulator.url + "/interaction-content/interactions", headers=bad).json() == INVALID


@pytest.mark.parametrize("authorization", [None, "Bearer nope"])
def test_agents_api_401_is_authorization_has_been_denied(http, emulator, authorization):
    headers = {"Accept": V1, **({"Authorization": authorization} if authorization else {})}
    response = http.get(emulator.url + "/agents/presence-definitions", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"message": "Authorization has been denied for this request."}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_stats_token_without_the_stats_scope_is_401_unauthorized(call):
    response = call("GET", "/stats/agent-status", "users:read", V3)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert 'scope="stats"' in response.headers["WWW-Authenticate"]


def test_token_without_any_accepted_scope_is_403_naming_the_first_choice(call):
    response = call("GET", "/useradmin/users", "stats", V4)

    assert response.status_code == 403
    assert 'error="insufficient_scope", scope="users:read"' in response.headers["WWW-Authenticate"]
    assert "users:read or users:write" in response.json()["message"]


@pytest.mark.parametrize(
    "path, scope, accept",
    [
        ("/useradmin/users", "users:write", V4),
        ("/agents/presence-definitions", "admin:read", V1),
        ("/agents/presence-definitions", "self:write", V1),
    ],
)
def test_any_one_accepted_scope_suffices(call, path, scope, accept):
    assert call("GET", path, scope, accept).status_code == 200


def test_read_scope_does_not_allow_writes(call):
    response = call("PATCH", f"/useradmin/users/{a_user(call)['userId']}", "users:read", V4, json={"active": False})

    assert response.status_code == 403
    assert 'scope="users:write"' in response.headers["WWW-Authenticate"]


def test_every_catalog_endpoint_refuses_scopes_it_does_not_accept(call):
    for api in catalog.APIS:
        for endpoint in api.endpoints:
            other = next(s for s in catalog.all_scopes() if s not in endpoint.scopes)
            path = endpoint.path.replace("{", "x").replace("}", "")
            response = call(endpoint.method, path, other, catalog.accept_header(endpoint.method, path))
            expected = 401 if api is catalog.INSIGHTS_STATS_API else 403
            assert response.status_code == expected, (endpoint.method, path)
            assert f'scope="{endpoint.scope}"' in response.headers["WWW-Authenticate"]


# ------------------------------------------------------------------ Accept


def test_stats_without_a_version_is_400_invalid_accept_header(call):
    for accept in (None, "application/json", "*/*"):
        response = call("GET", "/stats/agent-status", "stats", accept)
        assert response.status_code == 400
        assert response.json() == {**STATS_400, "message": "Invalid Accept header!"}


def test_user_admin_without_a_version_is_400_version_missing_from_accept_header(call):
    response = call("GET", "/useradmin/users", "users:read", "application/json")

    assert response.status_code == 400
    assert response.json() == {"message": "Version missing from Accept header!"}


def test_agents_without_a_version_is_400_api_version_unspecified(call):
    response = call("GET", "/agents/presence-definitions", "users:read", None)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ApiVersionUnspecified"


def test_interaction_content_with_another_version_is_400_listing_the_valid_values(call):
    response = call("GET", "/interaction-content/interactions", CONTENT, V1, params=DAY)

    assert response.status_code == 400
    assert response.json() == {
        "message": "Invalid api-version! Valid values: "
        "'application/vnd.newvoicemedia.v2+json', 'application/vnd.newvoicemedia.v3+json'"
    }


def test_other_apis_without_a_version_answer_a_small_message(call):
    response = call("GET", "/agents-availability", AVAILABILITY, None, params={"skillNames": "French"})

    assert response.status_code == 400
    assert list(response.json()) == ["message"] and V1 in response.json()["message"]


def test_every_api_takes_the_catalog_versions_and_no_other(call):
    probes = {
        "/agents-availability": ("/agents-availability?skillNames=French", AVAILABILITY),
        "/stats": ("/stats/agent-status", "stats"),
        "/useradmin": ("/useradmin/users", "users:read"),
        "/agents": ("/agents/presence-definitions", "users:read"),
        "/interaction-content": (
            "/interaction-content/interactions?" + "&".join(f"{k}={v}" for k, v in DAY.items()),
            CONTENT,
        ),
        "/conversation-analyzer": ("/conversation-analyzer/status", CONTENT),
        "/webhooks": ("/webhooks/subscriptions", "admin:read"),
    }
    for prefix, (path, scope) in probes.items():
        for version in catalog.accepted_versions("GET", path):
            assert call("GET", path, scope, f"application/vnd.newvoicemedia.v{version}+json").status_code == 200, path
        assert call("GET", path, scope, "application/vnd.newvoicemedia.v99+json").status_code == 400, prefix


def test_accept_may_list_several_types(call):
    assert call("GET", "/useradmin/users", "users:read", f"text/html, {V4};q=0.9").status_code == 200
    assert call("GET", "/useradmin/users", "users:read", f"{V4};q=0").status_code == 400


def test_interactions_api_takes_vnd_v1_not_json_version_6(call):
    body = {"route": "support-chat", "reference": "case-42"}

    assert call("POST", "/interactions/invoke", "interactions:write", V1, json=body).status_code == 201
    assert call("POST", "/interactions/invoke", "interactions:write", JSON_V6, json=body).status_code == 400


# ----------------------------------------------------------------- routing


def test_unknown_path_under_known_prefix_is_404_json(call):
    response = call("GET", "/useradmin/no-such-thing", "users:read", V4)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "message" in response.json()


def test_path_outside_every_api_is_404(http, emulator):
    response = http.get(emulator.url + "/not-an-api/at-all")

    assert response.status_code == 404
    assert response.json()["message"]


def test_prefix_matches_whole_segments_only(http, emulator):
    assert http.get(emulator.url + "/statsx/agent-status").status_code == 404


def test_wrong_method_is_405_with_allow(call):
    response = call("DELETE", "/useradmin/users", "users:write", V4)

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_json_responses_have_charset_and_date(call):
    response = call("GET", "/agents/presence-definitions", "users:read", V1)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$", response.headers["Date"])
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_every_catalog_endpoint_is_served(emulator, http, token):
    """No catalogued endpoint is a 4xx/5xx in the emulator, with the scope and
    Accept header the catalog gives for it (the two cannot drift apart)."""
    bearer = {"Authorization": "Bearer " + token(" ".join(catalog.all_scopes())), "Content-Type": "application/json"}
    user_id = http.get(emulator.url + "/useradmin/users", headers={**bearer, "Accept": V4}).json()["items"][0]["userId"]
    skill_id = emulator.state.skills[user_id][0]["id"]
    session = http.post(emulator.url + "/globalpci/v1/session", json={}, headers={**bearer, "Accept": V1}).json()
    subscription = http.post(
        emulator.url + "/webhooks/subscriptions",
        json={"url": "https://example.com/hook", "events": ["interaction.completed"]},
        headers={**bearer, "Accept": V1},
    ).json()
    guid = http.get(
        emulator.url + "/interaction-content/interactions", params={**DAY, "limit": 1}, headers={**bearer, "Accept": V3}
    ).json()["items"][0]["guid"]
    values = {
        "userId": user_id,
        "skillId": skill_id,
        "groupId": "group-1",
        "guid": guid,
        "contentKey": "callRecording",
        "sessionGuid": session["sessionGuid"],
        "subscriptionId": subscription["subscriptionId"],
    }
    bodies = {
        "PUT": [],
        "PATCH": {"presenceId": "break", "licenseTypes": {"analytics": "viewer"}},
        "POST": {"guids": [], "username": "someone.new", "url": "https://example.com/h", "events": ["x"]},
    }
    params = {"start": DAY["start"], "end": DAY["end"], "userId": user_id, "calls": guid, "skillNames": "English"}
    for api in catalog.APIS:
        for endpoint in api.endpoints:
            if endpoint.method == "DELETE":
                continue  # deleting would break the endpoints after it; tested on their own
            path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], endpoint.path)
            response = http.request(
                endpoint.method,
                emulator.url + path,
                params=params if endpoint.method == "GET" else None,
                json=bodies.get(endpoint.method),
                headers={**bearer, "Accept": catalog.accept_header(endpoint.method, path)},
            )
            assert response.status_code < 300, (endpoint.method, path, response.status_code, response.text[:200])


# ----------------------------------------------------- Agent Availability


def test_agent_availability_counts_agents_per_presence_category(call):
    response = call("GET", "/agents-availability", AVAILABILITY, V1, params={"skillNames": "French,English"})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["Ready", "Away", "Extended Away", "Logged Out"]
    assert all(isinstance(n, int) and n >= 0 for n in body.values()) and sum(body.values()) > 0


def test_agent_availability_without_skill_names_is_400_skillnames_required(call):
    for params in ({}, {"skillNames": ""}):
        response = call("GET", "/agents-availability", AVAILABILITY, V1, params=params)
        assert response.status_code == 400
        assert response.json() == {"SkillNames": ["The SkillNames field is required."]}


def test_agent_availability_counts_agents_having_all_the_skills(call):
    def total(skills):
        return sum(call("GET", "/agents-availability", AVAILABILITY, V1, params={"skillNames": skills}).json().values())

    assert 0 < total("French,English") < total("French")
    assert total("french") == total("French")
    assert total("Klingon") == 0


def test_agent_availability_still_answers_after_a_user_is_created(call):
    created = call(
        "POST",
        "/useradmin/users",
        "users:write",
        V4,
        json={"username": "ana", "name": "Ana Silva", "email": "ana@example.com", "active": True},
    )
    assert created.status_code == 201

    assert call("GET", "/agents-availability", AVAILABILITY, V1, params={"skillNames": "French"}).status_code == 200


# --------------------------------------------------------------- Agents API

PRESENCE_KEYS = {"presenceId", "selectable", "category", "description"}


def test_presence_definitions_are_under_presence_definitions(call):
    body = call("GET", "/agents/presence-definitions", "users:read", V1).json()

    assert list(body) == ["presenceDefinitions"]
    for definition in body["presenceDefinitions"]:
        assert set(definition) == PRESENCE_KEYS
        assert set(definition["category"]) == {"categoryType", "description"}
    categories = {d["category"]["description"] for d in body["presenceDefinitions"]}
    assert categories == {"Ready", "Away", "Extended Away", "Logged Out"}


def test_agent_presence_has_the_documented_shape(call):
    user = a_user(call)
    presence = call("GET", f"/agents/{user['userId']}/presence", "users:read", V1).json()

    assert set(presence) == {"userId", "updated", "presence"}
    assert presence["userId"] == user["userId"]
    assert set(presence["presence"]) == PRESENCE_KEYS


def test_presences_of_users_is_a_bare_array(call):
    ids = [a_user(call, n)["userId"] for n in range(3)]
    response = call("GET", "/agents/presences/users", "users:read", V1, params={"userId": ",".join(ids)})

    assert response.status_code == 200
    assert [p["userId"] for p in response.json()] == ids


def test_presences_of_more_than_50_users_is_400(call):
    users = call("GET", "/useradmin/users", "users:read", V4, params={"limit": 51}).json()["items"]
    ids = ",".join(u["userId"] for u in users)

    assert call("GET", "/agents/presences/users", "users:read", V1, params={"userId": ids}).status_code == 400
    fifty = ",".join(u["userId"] for u in users[:50])
    assert len(call("GET", "/agents/presences/users", "users:read", V1, params={"userId": fifty}).json()) == 50


def test_agent_presence_is_set_with_a_presence_id(call):
    user = next(u for n in range(20) if (u := a_user(call, n))["active"])
    path = f"/agents/{user['userId']}/presence"

    answer = call("PATCH", path, "users:write", V1, json={"presenceId": "lunch"})
    assert answer.status_code == 200 and answer.json()["presence"]["presenceId"] == "lunch"
    assert call("GET", path, "users:read", V1).json()["presence"]["description"] == "Lunch"
    assert call("PATCH", path, "users:write", V1, json={"presenceId": "nap"}).status_code == 400
    assert (
        call("PATCH", path, "users:write", V1, json={"presenceId": "logged-out"}).status_code == 400
    )  # not selectable


# ------------------------------------------------------------ Insights Stats

WINDOW = {"start": "2024-06-01T10:00:00Z", "end": "2024-06-01T12:00:00Z"}


def test_stats_activity_items_have_the_documented_fields(call):
    items = call("GET", "/stats/agent-activities", "stats", V3, params=WINDOW).json()["items"]

    assert items
    fields = {"agentId", "type", "category", "name", "start", "duration", "reason", "interaction", "workload"}
    assert all(set(item) == fields for item in items)
    assert all(isinstance(item["duration"], int) and item["duration"] >= 1000 for item in items)  # milliseconds
    kinds = call("GET", "/stats/agent-activities/presence", "stats", V3, params=WINDOW).json()["items"]
    assert {i["type"] for i in kinds} == {"presence"}


def test_stats_interaction_items_have_the_documented_fields(call):
    items = call("GET", "/stats/interactions", "stats", V3, params=WINDOW).json()["items"]

    assert items
    for item in items:
        assert {
            "guid",
            "medium",
            "mediumManager",
            "direction",
            "connectFrom",
            "connectTo",
            "duration",
            "channels",
        } <= set(item)
        assert item["duration"] >= 45_000  # milliseconds
    one = call("GET", f"/stats/interactions/{items[0]['guid']}", "stats", V3)
    assert one.json() == items[0]


def test_wfm_agent_state_items_have_the_documented_fields(call):
    items = call("GET", "/stats/wfm/agent-states", "stats", V3, params=WINDOW).json()["items"]

    assert items and all(set(i) == {"agentId", "start", "duration", "state", "description"} for i in items)


def test_stats_pages_are_numbered_from_1_with_meta_up_to(call):
    body = call("GET", "/stats/agent-activities", "stats", V3, params={**WINDOW, "limit": 25}).json()

    assert set(body) == {"items", "meta"}
    assert body["meta"]["page"] == 1 and body["meta"]["count"] == 25
    assert body["meta"]["pageCount"] == -(-body["meta"]["totalCount"] // 25)
    assert body["meta"]["upTo"] == WINDOW["end"]
    assert call("GET", "/stats/agent-activities", "stats", V3, params={**WINDOW, "page": 0}).status_code == 400


def test_stats_pages_cover_the_window_exactly(call):
    window = {**WINDOW, "limit": 25}
    first = call("GET", "/stats/agent-activities", "stats", V3, params=window).json()
    items = []
    for page in range(1, first["meta"]["pageCount"] + 1):
        items += call("GET", "/stats/agent-activities", "stats", V3, params={**window, "page": page}).json()["items"]

    assert len(items) == first["meta"]["totalCount"] > 25
    assert all(WINDOW["start"] <= i["start"] < WINDOW["end"] for i in items)
    assert len({(i["agentId"], i["start"], i["type"]) for i in items}) == len(items)


def test_stats_limit_over_1000_is_400(call):
    response = call("GET", "/stats/agent-activities", "stats", V3, params={**WINDOW, "limit": 1001})

    assert response.status_code == 400
    assert response.json()["statusCode"] == 400 and "limit" in response.json()["message"]
    assert call("GET", "/stats/agent-activities", "stats", V3, params={**WINDOW, "limit": 1000}).status_code == 200


def test_windowed_stats_need_start(call):
    for path in (
        "/stats/agent-activities",
        "/stats/interactions",
        "/stats/wfm/agent-states",
        "/stats/wfm/queue-activity",
    ):
        response = call("GET", path, "stats", V3, params={"end": WINDOW["end"]})
        assert response.status_code == 400, path
        assert "start" in response.json()["message"]


def test_windowed_stats_end_defaults_to_now(call, clock):
    start = iso(clock.now - 3600)
    body = call("GET", "/stats/interactions", "stats", V3, params={"start": start}).json()

    assert body["meta"]["upTo"] == iso(clock.now)
    assert body["items"] and all(start <= i["start"] <= iso(clock.now) for i in body["items"])


def test_stats_window_over_31_days_is_400(call):
    params = {"start": "2024-06-01T00:00:00Z", "end": "2024-07-02T00:00:01Z"}
    response = call("GET", "/stats/agent-activities", "stats", V3, params=params)

    assert response.status_code == 400
    assert response.json() == {**STATS_400, "message": "Request window size limit exceeded 31 days"}
    params["end"] = "2024-07-02T00:00:00Z"
    assert call("GET", "/stats/agent-activities", "stats", V3, params=params).status_code == 200


def test_stats_hold_no_data_after_now(call, clock):
    params = {"start": iso(clock.now - 1800), "end": iso(clock.now + 86400)}
    body = call("GET", "/stats/agent-activities", "stats", V3, params=params).json()

    assert body["meta"]["upTo"] == iso(clock.now)
    assert all(i["start"] <= iso(clock.now) for i in body["items"])


@pytest.mark.parametrize("path", ["/stats/interactions/ongoing", "/stats/queue-times", "/stats/agent-status"])
def test_live_stats_answer_pages_without_a_window(call, clock, path):
    clock.now = 1_800_000_000.0  # a Friday, 08:00 UTC: some minutes of a generated day have no call going on
    body = call("GET", path, "stats", V3).json()

    assert body["items"] and body["meta"]["page"] == 1 and body["meta"]["upTo"] == iso(clock.now)
    assert body["meta"]["count"] == len(body["items"])


def test_ongoing_interactions_are_in_progress_now(call, clock):
    for item in call("GET", "/stats/interactions/ongoing", "stats", V3).json()["items"]:
        assert item["start"] <= iso(clock.now)


def test_wfm_queue_activity_pages_queues_by_interval(call):
    body = call("GET", "/stats/wfm/queue-activity", "stats", V3, params=WINDOW).json()

    assert body["meta"]["totalCount"] == 8 * 5  # 2 hours of 15-minute intervals, 5 queues
    assert {i["start"] for i in body["items"]} == {
        f"2024-06-01T{h}:{m}:00Z" for h in ("10", "11") for m in ("00", "15", "30", "45")
    }


def test_unknown_stats_interaction_is_404(call):
    response = call("GET", "/stats/interactions/not-a-guid", "stats", V3)

    assert response.status_code == 404
    assert response.json()["statusCode"] == 404


# ------------------------------------------------------- Interaction Content


def test_content_search_needs_start_and_end(call):
    for params in ({}, {"start": DAY["start"]}, {"end": DAY["end"]}):
        response = call("GET", "/interaction-content/interactions", CONTENT, V3, params=params)
        assert response.status_code == 400, params
        assert "start and end" in response.json()["message"]


def test_content_search_window_over_7_days_is_400(call):
    params = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-08T00:00:01Z"}

    assert call("GET", "/interaction-content/interactions", CONTENT, V3, params=params).status_code == 400
    params["end"] = "2024-06-08T00:00:00Z"
    assert call("GET", "/interaction-content/interactions", CONTENT, V3, params=params).status_code == 200


def test_content_search_limit_over_1000_is_400(call):
    assert (
        call("GET", "/interaction-content/interactions", CONTENT, V3, params={**DAY, "limit": 1001}).status_code == 400
    )
    day = data.INTERACTIONS.slots(data.parse_iso(DAY["start"]), data.parse_iso(DAY["end"]))
    assert len(search(call, limit=1000)["items"]) == len(day)  # one page holds the whole day


def test_content_items_have_handling_agents_and_content(call):
    body = search(call, limit=5)

    assert set(body) == {"items", "meta"} and set(body["meta"]) == {"nextContinuationToken"}
    for item in body["items"]:
        assert set(item) == {"guid", "start", "connectFrom", "connectTo", "direction", "handlingAgents", "content"}
        assert GUID.match(item["guid"]) and item["direction"] in ("inbound", "outbound")
        assert item["handlingAgents"] and set(item["handlingAgents"][0]) == {"id"}
        for content in item["content"]:
            assert set(content) == {"contentKey", "type", "contentType", "contentLength", "lastModified", "properties"}
        assert item["content"][0]["contentKey"] == "callRecording"
        assert item["content"][0]["contentType"] == "audio/wav"


def test_content_search_pages_with_continuation_tokens(call):
    everything = search(call, limit=1000)["items"]
    paged = all_pages(call, "/interaction-content/interactions", CONTENT, V3, {**DAY, "limit": 30})

    assert paged == everything
    assert search(call, limit=1000)["meta"]["nextContinuationToken"] is None


def test_continuation_token_alone_continues_the_search(call):
    token = search(call, limit=3)["meta"]["nextContinuationToken"]
    alone = call("GET", "/interaction-content/interactions", CONTENT, V3, params={"continuationToken": token})

    assert alone.status_code == 200
    assert alone.json()["items"][0] == search(call, limit=4)["items"][3]


@pytest.mark.parametrize("garbled", ["garbage", "", "MToxOjI6Mzo0", "%%%", "a" * 500])
def test_unknown_or_garbled_continuation_token_is_400(call, garbled):
    params = {**DAY, "continuationToken": garbled}
    response = call("GET", "/interaction-content/interactions", CONTENT, V3, params=params)

    assert response.status_code == 400
    assert "continuationToken" in response.json()["message"]


def test_tampered_continuation_token_is_400(call):
    import base64

    token = search(call, limit=3)["meta"]["nextContinuationToken"]
    text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    head, slot, signature = text.rsplit(":", 2)
    forged = base64.urlsafe_b64encode(f"{head}:{int(slot) + 1}:{signature}".encode()).decode()

    response = call(
        "GET", "/interaction-content/interactions", CONTENT, V3, params={**DAY, "continuationToken": forged}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("numbers", [(10**400, 10**400 + 1, 0), (0, 10**400, 0), (0, 1000, -1)])
def test_a_forged_continuation_token_with_absurd_numbers_is_400_not_500(call, numbers):
    from vcc_cli.emulator.resources import encode_continuation

    params = {"continuationToken": encode_continuation(*numbers)}
    assert call("GET", "/interaction-content/interactions", CONTENT, V3, params=params).status_code == 400


def test_continuation_token_of_another_window_is_400(call):
    token = search(call, limit=3)["meta"]["nextContinuationToken"]
    params = {"start": "2024-06-03T00:00:00Z", "end": "2024-06-04T00:00:00Z", "continuationToken": token}

    assert call("GET", "/interaction-content/interactions", CONTENT, V3, params=params).status_code == 400


def test_continuation_token_survives_a_restart(call, http):
    token = search(call, limit=3)["meta"]["nextContinuationToken"]
    expected = [i["guid"] for i in search(call, limit=6)["items"][3:]]
    with Emulator() as other:
        bearer = _token(http, other, CONTENT)
        again = http.get(
            other.url + "/interaction-content/interactions",
            params={**DAY, "limit": 3, "continuationToken": token},
            headers={"Authorization": f"Bearer {bearer}", "Accept": V3},
        )
    assert again.status_code == 200 and [i["guid"] for i in again.json()["items"]] == expected


def test_deleting_interactions_does_not_break_paging(call):
    page = search(call, limit=10)
    token = page["meta"]["nextContinuationToken"]
    rest = search(call, limit=1000)["items"][10:]
    guids = [page["items"][-1]["guid"], rest[0]["guid"], rest[1]["guid"]]  # before and right after the token
    assert call("POST", "/interaction-content/interactions/delete-batch", DELETE, V3, json={"guids": guids}).ok

    after = all_pages(
        call, "/interaction-content/interactions", CONTENT, V3, {**DAY, "limit": 10, "continuationToken": token}
    )
    assert [i["guid"] for i in after] == [i["guid"] for i in rest[2:]]


def test_delete_interaction_answers_200_with_an_empty_object(call):
    items = search(call, limit=3)["items"]
    guid = items[1]["guid"]
    response = call("DELETE", f"/interaction-content/interactions/{guid}", DELETE, V3)

    assert response.status_code == 200 and response.json() == {}
    assert call("GET", f"/interaction-content/interactions/{guid}", CONTENT, V3).status_code == 404
    assert [i["guid"] for i in search(call, limit=2)["items"]] == [items[0]["guid"], items[2]["guid"]]
    assert call("DELETE", f"/interaction-content/interactions/{guid}", DELETE, V3).json() == {}  # again: still fine


def test_delete_content_answers_200_with_an_empty_object(call):
    path = recording_path(call)
    response = call("DELETE", path, DELETE, V3)

    assert response.status_code == 200 and response.json() == {}
    assert call("GET", path, CONTENT, V3).status_code == 404
    item = first_interaction(call)
    assert "callRecording" not in [c["contentKey"] for c in item["content"]]


def test_delete_batch_answers_failures_and_missing_interactions_count_as_success(call):
    guids = [i["guid"] for i in search(call, limit=3)["items"]]
    body = {"guids": [*guids, "00000000-0000-4000-8000-000000000000", guids[0]]}
    response = call("POST", "/interaction-content/interactions/delete-batch", DELETE, V3, json=body)

    assert response.status_code == 200
    assert response.json() == {"failures": []}
    assert [i["guid"] for i in search(call, limit=3)["items"]] != guids[:3]
    again = call("POST", "/interaction-content/interactions/delete-batch", DELETE, V3, json={"guids": guids})
    assert again.json() == {"failures": []}


def test_delete_batch_reports_what_is_not_a_guid_in_failures(call):
    response = call(
        "POST", "/interaction-content/interactions/delete-batch", DELETE, V3, json={"guids": ["not-a-guid"]}
    )

    assert response.status_code == 200
    assert response.json() == {
        "failures": [{"guid": "not-a-guid", "message": "Invalid interaction GUID", "statusCode": 400}]
    }


def test_delete_batch_of_more_than_1000_guids_is_400(call):
    body = {"guids": ["00000000-0000-4000-8000-000000000000"] * 1001}
    assert call("POST", "/interaction-content/interactions/delete-batch", DELETE, V3, json=body).status_code == 400


def test_delete_needs_interaction_content_delete_scope(call):
    refused = call("DELETE", f"/interaction-content/interactions/{first_interaction(call)['guid']}", CONTENT, V3)

    assert refused.status_code == 403
    assert 'scope="interaction-content:delete"' in refused.headers["WWW-Authenticate"]


def test_recording_is_valid_wav_of_the_announced_length(call):
    item = first_interaction(call)
    response = call("GET", f"/interaction-content/interactions/{item['guid']}/content/callRecording", CONTENT, V3)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == len(response.content) == item["content"][0]["contentLength"]
    with wave.open(io.BytesIO(response.content)) as recording:
        assert recording.getnchannels() == 1
        assert recording.getsampwidth() == 2
        assert recording.getframerate() == 8000
        frames = recording.readframes(recording.getnframes())
    assert len(frames) == len(response.content) - 44
    assert 199_000 < len(response.content) <= 200_000
    assert frames.count(0) < len(frames)  # not silence


def test_range_request_returns_206_slice(call):
    path = recording_path(call)
    whole = call("GET", path, CONTENT, V3).content
    response = call("GET", path, CONTENT, V3, headers={"Range": "bytes=0-1023"})

    assert response.status_code == 206
    assert response.content == whole[:1024]
    assert response.headers["Content-Range"] == f"bytes 0-1023/{len(whole)}"
    assert response.headers["Content-Length"] == "1024"


def test_open_and_suffix_ranges(call):
    path = recording_path(call)
    whole = call("GET", path, CONTENT, V3).content

    assert call("GET", path, CONTENT, V3, headers={"Range": f"bytes={len(whole) - 10}-"}).content == whole[-10:]
    assert call("GET", path, CONTENT, V3, headers={"Range": "bytes=-100"}).content == whole[-100:]


def test_unsatisfiable_range_is_416(call):
    response = call("GET", recording_path(call), CONTENT, V3, headers={"Range": "bytes=999999999-"})

    assert response.status_code == 416
    assert re.match(r"bytes \*/\d+$", response.headers["Content-Range"])


def test_large_recording_is_streamed_not_built_in_memory(http):
    with Emulator(recording_size=4 * 1024**3) as big:  # 4 GiB: only feasible if generated lazily
        auth = {"Authorization": "Bearer " + _token(http, big, CONTENT)}
        guid = http.get(
            big.url + "/interaction-content/interactions", params={**DAY, "limit": 1}, headers={**auth, "Accept": V3}
        ).json()["items"][0]["guid"]
        path = f"{big.url}/interaction-content/interactions/{guid}/content/callRecording"
        head = http.head(path, headers={**auth, "Accept": V3})
        tail = http.get(path, headers={**auth, "Accept": V3, "Range": "bytes=-4096"})
        start = http.get(path, headers={**auth, "Accept": V3, "Range": "bytes=0-43"})

    assert int(head.headers["Content-Length"]) == 4 * 1024**3
    assert head.content == b""
    assert tail.status_code == 206 and len(tail.content) == 4096
    assert start.content[:4] == b"RIFF" and start.content[8:16] == b"WAVEfmt "


def _token(http, emulator, scope):
    return http.post(
        emulator.url + "/Auth/connect/token",
        data={"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
        | {"scope": scope},
    ).json()["access_token"]


def test_transcript_is_json_content_of_the_announced_length(call):
    item = next(i for i in search(call)["items"] if any(c["contentKey"] == "transcript" for c in i["content"]))
    announced = next(c for c in item["content"] if c["contentKey"] == "transcript")
    response = call("GET", f"/interaction-content/interactions/{item['guid']}/content/transcript", CONTENT, V3)

    assert response.status_code == 200
    assert response.json()["segments"]
    assert len(response.content) == announced["contentLength"]


def test_unknown_interaction_is_404(call):
    assert call("GET", "/interaction-content/interactions/not-a-guid", CONTENT, V3).status_code == 404
    path = "/interaction-content/interactions/00000000-0000-4000-8000-000000000000"
    assert call("GET", path, CONTENT, V3).status_code == 404


# ------------------------------------------------------------ User Admin API

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


def test_users_have_the_documented_fields(call):
    users = call("GET", "/useradmin/users", "users:read", V4).json()["items"]

    assert all(set(u) == USER_FIELDS and "role" in u["userAccountConfiguration"] for u in users)
    one = call("GET", f"/useradmin/users/{users[3]['userId']}", "users:read", V4)
    assert one.json() == users[3]


def test_users_pages_are_numbered_from_1_and_meta_page_tells_which(call):
    first = call("GET", "/useradmin/users", "users:read", V4, params={"limit": 70}).json()
    meta = first["meta"]

    assert set(meta) == {"page", "count", "pageCount", "totalCount"}
    assert meta["page"] == 1 and meta["totalCount"] >= 200
    assert meta["pageCount"] == -(-meta["totalCount"] // 70)
    seen = []
    for page in range(1, meta["pageCount"] + 1):
        body = call("GET", "/useradmin/users", "users:read", V4, params={"page": page, "limit": 70}).json()
        assert body["meta"]["page"] == page and body["meta"]["count"] == len(body["items"])
        seen += [u["userId"] for u in body["items"]]
    assert len(seen) == len(set(seen)) == meta["totalCount"]
    past = call("GET", "/useradmin/users", "users:read", V4, params={"page": meta["pageCount"] + 1, "limit": 70})
    assert past.json()["items"] == []


def test_users_page_0_is_400(call):
    assert call("GET", "/useradmin/users", "users:read", V4, params={"page": 0}).status_code == 400


def test_users_limit_defaults_to_25_and_is_at_most_5000(call):
    assert len(call("GET", "/useradmin/users", "users:read", V4).json()["items"]) == 25
    assert call("GET", "/useradmin/users", "users:read", V4, params={"limit": 5000}).status_code == 200
    refused = call("GET", "/useradmin/users", "users:read", V4, params={"limit": 5001})
    assert refused.status_code == 400 and "limit" in refused.json()["message"]
    assert call("GET", "/useradmin/users", "users:read", V4, params={"limit": "lots"}).status_code == 400


def test_sample_data_is_deterministic(call, http):
    page = call("GET", "/useradmin/users", "users:read", V4, params={"limit": 5}).json()
    with Emulator() as other:
        headers = {"Authorization": "Bearer " + _token(http, other, "users:read"), "Accept": V4}
        again = http.get(other.url + "/useradmin/users", params={"limit": 5}, headers=headers).json()
    assert page == again


def test_unknown_user_is_404(call):
    assert call("GET", "/useradmin/users/00000000-0000-0000-0000-000000000000", "users:read", V4).status_code == 404


def test_create_user_from_the_documented_fields_is_201_with_the_user(call):
    body = {
        "username": "ana",
        "name": "Ana Silva",
        "email": "ana@example.com",
        "active": True,
        "userAccountConfiguration": {"role": "Supervisor"},
    }
    response = call("POST", "/useradmin/users", "users:write", V4, json=body)

    assert response.status_code == 201
    user = response.json()
    assert set(user) == USER_FIELDS and GUID.match(user["userId"])
    assert {k: user[k] for k in body} == body and user["locked"] is False and user["lastLoginTime"] is None
    assert response.headers["Location"] == f"/useradmin/users/{user['userId']}"
    assert call("GET", response.headers["Location"], "users:read", V4).json() == user


def test_create_user_without_role_is_an_agent(call):
    user = call("POST", "/useradmin/users", "users:write", V4, json={"username": "zed"}).json()

    assert user["userAccountConfiguration"] == {"role": "Agent"} and user["active"] is True


def test_create_user_without_username_is_400(call):
    assert call("POST", "/useradmin/users", "users:write", V4, json={"name": "Nobody"}).status_code == 400


def test_create_user_with_a_taken_username_is_409(call):
    taken = a_user(call)["username"].upper()
    assert call("POST", "/useradmin/users", "users:write", V4, json={"username": taken}).status_code == 409


def test_write_with_bad_json_is_400(call):
    response = call(
        "POST", "/useradmin/users", "users:write", V4, data="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_patch_user_is_a_partial_update(call):
    user = a_user(call)
    path = f"/useradmin/users/{user['userId']}"

    patched = call("PATCH", path, "users:write", V4, json={"name": "Night Shift", "active": False}).json()
    assert patched == {**user, "name": "Night Shift", "active": False}
    assert call("GET", path, "users:read", V4).json() == patched
    assert call("PATCH", path, "users:write", V4, json={"userId": "other"}).status_code == 400
    assert call("PATCH", path, "users:write", V4, json={"active": "no"}).status_code == 400


def test_put_of_a_user_is_405(call):
    response = call("PUT", f"/useradmin/users/{a_user(call)['userId']}", "users:write", V4, json={"username": "x"})

    assert response.status_code == 405
    assert "PUT" not in response.headers["Allow"]


def test_deleting_an_active_user_is_400_archive_it_first(call):
    user = next(u for n in range(20) if (u := a_user(call, n))["active"])
    response = call("DELETE", f"/useradmin/users/{user['userId']}", "users:write", V4)

    assert response.status_code == 400 and "archive" in response.json()["message"]


def test_deleting_an_archived_user_answers_200(call):
    user = a_user(call)
    path = f"/useradmin/users/{user['userId']}"
    assert call("PATCH", path, "users:write", V4, json={"active": False}).status_code == 200

    response = call("DELETE", path, "users:write", V4)
    assert response.status_code == 200
    assert call("GET", path, "users:read", V4).status_code == 404
    assert call("GET", f"/agents/{user['userId']}/presence", "users:read", V1).status_code == 404


def test_user_licenses_are_read_and_patched_as_license_types(call):
    path = f"/useradmin/users/{a_user(call)['userId']}/licenses"
    licenses = call("GET", path, "users:read", V4).json()

    assert set(licenses["licenseTypes"]) == {"analytics", "krispnoisecancellation"}
    changed = call("PATCH", path, "users:write", V4, json={"licenseTypes": {"analytics": "creator"}})
    assert changed.status_code == 200 and changed.json()["licenseTypes"]["analytics"] == "creator"
    assert call("GET", path, "users:read", V4).json() == changed.json()
    assert call("PATCH", path, "users:write", V4, json={"licenseTypes": {"analytics": "owner"}}).status_code == 400


# ------------------------------------------- Payment, Export, Webhooks, Interactions


def test_payment_session_has_the_documented_fields(call):
    created = call("POST", "/globalpci/v1/session", "globalpci", V1, json={"callGuid": "c-1"})

    assert created.status_code == 201
    fetched = call("GET", f"/globalpci/v1/session/{created.json()['sessionGuid']}", "globalpci", V1).json()
    assert set(fetched) == {
        "lastUpdatedOn",
        "callGuid",
        "createdOn",
        "sessionGuid",
        "paymentResultData",
        "sessionState",
        "providerSessionGuid",
    }
    assert fetched == created.json() and fetched["callGuid"] == "c-1"


@pytest.mark.parametrize(
    "path",
    [
        "/interaction-content-export/interactions/jobs/schedule-batch-export",
        "/interaction-content-export/interactions/jobs/schedule-recurring-export",
    ],
)
def test_export_jobs_answer_a_job_id(call, path):
    body = {"startDate": "2024-06-01T00:00:00Z", "externalStorageId": "s-1", "filters": {}}
    response = call("POST", path, CONTENT, V1, json=body)

    assert response.status_code == 200
    assert list(response.json()) == ["jobId"] and GUID.match(response.json()["jobId"])


def test_webhook_subscriptions_are_created_read_patched_and_deleted(call):
    body = {
        "name": "crm",
        "url": "https://crm.example.com/hook",
        "events": ["interaction.completed"],
        "enabled": True,
        "secret": "s3cret",
    }
    created = call("POST", "/webhooks/subscriptions", "admin:write", V1, json=body)

    assert created.status_code == 201
    sub = created.json()
    assert set(sub) == {"subscriptionId", "name", "url", "events", "enabled"}  # the secret is never shown
    path = f"/webhooks/subscriptions/{sub['subscriptionId']}"
    assert call("GET", path, "admin:read", V1).json() == sub
    patched = call("PATCH", path, "admin:write", V1, json={"enabled": False}).json()
    assert patched == {**sub, "enabled": False}
    assert call("DELETE", path, "admin:write", V1).json() == {}
    assert call("GET", path, "admin:read", V1).status_code == 404
    assert call("POST", "/webhooks/subscriptions", "admin:write", V1, json={"name": "x"}).status_code == 400


def test_interactions_api_create_echoes_object_with_id(call):
    response = call("POST", "/interactions/register", "interactions:write", V1, json={"provider": "my-crm"})

    assert response.status_code == 201
    assert response.json()["id"] and response.json()["provider"] == "my-crm"


BAD_BODIES = [
    [],
    "text",
    5,
    None,
    {"userAccountConfiguration": "Agent"},
    {"username": 5},
    {"presenceId": 3},
    {"guids": "x"},
    {"licenseTypes": []},
    {"events": [1]},
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_write_bodies_are_4xx_never_500(call, body):
    user = a_user(call)["userId"]
    writes = [
        ("POST", "/useradmin/users", "users:write", V4),
        ("PATCH", f"/useradmin/users/{user}", "users:write", V4),
        ("PATCH", f"/useradmin/users/{user}/licenses", "users:write", V4),
        ("PUT", f"/useradmin/users/{user}/skills", "users:write", V4),
        ("PATCH", f"/agents/{user}/presence", "users:write", V1),
        ("POST", "/interaction-content/interactions/delete-batch", DELETE, V3),
        ("POST", "/globalpci/v1/session", "globalpci", V1),
        ("POST", "/interactions/invoke", "interactions:write", V1),
        ("POST", "/webhooks/subscriptions", "admin:write", V1),
        ("POST", "/interaction-content-export/external-storage", CONTENT, V1),
    ]
    for method, path, scope, accept in writes:
        response = call(method, path, scope, accept, json=body)
        assert response.status_code < 500, (method, path, response.text)
        if not isinstance(body, (dict, list)):
            assert response.status_code == 400, (method, path, body)
