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
    assert "the token endpoint's clock is 2 s ahead of this machine's" in result.stdout


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
    # 0.4 s behind once the truncation is counted; 0.9 s (shown as 1 s) without
    assert "none: the token endpoint's clock agrees with this machine's" in vcc("status", env=CI_ENV).stdout


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


# --------------------------------------------------------------------------- lines that agree with each other


def check(result, name):
    return next(c for c in result.json["checks"] if c["name"] == name)


def test_a_secret_missing_from_the_keyring_fails_the_credentials_line_too(vcc, keyring_store):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    keyring_store.secrets.clear()
    result = vcc("status", "--no-clock", "--json", expect_error=3)
    assert not check(result, "keyring")["ok"] and not check(result, "credentials")["ok"]
    assert "vcc login" in check(result, "credentials")["fix"]
    text = vcc("status", "--no-clock", expect_error=3).stdout
    assert "FAIL credentials" in text and "ok   credentials" not in text


def test_no_usable_keyring_fails_the_credentials_line_too(vcc, keyring_store):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    keyring_store.available = False
    result = vcc("status", "--no-clock", expect_error=3)
    assert "FAIL credentials" in result.stdout and "FAIL keyring" in result.stdout
    assert "secret from the keyring, which cannot give it" in result.stdout


def test_without_credentials_the_keyring_is_not_said_to_be_unneeded_for_env_credentials(vcc):
    result = vcc("status", "--region", "emea", "--no-clock", expect_error=3)
    assert "credentials come from the environment" not in result.stdout
    assert "not needed now: no credentials use it" in result.stdout


def test_region_line_names_the_env_url_that_overrides_the_profile_region(vcc):
    vcc("login", "--region", "nam", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="s\n")
    result = vcc("status", "--no-clock", env={"VCC_AUTH_URL": "http://127.0.0.1:8480"})
    region = check(vcc("status", "--no-clock", "--json", env={"VCC_AUTH_URL": "http://127.0.0.1:8480"}), "region")
    assert (
        region["value"] == "custom: auth URL from env VCC_AUTH_URL, API URL from region nam (config (profile default))"
    )
    assert "custom (config (profile default))" not in result.stdout


def test_region_line_names_env_urls_as_the_source_of_a_custom_pair(vcc):
    env = {**CI_ENV, "VCC_AUTH_URL": "http://127.0.0.1:8480", "VCC_API_URL": "http://127.0.0.1:8481"}
    env.pop("VCC_REGION")
    region = check(vcc("status", "--no-clock", "--json", env=env), "region")
    assert region["value"] == "custom: auth URL from env VCC_AUTH_URL, API URL from env VCC_API_URL"


def test_region_line_says_a_region_overridden_by_both_urls_is_not_used(vcc):
    env = {**CI_ENV, "VCC_AUTH_URL": "http://127.0.0.1:8480", "VCC_API_URL": "http://127.0.0.1:8480"}
    region = check(vcc("status", "--no-clock", "--json", env=env), "region")
    assert region["value"] == (
        "custom: auth URL from env VCC_AUTH_URL, API URL from env VCC_API_URL"
        " (the region set by env VCC_REGION is not used: the URLs override it)"
    )


def test_region_line_of_a_profile_with_its_own_urls_says_config(vcc):
    vcc(
        "login",
        *("--auth-url", "http://127.0.0.1:8480", "--api-url", "http://127.0.0.1:8480"),
        *("--client-id", "cid", "--client-secret-stdin", "--no-verify"),
        stdin="s\n",
    )
    region = check(vcc("status", "--no-clock", "--json"), "region")
    assert region["value"] == "custom: both URLs from config (profile default)"


@pytest.mark.parametrize(("skew", "words", "sign"), [(30, "30 s ahead of", 1), (-30, "30 s behind", -1)])
def test_clock_offset_says_which_clock_is_ahead(vcc, mock_http, clock, skew, words, sign):
    mock_http.get(TOKEN_URL, status=405, headers={"Date": email.utils.formatdate(clock.now + skew, usegmt=True)})
    result = vcc("status", "--json", env=CI_ENV)
    offset = check(result, "clock offset")
    assert offset["value"].startswith(f"the token endpoint's clock is {words} this machine's")
    assert offset["offset_seconds"] * sign > 29


# --------------------------------------------------------------------------- a cache dir vcc cannot use


def test_a_cache_dir_that_is_a_file_names_the_vcc_cache_dir_fix(vcc, tmp_path):
    cachefile = tmp_path / "cachefile"
    cachefile.write_text("")
    result = vcc("status", "--no-clock", "--json", env={**CI_ENV, "VCC_CACHE_DIR": str(cachefile)}, expect_error=3)
    assert "VCC_CACHE_DIR=" in check(result, "cache dir")["fix"]


def test_a_cache_dir_that_cannot_be_created_below_a_file_is_a_warning_with_the_fix(vcc, tmp_path):
    (tmp_path / "afile").write_text("")
    env = {**CI_ENV, "VCC_CACHE_DIR": str(tmp_path / "afile" / "vcc")}
    result = vcc("status", "--no-clock", "--json", env=env)  # vcc token works there: ready, exit 0
    cache = check(result, "cache dir")
    assert cache["ok"] and cache["warn"] and "cannot be" in cache["value"]
    assert f"{tmp_path / 'afile'} is a file" in cache["value"] and "VCC_CACHE_DIR=" in cache["fix"]


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory this user cannot write: a read-only tmpfs as root (root writes through
    any mode), mode 0500 otherwise."""
    import os
    import subprocess

    path = tmp_path / "ro"
    path.mkdir(mode=0o700)
    if os.geteuid() != 0:
        path.chmod(0o500)
        yield path
        path.chmod(0o700)
        return
    mount = ["mount", "-t", "tmpfs", "-o", "ro,size=16k,mode=0700", "vcc-test-ro", str(path)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_read_only_cache_dir_is_a_warning_with_the_vcc_cache_dir_fix(vcc, read_only_dir):
    env = {**CI_ENV, "VCC_CACHE_DIR": str(read_only_dir)}
    cache = check(vcc("status", "--no-clock", "--json", env=env), "cache dir")
    assert cache["ok"] and cache["warn"] and "not writable" in cache["value"] and "VCC_CACHE_DIR=" in cache["fix"]
    text = vcc("status", "--no-clock", env=env)
    assert "WARN cache dir" in text.stdout and "fix: " in text.stdout and "VCC_CACHE_DIR=" in text.stdout
    assert "see the WARN lines above" in text.stdout


def test_a_cache_dir_that_cannot_be_created_in_a_read_only_directory_is_a_warning(vcc, read_only_dir):
    env = {**CI_ENV, "VCC_CACHE_DIR": str(read_only_dir / "vcc")}
    cache = check(vcc("status", "--no-clock", "--json", env=env), "cache dir")
    assert cache["ok"] and cache["warn"] and f"{read_only_dir} is not writable" in cache["value"]
    assert "VCC_CACHE_DIR=" in cache["fix"]


def test_a_cache_dir_not_created_yet_in_a_writable_place_is_fine(vcc, tmp_path):
    env = {**CI_ENV, "VCC_CACHE_DIR": str(tmp_path / "new" / "vcc")}
    cache = check(vcc("status", "--no-clock", "--json", env=env), "cache dir")
    assert cache["ok"] and "not created yet" in cache["value"]


@pytest.mark.parametrize(("script", "ok"), [("cat secret.txt", True), ("echo nope >&2; exit 3", False)])
def test_a_profile_secret_command_is_run_and_its_failure_fails_credentials_not_the_keyring(
    vcc, tmp_path, keyring_store, script, ok
):
    (tmp_path / "secret.txt").write_text("the-secret\n")
    script = script.replace("secret.txt", str(tmp_path / "secret.txt"))
    (tmp_path / "config").mkdir(mode=0o700)
    config = tmp_path / "config" / "config.toml"
    config.write_text(
        f'[profiles.default]\nregion = "emea"\nclient_id = "cid"\nsecret_command = ["sh", "-c", "{script}"]\n'
    )
    config.chmod(0o600)
    keyring_store.available = False  # not needed: it must not fail the status
    result = vcc("status", "--no-clock", "--json", expect_error=False if ok else 3)
    credentials, keyring = check(result, "credentials"), check(result, "keyring")
    assert "secret from command `sh -c" in credentials["value"] and credentials["ok"] is ok
    assert keyring["ok"] and "not needed now: the secret comes from command" in keyring["value"]
    assert "the-secret" not in result.stdout
    if not ok:
        assert "nope" in credentials["value"]  # the command's first line of stderr
