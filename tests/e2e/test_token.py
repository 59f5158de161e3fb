"""SPEC section 4, `vcc token`, end to end: the real `vcc` against the emulator over
loopback HTTP: stdout is exactly the token, the token endpoint's answers and what
they mean (exit 3, exit 4, not cached), `VCC_TOKEN`, and Ctrl-C (exit 130)."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from tests.support.processes import popen_vcc, run_vcc

TOKEN = "POST /Auth/connect/token"


def test_token_stdout_is_exactly_the_token_when_piped(vcc, emulator):
    first = vcc("token", "-s", "stats")
    data = json.loads(vcc("token", "-s", "stats", "--format", "json").stdout)
    assert first.returncode == 0
    assert first.stdout == data["access_token"].encode() + b"\n"
    assert first.stderr == ""


def test_token_piped_into_another_process_is_byte_exact(base_env, emulator):
    producer = popen_vcc("token", "-s", "stats", env=base_env, stdout=subprocess.PIPE)
    consumer = subprocess.run(["od", "-c"], stdin=producer.stdout, capture_output=True)
    producer.wait(timeout=30)
    token = json.loads(run_vcc("token", "-s", "stats", "-f", "json", env=base_env).stdout)["access_token"]
    expected = subprocess.run(["od", "-c"], input=token.encode() + b"\n", capture_output=True).stdout
    assert producer.returncode == 0 and consumer.stdout == expected


def test_tokens_live_two_hours_as_vcc_documents(vcc):
    data = json.loads(vcc("token", "-s", "stats", "--format", "json").stdout)
    assert 7100 <= data["expires_in"] <= 7200


def test_wrong_secret_exit_3_with_what_to_do(vcc):
    result = vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "wrong"}, expect_error=3)
    assert result.returncode == 3 and "invalid_client" in result.stderr and "vcc login" in result.stderr
    assert "wrong" not in result.stderr and result.stdout == b""


def test_wrong_credentials_cost_one_token_request(vcc, emulator):
    result = vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "wrong"}, expect_error=3)
    assert result.returncode == 3 and "invalid_client" in result.stderr
    assert emulator.counts()[TOKEN] == 1


def test_nothing_listening_exit_4(vcc):
    result = vcc("token", "-s", "stats", env={"VCC_AUTH_URL": "http://127.0.0.1:9"}, expect_error=4)
    assert result.returncode == 4 and "cannot connect" in result.stderr


@pytest.mark.parametrize("fault", ["html", "not-json", "no-access-token", "503"])
def test_unusable_token_answers_exit_4(vcc, emulator, fault):
    emulator.faults.token_fault = fault
    result = vcc("token", "-s", "stats", expect_error=4)
    assert result.returncode == 4 and result.stdout == b""
    assert 1 <= len(result.stderr.strip().splitlines()) <= 2


def test_token_without_expires_in_is_used_but_not_cached(vcc, emulator):
    emulator.faults.token_fault = "no-expires-in"
    first = vcc("token", "-s", "stats")
    vcc("token", "-s", "stats")
    assert first.returncode == 0 and "expires_in" in first.stderr
    assert emulator.counts()[TOKEN] == 2


def test_vcc_token_env_is_used_as_is(vcc, emulator):
    result = vcc("token", env={"VCC_TOKEN": "given-token"})
    assert result.stdout == b"given-token\n" and TOKEN not in emulator.counts()


def test_interrupted_call_exits_130(base_env, emulator):
    emulator.faults.delay = 5
    proc = popen_vcc("token", "-s", "stats", env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and out == b"" and b"interrupted" in err and b"Traceback" not in err
