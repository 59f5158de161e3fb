"""Every test runs with its own config, cache and keyring: nothing touches the real home."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field

import pytest

from tests.support.exit_codes import check_exit_code
from vcc_cli import runtime
from vcc_cli.errors import AuthError
from vcc_cli.output import IO
from vcc_cli.runtime import KeyringStore, Runtime


class MemoryKeyring(KeyringStore):
    """The keyring seam backed by a dict; ``available=False`` behaves like a machine without one."""

    def __init__(self):
        self.secrets: dict[str, str] = {}
        self.available = True

    def _check(self):
        if not self.available:
            from vcc_cli.tokens.secrets import NO_KEYRING_HINT

            raise AuthError("no usable keyring on this machine", NO_KEYRING_HINT)

    def get_secret(self, profile, client_id=None):
        self._check()
        if profile not in self.secrets:
            raise AuthError(f"no client secret in the keyring for profile {profile!r}", "run `vcc login`")
        return self.secrets[profile]

    def set_secret(self, profile, secret):
        self._check()
        self.secrets[profile] = secret

    def delete_secret(self, profile):
        self._check()
        return self.secrets.pop(profile, None) is not None

    def backend_name(self):
        self._check()
        return "tests.MemoryKeyring"


class Clock:
    """A clock tests move by hand (seconds since the epoch)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Result:
    exit_code: int
    stdout_bytes: bytes
    stderr: str
    sleeps: list[float] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def json(self):
        return json.loads(self.stdout_bytes)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Fresh config/cache dirs and no VCC_* variables from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("VCC_") or name in ("NO_COLOR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VCC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("VCC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield
    runtime.use(None)
    from vcc_cli import http

    http._MASKED.clear()  # what one test's vcc masked must not blank another test's output


@pytest.fixture
def keyring_store():
    return MemoryKeyring()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def vcc(keyring_store, clock):
    """Run vcc in-process: ``vcc("token", "-s", "stats", env={...}, stdin="...", tty=False)``.

    Fails the test on a non-zero exit unless ``expect_error=True`` (or a code) is given.
    """
    from vcc_cli.main import main

    def run(*args, env=None, stdin="", tty=False, expect_error=False) -> Result:
        environ = {k: v for k, v in os.environ.items()}
        environ.update(env or {})
        out_buffer, err_buffer = io.BytesIO(), io.StringIO()
        stdout = io.TextIOWrapper(out_buffer, encoding="utf-8", write_through=True)
        stdin_stream = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
        streams = IO(stdout=stdout, stderr=err_buffer, stdin=stdin_stream, env=environ)
        streams.stdout_tty = tty
        streams.color = tty and "NO_COLOR" not in environ
        streams.stdin_tty = tty
        sleeps: list[float] = []
        rt = Runtime(env=environ, io=streams, clock=clock, keyring=keyring_store, sleep=sleeps.append)
        runtime.use(rt)
        try:
            code = main(list(args))
        finally:
            runtime.use(None)
        stdout.flush()
        result = Result(code, out_buffer.getvalue(), err_buffer.getvalue(), sleeps)
        assert "Traceback" not in result.stderr
        check_exit_code(f"vcc {' '.join(args)}", code, result.stderr, expect_error)
        return result

    return run


TOKEN_URL = "https://emea.cc.vonage.com/Auth/connect/token"
API_URL = "https://emea.api.cc.vonage.com"
CI_ENV = {"VCC_CLIENT_ID": "ci-client", "VCC_CLIENT_SECRET": "s3cr3t-Zq9!", "VCC_REGION": "emea"}


@pytest.fixture
def mock_http():
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def token_answer(token="tok-1", expires_in=900, scope=None, **extra):
    body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, **extra}
    if scope is not None:
        body["scope"] = scope
    return body


def api_calls(mock_http):
    """The requests a test's `vcc` sent to the API (not to the token endpoint)."""
    return [c for c in mock_http.calls if not c.request.url.startswith(TOKEN_URL)]


def token_calls(mock_http):
    """The requests a test's `vcc` sent to the token endpoint."""
    return [c for c in mock_http.calls if c.request.url.startswith(TOKEN_URL)]


def pytest_sessionstart(session):
    """Fail at once, with one message, on a temporary directory others could swap: vcc
    rightly distrusts config and cache dirs below one (SPEC section 7), so a hundred tests
    would fail one by one (a GitLab umask-0000 workspace as TMPDIR, say)."""
    import tempfile

    from vcc_cli import config

    probe = tempfile.mkdtemp(prefix="vcc-tests-")
    try:
        problem = config.untrusted_directory(probe, "TMPDIR")
    finally:
        os.rmdir(probe)
    if problem is not None:
        pytest.exit(f"the tests need a private temporary directory: {problem}; {problem.fix}", returncode=4)
