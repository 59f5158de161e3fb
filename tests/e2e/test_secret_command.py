"""SPEC sections 3, 4 (`vcc login`) and 7, the secret from a command, end to end: the
real `vcc` runs real commands (shell scripts) for `VCC_CLIENT_SECRET_COMMAND` and for a
profile's `secret_command` written by `vcc login --secret-command`, against the
emulator. A hanging command is killed with its process group within the time limit;
the secret is in no file vcc writes, in none of its output, and never in the argv or
environment of vcc itself; the Python API follows the same resolution."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.processes import files_containing, popen_vcc
from vcc_cli.emulator import Emulator

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell scripts")

#: Unusual enough that finding it anywhere can only mean a leak.
SECRET = "E2e-cmd-s3cr3t-Kq7w-Zx9v"
CLIENT_ID = "cmd-client"


@pytest.fixture
def emulator():
    """The e2e emulator, with a client whose secret comes from a command."""
    with Emulator(clients=[f"{CLIENT_ID}:{SECRET}:stats", "demo-client:demo-secret"]) as emu:
        yield emu


@pytest.fixture
def bin_dir(tmp_path):
    """Where the commands live: outside the config, cache and home directories, whose
    files are searched for the secret."""
    path = tmp_path / "bin"
    path.mkdir()
    return path


def script(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text("#!/bin/sh\n" + body.strip() + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def printer(bin_dir):
    """Prints the secret, after noting vcc's own argv and environment (its parent's)."""
    return script(
        bin_dir,
        "print-secret",
        f"""cat /proc/$PPID/cmdline > '{bin_dir}/vcc-argv' 2>/dev/null
cat /proc/$PPID/environ > '{bin_dir}/vcc-environ' 2>/dev/null
printf '%s\\n' '{SECRET}'""",
    )


def command_env(command: Path | str) -> dict[str, str | None]:
    return {
        "VCC_CLIENT_ID": CLIENT_ID,
        "VCC_CLIENT_SECRET": None,
        "VCC_CLIENT_SECRET_COMMAND": shlex.quote(str(command)),
    }


#: A profile's run: no credentials and no URLs in the environment.
PROFILE_ENV: dict[str, str | None] = {
    "VCC_CLIENT_ID": None,
    "VCC_CLIENT_SECRET": None,
    "VCC_AUTH_URL": None,
    "VCC_API_URL": None,
}


def test_env_secret_command_gets_a_token(vcc, printer):
    token = vcc("token", "-s", "stats", env=command_env(printer))
    assert token.text.count(".") == 2  # the emulator's JWT


def test_a_wrong_secret_from_the_command_is_refused_with_exit_3(vcc, bin_dir):
    command = script(bin_dir, "wrong", "echo not-the-secret")
    result = vcc("token", "-s", "stats", env=command_env(command), expect_error=3)
    assert "invalid_client" in result.stderr


def test_a_failing_command_is_exit_3_with_its_stderr_line(vcc, bin_dir):
    command = script(bin_dir, "fails", "echo 'op: account is not signed in' >&2\nexit 1")
    result = vcc("token", "-s", "stats", env=command_env(command), expect_error=3)
    assert result.stderr.startswith("vcc: error: VCC_CLIENT_SECRET_COMMAND `")
    assert "failed (exit 1): op: account is not signed in" in result.stderr
    assert len(result.stderr.splitlines()) == 2  # what failed, and what to do


def test_a_command_that_prints_nothing_is_exit_3(vcc, bin_dir):
    command = script(bin_dir, "silent", "exit 0")
    result = vcc("token", "-s", "stats", env=command_env(command), expect_error=3)
    assert "printed no secret" in result.stderr


def live_members(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that are not zombies (Linux /proc)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")
def test_a_hanging_command_is_killed_with_its_process_group_within_the_limit(vcc, bin_dir):
    pid_file = bin_dir / "pid"
    command = script(
        bin_dir,
        "hangs",
        f"""echo $$ > '{pid_file}'
sh -c 'sleep 60' &
sleep 60""",
    )
    result = vcc("token", "-s", "stats", env={**command_env(command), "VCC_KEYRING_TIMEOUT": "1"}, expect_error=3)
    assert result.seconds < 1 + 3, result.seconds  # the limit, and a margin for starting Python
    assert "did not finish within 1 s and was stopped" in result.stderr
    pgid = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while live_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_members(pgid) == []


def test_ctrl_c_while_the_command_runs_is_exit_130(base_env, bin_dir):
    started = bin_dir / "started"
    command = script(bin_dir, "slow", f"echo $$ > '{started}.tmp' && mv '{started}.tmp' '{started}'\nsleep 30")
    env = {k: v for k, v in base_env.items() if k != "VCC_CLIENT_SECRET"}
    env.update(VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET_COMMAND=str(command))
    proc = popen_vcc("token", "-s", "stats", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    if Path("/proc/self/stat").exists():  # the command, in a session of its own, was stopped too
        pgid = int(started.read_text())
        deadline = time.monotonic() + 3
        while live_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live_members(pgid) == []


def test_login_secret_command_then_token_with_the_profile_and_the_secret_leaks_nowhere(
    vcc, emulator, printer, tmp_path, bin_dir
):
    outputs = []
    login = vcc(
        "login",
        "--auth-url",
        emulator.url,
        "--api-url",
        emulator.url,
        "--client-id",
        CLIENT_ID,
        "--secret-command",
        str(printer),
        "-s",
        "stats",
        env={**PROFILE_ENV, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},  # no keyring needed
    )
    outputs.append(login)
    config = (tmp_path / "config" / "config.toml").read_text()
    assert f'secret_command = ["{printer}"]' in config
    (bin_dir / "vcc-argv").unlink()
    outputs.append(vcc("token", "--refresh", env=PROFILE_ENV))
    assert outputs[-1].text.count(".") == 2
    argv = (bin_dir / "vcc-argv").read_bytes().split(b"\0")
    assert any(b"vcc" in part for part in argv) and b"token" in argv  # it is vcc's
    outputs.append(vcc("status", "--no-clock", env=PROFILE_ENV))
    assert f"secret from command `{printer}`" in outputs[-1].text
    outputs.append(vcc("call", "-v", "/stats/agent-activities", env=PROFILE_ENV, expect_error=True))

    for run in outputs:
        assert SECRET not in run.text and SECRET not in run.stderr
    for name in ("vcc-argv", "vcc-environ"):
        assert SECRET.encode() not in (bin_dir / name).read_bytes(), name
    assert files_containing(SECRET, tmp_path / "config", tmp_path / "cache", tmp_path / "home") == []
    assert list((tmp_path / "cache").iterdir())  # a token was cached, without the secret

    assert vcc("logout", env=PROFILE_ENV).returncode == 0
    assert "secret_command" not in (tmp_path / "config" / "config.toml").read_text()


def test_login_on_a_keyring_profile_says_it_replaces_the_keyring_secret(vcc, emulator, printer):
    urls = ("--auth-url", emulator.url, "--api-url", emulator.url)
    vcc(
        "login",
        *urls,
        "--client-id",
        CLIENT_ID,
        "--client-secret-stdin",
        env=PROFILE_ENV,
        stdin=SECRET.encode() + b"\n",
    )
    result = vcc("login", "--client-id", CLIENT_ID, "--secret-command", str(printer), env=PROFILE_ENV)
    assert f"replacing profile 'default': secret from the keyring → from command `{printer}`" in result.stderr
    assert "removed the old secret of profile 'default' from the keyring" in result.stderr
    assert SECRET not in result.stderr


def test_the_python_api_reads_the_secret_from_the_profiles_command(vcc, emulator, printer, base_env):
    from vcc_cli import Client

    vcc(
        "login",
        "--auth-url",
        emulator.url,
        "--api-url",
        emulator.url,
        "--client-id",
        CLIENT_ID,
        "--secret-command",
        str(printer),
        "--no-verify",
        env=PROFILE_ENV,
    )
    env = {k: v for k, v in base_env.items() if k not in PROFILE_ENV}
    assert Client(env=env).token(["stats"]).count(".") == 2
