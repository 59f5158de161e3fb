"""SPEC section 7, no secret leaks: every command, run with a known, unusual client
secret and tokens in every way they can be given, successes and failures, with
-v, --dry-run, -i and VCC_DEBUG=1 tracebacks. Afterwards the secret is in no output
and in no file under the config, cache and home directories, and a token is only
where the person asked for it: the stdout of `vcc token`, and the token cache.

Most runs are in-process (the `vcc` fixture, fast) against a real emulator over
loopback HTTP; a few run the real executable, for what only a process shows."""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.security.conftest import CLIENT_ID, SECRET
from tests.support.processes import clean_env, files_containing, run_vcc


@dataclass
class Output:
    label: str
    code: int
    stdout: str
    stderr: str  # vcc's stderr, plus anything printed on sys.stderr (VCC_DEBUG=1 tracebacks)
    asked_for_token: bool  # `vcc token`: its stdout is where the token belongs


class Session:
    """Runs vcc in-process many times and keeps every output for the final checks."""

    def __init__(self, vcc, capsys, emulator, tmp_path: Path, base_env: dict[str, str]):
        self.vcc, self.capsys, self.emulator, self.tmp_path = vcc, capsys, emulator, tmp_path
        self.base_env = base_env
        self.outputs: list[Output] = []

    def run(
        self, *args: str, env: dict | None = None, stdin: str = "", tty: bool = False, debug: bool = False
    ) -> Output:
        environ = {**self.base_env, **(env or {})}
        if debug:
            environ["VCC_DEBUG"] = "1"
        self.capsys.readouterr()
        try:
            result = self.vcc(*args, env=environ, stdin=stdin, tty=tty, expect_error=True)
            code, stdout, stderr = result.exit_code, result.stdout, result.stderr
        except Exception:
            code, stdout, stderr = -1, "", traceback.format_exc()
        printed = self.capsys.readouterr()
        label = ("VCC_DEBUG=1 " if debug else "") + "vcc " + " ".join(args)
        output = Output(label, code, stdout, stderr + printed.err + printed.out, args[:1] == ("token",))
        self.outputs.append(output)
        return output

    def run_with_and_without_debug(self, *args: str, **kwargs) -> None:
        self.run(*args, **kwargs)
        self.run(*args, debug=True, **kwargs)

    def fetching_commands(self) -> None:
        """What reads the secret: fetching tokens, directly or for a call, and failing to."""
        run, both = self.run, self.run_with_and_without_debug
        run("token", "-s", "stats", "--format", "json")
        run("call", "-v", "-i", "/agents-availability")
        run("status", "--no-clock")
        self.emulator.faults.token_fault = "html"
        both("token", "-s", "stats", "--refresh")
        self.emulator.faults.token_fault = ""
        both("call", "-v", "-s", "stats", "/useradmin/users")
        closed = {"VCC_AUTH_URL": "http://127.0.0.1:9", "VCC_API_URL": "http://127.0.0.1:9"}
        both("token", "-s", "stats", "--refresh", env=closed)

    def every_command(self, token_env: str) -> None:
        """The whole command set, successes then failures. ``token_env``: a valid token
        for VCC_TOKEN (a way a token can be given)."""
        emu = self.emulator
        run, both = self.run, self.run_with_and_without_debug
        out = self.tmp_path / "out"
        out.mkdir(exist_ok=True)
        for fmt in ("raw", "header", "json"):
            run("token", "-s", "stats", "--format", fmt)  # fetched, then from the cache
        run("token", "-s", "stats", "--refresh", "--format", "json", tty=True)
        run("token", "-s", "agents-availability:read", "-s", "users:read")
        for extra in ([], ["-v"], ["-i"], ["--raw"], ["--dry-run"], ["-v", "-i", "--dry-run"]):
            run("call", "/agents-availability", "-q", "skillNames=French", *extra)
        run("call", "/agents-availability", tty=True)
        run("call", "-v", "-i", "/useradmin/users", "-q", "pageSize=100", "--paginate")
        run("call", "-v", "PATCH", "/useradmin/users/1", "-d", '{"firstName": "Ana"}')
        run("call", "-v", "/agents-availability", "-o", str(out / "availability.json"))
        run("call", "-v", "/agents-availability", env={"VCC_TOKEN": token_env})
        run("call", "-v", "-i", "/agents-availability", "-H", f"Authorization: Bearer {token_env}")
        run("scopes")
        run("scopes", "--json")
        run("status", "--no-clock")
        run("status", "--json")

        # failures, each also with VCC_DEBUG=1 tracebacks
        both("call", "-v", "-s", "stats", "/useradmin/users")  # 403
        both("call", "-v", "/agents-availability/no/such/thing")  # 404
        both("call", "-v", "/agents-availability", env={"VCC_TOKEN": "Zq9x-LEAK-not-a-valid-token"})  # 401, final
        emu.revoke_all()
        both("call", "-v", "/agents-availability")  # 401 on a cached token: refresh and retry
        emu.faults.fail_next_503 = 8
        both("call", "-v", "--retries", "2", "/agents-availability")  # 503 after retries
        emu.faults.fail_next_503 = 0
        both("call", "-v", "/agents-availability", "-d", "{not json")
        for fault in ("html", "not-json", "503", "no-access-token"):
            emu.faults.token_fault = fault
            both("token", "-s", "stats", "--refresh")
            both("call", "-v", "-s", "users:read", "/useradmin/users")
        emu.faults.token_fault = ""
        emu.faults.delay = 0.3
        both("token", "-s", "stats", "--refresh", "--timeout", "0.05")
        both("call", "-v", "--timeout", "0.05", "/agents-availability")
        emu.faults.delay = 0.0
        closed = {"VCC_AUTH_URL": "http://127.0.0.1:9", "VCC_API_URL": "http://127.0.0.1:9"}
        both("token", "-s", "stats", "--refresh", env=closed)
        both("call", "-v", "/agents-availability", env=closed)
        both("status", env=closed)

    def assert_no_leak(self, tokens: list[str]) -> None:
        leaks = []
        for o in self.outputs:
            for where, text in (("stdout", o.stdout), ("stderr", o.stderr)):
                if SECRET in text:
                    leaks.append(f"the secret is in the {where} of `{o.label}`")
                for token in tokens:
                    if token in text and not (where == "stdout" and o.asked_for_token):
                        leaks.append(f"a token is in the {where} of `{o.label}`: {_around(text, token)}")
        config, cache, home = self.tmp_path / "config", self.tmp_path / "cache", self.tmp_path / "home"
        leaks += [f"the secret is in {p}" for p in files_containing(SECRET, config, cache, home, self.tmp_path / "out")]
        for token in tokens:
            for path in files_containing(token, config, cache, home, self.tmp_path / "out"):
                if not (path.parent == cache and path.suffix == ".json"):
                    leaks.append(f"a token is in {path}")
        assert not leaks, "\n".join(dict.fromkeys(leaks))


def _around(text: str, needle: str) -> str:
    at = text.index(needle)
    return repr(text[max(0, at - 50) : at + 12]) + "…"


@pytest.fixture
def session(vcc, capsys, emulator, tmp_path):
    env = {"VCC_AUTH_URL": emulator.url, "VCC_API_URL": emulator.url}
    return Session(vcc, capsys, emulator, tmp_path, env)


def _token_for_env(emulator) -> str:
    return emulator.authority.issue(emulator.clients[CLIENT_ID], ["agents-availability:read"])[0]


def _check(session, emulator, everything: bool = True) -> None:
    if everything:
        session.every_command(_token_for_env(emulator))
    else:
        session.fetching_commands()
    assert len(emulator.issued) >= 2  # the runs really fetched tokens
    assert any(o.code == 0 for o in session.outputs) and any(o.code not in (0, -1) for o in session.outputs)
    session.assert_no_leak(emulator.issued)


def test_secret_from_the_environment_leaks_nowhere(session, emulator):
    session.base_env.update(VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET=SECRET)
    _check(session, emulator)
    # rejected: the same secret with a client the token endpoint does not know
    session.run_with_and_without_debug("token", "-s", "stats", "--refresh", env={"VCC_CLIENT_ID": "someone-else"})
    session.assert_no_leak(emulator.issued)


def test_secret_from_a_secret_file_leaks_nowhere(session, emulator, tmp_path):
    secret_file = tmp_path / "run-secrets" / "vcc"
    secret_file.parent.mkdir()
    secret_file.write_text(SECRET + "\n")
    session.base_env.update(VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET_FILE=str(secret_file))
    _check(session, emulator, everything=False)


def test_secret_given_to_login_on_stdin_leaks_nowhere(session, emulator, keyring_store):
    login = (
        "login",
        "--auth-url",
        emulator.url,
        "--api-url",
        emulator.url,
        "--client-id",
        CLIENT_ID,
        "--client-secret-stdin",
        "-s",
        "stats",
    )
    session.run_with_and_without_debug(*login, "--profile", "wrong", stdin="not-" + SECRET + "\n")  # rejected
    assert session.run(*login, stdin=SECRET + "\n").code == 0
    assert keyring_store.secrets == {"default": SECRET}
    _check(session, emulator, everything=False)
    session.run("logout")
    session.assert_no_leak(emulator.issued)


def test_secret_typed_at_the_login_prompt_leaks_nowhere(session, emulator, monkeypatch, keyring_store):
    monkeypatch.setattr("getpass.getpass", lambda prompt, stream=None: SECRET)
    done = session.run(
        "login", "--auth-url", emulator.url, "--api-url", emulator.url, "-s", "stats", tty=True, stdin=CLIENT_ID + "\n"
    )
    assert done.code == 0 and keyring_store.secrets == {"default": SECRET}
    _check(session, emulator, everything=False)


def test_a_token_given_in_vcc_token_appears_only_where_asked(session, emulator):
    token = _token_for_env(emulator)
    session.base_env["VCC_TOKEN"] = token
    for fmt in ("raw", "header", "json"):
        assert token in session.run("token", "--format", fmt).stdout
    for extra in ([], ["-v"], ["-i"], ["--dry-run"], ["-v", "-i"]):
        session.run("call", "/agents-availability", *extra)
    session.run("status", "--no-clock")
    session.run_with_and_without_debug("call", "-v", "/agents-availability/nothing/here")
    session.assert_no_leak([token])


# --------------------------------------------------------------------------- the real executable


def test_the_real_executable_leaks_nothing_in_verbose_dry_run_and_debug_output(emulator, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(
        home, VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET=SECRET, VCC_AUTH_URL=emulator.url, VCC_API_URL=emulator.url
    )
    runs = [
        run_vcc("token", "-s", "agents-availability:read", env=env),
        run_vcc("call", "-v", "-i", "/agents-availability", "-q", "skillNames=French", env=env),
        run_vcc("call", "--dry-run", "/agents-availability", env=env),
        run_vcc(
            "call",
            "-v",
            "/agents-availability",
            env={**env, "VCC_DEBUG": "1", "VCC_API_URL": "http://127.0.0.1:9"},
            expect_error=4,
        ),
        run_vcc(
            "token",
            "-s",
            "stats",
            "--refresh",
            env={**env, "VCC_DEBUG": "1", "VCC_CLIENT_ID": "someone-else"},
            expect_error=3,
        ),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0, 4, 3]
    assert "Traceback" in runs[3].stderr  # VCC_DEBUG=1 does show it
    token = runs[0].text.strip()
    assert re.fullmatch(r"[\w.-]+", token) and token in emulator.issued
    for i, r in enumerate(runs):
        assert SECRET not in r.stderr and SECRET not in r.text, i
        if i:
            assert token not in r.stderr and token not in r.text, i
    assert files_containing(SECRET, tmp_path / "config", tmp_path / "cache", home) == []


def test_a_secret_put_in_vcc_client_secret_file_by_mistake_is_not_echoed(session):
    session.base_env.update(VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET_FILE=SECRET)
    session.run_with_and_without_debug("token", "-s", "stats")
    session.run_with_and_without_debug("call", "/agents-availability")
    assert [o.code for o in session.outputs] == [3, 3, 3, 3]
    assert "VCC_CLIENT_SECRET_FILE names no file" in session.outputs[0].stderr
    session.assert_no_leak([])
