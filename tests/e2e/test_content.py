"""SPEC sections 4, 6 and 7, `vcc content download` and `vcc content delete` end to end:
the real `vcc` against the emulator (and, for downloads caught half-way, a small server of
our own that stalls mid-body). Every file is complete or absent whatever ends the run
(SIGKILL, SIGTERM, Ctrl-C), a rerun resumes, failures land in DIR/failures.ndjson, 429s
slow the run down, and delete asks on a terminal and refuses elsewhere without --yes."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import threading
import time
import uuid
import wave
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.processes import clean_env, popen_vcc, vcc_argv

FAST = ["--rate", "6000"]


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def span():
    """Two hours of yesterday: some 17 interactions of the emulator's sample data."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    return ["--start", iso(end - timedelta(hours=2)), "--end", iso(end)]


def search(emulator, span, base_env) -> list[dict]:
    """Every item of the emulator's search over ``span``, asked directly."""
    token = requests.post(
        emulator.url + "/Auth/connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": base_env["VCC_CLIENT_ID"],
            "client_secret": base_env["VCC_CLIENT_SECRET"],
            "scope": "interaction-content:read",
        },
        timeout=10,
    ).json()["access_token"]
    answer = requests.get(
        emulator.url + "/interaction-content/interactions",
        params={"start": span[1], "end": span[3], "limit": 1000},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.newvoicemedia.v3+json"},
        timeout=10,
    ).json()
    assert answer["meta"]["nextContinuationToken"] is None
    return answer["items"]


def expected_files(items) -> dict[str, int]:
    ext = {"audio/wav": "wav", "application/json": "json"}
    return {
        f"{i['guid']}_{c['contentKey']}.{ext[c['contentType']]}": c["contentLength"]
        for i in items
        for c in i["content"]
    }


def content_requests(emulator) -> int:
    return sum(n for name, n in emulator.counts().items() if "/content/" in name)


def assert_only_complete_files(out: Path, expected: dict[str, int]) -> list[str]:
    """Every file in ``out`` is one of ``expected`` at its full size (WAVs open as WAV); no
    temporary files. The names found."""
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.endswith(".part")], names
    for name in names:
        assert name in expected, name
        assert (out / name).stat().st_size == expected[name], name
        if name.endswith(".wav"):
            with wave.open(str(out / name)) as recording:
                assert recording.getnframes() > 0
    return names


# --------------------------------------------------------------------------- download against the emulator


def test_download_saves_every_file_complete_and_a_rerun_skips_them(vcc, emulator, base_env, span, tmp_path):
    out = tmp_path / "out"
    expected = expected_files(search(emulator, span, base_env))
    first = vcc("content", "download", *span, "--dir", str(out), *FAST)
    assert assert_only_complete_files(out, expected) == sorted(expected)
    assert first.stdout == b"" and f"{len(expected)} files downloaded" in first.stderr
    emulator.reset_counts()
    again = vcc("content", "download", *span, "--dir", str(out), *FAST)
    assert content_requests(emulator) == 0 and f"{len(expected)} already complete" in again.stderr


def test_resume_after_sigkill_mid_run_fetches_only_what_is_missing(emulator, base_env, span, tmp_path):
    out = tmp_path / "out"
    expected = expected_files(search(emulator, span, base_env))
    proc = popen_vcc(
        "content", "download", *span, "--dir", str(out), "--rate", "120", "-j", "1",
        env=base_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while len([p for p in out.glob("*") if not p.name.startswith(".")]) < 3:
            assert time.monotonic() < deadline and proc.poll() is None, "the download never got going"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    survived = assert_only_complete_files_or_parts(out, expected)
    assert 3 <= len(survived) < len(expected)
    (out / f".{sorted(expected)[-1]}.0123456789abcdef.part").write_bytes(b"half a file")  # as a kill mid-body leaves
    emulator.reset_counts()
    run = subprocess.run(
        [*vcc_argv(), "content", "download", *span, "--dir", str(out), *FAST],
        env=base_env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert assert_only_complete_files(out, expected) == sorted(expected)
    assert content_requests(emulator) == len(expected) - len(survived)
    assert f"{len(survived)} already complete" in run.stderr


def assert_only_complete_files_or_parts(out: Path, expected: dict[str, int]) -> list[str]:
    """After a SIGKILL: the visible files are complete; hidden .part files may remain."""
    visible = [p.name for p in out.iterdir() if not p.name.startswith(".")]
    for name in visible:
        assert (out / name).stat().st_size == expected[name], name
    return visible


def test_failures_are_retried_then_listed_in_the_failures_file(vcc, emulator, base_env, span, tmp_path):
    items = search(emulator, span, base_env)
    broken = items[0]["guid"]
    emulator.faults.update({"content_fail_guids": [broken], "content_cut_every": 4})
    out = tmp_path / "out"
    result = vcc("content", "download", *span, "--dir", str(out), *FAST, expect_error=1)
    expected = expected_files(items)
    lost = {name for name in expected if name.startswith(broken)}
    names = {p.name for p in out.iterdir()}
    assert names == (set(expected) - lost) | {"failures.ndjson"}  # bodies cut off were tried again
    failures = [json.loads(line) for line in (out / "failures.ndjson").read_text().splitlines()]
    assert sorted(f["file"] for f in failures) == sorted(lost)
    assert all(f["guid"] == broken and f["status"] == 500 and "content_fail_guids" in f["message"] for f in failures)
    assert "failures.ndjson" in result.stderr
    for name in names - {"failures.ndjson"}:
        assert (out / name).stat().st_size == expected[name]


def test_429s_from_fair_usage_slow_the_run_down_and_every_file_arrives(vcc, emulator, base_env, span, tmp_path):
    emulator.faults.update({"rate_limit_next": 3, "retry_after": 1})
    out = tmp_path / "out"
    result = vcc("content", "download", *span, "--dir", str(out), *FAST)
    expected = expected_files(search(emulator, span, base_env))
    assert assert_only_complete_files(out, expected) == sorted(expected)
    assert "HTTP 429 (fair usage): pace lowered" in result.stderr


def test_a_guids_file_downloads_those_interactions_only(vcc, emulator, base_env, span, tmp_path):
    items = search(emulator, span, base_env)
    chosen = [items[1]["guid"], items[2]["guid"]]
    (tmp_path / "g.txt").write_text("# two calls\n" + "\n".join(chosen) + "\n")
    out = tmp_path / "out"
    vcc(
        "content",
        "download",
        "--guids",
        str(tmp_path / "g.txt"),
        "--dir",
        str(out),
        "--content",
        "callRecording",
        *FAST,
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{g}_callRecording.wav" for g in chosen)


def peak_rss_kb(args: list[str], env: dict[str, str]) -> int:
    child = subprocess.Popen([*vcc_argv(), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, child.stderr.read()
    child.stderr.close()
    return usage.ru_maxrss


def test_each_file_is_streamed_in_constant_memory(base_env, span, tmp_path):
    """Recordings are large: memory does not grow with their size."""
    from vcc_cli.emulator import Emulator

    peaks = []
    for size in (1_000_000, 80_000_000):
        with Emulator(recording_size=size) as emu:
            env = {**base_env, "VCC_API_URL": emu.url, "VCC_AUTH_URL": emu.url}
            guid = search(emu, span, env)[0]["guid"]
            out = tmp_path / f"out-{size}"
            (tmp_path / "g.txt").write_text(guid + "\n")
            args = ["content", "download", "--guids", str(tmp_path / "g.txt"), "--dir", str(out), *FAST]
            peaks.append(peak_rss_kb([*args, "--content", "callRecording"], env))
            assert (out / f"{guid}_callRecording.wav").stat().st_size > size * 0.9
    assert peaks[1] - peaks[0] < 20_000, f"peak RSS grew from {peaks[0]} KB to {peaks[1]} KB"


# --------------------------------------------------------------------------- signals, against a server that stalls


GUIDS = [str(uuid.UUID(int=n)) for n in range(1, 7)]
FAST_GUIDS, STALLING = GUIDS[:3], GUIDS[3:]
BODY = b"RIFF" + b"\0" * 400_000


@pytest.fixture
def stalling_api():
    """Plays the content API with VCC_TOKEN: a search listing GUIDS, each with a
    recording; those of STALLING stop half-way until the test ends."""
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/interaction-content/interactions":
                assert "start" in parse_qs(urlsplit(self.path).query)
                items = [
                    {"guid": g, "content": [{"contentKey": "callRecording", "contentType": "audio/wav",
                                             "contentLength": len(BODY)}]}
                    for g in GUIDS
                ]  # fmt: skip
                data = json.dumps({"items": items, "meta": {"nextContinuationToken": None}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            guid = path.split("/")[3]
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            if guid in STALLING:
                self.wfile.write(BODY[:100_000])
                self.wfile.flush()
                released.wait(30)
            self.wfile.write(BODY)

    class Quiet(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass

    httpd = Quiet(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    released.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGTERM, 128 + signal.SIGTERM, "vcc: terminated by SIGTERM"), (signal.SIGINT, 130, "vcc: interrupted")],
    ids=["SIGTERM", "ctrl-c"],
)
def test_sigterm_and_ctrl_c_leave_only_complete_files(stalling_api, tmp_path, signum, code, said):
    out = tmp_path / "out"
    env = clean_env(tmp_path / "home", VCC_API_URL=stalling_api, VCC_AUTH_URL=stalling_api, VCC_TOKEN="t")
    proc = popen_vcc(
        "content", "download", "--start", "2024-06-01T00:00:00Z", "--end", "2024-06-02T00:00:00Z",
        "--dir", str(out), "-j", "6", *FAST, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30

        def size(name: str) -> int:
            try:
                return (out / name).stat().st_size
            except FileNotFoundError:  # a fast download's .part renamed since the listing
                return 0

        def progress():
            names = [p.name for p in out.iterdir()] if out.exists() else []
            done = [n for n in names if not n.startswith(".")]
            parts = [n for n in names if n.endswith(".part") and size(n) > 0]
            return len(done) == len(FAST_GUIDS) and len(parts) == len(STALLING)

        while not progress():
            assert time.monotonic() < deadline and proc.poll() is None, "the downloads never got half-way"
            time.sleep(0.02)
        started = time.monotonic()
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert err.decode().strip().splitlines()[-1] == said
    assert time.monotonic() - started < 4  # the stalled workers were woken, not waited for
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{g}_callRecording.wav" for g in FAST_GUIDS)
    assert all((out / f"{g}_callRecording.wav").read_bytes() == BODY for g in FAST_GUIDS)


# --------------------------------------------------------------------------- delete


def test_delete_refuses_without_yes_when_stdin_is_not_a_terminal(vcc, emulator, span):
    emulator.reset_counts()
    result = vcc("content", "delete", *span, expect_error=2)
    assert "stdin is not a terminal" in result.stderr and "--yes" in result.stderr
    assert emulator.counts() == {}


def run_on_a_terminal(args, env, answer: bytes) -> tuple[int, str]:
    """``vcc args`` with stdin a terminal (a pty) that types ``answer``; (exit code, stderr)."""
    primary, secondary = pty.openpty()
    try:
        proc = popen_vcc(*args, env=env, stdin=secondary, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(secondary)
        os.write(primary, answer)
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(primary)
    return proc.returncode, err.decode()


@pytest.mark.parametrize(("answer", "code"), [(b"yes\n", 0), (b"no\n", 2)])
def test_delete_asks_on_a_terminal_and_does_only_what_it_is_told(emulator, base_env, span, answer, code):
    before = search(emulator, span, base_env)
    returncode, err = run_on_a_terminal(["content", "delete", *span], base_env, answer)
    assert returncode == code, err
    assert f"Delete {len(before)} interactions and all their content from {emulator.url} (region custom)?" in err
    after = search(emulator, span, base_env)
    assert after == ([] if code == 0 else before)


def test_delete_yes_deletes_in_batches_and_prints_the_failures(vcc, emulator, base_env, span):
    items = search(emulator, span, base_env)
    kept = items[0]["guid"]
    emulator.faults.update({"delete_fail_guids": [kept]})
    emulator.reset_counts()
    result = vcc("content", "delete", *span, "--yes", "--batch-size", "5", "--rate", "600", expect_error=1)
    (failure,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert failure["guid"] == kept and failure["status"] == 500
    assert [i["guid"] for i in search(emulator, span, base_env)] == [kept]
    batches = emulator.counts()["POST /interaction-content/interactions/delete-batch"]
    assert batches == -(-len(items) // 5)


def test_delete_dry_run_lists_and_deletes_nothing(vcc, emulator, base_env, span):
    items = search(emulator, span, base_env)
    result = vcc("content", "delete", *span, "--dry-run")
    assert result.stdout.decode().splitlines() == [i["guid"] for i in items]
    assert search(emulator, span, base_env) == items
    assert "POST /interaction-content/interactions/delete-batch" not in emulator.counts()
