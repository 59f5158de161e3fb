"""End-to-end: the installed `vcc` as a real subprocess against an emulator on a loopback port."""

from __future__ import annotations

import os

import pytest

from tests.support.exit_codes import check_exit_code
from tests.support.processes import TESTS, Run, run_vcc
from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

#: Clients of the emulator: the demo client, one holding only `stats`, the VCC guide's
#: example client, and one holding only `users:write` (which VCC accepts for reading users).
CLIENTS = [
    DEFAULT_CLIENT,
    "stats-only:stats-secret:stats",
    "abcde:12345:agents-availability:read",
    "writer:writer-secret:users:write",
]


@pytest.fixture
def emulator():
    with Emulator(clients=CLIENTS, recording_size=300_000) as emu:
        yield emu


@pytest.fixture
def base_env(tmp_path, emulator):
    """Environment of a CI job pointed at the emulator, with its own config, cache and keyring file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(
        VCC_CONFIG_DIR=str(tmp_path / "config"),
        VCC_CACHE_DIR=str(tmp_path / "cache"),
        VCC_AUTH_URL=emulator.url,
        VCC_API_URL=emulator.url,
        VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
        VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        HOME=str(tmp_path / "home"),
        PYTHON_KEYRING_BACKEND="support.file_keyring.FileKeyring",
        VCC_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
        PYTHONPATH=os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    return env


@pytest.fixture
def vcc(base_env):
    """vcc("token", "-s", "stats", env={...overrides; None removes}, stdin=b"...") -> Run.

    Fails the test on a non-zero exit unless ``expect_error=True`` (or a code) is given,
    like the in-process fixture of tests/conftest.py.
    """

    def run(*args, env=None, stdin=b"", timeout=60, expect_error=False) -> Run:
        environ = dict(base_env)
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        result = run_vcc(*args, env=environ, stdin=stdin, timeout=timeout, expect_error=True)
        assert "Traceback" not in result.stderr, result.stderr
        check_exit_code(f"vcc {' '.join(args)}", result.returncode, result.stderr, expect_error)
        return result

    return run
