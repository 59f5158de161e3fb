"""SPEC sections 4 and 5, `vcc call --paginate`, `--query` and `-f/-F`, end to end:
the real `vcc` against the emulator, over both paging styles (page numbers and the
content search's continuation tokens)."""

from __future__ import annotations

import json
import time

START, END = "2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z"
SEARCH = "GET /interaction-content/interactions"


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def last_day() -> tuple[str, str]:
    now = time.time()
    return iso(now - 86400), iso(now)


def test_paginate_collects_every_user_in_one_document(vcc, emulator):
    first = json.loads(vcc("call", "/useradmin/users", "-q", "limit=7").stdout)
    emulator.reset_counts()
    result = vcc("call", "/useradmin/users", "-q", "limit=7", "--paginate")
    assert result.returncode == 0, result.stderr
    merged = json.loads(result.stdout)
    total = first["meta"]["totalCount"]
    assert len(merged["items"]) == total == merged["meta"]["count"]
    assert len({u["userId"] for u in merged["items"]}) == total  # no page twice, none missing
    assert emulator.counts()["GET /useradmin/users"] == first["meta"]["pageCount"]


def test_paginate_and_query_over_stats_items(vcc):
    window = ("-q", f"start={START}", "-q", f"end={END}")
    total = json.loads(vcc("call", "/stats/agent-activities", *window, "--query", "meta.totalCount").stdout)
    result = vcc("call", "/stats/agent-activities", *window, "-q", "limit=50", "--paginate", "--query", "length(items)")
    assert result.returncode == 0 and int(result.stdout) == total > 50


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


def test_query_string_result_is_printed_raw(vcc):
    result = vcc("call", "/useradmin/users", "-q", "limit=1", "--query", "items[0].userId")
    assert result.returncode == 0 and result.stdout.count(b"\n") == 1 and b'"' not in result.stdout


def test_fields_create_a_user_the_api_accepts(vcc):
    # the README's example, nested field included
    created = vcc(
        "call",
        "/useradmin/users",
        "-f",
        "username=ana",
        "-f",
        "name=Ana Silva",
        "-f",
        "email=ana@example.com",
        "-F",
        "active=true",
        "-f",
        "userAccountConfiguration[role]=Supervisor",
    )
    assert created.returncode == 0, created.stderr
    user = json.loads(created.stdout)
    assert user["username"] == "ana" and user["active"] is True
    assert user["userAccountConfiguration"]["role"] == "Supervisor"
    again = vcc("call", f"/useradmin/users/{user['userId']}", "--query", "name")
    assert again.stdout == b"Ana Silva\n"


def test_agent_availability_still_answers_after_a_user_is_created(vcc):
    vcc("call", "/useradmin/users", "-f", "username=ana", "-f", "name=Ana Silva", "-F", "active=true")
    assert vcc("call", "/agents-availability", "-q", "skillNames=French").returncode == 0
