"""Start-up: a cached `vcc token` must not pay for the command line framework or HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CI_ENV, TOKEN_URL, token_answer

HEAVY = ("requests", "rich", "keyring", "jmespath", "typer", "pydantic", "urllib3", "filelock")


def imported_modules(args, env):
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "vcc_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = {m.group(1).strip() for m in re.finditer(r"^import time:.*\|\s*(\S+)\s*$", done.stderr, re.M)}
    return done, modules


def test_cached_token_imports_no_heavy_module(tmp_path):
    from vcc_cli.tokens import Token
    from vcc_cli.tokens.cache import TokenCache

    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(CI_ENV, VCC_CACHE_DIR=str(tmp_path / "cache"), VCC_CONFIG_DIR=str(tmp_path / "config"))
    import time

    now = time.time()
    TokenCache(tmp_path / "cache").put(
        TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"], Token("cached-token", "Bearer", ("stats",), now + 3600), now
    )
    done, modules = imported_modules(["token", "-s", "stats"], env)
    assert done.stdout == "cached-token\n"
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert loaded == [], f"imported on the cache-hit path: {loaded}"


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
    from vcc_cli.app import main as full_main
    from vcc_cli.main import main as fast_main
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

    def run(entry):
        out, err = io.BytesIO(), io.StringIO()
        stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        streams = IO(stdout=stdout, stderr=err, stdin=io.StringIO(""), env=env)
        streams.stdout_tty = streams.color = False
        runtime.use(
            Runtime(
                env=env,
                io=streams,
                clock=clock,
                keyring=MemoryKeyring(),
                session_factory=lambda: pytest.fail("no request expected"),
            )
        )
        try:
            code = entry(args)
        except BaseException as exc:
            code = repr(exc)
        finally:
            runtime.use(None)
        return code, out.getvalue()

    assert run(fast_main) == run(full_main)


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
    from vcc_cli.app import main as full_main
    from vcc_cli.main import main as fast_main
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
