"""SPEC section 2, the token cache, end to end: private files, a second `vcc token`
served from it, and its cross-process lock under real concurrent processes (parallel
CI jobs with a cold cache send one token request between them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.support.processes import popen_vcc, run_vcc
from vcc_cli.tokens.cache import cache_key

TOKEN = "POST /Auth/connect/token"

HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def lock_path(base_env, emulator, scopes=("stats",)):
    key = cache_key(emulator.url + "/Auth/connect/token", base_env["VCC_CLIENT_ID"], scopes)
    os.makedirs(base_env["VCC_CACHE_DIR"], mode=0o700, exist_ok=True)
    return os.path.join(base_env["VCC_CACHE_DIR"], f"{key}.lock")


def hold(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_token_comes_from_cache_without_a_request(vcc, emulator):
    a = vcc("token", "-s", "stats").stdout
    b = vcc("token", "-s", "stats").stdout
    assert a == b and emulator.counts()[TOKEN] == 1


def test_cache_files_are_private(vcc, tmp_path):
    vcc("token", "-s", "stats")
    cache = tmp_path / "cache"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in cache.glob("*.json"))


def test_sixteen_cold_processes_send_one_token_request(base_env, emulator):
    emulator.faults.delay = 0.3  # keep the first fetch in flight while the others arrive
    procs = [
        popen_vcc("token", "-s", "stats", env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(16)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert emulator.counts()[TOKEN] == 1


def test_a_waiting_process_gives_up_after_a_bounded_time(vcc, base_env, emulator):
    holder = hold(lock_path(base_env, emulator), 60)
    try:
        started = time.monotonic()
        result = vcc("token", "-s", "stats", env={"VCC_TIMEOUT": "0.5"}, expect_error=4)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 4 and "waiting for another vcc process" in result.stderr
    assert waited < 30 and TOKEN not in emulator.counts()


def test_a_lock_held_by_a_process_that_gets_killed_never_blocks(base_env, emulator):
    holder = hold(lock_path(base_env, emulator), 600)
    waiter = popen_vcc("token", "-s", "stats", env=base_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    assert waiter.poll() is None  # still waiting for the holder
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    started = time.monotonic()
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0 and out.strip(), err
    assert time.monotonic() - started < 20 and emulator.counts()[TOKEN] == 1


def test_a_waiter_reads_the_entry_the_lock_holder_wrote(base_env, emulator):
    emulator.faults.delay = 1.0
    first = popen_vcc("token", "-s", "stats", env=base_env, stdout=subprocess.PIPE)
    time.sleep(0.5)
    second = run_vcc("token", "-s", "stats", env=base_env)
    out, _ = first.communicate(timeout=60)
    assert first.returncode == 0 and second.returncode == 0 and out == second.stdout
    assert emulator.counts()[TOKEN] == 1


def test_different_scopes_do_not_wait_for_each_other(base_env, emulator):
    emulator.faults.delay = 0.5
    procs = [popen_vcc("token", "-s", scope, env=base_env, stdout=subprocess.PIPE) for scope in ("stats", "users:read")]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs) and outs[0] != outs[1]
    assert emulator.counts()[TOKEN] == 2
