"""SPEC sections 4 and 7, `vcc call -o FILE` and `--range`, end to end: a recording
downloads as a complete WAV, a broken or interrupted download (exit 4, exit 130) never
leaves a file that looks finished, and the token never follows a redirect to another
host. Small servers of our own play the API where the emulator cannot misbehave the
way these tests need."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import wave
from contextlib import contextmanager, nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.processes import popen_vcc

SIZE = 1_000_000


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """Start a loopback server whose GET is ``handler(self)``; yields its base URL maker."""
    servers = []

    def start(do_get):
        handler = type("Handler", (_Quiet,), {"do_GET": do_get})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}", httpd

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def send_wav_head(handler, length=SIZE):
    handler.send_response(200)
    handler.send_header("Content-Type", "audio/wav")
    handler.send_header("Content-Length", str(length))
    handler.end_headers()


REC_PATH = "/interaction-content/interactions/g1/content/callRecording"


def last_day(limit: int = 1) -> tuple[str, ...]:
    """The content search's parameters for the last day (start and end are required, 7 days at most)."""
    now = time.time()
    return (
        "-q",
        f"start={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now - 86400))}",
        "-q",
        f"end={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}",
        "-q",
        f"limit={limit}",
    )


def test_a_connection_dropped_mid_body_leaves_no_file_and_exits_4(vcc, server, tmp_path):
    def do_get(self):
        send_wav_head(self)
        self.wfile.write(b"RIFF" + b"\0" * 99_996)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    url, _ = server(do_get)
    out = tmp_path / "out"
    out.mkdir()
    result = vcc(
        "call", REC_PATH, "-o", str(out / "rec.wav"), env={"VCC_API_URL": url, "VCC_TOKEN": "t"}, expect_error=4
    )
    assert result.returncode == 4 and list(out.iterdir()) == []
    assert "broke after 100000 of 1000000 bytes" in result.stderr and len(result.stderr.strip().splitlines()) == 2


@contextmanager
def sigint_ignored():
    """SIGINT ignored in this process, as under nohup or a CI runner that ignores it:
    a child started meanwhile inherits the ignored SIGINT across exec."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted_download(base_env, server, tmp_path, *, runner_ignores_sigint=False):
    """Start `vcc call -o` against a server that stalls mid-body and press Ctrl-C once
    bytes have arrived; returns vcc's exit code, its stderr and what is left in the
    output directory. With ``runner_ignores_sigint``, vcc is started while this process
    ignores SIGINT."""
    release = threading.Event()

    def do_get(self):
        send_wav_head(self)
        self.wfile.write(b"RIFF" + b"\0" * 60_000)
        self.wfile.flush()
        release.wait(20)  # stall mid-body until the test is done

    url, _ = server(do_get)
    out = tmp_path / "out"
    out.mkdir()
    env = {**base_env, "VCC_API_URL": url, "VCC_TOKEN": "t"}
    with sigint_ignored() if runner_ignores_sigint else nullcontext():
        proc = popen_vcc(
            "call", REC_PATH, "-o", str(out / "rec.wav"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    try:
        deadline = time.monotonic() + 15
        while not any(p.name.endswith(".part") and p.stat().st_size > 0 for p in out.iterdir()):  # bytes arrived
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        release.set()
        proc.kill()
    return proc.returncode, err, list(out.iterdir())


def test_ctrl_c_during_a_download_leaves_no_file_and_exits_130(base_env, server, tmp_path):
    code, err, left = interrupted_download(base_env, server, tmp_path)
    assert code == 130 and b"interrupted" in err and b"Traceback" not in err
    assert left == []


def test_ctrl_c_stops_a_download_even_when_the_test_runner_ignores_sigint(base_env, server, tmp_path):
    with sigint_ignored():  # what any child would inherit from such a runner
        inherited = subprocess.run(
            [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    assert inherited == "True\n"
    code, err, left = interrupted_download(base_env, server, tmp_path, runner_ignores_sigint=True)
    assert code == 130 and b"interrupted" in err and b"Traceback" not in err
    assert left == []


def test_a_complete_download_from_the_emulator_is_a_valid_wav_of_the_announced_size(vcc, emulator, tmp_path):
    guid = vcc("call", "/interaction-content/interactions", *last_day(), "--query", "items[0].guid").text.strip()
    target = tmp_path / "rec.wav"
    result = vcc("call", f"/interaction-content/interactions/{guid}/content/callRecording", "-o", str(target))
    assert result.returncode == 0 and f"saved {target}" in result.stderr
    assert target.stat().st_size == emulator.recording_size and list(tmp_path.glob(".*.part")) == []
    with wave.open(str(target)) as wav:
        assert wav.getnframes() > 0


def test_range_option_fetches_part_of_a_recording(vcc):
    guid = vcc("call", "/interaction-content/interactions", *last_day(), "--query", "items[0].guid").text.strip()
    result = vcc("call", f"/interaction-content/interactions/{guid}/content/callRecording", "--range", "0-99", "-i")
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert result.returncode == 0 and head.startswith(b"HTTP/1.1 206") and body[:4] == b"RIFF" and len(body) == 100


def test_recording_download_is_a_valid_wav(vcc, tmp_path):
    items = json.loads(vcc("call", "/interaction-content/interactions", *last_day()).stdout)["items"]
    target = tmp_path / "rec.wav"
    path = f"/interaction-content/interactions/{items[0]['guid']}/content/callRecording"
    result = vcc("call", path, "-o", str(target))
    assert result.returncode == 0 and result.stdout == b""
    with wave.open(str(target)) as wav:
        assert wav.getframerate() > 0 and wav.getnframes() > 0


def test_a_recording_found_by_the_search_downloads_as_a_wav(vcc, tmp_path):
    guid = vcc("call", "/interaction-content/interactions", *last_day(limit=5), "--query", "items[0].guid").text.strip()
    target = tmp_path / "call.wav"
    result = vcc("call", f"/interaction-content/interactions/{guid}/content/callRecording", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:4] == b"RIFF"


def test_range_header_is_passed_through(vcc):
    items = json.loads(vcc("call", "/interaction-content/interactions", *last_day()).stdout)["items"]
    path = f"/interaction-content/interactions/{items[0]['guid']}/content/callRecording"
    result = vcc("call", path, "-H", "Range: bytes=0-99")
    assert result.returncode == 0 and len(result.stdout) == 100 and result.stdout.startswith(b"RIFF")


def test_redirect_to_another_host_does_not_carry_the_token(vcc, server):
    seen = {}

    def landing(self):
        seen["authorization"] = self.headers.get("Authorization")
        body = json.dumps({"landed": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    other, _other_httpd = server(landing)
    other = other.replace("127.0.0.1", "localhost")  # same machine, another host name

    def redirect(self):
        seen["first"] = self.headers.get("Authorization")
        self.send_response(302)
        self.send_header("Location", other + "/landing")
        self.send_header("Content-Length", "0")
        self.end_headers()

    api, _ = server(redirect)
    result = vcc("call", "/agents-availability", env={"VCC_API_URL": api, "VCC_TOKEN": "tok-e2e"})
    assert result.returncode == 0 and json.loads(result.stdout) == {"landed": True}
    assert seen == {"first": "Bearer tok-e2e", "authorization": None}


@pytest.mark.parametrize(
    "flags", [("-i", "-v"), ("-iv",)], ids=["fast-path", "through-typer"]
)  # bundled flags are parsed by typer, which would turn EPIPE into exit 1 itself
def test_a_reader_that_goes_away_is_not_an_error_on_either_path(vcc, base_env, flags):
    """`vcc call … | head -c 10`: the reader closes the pipe mid-body; vcc exits 0, quietly."""
    items = json.loads(vcc("call", "/interaction-content/interactions", *last_day()).stdout)["items"]
    path = f"/interaction-content/interactions/{items[0]['guid']}/content/callRecording"
    proc = popen_vcc("call", *flags, path, "-o", "-", env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert len(proc.stdout.read(10)) == 10
    proc.stdout.close()  # the reader goes away with 300 KB still to come
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=30) == 0, stderr
    assert "Traceback" not in stderr and "error" not in stderr
