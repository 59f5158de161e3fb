"""SPEC sections 2, 4 and 6, limits and the honest word at them: a token fetch has a
total deadline however slowly the endpoint answers, and the processes waiting on its
lock are released when it passes; a token answer is read up to a size (a gzip bomb
stops there); after a revocation, parallel calls send one token request between them;
an answer that cannot be used, an absurd proxy value or clock is a SPEC exit code, not
exit 1 "internal error"; and an API error says the API's reason on stderr, with hints
that only suggest what applies."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import tracemalloc
import zlib

import pytest

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, token_answer
from tests.security.conftest import CLIENT_ID, SECRET, IssuingEmulator
from tests.support.drip_server import DripServer
from tests.support.processes import clean_env, popen_vcc, run_together, run_vcc
from tests.support.scripted_server import Answer, ScriptedServer
from vcc_cli.tokens import LATEST_TIME

TOKEN = "POST /Auth/connect/token"
#: --timeout 0.5 s: each read may take 0.5 s, the whole token request 2 s
#: (client.DEADLINE_FACTOR 2 x (0.5 + 0.5)), a waiter on its lock 9 s (+ LOCK_MARGIN 7).
TIMEOUT = "0.5"
DEADLINE = 2.0
LOCK_WAIT = 9.0
SLACK = 3.0  # seconds: process start-up and a loaded machine


def server_env(url: str) -> dict[str, str]:
    return {"VCC_CLIENT_ID": CLIENT_ID, "VCC_CLIENT_SECRET": SECRET, "VCC_AUTH_URL": url, "VCC_API_URL": url}


# --------------------------------------------------------------------------- a total deadline for the token fetch


@pytest.mark.parametrize("drip_head", [True, False], ids=["status-line-and-headers", "body"])
def test_a_token_endpoint_dripping_its_answer_is_given_up_at_the_total_deadline(vcc, drip_head):
    """A byte every 0.1 s never trips the 0.5 s read timeout; the deadline stops it."""
    with DripServer(drip_head=drip_head, interval=0.1) as srv:
        started = time.monotonic()
        result = vcc("token", "-s", "stats", "--timeout", TIMEOUT, env=server_env(srv.url), expect_error=4)
        took = time.monotonic() - started
    assert took < DEADLINE + SLACK, took
    assert "did not finish answering within 2 s" in result.stderr and "--timeout" in result.stderr
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 2


def test_processes_waiting_on_the_lock_of_a_dripping_fetch_are_released(home):
    """Real processes: the one holding the lock gives up at the deadline, the others do
    not wait longer than the deadline plus the lock margin for it."""
    with DripServer(drip_head=True, interval=0.1) as srv:
        env = clean_env(home, **server_env(srv.url), VCC_TIMEOUT=TIMEOUT)
        runs = run_together(*[dict(args=["token", "-s", "stats"], env=env, expect_error=4) for _ in range(3)])
    for done in runs:
        assert done.stdout == b"" and done.returncode == 4
        assert "did not finish answering" in done.stderr or "waiting for another vcc process" in done.stderr
        # At worst: waited for the lock until the first holder gave up, then dripped itself.
        assert done.seconds < LOCK_WAIT + DEADLINE + SLACK, (done.seconds, done.stderr)
    assert min(done.seconds for done in runs) < DEADLINE + SLACK


# --------------------------------------------------------------------------- a size limit for the token answer


def _gzip_bomb(decoded_size: int) -> bytes:
    """A JSON token answer padded to ``decoded_size`` bytes, gzip-compressed (about 1000:1)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    out = compressor.compress(b'{"access_token": "tok-bomb", "token_type": "Bearer", "expires_in": 900, "pad": "')
    block = b"a" * (1 << 20)
    for _ in range(decoded_size // len(block)):
        out += compressor.compress(block)
    return out + compressor.compress(b'"}') + compressor.flush()


def test_a_gzip_bomb_token_answer_stops_at_the_size_limit_exit_4(vcc):
    bomb = _gzip_bomb(64 << 20)  # 64 MiB of valid JSON, about 64 KB on the wire
    with ScriptedServer() as srv:
        srv.token_answer = Answer(200, "OK", [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], bomb)
        tracemalloc.start()
        try:
            result = vcc("token", "-s", "stats", env=server_env(srv.url), expect_error=4)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "more than 1024 KiB" in result.stderr and result.stdout == ""
    assert peak < 24 << 20, f"{peak / 2**20:.0f} MiB held while reading the answer"


def test_a_token_answer_larger_than_the_limit_is_unusable_exit_4(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(pad="a" * (2 << 20)))
    result = vcc("token", "-s", "stats", env=CI_ENV, expect_error=4)
    assert "more than 1024 KiB" in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------- one refresh after a revocation


class GatedEmulator(IssuingEmulator):
    """``hold_calls(n)``: the next ``n`` calls are held until all of them have arrived,
    so every process has sent its call with the revoked token before any of them can
    refresh it, however slowly a loaded machine starts them."""

    def __init__(self):
        super().__init__()
        self._gate: threading.Barrier | None = None
        self._held = 0
        self._gate_lock = threading.Lock()

    def hold_calls(self, n: int) -> None:
        with self._gate_lock:
            self._gate, self._held = threading.Barrier(n), 0

    def answer(self, method, target, headers=None, body=b"", client_host="127.0.0.1"):
        gate = None
        with self._gate_lock:
            if self._gate is not None and target.startswith("/agents-availability") and self._held < self._gate.parties:
                self._held += 1
                gate = self._gate
        if gate is not None:
            try:
                gate.wait(timeout=60)
            except threading.BrokenBarrierError:
                pass  # the test fails on the counts, not here
        return super().answer(method, target, headers, body, client_host)


def test_after_a_revocation_parallel_calls_send_one_token_request(home):
    parallel = 16
    call = ("call", "/agents-availability", "-q", "skillNames=French")
    with GatedEmulator() as emulator:
        env = clean_env(home, **server_env(emulator.url))
        run_vcc(*call, env=env)  # a cached token, which the revocation then kills for all
        emulator.revoke_all()
        emulator.reset_counts()
        emulator.hold_calls(parallel)
        procs = [popen_vcc(*call, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(parallel)]
        outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert emulator.counts()[TOKEN] == 1, emulator.counts()
    assert emulator.counts()["GET /agents-availability"] == 2 * parallel  # each: 401, then 200
    assert len({out for out, _ in outputs}) == 1


# --------------------------------------------------------------------------- SPEC exit codes, not exit 1


@pytest.mark.parametrize("expires_in", [0, -1, -7200, "-5", -0.5])
def test_a_zero_or_negative_expires_in_is_an_unusable_answer_exit_4(vcc, mock_http, expires_in):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=expires_in))
    result = vcc("token", "-s", "stats", env=CI_ENV, expect_error=4)
    assert result.stdout == "" and "expires_in" in result.stderr and "already expired" in result.stderr


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
@pytest.mark.parametrize("value", ["http://" + "a" * 70_000 + ":8080", "http://proxy.example:8080/" + "x" * 70_000])
def test_a_70_kb_proxy_value_is_a_usage_error_naming_the_variable(home, variable, value):
    env = clean_env(home, **server_env("https://127.0.0.1:9"), **{variable: value})  # https: the proxy applies
    done = run_vcc("token", "-s", "stats", env=env, expect_error=2)
    assert variable in done.stderr and "too long" in done.stderr
    assert len(done.stderr) < 600 and done.stdout == b""


@pytest.mark.parametrize("now", [LATEST_TIME - 3600, LATEST_TIME, LATEST_TIME + 10, 1e18])
@pytest.mark.parametrize("fmt", ["raw", "json"])
def test_a_clock_at_the_end_of_year_9999_gets_a_token_for_this_run_with_a_note(vcc, mock_http, clock, now, fmt):
    """No expiry can be dated past year 9999: the token serves this run, uncached,
    as an answer without expires_in does (SPEC section 4), and stderr says why."""
    clock.now = now
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=7200))
    first = vcc("token", "-s", "stats", "--format", fmt, env=CI_ENV)
    second = vcc("token", "-s", "stats", "--format", fmt, env=CI_ENV)
    for result in (first, second):
        assert "system clock" in result.stderr and "not cached" in result.stderr
        token = result.json["access_token"] if fmt == "json" else result.stdout.strip()
        assert token == "tok-1"
        if fmt == "json":
            assert result.json["expires_at"] is None and result.json["expires_in"] is None
    assert len(mock_http.calls) == 2  # nothing cached that could not be dated


def test_a_clock_at_year_9999_still_makes_calls(vcc, mock_http, clock):
    clock.now = LATEST_TIME - 60
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=7200))
    mock_http.get(API_URL + "/agents-availability", json={"Ready": 1})
    result = vcc("call", "/agents-availability", "-q", "skillNames=French", env=CI_ENV)
    assert result.json == {"Ready": 1} and "system clock" in result.stderr


# --------------------------------------------------------------------------- the API's reason on stderr


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            400,
            {"statusCode": 400, "error": "Bad Request", "message": "Invalid Accept header!"},
            "Invalid Accept header!",
        ),
        (400, {"SkillNames": ["The SkillNames field is required."]}, "SkillNames: The SkillNames field is required."),
        (
            400,
            {
                "error": {
                    "code": "ApiVersionUnspecified",
                    "message": "An API version is required, but was not specified.",
                }
            },
            "ApiVersionUnspecified: An API version is required, but was not specified.",
        ),
        (
            400,
            {"error": "invalid_request", "error_description": "The access token is missing"},
            "invalid_request: The access token is missing",
        ),
        (422, {"title": "One or more validation errors occurred.", "status": 422}, "One or more validation errors"),
        (409, {"errors": {"start": ["start must be before end"]}}, "start: start must be before end"),
        (400, "Invalid api-version! Valid values: 'application/vnd.newvoicemedia.v2+json'", "Invalid api-version!"),
    ],
)
def test_an_api_error_puts_the_apis_reason_on_stderr_too(vcc, mock_http, status, body, reason):
    mock_http.post(TOKEN_URL, json=token_answer())
    if isinstance(body, str):
        mock_http.get(API_URL + "/agents-availability", status=status, body=body, content_type="text/plain")
    else:
        mock_http.get(API_URL + "/agents-availability", status=status, json=body)
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=1)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and f"HTTP {status}" in lines[0] and reason in lines[0], result.stderr
    sent = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    assert result.stdout_bytes == sent  # the whole answer still goes to stdout, byte for byte


def test_the_apis_reason_on_stderr_is_one_escaped_line_of_bounded_length(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    message = "bad \x1b[31mred\x1b[0m\nsecond line\r\n" + "x" * 10_000
    mock_http.get(API_URL + "/agents-availability", status=400, json={"message": message})
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=1)
    first, _hint = result.stderr.strip().splitlines()
    assert "\x1b" not in result.stderr and "\\x1b[31mred" in first and "second line" in first
    assert len(first) < 500 and "…" in first


def test_a_final_401_says_the_apis_reason_on_stderr(vcc, mock_http):
    body = {"error": "invalid_token", "error_description": "The access token is invalid or has expired"}
    mock_http.get(API_URL + "/agents-availability", status=401, json=body)
    result = vcc(
        "call", "/agents-availability", env={"VCC_TOKEN": "tok-from-env", "VCC_REGION": "emea"}, expect_error=3
    )
    first = result.stderr.strip().splitlines()[0]
    assert "VCC_TOKEN" in first and "invalid_token: The access token is invalid or has expired" in first


def test_an_html_error_page_is_not_quoted_on_stderr(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(
        API_URL + "/agents-availability", status=400, body="<html><h1>Bad</h1></html>", content_type="text/html"
    )
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=1)
    assert "<html>" not in result.stderr and "shown above" in result.stderr


# --------------------------------------------------------------------------- hints that apply


def test_a_403_with_vcc_token_says_to_get_a_token_with_the_scope_not_to_pass_s(vcc, mock_http):
    mock_http.get(API_URL + "/stats/agent-activities", status=403, json={"message": "Forbidden"})
    result = vcc(
        "call", "/stats/agent-activities", env={"VCC_TOKEN": "tok-from-env", "VCC_REGION": "emea"}, expect_error=1
    )
    hint = result.stderr.strip().splitlines()[-1]
    assert "-s stats" not in hint.replace("vcc token -s stats", "") and "VCC_TOKEN" in hint
    assert "vcc token -s stats" in hint


def test_a_403_with_an_authorization_header_says_to_change_the_header(vcc, mock_http):
    mock_http.get(API_URL + "/stats/agent-activities", status=403, json={"message": "Forbidden"})
    result = vcc(
        "call",
        "/stats/agent-activities",
        "-H",
        "Authorization: Bearer mine",
        env={"VCC_REGION": "emea"},
        expect_error=1,
    )
    hint = result.stderr.strip().splitlines()[-1]
    assert "pass -s" not in hint and "-H Authorization" in hint


def test_a_403_for_a_scope_the_token_already_has_does_not_say_pass_s(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/agent-activities", status=403, json={"message": "Forbidden"})
    result = vcc("call", "/stats/agent-activities", "-s", "stats", env=CI_ENV, expect_error=1)
    hint = result.stderr.strip().splitlines()[-1]
    assert "pass -s" not in hint and "API Admin" in hint


def test_a_503_to_a_post_which_is_never_retried_does_not_say_raise_retries(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.post(API_URL + "/interactions/x", status=503, json={"message": "down"})
    result = vcc("call", "POST", "/interactions/x", "-d", "{}", env=CI_ENV, expect_error=1)
    hint = result.stderr.strip().splitlines()[-1]
    assert len(mock_http.calls) == 2 and "--retries" not in hint and "POST" in hint


def test_after_a_revocation_a_cached_token_as_old_as_the_rejected_one_is_not_the_last_word(home):
    """Two cached entries (one for a wider scope set) die in the same revocation: the call
    that meets the second one still fetches a new token and succeeds."""
    with IssuingEmulator() as emulator:
        env = clean_env(home, **server_env(emulator.url))
        run_vcc("token", "-s", "agents-availability:read", env=env)
        run_vcc("token", "-s", "agents-availability:read", "-s", "stats", env=env)
        emulator.revoke_all()
        done = run_vcc("call", "/agents-availability", "-q", "skillNames=French", env=env)
    assert done.returncode == 0 and emulator.counts()["POST /Auth/connect/token"] == 3
