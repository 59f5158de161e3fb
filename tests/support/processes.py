"""Running the real ``vcc`` as a subprocess: as CI or a shell starts it (``run_vcc``,
``popen_vcc``), in a clean environment (``clean_env``), and searching directories for
a string (a leaked secret or token)."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.exit_codes import check_exit_code

#: The tests directory: on a child's PYTHONPATH, ``support.file_keyring`` is importable.
TESTS = Path(__file__).resolve().parents[1]


def vcc_argv() -> list[str]:
    """The installed console script next to this Python, else `python -m vcc_cli`."""
    script = Path(sys.executable).parent / "vcc"
    if script.exists():
        return [str(script)]
    found = shutil.which("vcc")
    return [found] if found else [sys.executable, "-m", "vcc_cli"]


def default_sigint() -> None:
    """In the child, before exec: SIGINT back to its default action. An ignored SIGINT
    survives exec, and a runner may ignore it (nohup, a background job, some CI
    runners); Python then keeps ignoring it instead of raising KeyboardInterrupt, and
    a Ctrl-C test would wait for an interrupt that never comes. A shell starts a
    foreground command with SIGINT at its default, so the tests do too."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen_vcc(*args: str, env: dict[str, str] | None, **popen_kwargs) -> subprocess.Popen:
    """Start the real ``vcc args…`` as a shell would, SIGINT at its default whatever the
    test runner does with it (see ``default_sigint``); ``popen_kwargs`` go to Popen."""
    return subprocess.Popen([*vcc_argv(), *args], env=env, preexec_fn=default_sigint, **popen_kwargs)


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


def run_vcc(
    *args: str, env: dict[str, str], stdin: bytes = b"", timeout: float = 60, expect_error: bool | int = False
) -> Run:
    """Run the real ``vcc args…`` to its end. Fails the test on a non-zero exit unless
    ``expect_error=True`` (any code) or the expected code is given, as the in-process
    ``vcc`` fixture does."""
    started = time.monotonic()
    done = subprocess.run([*vcc_argv(), *args], env=env, input=stdin, capture_output=True, timeout=timeout)
    result = Run(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"), time.monotonic() - started)
    check_exit_code(f"vcc {shlex.join(args)}", result.returncode, result.stderr, expect_error)
    return result


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
    """Several ``run_vcc(**kwargs)`` at once (each timed on its own, each with its own
    ``expect_error``): tests that wait for time limits wait once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(runs)) as pool:
        futures = [pool.submit(lambda kw: run_vcc(*kw.pop("args"), **kw), dict(run)) for run in runs]
        return [future.result() for future in futures]
