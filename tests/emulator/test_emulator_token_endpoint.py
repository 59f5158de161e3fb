"""SPEC section 4, `vcc emulator`'s token endpoint: VCC's authentication guide
(DV 3565192752, DV 3566174935), VCC's Node sample (HTTP Basic), and RFC 6749 sections
2.3.1, 4.4 and 5.2 where the guide is silent."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from urllib.parse import quote_plus

import pytest
import requests

from vcc_cli import catalog
from vcc_cli.emulator import Client, Emulator

FORM = {
    "grant_type": "client_credentials",
    "client_id": "demo-client",
    "client_secret": "demo-secret",
    "scope": "stats",
}


def post_token(http, emulator, data=None, **kwargs):
    return http.post(emulator.url + "/Auth/connect/token", data=data, **kwargs)


def basic(user: str, password: str) -> str:
    pair = f"{quote_plus(user)}:{quote_plus(password)}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def test_token_answer_is_access_token_expires_in_7200_and_token_type_only(http, emulator):
    response = post_token(http, emulator, FORM)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}  # no scope: VCC sends none
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 7200
    assert body["access_token"]
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["Date"]


def test_tokens_are_different_each_time(http, emulator):
    first = post_token(http, emulator, FORM).json()["access_token"]
    second = post_token(http, emulator, FORM).json()["access_token"]
    assert first != second


def test_token_endpoint_rejects_json_body(http, emulator):
    response = post_token(http, emulator, json=FORM)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in response.json()["error_description"]


def test_token_endpoint_rejects_body_without_content_type(http, emulator):
    body = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=stats"
    response = post_token(http, emulator, body.encode())  # bytes: requests sets no Content-Type

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_accepts_form_content_type_with_charset(http, emulator):
    body = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=stats"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
    assert post_token(http, emulator, body, headers=headers).status_code == 200


def test_client_credentials_in_the_body_as_documented(http, emulator):
    assert post_token(http, emulator, FORM).status_code == 200


def test_client_credentials_as_http_basic_as_vccs_node_sample_sends_them(http, emulator):
    response = post_token(
        http,
        emulator,
        {"grant_type": "client_credentials", "scope": "stats"},
        headers={"Authorization": basic("demo-client", "demo-secret")},
    )

    assert response.status_code == 200, response.text
    assert response.json()["expires_in"] == 7200


def test_basic_auth_credentials_are_form_decoded():
    # RFC 6749 2.3.1: id and secret are form-urlencoded before Basic encoding.
    client = Client("team a:1", "p&ss w+rd", frozenset({"stats"}))
    with Emulator(clients=[client]) as emu:
        response = requests.post(
            emu.url + "/Auth/connect/token",
            data={"grant_type": "client_credentials", "scope": "stats"},
            headers={"Authorization": basic(client.client_id, client.secret)},
        )
    assert response.status_code == 200, response.text


def test_basic_and_body_credentials_together_is_invalid_request(http, emulator):
    response = post_token(http, emulator, FORM, headers={"Authorization": basic("demo-client", "demo-secret")})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_wrong_secret_is_invalid_client_401(http, emulator):
    response = post_token(http, emulator, {**FORM, "client_secret": "nope"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "error_description" in response.json()


def test_wrong_basic_secret_is_invalid_client_401_with_www_authenticate(http, emulator):
    response = post_token(
        http,
        emulator,
        {"grant_type": "client_credentials", "scope": "stats"},
        headers={"Authorization": basic("demo-client", "nope")},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_client_is_invalid_client_401(http, emulator):
    response = post_token(http, emulator, {**FORM, "client_id": "stranger"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_missing_credentials_is_invalid_client_401(http, emulator):
    response = post_token(http, emulator, {"grant_type": "client_credentials", "scope": "stats"})

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


UNSUPPORTED_GRANT_TYPE = {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}


def test_wrong_grant_type_is_unsupported_grant_type_invalid_grant_type(http, emulator):
    response = post_token(http, emulator, {**FORM, "grant_type": "password"})

    assert response.status_code == 400
    assert response.json() == UNSUPPORTED_GRANT_TYPE


def test_missing_grant_type_is_unsupported_grant_type_invalid_grant_type(http, emulator):
    form = {k: v for k, v in FORM.items() if k != "grant_type"}
    response = post_token(http, emulator, form)

    assert response.status_code == 400
    assert response.json() == UNSUPPORTED_GRANT_TYPE


def test_client_authentication_is_checked_before_the_grant_type(http, emulator):
    response = post_token(http, emulator, {**FORM, "client_secret": "nope", "grant_type": "password"})

    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_repeated_parameter_is_invalid_request(http, emulator):
    body = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=stats&scope=stats"
    response = post_token(http, emulator, body, headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_client_secret_in_url_is_refused(http, emulator):
    response = http.post(emulator.url + "/Auth/connect/token?client_secret=demo-secret", data=FORM)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_scope_not_allowed_is_invalid_scope(http, emulator):
    form = {**FORM, "client_id": "abcde", "client_secret": "12345", "scope": "stats"}
    response = post_token(http, emulator, form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert "stats" in response.json()["error_description"]


def test_one_refused_scope_among_several_is_invalid_scope(http, emulator):
    form = {**FORM, "client_id": "abcde", "client_secret": "12345", "scope": "agents-availability:read stats"}
    response = post_token(http, emulator, form)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_missing_scope_is_invalid_scope_you_must_specify_a_scope(http, emulator):
    form = {k: v for k, v in FORM.items() if k != "scope"}
    response = post_token(http, emulator, form)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope", "error_description": "You must specify a scope"}


def test_several_scopes_granted_together(http, emulator):
    response = post_token(http, emulator, {**FORM, "scope": "stats users:read  users:write"})

    assert response.status_code == 200
    token = response.json()["access_token"]
    for path, accept in (("/stats/agent-status", 3), ("/useradmin/users", 4)):
        headers = {"Authorization": f"Bearer {token}", "Accept": f"application/vnd.newvoicemedia.v{accept}+json"}
        assert http.get(emulator.url + path, headers=headers).status_code == 200


def test_token_looks_like_a_jwt_carrying_client_scope_and_expiry(http, emulator, clock):
    token = post_token(http, emulator, FORM).json()["access_token"]
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    assert claims["client_id"] == "demo-client"
    assert claims["scope"] == ["stats"]
    assert claims["exp"] == int(clock.now) + 7200


def test_token_endpoint_allows_only_post(http, emulator):
    response = http.get(emulator.url + "/Auth/connect/token")

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"] == "invalid_request"


def test_default_client_may_ask_for_every_catalog_scope(http, emulator):
    response = post_token(http, emulator, {**FORM, "scope": " ".join(catalog.all_scopes())})

    assert response.status_code == 200, response.text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_example_from_the_guide_works(emulator):
    command = (
        "curl -X POST -H 'content-type: application/x-www-form-urlencoded' "
        "-d 'grant_type=client_credentials&client_id=abcde&client_secret=12345&scope=agents-availability%3Aread' "
        f"{emulator.url}/Auth/connect/token"
    )
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=10)

    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7200

    # The guide's second example, with the token it just got.
    command = (
        f"curl -X GET '{emulator.url}/agents-availability?skillNames=French,English' "
        "-H 'accept: application/vnd.newvoicemedia.v1+json' "
        f"-H 'authorization: Bearer {body['access_token']}' "
        "-H 'content-type: application/json'"
    )
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=10)

    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"Ready", "Away", "Extended Away", "Logged Out"}
