"""SPEC section 4, `vcc token --format env` and `vcc token --inspect`: one shell-quoted
`VCC_TOKEN=` line that a real `sh` evaluates back to exactly the token, and what is
known about a token (source, scopes, times, JWT claims, unverified) without the token
itself; in-process, the network mocked."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest

from tests.cli.test_startup import HEAVY, HEAVY_STDLIB, cached_token_env, imported_modules
from tests.conftest import CI_ENV, TOKEN_URL, token_answer

#: Every character a POSIX shell treats specially that a bearer token (visible ASCII) may hold.
NASTY_TOKEN = "a'b\"c$(touch${IFS}PWNED)`touch${IFS}PWNED2`;d|e&f<g>h*?[x]~#!\\%{}=^"


def jwt(claims: dict, header: dict | None = None) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return ".".join([part(header or {"alg": "RS256", "typ": "JWT"}), part(claims), "c2lnbmF0dXJl"])


# --------------------------------------------------------------------------- --format env


def test_format_env_prints_one_line_vcc_token_equals_the_token(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("abc.DEF-123_x"))
    result = vcc("token", "-s", "stats", "--format", "env", env=CI_ENV)
    assert result.stdout_bytes == b"VCC_TOKEN=abc.DEF-123_x\n"


def test_format_env_quotes_shell_metacharacters(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(NASTY_TOKEN))
    line = vcc("token", "-s", "stats", "-f", "env", env=CI_ENV).stdout
    assert line.startswith("VCC_TOKEN='") and line.endswith("'\n") and line.count("\n") == 1


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_eval_of_format_env_in_a_real_sh_sets_exactly_the_token_and_runs_nothing(vcc, mock_http, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer(NASTY_TOKEN))
    (tmp_path / "out.env").write_bytes(vcc("token", "-s", "stats", "--format", "env", env=CI_ENV).stdout_bytes)
    done = subprocess.run(
        ["sh", "-c", 'eval "$(cat out.env)" && printf %s "$VCC_TOKEN"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == NASTY_TOKEN
    assert not (tmp_path / "PWNED").exists() and not (tmp_path / "PWNED2").exists()


def test_format_env_with_vcc_token_prints_it_as_is(vcc, mock_http):
    result = vcc("token", "--format", "env", env={"VCC_TOKEN": "given$token"})
    assert result.stdout == "VCC_TOKEN='given$token'\n" and not mock_http.calls


def test_format_env_from_the_cache_sends_nothing(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("tok-1"))
    first = vcc("token", "-s", "stats", env=CI_ENV).stdout
    again = vcc("token", "-s", "stats", "--format=env", env=CI_ENV).stdout
    assert again == f"VCC_TOKEN={first.strip()}\n" and len(mock_http.calls) == 1


def test_format_env_on_a_cache_hit_imports_only_shlex_beyond_the_raw_format(tmp_path):
    """SPEC 4 (a cached `vcc token` stays fast): --format env costs the import of shlex
    alone, whose own imports (re, collections…) a cache hit has loaded already."""
    env = cached_token_env(tmp_path)
    raw, raw_modules = imported_modules(["token", "-s", "stats"], env)
    done, modules = imported_modules(["token", "-s", "stats", "--format", "env"], env)
    assert raw.stdout == "cached-token\n" and done.stdout == "VCC_TOKEN=cached-token\n", done.stderr
    assert modules - raw_modules == {"shlex"}
    assert not [m for m in modules if m.split(".")[0] in HEAVY + HEAVY_STDLIB]


# --------------------------------------------------------------------------- --inspect


def test_inspect_of_a_fetched_token_says_where_it_came_from_and_not_the_token(vcc, mock_http, clock, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer("secret-looking-token", expires_in=7200))
    result = vcc("token", "-s", "stats", "--inspect", env=CI_ENV)
    out = result.stdout
    assert "secret-looking-token" not in out + result.stderr
    assert "not shown (--show-token prints it)" in out
    lines = dict(line.split(None, 1) for line in out.splitlines() if line and not line.startswith(" "))
    assert lines["source"].startswith(f"fetched (cached in {tmp_path / 'cache'}")
    assert lines["scopes"] == "stats" and lines["type"] == "Bearer"
    assert f"token endpoint  {TOKEN_URL}" in out and "client ID       ci-client" in out
    assert lines["expires"] == "2027-01-15T10:00:00Z (in 7200 s, 2 h 0 min)"
    assert lines["issued"] == "2027-01-15T08:00:00Z (when vcc sent the request)"
    assert lines["JWT"] == "no: an opaque token, as VCC documents them"


def test_inspect_json_gives_the_same_facts_without_the_token(vcc, mock_http, clock, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer("tok-1", expires_in=7200))
    vcc("token", "-s", "stats", env=CI_ENV)
    clock.advance(600)
    data = vcc("token", "-s", "stats", "--inspect", "--format", "json", env=CI_ENV).json
    cache_file = data.pop("cache_file")
    assert cache_file.startswith(str(tmp_path / "cache")) and cache_file.endswith(".json")
    assert data == {
        "source": "cache",
        "token_endpoint": TOKEN_URL,
        "client_id": "ci-client",
        "region": "emea",
        "token_type": "Bearer",
        "scopes": ["stats"],
        "requested_scopes": ["stats"],
        "issued_at": "2027-01-15T08:00:00Z",
        "expires_at": "2027-01-15T10:00:00Z",
        "expires_in": 6600,
        "times_from": "cache",
        "jwt": None,
    }
    assert len(mock_http.calls) == 1  # the cached token, inspected: nothing sent


def test_inspect_show_token_prints_the_token_too(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("tok-shown"))
    text = vcc("token", "-s", "stats", "--inspect", "--show-token", env=CI_ENV).stdout
    assert "token           tok-shown\n" in text
    data = vcc("token", "-s", "stats", "--inspect", "--show-token", "-f", "json", env=CI_ENV).json
    assert data["access_token"] == "tok-shown"


def test_inspect_decodes_jwt_claims_and_says_they_are_unverified(vcc, mock_http, clock):
    now = int(clock.now)
    token = jwt({"client_id": "ci-client", "scope": ["stats"], "iat": now, "exp": now + 7200, "sub": "x"})
    mock_http.post(TOKEN_URL, json=token_answer(token, expires_in=7200))
    out = vcc("token", "-s", "stats", "--inspect", env=CI_ENV).stdout
    assert token not in out
    assert "JWT             yes, decoded without verifying the signature" in out
    assert '  header        {"alg": "RS256", "typ": "JWT"}' in out
    assert "  exp           1800007200 (2027-01-15T10:00:00Z)" in out and "  sub           x" in out
    data = vcc("token", "-s", "stats", "--inspect", "--format", "json", env=CI_ENV).json
    assert data["jwt"]["verified"] is False and data["jwt"]["claims"]["scope"] == ["stats"]
    assert token not in json.dumps(data)


def test_inspect_with_vcc_token_reads_the_token_alone_and_sends_nothing(vcc, mock_http, clock):
    now = int(clock.now)
    token = jwt({"scope": "stats users:read", "iat": now - 100, "exp": now + 500})
    result = vcc("token", "--inspect", "--format", "json", env={"VCC_TOKEN": token})
    data = result.json
    assert not mock_http.calls
    assert data["source"] == "VCC_TOKEN" and data["token_endpoint"] is None and data["client_id"] is None
    assert data["scopes"] == ["stats", "users:read"] and data["times_from"] == "jwt"
    assert data["expires_in"] == 500 and data["issued_at"] == "2027-01-15T07:58:20Z"
    text = vcc("token", "--inspect", env={"VCC_TOKEN": token}).stdout
    assert "VCC_TOKEN (used as is: not fetched, not cached)" in text
    assert "stats users:read (scope claim, unverified)" in text and "exp claim, unverified" in text


def test_inspect_of_an_expired_vcc_token_says_so(vcc, clock):
    token = jwt({"exp": int(clock.now) - 30})
    assert "(expired 30 s ago, exp claim, unverified)" in vcc("token", "--inspect", env={"VCC_TOKEN": token}).stdout
    assert vcc("token", "--inspect", "-f", "json", env={"VCC_TOKEN": token}).json["expires_in"] == -30


def test_inspect_of_an_opaque_vcc_token_knows_little_and_says_so(vcc):
    out = vcc("token", "--inspect", env={"VCC_TOKEN": "opaque-token"}).stdout
    assert "opaque-token" not in out
    assert "scopes          unknown" in out and "expires         unknown" in out and "JWT             no" in out


@pytest.mark.parametrize("tty", [False, True])
def test_inspect_escapes_what_the_token_says(vcc, mock_http, tty):
    """SPEC 7: claims are the server's words; they never act on the terminal."""
    token = jwt({"scope": "stats", "note": "\x1b]0;owned\x07\u202eevil\x9b31m", "\x1bkey": 1})
    mock_http.post(TOKEN_URL, json=token_answer(token))
    text = vcc("token", "-s", "stats", "--inspect", env=CI_ENV, tty=tty).stdout
    assert not set(text) & {"\x1b", "\x07", "\u202e", "\x9b"}
    assert "\\x1b]0;owned\\x07\\u202eevil\\x9b31m" in text
    shown = vcc("token", "-s", "stats", "--inspect", "-f", "json", env=CI_ENV, tty=tty).stdout
    assert "\x07" not in shown  # json.dumps escapes C0 controls itself
    if tty:
        assert "\x1b]" not in shown and not set(shown) & {"\u202e", "\x9b"}  # (\x1b[ is the colour)
    if tty:  # escaped in the JSON, which stays the same JSON
        assert "\\u001b]0;owned\\u0007\\u202eevil\\u009b31m" in shown


def test_fast_parser_and_typer_read_inspect_and_env_alike():
    from tests.cli.test_option_tables import full_parse
    from vcc_cli.cli.token import COMMAND

    for args in (["-s", "stats", "--inspect", "--show-token", "-f", "json"], ["--format=env"]):
        assert ("opts", COMMAND.parse_fast(args)) == full_parse(COMMAND, args)
    assert COMMAND.parse_fast(["--inspect"]) == COMMAND.defaults(inspect=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--show-token"], "--show-token goes with --inspect"),
        (["--inspect", "-f", "header"], "--inspect prints text, or JSON with --format json, not --format header"),
        (["--inspect", "-f", "env"], "not --format env"),
        (["--inspect", "--clear"], "--inspect and --clear do not go together"),
    ],
)
def test_inspect_options_that_do_not_fit_are_usage_errors(vcc, mock_http, args, message):
    result = vcc("token", "-s", "stats", *args, env=CI_ENV, expect_error=2)
    assert message in result.stderr and not mock_http.calls and result.stdout == ""
