"""Shared by the fuzz tests: per-example config and cache directories, the checks
every run must pass, and a scripted server standing in for VCC."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support.scripted_server import ScriptedServer
from vcc_cli.config import ConfigFile
from vcc_cli.errors import UsageError
from vcc_cli.tokens.cache import decode_entry

#: Exit codes of SPEC section 6 (130 cannot happen without a signal).
SPEC_CODES = {0, 1, 2, 3, 4}

#: Hypothesis settings for tests that run vcc in-process: each example is a whole
#: command, so examples are few and the deadline is off (CI machines are slow). The
#: examples are the same on every run, so CI stays deterministic; to explore, run
#: with VCC_FUZZ_EXAMPLES=2000 (random examples, that many per test). Read at import:
#: tests/conftest.py removes VCC_* variables before each test.
_EXPLORE = int(os.environ.get("VCC_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(
    max_examples=_EXPLORE or 60,
    derandomize=not _EXPLORE,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fuzzed input may name any host: resolve none but loopback, so nothing leaves the machine."""
    import socket

    from vcc_cli.config import is_loopback

    resolve = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if not is_loopback(name):
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in the fuzz tests")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="module")
def scripted():
    with ScriptedServer() as server:
        yield server


@contextmanager
def fresh_dirs():
    """Config and cache directories for one example, as env overrides, and their paths."""
    root = Path(tempfile.mkdtemp(prefix="vcc-fuzz-"))
    try:
        yield {"VCC_CONFIG_DIR": str(root / "config"), "VCC_CACHE_DIR": str(root / "cache")}, root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def assert_well_behaved(result, codes=SPEC_CODES, *, verbose: bool = False) -> None:
    """What every run promises: a SPEC exit code, no crash, no traceback, and a failure
    told in one or two lines (after a few notes, or -v's trace)."""
    stderr = result.stderr
    assert result.exit_code in codes, (result.exit_code, stderr)
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert verbose or len(lines) <= 8, stderr
    errors = [i for i, line in enumerate(lines) if line.startswith("vcc: error")]
    if errors:  # notes may come first; the error is the last one or two lines
        assert len(errors) == 1 and len(lines) - errors[0] <= 2, stderr
    if result.exit_code not in (0, 1):
        assert any(line.startswith("vcc") for line in lines[-2:]), stderr  # it says what failed


def assert_files_readable(root: Path, *, config_may_be_bad: bool = False, planted: set[str] = frozenset()) -> None:
    """Nothing half-written: the config parses (unless the test planted a bad one), every
    cache entry vcc wrote decodes, and no temporary file is left."""
    config_dir, cache_dir = root / "config", root / "cache"
    if config_dir.exists():
        try:
            ConfigFile(config_dir).load()
        except UsageError:
            if not config_may_be_bad:
                raise
        assert not [p.name for p in config_dir.iterdir() if p.name.endswith(".tmp")]
    if cache_dir.exists():
        for path in cache_dir.iterdir():
            if path.name in planted:
                continue
            assert not path.name.startswith(".tmp"), path
            if path.suffix == ".json":
                assert decode_entry(path.read_bytes()) is not None, path
