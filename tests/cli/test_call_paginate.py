"""SPEC sections 4 and 5, `vcc call --paginate` and `--query`: every page of either
paging style merged into one document, JMESPath over the result; in-process, with the
network mocked by `responses`."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import responses

from tests.conftest import API_URL, CI_ENV, api_calls, token_calls

USERS = API_URL + "/useradmin/users"
ACTIVITIES = API_URL + "/stats/agent-activities"


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def serve_pages(mock_http, url, name, total, size, *, status_for=None):
    """A VCC collection under ``name``: page N (1-based, from ?page=) of ``total`` items."""
    pages = -(-total // size)

    def callback(request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        if status_for and status_for.get(page):
            return status_for[page].pop(0)
        first = (page - 1) * size
        items = [{"id": i} for i in range(first, min(first + size, total))]
        meta = {"page": page, "pageSize": size, "count": len(items), "pageCount": pages, "totalCount": total}
        return 200, {"Content-Type": "application/json"}, json.dumps({name: items, "meta": meta})

    mock_http.add_callback(responses.GET, url, callback=callback)


def test_paginate_merges_every_page_of_users_into_one_document(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    doc = vcc("call", "/useradmin/users", "--paginate", env=CI_ENV).json
    assert [u["id"] for u in doc["users"]] == list(range(25))
    assert doc["meta"] == {"page": 1, "pageSize": 25, "count": 25, "pageCount": 1, "totalCount": 25}
    assert [query_of(c).get("page") for c in api_calls(token_ok)] == [None, ["2"], ["3"]]


def test_paginate_finds_the_items_collection_of_stats(vcc, token_ok):
    serve_pages(token_ok, ACTIVITIES, "items", 7, 3)
    doc = vcc(
        "call",
        "/stats/agent-activities",
        "-q",
        "start=2026-01-01T00:00:00Z",
        "-q",
        "end=2026-01-02T00:00:00Z",
        "--paginate",
        env=CI_ENV,
    ).json
    assert len(doc["items"]) == 7
    assert all(query_of(c)["start"] == ["2026-01-01T00:00:00Z"] for c in api_calls(token_ok))


def test_paginate_replaces_a_page_given_in_the_path(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    doc = vcc("call", "/useradmin/users?page=2", "--paginate", env=CI_ENV).json
    assert [u["id"] for u in doc["users"]] == list(range(10, 25))
    assert [query_of(c)["page"] for c in api_calls(token_ok)] == [["2"], ["3"]]


def test_paginate_one_hundred_thousand_items_over_one_hundred_pages(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 100_000, 1_000)
    doc = vcc("call", "/useradmin/users", "-q", "pageSize=1000", "--paginate", "--query", "meta", env=CI_ENV).json
    assert doc["count"] == 100_000 and doc["totalCount"] == 100_000
    assert len(api_calls(token_ok)) == 100 and len(token_calls(token_ok)) == 1


def test_paginate_then_query_applies_the_query_to_the_merged_document(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--query", "users[-1].id", env=CI_ENV)
    assert result.stdout == "24\n"


def test_paginate_to_a_file_writes_the_merged_document(vcc, token_ok, tmp_path):
    serve_pages(token_ok, USERS, "users", 25, 10)
    target = tmp_path / "users.json"
    result = vcc("call", "/useradmin/users", "--paginate", "-o", str(target), env=CI_ENV)
    assert result.stdout == "" and len(json.loads(target.read_bytes())["users"]) == 25


def test_answer_without_page_count_is_printed_as_received(vcc, token_ok):
    raw = b'{"items": [1, 2],   "meta": {"page": 1}}'
    token_ok.get(USERS, body=raw, content_type="application/json")
    result = vcc("call", "/useradmin/users", "--paginate", env=CI_ENV)
    assert result.stdout_bytes == raw and len(api_calls(token_ok)) == 1


def test_each_page_request_is_retried_on_429(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10, status_for={2: [(429, {"Retry-After": "1"}, "{}")]})
    doc = vcc("call", "/useradmin/users", "--paginate", env=CI_ENV)
    assert len(doc.json["users"]) == 25 and doc.sleeps == [1.0] and "retry 1/3" in doc.stderr


def test_a_401_on_a_later_page_refreshes_the_token_once(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10, status_for={2: [(401, {}, "{}")]})
    doc = vcc("call", "/useradmin/users", "--paginate", env=CI_ENV).json
    assert len(doc["users"]) == 25 and len(token_calls(token_ok)) == 2
    auths = [c.request.headers["Authorization"] for c in api_calls(token_ok)]
    assert auths == ["Bearer tok-A", "Bearer tok-A", "Bearer tok-B", "Bearer tok-B"]


def test_pages_reuse_the_token_without_asking_again(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 50, 10)
    vcc("call", "/useradmin/users", "--paginate", env=CI_ENV)
    assert len(token_calls(token_ok)) == 1 and len(api_calls(token_ok)) == 5


def test_an_error_on_a_later_page_exits_1_naming_the_page(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10, status_for={3: [(404, {}, '{"message": "gone"}')]})
    result = vcc("call", "/useradmin/users", "--paginate", env=CI_ENV, expect_error=1)
    assert "(page 3)" in result.stderr and result.stdout == '{"message": "gone"}'


def test_paginate_with_a_method_other_than_get_is_a_usage_error(vcc, mock_http):
    result = vcc("call", "POST", "/useradmin/users", "-d", "{}", "--paginate", env=CI_ENV, expect_error=2)
    assert "--paginate" in result.stderr and len(mock_http.calls) == 0


# ---------------------------------------------------------------- --query


def test_query_string_result_prints_raw_like_jq_r(vcc, token_ok):
    token_ok.get(USERS, json={"users": [{"username": "ana"}], "meta": {}})
    assert vcc("call", "/useradmin/users", "--query", "users[0].username", env=CI_ENV).stdout == "ana\n"


def test_query_other_results_print_as_json(vcc, token_ok):
    token_ok.get(USERS, json={"users": [{"username": "ana"}, {"username": "bo"}], "meta": {}})
    result = vcc("call", "/useradmin/users", "--query", "users[].username", env=CI_ENV)
    assert json.loads(result.stdout) == ["ana", "bo"]


def test_query_result_is_pretty_json_on_a_terminal(vcc, token_ok):
    token_ok.get(USERS, json={"users": [{"username": "ana"}], "meta": {}})
    out = vcc("call", "/useradmin/users", "--query", "users[0]", env={**CI_ENV, "NO_COLOR": "1"}, tty=True).stdout
    assert out == '{\n  "username": "ana"\n}\n'


def test_invalid_query_is_exit_2_showing_where_and_sends_nothing(vcc, mock_http):
    result = vcc("call", "/useradmin/users", "--query", "users[?enabled==]", env=CI_ENV, expect_error=2)
    assert "column 17" in result.stderr and "users[?enabled== <--" in result.stderr
    assert len(mock_http.calls) == 0 and len(result.stderr.strip().splitlines()) == 2


def test_query_on_an_answer_that_is_not_json_is_a_usage_error(vcc, token_ok):
    token_ok.get(USERS, body="<html></html>", content_type="text/html")
    result = vcc("call", "/useradmin/users", "--query", "users", env=CI_ENV, expect_error=2)
    assert "needs a JSON answer" in result.stderr and "text/html" in result.stderr


# ------------------------------------------------- continuation tokens (content search)

SEARCH = API_URL + "/interaction-content/interactions"
WEEK = ("-q", "start=2026-11-01T00:00:00Z", "-q", "end=2026-11-08T00:00:00Z")


def serve_search(mock_http, total, size, *, tokens=None):
    """The Interaction Content v3 search: ``total`` items, ``size`` a page, the next
    position in the continuation token (or the tokens of ``tokens`` in turn)."""

    def callback(request):
        if tokens is not None:  # a scripted server: new items each time, the given tokens
            nxt = tokens.pop(0)
            items = [{"guid": f"{len(tokens)}-{i}"} for i in range(min(size, total))]
        else:
            query = parse_qs(urlsplit(request.url).query)
            position = int(query.get("continuationToken", ["pos-0"])[0].removeprefix("pos-"))
            items = [{"guid": f"g{i}"} for i in range(position, min(position + size, total))]
            nxt = f"pos-{position + size}" if position + size < total else None
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"items": items, "meta": {"nextContinuationToken": nxt}}),
        )

    mock_http.add_callback(responses.GET, SEARCH, callback=callback)


def test_paginate_follows_continuation_tokens_of_the_content_search(vcc, token_ok):
    serve_search(token_ok, 25, 10)
    doc = vcc("call", "/interaction-content/interactions", *WEEK, "--paginate", env=CI_ENV).json
    assert [i["guid"] for i in doc["items"]] == [f"g{i}" for i in range(25)]
    assert doc["meta"] == {"nextContinuationToken": None, "count": 25}
    asked = [query_of(c).get("continuationToken") for c in api_calls(token_ok)]
    assert asked == [None, ["pos-10"], ["pos-20"]]
    assert all(query_of(c)["start"] == ["2026-11-01T00:00:00Z"] for c in api_calls(token_ok))


def test_paginate_with_a_repeated_continuation_token_exits_4_without_looping(vcc, token_ok):
    serve_search(token_ok, 100, 10, tokens=["t1", "t2", "t1", "t3"])
    result = vcc("call", "/interaction-content/interactions", *WEEK, "--paginate", env=CI_ENV, expect_error=4)
    assert "repeated an earlier continuation token" in result.stderr and len(api_calls(token_ok)) == 3


def test_paginate_with_a_page_that_adds_nothing_exits_4(vcc, token_ok):
    serve_search(token_ok, 0, 10, tokens=["t1", "t2"])
    result = vcc("call", "/interaction-content/interactions", *WEEK, "--paginate", env=CI_ENV, expect_error=4)
    assert "added no items" in result.stderr


def test_paginate_then_query_over_continuation_pages(vcc, token_ok):
    serve_search(token_ok, 5, 2)
    result = vcc(
        "call", "/interaction-content/interactions", *WEEK, "--paginate", "--query", "items[-1].guid", env=CI_ENV
    )
    assert result.stdout == "g4\n"
