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
    # Date has a 1 s resolution
    assert any(f"the token endpoint's clock is {n} s ahead of this machine's" in result.text for n in (599, 600, 601))


def test_a_secret_missing_from_a_real_keyring_fails_credentials_and_keyring_alike(vcc, emulator, tmp_path):
    profile_env = {"VCC_CLIENT_ID": None, "VCC_CLIENT_SECRET": None, "VCC_AUTH_URL": None, "VCC_API_URL": None}
    vcc(
        "login",
        *("--auth-url", emulator.url, "--api-url", emulator.url, "--client-id", "demo-client", "--client-secret-stdin"),
        env=profile_env,
        stdin=b"demo-secret\n",
    )
    (tmp_path / "keyring.json").write_text("{}")  # the entry gone, as after a keyring reset
    result = vcc("status", "--no-clock", env=profile_env, expect_error=3)
    assert "FAIL credentials" in result.text and "FAIL keyring" in result.text
    assert "ok   credentials" not in result.text
