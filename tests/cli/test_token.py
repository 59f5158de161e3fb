"""SPEC sections 3 and 4, `vcc token`: stdout is exactly the token, the cache and
`--min-ttl`/`--refresh`, formats, where credentials, scopes and region come from, and
each failure with its SPEC section 6 exit code; in-process, the network mocked."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tests.conftest import CI_ENV, TOKEN_URL, token_answer


def test_token_stdout_is_exactly_the_token_and_a_newline(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("abc.def"))
    result = vcc("token", "-s", "stats", env=CI_ENV)
    assert result.stdout_bytes == b"abc.def\n"


def test_second_call_is_served_from_cache_without_a_request(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("cached-1"))
    vcc("token", "-s", "stats", env=CI_ENV)
    again = vcc("token", "-s", "stats", env=CI_ENV)
    assert again.stdout == "cached-1\n" and len(mock_http.calls) == 1


def test_token_is_refetched_when_less_than_min_ttl_remains(vcc, mock_http, clock):
    mock_http.post(TOKEN_URL, json=token_answer("old", expires_in=900))
    mock_http.post(TOKEN_URL, json=token_answer("new", expires_in=900))
    vcc("token", "-s", "stats", env=CI_ENV)
    clock.advance(900 - 59)
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "new\n"


def test_min_ttl_option_sets_the_margin(vcc, mock_http, clock):
    mock_http.post(TOKEN_URL, json=token_answer("old", expires_in=900))
    mock_http.post(TOKEN_URL, json=token_answer("new", expires_in=900))
    vcc("token", "-s", "stats", env=CI_ENV)
    clock.advance(600)
    assert vcc("token", "-s", "stats", "--min-ttl", "200", env=CI_ENV).stdout == "old\n"
    assert vcc("token", "-s", "stats", "--min-ttl", "400", env=CI_ENV).stdout == "new\n"


def test_refresh_always_fetches_and_replaces_the_entry(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("first"))
    mock_http.post(TOKEN_URL, json=token_answer("second"))
    vcc("token", "-s", "stats", env=CI_ENV)
    assert vcc("token", "-s", "stats", "--refresh", env=CI_ENV).stdout == "second\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "second\n"
    assert len(mock_http.calls) == 2


def test_refresh_with_an_uncacheable_answer_drops_the_old_entry(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("old"))
    mock_http.post(TOKEN_URL, json={"access_token": "no-expiry", "token_type": "Bearer"})
    mock_http.post(TOKEN_URL, json=token_answer("newest"))
    vcc("token", "-s", "stats", env=CI_ENV)
    assert vcc("token", "-s", "stats", "--refresh", env=CI_ENV).stdout == "no-expiry\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "newest\n"


def test_several_scopes_go_space_separated_in_one_request(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("multi"))
    vcc("token", "-s", "stats", "-s", "users:read", env=CI_ENV)
    assert parse_qs(mock_http.calls[0].request.body)["scope"] == ["stats users:read"]
    # and that token now serves either scope alone
    assert vcc("token", "-s", "users:read", env=CI_ENV).stdout == "multi\n"
    assert len(mock_http.calls) == 1


def test_a_scope_asked_for_but_not_granted_is_never_served_from_cache(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("only-stats", scope="stats"))
    mock_http.post(TOKEN_URL, json=token_answer("users", scope="users:read"))
    vcc("token", "-s", "stats", "-s", "users:read", env=CI_ENV)
    assert vcc("token", "-s", "users:read", env=CI_ENV).stdout == "users\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "only-stats\n"


def test_scope_from_vcc_scope_env(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    vcc("token", env={**CI_ENV, "VCC_SCOPE": "stats users:read"})
    assert parse_qs(mock_http.calls[0].request.body)["scope"] == ["stats users:read"]


def test_format_header(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("hdr"))
    assert vcc("token", "-s", "stats", "--format", "header", env=CI_ENV).stdout == "Authorization: Bearer hdr\n"


def test_format_json_has_the_spec_fields(vcc, mock_http, clock):
    mock_http.post(TOKEN_URL, json=token_answer("js", expires_in=900))
    clock.now = 1_800_000_000
    data = vcc("token", "-s", "stats", "--format", "json", env=CI_ENV).json
    assert data["access_token"] == "js" and data["token_type"] == "Bearer" and data["scope"] == "stats"
    assert data["expires_at"] == "2027-01-15T08:15:00Z" and data["expires_in"] == 900 and data["region"] == "emea"


def test_answer_without_expires_in_is_used_not_cached_with_a_note(vcc, mock_http):
    mock_http.post(TOKEN_URL, json={"access_token": "once", "token_type": "Bearer"})
    mock_http.post(TOKEN_URL, json={"access_token": "twice", "token_type": "Bearer"})
    first = vcc("token", "-s", "stats", env=CI_ENV)
    assert first.stdout == "once\n" and "expires_in" in first.stderr
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "twice\n"


def test_vcc_token_env_is_used_as_is_without_a_request(vcc, mock_http):
    result = vcc("token", "-s", "stats", env={"VCC_TOKEN": "given"})
    assert result.stdout == "given\n" and len(mock_http.calls) == 0


def test_vcc_token_that_is_not_a_bearer_token_is_refused_without_echo(vcc):
    result = vcc("token", env={"VCC_TOKEN": "tok-SECRETISH\nline2"}, expect_error=2)
    assert "VCC_TOKEN" in result.stderr and "SECRETISH" not in result.stderr + result.stdout


def test_secret_file_credentials(vcc, mock_http, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    mock_http.post(TOKEN_URL, json=token_answer())
    vcc(
        "token", "-s", "stats", env={"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET_FILE": str(secret), "VCC_REGION": "emea"}
    )
    assert parse_qs(mock_http.calls[0].request.body)["client_secret"] == ["from-file"]  # the first line, no newline


def test_profile_and_keyring_credentials(vcc, mock_http, keyring_store):
    mock_http.post(TOKEN_URL, json=token_answer("t"))
    vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="sec\n")
    assert vcc("token", "-s", "stats").stdout == "t\n"


def test_region_option_changes_the_token_endpoint(vcc, mock_http):
    mock_http.post("https://nam.cc.vonage.com/Auth/connect/token", json=token_answer("nam"))
    assert vcc("token", "-s", "stats", "--region", "NAM", env=CI_ENV).stdout == "nam\n"


# ----------------------------------------------------------------- failures (SPEC 6)


def check_failure(result, code, *words):
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    for word in words:
        assert word in result.stderr


def test_rejected_credentials_exit_3(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    check_failure(vcc("token", "-s", "stats", env=CI_ENV, expect_error=3), 3, "invalid_client", "vcc login")


def test_scope_not_allowed_exit_3(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    check_failure(vcc("token", "-s", "stats", env=CI_ENV, expect_error=3), 3, "invalid_scope", "vcc scopes")


def test_html_answer_exit_4(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=200, body="<html>hi</html>", content_type="text/html")
    check_failure(vcc("token", "-s", "stats", env=CI_ENV, expect_error=4), 4, "auth URL")


def test_server_error_exit_4(vcc, mock_http):
    mock_http.post(TOKEN_URL, status=502, body="bad gateway")
    check_failure(vcc("token", "-s", "stats", env=CI_ENV, expect_error=4), 4, "502", "try again")


def test_no_credentials_exit_3(vcc):
    check_failure(vcc("token", "-s", "stats", "--region", "emea", expect_error=3), 3, "vcc login", "VCC_CLIENT_ID")


def test_half_env_pair_exit_3(vcc):
    check_failure(
        vcc("token", "-s", "stats", env={"VCC_CLIENT_ID": "x", "VCC_REGION": "emea"}, expect_error=3),
        3,
        "VCC_CLIENT_SECRET",
    )


def test_secret_file_without_client_id_names_the_variable_that_is_set(vcc, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("x\n")
    result = vcc(
        "token", "-s", "stats", env={"VCC_CLIENT_SECRET_FILE": str(secret), "VCC_REGION": "emea"}, expect_error=3
    )
    assert "VCC_CLIENT_SECRET_FILE is set but VCC_CLIENT_ID is not" in result.stderr


def test_no_scope_exit_2_points_at_vcc_scopes(vcc):
    check_failure(vcc("token", env=CI_ENV, expect_error=2), 2, "vcc scopes")


def test_unknown_region_exit_2_lists_regions(vcc):
    check_failure(vcc("token", "-s", "stats", "--region", "mars", env=CI_ENV, expect_error=2), 2, "emea, nam, apac")


def test_no_region_exit_2(vcc):
    env = {k: v for k, v in CI_ENV.items() if k != "VCC_REGION"}
    check_failure(vcc("token", "-s", "stats", env=env, expect_error=2), 2, "--region")


def test_http_to_a_remote_auth_url_is_refused_exit_2(vcc, mock_http):
    env = {**CI_ENV, "VCC_AUTH_URL": "http://auth.example.com", "VCC_API_URL": "https://api.example.com"}
    check_failure(vcc("token", "-s", "stats", env=env, expect_error=2), 2, "plain http")
    assert len(mock_http.calls) == 0


def test_bad_format_is_a_usage_error(vcc):
    check_failure(vcc("token", "-s", "stats", "--format", "yaml", env=CI_ENV, expect_error=2), 2, "--help")


def test_negative_min_ttl_is_a_usage_error(vcc):
    assert vcc("token", "-s", "stats", "--min-ttl", "-1", env=CI_ENV, expect_error=2).exit_code == 2


def test_unknown_profile_option_is_a_usage_error(vcc):
    check_failure(vcc("token", "-s", "stats", "--profile", "nope", env=CI_ENV, expect_error=2), 2, "nope")


def test_keyring_failure_is_exit_3(vcc, keyring_store):
    vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="sec\n")
    keyring_store.available = False
    check_failure(vcc("token", "-s", "stats", expect_error=3), 3, "keyring", "VCC_CLIENT_ID")


def test_unwritable_cache_still_prints_the_token_with_a_note(vcc, mock_http, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    mock_http.post(TOKEN_URL, json=token_answer("uncached"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(blocker / "sub")})
    assert result.stdout == "uncached\n" and "not cached" in result.stderr


def test_a_cache_that_cannot_be_locked_still_gives_the_token_with_a_note(vcc, mock_http, tmp_path):
    from vcc_cli.tokens.cache import cache_key

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    key = cache_key(TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"])
    (cache / f"{key}.lock").symlink_to(cache / f"{key}.lock")  # a symlink loop: ELOOP on open
    mock_http.post(TOKEN_URL, json=token_answer("unlocked"))
    result = vcc("token", "-s", "stats", env=CI_ENV)
    assert result.stdout == "unlocked\n" and "not cached" in result.stderr


def test_corrupt_config_is_exit_2_and_left_alone(vcc, tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "config.toml").write_text("not = [toml")
    (cfg / "config.toml").chmod(0o600)
    check_failure(vcc("token", "-s", "stats", expect_error=2), 2, "config.toml")
    assert (cfg / "config.toml").read_text() == "not = [toml"


@pytest.mark.parametrize("debug", ["1"])
def test_vcc_debug_shows_a_traceback_on_failure(vcc, mock_http, debug, capsys):
    mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    vcc("token", "-s", "stats", env={**CI_ENV, "VCC_DEBUG": debug}, expect_error=3)
    assert "Traceback" in capsys.readouterr().err


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


def test_clear_removes_this_clients_cached_tokens_only(vcc, mock_http, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer("a"))
    mock_http.post(TOKEN_URL, json=token_answer("b"))
    mock_http.post(TOKEN_URL, json=token_answer("c"))
    vcc("token", "-s", "stats", env=CI_ENV)
    vcc("token", "-s", "users:read", env=CI_ENV)
    vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CLIENT_ID": "other-client"})
    result = vcc("token", "--clear", env=CI_ENV)
    assert result.stdout == "" and "removed 2 cached tokens" in result.stderr
    remaining = list((tmp_path / "cache").glob("*.json"))
    assert len(remaining) == 1 and "other-client" in remaining[0].read_text()


def test_clear_with_a_scope_removes_only_tokens_covering_it(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("a"))
    mock_http.post(TOKEN_URL, json=token_answer("b"))
    mock_http.post(TOKEN_URL, json=token_answer("a2"))
    vcc("token", "-s", "stats", env=CI_ENV)
    vcc("token", "-s", "users:read", env=CI_ENV)
    assert "removed 1 cached token " in vcc("token", "--clear", "-s", "stats", env=CI_ENV).stderr
    assert vcc("token", "-s", "users:read", env=CI_ENV).stdout == "b\n"
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "a2\n"


def test_clear_does_not_need_the_secret(vcc, keyring_store):
    vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", "--no-verify", stdin="sec\n")
    keyring_store.available = False
    assert vcc("token", "--clear").exit_code == 0


@pytest.mark.parametrize(
    ("env", "code", "message"),
    [
        ({}, 2, "no region is set"),
        ({"VCC_REGION": "emea"}, 2, "no scope given"),
        ({"VCC_REGION": "emea", "VCC_SCOPE": "stats"}, 3, "no credentials"),
    ],
    ids=["no-region", "no-scope", "no-credentials"],
)
def test_an_unconfigured_token_says_first_where_then_what_then_who_as_call_does(vcc, env, code, message):
    args = () if "VCC_SCOPE" in env or "VCC_REGION" in env else ("-s", "stats")
    result = vcc("token", *args, env=env, expect_error=code)
    assert message in result.stderr
    if not env:
        assert "no region is set" in vcc("call", "/agents-availability", expect_error=2).stderr
