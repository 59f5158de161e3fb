"""SPEC sections 2 and 7, config and cache files: replaced atomically, never half
written, keeping what a person added, and refused, as ssh does, when someone else
could have written them."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import tomllib

import pytest

from tests.conftest import CI_ENV, TOKEN_URL, token_answer
from tests.support.processes import TESTS, clean_env, run_vcc
from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import TokenCache, decode_entry

USER_CONFIG = """\
# vcc profiles: kept in git with my dotfiles
editor = "vim"   # a key vcc does not know

[profiles.default]
# the production account
region = "emea"
client_id = "prod-client"
colour = "blue"

[profiles.staging]
region = "nam"
client_id = "staging-client"
"""
LOGIN = (
    "login",
    "--profile",
    "new",
    "--region",
    "apac",
    "--client-id",
    "new-client",
    "--client-secret-stdin",
    "--no-verify",
)


@pytest.fixture
def config_file(tmp_path):
    directory = tmp_path / "config"
    directory.mkdir(mode=0o700)
    path = directory / "config.toml"
    path.write_text(USER_CONFIG)
    path.chmod(0o600)
    return path


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".") or p.suffix in (".tmp", ".part"))


def failing(name: str, err: int = errno.ENOSPC):
    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err), name)

    return fail


# --------------------------------------------------------------------------- atomic config writes


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_a_failed_config_write_keeps_the_previous_file_leaves_no_temp_file_and_stores_no_secret(
    vcc, config_file, keyring_store, monkeypatch, step
):
    monkeypatch.setattr(os, step, failing(f"os.{step}"))
    result = vcc(*LOGIN, stdin="s3cr3t\n", expect_error=2)
    monkeypatch.undo()
    assert "cannot write" in result.stderr and "No space left on device" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2
    assert config_file.read_text() == USER_CONFIG
    assert leftovers(config_file.parent) == []
    assert keyring_store.secrets == {}  # no secret without its profile


def test_a_failed_keyring_write_takes_the_new_profile_back(vcc, config_file, keyring_store, monkeypatch):
    from vcc_cli.errors import AuthError

    def locked(profile, secret):
        raise AuthError("the keyring is locked (storing the secret)", "unlock it and retry")

    monkeypatch.setattr(keyring_store, "set_secret", locked)
    vcc(*LOGIN, stdin="s3cr3t\n", expect_error=3)
    assert config_file.read_text() == USER_CONFIG


def test_login_and_logout_keep_the_comments_and_keys_a_person_added(vcc, config_file):
    vcc(*LOGIN, stdin="s3cr3t\n")
    vcc("logout", "--profile", "staging")
    text = config_file.read_text()
    for line in USER_CONFIG.splitlines():
        if "staging" not in line and line.strip() not in ('region = "nam"', ""):
            assert line in text, line
    data = tomllib.loads(text)
    assert data["editor"] == "vim" and data["profiles"]["default"]["colour"] == "blue"
    assert data["profiles"]["new"]["client_id"] == "new-client" and "staging" not in data["profiles"]
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_the_config_write_never_follows_a_link_planted_at_its_temporary_name(vcc, config_file, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    for name in (f".config.toml.{os.getpid()}.tmp", ".config.toml.tmp"):  # predictable names
        (config_file.parent / name).symlink_to(victim)
    vcc(*LOGIN, stdin="s3cr3t\n")
    assert victim.read_text() == "precious\n"
    assert "new-client" in config_file.read_text()


# --------------------------------------------------------------------------- a real full disk


class TinyDisk:
    """A 64 KiB tmpfs (root only): ``path``, and ``fill()`` to leave no byte free."""

    def __init__(self, path):
        self.path = path

    def fill(self) -> None:
        with open(self.path / "filler", "wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"\0" * 1024)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC


@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "vcc-test", str(mount_point)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("needs root to mount a tmpfs")
    try:
        yield TinyDisk(mount_point)
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_keeps_config_and_cache_whole_and_vcc_token_still_answers(tiny_disk, tmp_path, emulator_url):
    disk = tiny_disk.path
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(
        home,
        VCC_CONFIG_DIR=str(disk / "config"),
        VCC_CACHE_DIR=str(disk / "cache"),
        PYTHON_KEYRING_BACKEND="support.file_keyring.FileKeyring",
        PYTHONPATH=str(TESTS),
        VCC_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    login = (
        "login",
        "--client-id",
        "demo-client",
        "--client-secret-stdin",
        "-s",
        "stats",
        "--auth-url",
        emulator_url,
        "--api-url",
        emulator_url,
    )
    assert run_vcc(*login, env=env, stdin=b"demo-secret\n").returncode == 0
    config = (disk / "config" / "config.toml").read_bytes()
    cached = token_out = run_vcc("token", env=env).stdout
    tiny_disk.fill()

    relogin = run_vcc(*login, "--profile", "other", env=env, stdin=b"demo-secret\n", expect_error=2)
    assert relogin.returncode == 2, relogin.stderr
    assert "No space left on device" in relogin.stderr and "Traceback" not in relogin.stderr
    fresh = run_vcc("token", "--refresh", env=env)
    assert fresh.returncode == 0 and fresh.stdout != token_out, fresh.stderr
    assert "not cached" in fresh.stderr

    assert (disk / "config" / "config.toml").read_bytes() == config
    assert leftovers(disk / "config") == [] and leftovers(disk / "cache") == []
    entries = [decode_entry(p.read_bytes()) for p in (disk / "cache").glob("*.json")]
    assert entries and all(entries) and entries[0].token.access_token == cached.decode().strip()
    assert "other" not in (tmp_path / "keyring.json").read_text()


@pytest.fixture
def emulator_url():
    from vcc_cli.emulator import Emulator

    with Emulator() as emu:
        yield emu.url


# --------------------------------------------------------------------------- files others could have written


@pytest.mark.parametrize(
    "args",
    [("token", "-s", "stats"), ("call", "/agents-availability"), LOGIN, ("logout",), ("status", "--no-clock")],
    ids=lambda a: a[0],
)
def test_a_config_file_others_can_write_is_refused_with_the_fix(vcc, config_file, mock_http, args):
    config_file.chmod(0o620)
    result = vcc(*args, stdin="s3cr3t\n", expect_error=True)
    assert result.exit_code in (2, 3), result.stderr
    assert "other users can write to it" in result.stderr and str(config_file) in result.stderr
    assert "chmod" in result.stderr and len(mock_http.calls) == 0
    assert config_file.read_text() == USER_CONFIG


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_config_file_owned_by_someone_else_is_refused(vcc, config_file):
    os.chown(config_file, 65534, 65534)
    result = vcc("token", "-s", "stats", expect_error=2)
    assert "belongs to another user" in result.stderr


def _plant(tmp_path, token: str, mode: int, owner: int | None = None) -> None:
    cache = TokenCache(tmp_path / "cache", clock=lambda: 1_800_000_000.0)
    path = cache.put(
        TOKEN_URL,
        CI_ENV["VCC_CLIENT_ID"],
        ["stats"],
        Token(token, "Bearer", ("stats",), 1_800_003_600.0),
        1_800_000_000.0,
    )
    path.chmod(mode)
    if owner is not None:
        os.chown(path, owner, owner)


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_a_cache_entry_others_can_write_is_never_served_and_is_replaced(vcc, mock_http, tmp_path, mode):
    _plant(tmp_path, "planted-by-someone", mode)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "fetched\n"
    (entry,) = (tmp_path / "cache").glob("*.json")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600 and b"planted" not in entry.read_bytes()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_cache_entry_owned_by_someone_else_is_never_served(vcc, mock_http, tmp_path):
    _plant(tmp_path, "planted-by-someone", 0o600, owner=65534)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    assert vcc("token", "-s", "stats", env=CI_ENV).stdout == "fetched\n"


# An untrusted entry is refused with a clear message, as
# ssh gives ("refusing ... other users can write to it"), on stderr, stdout staying the token alone.
def test_a_cache_entry_others_can_write_is_refused_with_a_note(vcc, mock_http, tmp_path):
    _plant(tmp_path, "planted-by-someone", 0o666)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    result = vcc("token", "-s", "stats", env=CI_ENV)
    assert "other users can write to it" in result.stderr


def test_an_existing_directory_writable_by_others_is_not_used_for_the_cache(vcc, mock_http, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    mock_http.post(TOKEN_URL, json=token_answer("t"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(shared)})
    assert result.stdout == "t\n" and "not cached" in result.stderr
    assert oct(shared.stat().st_mode & 0o777) == "0o777" and not list(shared.glob("*.json"))


def test_logout_removes_a_damaged_profile(vcc, config_file):
    config_file.write_text(
        USER_CONFIG.replace('[profiles.staging]\nregion = "nam"\n', "[profiles.staging]\nregion = 5\n")
    )
    assert vcc("token", "--profile", "staging", expect_error=2).exit_code == 2
    result = vcc("logout", "--profile", "staging")
    assert "damaged" in result.stderr
    assert "staging" not in config_file.read_text() and "# the production account" in config_file.read_text()
