"""SPEC section 4, `vcc token`'s token endpoint answers (``vcc_cli.tokens.client``),
against RFC 6749 (sections 2.3.1, 4.4, 5.1, 5.2): a refusal is exit 3, an unusable
answer exit 4."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests

from tests.conftest import TOKEN_URL, token_answer
from vcc_cli.errors import AuthError, NetworkError, TokenRefused
from vcc_cli.tokens.client import MAX_LIFETIME, fetch_token

TIMEOUT = (10.0, 60.0)


def fetch(scopes=("stats",), client_id="abcde", secret="12345", clock=lambda: 1000.0):
    return fetch_token(requests.Session(), TOKEN_URL, client_id, secret, scopes, timeout=TIMEOUT, clock=clock)


def test_request_is_form_encoded_client_credentials_with_space_separated_scopes(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    fetch(scopes=("stats", "users:read"))
    request = mock_http.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body)
    assert form["grant_type"] == ["client_credentials"] and form["scope"] == ["stats users:read"]


def test_credentials_go_in_the_body_as_vcc_documents_not_in_basic(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    fetch(client_id="id with space", secret="p@ss:word+/")
    request = mock_http.calls[0].request
    assert "Authorization" not in request.headers
    form = parse_qs(request.body)
    assert form["client_id"] == ["id with space"] and form["client_secret"] == ["p@ss:word+/"]


def test_wrong_credentials_cost_one_token_request(mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    with pytest.raises(AuthError, match="invalid_client"):
        fetch()
    assert len(mock_http.calls) == 1


def test_an_oauth_refusal_carries_its_error_code(mock_http):
    mock_http.post(
        TOKEN_URL, status=400, json={"error": "invalid_scope", "error_description": "You must specify a scope"}
    )
    with pytest.raises(TokenRefused) as refused:
        fetch()
    assert refused.value.code == "invalid_scope" and refused.value.exit_code == 3


def test_expiry_is_counted_from_when_the_request_was_sent(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=900))
    result = fetch(clock=lambda: 5000.0)
    assert result.token.expires_at == 5900.0 and result.cacheable


def test_granted_scope_defaults_to_the_requested_ones(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    assert fetch(scopes=("a", "b")).token.scopes == ("a", "b")


def test_granted_scope_from_the_answer_wins(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(scope="stats users:read"))
    assert fetch(scopes=("stats",)).token.scopes == ("stats", "users:read")


@pytest.mark.parametrize("expires_in", [None, "soon", float("nan"), True, [1]])
def test_missing_or_absurd_expires_in_means_use_once_and_do_not_cache(mock_http, expires_in):
    body = token_answer()
    if expires_in is None:
        del body["expires_in"]
    else:
        body["expires_in"] = expires_in if not isinstance(expires_in, float) else "nan"
    mock_http.post(TOKEN_URL, json=body)
    result = fetch()
    assert not result.cacheable and result.token.expires_at is None
    assert "expires_in" in result.notes[0]


@pytest.mark.parametrize("expires_in", [0, -5, -0.5, "-60", "0", pytest.param(-(10**400), id="-10**400")])
def test_zero_or_negative_expires_in_is_an_unusable_answer_exit_4(mock_http, expires_in):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=expires_in))
    with pytest.raises(NetworkError, match="already expired") as caught:
        fetch()
    assert caught.value.exit_code == 4


def test_huge_expires_in_is_capped(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=10**12))
    assert fetch(clock=lambda: 0.0).token.expires_at == MAX_LIFETIME


def test_numeric_string_expires_in_is_accepted(mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in="3600"))
    assert fetch(clock=lambda: 0.0).token.expires_at == 3600


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, "invalid_client", "client ID or secret"),
        (400, "invalid_scope", "refused the scope"),
        (400, "unauthorized_client", "client credentials grant"),
        (400, "unsupported_grant_type", "unsupported_grant_type"),
        (200, "invalid_request", "invalid_request"),
    ],
)
def test_oauth_error_answers_are_refusals_exit_3(mock_http, status, error, words):
    mock_http.post(TOKEN_URL, status=status, json={"error": error, "error_description": "nope"})
    with pytest.raises(AuthError) as caught:
        fetch()
    assert words in caught.value.message and caught.value.exit_code == 3
    assert caught.value.hint


def test_error_description_never_echoes_the_secret(mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope", "error_description": "bad 12345 thing"})
    with pytest.raises(AuthError) as caught:
        fetch(secret="12345")
    assert "12345" not in caught.value.message


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (503, "Service Unavailable", "text/plain"),
        (500, '{"error": "server_error"}', "application/json"),
        (200, "<html>login page</html>", "text/html"),
        (200, '{"token_type": "Bearer"}', "application/json"),
        (200, '{"access_token": ""}', "application/json"),
        (200, '["not", "an", "object"]', "application/json"),
        (200, '{"access_token": "x", "token_type": "mac"}', "application/json"),
        (404, "<html>Not Found</html>", "text/html"),
        (302, "", "text/html"),
    ],
)
def test_unusable_answers_are_exit_4(mock_http, status, body, content_type):
    mock_http.post(TOKEN_URL, status=status, body=body, content_type=content_type)
    with pytest.raises(NetworkError) as caught:
        fetch()
    assert caught.value.exit_code == 4 and caught.value.hint


def test_connection_refused_is_exit_4(mock_http):
    mock_http.post(TOKEN_URL, body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    with pytest.raises(NetworkError) as caught:
        fetch()
    assert "emea.cc.vonage.com" in caught.value.message


def test_timeout_is_exit_4_and_names_the_limit(mock_http):
    mock_http.post(TOKEN_URL, body=requests.exceptions.ReadTimeout())
    with pytest.raises(NetworkError) as caught:
        fetch()
    assert "60 s" in caught.value.message and "--timeout" in caught.value.hint


def test_an_error_description_echoing_the_form_encoded_secret_is_redacted(mock_http):
    secret = "p@ss w+rd/1"
    echoed = "bad request body: client_secret=p%40ss+w%2Brd%2F1&scope=stats"
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_request", "error_description": echoed})
    with pytest.raises(AuthError) as refused:
        fetch(secret=secret)
    assert "p%40ss" not in refused.value.message and secret not in refused.value.message
    assert "[REDACTED]" in refused.value.message
