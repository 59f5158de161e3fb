"""SPEC section 4, `vcc call -f/-F`: gh-style fields build the JSON body (or the query
string of a GET)."""

from __future__ import annotations

import json

from tests.conftest import API_URL, CI_ENV, api_calls

USERS = API_URL + "/useradmin/users"


def test_fields_build_a_json_body_and_make_the_method_post(vcc, token_ok):
    token_ok.post(USERS, json={}, status=201)
    vcc(
        "call",
        "/useradmin/users",
        "-f",
        "username=ana",
        "-F",
        "enabled=true",
        "-F",
        "age=42",
        "-F",
        "roles[]=Agent",
        "-f",
        "address[city]=Paris",
        env=CI_ENV,
    )
    request = api_calls(token_ok)[0].request
    assert request.method == "POST" and request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "username": "ana",
        "enabled": True,
        "age": 42,
        "roles": ["Agent"],
        "address": {"city": "Paris"},
    }


def test_typed_field_reads_a_file_with_at(vcc, token_ok, tmp_path):
    token_ok.patch(USERS + "/42", json={})
    note = tmp_path / "note.txt"
    note.write_text("line one\nline two")
    vcc("call", "PATCH", "/useradmin/users/42", "-F", f"note=@{note}", env=CI_ENV)
    assert json.loads(api_calls(token_ok)[0].request.body) == {"note": "line one\nline two"}


def test_typed_field_reads_stdin_with_at_dash(vcc, token_ok):
    token_ok.patch(USERS + "/42", json={})
    vcc("call", "PATCH", "/useradmin/users/42", "-F", "note=@-", stdin="from stdin", env=CI_ENV)
    assert json.loads(api_calls(token_ok)[0].request.body) == {"note": "from stdin"}


def test_fields_of_a_get_go_to_the_query_string(vcc, token_ok):
    token_ok.get(API_URL + "/stats/agent-activities", json={})
    vcc("call", "GET", "/stats/agent-activities", "-f", "start=2026-01-01T00:00:00Z", "-F", "pageSize=50", env=CI_ENV)
    request = api_calls(token_ok)[0].request
    assert request.body is None
    assert request.url.endswith("?start=2026-01-01T00%3A00%3A00Z&pageSize=50")


def test_data_and_fields_together_are_a_usage_error(vcc, mock_http):
    result = vcc("call", "/useradmin/users", "-d", "{}", "-f", "a=b", env=CI_ENV, expect_error=2)
    assert "-d and -f/-F" in result.stderr and len(mock_http.calls) == 0


def test_a_field_given_twice_is_a_usage_error_before_anything_is_sent(vcc, mock_http):
    result = vcc("call", "/useradmin/users", "-f", "a=1", "-f", "a=2", env=CI_ENV, expect_error=2)
    assert "clashes" in result.stderr and len(mock_http.calls) == 0


def test_dry_run_shows_the_json_body_built_from_fields(vcc, mock_http):
    result = vcc("call", "--dry-run", "/useradmin/users", "-f", "username=o'neil", "-F", "roles[]=Agent", env=CI_ENV)
    assert len(mock_http.calls) == 0
    assert result.stdout.startswith("curl -X POST https://emea.api.cc.vonage.com/useradmin/users ")
    assert "-H 'Content-Type: application/json'" in result.stdout
    assert """--data-binary '{"username": "o'"'"'neil", "roles": ["Agent"]}'""" in result.stdout
