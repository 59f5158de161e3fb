"""The flows of SPEC section 4, end to end: real processes, real HTTP on loopback."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import wave

import pytest

from tests.e2e.conftest import vcc_argv

TOKEN = "POST /Auth/connect/token"


def test_token_stdout_is_exactly_the_token_when_piped(vcc, emulator):
    first = vcc("token", "-s", "stats")
    data = json.loads(vcc("token", "-s", "stats", "--format", "json").stdout)
    assert first.returncode == 0
    assert first.stdout == data["access_token"].encode() + b"\n"
    assert first.stderr == ""


def test_token_piped_into_another_process_is_byte_exact(base_env, emulator):
    producer = subprocess.Popen([*vcc_argv(), "token", "-s", "stats"], env=base_env, stdout=subprocess.PIPE)
    consumer = subprocess.run(["od", "-c"], stdin=producer.stdout, capture_output=True)
    producer.wait(timeout=30)
    token = json.loads(
        subprocess.run([*vcc_argv(), "token", "-s", "stats", "-f", "json"], env=base_env, capture_output=True).stdout
    )["access_token"]
    expected = subprocess.run(["od", "-c"], input=token.encode() + b"\n", capture_output=True).stdout
    assert producer.returncode == 0 and consumer.stdout == expected


def test_second_token_comes_from_cache_without_a_request(vcc, emulator):
    a = vcc("token", "-s", "stats").stdout
    b = vcc("token", "-s", "stats").stdout
    assert a == b and emulator.counts()[TOKEN] == 1


def test_cache_files_are_private(vcc, tmp_path):
    vcc("token", "-s", "stats")
    cache = tmp_path / "cache"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in cache.glob("*.json"))


def test_call_infers_scope_and_accept_and_prints_json(vcc, emulator):
    result = vcc("call", "/agents-availability", "-q", "skillNames=French")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == ["Ready", "Away", "Extended Away", "Logged Out"] and sum(body.values()) > 0


def test_call_after_revocation_refreshes_the_token_transparently(vcc, emulator):
    vcc("call", "/useradmin/users", "-q", "limit=2")
    emulator.revoke_all()
    result = vcc("call", "/useradmin/users", "-q", "limit=2")
    assert result.returncode == 0 and len(json.loads(result.stdout)["items"]) == 2
    counts = emulator.counts()
    assert counts[TOKEN] == 2 and counts["GET /useradmin/users"] == 3
    assert "401" in result.stderr


def test_missing_scope_is_403_naming_the_scope_exit_1(vcc, emulator):
    env = {"VCC_CLIENT_ID": "stats-only", "VCC_CLIENT_SECRET": "stats-secret"}
    result = vcc("call", "/useradmin/users", "-s", "stats", env=env)
    assert result.returncode == 1 and "users:read" in result.stderr and "'stats'" in result.stderr


def test_scope_the_client_lacks_is_refused_by_the_token_endpoint_exit_3(vcc):
    env = {"VCC_CLIENT_ID": "stats-only", "VCC_CLIENT_SECRET": "stats-secret"}
    result = vcc("call", "/useradmin/users", env=env)
    assert result.returncode == 3 and "invalid_scope" in result.stderr and result.stdout == b""


def test_wrong_secret_exit_3_with_what_to_do(vcc):
    result = vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "wrong"})
    assert result.returncode == 3 and "invalid_client" in result.stderr and "vcc login" in result.stderr
    assert "wrong" not in result.stderr and result.stdout == b""


def test_nothing_listening_exit_4(vcc):
    result = vcc("token", "-s", "stats", env={"VCC_AUTH_URL": "http://127.0.0.1:9"})
    assert result.returncode == 4 and "cannot connect" in result.stderr


@pytest.mark.parametrize("fault", ["html", "not-json", "no-access-token", "503"])
def test_unusable_token_answers_exit_4(vcc, emulator, fault):
    emulator.faults.token_fault = fault
    result = vcc("token", "-s", "stats")
    assert result.returncode == 4 and result.stdout == b""
    assert 1 <= len(result.stderr.strip().splitlines()) <= 2


def test_token_without_expires_in_is_used_but_not_cached(vcc, emulator):
    emulator.faults.token_fault = "no-expires-in"
    first = vcc("token", "-s", "stats")
    vcc("token", "-s", "stats")
    assert first.returncode == 0 and "expires_in" in first.stderr
    assert emulator.counts()[TOKEN] == 2


def test_rate_limited_call_is_retried(vcc, emulator):
    emulator.faults.rate_limit_next = 1
    emulator.faults.retry_after = 1
    result = vcc("call", "/agents-availability", "-q", "skillNames=French")
    assert result.returncode == 0 and "429" in result.stderr and "retry 1/3" in result.stderr


def last_day() -> tuple[str, ...]:
    """The content search's parameters for the last day (start and end are required, 7 days at most)."""
    now = time.time()
    return (
        "-q",
        f"start={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now - 86400))}",
        "-q",
        f"end={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}",
        "-q",
        "limit=1",
    )


def test_recording_download_is_a_valid_wav(vcc, tmp_path):
    items = json.loads(vcc("call", "/interaction-content/interactions", *last_day()).stdout)["items"]
    target = tmp_path / "rec.wav"
    path = f"/interaction-content/interactions/{items[0]['guid']}/content/callRecording"
    result = vcc("call", path, "-o", str(target))
    assert result.returncode == 0 and result.stdout == b""
    with wave.open(str(target)) as wav:
        assert wav.getframerate() > 0 and wav.getnframes() > 0


def test_range_header_is_passed_through(vcc):
    items = json.loads(vcc("call", "/interaction-content/interactions", *last_day()).stdout)["items"]
    path = f"/interaction-content/interactions/{items[0]['guid']}/content/callRecording"
    result = vcc("call", path, "-H", "Range: bytes=0-99")
    assert result.returncode == 0 and len(result.stdout) == 100 and result.stdout.startswith(b"RIFF")


def test_vcc_token_env_is_used_as_is(vcc, emulator):
    result = vcc("token", env={"VCC_TOKEN": "given-token"})
    assert result.stdout == b"given-token\n" and TOKEN not in emulator.counts()


def test_login_token_logout_with_a_keyring(vcc, emulator, tmp_path):
    env = {"VCC_CLIENT_ID": None, "VCC_CLIENT_SECRET": None}
    login = vcc(
        "login",
        "--auth-url",
        emulator.url,
        "--api-url",
        emulator.url,
        "--client-id",
        "demo-client",
        "--client-secret-stdin",
        "-s",
        "stats",
        env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None},
        stdin=b"demo-secret\n",
    )
    assert login.returncode == 0, login.stderr
    assert "demo-secret" not in (tmp_path / "config" / "config.toml").read_text()
    token = vcc("token", env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None})
    assert token.returncode == 0 and token.stdout.strip()
    assert vcc("logout", env=env).returncode == 0
    again = vcc("token", "-s", "stats", env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None})
    assert again.returncode in (2, 3)


def test_interrupted_call_exits_130(base_env, emulator):
    emulator.faults.delay = 5
    proc = subprocess.Popen(
        [*vcc_argv(), "token", "-s", "stats"], env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out == b"" and b"interrupted" in err and b"Traceback" not in err


def test_sixteen_cold_processes_send_one_token_request(base_env, emulator):
    emulator.faults.delay = 0.3  # keep the first fetch in flight while the others arrive
    procs = [
        subprocess.Popen(
            [*vcc_argv(), "token", "-s", "stats"], env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(16)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert emulator.counts()[TOKEN] == 1
