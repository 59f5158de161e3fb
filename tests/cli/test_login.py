"""SPEC section 4, `vcc login`: verifies by requesting a token (rejected credentials
store nothing, exit 3), stores the secret in the keyring and the rest in the profile,
prompts on a terminal for what is missing, and takes the secret only on stdin or a
hidden prompt, never as an argument. No usable keyring is exit 3 naming the ways out."""

from __future__ import annotations

from urllib.parse import parse_qs

from tests.cli.conftest import login
from tests.conftest import TOKEN_URL, token_answer


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


def test_logging_in_again_keeps_the_profiles_custom_urls(vcc, mock_http, tmp_path):
    vcc(
        "login",
        "--auth-url",
        "http://127.0.0.1:9",
        "--api-url",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
        "--client-secret-stdin",
        "--no-verify",
        stdin="s\n",
    )
    vcc("login", "--client-id", "c2", "--client-secret-stdin", "--no-verify", stdin="s2\n")
    text = (tmp_path / "config" / "config.toml").read_text()
    assert 'auth_url = "http://127.0.0.1:9"' in text and 'client_id = "c2"' in text


def test_no_option_takes_the_secret_as_an_argument(vcc):
    assert vcc("login", "--client-secret", "x", expect_error=2).exit_code == 2
