"""SPEC section 4, `vcc exec`, end to end: the real `vcc` runs a real program with
`VCC_TOKEN` (fetched, or from the cache) and `VCC_API_URL` in its environment, never the
secret; the program's exit status is vcc's (a signal death too, 128 + N in a shell),
127/126 when it cannot be run, and a usage error without one (SPEC section 6)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.support.processes import vcc_argv

TOKEN = "POST /Auth/connect/token"
#: A child that prints its environment and pid as JSON, and calls the API with what it got.
CHILD = r"""
import json, os, sys, urllib.request
req = urllib.request.Request(os.environ["VCC_API_URL"] + "/stats/agent-status",
    headers={"Authorization": "Bearer " + os.environ["VCC_TOKEN"],
             "Accept": "application/vnd.newvoicemedia.v3+json"})
with urllib.request.urlopen(req, timeout=30) as answer:
    status = answer.status
print(json.dumps({"env": dict(os.environ), "pid": os.getpid(), "argv": sys.argv[1:], "status": status}))
"""
SECRET_VARIABLES = ("VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND", "VCC_CLIENT_ID")


def child_report(run) -> dict:
    return json.loads(run.stdout)


def test_the_child_gets_a_token_that_works_against_the_api(vcc, emulator):
    report = child_report(vcc("exec", "-s", "stats", "--", sys.executable, "-c", CHILD, "a b", "--x"))
    assert report["status"] == 200 and report["argv"] == ["a b", "--x"]
    assert report["env"]["VCC_TOKEN"].count(".") == 2  # the emulator's JWT-shaped token
    assert emulator.counts()[TOKEN] == 1


def test_api_url_is_the_configured_one_without_a_trailing_slash(vcc, emulator):
    report = child_report(
        vcc("exec", "-s", "stats", "--", sys.executable, "-c", CHILD, env={"VCC_API_URL": emulator.url + "/"})
    )
    assert report["env"]["VCC_API_URL"] == emulator.url and not emulator.url.endswith("/")


def test_the_secret_never_reaches_the_child(vcc, base_env, tmp_path):
    secret = base_env["VCC_CLIENT_SECRET"]
    report = child_report(vcc("exec", "-s", "stats", "--", sys.executable, "-c", CHILD))
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret + "\n")
    from_file = child_report(
        vcc(
            "exec", "-s", "stats", "--", sys.executable, "-c", CHILD,
            env={"VCC_CLIENT_SECRET": None, "VCC_CLIENT_SECRET_FILE": str(secret_file)},
        )
    )  # fmt: skip
    for env in (report["env"], from_file["env"]):
        assert not [name for name in SECRET_VARIABLES if name in env]
        assert not [name for name, value in env.items() if secret in value]


def test_with_vcc_token_set_it_is_passed_on_and_every_credential_variable_dropped(vcc, emulator, base_env, tmp_path):
    token = vcc("token", "-s", "stats").text.strip()
    emulator.reset_counts()
    report = child_report(
        vcc(
            "exec", "--", sys.executable, "-c", CHILD,
            env={
                "VCC_TOKEN": token,
                "VCC_CLIENT_SECRET_FILE": str(tmp_path / "nothing-here"),
                "VCC_CLIENT_SECRET_COMMAND": "echo " + base_env["VCC_CLIENT_SECRET"],
            },
        )
    )  # fmt: skip
    assert report["env"]["VCC_TOKEN"] == token and report["status"] == 200
    assert not [name for name in SECRET_VARIABLES if name in report["env"]]
    assert emulator.counts().get(TOKEN, 0) == 0


def test_a_cached_token_is_reused(vcc, emulator):
    token = vcc("token", "-s", "stats").text.strip()
    first = child_report(vcc("exec", "-s", "stats", "--", sys.executable, "-c", CHILD))
    second = child_report(vcc("exec", "--", sys.executable, "-c", CHILD, env={"VCC_SCOPE": "stats"}))
    assert first["env"]["VCC_TOKEN"] == second["env"]["VCC_TOKEN"] == token
    assert emulator.counts()[TOKEN] == 1


def test_a_cached_token_with_less_than_five_minutes_left_is_replaced(vcc, emulator):
    """The default --min-ttl is 300 s: the child cannot refresh the token itself."""
    emulator.faults.token_ttl = 200
    short = vcc("token", "-s", "stats").text.strip()  # `vcc token` serves it (min-ttl 60)
    emulator.faults.token_ttl = 7200
    report = child_report(vcc("exec", "-s", "stats", "--", sys.executable, "-c", CHILD))
    assert report["env"]["VCC_TOKEN"] != short and emulator.counts()[TOKEN] == 2
    again = child_report(vcc("exec", "-s", "stats", "--min-ttl", "100", "--", sys.executable, "-c", CHILD))
    assert again["env"]["VCC_TOKEN"] == report["env"]["VCC_TOKEN"] and emulator.counts()[TOKEN] == 2


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_the_exit_code_passes_through(vcc, code):
    result = vcc("exec", "-s", "stats", "--", sys.executable, "-c", f"import sys; sys.exit({code})", expect_error=code)
    assert result.returncode == code


@pytest.mark.skipif(os.name != "posix", reason="signals and exec are POSIX")
def test_vcc_becomes_the_command(base_env):
    """Same process: signals reach the command directly, no vcc is left in between."""
    child = subprocess.Popen(
        [*vcc_argv(), "exec", "-s", "stats", "--", sys.executable, "-c", "import os; print(os.getpid())"],
        env=base_env,
        stdout=subprocess.PIPE,
    )
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0 and int(out) == child.pid


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
def test_a_child_killed_by_a_signal_is_128_plus_n_in_a_shell(base_env):
    kill_self = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    argv = [*vcc_argv(), "exec", "-s", "stats", "--", sys.executable, "-c", kill_self]
    direct = subprocess.run(argv, env=base_env, capture_output=True, timeout=60)
    assert direct.returncode == -signal.SIGTERM  # the parent sees the signal death itself
    shell = subprocess.run(["sh", "-c", '"$@"; echo "$?"', "sh", *argv], env=base_env, capture_output=True, timeout=60)
    assert shell.stdout.decode().strip() == str(128 + signal.SIGTERM)


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
def test_sigterm_goes_to_the_command_itself(base_env, tmp_path):
    ready = tmp_path / "ready"
    waits = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen([*vcc_argv(), "exec", "-s", "stats", "--", sys.executable, "-c", waits], env=base_env)
    for _ in range(600):
        if ready.exists():
            break
        assert child.poll() is None
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=30) == 7  # the command's own handler answered, not vcc's


@pytest.mark.skipif(shutil.which("yes") is None or shutil.which("head") is None, reason="needs yes and head")
def test_the_command_gets_sigpipe_at_its_default_as_from_a_shell(vcc):
    """Python ignores SIGPIPE; exec would pass that on, and `yes | head` would complain."""
    result = vcc("exec", "-s", "stats", "--", "sh", "-c", "yes | head -n 1")
    assert result.stdout == b"y\n" and result.stderr == ""


def test_a_command_not_found_is_127_with_one_line(vcc):
    result = vcc("exec", "-s", "stats", "--", "no-such-command-vcc-test", expect_error=127)
    lines = result.stderr.splitlines()
    assert lines[0] == "vcc: error: cannot run 'no-such-command-vcc-test': command not found" and len(lines) <= 2
    assert result.stdout == b""


def test_a_file_that_cannot_be_run_is_126(vcc, tmp_path):
    script = tmp_path / "not-executable.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    result = vcc("exec", "-s", "stats", "--", str(script), expect_error=126)
    assert result.stderr.startswith(f"vcc: error: cannot run '{script}': ") and result.stdout == b""


@pytest.mark.parametrize("args", [[], ["--"]])
def test_no_command_is_a_usage_error(vcc, emulator, args):
    result = vcc("exec", "-s", "stats", *args, expect_error=2)
    assert "CMD" in result.stderr and emulator.counts().get(TOKEN, 0) == 0


def test_refused_credentials_run_nothing(vcc, tmp_path):
    marker = tmp_path / "ran"
    result = vcc(
        "exec", "-s", "stats", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')",
        env={"VCC_CLIENT_SECRET": "wrong"}, expect_error=3,
    )  # fmt: skip
    assert "invalid_client" in result.stderr and not marker.exists()


def test_options_after_the_command_are_the_commands_own_even_without_a_double_dash(vcc, emulator):
    report = child_report(vcc("exec", "-s", "stats", sys.executable, "-c", CHILD, "-s", "x", "--profile"))
    assert report["argv"] == ["-s", "x", "--profile"] and report["status"] == 200


def test_an_empty_command_name_is_127_as_a_shell_says(vcc, emulator):
    result = vcc("exec", "-s", "stats", "--", "", "x", expect_error=127)
    assert "command not found" in result.stderr and "internal error" not in result.stderr
