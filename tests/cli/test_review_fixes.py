"""Promises found missing by a review: host pinning against parser tricks, special -o targets,
an unlockable cache, granted scopes only, a refresh that cannot be cached, an odd Date header."""

from __future__ import annotations

import email.utils
import os

import pytest

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, token_answer


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com\\@emea.api.cc.vonage.com/stats/agent-activities",
        "https://emea.api.cc.vonage.com@evil.example.com/stats",
        "https://user:pw@emea.api.cc.vonage.com/stats",
        "https://emea.api.cc.vonage.com:99999/stats",
        "https://emea.api.cc.vonage.com/stats\r\nX-Injected: 1",
    ],
)
def test_urls_that_parsers_read_differently_are_refused_before_anything_is_sent(vcc, mock_http, url):
    result = vcc("call", url, env=CI_ENV, expect_error=2)
    assert len(mock_http.calls) == 0 and len(result.stderr.strip().splitlines()) <= 2


def test_a_leading_double_slash_stays_on_the_api_host(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/agent-activities", json={})
    vcc("call", "//stats/agent-activities", env=CI_ENV)
    assert mock_http.calls[-1].request.url == API_URL + "/stats/agent-activities"


def test_output_to_a_fifo_or_device_writes_into_it_and_keeps_it(vcc, mock_http, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/x", body=b"data")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)  # noqa: SIM115
    reader.start()
    try:
        vcc("call", "/stats/x", "-o", str(fifo), env=CI_ENV)
    finally:
        if reader.is_alive():  # unblock the reader if vcc never opened the pipe
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert received == [b"data"] and os.path.exists(fifo) and not os.path.isfile(fifo)


def test_output_dash_is_stdout(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/x", body=b"\x00binary")
    assert vcc("call", "/stats/x", "-o", "-", env=CI_ENV, tty=True).stdout_bytes == b"\x00binary"


def test_a_cache_that_cannot_be_locked_still_gives_the_token_with_a_note(vcc, mock_http, tmp_path):
    from vcc_cli.tokens.cache import cache_key

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    key = cache_key(TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"])
    (cache / f"{key}.lock").symlink_to(cache / f"{key}.lock")  # a symlink loop: ELOOP on open
    mock_http.post(TOKEN_URL, json=token_answer("unlocked"))
    result = vcc("token", "-s", "stats", env=CI_ENV)
    assert result.stdout == "unlocked\n" and "not cached" in result.stderr


def test_a_scope_asked_for_but_not_granted_is_never_served_from_cache(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("only-stats", scope="stats"))
    mock_http.post(TOKEN_URL, json=token_answer("users", scope="users:read"))
    vcc("token", "-s", "stats", "-s", "users:read", env=CI_ENV)
    assert vcc("token", "-s", "users:read", env=CI_ENV).stdout == "users\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "only-stats\n"


def test_refresh_with_an_uncacheable_answer_drops_the_old_entry(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("old"))
    mock_http.post(TOKEN_URL, json={"access_token": "no-expiry", "token_type": "Bearer"})
    mock_http.post(TOKEN_URL, json=token_answer("newest"))
    vcc("token", "-s", "stats", env=CI_ENV)
    assert vcc("token", "-s", "stats", "--refresh", env=CI_ENV).stdout == "no-expiry\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "newest\n"


@pytest.mark.parametrize("date", ["garbage-date", "Mon, 99 Foo 2026 99:99:99 GMT", ""])
def test_status_survives_an_unreadable_date_header(vcc, mock_http, date):
    mock_http.get(TOKEN_URL, status=405, headers={"Date": date} if date else {})
    result = vcc("status", env=CI_ENV)
    assert "clock offset" in result.stdout and "unknown" in result.stdout


def test_status_offset_accounts_for_the_truncated_date(vcc, mock_http, clock):
    clock.now = 1_800_000_000.9
    mock_http.get(TOKEN_URL, status=405, headers={"Date": email.utils.formatdate(1_800_000_000, usegmt=True)})
    assert "-0 s against" in vcc("status", env=CI_ENV).stdout


def test_status_flags_a_cache_dir_that_is_a_file(vcc, tmp_path):
    cachefile = tmp_path / "cachefile"
    cachefile.write_text("")
    result = vcc("status", "--no-clock", env={**CI_ENV, "VCC_CACHE_DIR": str(cachefile)}, expect_error=3)
    assert "FAIL cache dir" in result.stdout and "a directory" in result.stdout


def test_vcc_token_that_is_not_a_bearer_token_is_refused_without_echo(vcc):
    result = vcc("token", env={"VCC_TOKEN": "tok-SECRETISH\nline2"}, expect_error=2)
    assert "VCC_TOKEN" in result.stderr and "SECRETISH" not in result.stderr + result.stdout


def test_logout_keeps_the_profile_while_the_secret_cannot_be_removed(vcc, keyring_store, tmp_path):
    vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    keyring_store.available = False
    first = vcc("logout", expect_error=3)
    assert "kept" in first.stderr and "[profiles.default]" in (tmp_path / "config" / "config.toml").read_text()
    keyring_store.available = True
    vcc("logout")
    assert keyring_store.secrets == {}
    assert "[profiles.default]" not in (tmp_path / "config" / "config.toml").read_text()


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


def test_a_full_stdout_is_a_clean_error(vcc, mock_http, monkeypatch):
    import errno

    from vcc_cli.output import IO

    def full(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(
        IO, "write_line", __import__("vcc_cli.output", fromlist=["_stdout_errors"])._stdout_errors(full)
    )
    result = vcc("token", env={"VCC_TOKEN": "abc"}, expect_error=2)
    assert "cannot write the output: No space left on device" in result.stderr


def test_plain_vcc_prints_the_help_as_usage(vcc):
    result = vcc(expect_error=2)
    assert "Usage: vcc" in result.stderr and "vcc: error" not in result.stderr


@pytest.mark.parametrize("value", ["abc", "inf", "0", "-1", "1e10"])
def test_a_bad_keyring_timeout_is_a_usage_error(value, monkeypatch):
    from vcc_cli.errors import UsageError
    from vcc_cli.tokens.secrets import keyring_timeout

    monkeypatch.setenv("VCC_KEYRING_TIMEOUT", value)
    with pytest.raises(UsageError):
        keyring_timeout()


def test_secret_file_without_client_id_names_the_variable_that_is_set(vcc, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("x\n")
    result = vcc(
        "token", "-s", "stats", env={"VCC_CLIENT_SECRET_FILE": str(secret), "VCC_REGION": "emea"}, expect_error=3
    )
    assert "VCC_CLIENT_SECRET_FILE is set but VCC_CLIENT_ID is not" in result.stderr


def test_foo_dot_localhost_is_not_loopback():
    from vcc_cli.config import is_loopback

    assert not is_loopback("foo.localhost") and is_loopback("localhost") and is_loopback("127.9.9.9")


def test_an_existing_directory_writable_by_others_is_not_used_for_the_cache(vcc, mock_http, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    mock_http.post(TOKEN_URL, json=token_answer("t"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(shared)})
    assert result.stdout == "t\n" and "not cached" in result.stderr
    assert oct(shared.stat().st_mode & 0o777) == "0o777" and not list(shared.glob("*.json"))
