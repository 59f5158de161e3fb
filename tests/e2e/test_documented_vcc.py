"""Issue 10, end to end: the real `vcc` against an emulator that answers as VCC's documentation
says: scope choice among accepted scopes, continuation-token paging, body credentials, 7200 s tokens."""

from __future__ import annotations

import json
import time

import pytest

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

TOKEN = "POST /Auth/connect/token"
SEARCH = "GET /interaction-content/interactions"


@pytest.fixture
def emulator():
    clients = [DEFAULT_CLIENT, "writer:writer-secret:users:write"]
    with Emulator(clients=clients, recording_size=50_000) as emu:
        yield emu


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def last_day() -> tuple[str, str]:
    now = time.time()
    return iso(now - 86400), iso(now)


def test_credentials_holding_only_users_write_can_read_users(vcc, emulator):
    result = vcc("call", "/useradmin/users", env={"VCC_CLIENT_ID": "writer", "VCC_CLIENT_SECRET": "writer-secret"})
    assert result.returncode == 0, result.stderr
    assert "refused scope 'users:read'" in result.stderr and "'users:write'" in result.stderr
    assert emulator.counts()[TOKEN] == 2 and emulator.counts()["GET /useradmin/users"] == 1


def test_wrong_credentials_cost_one_token_request(vcc, emulator):
    result = vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "wrong"})
    assert result.returncode == 3 and "invalid_client" in result.stderr
    assert emulator.counts()[TOKEN] == 1


def test_tokens_live_two_hours_as_vcc_documents(vcc):
    data = json.loads(vcc("token", "-s", "stats", "--format", "json").stdout)
    assert 7100 <= data["expires_in"] <= 7200


def test_paginate_follows_the_content_search_continuation_tokens(vcc, emulator):
    start, end = last_day()
    window = ("-q", f"start={start}", "-q", f"end={end}")
    whole = json.loads(vcc("call", "/interaction-content/interactions", *window, "-q", "limit=1000").stdout)
    assert whole["meta"]["nextContinuationToken"] is None  # a day fits in one page of 1000
    emulator.reset_counts()
    result = vcc("call", "/interaction-content/interactions", *window, "-q", "limit=40", "--paginate")
    assert result.returncode == 0, result.stderr
    merged = json.loads(result.stdout)
    assert [i["guid"] for i in merged["items"]] == [i["guid"] for i in whole["items"]]
    assert merged["meta"]["nextContinuationToken"] is None and merged["meta"]["count"] == len(whole["items"])
    assert emulator.counts()[SEARCH] == -(-len(whole["items"]) // 40)


def test_a_recording_found_by_the_search_downloads_as_a_wav(vcc, tmp_path):
    start, end = last_day()
    guid = vcc(
        "call",
        "/interaction-content/interactions",
        "-q",
        f"start={start}",
        "-q",
        f"end={end}",
        "-q",
        "limit=5",
        "--query",
        "items[0].guid",
    ).text.strip()
    target = tmp_path / "call.wav"
    result = vcc("call", f"/interaction-content/interactions/{guid}/content/callRecording", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:4] == b"RIFF"
