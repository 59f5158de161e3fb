"""SPEC section 4, `vcc emulator` and `vcc demo` as a user starts them: the real
`vcc emulator` answering curl and `vcc`, stopping cleanly on Ctrl-C, its usage errors,
and `vcc demo` walking the main job."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess

import pytest

from tests.support.processes import popen_vcc, run_vcc, vcc_argv


@pytest.fixture
def running_emulator(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    proc = popen_vcc(
        "emulator",
        "--client",
        "abcde:12345:agents-availability:read",
        "--client",
        "demo-client:demo-secret",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    match = re.search(r"VCC_AUTH_URL=(http://127\.0\.0\.1:\d+)", line)
    assert match, line + proc.stderr.read() if proc.poll() is not None else line
    yield proc, match.group(1)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_guides_curl_examples_work_against_vcc_emulator(running_emulator):
    _, url = running_emulator
    token_json = subprocess.run(
        [
            "curl",
            "-s",
            "-X",
            "POST",
            f"{url}/Auth/connect/token",
            "-H",
            "content-type: application/x-www-form-urlencoded",
            "-d",
            "grant_type=client_credentials&client_id=abcde&client_secret=12345&scope=agents-availability%3Aread",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    token = re.search(r'"access_token":\s*"([^"]+)"', token_json).group(1)
    answer = subprocess.run(
        [
            "curl",
            "-s",
            "-X",
            "GET",
            f"{url}/agents-availability?skillNames=French,English",
            "-H",
            "accept: application/vnd.newvoicemedia.v1+json",
            "-H",
            f"authorization: Bearer {token}",
            "-H",
            "content-type: application/json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(answer).keys() == {"Ready", "Away", "Extended Away", "Logged Out"}


def _ipv6_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("host, loopback", [("0.0.0.0", "127.0.0.1"), ("::", "[::1]")])
def test_emulator_on_a_wildcard_host_exports_a_loopback_url_that_vcc_accepts(tmp_path, host, loopback):
    if ":" in host and not _ipv6_available():
        pytest.skip("no IPv6 on this machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    proc = popen_vcc("emulator", "--host", host, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        urls, credentials = proc.stdout.readline(), proc.stdout.readline()
        match = re.search(r"VCC_AUTH_URL=(http://(\S+):\d+) VCC_API_URL=\1$", urls.strip())
        assert match and match.group(2) == loopback, urls
        env.update(dict(pair.split("=", 1) for pair in credentials.split()[1:]))
        env.update(
            VCC_AUTH_URL=match.group(1),
            VCC_API_URL=match.group(1),
            VCC_CONFIG_DIR=str(tmp_path / "config"),
            VCC_CACHE_DIR=str(tmp_path / "cache"),
            HOME=str(tmp_path),
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        done = run_vcc("call", "/agents-availability", "-q", "skillNames=French", env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout).keys() == {"Ready", "Away", "Extended Away", "Logged Out"}
    finally:
        proc.kill()
        proc.wait()


def test_emulator_stops_cleanly_on_ctrl_c(running_emulator):
    proc, _ = running_emulator
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err


def test_emulator_port_in_use_is_a_usage_error(running_emulator):
    _, url = running_emulator
    port = url.rsplit(":", 1)[1]
    done = run_vcc("emulator", "--port", port, env=dict(os.environ), timeout=30, expect_error=2)
    assert done.returncode == 2 and "--port" in done.stderr


def test_bad_client_spec_is_a_usage_error():
    done = run_vcc("emulator", "--client", "nosecret", env=dict(os.environ), timeout=30, expect_error=2)
    assert done.returncode == 2 and "ID:SECRET" in done.stderr


def test_demo_walks_the_main_job_and_exits_0(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env["HOME"] = str(tmp_path)
    done = subprocess.run([*vcc_argv(), "demo"], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    for step in (
        "token fetched",
        "from the disk cache",
        "transparent refresh",
        "recording from that search downloaded",
        "a stats export to CSV",
        "in 2 windows (no window over 31 days)",
        "complete files skipped, none fetched again",
    ):
        assert step in done.stdout
    assert re.search(r"over [2-9]\d* pages of 50: vcc sent each page's meta.nextContinuationToken", done.stdout)
    assert "✗" not in done.stdout and not list(tmp_path.iterdir())  # nothing left in the home directory
