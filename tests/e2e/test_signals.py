"""SPEC section 6, signals: SIGTERM (`kill`, `timeout`, a CI job's time limit), SIGHUP
(a closed terminal) and SIGQUIT end vcc as Ctrl-C does: every cleanup runs (no hidden
`.part` file, no `vcc demo` directory, no step left running), one line on stderr, and
exit 128 + N. A signal ignored when vcc starts (nohup) stays ignored, and `vcc
emulator` still stops cleanly."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.body_server import serve
from tests.support.processes import clean_env, default_sigint, popen_vcc, vcc_argv

REC = "/interaction-content/interactions/g1/content/callRecording"
BODY = b"RIFF" + b"\0" * 1_000_000
ENDING = [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]  # CI time limits, closed terminals, Ctrl-backslash


def no_core_dumps() -> None:
    """In the child, before exec: SIGINT at its default (see processes.default_sigint),
    and no core file should a SIGQUIT meet a process at its default action."""
    default_sigint()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def wait_for(condition, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.02)


def start_download(tmp_path: Path, server, preexec=no_core_dumps) -> tuple[subprocess.Popen, Path]:
    """`vcc call -o out/rec.wav` against ``server``, once bytes have reached the .part file."""
    out = tmp_path / "out"
    out.mkdir()
    env = clean_env(tmp_path / "home", VCC_API_URL=server.url, VCC_AUTH_URL=server.url, VCC_TOKEN="t")
    proc = subprocess.Popen(
        [*vcc_argv(), "call", REC, "-o", str(out / "rec.wav")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
    )
    try:
        wait_for(lambda: any(p.name.endswith(".part") and p.stat().st_size > 0 for p in out.iterdir()), "the download")
    except BaseException:
        proc.kill()
        raise
    return proc, out


@pytest.mark.parametrize("signum", ENDING, ids=lambda s: s.name)
def test_a_signal_during_a_download_leaves_no_part_file_and_exits_128_plus_n(tmp_path, signum):
    with serve(BODY, stall_after=60_000) as server:
        proc, out = start_download(tmp_path, server)
        try:
            proc.send_signal(signum)
            _, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
    stderr = err.decode()
    assert proc.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines() == [f"vcc: terminated by {signum.name}"]
    assert list(out.iterdir()) == []


def test_a_sighup_ignored_when_vcc_starts_stays_ignored(tmp_path):
    """`nohup vcc call … -o rec.wav &`, then the terminal closes: the download goes on."""

    def ignoring_sighup():
        no_core_dumps()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    with serve(BODY, stall_after=60_000) as server:
        proc, out = start_download(tmp_path, server, preexec=ignoring_sighup)
        try:
            proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            server.release()
            _, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
    assert proc.returncode == 0, err
    assert (out / "rec.wav").read_bytes() == BODY


# --------------------------------------------------------------------------- vcc demo

#: Started in every Python process of the demo: the step's vcc (the only process the
#: demo gives credentials to) records its pid and sleeps, so that the demo is
#: signalled while it waits on a child.
SLOW_STEP = """
import os, time
if os.environ.get("VCC_CLIENT_ID") and os.environ.get("DEMO_STEP_MARKER"):
    with open(os.environ["DEMO_STEP_MARKER"], "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(60)
"""


def demo_env(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_STEP)
    temp = tmp_path / "tmp"  # the demo's TMPDIR: what it leaves is there
    temp.mkdir()
    marker = tmp_path / "step.pid"
    env = clean_env(tmp_path / "home", TMPDIR=str(temp), DEMO_STEP_MARKER=str(marker))
    env["PYTHONPATH"] = os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env, temp, marker


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("signum", ENDING, ids=lambda s: s.name)
def test_a_signal_to_vcc_demo_stops_its_step_and_removes_its_directory(tmp_path, signum):
    env, temp, marker = demo_env(tmp_path)
    proc = subprocess.Popen(
        [*vcc_argv(), "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=no_core_dumps
    )
    step = None
    try:
        wait_for(lambda: marker.exists() and marker.read_text(), "the first step")
        step = int(marker.read_text())
        assert [p.name[:9] for p in temp.iterdir()] == ["vcc-demo-"]
        proc.send_signal(signum)  # to the demo alone, as `kill PID` does
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        if step is not None and alive(step):
            os.kill(step, signal.SIGKILL)
            pytest.fail("the demo left its step running")
    assert proc.returncode == 128 + signum, err
    assert err.decode().strip().splitlines()[-1] == f"vcc: terminated by {signum.name}"
    assert list(temp.iterdir()) == []


def test_timeout_around_vcc_demo_leaves_nothing_behind(tmp_path):
    """`timeout 3 vcc demo`, the time running out while a step runs."""
    env, temp, marker = demo_env(tmp_path)
    done = subprocess.run(
        ["timeout", "3", *vcc_argv(), "demo"], env=env, capture_output=True, timeout=60, preexec_fn=no_core_dumps
    )
    assert done.returncode == 124, done.stderr  # timeout's own code for "the time ran out"
    step = int(marker.read_text())
    if alive(step):
        os.kill(step, signal.SIGKILL)
        pytest.fail("the demo left its step running")
    assert list(temp.iterdir()) == []
    assert done.stderr.decode().strip().splitlines()[-1] == "vcc: terminated by SIGTERM"


# --------------------------------------------------------------------------- vcc emulator


@pytest.fixture
def running_emulator():
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    proc = popen_vcc("emulator", "--port", "0", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # the first line is printed once it listens
        assert line.startswith("export VCC_AUTH_URL="), line
        yield proc, line.split("=", 1)[1].split()[0]
    finally:
        proc.kill()
        proc.wait()


def test_vcc_emulator_still_stops_on_sigterm_as_a_normal_stop(running_emulator):
    """A service manager's stop (docker stop, systemd) is the emulator's normal end: exit 0, as for Ctrl-C."""
    proc, _ = running_emulator
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "emulator stopped" in err and "Traceback" not in err


def test_vcc_emulator_closes_its_port_and_exits_129_when_its_terminal_closes(running_emulator):
    import socket
    from urllib.parse import urlsplit

    proc, url = running_emulator
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 129 and err.strip().splitlines()[-1] == "vcc: terminated by SIGHUP", err
    parts = urlsplit(url)
    with pytest.raises(ConnectionRefusedError), socket.create_connection((parts.hostname, parts.port), timeout=5):
        pass


def test_main_leaves_the_signal_handlers_of_its_process_as_it_found_them(capsys):
    """In-process (these tests, a program calling main()): nothing changed once it returns."""
    from vcc_cli.main import main

    before = {s: signal.getsignal(s) for s in ENDING}
    assert main(["--help"]) == 0
    assert {s: signal.getsignal(s) for s in ENDING} == before
