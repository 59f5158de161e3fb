"""SPEC section 4, `vcc status`: what is in place, where it came from, the clock offset
against the token endpoint, and the fix when something is missing (exit 3)."""

from __future__ import annotations

import email.utils

import pytest

from tests.conftest import CI_ENV, TOKEN_URL, token_answer


def test_ready_with_env_credentials_exit_0_and_sources_named(vcc, mock_http, clock):
    mock_http.get(TOKEN_URL, status=405, headers={"Date": email.utils.formatdate(clock.now + 2, usegmt=True)})
    result = vcc("status", env=CI_ENV)
    assert "env VCC_REGION" in result.stdout and "env VCC_CLIENT_ID + VCC_CLIENT_SECRET" in result.stdout
    assert "ready: `vcc token` has what it needs" in result.stdout
    assert "+2 s against the token endpoint" in result.stdout


def test_clock_off_by_minutes_is_not_ready_exit_3(vcc, mock_http, clock):
    mock_http.get(TOKEN_URL, status=405, headers={"Date": email.utils.formatdate(clock.now - 600, usegmt=True)})
    result = vcc("status", env=CI_ENV, expect_error=3)
    assert "FAIL clock offset" in result.stdout and "NTP" in result.stdout


@pytest.mark.parametrize("date", ["garbage-date", "Mon, 99 Foo 2026 99:99:99 GMT", ""])
def test_status_survives_an_unreadable_date_header(vcc, mock_http, date):
    mock_http.get(TOKEN_URL, status=405, headers={"Date": date} if date else {})
    result = vcc("status", env=CI_ENV)
    assert "clock offset" in result.stdout and "unknown" in result.stdout


def test_status_offset_accounts_for_the_truncated_date(vcc, mock_http, clock):
    clock.now = 1_800_000_000.9
    mock_http.get(TOKEN_URL, status=405, headers={"Date": email.utils.formatdate(1_800_000_000, usegmt=True)})
    assert "-0 s against" in vcc("status", env=CI_ENV).stdout


def test_unreachable_token_endpoint_is_not_ready(vcc):
    env = {**CI_ENV, "VCC_AUTH_URL": "http://127.0.0.1:9", "VCC_API_URL": "http://127.0.0.1:9"}
    result = vcc("status", env=env, expect_error=3)
    assert "FAIL token endpoint reachable" in result.stdout


def test_no_credentials_names_the_fix_exit_3(vcc):
    result = vcc("status", "--region", "emea", "--no-clock", expect_error=3)
    assert "FAIL credentials" in result.stdout and "vcc login" in result.stderr


def test_profile_with_keyring_secret_is_ready(vcc, keyring_store):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    result = vcc("status", "--no-clock")
    assert "nam (config (profile default))" in result.stdout
    assert "secret for profile default found" in result.stdout


def test_profile_without_keyring_is_not_ready(vcc, keyring_store):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    keyring_store.available = False
    result = vcc("status", "--no-clock", expect_error=3)
    assert "FAIL keyring" in result.stdout and "gnome-keyring" in result.stdout


def test_cached_tokens_and_their_lifetimes_are_listed(vcc, mock_http, clock):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=900))
    vcc("token", "-s", "stats", env=CI_ENV)
    clock.advance(300)
    result = vcc("status", "--no-clock", env=CI_ENV)
    assert "stats: 10 min left" in result.stdout


def test_config_writable_by_others_is_a_failure_with_chmod_fix(vcc, tmp_path):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    (tmp_path / "config" / "config.toml").chmod(0o666)
    result = vcc("status", "--no-clock", env=CI_ENV, expect_error=3)
    assert "chmod 600" in result.stdout


def test_status_flags_a_cache_dir_that_is_a_file(vcc, tmp_path):
    cachefile = tmp_path / "cachefile"
    cachefile.write_text("")
    result = vcc("status", "--no-clock", env={**CI_ENV, "VCC_CACHE_DIR": str(cachefile)}, expect_error=3)
    assert "FAIL cache dir" in result.stdout and "a directory" in result.stdout


def test_json_output(vcc):
    data = vcc("status", "--json", "--no-clock", env=CI_ENV).json
    assert data["ready"] is True and {c["name"] for c in data["checks"]} >= {"profile", "region", "credentials"}


def test_status_fails_a_cache_dir_below_a_directory_others_can_write(vcc, tmp_path):
    """SPEC section 2: the rule the cache applies (no directory others could swap) is the one status reports."""
    shared = tmp_path / "shared"
    (shared / "cache").mkdir(parents=True)
    (shared / "cache").chmod(0o700)
    shared.chmod(0o777)
    env = {"VCC_CACHE_DIR": str(shared / "cache"), "VCC_REGION": "emea", "VCC_CLIENT_ID": "c", "VCC_CLIENT_SECRET": "s"}
    result = vcc("status", "--no-clock", "--json", env=env, expect_error=3)
    cache = next(c for c in result.json["checks"] if c["name"] == "cache dir")
    assert not cache["ok"] and str(shared) in cache["value"] and cache["fix"]
