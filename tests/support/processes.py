"""Running the real ``vcc`` as a subprocess in a clean environment, and searching
directories for a string (a leaked secret or token)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import vcc_argv

#: Variables of the developer's or CI machine that would change what these tests see.
_DROPPED_PREFIXES = ("VCC_", "XDG_")
_DROPPED = {
    "PYTHON_KEYRING_BACKEND",
    "DBUS_SESSION_BUS_ADDRESS",
    "NO_COLOR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
}


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user with no keyring, no proxy, no CA settings, no vcc
    variables; HOME, config and cache under ``home``'s parent."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES) and k.upper() not in _DROPPED}
    root = home.parent
    env.update(
        HOME=str(home),
        VCC_CONFIG_DIR=str(root / "config"),
        VCC_CACHE_DIR=str(root / "cache"),
    )
    env.update(extra)
    return env


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str
    seconds: float

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


def run_vcc(*args: str, env: dict[str, str], stdin: bytes = b"", timeout: float = 60) -> Run:
    started = time.monotonic()
    done = subprocess.run([*vcc_argv(), *args], env=env, input=stdin, capture_output=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"), time.monotonic() - started)


def files_containing(needle: str | bytes, *directories: Path) -> list[Path]:
    """Every file under ``directories`` whose name or bytes contain ``needle``."""
    raw = needle.encode() if isinstance(needle, str) else needle
    found = []
    for directory in directories:
        if not directory.exists():
            continue
        for path in [directory, *directory.rglob("*")]:
            if raw in os.fsencode(path.name):
                found.append(path)
            elif path.is_file() and not path.is_symlink():
                try:
                    if raw in path.read_bytes():
                        found.append(path)
                except OSError:
                    pass
    return found


def run_together(*runs: dict) -> list[Run]:
    """Several ``run_vcc(**kwargs)`` at once (each timed on its own): tests that wait
    for time limits wait once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(lambda kw: run_vcc(*kw.pop("args"), **kw), dict(run)) for run in runs]
        return [future.result() for future in futures]
