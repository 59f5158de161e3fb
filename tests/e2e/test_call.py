"""SPEC sections 4 and 5, `vcc call`, end to end: the real `vcc` against the emulator
over loopback HTTP: scope and Accept version inferred from the path, among the scopes an
endpoint accepts; a transparent refresh after a 401; a 403 naming the scope; retries."""

from __future__ import annotations

import json

TOKEN = "POST /Auth/connect/token"


def test_call_infers_scope_and_accept_and_prints_json(vcc, emulator):
    result = vcc("call", "/agents-availability", "-q", "skillNames=French")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == ["Ready", "Away", "Extended Away", "Logged Out"] and sum(body.values()) > 0


def test_credentials_holding_only_users_write_can_read_users(vcc, emulator):
    result = vcc("call", "/useradmin/users", env={"VCC_CLIENT_ID": "writer", "VCC_CLIENT_SECRET": "writer-secret"})
    assert result.returncode == 0, result.stderr
    assert "refused scope 'users:read'" in result.stderr and "'users:write'" in result.stderr
    assert emulator.counts()[TOKEN] == 2 and emulator.counts()["GET /useradmin/users"] == 1


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
    result = vcc("call", "/useradmin/users", "-s", "stats", env=env, expect_error=1)
    assert result.returncode == 1 and "users:read" in result.stderr and "'stats'" in result.stderr


def test_scope_the_client_lacks_is_refused_by_the_token_endpoint_exit_3(vcc):
    env = {"VCC_CLIENT_ID": "stats-only", "VCC_CLIENT_SECRET": "stats-secret"}
    result = vcc("call", "/useradmin/users", env=env, expect_error=3)
    assert result.returncode == 3 and "invalid_scope" in result.stderr and result.stdout == b""


def test_rate_limited_call_is_retried(vcc, emulator):
    emulator.faults.rate_limit_next = 1
    emulator.faults.retry_after = 1
    result = vcc("call", "/agents-availability", "-q", "skillNames=French")
    assert result.returncode == 0 and "429" in result.stderr and "retry 1/3" in result.stderr
