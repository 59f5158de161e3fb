"""SPEC sections 3 and 5, `vcc call` scope choice for endpoints that accept several scopes:
`-s` first, then an accepted scope the profile holds, then the catalog's first choice;
one more token request for another accepted scope after invalid_scope for an inferred one."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.conftest import (
    API_URL,
    CI_ENV,
    TOKEN_URL,
    api_calls,
    token_answer,
    token_calls,
)

USERS = API_URL + "/useradmin/users"
PAGE = {"users": [], "meta": {"page": 1, "count": 0, "pageCount": 0, "totalCount": 0}}


def asked_scopes(mock_http) -> list[str]:
    return [parse_qs(c.request.body)["scope"][0] for c in token_calls(mock_http)]


def login_with_scopes(vcc, mock_http, *scopes):
    args = [a for s in scopes for a in ("-s", s)]
    vcc(
        "login",
        "--region",
        "emea",
        "--client-id",
        "cid",
        "--client-secret-stdin",
        "--no-verify",
        *args,
        stdin="the-secret\n",
    )


def test_a_read_of_users_asks_for_users_read_first(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(USERS, json=PAGE)
    vcc("call", "/useradmin/users", env=CI_ENV)
    assert asked_scopes(mock_http) == ["users:read"]


def test_a_profile_holding_only_users_write_reads_users_with_users_write(vcc, mock_http):
    login_with_scopes(vcc, mock_http, "users:write")
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(USERS, json=PAGE)
    result = vcc("call", "/useradmin/users")
    assert result.exit_code == 0 and asked_scopes(mock_http) == ["users:write"]


def test_scope_option_beats_the_profile_scopes(vcc, mock_http):
    login_with_scopes(vcc, mock_http, "users:write")
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(USERS, json=PAGE)
    vcc("call", "/useradmin/users", "-s", "users:read")
    assert asked_scopes(mock_http) == ["users:read"]


def test_invalid_scope_for_an_inferred_scope_asks_once_for_the_other_accepted_scope(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope", "error_description": "not allowed"})
    mock_http.post(TOKEN_URL, json=token_answer("write-token"))
    mock_http.get(USERS, json=PAGE)
    result = vcc("call", "/useradmin/users", env=CI_ENV)
    assert result.exit_code == 0 and asked_scopes(mock_http) == ["users:read", "users:write"]
    assert "refused scope 'users:read'" in result.stderr and "'users:write'" in result.stderr
    assert api_calls(mock_http)[0].request.headers["Authorization"] == "Bearer write-token"


def test_invalid_scope_for_both_accepted_scopes_gives_up_with_exit_3_naming_both(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    result = vcc("call", "/useradmin/users", env=CI_ENV, expect_error=3)
    assert len(token_calls(mock_http)) == 2 and not api_calls(mock_http)
    assert "refused both scopes 'users:read' and 'users:write'" in result.stderr


def test_invalid_scope_for_a_scope_given_with_s_is_final(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    vcc("call", "/useradmin/users", "-s", "users:read", env=CI_ENV, expect_error=3)
    assert len(token_calls(mock_http)) == 1


def test_an_endpoint_with_one_scope_does_not_ask_again_after_invalid_scope(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    vcc("call", "/stats/agent-status", env=CI_ENV, expect_error=3)
    assert asked_scopes(mock_http) == ["stats"]


def test_a_refresh_after_401_keeps_the_scope_that_worked(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    mock_http.post(TOKEN_URL, json=token_answer("w1"))
    mock_http.post(TOKEN_URL, json=token_answer("w2"))
    mock_http.get(USERS, status=401, json={"error": "invalid_token"})
    mock_http.get(USERS, json=PAGE)
    assert vcc("call", "/useradmin/users", env=CI_ENV).exit_code == 0
    assert asked_scopes(mock_http) == ["users:read", "users:write", "users:write"]


def test_export_posts_ask_for_the_read_scope(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.post(API_URL + "/interaction-content-export/interactions/jobs/schedule-batch-export", json={"jobId": "j"})
    vcc("call", "/interaction-content-export/interactions/jobs/schedule-batch-export", "-d", "{}", env=CI_ENV)
    assert asked_scopes(mock_http) == ["interaction-content:read"]
    assert api_calls(mock_http)[0].request.headers["Accept"] == "application/vnd.newvoicemedia.v1+json"


def test_interactions_api_calls_send_vnd_v1(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.post(API_URL + "/interactions/invoke", json={})
    vcc("call", "/interactions/invoke", "-d", "{}", env=CI_ENV)
    assert api_calls(mock_http)[0].request.headers["Accept"] == "application/vnd.newvoicemedia.v1+json"
    assert asked_scopes(mock_http) == ["interactions:write"]


def test_webhook_subscriptions_are_created_with_admin_write(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.post(API_URL + "/webhooks/subscriptions", json={"subscriptionId": "s"})
    vcc("call", "/webhooks/subscriptions", "-f", "name=x", env=CI_ENV)
    assert asked_scopes(mock_http) == ["admin:write"]


def test_dry_run_names_the_scope_the_profile_holds(vcc, mock_http):
    login_with_scopes(vcc, mock_http, "users:write")
    result = vcc("call", "--dry-run", "/useradmin/users")
    assert "$(vcc token -s users:write)" in result.stdout


def test_after_a_fallback_the_next_call_uses_the_cached_token_without_a_refused_request(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    mock_http.post(TOKEN_URL, json=token_answer("write-token"))
    mock_http.get(USERS, json=PAGE)
    vcc("call", "/useradmin/users", env=CI_ENV)
    second = vcc("call", "/useradmin/users", env=CI_ENV)
    assert len(token_calls(mock_http)) == 2 and "refused" not in second.stderr
    assert api_calls(mock_http)[-1].request.headers["Authorization"] == "Bearer write-token"


def test_vcc_scope_names_the_scopes_env_credentials_hold(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(USERS, json=PAGE)
    vcc("call", "/useradmin/users", env={**CI_ENV, "VCC_SCOPE": "stats users:write"})
    assert asked_scopes(mock_http) == ["users:write"]


def test_dry_run_names_the_other_accepted_scope_on_stderr(vcc, mock_http):
    result = vcc("call", "--dry-run", "/useradmin/users", env=CI_ENV)
    assert "$(vcc token -s users:read)" in result.stdout and "-s users:write" in result.stderr
    assert not mock_http.calls
