"""End-to-end: the installed `vcc` as a real subprocess against an emulator on a loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

TESTS = Path(__file__).resolve().parents[1]


def vcc_argv() -> list[str]:
    """The installed console script next to this Python, else `python -m vcc_cli`."""
    script = Path(sys.executable).parent / "vcc"
    if script.exists():
        return [str(script)]
    found = shutil.which("vcc")
    return [found] if found else [sys.executable, "-m", "vcc_cli"]


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode()


@pytest.fixture
def emulator():
    clients = [DEFAULT_CLIENT, "stats-only:stats-secret:stats", "abcde:12345:agents-availability:read"]
    with Emulator(clients=clients, recording_size=300_000) as emu:
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
    """vcc("token", "-s", "stats", env={...overrides; None removes}, stdin=b"...") -> Run."""

    def run(*args, env=None, stdin=b"", timeout=60) -> Run:
        environ = dict(base_env)
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        done = subprocess.run([*vcc_argv(), *args], env=environ, input=stdin, capture_output=True, timeout=timeout)
        result = Run(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return run
