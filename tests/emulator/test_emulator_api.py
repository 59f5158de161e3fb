"""The emulated APIs: bearer, scope and Accept checks, and the sample data."""

from __future__ import annotations

import io
import re
import wave

import pytest

from vcc_cli import catalog
from vcc_cli.emulator import Emulator
from vcc_cli.emulator.api import INVALID_TOKEN_MESSAGE

V1, V2, V3, V4 = (f"application/vnd.newvoicemedia.v{n}+json" for n in (1, 2, 3, 4))
JSON_V6 = "application/json;version=6"
DAY = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-02T00:00:00Z"}
CONTENT = "interaction-content:read"


def first_interaction(call) -> dict:
    response = call("GET", "/interaction-content/interactions", CONTENT, V3, params={**DAY, "limit": 1})
    assert response.status_code == 200, response.text
    return response.json()["items"][0]


def recording_path(call) -> str:
    return f"/interaction-content/interactions/{first_interaction(call)['guid']}/content/callRecording"


# ------------------------------------------------------------------ checks


def test_missing_token_gets_401_message(call):
    response = call("GET", "/stats/agent-status", None, V3)

    assert response.status_code == 401
    assert response.json() == {"message": INVALID_TOKEN_MESSAGE}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_token_gets_401_invalid_token(http, emulator):
    headers = {"Authorization": "Bearer not-a-token", "Accept": V3}
    response = http.get(emulator.url + "/stats/agent-status", headers=headers)

    assert response.status_code == 401
    assert response.json()["message"] == "The access token is invalid or has expired"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_expired_token_gets_401_message(http, emulator, token, clock):
    headers = {"Authorization": "Bearer " + token("stats"), "Accept": V3}
    assert http.get(emulator.url + "/stats/agent-status", headers=headers).status_code == 200

    clock.advance(899)
    assert http.get(emulator.url + "/stats/agent-status", headers=headers).status_code == 200
    clock.advance(1)
    response = http.get(emulator.url + "/stats/agent-status", headers=headers)

    assert response.status_code == 401
    assert response.json()["message"] == "The access token is invalid or has expired"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_missing_scope_is_403(call):
    response = call("GET", "/useradmin/users", "stats", V4)

    assert response.status_code == 403
    body = response.json()
    assert body["requiredScope"] == "users:read"
    assert body["tokenScopes"] == ["stats"]
    assert "users:read" in body["message"]
    assert 'scope="users:read"' in response.headers["WWW-Authenticate"]


def test_read_scope_does_not_allow_writes(call):
    response = call("PATCH", "/useradmin/users/whoever", "users:read", V4, json={"enabled": False})

    assert response.status_code == 403
    assert response.json()["requiredScope"] == "users:write"


def test_missing_accept_is_400(call):
    response = call("GET", "/useradmin/users", "users:read", None)

    assert response.status_code == 400
    assert V4 in response.json()["message"]
    assert response.json()["supportedAccept"] == [V4]


def test_wildcard_accept_is_400(call):
    assert call("GET", "/useradmin/users", "users:read", "*/*").status_code == 400


def test_wrong_version_accept_is_400(call):
    assert call("GET", "/useradmin/users", "users:read", V3).status_code == 400


def test_accept_may_list_several_types(call):
    assert call("GET", "/useradmin/users", "users:read", f"text/html, {V4};q=0.9").status_code == 200


def test_interaction_content_accepts_versions_2_and_3(call):
    for accept in (V2, V3):
        response = call("GET", "/interaction-content/interactions", CONTENT, accept, params=DAY)
        assert response.status_code == 200, accept
    assert call("GET", "/interaction-content/interactions", CONTENT, V1, params=DAY).status_code == 400


def test_interactions_api_wants_json_version_6(call):
    body = {"route": "support-chat", "reference": "case-42"}
    vnd = call("POST", "/interactions/invoke", "interactions:write", V1, json=body)
    right = call("POST", "/interactions/invoke", "interactions:write", JSON_V6, json=body)

    assert vnd.status_code == 400
    assert vnd.json()["supportedAccept"] == [JSON_V6]
    assert right.status_code == 201


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
    """No catalogued endpoint is a 404/405 in the emulator, with the scope and
    Accept header the catalog gives for it (the two cannot drift apart)."""
    all_scopes = token(" ".join(catalog.all_scopes()))
    user_id = http.get(
        emulator.url + "/useradmin/users", headers={"Authorization": f"Bearer {all_scopes}", "Accept": V4}
    ).json()["users"][0]["id"]
    skill_id = emulator.state.users[user_id]["skills"][0]["id"]
    headers = {"Authorization": f"Bearer {all_scopes}", "Content-Type": "application/json"}
    created_session = http.post(
        emulator.url + "/globalpci/v1/session", json={"amount": 1}, headers={**headers, "Accept": V1}
    ).json()["sessionGuid"]
    guid = http.get(
        emulator.url + "/interaction-content/interactions",
        params={**DAY, "limit": 1},
        headers={**headers, "Accept": V3},
    ).json()["items"][0]["guid"]
    values = {
        "userId": user_id,
        "skillId": skill_id,
        "groupId": "group-1",
        "guid": guid,
        "contentKey": "callRecording",
        "sessionGuid": created_session,
    }
    bodies = {"PUT": [], "PATCH": {"presenceId": "break"}, "POST": {"guids": [], "username": "someone.new"}}
    params = {"start": DAY["start"], "end": DAY["end"], "userId": user_id, "calls": guid}
    for api in catalog.APIS:
        for endpoint in api.endpoints:
            if endpoint.method == "DELETE":
                continue  # deleting would break the endpoints after it; tested on their own
            path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], endpoint.path)
            accept = catalog.accept_header(endpoint.method, path)
            response = http.request(
                endpoint.method,
                emulator.url + path,
                params=params if endpoint.method == "GET" else None,
                json=bodies.get(endpoint.method),
                headers={**headers, "Accept": accept},
            )
            assert response.status_code < 300, (endpoint.method, path, response.status_code, response.text[:200])


def test_every_catalog_endpoint_checks_the_catalog_scope(call):
    for api in catalog.APIS:
        for endpoint in api.endpoints:
            other = next(s for s in catalog.all_scopes() if s != endpoint.scope)
            path = endpoint.path.replace("{", "x").replace("}", "")
            response = call(endpoint.method, path, other, catalog.accept_header(endpoint.method, path))
            assert response.status_code == 403, (endpoint.method, path)
            assert response.json()["requiredScope"] == endpoint.scope


# ------------------------------------------------------------- sample data


def test_agents_availability_filters_by_skill_names(call):
    everyone = call("GET", "/agents-availability", "agents-availability:read", V1).json()["agents"]
    response = call("GET", "/agents-availability?skillNames=French,English", "agents-availability:read", V1)

    assert response.status_code == 200
    body = response.json()
    assert 0 < len(body["agents"]) < len(everyone)
    for agent in body["agents"]:
        assert {"French", "English"} <= set(agent["skills"])
        assert agent["state"] in {"Available", "Busy", "WrapUp", "Away", "LoggedOut"}
    assert body["availableAgents"] == sum(a["state"] == "Available" for a in body["agents"])
    assert [s["skillName"] for s in body["skills"]] == ["French", "English"]


def test_users_pagination_meta_is_consistent(call):
    first = call("GET", "/useradmin/users", "users:read", V4, params={"page": 1, "pageSize": 70}).json()
    meta = first["meta"]

    assert meta["page"] == 1 and meta["pageSize"] == 70
    assert meta["totalCount"] >= 200
    assert meta["pageCount"] == -(-meta["totalCount"] // 70)
    seen = []
    for page in range(1, meta["pageCount"] + 1):
        body = call("GET", "/useradmin/users", "users:read", V4, params={"page": page, "pageSize": 70}).json()
        assert body["meta"] | {"page": 1, "count": 0} == meta | {"count": 0}
        assert len(body["users"]) == body["meta"]["count"]
        seen += [u["id"] for u in body["users"]]
    assert len(seen) == len(set(seen)) == meta["totalCount"]
    past = call("GET", "/useradmin/users", "users:read", V4, params={"page": meta["pageCount"] + 1, "pageSize": 70})
    assert past.json()["users"] == []


def test_bad_page_size_is_400(call):
    response = call("GET", "/useradmin/users", "users:read", V4, params={"pageSize": "lots"})

    assert response.status_code == 400
    assert "pageSize" in response.json()["message"]


def test_sample_data_is_deterministic(call, http):
    page = call("GET", "/useradmin/users", "users:read", V4, params={"pageSize": 5}).json()
    with Emulator() as other:
        headers = {"Authorization": "Bearer " + _token(http, other, "users:read"), "Accept": V4}
        again = http.get(other.url + "/useradmin/users", params={"pageSize": 5}, headers=headers).json()
    assert page == again


def test_user_can_be_fetched_by_id(call):
    user = call("GET", "/useradmin/users", "users:read", V4).json()["users"][3]
    response = call("GET", f"/useradmin/users/{user['id']}", "users:read", V4)

    assert response.status_code == 200
    assert response.json() == user


def test_unknown_user_is_404(call):
    assert call("GET", "/useradmin/users/00000000-0000-0000-0000-000000000000", "users:read", V4).status_code == 404


def test_create_user_returns_201_with_location(call):
    response = call("POST", "/useradmin/users", "users:write", V4, json={"username": "new.agent", "firstName": "New"})

    assert response.status_code == 201
    user = response.json()
    assert user["id"] and user["username"] == "new.agent" and user["enabled"] is True
    assert response.headers["Location"] == f"/useradmin/users/{user['id']}"
    assert call("GET", response.headers["Location"], "users:read", V4).json() == user
    again = call("POST", "/useradmin/users", "users:write", V4, json={"username": "new.agent"})
    assert again.status_code == 409


def test_create_user_without_username_is_400(call):
    assert call("POST", "/useradmin/users", "users:write", V4, json={"firstName": "Nobody"}).status_code == 400


def test_write_with_bad_json_is_400(call):
    response = call(
        "POST", "/useradmin/users", "users:write", V4, data="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_patch_user_merges_and_put_replaces(call):
    user = call("GET", "/useradmin/users", "users:read", V4).json()["users"][0]
    path = f"/useradmin/users/{user['id']}"

    patched = call("PATCH", path, "users:write", V4, json={"enabled": False, "teamName": "Night shift"}).json()
    assert patched["enabled"] is False and patched["teamName"] == "Night shift"
    assert patched["email"] == user["email"] and patched["createdAt"] == user["createdAt"]

    replaced = call("PUT", path, "users:write", V4, json={"username": "renamed"}).json()
    assert replaced["username"] == "renamed" and "email" not in replaced
    assert replaced["id"] == user["id"]
    assert call("GET", path, "users:read", V4).json() == replaced


def test_agent_activities_need_start_and_end(call):
    response = call("GET", "/stats/agent-activities", "stats", V3)

    assert response.status_code == 400
    assert "start" in response.json()["message"]


def test_agent_activities_pages_cover_the_window_exactly(call):
    window = {"start": "2024-06-01T10:00:00Z", "end": "2024-06-01T12:00:00Z", "limit": 25}
    first = call("GET", "/stats/agent-activities", "stats", V3, params=window).json()
    items = []
    for page in range(1, first["meta"]["pageCount"] + 1):
        items += call("GET", "/stats/agent-activities", "stats", V3, params={**window, "page": page}).json()["items"]

    assert len(items) == first["meta"]["totalCount"] > 25
    assert all("2024-06-01T10:00:00Z" <= i["start"] < "2024-06-01T12:00:00Z" for i in items)
    assert len({i["id"] for i in items}) == len(items)


def test_recording_is_valid_wav(call):
    response = call("GET", recording_path(call), CONTENT, V3)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "audio/wav"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert int(response.headers["Content-Length"]) == len(response.content)
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
    response = call("GET", path, CONTENT, V3, headers={"Range": "bytes=40-1039"})

    assert response.status_code == 206
    assert response.content == whole[40:1040]
    assert response.headers["Content-Range"] == f"bytes 40-1039/{len(whole)}"
    assert response.headers["Content-Length"] == "1000"


def test_open_and_suffix_ranges(call):
    path = recording_path(call)
    whole = call("GET", path, CONTENT, V3).content

    assert call("GET", path, CONTENT, V3, headers={"Range": f"bytes={len(whole) - 10}-"}).content == whole[-10:]
    assert call("GET", path, CONTENT, V3, headers={"Range": "bytes=-100"}).content == whole[-100:]


def test_unsatisfiable_range_is_416(call):
    path = recording_path(call)
    response = call("GET", path, CONTENT, V3, headers={"Range": "bytes=999999999-"})

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


def test_transcript_is_json_content(call):
    interactions = call("GET", "/interaction-content/interactions", CONTENT, V3, params=DAY).json()["items"]
    item = next(i for i in interactions if any(c["contentKey"] == "transcript" for c in i["content"]))
    response = call("GET", f"/interaction-content/interactions/{item['guid']}/content/transcript", CONTENT, V3)

    assert response.status_code == 200
    assert response.json()["segments"]


def test_delete_needs_interaction_content_delete_scope(call):
    guid = first_interaction(call)["guid"]

    refused = call("DELETE", f"/interaction-content/interactions/{guid}", CONTENT, V3)
    assert refused.status_code == 403
    assert refused.json()["requiredScope"] == "interaction-content:delete"


def test_deleted_interaction_is_gone(call):
    before = call("GET", "/interaction-content/interactions", CONTENT, V3, params=DAY).json()
    guid = before["items"][1]["guid"]

    deleted = call("DELETE", f"/interaction-content/interactions/{guid}", "interaction-content:delete", V3)
    after = call("GET", "/interaction-content/interactions", CONTENT, V3, params=DAY).json()

    assert deleted.status_code == 204
    assert call("GET", f"/interaction-content/interactions/{guid}", CONTENT, V3).status_code == 404
    assert after["meta"]["totalCount"] == before["meta"]["totalCount"] - 1
    remaining = [i["guid"] for i in before["items"] if i["guid"] != guid]
    assert [i["guid"] for i in after["items"]][: len(remaining)] == remaining


def test_deleted_recording_is_gone(call):
    path = recording_path(call)

    assert call("DELETE", path, "interaction-content:delete", V3).status_code == 204
    assert call("GET", path, CONTENT, V3).status_code == 404


def test_payment_session_is_created_and_readable(call):
    created = call("POST", "/globalpci/v1/session", "globalpci", V1, json={"amount": 42.5, "currency": "GBP"})

    assert created.status_code == 201
    session = created.json()
    assert session["sessionGuid"] and session["amount"] == 42.5
    fetched = call("GET", f"/globalpci/v1/session/{session['sessionGuid']}", "globalpci", V1)
    assert fetched.json() == session


def test_interactions_api_create_echoes_object_with_id(call):
    response = call("POST", "/interactions/register", "interactions:write", JSON_V6, json={"provider": "my-crm"})

    assert response.status_code == 201
    assert response.json()["id"] and response.json()["provider"] == "my-crm"


def test_agent_presence_can_be_set(call):
    user = call("GET", "/useradmin/users", "users:read", V4).json()["users"][0]
    path = f"/agents/{user['id']}/presence"

    assert call("PATCH", path, "users:write", V1, json={"presenceId": "lunch"}).status_code == 200
    assert call("GET", path, "users:read", V1).json()["presence"]["name"] == "Lunch"
    assert call("PATCH", path, "users:write", V1, json={"presenceId": "nap"}).status_code == 400


@pytest.mark.parametrize("path", ["/stats/interactions/not-a-guid", "/interaction-content/interactions/not-a-guid"])
def test_unknown_interaction_is_404(call, path):
    scope = "stats" if path.startswith("/stats") else CONTENT
    assert call("GET", path, scope, V3).status_code == 404


BAD_BODIES = [[], "text", 5, None, {"roles": "Agent"}, {"username": 5}, {"presenceId": 3}, {"guids": "x"}]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_write_bodies_are_4xx_never_500(call, body):
    user = call("GET", "/useradmin/users", "users:read", V4).json()["users"][0]["id"]
    writes = [
        ("POST", "/useradmin/users", "users:write", V4),
        ("PATCH", f"/useradmin/users/{user}", "users:write", V4),
        ("PUT", f"/useradmin/users/{user}", "users:write", V4),
        ("PUT", f"/useradmin/users/{user}/skills", "users:write", V4),
        ("PATCH", f"/agents/{user}/presence", "users:write", V1),
        ("POST", "/interaction-content/interactions/delete-batch", "interaction-content:delete", V3),
        ("POST", "/globalpci/v1/session", "globalpci", V1),
        ("POST", "/interactions/invoke", "interactions:write", JSON_V6),
    ]
    for method, path, scope, accept in writes:
        response = call(method, path, scope, accept, json=body)
        assert response.status_code < 500, (method, path, response.text)
        if not isinstance(body, (dict, list)):
            assert response.status_code == 400, (method, path, body)
