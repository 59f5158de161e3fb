"""`vcc login` / `vcc logout` and `vcc scopes`."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.conftest import CI_ENV, TOKEN_URL, token_answer


def login(vcc, *extra, stdin="the-secret\n", **kw):
    return vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", *extra, stdin=stdin, **kw)


def test_login_verifies_then_stores_secret_in_keyring_and_id_in_config(vcc, mock_http, keyring_store, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer("v"))
    result = login(vcc, "-s", "stats")
    assert len(mock_http.calls) == 1 and "verified" in result.stderr
    assert keyring_store.secrets == {"default": "the-secret"}
    text = (tmp_path / "config" / "config.toml").read_text()
    assert 'client_id = "cid"' in text and 'region = "emea"' in text and "the-secret" not in text
    assert result.stdout == ""


def test_login_caches_the_verification_token(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("from-login"))
    login(vcc, "-s", "stats")
    assert vcc("token").stdout == "from-login\n"  # default scope from the profile
    assert len(mock_http.calls) == 1


def test_rejected_credentials_store_nothing_and_exit_3(vcc, mock_http, keyring_store, tmp_path):
    mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    result = login(vcc, "-s", "stats", expect_error=3)
    assert keyring_store.secrets == {} and not (tmp_path / "config" / "config.toml").exists()
    assert "invalid_client" in result.stderr


def test_login_without_scopes_accepts_invalid_scope_as_proof_of_credentials(vcc, mock_http, keyring_store):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    result = login(vcc)
    assert "credentials accepted" in result.stderr and keyring_store.secrets["default"] == "the-secret"
    assert "scope" not in parse_qs(mock_http.calls[0].request.body)


def test_no_verify_sends_nothing(vcc, mock_http, keyring_store):
    login(vcc, "--no-verify")
    assert len(mock_http.calls) == 0 and keyring_store.secrets["default"] == "the-secret"


def test_no_keyring_is_exit_3_naming_the_ways_out(vcc, mock_http, keyring_store):
    keyring_store.available = False
    result = login(vcc, expect_error=3)
    assert "VCC_CLIENT_ID" in result.stderr and "gnome-keyring" in result.stderr
    assert "PYTHON_KEYRING_BACKEND" in result.stderr and len(mock_http.calls) == 0


def test_missing_values_without_a_terminal_are_usage_errors(vcc):
    result = vcc("login", "--region", "emea", expect_error=2)
    assert "client id" in result.stderr.lower()


def test_empty_secret_on_stdin_is_a_usage_error(vcc):
    assert login(vcc, stdin="\n", expect_error=2).exit_code == 2


def test_prompts_on_a_terminal_for_what_is_missing(vcc, mock_http, keyring_store, monkeypatch):
    hidden = []
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: hidden.append(prompt) or "hidden-secret")
    done = vcc("login", "--no-verify", tty=True, stdin="nam\nprompted-id\n")
    assert hidden == ["Client secret: "]  # only the secret is read without echo
    assert "Region (emea, nam, apac): " in done.stderr and "Client ID: " in done.stderr
    assert keyring_store.secrets == {"default": "hidden-secret"}
    assert vcc("status", "--no-clock").stdout.count("prompted-id") == 1


def test_an_empty_answer_is_asked_again_and_end_of_input_stops(vcc, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: "s")
    done = vcc("login", "--no-verify", tty=True, stdin="\nnam\n", expect_error=130)
    assert done.stderr.count("Region (emea, nam, apac): ") == 2 and "vcc: interrupted" in done.stderr


def test_custom_urls_are_saved_in_the_profile(vcc, mock_http, tmp_path):
    mock_http.post("http://127.0.0.1:9/Auth/connect/token", json=token_answer())
    vcc(
        "login",
        "--auth-url",
        "http://127.0.0.1:9",
        "--api-url",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
        "--client-secret-stdin",
        "-s",
        "stats",
        stdin="s\n",
    )
    text = (tmp_path / "config" / "config.toml").read_text()
    assert 'auth_url = "http://127.0.0.1:9"' in text


def test_no_option_takes_the_secret_as_an_argument(vcc):
    assert vcc("login", "--client-secret", "x", expect_error=2).exit_code == 2


def test_logout_removes_secret_profile_and_cached_tokens(vcc, mock_http, keyring_store, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer())
    login(vcc, "-s", "stats")
    assert list((tmp_path / "cache").glob("*.json"))
    vcc("logout")
    assert keyring_store.secrets == {} and not list((tmp_path / "cache").glob("*.json"))
    assert "default" not in (tmp_path / "config" / "config.toml").read_text()
    assert vcc("logout").exit_code == 0  # twice is fine


def test_logout_all(vcc, keyring_store):
    login(vcc, "--no-verify")
    login(vcc, "--no-verify", "--profile", "other")
    vcc("logout", "--all")
    assert keyring_store.secrets == {}


def test_logout_keeps_other_profiles(vcc, keyring_store):
    login(vcc, "--no-verify")
    login(vcc, "--no-verify", "--profile", "other")
    vcc("logout", "--profile", "other")
    assert list(keyring_store.secrets) == ["default"]


def test_scopes_json_lists_every_api_with_source(vcc):
    data = vcc("scopes", "--json").json
    names = {api["api"] for api in data}
    assert {"Agent Availability API", "Insights Stats API", "User Admin API", "Payment API"} <= names
    stats = next(a for a in data if a["prefix"] == "/stats")
    assert stats["accept"] == "application/vnd.newvoicemedia.v3+json" and stats["source"].startswith("https://")
    assert stats["scopes"][0]["value"] == "stats" and stats["scopes"][0]["description"] == "View Insights stats"


def test_scopes_table_when_piped_is_tab_separated(vcc):
    lines = vcc("scopes").stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["API", "scope"]
    assert any("\tagents-availability:read\t" in line for line in lines)


def test_scopes_with_a_profile_shows_defaults_and_cached_lifetimes(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=900))
    login(vcc, "-s", "stats")
    data = vcc("scopes", "--json").json
    stats = next(a for a in data if a["prefix"] == "/stats")["scopes"][0]
    assert stats["default"] is True and stats["cached_token_expires_in"] == 900


def test_scopes_never_asks_the_network_or_keyring(vcc, mock_http, keyring_store):
    keyring_store.available = False
    vcc("scopes", env=CI_ENV)
    assert len(mock_http.calls) == 0


def test_version_and_help(capsys):
    from vcc_cli import __version__
    from vcc_cli.app import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vcc {__version__}\n"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("login", "logout", "token", "call", "scopes"):
        assert name in out


def test_scopes_shows_where_a_scope_is_accepted_in_place_of_another(vcc):
    lines = [line.split("\t") for line in vcc("scopes").stdout.splitlines()]
    header, rows = lines[0], lines[1:]
    used_for = header.index("used for")
    users_write = next(r for r in rows if r[0] == "User Admin API" and r[1] == "users:write")
    assert users_write[used_for] == "POST PUT PATCH DELETE; GET in place of users:read"


def test_scopes_lists_admin_and_self_scopes_and_the_new_apis(vcc):
    data = vcc("scopes", "--json").json
    by_api = {api["api"]: [s["value"] for s in api["scopes"]] for api in data}
    assert by_api["Webhooks API"] == ["admin:read", "admin:write"]
    assert {"admin:read", "self:read", "self:write"} <= set(by_api["Agents API"])
    assert by_api["Interaction Content Export API"] == ["interaction-content:read"]


def test_scopes_json_lists_each_endpoint_with_its_accepted_scopes_and_paging(vcc):
    data = vcc("scopes", "--json").json
    content = next(a for a in data if a["prefix"] == "/interaction-content")
    search = next(
        e for e in content["endpoints"] if e["method"] == "GET" and e["path"] == "/interaction-content/interactions"
    )
    assert search["scopes"] == ["interaction-content:read"] and search["paging"] == "continuation"
    assert search["window_days"] == 7 and search["versions"] == [3, 2]
    users = next(a for a in data if a["prefix"] == "/useradmin")
    listing = next(e for e in users["endpoints"] if e["method"] == "GET" and e["path"] == "/useradmin/users")
    assert listing["scopes"] == ["users:read", "users:write"]
