"""SPEC section 4, `vcc profiles`, end to end: the real `vcc` with a real keyring backend
(a file standing in for the OS keyring) against the emulator, and keyring backends that
fail for one profile or hang: the listing still ends, in time, with exit 0."""

from __future__ import annotations

import json
import textwrap

#: Run with a profile's credentials, not the CI pair of base_env.
NO_ENV_CREDENTIALS = {"VCC_CLIENT_ID": None, "VCC_CLIENT_SECRET": None, "VCC_AUTH_URL": None, "VCC_API_URL": None}


def login(vcc, emulator, profile, client_id, secret, *extra):
    vcc(
        "login",
        *("--profile", profile, "--auth-url", emulator.url, "--api-url", emulator.url),
        *("--client-id", client_id, "--client-secret-stdin", *extra),
        env=NO_ENV_CREDENTIALS,
        stdin=f"{secret}\n".encode(),
    )


def test_logged_in_profiles_with_their_keyring_secrets_and_cached_tokens(vcc, emulator):
    login(vcc, emulator, "default", "demo-client", "demo-secret", "-s", "stats")
    login(vcc, emulator, "reader", "stats-only", "stats-secret")
    token = vcc("token", env=NO_ENV_CREDENTIALS).stdout.decode().strip()
    data = json.loads(vcc("profiles", "--json", env=NO_ENV_CREDENTIALS).stdout)
    assert [(p["name"], p["active"]) for p in data["profiles"]] == [("default", True), ("reader", False)]
    default = data["profiles"][0]
    assert default["client_id"] == "demo-client" and default["region"] == "custom"
    assert default["secret"] == {"source": "keyring", "found": True, "problem": None}
    assert data["keyring"] == {"backend": "support.file_keyring.FileKeyring", "answers": True, "problem": None}
    (cached,) = default["tokens"]
    assert cached["scopes"] == ["stats"] and 7000 < cached["expires_in"] <= 7200 and not cached["expired"]
    assert data["profiles"][1]["tokens"] == []
    text = vcc("profiles", env=NO_ENV_CREDENTIALS)
    assert "* default  (active, the default)" in text.text
    assert "cached tokens   stats: 120 min left" in text.text or "cached tokens   stats: 119 min left" in text.text
    for shown in (text.text, text.stderr, json.dumps(data)):
        assert token not in shown and "demo-secret" not in shown and "stats-secret" not in shown


def test_the_env_credentials_of_base_env_are_named_as_overriding_the_profiles(vcc, emulator):
    login(vcc, emulator, "default", "demo-client", "demo-secret")
    text = vcc("profiles").text  # base_env: VCC_CLIENT_ID, VCC_CLIENT_SECRET, VCC_AUTH_URL, VCC_API_URL
    assert "VCC_CLIENT_ID + VCC_CLIENT_SECRET: the client ID and secret come from the environment" in text
    assert "VCC_AUTH_URL + VCC_API_URL: requests go there" in text


def test_no_profiles_is_a_note_on_stderr_and_exit_0(vcc):
    result = vcc("profiles", env=NO_ENV_CREDENTIALS)
    assert result.returncode == 0 and result.stdout == b""
    assert "no profiles in" in result.stderr and "vcc login" in result.stderr


def write_backend(tmp_path, body: str) -> str:
    """A keyring backend module in tmp_path (on PYTHONPATH in the test); returns its
    PYTHON_KEYRING_BACKEND value."""
    (tmp_path / "odd_keyring.py").write_text(
        textwrap.dedent(
            """
            import time
            from keyring.errors import KeyringError
            from support.file_keyring import FileKeyring

            class OddKeyring(FileKeyring):
            """
        )
        + textwrap.indent(textwrap.dedent(body), "    ")
    )
    return "odd_keyring.OddKeyring"


def write_profiles(tmp_path, *names):
    config = tmp_path / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    text = "".join(f'[profiles.{name}]\nregion = "emea"\nclient_id = "{name}-id"\n\n' for name in names)
    (config / "config.toml").write_text(text)
    (config / "config.toml").chmod(0o600)
    (tmp_path / "keyring.json").write_text(json.dumps({f"vcc-cli/{name}": f"secret-{name}" for name in names}))


def odd_env(base_env, tmp_path, backend):
    return {
        **NO_ENV_CREDENTIALS,
        "PYTHON_KEYRING_BACKEND": backend,
        "PYTHONPATH": f"{tmp_path}:{base_env['PYTHONPATH']}",
    }


def test_a_backend_failing_for_one_profile_leaves_the_others_listed(vcc, base_env, tmp_path):
    write_profiles(tmp_path, "alpha", "broken", "zulu")
    backend = write_backend(
        tmp_path,
        """
        def get_password(self, service, username):
            if username == "broken":
                raise KeyringError("org.freedesktop.DBus.Error.NoReply")
            return super().get_password(service, username)
        """,
    )
    data = json.loads(vcc("profiles", "--json", env=odd_env(base_env, tmp_path, backend)).stdout)
    assert [p["secret"]["found"] for p in data["profiles"]] == [True, False, True]
    assert "NoReply" in data["profiles"][1]["secret"]["problem"]


def test_a_hanging_keyring_does_not_hang_the_listing(vcc, base_env, tmp_path):
    names = ["p0", "p1", "p2", "p3"]
    write_profiles(tmp_path, *names)
    backend = write_backend(
        tmp_path,
        """
        def get_password(self, service, username):
            time.sleep(3600)
        """,
    )
    env = {**odd_env(base_env, tmp_path, backend), "VCC_KEYRING_TIMEOUT": "0.5"}
    result = vcc("profiles", "--json", env=env, timeout=30)
    assert result.seconds < 10  # one time limit, not one per profile (and never an hour)
    data = json.loads(result.stdout)
    first, *rest = data["profiles"]
    assert "did not answer within 0.5 s" in first["secret"]["problem"]
    assert all(p["secret"]["problem"] == "not asked: the keyring was too slow for profile 'p0'" for p in rest)
    text = vcc("profiles", env=env, timeout=30).text
    assert text.count("secret          keyring") == len(names)
