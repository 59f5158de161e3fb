"""SPEC section 6, exit codes for bad input, everywhere: arbitrary regions, scopes,
profiles, paths, query parameters, headers, bodies, environment variables, config files
and cache files. Every run ends with a SPEC exit code, a short message and no traceback,
and leaves config and cache readable. Runs are in-process against a scripted local server."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ, assert_files_readable, assert_well_behaved, fresh_dirs
from tests.support.processes import TESTS
from vcc_cli.tokens.cache import cache_key

#: What a shell can pass as one argument: any text but NUL, and bytes that are not
#: UTF-8 (Python sees them as surrogate escapes, as in sys.argv).
_any_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=24)
_raw_bytes = (
    st.binary(max_size=16).filter(lambda b: b"\x00" not in b).map(lambda b: b.decode("utf-8", "surrogateescape"))
)
_words = st.sampled_from(
    [
        "",
        " ",
        "-",
        "--",
        "-h",
        "emea",
        "EMEA",
        " nam ",
        "apac",
        "mars",
        "stats",
        "users:read",
        "users:write",
        "agents-availability:read",
        "interaction-content:delete",
        "a b",
        "a,b",
        ":",
        "*",
        "../../etc/passwd",
        "1e999",
        "nan",
        "-1",
        "0",
        "999999999999999999999",
        "☃",
        "\u202e",
        "\t\n",
    ]
)
argv = st.one_of(_words, _any_text, _raw_bytes, _raw_bytes)
_argv_utf8 = argv  # any argument, bytes that are not UTF-8 included
_latin1 = argv

ENV = {"VCC_CLIENT_ID": "fuzz-client", "VCC_CLIENT_SECRET": "fuzz-secret"}


def server_env(scripted, dirs):
    return {**dirs, **ENV, "VCC_AUTH_URL": scripted.url, "VCC_API_URL": scripted.url}


@FUZZ
@given(
    region=st.none() | argv,
    scopes=st.lists(argv, max_size=3),
    profile=st.none() | argv,
    min_ttl=st.none() | argv,
    fmt=st.none() | st.sampled_from(["raw", "header", "json", "JSON"]) | argv,
    refresh=st.booleans(),
)
def test_any_token_options_end_with_a_spec_exit_code(vcc, scripted, region, scopes, profile, min_ttl, fmt, refresh):
    args = ["token"]
    for option, value in (("--region", region), ("--profile", profile), ("--min-ttl", min_ttl), ("--format", fmt)):
        if value is not None:
            args += [option, value]
    for scope in scopes:
        args += ["-s", scope]
    args += ["--refresh"] if refresh else []
    with fresh_dirs() as (dirs, root):
        result = vcc(*args, env=server_env(scripted, dirs), expect_error=True)
        assert_well_behaved(result, {0, 2, 3, 4})
        if result.exit_code == 0:
            assert "tok-scripted" in result.stdout
        else:
            assert result.stdout == ""
        assert_files_readable(root)


_header_name = st.sampled_from(
    [
        "Accept",
        "X-Trace",
        "Content-Type",
        "Authorization",
        "Host",
        "Content-Length",
        "Transfer-Encoding",
        "Range",
        "bad name",
        "",
    ]
)
_paths = st.one_of(
    st.sampled_from(
        [
            "/agents-availability",
            "/stats/agent-activities",
            "/useradmin/users/1",
            "",
            "/",
            "x",
            "//x",
            "/%zz",
            "/a b",
            "/?a=b&c",
            "/#frag",
            "http://127.0.0.1:1/x",
            "https://evil.example/x",
            "/interaction-content/interactions/%00/content",
        ]
    ),
    argv.map(lambda s: "/" + s),
    argv,
)
_bodies = st.one_of(
    st.sampled_from(
        [
            "{}",
            "[]",
            '{"a": 1}',
            "{",
            "null",
            '"x"',
            "1e999",
            "@-",
            "@/nonexistent",
            "@",
            "\ufeff{}",
            "[" * 500 + "]" * 500,
        ]
    ),
    _argv_utf8,
)


@FUZZ
@given(
    method=st.none() | st.sampled_from(["GET", "post", "Delete", "PATCH", "FOO"]) | argv,
    path=_paths,
    params=st.lists(_argv_utf8 | st.tuples(_argv_utf8, _argv_utf8).map("=".join), max_size=3),
    fields=st.lists(
        st.tuples(st.sampled_from(["-f", "-F"]), st.tuples(_argv_utf8, _argv_utf8).map("=".join)), max_size=2
    ),
    headers=st.lists(_latin1 | st.tuples(_header_name, _latin1).map(": ".join), max_size=3),
    body=st.none() | _bodies,
    stdin=st.text(max_size=20),
    dry_run=st.booleans(),
    scope=st.none() | argv,
)
def test_any_call_arguments_end_with_a_spec_exit_code(
    vcc, scripted, method, path, params, fields, headers, body, stdin, dry_run, scope
):
    args = ["call", *([method] if method is not None else []), path]
    for value in params:
        args += ["-q", value]
    for option, value in fields:
        args += [option, value]
    for value in headers:
        args += ["-H", value]
    args += ["-d", body] if body is not None else []
    args += ["-s", scope] if scope is not None else []
    args += ["--dry-run"] if dry_run else ["--retries", "0"]
    with fresh_dirs() as (dirs, root):
        result = vcc(*args, env={**server_env(scripted, dirs), "VCC_TOKEN": "tok-fuzz"}, stdin=stdin, expect_error=True)
        assert_well_behaved(result)
        assert_files_readable(root)


@FUZZ
@given(
    region=st.none() | argv,
    client_id=st.none() | argv,
    scopes=st.lists(argv, max_size=2),
    auth_url=st.none() | argv | st.sampled_from(["http://localhost:1", "https://h:99999", "http://[", "ftp://x"]),
    api_url=st.none() | argv,
    secret=st.text(max_size=20),
    profile=st.none() | argv,
)
def test_any_login_input_ends_with_a_spec_exit_code_and_a_readable_config(
    vcc, keyring_store, region, client_id, scopes, auth_url, api_url, secret, profile
):
    args = ["login", "--no-verify", "--client-secret-stdin"]
    for option, value in (
        ("--region", region),
        ("--client-id", client_id),
        ("--auth-url", auth_url),
        ("--api-url", api_url),
        ("--profile", profile),
    ):
        if value is not None:
            args += [option, value]
    for scope in scopes:
        args += ["-s", scope]
    with fresh_dirs() as (dirs, root):
        result = vcc(*args, env=dirs, stdin=secret + "\n", expect_error=True)
        assert_well_behaved(result, {0, 2, 3})
        assert_files_readable(root)
        config = root / "config" / "config.toml"
        if result.exit_code == 0:
            assert stat.S_IMODE(config.stat().st_mode) == 0o600
            assert result.stderr.count("\n") == 1  # one note: logged in
        else:
            assert not config.exists()


@FUZZ
@given(
    env=st.dictionaries(
        st.sampled_from(
            [
                "VCC_TIMEOUT",
                "VCC_SCOPE",
                "VCC_PROFILE",
                "VCC_REGION",
                "VCC_KEYRING_TIMEOUT",
                "VCC_AUTH_URL",
                "VCC_API_URL",
                "VCC_TOKEN",
                "VCC_CLIENT_ID",
                "VCC_CLIENT_SECRET",
                "VCC_CLIENT_SECRET_FILE",
                "VCC_FORCE_TTY",
                "NO_COLOR",
                "VCC_CONFIG_DIR",
            ]
        ),
        argv,
        max_size=4,
    ).filter(lambda env: re.fullmatch(r"[\x21-\x7e]*", env.get("VCC_TOKEN", "").strip())),
    command=st.sampled_from(
        [
            ("token",),
            ("token", "-f", "json"),
            ("call", "/agents-availability"),
            ("call", "--dry-run", "/stats/x"),
            ("scopes",),
            ("logout",),
            ("status", "--no-clock"),
        ]
    ),
)
def test_any_environment_ends_with_a_spec_exit_code(vcc, scripted, env, command):
    with fresh_dirs() as (dirs, root):
        environ = {**server_env(scripted, dirs), "VCC_SCOPE": "stats"}
        environ.update(env)
        if environ["VCC_CONFIG_DIR"] != dirs["VCC_CONFIG_DIR"]:
            environ["VCC_CONFIG_DIR"] = str(root / "elsewhere" / "config")  # never outside the example's dir
        result = vcc(*command, env=environ, expect_error=True)
        assert_well_behaved(result)


# resolve.env_token (lead's file) uses VCC_TOKEN as is. With a line break, `vcc token` prints two lines and
# `vcc call` exits 2 quoting the token (requests' InvalidHeader message, through http.describe_network_error);
# non-Latin-1 text crashes `vcc call` (UnicodeEncodeError in http.client: internal error, exit 1); bytes that are
# not UTF-8 (a surrogate escape) crash `vcc token` writing stdout and `vcc call` alike. Wanted: refuse a VCC_TOKEN
# that is not visible ASCII, exit 2, naming VCC_TOKEN without echoing its value.
@pytest.mark.parametrize(
    "value",
    ["tok-LEAK-a\nsecond-line", "tok-LEAK-\u2603", "tok-LEAK-\udc80"],
    ids=["line-break", "non-latin-1", "invalid-utf-8"],
)
@pytest.mark.parametrize("command", [("token",), ("call", "/agents-availability")], ids=lambda c: c[0])
def test_a_vcc_token_that_is_no_bearer_token_is_refused_without_echoing_it(vcc, scripted, value, command):
    with fresh_dirs() as (dirs, _root):
        result = vcc(*command, env={**server_env(scripted, dirs), "VCC_TOKEN": value}, expect_error=True)
    assert_well_behaved(result)
    assert result.exit_code == 2 and "VCC_TOKEN" in result.stderr
    assert "LEAK" not in result.stderr and "LEAK" not in result.stdout


# Call input that requests cannot encode crashes `vcc call` (internal error, exit 1; call developer's files)
# instead of a usage error (exit 2) naming the option: -q/-f/-F/-d with bytes that are not UTF-8
# (UnicodeEncodeError in urlencode / api.read_body), -H with a value outside Latin-1 (UnicodeEncodeError in
# http.client), -d JSON nested deeper than the recursion limit (RecursionError from json.loads in api.read_body).
@pytest.mark.parametrize(
    "args",
    [
        ("-q", "skill=\udc80"),
        ("-f", "name=\udc80"),
        ("-F", "name=\udc80"),
        ("-d", '"\udc80"'),
        ("-H", "X-Note: \u2603"),
        ("-d", "[" * 100_000 + "]" * 100_000),
    ],
    ids=["q-not-utf-8", "f-not-utf-8", "F-not-utf-8", "d-not-utf-8", "H-not-latin-1", "d-too-deep"],
)
def test_call_input_that_cannot_be_sent_is_a_usage_error(vcc, scripted, args):
    with fresh_dirs() as (dirs, _root):
        result = vcc(
            "call",
            "PATCH",
            "/useradmin/users/1",
            *args,
            env={**server_env(scripted, dirs), "VCC_TOKEN": "tok-fuzz"},
            expect_error=True,
        )
    assert_well_behaved(result)
    assert result.exit_code == 2 and args[0] in result.stderr


# --------------------------------------------------------------------------- config files


_toml_scalar = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.sampled_from(["emea", "nam", "http://localhost:1", "https://x.example", "http://remote.example"]),
)
_toml_value = st.recursive(
    _toml_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
    max_leaves=6,
)
_profile = st.dictionaries(
    st.sampled_from(["region", "client_id", "scopes", "auth_url", "api_url", "colour"]), _toml_value, max_size=5
)
_document = st.fixed_dictionaries(
    {"profiles": st.dictionaries(st.sampled_from(["default", "ci", "a b", "ü"]), _profile | _toml_value, max_size=3)},
    optional={"editor": _toml_value, "settings": _toml_value},
)


def _render(document) -> bytes:
    import tomlkit

    return ("# my vcc settings\n" + tomlkit.dumps(document)).encode()


_config_bytes = st.one_of(
    _document.map(_render),
    st.tuples(_document.map(_render), st.integers(0, 200)).map(lambda t: t[0][: t[1]]),  # cut short
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"profiles = 5\n",
            b"[[profiles]]\nx = 1\n",
            b"\xef\xbb\xbf[profiles.default]\n",
            b'[profiles.default]\nregion = "emea"\n[profiles.default]\n',
            b'profiles.default.region = "nam"\n',
            b'[profiles]\ndefault = {region = "emea", client_id = "x"}\n',
        ]
    ),
)
_config_commands = st.sampled_from(
    [
        ("token", "-s", "stats"),
        ("token", "--profile", "default"),
        ("call", "--dry-run", "/agents-availability"),
        ("login", "--no-verify", "--region", "emea", "--client-id", "new", "--client-secret-stdin"),
        (
            "login",
            "--no-verify",
            "--profile",
            "default",
            "--client-id",
            "x",
            "--client-secret-stdin",
            "--region",
            "nam",
        ),
        ("logout",),
        ("logout", "--all"),
        ("scopes",),
        ("status", "--no-clock"),
    ]
)


@FUZZ
@given(content=_config_bytes, command=_config_commands, with_env=st.booleans())
@example(
    content=b'[profiles]\ndefault = {region = "emea", client_id = "x"}\n',
    command=(
        "login",
        "--no-verify",
        "--profile",
        "default",
        "--client-id",
        "x",
        "--client-secret-stdin",
        "--region",
        "nam",
    ),
    with_env=False,
)
def test_any_config_file_ends_with_a_spec_exit_code_and_is_never_damaged(vcc, scripted, content, command, with_env):
    import tomllib

    with fresh_dirs() as (dirs, root):
        config = root / "config" / "config.toml"
        config.parent.mkdir(mode=0o700)
        config.write_bytes(content)
        config.chmod(0o600)
        env = (
            server_env(scripted, dirs)
            if with_env
            else {**dirs, "VCC_AUTH_URL": scripted.url, "VCC_API_URL": scripted.url}
        )
        result = vcc(*command, env=env, stdin="secret\n", expect_error=True)
        assert_well_behaved(result)
        after = config.read_bytes() if config.exists() else None
        if after != content:  # vcc rewrote it: it must parse, and keep what it did not mean to change
            assert result.exit_code == 0, result.stderr
            data = tomllib.loads(after.decode()) if after is not None else {}
            try:
                before = tomllib.loads(content.decode())
            except (UnicodeDecodeError, tomllib.TOMLDecodeError):
                pytest.fail(f"vcc rewrote a config it could not read: {content!r}")
            for key in before.keys() - {"profiles"}:
                assert data.get(key) == before[key]
            if command[0] == "login":
                name = command[command.index("--profile") + 1] if "--profile" in command else "default"
                others = {k: v for k, v in before.get("profiles", {}).items() if k != name}
                assert {k: v for k, v in data["profiles"].items() if k != name} == others
        assert_files_readable(root, config_may_be_bad=True)


# --------------------------------------------------------------------------- cache files

_ENDPOINT = "{url}/Auth/connect/token"
_number = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(min_value=-1e12, max_value=1e12),
    st.sampled_from([1_800_000_000.0, 1_800_003_600, 0, -1, True, None, "1800003600", "nan"]),
)


def _entry(url: str):
    valid = {
        "version": st.sampled_from([1, 1, 1, 2, "1", None]),
        "endpoint": st.sampled_from([_ENDPOINT.format(url=url), "", 5, None]),
        "client_id": st.sampled_from([ENV["VCC_CLIENT_ID"], "", "other", 7]),
        "scopes": st.sampled_from([["stats"], [], ["stats", "users:read"], "stats", [1], None]),
        "access_token": st.sampled_from(["tok-from-cache", "", 3, None, "a b", "x" * 5000]),
        "token_type": st.sampled_from(["Bearer", "bearer", "mac", "", None]),
        "granted_scopes": st.sampled_from([["stats"], [], "stats", [None]]),
        "expires_at": _number,
        "obtained_at": _number,
    }
    return st.fixed_dictionaries({}, optional=valid).map(lambda d: json.dumps(d).encode())


def _cache_files(url: str):
    key = cache_key(_ENDPOINT.format(url=url), ENV["VCC_CLIENT_ID"], ["stats"])
    content = st.one_of(
        _entry(url),
        _entry(url).flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n])),
        st.binary(max_size=100),
        st.sampled_from([b"[" * 10000, b"{}", b"null", b'{"version": 1}']),
    )
    names = st.sampled_from([f"{key}.json", "other.json", f"{key}.lock", ".tmp-x.json"])
    return st.dictionaries(names, content, max_size=3)


@FUZZ
@given(
    data=st.data(),
    command=st.sampled_from(
        [
            ("token", "-s", "stats"),
            ("token", "-s", "stats", "-f", "json"),
            ("scopes",),
            ("scopes", "--json"),
            ("logout",),
            ("status", "--no-clock"),
            ("call", "/agents-availability", "--retries", "0"),
        ]
    ),
)
def test_any_cache_file_ends_with_a_spec_exit_code(vcc, scripted, clock, data, command):
    files = data.draw(_cache_files(scripted.url))
    with fresh_dirs() as (dirs, root):
        cache = root / "cache"
        cache.mkdir(mode=0o700)
        for name, content in files.items():
            (cache / name).write_bytes(content)
            os.chmod(cache / name, 0o600)
        result = vcc(*command, env=server_env(scripted, dirs), expect_error=True)
        assert_well_behaved(result, {0, 1, 2, 3, 4})
        if command[0] == "token" and result.exit_code == 0 and "-f" not in command:
            assert result.stdout in ("tok-from-cache\n", "tok-scripted\n")
        assert_files_readable(root, planted=set(files))


def _plant_entry(cache_dir, url: str, expires_at) -> None:
    endpoint = _ENDPOINT.format(url=url)
    entry = {
        "version": 1,
        "endpoint": endpoint,
        "client_id": ENV["VCC_CLIENT_ID"],
        "scopes": ["stats"],
        "access_token": "tok-from-cache",
        "token_type": "Bearer",
        "granted_scopes": ["stats"],
        "expires_at": expires_at,
        "obtained_at": 1_800_000_000.0,
    }
    cache_dir.mkdir(mode=0o700)
    path = cache_dir / f"{cache_key(endpoint, ENV['VCC_CLIENT_ID'], ['stats'])}.json"
    path.write_text(json.dumps(entry))
    path.chmod(0o600)


# cache.py (lead's file) trusts any expires_at: 10**400 (a JSON integer) makes decode_entry's math.isfinite raise
# OverflowError (internal error in token, scopes, status, call); 1e300 or a date past year 9999 is served as a live
# token and `vcc token -f json` crashes in datetime.fromtimestamp (OverflowError / ValueError, tokens/command.py).
# vcc never writes an entry living more than 24 h past obtained_at: such an entry should count as a miss.
@pytest.mark.parametrize(
    "expires_at", [10**400, 1e300, 253_402_300_800.0 + 400 * 86400], ids=["huge-integer", "1e300", "year-10001"]
)
def test_a_cache_entry_with_an_absurd_expiry_is_a_miss(vcc, scripted, expires_at):
    with fresh_dirs() as (dirs, root):
        _plant_entry(root / "cache", scripted.url, expires_at)
        result = vcc("token", "-s", "stats", "-f", "json", env=server_env(scripted, dirs), expect_error=True)
    assert_well_behaved(result)
    assert result.exit_code == 0 and json.loads(result.stdout)["access_token"] == "tok-scripted"


@pytest.mark.parametrize(
    "command", [("scopes",), ("status", "--no-clock"), ("call", "/agents-availability")], ids=lambda c: c[0]
)
def test_a_cache_entry_with_a_huge_integer_expiry_crashes_nothing(vcc, scripted, command):
    with fresh_dirs() as (dirs, root):
        _plant_entry(root / "cache", scripted.url, 10**400)
        result = vcc(*command, env={**server_env(scripted, dirs)}, expect_error=True)
    assert_well_behaved(result)


@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (("login", "--region", "emea", "--client-id", "x\udc80", "--client-secret-stdin", "--no-verify"), {}, 2),
        (("token", "-s", "stats"), {"VCC_CLIENT_SECRET": "s\udc80"}, 3),
        (("token", "-s", "stats"), {"VCC_CLIENT_ID": "c\udc80"}, 3),
        (("token", "-s", "stats", "--profile", "p\udc80"), {}, 2),
        (("token", "-s", "stats"), {"VCC_AUTH_URL": "http://localhost/\udc80"}, 2),
    ],
    ids=["login-client-id", "env-secret", "env-client-id", "profile", "url"],
)
def test_input_that_is_not_utf8_is_refused_not_a_crash(vcc, scripted, args, env, code):
    with fresh_dirs() as (dirs, root):
        result = vcc(*args, env={**server_env(scripted, dirs), **env}, stdin="secret\n", expect_error=code)
        assert "not valid UTF-8" in result.stderr
        assert_well_behaved(result)
        assert not (root / "config" / "config.toml").exists()


@pytest.mark.parametrize("scope", ['a"b', "a\\b", "\u00e9t\u00e9", "\udc80"])
def test_a_scope_that_cannot_be_an_oauth_scope_is_a_usage_error(vcc, scripted, scope):
    with fresh_dirs() as (dirs, _root):
        result = vcc("token", "-s", scope, env=server_env(scripted, dirs), expect_error=2)
    assert "not a valid scope" in result.stderr or "-s/--scope is not valid UTF-8" in result.stderr
    assert_well_behaved(result)


@pytest.mark.parametrize("stdin_errors", ["strict", "surrogateescape"])  # a UTF-8 locale; the C locale
def test_a_secret_on_stdin_that_is_not_utf8_is_refused_not_a_crash(tmp_path, stdin_errors):
    from tests.support.processes import clean_env, run_vcc

    env = clean_env(
        tmp_path / "home",
        PYTHONIOENCODING=f"utf-8:{stdin_errors}",
        PYTHONPATH=str(TESTS),
        PYTHON_KEYRING_BACKEND="support.file_keyring.FileKeyring",
        VCC_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    done = run_vcc(
        "login",
        "--region",
        "emea",
        "--client-id",
        "x",
        "--client-secret-stdin",
        "--no-verify",
        env=env,
        stdin=b"s\x80cret\n",
        expect_error=2,
    )
    assert done.returncode == 2 and "the client secret is not valid UTF-8 text" in done.stderr, done.stderr
    assert not (tmp_path / "config" / "config.toml").exists()
