"""SPEC sections 3, 4 (`vcc login`) and 7, the secret from a command: a profile's
`secret_command` (argv, no shell) or `VCC_CLIENT_SECRET_COMMAND` (split as a shell
splits words) with `VCC_CLIENT_ID` instead of the keyring. The command runs with the
keyring's time limit, stdin from /dev/null, without vcc's VCC_CLIENT_SECRET* variables;
the secret is the first line of its stdout; a failing, silent or hanging command is
exit 3 with its first stderr line, a hanging one killed with its process group.
`vcc login --secret-command` verifies, then stores the command, not a secret, and says
what it replaces in an existing profile. Real commands (shell scripts) throughout."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.cli.conftest import login
from tests.conftest import TOKEN_URL, token_answer, token_calls

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the commands are POSIX shell scripts")

#: Unusual enough that finding it anywhere can only mean a leak.
SECRET = "Cmd-s3cr3t-Zq9x-Wv4k"
ENV = {"VCC_CLIENT_ID": "ci-client", "VCC_REGION": "emea"}


def script(directory: Path, name: str, body: str) -> Path:
    """An executable POSIX shell script ``name`` in ``directory`` running ``body``."""
    path = directory / name
    path.write_text("#!/bin/sh\n" + body.strip() + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def bin_dir(tmp_path):
    path = tmp_path / "bin"
    path.mkdir()
    return path


@pytest.fixture
def printer(bin_dir):
    """A command that prints the secret (and a second line that is not part of it)."""
    return script(bin_dir, "print-secret", f"printf '%s\\n' '{SECRET}'\necho 'second line'")


def sent_secrets(mock_http) -> list[str]:
    return [parse_qs(c.request.body)["client_secret"][0] for c in token_calls(mock_http)]


def cmd_login(vcc, command: str, *extra: str, **kw):
    """`vcc login` of client ``cid`` in region emea, the secret from ``command``."""
    return vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", command, *extra, **kw)


def profile_env(command: Path | str) -> dict[str, str]:
    return {**ENV, "VCC_CLIENT_SECRET_COMMAND": shlex.quote(str(command))}


# --------------------------------------------------------------------------- VCC_CLIENT_SECRET_COMMAND


def test_env_secret_command_first_line_of_stdout_is_the_secret(vcc, mock_http, printer):
    mock_http.post(TOKEN_URL, json=token_answer("tok-cmd"))
    result = vcc("token", "-s", "stats", env=profile_env(printer))
    assert result.stdout == "tok-cmd\n"
    assert sent_secrets(mock_http) == [SECRET]


def test_env_secret_command_is_split_as_a_shell_splits_words_and_runs_without_one(vcc, mock_http, bin_dir):
    args_file = bin_dir / "args"
    command = script(bin_dir, "print secret", f"""printf '%s|' "$@" > '{args_file}'\necho '{SECRET}'""")
    mock_http.post(TOKEN_URL, json=token_answer())
    line = f"'{command}' \"two words\" 'a;b' '$HOME' *"
    vcc("token", "-s", "stats", env={**ENV, "VCC_CLIENT_SECRET_COMMAND": line})
    assert args_file.read_text() == "two words|a;b|$HOME|*|"  # no shell: no expansion, no globbing
    assert sent_secrets(mock_http) == [SECRET]


def test_a_crlf_line_ending_is_not_part_of_the_secret(vcc, mock_http, bin_dir):
    command = script(bin_dir, "crlf", f"printf '%s\\r\\n' '{SECRET}'")
    mock_http.post(TOKEN_URL, json=token_answer())
    vcc("token", "-s", "stats", env=profile_env(command))
    assert sent_secrets(mock_http) == [SECRET]


def test_env_secret_command_without_client_id_is_exit_3(vcc, mock_http, printer):
    result = vcc(
        "token", "-s", "stats", env={"VCC_REGION": "emea", "VCC_CLIENT_SECRET_COMMAND": str(printer)}, expect_error=3
    )
    assert "VCC_CLIENT_SECRET_COMMAND is set but VCC_CLIENT_ID is not" in result.stderr
    assert token_calls(mock_http) == []


@pytest.mark.parametrize(
    "names",
    [
        ("VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_COMMAND"),
        ("VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND"),
        ("VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND"),
    ],
)
def test_more_than_one_way_of_giving_the_secret_is_exit_3_naming_them(vcc, mock_http, printer, names):
    env = {**ENV, **dict.fromkeys(names, str(printer))}
    result = vcc("token", "-s", "stats", env=env, expect_error=3)
    assert all(name in result.stderr for name in names) and "unset all but one" in result.stderr
    assert token_calls(mock_http) == []


def test_a_command_line_that_cannot_be_split_is_exit_3(vcc, mock_http):
    result = vcc(
        "token", "-s", "stats", env={**ENV, "VCC_CLIENT_SECRET_COMMAND": "pass show 'vcc/prod"}, expect_error=3
    )
    assert "cannot be split into words" in result.stderr


def test_the_command_gets_vccs_environment_without_the_secret_variables_and_no_stdin(vcc, mock_http, bin_dir):
    seen = bin_dir / "seen"
    command = script(
        bin_dir,
        "inspect",
        f"""env > '{seen}.env'
if read line; then echo "stdin: $line" > '{seen}.stdin'; else echo eof > '{seen}.stdin'; fi
echo '{SECRET}'""",
    )
    mock_http.post(TOKEN_URL, json=token_answer())
    env = {**profile_env(command), "MARKER_FOR_THE_CHILD": "kept"}
    vcc("token", "-s", "stats", env=env, stdin="typed by a person\n")
    child_env = dict(line.split("=", 1) for line in Path(f"{seen}.env").read_text().splitlines() if "=" in line)
    assert child_env["MARKER_FOR_THE_CHILD"] == "kept" and child_env["VCC_CLIENT_ID"] == "ci-client"
    assert not [name for name in child_env if name.startswith("VCC_CLIENT_SECRET")]
    assert Path(f"{seen}.stdin").read_text() == "eof\n"


# --------------------------------------------------------------------------- failures


def test_a_failing_command_is_exit_3_with_the_first_line_of_its_stderr(vcc, mock_http, bin_dir):
    command = script(
        bin_dir,
        "fails",
        """echo '' >&2
echo 'gpg: decryption failed: No secret key' >&2
echo 'a second line' >&2
exit 2""",
    )
    result = vcc("token", "-s", "stats", env=profile_env(command), expect_error=3)
    assert "failed (exit 2): gpg: decryption failed: No secret key" in result.stderr
    assert "a second line" not in result.stderr and "hint: " in result.stderr
    assert token_calls(mock_http) == []


def test_the_stderr_line_quoted_is_escaped_and_never_holds_the_secret(vcc, mock_http, bin_dir):
    command = script(
        bin_dir,
        "leaky",
        f"""echo '{SECRET}'
printf '\\033[31mcannot use {SECRET} now\\n' >&2
exit 1""",
    )
    result = vcc("token", "-s", "stats", env=profile_env(command), expect_error=3)
    assert SECRET not in result.stderr and "\x1b" not in result.stderr
    assert "\\x1b[31mcannot use [REDACTED] now" in result.stderr


@pytest.mark.parametrize("body", ["exit 0", "echo", "echo '   '", "printf ''"])
def test_a_command_that_prints_no_secret_is_exit_3(vcc, mock_http, bin_dir, body):
    command = script(bin_dir, "silent", "echo 'pass: vcc/prod is not in the password store' >&2\n" + body)
    result = vcc("token", "-s", "stats", env=profile_env(command), expect_error=3)
    assert "printed no secret" in result.stderr and "is not in the password store" in result.stderr
    assert token_calls(mock_http) == []


def test_a_command_killed_by_a_signal_is_exit_3_naming_it(vcc, mock_http, bin_dir):
    command = script(bin_dir, "segv", "kill -SEGV $$")
    result = vcc("token", "-s", "stats", env=profile_env(command), expect_error=3)
    assert "killed by SIGSEGV" in result.stderr


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def wait_until_gone(pgid: int, seconds: float = 3.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process groups from /proc")
def test_a_hanging_command_is_killed_with_its_process_group_at_the_limit(vcc, mock_http, bin_dir):
    pid_file = bin_dir / "pid"
    command = script(
        bin_dir,
        "hangs",
        f"""echo $$ > '{pid_file}'
echo 'waiting for the agent' >&2
sleep 60 &
sleep 60""",
    )
    started = time.monotonic()
    result = vcc("token", "-s", "stats", env={**profile_env(command), "VCC_KEYRING_TIMEOUT": "1"}, expect_error=3)
    elapsed = time.monotonic() - started
    assert elapsed < 1 + 2.5, elapsed
    assert "did not finish within 1 s and was stopped: waiting for the agent" in result.stderr
    pgid = int(pid_file.read_text())  # its own group: the script is its leader
    assert wait_until_gone(pgid) == []
    assert token_calls(mock_http) == []


def test_a_program_that_is_not_found_is_exit_3_and_not_echoed_from_the_environment(vcc, mock_http):
    # A secret put in the variable by mistake is no program: it is never shown.
    result = vcc("token", "-s", "stats", env={**ENV, "VCC_CLIENT_SECRET_COMMAND": SECRET}, expect_error=3)
    assert "names no program that can be run" in result.stderr and SECRET not in result.stderr


def test_a_profiles_program_that_is_not_executable_is_exit_3_saying_so(vcc, mock_http, bin_dir, tmp_path):
    command = bin_dir / "not-executable"
    command.write_text(f"#!/bin/sh\necho {SECRET}\n")
    command.chmod(0o755)
    cmd_login(vcc, str(command), "--no-verify")  # login refuses a command it cannot run
    command.chmod(0o644)
    result = vcc("token", "-s", "stats", expect_error=3)
    assert "not executable" in result.stderr and "secret_command of profile 'default'" in result.stderr


def test_a_profiles_program_that_is_not_found_is_named(vcc, mock_http, bin_dir, tmp_path):
    command = script(bin_dir, "gone-password-manager", f"echo {SECRET}")
    cmd_login(vcc, f"{command} show vcc", "--no-verify")  # login refuses a command it cannot find
    command.unlink()
    result = vcc("token", "-s", "stats", expect_error=3)
    assert f"'{command}' is not found" in result.stderr


# --------------------------------------------------------------------------- vcc login --secret-command


def config_text(tmp_path) -> str:
    return (tmp_path / "config" / "config.toml").read_text()


def test_login_secret_command_verifies_then_stores_the_command_not_a_secret(
    vcc, mock_http, keyring_store, printer, tmp_path, monkeypatch
):
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: pytest.fail("asked for the secret"))
    mock_http.post(TOKEN_URL, json=token_answer("v"))
    result = vcc(
        "login",
        "--region",
        "emea",
        "--client-id",
        "cid",
        "--secret-command",
        f"{printer} --quiet",
        "-s",
        "stats",
        tty=True,
    )
    assert sent_secrets(mock_http) == [SECRET] and "credentials verified" in result.stderr
    assert f"the secret comes from `{printer} --quiet`" in result.stderr
    assert keyring_store.secrets == {}
    assert f'secret_command = ["{printer}", "--quiet"]' in config_text(tmp_path)
    assert SECRET not in config_text(tmp_path) and SECRET not in result.stderr + result.stdout


def test_login_secret_command_needs_no_keyring(vcc, mock_http, keyring_store, printer):
    keyring_store.available = False
    mock_http.post(TOKEN_URL, json=token_answer("v"))
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(printer), "-s", "stats")
    mock_http.post(TOKEN_URL, json=token_answer("from-the-command"))
    assert vcc("token", "--refresh").stdout == "from-the-command\n"
    assert sent_secrets(mock_http) == [SECRET, SECRET]


def test_token_uses_the_secret_command_of_the_profile_login_wrote(vcc, mock_http, bin_dir, tmp_path):
    runs = bin_dir / "runs"
    command = script(bin_dir, "counting", f"echo run >> '{runs}'\necho '{SECRET}'")
    mock_http.post(TOKEN_URL, json=token_answer("v"))
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(command), "-s", "stats")
    mock_http.post(TOKEN_URL, json=token_answer("next"))
    assert vcc("token", "-s", "users:read").stdout == "next\n"
    assert sent_secrets(mock_http) == [SECRET, SECRET] and runs.read_text().count("run") >= 2


def test_login_with_a_failing_command_stores_nothing(vcc, mock_http, keyring_store, bin_dir, tmp_path):
    command = script(bin_dir, "locked", "echo 'vault is locked' >&2\nexit 1")
    result = vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(command), expect_error=3)
    assert "--secret-command" in result.stderr and "vault is locked" in result.stderr
    assert not (tmp_path / "config" / "config.toml").exists() and token_calls(mock_http) == []


def test_login_with_a_command_whose_secret_is_rejected_stores_nothing(vcc, mock_http, printer, tmp_path):
    mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    result = vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(printer), expect_error=3)
    assert "invalid_client" in result.stderr and not (tmp_path / "config" / "config.toml").exists()


def test_login_no_verify_stores_the_command_without_running_it(vcc, mock_http, bin_dir, tmp_path):
    ran = bin_dir / "ran"
    command = script(bin_dir, "marker", f"touch '{ran}'\necho '{SECRET}'")
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(command), "--no-verify")
    assert not ran.exists() and token_calls(mock_http) == []
    assert "secret_command" in config_text(tmp_path)


def test_login_secret_command_and_secret_on_stdin_do_not_go_together(vcc, printer):
    result = login(vcc, "--secret-command", str(printer), expect_error=2)
    assert "do not go together" in result.stderr


@pytest.mark.parametrize("value", ["", "   ", "pass 'show"])
def test_login_secret_command_that_names_no_program_is_a_usage_error(vcc, value):
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", value, expect_error=2)


def test_login_with_a_secret_again_drops_the_command(vcc, mock_http, keyring_store, printer, tmp_path):
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(printer), "--no-verify")
    result = login(vcc, "--no-verify")
    assert "secret_command" not in config_text(tmp_path) and keyring_store.secrets == {"default": "the-secret"}
    assert f"secret from command `{printer}` → from the keyring" in result.stderr


def test_login_secret_command_removes_the_profiles_old_keyring_secret(vcc, mock_http, keyring_store, printer):
    login(vcc, "--no-verify")
    assert keyring_store.secrets == {"default": "the-secret"}
    result = cmd_login(vcc, str(printer), "--no-verify")
    assert keyring_store.secrets == {} and "removed the old secret of profile 'default'" in result.stderr


def test_login_secret_command_keeps_other_profiles_keyring_secrets(vcc, mock_http, keyring_store, printer):
    login(vcc, "--profile", "other", "--no-verify")
    vcc("login", "--region", "emea", "--client-id", "c", "--secret-command", str(printer), "--no-verify")
    assert keyring_store.secrets == {"other": "the-secret"}


def test_logout_removes_a_profile_with_a_secret_command(vcc, mock_http, printer, tmp_path):
    vcc("login", "--region", "emea", "--client-id", "cid", "--secret-command", str(printer), "--no-verify")
    vcc("logout")
    assert "secret_command" not in config_text(tmp_path)
    result = vcc("token", "-s", "stats", "--region", "emea", expect_error=3)
    assert "no credentials" in result.stderr


# --------------------------------------------------------------------------- what login replaces


def test_login_on_an_existing_profile_says_what_it_replaces(vcc, mock_http, printer):
    login(vcc, "--no-verify", "-s", "stats")
    result = vcc("login", "--region", "nam", "--client-id", "other-id", "--secret-command", str(printer), "--no-verify")
    assert (
        "vcc: replacing profile 'default': region emea → nam, client ID cid → other-id, "
        f"secret from the keyring → from command `{printer}`\n"
    ) in result.stderr


def test_the_replacing_message_names_only_what_changes(vcc, mock_http):
    login(vcc, "--no-verify", "-s", "stats")
    result = login(vcc, "--no-verify", "-s", "stats", "-s", "users:read", stdin="another-secret\n")
    line = next(line for line in result.stderr.splitlines() if "replacing" in line)
    assert (
        line == "vcc: replacing profile 'default': default scopes stats → stats users:read, a new secret in the keyring"
    )
    assert "another-secret" not in result.stderr and "the-secret" not in result.stderr


def test_the_replacing_message_names_changed_urls(vcc, mock_http, printer):
    vcc("login", "--region", "emea", "--client-id", "c", "--secret-command", str(printer), "--no-verify")
    url = "http://127.0.0.1:9"
    result = vcc(
        "login",
        "--auth-url",
        url,
        "--api-url",
        url,
        "--client-id",
        "c",
        "--secret-command",
        str(printer),
        "--no-verify",
    )
    assert f"replacing profile 'default': region emea → auth URL {url}, API URL {url}\n" in result.stderr


def test_the_first_login_of_a_profile_replaces_nothing(vcc, mock_http, printer):
    result = vcc("login", "--region", "emea", "--client-id", "c", "--secret-command", str(printer), "--no-verify")
    assert "replacing" not in result.stderr


def test_a_failed_login_replaces_nothing_and_says_nothing_of_it(vcc, mock_http, printer, tmp_path):
    login(vcc, "--no-verify")
    before = config_text(tmp_path)
    mock_http.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    result = vcc("login", "--client-id", "new", "--secret-command", str(printer), expect_error=3)
    assert "replacing" not in result.stderr and config_text(tmp_path) == before


# --------------------------------------------------------------------------- config.toml and where the secret comes from


@pytest.mark.parametrize(
    "value",
    ['"pass show vcc/prod"', "[]", "[1, 2]", '[""]', '["pass", 3]', '["pass\\u0000"]'],
)
def test_a_secret_command_in_config_must_be_a_non_empty_list_of_strings(vcc, tmp_path, value):
    (tmp_path / "config").mkdir(mode=0o700)
    path = tmp_path / "config" / "config.toml"
    path.write_text(f'[profiles.default]\nregion = "emea"\nclient_id = "c"\nsecret_command = {value}\n')
    path.chmod(0o600)
    result = vcc("token", "-s", "stats", expect_error=2)
    assert "secret_command must be a non-empty list of strings" in result.stderr


def test_a_hand_written_secret_command_with_a_home_relative_program_runs(vcc, mock_http, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    script(home / "bin", "get-secret", f"echo '{SECRET}'")
    (tmp_path / "config").mkdir(mode=0o700)
    path = tmp_path / "config" / "config.toml"
    path.write_text('[profiles.default]\nregion = "emea"\nclient_id = "c"\nsecret_command = ["~/bin/get-secret"]\n')
    path.chmod(0o600)
    mock_http.post(TOKEN_URL, json=token_answer())
    vcc("token", "-s", "stats")
    assert sent_secrets(mock_http) == [SECRET]


def test_secret_origin_says_where_the_secret_comes_from_without_running_anything(vcc, tmp_path, bin_dir):
    from vcc_cli import config, resolve
    from vcc_cli.runtime import Runtime

    ran = bin_dir / "ran"
    command = script(bin_dir, "get secret", f"touch '{ran}'\necho '{SECRET}'")
    base = {"VCC_CONFIG_DIR": str(tmp_path / "config"), "PATH": os.environ["PATH"]}

    def origin(env, profile=None):
        rt = Runtime(env={**base, **env})
        if profile:
            rt.config_file().save_profile(profile)
        return resolve.secret_origin(resolve.Invocation(rt))

    quoted = shlex.quote(str(command))
    assert origin({"VCC_CLIENT_ID": "i", "VCC_CLIENT_SECRET_COMMAND": f"{quoted} x"}) == (
        f"env VCC_CLIENT_SECRET_COMMAND `{quoted} x`"
    )
    hidden = origin({"VCC_CLIENT_ID": "i", "VCC_CLIENT_SECRET_COMMAND": SECRET})
    assert SECRET not in hidden and "not shown" in hidden
    prof = config.Profile("default", "emea", "c", secret_command=(str(command), "show"))
    assert origin({}, prof) == f"command `{quoted} show`" == resolve.profile_secret_origin(prof)
    assert origin({}, config.Profile("default", "emea", "c")) == "the keyring"
    assert not ran.exists()


def test_logout_removes_a_secret_command_profile_without_a_keyring(vcc, mock_http, keyring_store, printer, tmp_path):
    keyring_store.available = False
    cmd_login(vcc, str(printer), "--no-verify")
    vcc("logout")
    assert "secret_command" not in config_text(tmp_path)


# --------------------------------------------------------------------------- what the review found


def test_a_secret_command_naming_no_program_is_refused_never_shown_nor_stored(vcc, mock_http, tmp_path):
    pasted = "Pasted-s3cr3t-Not-A-Command"
    result = cmd_login(vcc, pasted, "--no-verify", expect_error=2)
    assert pasted not in result.stderr and "names no program" in result.stderr
    assert not (tmp_path / "config" / "config.toml").exists() or pasted not in config_text(tmp_path)
    assert token_calls(mock_http) == []


def test_a_login_that_verifies_nothing_keeps_the_tokens_others_cached_for_the_client(vcc, mock_http):
    ci = {"VCC_CLIENT_ID": "cid", "VCC_CLIENT_SECRET": "the-right-secret", "VCC_REGION": "emea"}
    mock_http.post(TOKEN_URL, json=token_answer("tok-ci"))
    vcc("token", "-s", "stats", env=ci)
    login(vcc, "-p", "typo", "--no-verify", stdin="a-mistyped-secret\n")
    assert vcc("token", "-s", "stats", env=ci).stdout == "tok-ci\n" and len(token_calls(mock_http)) == 1
