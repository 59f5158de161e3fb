"""SPEC sections 2, 3 and 7, the client secret in a real keyring, with the real `vcc`,
and the keyring's time limit.

Tests marked ``keyring`` use a real Secret Service: gnome-keyring on the D-Bus
session that ``.ci/with-secret-service`` starts (a throwaway one, unlocked with a
random password), or on private buses they start themselves to lock it, freeze it
or replace it with a service that never answers. They skip when those parts are
missing, and fail instead inside ``.ci/with-secret-service``, so CI always runs them.
The tests without the mark need no keyring at all: they prove what happens without one.
"""

from __future__ import annotations

import secrets as random_secrets
from pathlib import Path

import pytest

from tests.security.conftest import CLIENT_ID, SECRET
from tests.support import secret_service as ss
from tests.support.processes import clean_env, files_containing, run_together, run_vcc

SERVICE = "vcc-cli"
#: Generous bound for "within a few seconds": start-up plus the time limit plus slack for a loaded CI machine.
SLACK = 4.0


def unavailable(why: str):
    if ss.REQUIRED:
        pytest.fail(f"the keyring tests must run here ({ss.ENV_FLAG}=1) but cannot: {why}")
    pytest.skip(why)


@pytest.fixture
def session_bus():
    address, why = ss.session_secret_service()
    if address is None:
        unavailable(why)
    return address


@pytest.fixture
def private_bus():
    missing = ss.missing_programs("dbus-daemon")
    if missing:
        unavailable(f"not installed: {', '.join(missing)}")
    with ss.PrivateBus() as bus:
        yield bus


@pytest.fixture
def gnome_keyring(private_bus, tmp_path):
    missing = ss.missing_programs("gnome-keyring-daemon")
    if missing:
        unavailable(f"not installed: {', '.join(missing)}")
    with ss.GnomeKeyring(private_bus, tmp_path / "keyring-daemon-home") as daemon:
        yield daemon


@pytest.fixture
def profile(request):
    """A profile name no other test uses; its entry in the session's keyring is removed afterwards."""
    name = f"vcc-test-{random_secrets.token_hex(4)}"
    yield name
    if "session_bus" in request.fixturenames:
        ss.delete_items(request.getfixturevalue("session_bus"), SERVICE, name)


def keyring_env(home: Path, bus_address: str, **extra) -> dict[str, str]:
    """A desktop user's environment: a D-Bus session, no credentials in the environment."""
    return clean_env(home, DBUS_SESSION_BUS_ADDRESS=bus_address, **extra)


def login_args(emulator, profile):
    """`vcc login` of ``profile`` at ``emulator``, the secret on stdin: run_vcc's args and stdin."""
    return dict(
        args=[
            "login",
            "--profile",
            profile,
            "--auth-url",
            emulator.url,
            "--api-url",
            emulator.url,
            "--client-id",
            CLIENT_ID,
            "--client-secret-stdin",
            "-s",
            "stats",
        ],
        stdin=f"{SECRET}\n".encode(),
    )


def login(env, emulator, profile, *extra, expect_error=False):
    given = login_args(emulator, profile)
    return run_vcc(*given["args"], *extra, env=env, stdin=given["stdin"], expect_error=expect_error)


def write_profile(tmp_path: Path, profile: str, emulator) -> bytes:
    """A profile as `vcc login` leaves it, written by hand (its secret is not stored)."""
    config = tmp_path / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    text = (
        f'# my profiles\n[profiles.{profile}]\nclient_id = "{CLIENT_ID}"\nscopes = ["stats"]\n'
        f'auth_url = "{emulator.url}"\napi_url = "{emulator.url}"\n'
    ).encode()
    (config / "config.toml").write_bytes(text)
    (config / "config.toml").chmod(0o600)
    return text


def assert_short_failure(done, code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("vcc: error:")]
    assert len(errors) == 1 and len(lines) - errors[0] <= 2, done.stderr  # notes, then the error and a hint
    assert "Traceback" not in done.stderr and done.stdout == b""
    for word in words:
        assert word in done.stderr, (word, done.stderr)


# --------------------------------------------------------------------------- a working Secret Service


@pytest.mark.keyring
def test_login_stores_the_secret_in_the_secret_service_and_nowhere_on_disk(
    session_bus, emulator, home, tmp_path, profile
):
    done = login(keyring_env(home, session_bus), emulator, profile)
    assert done.returncode == 0, done.stderr
    assert ss.read_item(session_bus, SERVICE, profile) == SECRET
    assert files_containing(SECRET, tmp_path) == []  # config, cache and home all live under tmp_path
    assert SECRET not in done.stderr and SECRET.encode() not in done.stdout
    if ss.SESSION_KEYRING_HOME:  # the daemon's own files hold it, encrypted
        store = Path(ss.SESSION_KEYRING_HOME) / ".local" / "share" / "keyrings"
        assert any(store.glob("*.keyring")), f"no keyring file in {store}"
        assert files_containing(SECRET, store) == []


@pytest.mark.keyring
def test_token_reads_the_secret_from_the_secret_service_with_no_env_credentials(session_bus, emulator, home, profile):
    env = keyring_env(home, session_bus)
    assert login(env, emulator, profile).returncode == 0
    emulator.reset_counts()
    done = run_vcc("token", "--profile", profile, "--refresh", env=env)  # --refresh: the cache cannot answer
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{emulator.issued[-1]}\n".encode()
    assert emulator.counts() == {"POST /Auth/connect/token": 1}


@pytest.mark.keyring
def test_logout_removes_the_secret_service_entry(session_bus, emulator, home, profile):
    env = keyring_env(home, session_bus)
    assert login(env, emulator, profile).returncode == 0
    assert run_vcc("logout", "--profile", profile, env=env).returncode == 0
    assert ss.read_item(session_bus, SERVICE, profile) is None
    assert run_vcc("logout", "--profile", profile, env=env).returncode == 0  # twice is fine


# --------------------------------------------------------------------------- no keyring at all


def test_login_without_any_keyring_exits_3_with_the_ways_out_and_stores_nothing(emulator, home, tmp_path):
    done = login(clean_env(home), emulator, "default", expect_error=3)  # no D-Bus session, no backend chosen
    assert_short_failure(done, 3, "VCC_CLIENT_ID", "gnome-keyring", "PYTHON_KEYRING_BACKEND")
    assert not (tmp_path / "config" / "config.toml").exists()
    assert files_containing(SECRET, tmp_path) == []
    assert emulator.counts() == {}  # it failed before asking for the secret


def test_token_with_env_credentials_works_without_any_keyring(emulator, home):
    env = clean_env(
        home, VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET=SECRET, VCC_AUTH_URL=emulator.url, VCC_API_URL=emulator.url
    )
    done = run_vcc("token", "-s", "stats", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{emulator.issued[-1]}\n".encode()


@pytest.mark.keyring
def test_a_session_bus_without_a_secret_service_is_no_keyring_exit_3(private_bus, emulator, home, tmp_path):
    done = login(keyring_env(home, private_bus.address), emulator, "default", expect_error=3)
    assert_short_failure(done, 3, "no usable keyring", "VCC_CLIENT_ID")
    assert files_containing(SECRET, tmp_path) == []


def _fake_keyrings_alt(site: Path) -> None:
    """An installed distribution like keyrings.alt: its PlaintextKeyring (priority 0.5,
    a file in the home directory) registered through the keyring.backends entry point."""
    package = site / "keyrings" / "alt"
    package.mkdir(parents=True)
    (package / "file.py").write_text(
        "import json, os\n"
        "from keyring.backend import KeyringBackend\n"
        "class PlaintextKeyring(KeyringBackend):\n"
        "    priority = 0.5\n"
        "    path = property(lambda self: os.path.expanduser('~/keyring_pass.cfg'))\n"
        "    def _load(self):\n"
        "        return json.load(open(self.path)) if os.path.exists(self.path) else {}\n"
        "    def get_password(self, service, username):\n"
        "        return self._load().get(service + '/' + username)\n"
        "    def set_password(self, service, username, password):\n"
        "        data = self._load(); data[service + '/' + username] = password\n"
        "        json.dump(data, open(self.path, 'w'))\n"
        "    def delete_password(self, service, username):\n"
        "        pass\n"
    )
    info = site / "keyrings.alt-5.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: keyrings.alt\nVersion: 5.0.0\n")
    (info / "entry_points.txt").write_text("[keyring.backends]\nfile = keyrings.alt.file\n")


def test_a_plaintext_keyring_is_never_used_silently(emulator, home, tmp_path):
    site = tmp_path / "site"
    _fake_keyrings_alt(site)
    env = clean_env(home, PYTHONPATH=str(site))
    done = login(env, emulator, "default", "--no-verify", expect_error=3)
    assert_short_failure(done, 3, "keyrings.alt.file.PlaintextKeyring", "PYTHON_KEYRING_BACKEND")
    assert files_containing(SECRET, tmp_path) == []
    # Chosen on purpose, it is the person's call.
    chosen = {**env, "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
    assert login(chosen, emulator, "default", "--no-verify").returncode == 0


def test_the_null_keyring_counts_as_no_keyring(emulator, home, tmp_path):
    env = clean_env(home, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    assert_short_failure(login(env, emulator, "default", expect_error=3), 3, "no usable keyring")
    assert not (tmp_path / "config" / "config.toml").exists()


# --------------------------------------------------------------------------- locked, frozen, hanging


@pytest.mark.keyring
def test_a_locked_secret_service_is_exit_3_quickly_and_nothing_is_stored(
    gnome_keyring, emulator, home, tmp_path, profile
):
    env = keyring_env(home, gnome_keyring.bus.address, VCC_KEYRING_TIMEOUT="3")
    assert login(env, emulator, profile).returncode == 0
    config = (tmp_path / "config" / "config.toml").read_bytes()
    gnome_keyring.lock()

    token, other_login = run_together(
        dict(
            args=["token", "--profile", profile, "--refresh"],
            env={**env, "VCC_CACHE_DIR": str(tmp_path / "c1")},
            expect_error=3,
        ),
        dict(**login_args(emulator, "another"), env=env, expect_error=3),
    )
    assert_short_failure(token, 3, "locked")
    assert token.seconds < 3 + SLACK
    assert_short_failure(other_login, 3, "locked")
    assert (tmp_path / "config" / "config.toml").read_bytes() == config  # the new profile was taken back
    assert files_containing(SECRET, tmp_path / "config", tmp_path / "cache", home) == []


@pytest.mark.keyring
def test_a_frozen_keyring_daemon_is_exit_3_within_the_time_limit(gnome_keyring, emulator, home, tmp_path, profile):
    env = keyring_env(home, gnome_keyring.bus.address, VCC_KEYRING_TIMEOUT="1")
    assert login(env, emulator, profile).returncode == 0
    config = (tmp_path / "config" / "config.toml").read_bytes()
    gnome_keyring.stop()  # SIGSTOP: the bus takes the calls, nobody answers

    token, other_login = run_together(
        dict(
            args=["token", "--profile", profile, "--refresh"],
            env={**env, "VCC_CACHE_DIR": str(tmp_path / "c1")},
            timeout=30,
            expect_error=3,
        ),
        dict(**login_args(emulator, "another"), env=env, timeout=30, expect_error=3),
    )
    assert_short_failure(token, 3, "did not answer within 1 s")
    assert token.seconds < 1 + SLACK
    assert_short_failure(other_login, 3, "did not answer")
    assert (tmp_path / "config" / "config.toml").read_bytes() == config
    assert files_containing(SECRET, tmp_path / "config", tmp_path / "cache", home) == []


@pytest.fixture
def hanging_service(private_bus):
    with ss.HangingSecretService(private_bus) as service:
        yield service


@pytest.mark.keyring
def test_a_secret_service_that_never_answers_is_exit_3_within_the_time_limit(
    private_bus, hanging_service, emulator, home, tmp_path
):
    config = write_profile(tmp_path, "work", emulator)
    env = keyring_env(home, private_bus.address)
    short = {**env, "VCC_KEYRING_TIMEOUT": "1"}

    # Each token run has its own cache: on a miss the secret is read under the cache
    # lock, so runs sharing a cache would queue behind each other's time limit.
    token, default_limit, relogin = run_together(
        dict(
            args=["token", "--profile", "work"],
            env={**short, "VCC_CACHE_DIR": str(tmp_path / "c1")},
            timeout=30,
            expect_error=3,
        ),
        dict(
            args=["token", "--profile", "work"],
            env={**env, "VCC_CACHE_DIR": str(tmp_path / "c2")},
            timeout=30,
            expect_error=3,
        ),
        dict(**login_args(emulator, "work"), env=short, timeout=30, expect_error=3),
    )
    assert_short_failure(token, 3, "did not answer within 1 s", "VCC_CLIENT_ID")
    assert token.seconds < 1 + SLACK
    assert_short_failure(default_limit, 3, "did not answer within 5 s")
    assert default_limit.seconds < 5 + SLACK
    assert_short_failure(relogin, 3, "did not answer")
    assert (tmp_path / "config" / "config.toml").read_bytes() == config
    assert files_containing(SECRET, tmp_path / "config", tmp_path / "cache", home) == []


@pytest.mark.parametrize("value", ["abc", "inf", "0", "-1", "1e10"])
def test_a_bad_keyring_timeout_is_a_usage_error(value, monkeypatch):
    from vcc_cli.errors import UsageError
    from vcc_cli.tokens.secrets import keyring_timeout

    monkeypatch.setenv("VCC_KEYRING_TIMEOUT", value)
    with pytest.raises(UsageError):
        keyring_timeout()
