"""SPEC section 4, `vcc status`, end to end: ready against the emulator, and the clock
offset against a real HTTP server whose clock is off (exit 3)."""

from __future__ import annotations

import time

from vcc_cli.emulator import Emulator


def test_status_is_ready_against_the_emulator(vcc):
    result = vcc("status")
    assert result.returncode == 0, result.stdout
    assert "clock offset" in result.text and "ready" in result.text


def test_status_reports_a_server_clock_ten_minutes_ahead(vcc, base_env):
    with Emulator(clock=lambda: time.time() + 600) as skewed:
        result = vcc("status", env={"VCC_AUTH_URL": skewed.url, "VCC_API_URL": skewed.url}, expect_error=3)
    assert result.returncode == 3 and "NTP" in result.stderr
    assert any(f"+{n} s" in result.text for n in (599, 600, 601))  # Date has a 1 s resolution
