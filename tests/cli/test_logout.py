"""SPEC section 4, `vcc logout`: removes the keyring entry, the profile's cached tokens
and the profile; twice is fine; `--all`."""

from __future__ import annotations

from tests.cli.conftest import login
from tests.conftest import TOKEN_URL, token_answer


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


def test_logout_keeps_the_profile_while_the_secret_cannot_be_removed(vcc, keyring_store, tmp_path):
    vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    keyring_store.available = False
    first = vcc("logout", expect_error=3)
    assert "kept" in first.stderr and "[profiles.default]" in (tmp_path / "config" / "config.toml").read_text()
    keyring_store.available = True
    vcc("logout")
    assert keyring_store.secrets == {}
    assert "[profiles.default]" not in (tmp_path / "config" / "config.toml").read_text()
