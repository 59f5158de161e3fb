"""SPEC section 4, `vcc login` and `vcc logout`, end to end: the real `vcc` with a
keyring (a file backend standing in for the OS keyring) against the emulator."""

from __future__ import annotations


def test_login_token_logout_with_a_keyring(vcc, emulator, tmp_path):
    env = {"VCC_CLIENT_ID": None, "VCC_CLIENT_SECRET": None}
    login = vcc(
        "login",
        "--auth-url",
        emulator.url,
        "--api-url",
        emulator.url,
        "--client-id",
        "demo-client",
        "--client-secret-stdin",
        "-s",
        "stats",
        env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None},
        stdin=b"demo-secret\n",
    )
    assert login.returncode == 0, login.stderr
    assert "demo-secret" not in (tmp_path / "config" / "config.toml").read_text()
    token = vcc("token", env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None})
    assert token.returncode == 0 and token.stdout.strip()
    assert vcc("logout", env=env).returncode == 0
    again = vcc("token", "-s", "stats", env={**env, "VCC_AUTH_URL": None, "VCC_API_URL": None}, expect_error=True)
    assert again.returncode in (2, 3)
