"""SPEC section 4, the Python API (``vcc_cli.Client``, ``vcc_cli.VccAuth``), with the
network mocked by `responses`: the scope and Accept version inferred as `vcc call` does,
the query string and bodies, the 401 refresh and 429 retries, host pinning, errors as
``VccError`` exceptions (never a print, never ``SystemExit``), paging across pages and
time windows, lazily, downloads that are complete or absent, and cached tokens; the
resolution of SPEC section 3 (``VCC_TOKEN``, env credentials, the region)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, api_calls, token_answer, token_calls
from vcc_cli import ApiError, AuthError, Client, NetworkError, UsageError, VccAuth, VccError, windows

USERS = API_URL + "/useradmin/users"
ACTIVITIES = API_URL + "/stats/agent-activities"
SEARCH = API_URL + "/interaction-content/interactions"
RECORDING = "/interaction-content/interactions/g1/content/callRecording"
DAY = 86_400_000
WEEK = {"start": "2026-11-01T00:00:00Z", "end": "2026-11-08T00:00:00Z"}


@pytest.fixture
def client_env(tmp_path):
    """A CI job's environment with env credentials, its config and cache under tmp_path."""
    return {**CI_ENV, "VCC_CONFIG_DIR": str(tmp_path / "config"), "VCC_CACHE_DIR": str(tmp_path / "cache")}


@pytest.fixture
def client(client_env):
    return Client(env=client_env)


@pytest.fixture
def token_ok(mock_http):
    """A token endpoint that answers tok-A, then tok-B (for a refresh)."""
    mock_http.post(TOKEN_URL, json=token_answer("tok-A"))
    mock_http.post(TOKEN_URL, json=token_answer("tok-B"))
    return mock_http


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def scope_asked(call) -> str:
    return parse_qs(call.request.body)["scope"][0]


def cache_token(client_env, scopes, token="cached-token"):
    """A live token for ``scopes`` in the client's disk cache, as an earlier run left it."""
    from pathlib import Path

    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import TokenCache

    now = time.time()
    TokenCache(Path(client_env["VCC_CACHE_DIR"])).put(
        TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], list(scopes), Token(token, "Bearer", tuple(scopes), now + 3600), now
    )


def serve_pages(mock_http, url, name, total, size):
    """A page-numbered VCC collection under ``name``: page N (1-based, from ?page=) of ``total`` items."""
    pages = -(-total // size)

    def callback(request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        first = (page - 1) * size
        items = [{"id": i} for i in range(first, min(first + size, total))]
        meta = {"page": page, "pageSize": size, "count": len(items), "pageCount": pages, "totalCount": total}
        return 200, {"Content-Type": "application/json"}, json.dumps({name: items, "meta": meta})

    mock_http.add_callback(responses.GET, url, callback=callback)


def serve_search(mock_http, total, size):
    """The Interaction Content v3 search: the next position in the continuation token."""

    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        position = int(query.get("continuationToken", ["pos-0"])[0].removeprefix("pos-"))
        items = [{"guid": f"g{i}"} for i in range(position, min(position + size, total))]
        nxt = f"pos-{position + size}" if position + size < total else None
        body = {"items": items, "meta": {"nextContinuationToken": nxt}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock_http.add_callback(responses.GET, SEARCH, callback=callback)


def windowed_stats(mock_http, per_day=2):
    """/stats/agent-activities for any start..end, ``per_day`` items a day in one page,
    refusing windows over 31 days as the API does."""

    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        start = windows.parse_time(q["start"][0], "start")
        end = windows.parse_time(q["end"][0], "end")
        if end - start > 31 * DAY:
            body = {"statusCode": 400, "error": "Bad Request", "message": "Request window size limit exceeded 31 days"}
            return 400, {"Content-Type": "application/json"}, json.dumps(body)
        items = [{"start": windows.format_time(t)} for t in range(start, end, DAY // per_day)]
        meta = {"page": 1, "count": len(items), "pageCount": 1, "totalCount": len(items), "upTo": q["end"][0]}
        return 200, {"Content-Type": "application/json"}, json.dumps({"items": items, "meta": meta})

    mock_http.add_callback(responses.GET, ACTIVITIES, callback=callback)


# ------------------------------------------------------------------ requests


def test_scope_and_accept_version_are_inferred_from_the_path(client, token_ok):
    token_ok.get(USERS, json={"users": []})
    token_ok.get(ACTIVITIES, json={"items": []})
    client.get("/useradmin/users")
    client.get("/stats/agent-activities", {"start": "2026-01-01T00:00:00Z"})
    assert [scope_asked(c) for c in token_calls(token_ok)] == ["users:read", "stats"]
    users, stats = api_calls(token_ok)
    assert users.request.headers["Accept"] == "application/vnd.newvoicemedia.v4+json"
    assert stats.request.headers["Accept"] == "application/vnd.newvoicemedia.v3+json"
    assert users.request.headers["Authorization"] == "Bearer tok-A"
    assert stats.request.headers["Authorization"] == "Bearer tok-B"


def test_get_returns_the_requests_response(client, token_ok):
    token_ok.get(USERS, json={"users": [{"id": 1}]})
    response = client.get("/useradmin/users")
    assert isinstance(response, requests.Response)
    assert response.status_code == 200 and response.json() == {"users": [{"id": 1}]}


def test_params_as_a_mapping_or_pairs_with_booleans_as_true_and_false(client, token_ok):
    token_ok.get(USERS, json={})
    client.get("/useradmin/users", {"active": True, "deleted": False, "limit": 5})
    client.get("/useradmin/users", [("skill", "French"), ("skill", "German")])
    first, second = api_calls(token_ok)
    assert query_of(first) == {"active": ["true"], "deleted": ["false"], "limit": ["5"]}
    assert query_of(second) == {"skill": ["French", "German"]}


def test_json_body_is_sent_as_json_with_its_content_type_and_a_write_scope(client, token_ok):
    token_ok.post(USERS, json={"id": 7})
    client.post("/useradmin/users", json={"name": "Ana Núñez"})
    (call,) = api_calls(token_ok)
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == {"name": "Ana Núñez"}
    assert scope_asked(token_calls(token_ok)[0]) == "users:write"


def test_headers_replace_the_default_accept(client, token_ok):
    token_ok.get(USERS, json={})
    client.get("/useradmin/users", headers={"Accept": "application/json;version=6", "X-Trace": "t1"})
    (call,) = api_calls(token_ok)
    assert call.request.headers["Accept"] == "application/json;version=6"
    assert call.request.headers["X-Trace"] == "t1" and call.request.headers["Authorization"] == "Bearer tok-A"


def test_scopes_and_api_version_override_what_the_path_implies(client, token_ok):
    token_ok.get(USERS, json={})
    client.get("/useradmin/users", scopes=["users:write"], api_version=3)
    (call,) = api_calls(token_ok)
    assert scope_asked(token_calls(token_ok)[0]) == "users:write"
    assert call.request.headers["Accept"] == "application/vnd.newvoicemedia.v3+json"


def test_a_401_on_a_cached_token_fetches_a_new_one_and_retries_once(client_env, token_ok):
    cache_token(client_env, ["users:read"])
    token_ok.get(USERS, status=401)
    token_ok.get(USERS, json={"users": []})
    response = Client(env=client_env).get("/useradmin/users")
    assert response.status_code == 200
    sent = [c.request.headers["Authorization"] for c in api_calls(token_ok)]
    assert sent == ["Bearer cached-token", "Bearer tok-A"] and len(token_calls(token_ok)) == 1


def test_a_429_is_retried_after_the_wait_retry_after_gives(client, token_ok):
    token_ok.get(USERS, status=429, headers={"Retry-After": "7"})
    token_ok.get(USERS, json={"users": []})
    sleeps: list[float] = []
    client._rt.sleep = sleeps.append  # the runtime's sleep seam: the test must not wait 7 s
    assert client.get("/useradmin/users").status_code == 200
    assert sleeps == [7.0] and len(api_calls(token_ok)) == 2


def test_a_404_raises_api_error_with_the_status_and_the_response(client, token_ok):
    token_ok.get(USERS + "/42", status=404, json={"message": "User not found"})
    with pytest.raises(ApiError) as raised:
        client.get("/useradmin/users/42")
    error = raised.value
    assert error.status == 404 and error.exit_code == 1
    assert isinstance(error.response, requests.Response) and error.response.json() == {"message": "User not found"}


@pytest.mark.parametrize("how", ["download", "paginate", "stream"])
def test_an_api_error_holds_a_readable_response_whichever_call_raised_it(client, token_ok, tmp_path, how):
    token_ok.get(USERS, status=403, json={"message": "Forbidden"})
    with pytest.raises(ApiError) as raised:
        if how == "download":
            client.download("/useradmin/users", tmp_path / "users.json")
        elif how == "paginate":
            list(client.paginate("/useradmin/users"))
        else:
            client.get("/useradmin/users", stream=True)
    assert raised.value.status == 403 and raised.value.response.json() == {"message": "Forbidden"}


def test_check_false_returns_an_error_response_instead_of_raising(client, token_ok):
    token_ok.get(USERS + "/42", status=404, json={"message": "User not found"})
    response = client.get("/useradmin/users/42", check=False)
    assert response.status_code == 404 and response.json() == {"message": "User not found"}


def test_a_url_on_another_host_is_a_usage_error_and_nothing_is_sent(client, mock_http):
    with pytest.raises(UsageError) as raised:
        client.get("https://evil.example/useradmin/users")
    assert raised.value.exit_code == 2
    assert len(mock_http.calls) == 0  # no token request either


def test_vcc_token_is_used_as_it_is_without_a_token_request(tmp_path, mock_http):
    env = {"VCC_TOKEN": "env-token", "VCC_REGION": "emea", "VCC_CACHE_DIR": str(tmp_path / "cache")}
    env["VCC_CONFIG_DIR"] = str(tmp_path / "config")
    mock_http.get(USERS, json={})
    client = Client(env=env)
    client.get("/useradmin/users")
    assert client.token("stats") == "env-token"
    assert api_calls(mock_http)[0].request.headers["Authorization"] == "Bearer env-token"
    assert token_calls(mock_http) == []


def test_a_missing_region_is_a_usage_error_on_the_first_call_and_nothing_is_sent(client_env, mock_http):
    env = {k: v for k, v in client_env.items() if k != "VCC_REGION"}
    client = Client(env=env)  # nothing is resolved yet
    with pytest.raises(UsageError) as raised:
        client.get("/useradmin/users")
    assert raised.value.exit_code == 2 and "region" in raised.value.message.lower()
    assert len(mock_http.calls) == 0


def test_nothing_is_printed_even_for_retries_refreshes_and_errors(client_env, token_ok, capfd):
    cache_token(client_env, ["users:read"])
    token_ok.get(USERS, status=401)
    token_ok.get(USERS, status=429, headers={"Retry-After": "0"})
    token_ok.get(USERS, json={})
    token_ok.get(USERS + "/42", status=404, json={"message": "User not found"})
    client = Client(env=client_env)
    client.get("/useradmin/users")
    with pytest.raises(ApiError):
        client.get("/useradmin/users/42")
    assert len(api_calls(token_ok)) == 4  # the refresh and the retry did happen
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("failure", "kind", "code"),
    [
        ("another host", UsageError, 2),
        ("token refused", AuthError, 3),
        ("connection refused", NetworkError, 4),
        ("404", ApiError, 1),
    ],
)
def test_errors_are_vcc_errors_with_the_cli_exit_codes_never_system_exit(client, mock_http, failure, kind, code):
    path = "/useradmin/users"
    if failure == "another host":
        path = "https://evil.example/useradmin/users"
    elif failure == "token refused":
        mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    else:
        mock_http.post(TOKEN_URL, json=token_answer())
        if failure == "connection refused":
            mock_http.get(USERS, body=requests.ConnectionError("connection refused"))
        else:
            mock_http.get(USERS, status=404, json={"message": "not found"})
    try:
        client.get(path)
    except BaseException as exc:  # a SystemExit must fail here, not end the run
        raised = exc
    else:
        pytest.fail("no error raised")
    assert isinstance(raised, kind) and isinstance(raised, VccError) and not isinstance(raised, SystemExit)
    assert raised.exit_code == code


# ------------------------------------------------------------------ paging


def test_paginate_yields_every_item_across_numbered_pages(client, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    assert [u["id"] for u in client.paginate("/useradmin/users")] == list(range(25))
    assert [query_of(c).get("page") for c in api_calls(token_ok)] == [None, ["2"], ["3"]]


def test_paginate_follows_continuation_tokens(client, token_ok):
    serve_search(token_ok, 25, 10)
    guids = [i["guid"] for i in client.paginate("/interaction-content/interactions", WEEK)]
    assert guids == [f"g{i}" for i in range(25)]
    asked = [query_of(c).get("continuationToken") for c in api_calls(token_ok)]
    assert asked == [None, ["pos-10"], ["pos-20"]]


def test_paginate_fetches_lazily_one_page_at_a_time(client, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    items = client.paginate("/useradmin/users")
    assert api_calls(token_ok) == []  # nothing until the first item is asked for
    assert next(items) == {"id": 0}
    assert len(api_calls(token_ok)) == 1
    assert len(list(items)) == 24 and len(api_calls(token_ok)) == 3


def test_paginate_lazily_over_continuation_tokens(client, token_ok):
    serve_search(token_ok, 25, 10)
    items = client.paginate("/interaction-content/interactions", WEEK)
    assert next(items) == {"guid": "g0"} and len(api_calls(token_ok)) == 1


def test_paginate_a_stats_range_over_31_days_in_windows_with_exact_bounds(client, token_ok):
    windowed_stats(token_ok)
    start, end = "2026-01-01T00:00:00Z", "2026-03-12T12:00:00Z"
    items = list(client.paginate("/stats/agent-activities", {"start": start, "end": end}))
    asked = [(query_of(c)["start"][0], query_of(c)["end"][0]) for c in api_calls(token_ok)]
    assert asked == [
        (start, "2026-02-01T00:00:00Z"),
        ("2026-02-01T00:00:00Z", "2026-03-04T00:00:00Z"),
        ("2026-03-04T00:00:00Z", end),
    ]
    starts = [item["start"] for item in items]
    assert len(starts) == 70.5 * 2 and starts == sorted(set(starts))  # every half day once, in order


def test_paginate_of_an_answer_that_is_not_a_collection_yields_it(client, token_ok):
    token_ok.get(USERS + "/42", json={"id": 42, "name": "Ana"})
    assert list(client.paginate("/useradmin/users/42")) == [{"id": 42, "name": "Ana"}]


def test_paginate_raises_api_error_for_a_failing_page(client, token_ok):
    token_ok.get(USERS, status=403, json={"message": "Forbidden"})
    with pytest.raises(ApiError) as raised:
        list(client.paginate("/useradmin/users"))
    assert raised.value.status == 403


# ------------------------------------------------------------------ downloads


def test_download_writes_the_whole_body_and_returns_the_path(client, token_ok, tmp_path):
    body = b"RIFF" + bytes(range(256)) * 400
    token_ok.get(API_URL + RECORDING, body=body, content_type="audio/wav")
    target = client.download(RECORDING, str(tmp_path / "rec.wav"))
    assert target == tmp_path / "rec.wav" and target.read_bytes() == body
    assert scope_asked(token_calls(token_ok)[0]) == "interaction-content:read"


@pytest.mark.parametrize("failure", ["404", "body cut short"])
def test_a_failed_download_leaves_an_older_file_untouched_and_no_temporary_file(client, token_ok, tmp_path, failure):
    target = tmp_path / "rec.wav"
    target.write_bytes(b"the older recording")
    if failure == "404":
        token_ok.get(API_URL + RECORDING, status=404, json={"message": "Not found"})
        expected = ApiError
    else:  # 40 bytes of an announced 1000, then the connection ends
        token_ok.get(
            API_URL + RECORDING,
            body=b"RIFF" * 10,
            headers={"Content-Length": "1000"},
            auto_calculate_content_length=False,
        )
        expected = NetworkError
    with pytest.raises(expected):
        client.download(RECORDING, target)
    assert target.read_bytes() == b"the older recording"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in ("config", "cache")) == ["rec.wav"]


# ------------------------------------------------------------------ tokens


def test_token_is_cached_so_a_second_call_and_a_second_client_send_no_request(client_env, token_ok):
    first = Client(env=client_env).token("stats")
    client = Client(env=client_env)
    assert client.token("stats") == client.token("stats") == first == "tok-A"
    assert len(token_calls(token_ok)) == 1


@pytest.mark.parametrize(
    ("argument", "client_scopes", "vcc_scope", "asked"),
    [
        ("stats", ["users:read"], "admin:read", "stats"),
        (None, ["users:read"], "admin:read", "users:read"),
        (None, None, "admin:read", "admin:read"),
    ],
)
def test_token_scopes_come_from_the_argument_else_the_client_else_vcc_scope(
    client_env, token_ok, argument, client_scopes, vcc_scope, asked
):
    client = Client(env={**client_env, "VCC_SCOPE": vcc_scope}, scopes=client_scopes)
    assert client.token(argument) == "tok-A"
    assert [scope_asked(c) for c in token_calls(token_ok)] == [asked]


# ------------------------------------------------------------------ VccAuth


def test_vcc_auth_adds_the_bearer_token_and_the_accept_version_to_a_plain_session(client, token_ok):
    token_ok.get(USERS, json={})
    response = requests.Session().get(USERS, auth=VccAuth(client))
    assert response.status_code == 200
    (call,) = api_calls(token_ok)
    assert call.request.headers["Authorization"] == "Bearer tok-A"
    assert call.request.headers["Accept"] == "application/vnd.newvoicemedia.v4+json"
    assert scope_asked(token_calls(token_ok)[0]) == "users:read"


def test_vcc_auth_keeps_an_accept_header_the_request_sets(client, token_ok):
    token_ok.get(USERS, json={})
    requests.Session().get(USERS, auth=VccAuth(client), headers={"Accept": "application/json;version=6"})
    assert api_calls(token_ok)[0].request.headers["Accept"] == "application/json;version=6"


def test_vcc_auth_refuses_another_host_and_sends_nothing(client, mock_http):
    with pytest.raises(UsageError):
        requests.Session().get("https://evil.example/useradmin/users", auth=VccAuth(client))
    assert len(mock_http.calls) == 0


def test_vcc_auth_fetches_a_new_token_after_a_401_and_tries_once_more(client, token_ok):
    token_ok.get(USERS, status=401)
    token_ok.get(USERS, json={"users": []})
    response = requests.Session().get(USERS, auth=VccAuth(client))
    assert response.status_code == 200 and [r.status_code for r in response.history] == [401]
    sent = [c.request.headers["Authorization"] for c in api_calls(token_ok)]
    assert sent == ["Bearer tok-A", "Bearer tok-B"] and len(token_calls(token_ok)) == 2


def test_vcc_auth_returns_a_second_401_as_it_is(client, token_ok):
    token_ok.get(USERS, status=401)
    response = requests.Session().get(USERS, auth=VccAuth(client))
    assert response.status_code == 401
    assert len(api_calls(token_ok)) == 2 and len(token_calls(token_ok)) == 2


def test_vcc_auth_never_sends_the_token_to_another_host_a_redirect_leads_to(client, token_ok):
    token_ok.get(USERS, status=302, headers={"Location": "https://evil.example/useradmin/users"})
    token_ok.get("https://evil.example/useradmin/users", status=401)
    response = requests.Session().get(USERS, auth=VccAuth(client))
    assert response.status_code == 401  # returned as it is, not retried with a token
    elsewhere = [c.request for c in token_ok.calls if urlsplit(c.request.url).hostname == "evil.example"]
    assert len(elsewhere) == 1 and "Authorization" not in elsewhere[0].headers


def test_params_repeat_a_name_for_a_list_and_leave_out_none_as_requests_does(mock_http, tmp_path):
    mock_http.get(API_URL + "/agents-availability", json={})
    client = Client(
        env={**CI_ENV, "VCC_TOKEN": "tok", "VCC_CONFIG_DIR": str(tmp_path / "c"), "VCC_CACHE_DIR": str(tmp_path / "k")}
    )
    client.get("/agents-availability", {"skillNames": ["A", "B"], "missing": None, "on": True})
    assert mock_http.calls[-1].request.url.endswith("/agents-availability?skillNames=A&skillNames=B&on=true")


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda c: list(c.paginate("/stats/agent-activities", {"start": "2026-01-01"}, window="xx")), "not a duration"),
        (lambda c: c.request("GET X", "/stats/agent-status"), "is not an HTTP method"),
    ],
)
def test_bad_arguments_are_usage_errors_not_value_errors(tmp_path, call, said):
    from vcc_cli import UsageError

    client = Client(
        env={**CI_ENV, "VCC_TOKEN": "tok", "VCC_CONFIG_DIR": str(tmp_path / "c"), "VCC_CACHE_DIR": str(tmp_path / "k")}
    )
    with pytest.raises(UsageError, match=said):
        call(client)
