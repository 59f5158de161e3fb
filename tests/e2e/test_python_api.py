"""SPEC section 4, the Python API, end to end against the emulator: a script's ``Client``
shares the disk cache and its cross-process lock with `vcc token` (one token request
between them, also when several cold processes of each kind start together), and a
``Client`` pages a stats export across the API's 31-day windows, downloads a recording
and raises ``ApiError`` for a 404."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import wave
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.processes import popen_vcc, run_vcc
from vcc_cli import ApiError, Client, windows

TOKEN = "POST /Auth/connect/token"
STATS = "GET /stats/agent-activities"
DAY = 86_400

#: A user's script: the token of a Client resolved from the environment, as `vcc token` prints it.
SCRIPT = """
import sys
from vcc_cli import Client
print(Client().token(sys.argv[1]))
"""


def run_script(env, scope="stats") -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, scope], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout


def iso(seconds: float) -> str:
    return windows.format_time(int(seconds) * 1000)


def test_a_script_and_vcc_token_share_the_cache_with_one_token_request(base_env, emulator):
    from_script = run_script(base_env)
    from_vcc = run_vcc("token", "-s", "stats", env=base_env).text
    again = run_script(base_env)
    assert from_script == from_vcc == again and from_script.strip()
    assert emulator.counts()[TOKEN] == 1


def test_cold_scripts_and_vcc_tokens_started_together_send_one_token_request(base_env, emulator):
    emulator.faults.delay = 0.3  # keep the first fetch in flight while the others arrive
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    procs = []
    for _ in range(4):
        procs.append(subprocess.Popen([sys.executable, "-c", SCRIPT, "stats"], env=base_env, **pipes))
        procs.append(popen_vcc("token", "-s", "stats", env=base_env, **pipes))
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1 and outputs[0][0].strip()
    assert emulator.counts()[TOKEN] == 1


@pytest.fixture
def client(base_env):
    return Client(env=base_env)


def test_paginate_a_40_day_stats_export_in_two_windows_with_every_item_once(client, emulator):
    now = int(time.time())
    start, end = iso(now - 40 * DAY), iso(now - 60)
    middle = iso(now - 40 * DAY + 31 * DAY)
    expected = sum(
        client.get("/stats/agent-activities", {"start": a, "end": b, "limit": 1}).json()["meta"]["totalCount"]
        for a, b in [(start, middle), (middle, end)]
    )
    lines: list[str] = []
    emulator.log = lines.append
    items = list(client.paginate("/stats/agent-activities", {"start": start, "end": end, "limit": 1000}))
    asked = set()
    for line in lines:
        found = re.search(r'"GET (/stats/agent-activities\?\S+) HTTP', line)
        if found:
            query = parse_qs(urlsplit(found.group(1)).query)
            asked.add((query["start"][0], query["end"][0]))
    assert asked == {(start, middle), (middle, end)}  # the emulator refuses any window over 31 days
    assert len(items) == expected > 1000  # several pages in each window
    assert len({(i["agentId"], i["start"], i["type"]) for i in items}) == len(items)


def test_download_a_recording_as_a_complete_wav(client, emulator, tmp_path):
    now = time.time()
    found = client.get("/interaction-content/interactions", {"start": iso(now - DAY), "end": iso(now), "limit": 1})
    guid = found.json()["items"][0]["guid"]
    target = client.download(f"/interaction-content/interactions/{guid}/content/callRecording", tmp_path / "rec.wav")
    assert target.stat().st_size == emulator.recording_size
    assert list(tmp_path.glob(".*.part")) == []
    with wave.open(str(target)) as wav:
        assert wav.getnframes() > 0


def test_a_404_from_the_emulator_is_an_api_error_with_its_response(client):
    with pytest.raises(ApiError) as raised:
        client.get("/useradmin/users/00000000-0000-0000-0000-000000000000")
    error = raised.value
    assert error.status == 404 and error.exit_code == 1
    assert "no user with id" in error.response.json()["message"]
