"""SPEC section 4, `vcc token` and `vcc call` start-up: a cached `vcc token` must not pay for the command line framework, HTTP, or
standard library modules it does not need."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CI_ENV, TOKEN_URL, token_answer
from vcc_cli.main import main as fast_main

full_main = partial(fast_main, fast=False)  # every command line through typer

HEAVY = ("requests", "rich", "keyring", "jmespath", "typer", "pydantic", "urllib3", "filelock")
#: Standard library modules (and platformdirs) a cache hit with env credentials does without.
HEAVY_STDLIB = (
    "dataclasses",
    "inspect",
    "tomllib",
    "tempfile",
    "typing",
    "pathlib",
    "fnmatch",
    "urllib",
    "hashlib",
    "_hashlib",
    "datetime",
    "platformdirs",
)
ROOT = str(Path(__file__).resolve().parents[2])
#: What the installed `vcc` script does, started with python -S (no .pth files: an editable
#: install's finder imports pathlib at start-up, which would hide vcc importing it), with
#: the source tree first and site-packages last on the path.
ENTRY_POINT = """
import os, sys
root, site_packages = sys.argv.pop(1), sys.argv.pop(1)
sys.path[:0] = [root]
sys.path += site_packages.split(os.pathsep)
from vcc_cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def imported_modules(args, env):
    import site

    site_packages = os.pathsep.join(site.getsitepackages())
    done = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", ENTRY_POINT, ROOT, site_packages, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {m.group(1).strip() for m in re.finditer(r"^import time:.*\|\s*(\S+)\s*$", done.stderr, re.M)}
    return done, modules


def cached_token_env(tmp_path, **extra):
    """The environment of a CI job with env credentials, and a live cached token for stats."""
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import TokenCache

    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCC_", "XDG_"))}
    env.update(CI_ENV, VCC_CACHE_DIR=str(tmp_path / "cache"), VCC_CONFIG_DIR=str(tmp_path / "config"))
    env.update(extra)
    now = time.time()
    cache_dir = env.get("VCC_CACHE_DIR") or os.path.join(env["HOME"], ".cache", "vcc")
    TokenCache(Path(cache_dir)).put(
        TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"], Token("cached-token", "Bearer", ("stats",), now + 3600), now
    )
    return env


def test_cached_token_imports_no_heavy_module(tmp_path):
    done, modules = imported_modules(["token", "-s", "stats"], cached_token_env(tmp_path))
    assert done.stdout == "cached-token\n", done.stderr
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY + HEAVY_STDLIB)
    assert loaded == [], f"imported on the cache-hit path: {loaded}"


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG directories are worked out without platformdirs on Linux")
def test_cached_token_in_the_default_directories_imports_no_heavy_module(tmp_path):
    home = tmp_path / "home"
    env = cached_token_env(tmp_path, HOME=str(home), VCC_CACHE_DIR="", VCC_CONFIG_DIR="")
    assert (home / ".cache" / "vcc").is_dir()
    done, modules = imported_modules(["token", "-s", "stats"], env)
    assert done.stdout == "cached-token\n", done.stderr
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY + HEAVY_STDLIB)
    assert loaded == [], f"imported on the cache-hit path: {loaded}"


def test_cached_token_with_env_credentials_never_reads_the_config_file(vcc, tmp_path, clock):
    """SPEC 3: with VCC_CLIENT_ID/SECRET, VCC_REGION and -s, no setting needs the profile."""
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import TokenCache

    config_dir = tmp_path / "config"
    config_dir.mkdir(mode=0o700)
    (config_dir / "config.toml").write_text("this is [not TOML\n")
    (config_dir / "config.toml").chmod(0o600)
    token = Token("cached-token", "Bearer", ("stats",), clock.now + 3600)
    TokenCache(tmp_path / "cache").put(TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"], token, clock.now)

    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "cached-token\n"
    # The same command with the region left to the profile does read it, and says so.
    no_region = {k: v for k, v in CI_ENV.items() if k != "VCC_REGION"}
    assert "not valid TOML" in vcc("token", "-s", "stats", env=no_region, expect_error=2).stderr


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG directories are worked out without platformdirs on Linux")
@pytest.mark.parametrize(
    "xdg",
    [
        {},
        {"XDG_CACHE_HOME": "", "XDG_CONFIG_HOME": "  "},
        {"XDG_CACHE_HOME": "/var/tmp/c/", "XDG_CONFIG_HOME": "/etc/xdg-config"},
        {"XDG_CACHE_HOME": "relative/cache", "XDG_CONFIG_HOME": "relative"},
    ],
)
@pytest.mark.parametrize("home", ["/home/ana", "/home/ana/", "/"])
def test_default_directories_are_the_ones_platformdirs_gives(monkeypatch, home, xdg):
    import platformdirs

    from vcc_cli import config

    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "VCC_CACHE_DIR", "VCC_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", home)
    for name, value in xdg.items():
        monkeypatch.setenv(name, value)
    env = dict(os.environ)
    assert config.user_cache_dir(env) == platformdirs.user_cache_dir("vcc", appauthor=False)
    assert config.user_config_dir(env) == platformdirs.user_config_dir("vcc", appauthor=False)
    assert config.cache_dir(env) == Path(platformdirs.user_cache_dir("vcc", appauthor=False))


def test_a_miss_still_works_through_the_full_path(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "fetched\n"


OPTION_VALUES = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["-s", "--scope"]), st.sampled_from(["stats", "users:read", "stats users:read", ""])),
        st.tuples(st.sampled_from(["-f", "--format"]), st.sampled_from(["raw", "header", "json", "JSON", "xml"])),
        st.tuples(st.just("--min-ttl"), st.sampled_from(["0", "60", "899", "901", "-3", "abc"])),
        st.tuples(st.sampled_from(["-r", "--region"]), st.sampled_from(["emea", "EMEA", "nam", "mars"])),
        st.just(("--refresh",)),
        st.just(("--clear",)),
    ),
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(OPTION_VALUES)
def test_fast_path_answers_exactly_as_the_full_command_line(tmp_path_factory, options):
    """Whatever the options, the cached answer (or the refusal) is the same with or without the fast path."""
    import io

    from tests.conftest import Clock, MemoryKeyring
    from vcc_cli import runtime
    from vcc_cli.output import IO
    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import TokenCache

    home = tmp_path_factory.mktemp("home")
    clock = Clock()
    env = {**CI_ENV, "VCC_CACHE_DIR": str(home / "cache"), "VCC_CONFIG_DIR": str(home / "config")}
    cache = TokenCache(home / "cache")
    cache.put(TOKEN_URL, "ci-client", ["stats"], Token("tok-s", "Bearer", ("stats",), clock.now + 900), clock.now)
    cache.put(
        TOKEN_URL, "ci-client", ["users:read"], Token("tok-u", "Bearer", ("users:read",), clock.now + 900), clock.now
    )
    args = ["token"] + [part for pair in options for part in pair]

    sessions: list[str] = []

    def offline():
        from vcc_cli.errors import NetworkError

        sessions.append("made")
        raise NetworkError("this test has no network")  # the same exit 4 on both paths

    def run(entry):
        out, err = io.BytesIO(), io.StringIO()
        stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        streams = IO(stdout=stdout, stderr=err, stdin=io.StringIO(""), env=env)
        streams.stdout_tty = streams.color = False
        runtime.use(Runtime(env=env, io=streams, clock=clock, keyring=MemoryKeyring(), session_factory=offline))
        sessions.clear()
        try:
            code = entry(args)
        finally:
            runtime.use(None)
        return code, out.getvalue(), len(sessions)

    assert run(fast_main) == run(full_main)  # same exit code, same stdout, same use of the network


CALL_OPTIONS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["-q", "--param"]), st.sampled_from(["skillNames=French", "a=b c", "novalue", ""])),
        st.tuples(
            st.sampled_from(["-H", "--header"]), st.sampled_from(["Accept: application/json;version=6", "X: y", "bad"])
        ),
        st.tuples(st.sampled_from(["-X", "--method"]), st.sampled_from(["GET", "post", "FETCH"])),
        st.tuples(st.sampled_from(["-f", "-F"]), st.sampled_from(["name=ana", "n=1", "a[b]=c", "x"])),
        st.tuples(st.sampled_from(["-d", "--data"]), st.sampled_from(['{"a": 1}', "{bad", "[]"])),
        st.tuples(st.just("--api-version"), st.sampled_from(["1", "3", "0", "x"])),
        st.tuples(st.sampled_from(["-s", "--scope"]), st.sampled_from(["stats", "users:write"])),
        st.tuples(st.just("--retries"), st.sampled_from(["0", "3", "11", "-1"])),
        st.tuples(st.just("--timeout"), st.sampled_from(["2", "0", "nan"])),
        st.tuples(st.just("--range"), st.sampled_from(["0-99", "x"])),
        st.just(("--paginate",)),
        st.just(("-i",)),
        st.just(("--raw",)),
        st.just(("-v",)),
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from([[], ["GET"], ["patch"]]),
    path=st.sampled_from(["/agents-availability", "/useradmin/users/42", "/nowhere", "https://evil.example/x"]),
    options=CALL_OPTIONS,
)
def test_call_without_typer_answers_exactly_as_the_full_command_line(tmp_path_factory, method, path, options):
    """A dry run (nothing sent) through the fast path and through typer: same stdout, same exit code."""
    import io

    from tests.conftest import Clock, MemoryKeyring
    from vcc_cli import runtime
    from vcc_cli.output import IO
    from vcc_cli.runtime import Runtime

    home = tmp_path_factory.mktemp("home")
    env = {**CI_ENV, "VCC_CACHE_DIR": str(home / "cache"), "VCC_CONFIG_DIR": str(home / "config")}
    args = ["call", *method, path, *[part for option in options for part in option], "--dry-run"]

    def run(entry):
        out, err = io.BytesIO(), io.StringIO()
        stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        streams = IO(stdout=stdout, stderr=err, stdin=io.StringIO(""), env=env)
        streams.stdout_tty = streams.color = False
        runtime.use(
            Runtime(
                env=env,
                io=streams,
                clock=Clock(),
                keyring=MemoryKeyring(),
                session_factory=lambda: pytest.fail("a dry run sends nothing"),
            )
        )
        try:
            code = entry(args)
        finally:
            runtime.use(None)
        return code, out.getvalue(), err.getvalue().startswith("vcc: error")

    assert run(fast_main) == run(full_main)


def test_a_plain_call_does_not_load_typer(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(CI_ENV, VCC_CACHE_DIR=str(tmp_path / "cache"), VCC_CONFIG_DIR=str(tmp_path / "config"))
    done, modules = imported_modules(["call", "/agents-availability", "-q", "skillNames=French", "--dry-run"], env)
    assert done.returncode == 0 and done.stdout.startswith("curl ")
    assert not [m for m in modules if m.split(".")[0] in ("typer", "pydantic")]
