"""SPEC sections 6 and 7, exit codes and messages in hostile surroundings: every failure
has its SPEC exit code and a person's words (never "internal error" for bad input or
an answer too deep to use); a closed stderr changes neither stdout nor the exit code;
a reader that goes away is exit 0 for every command; hints name only what applies;
`--paginate` stops at a server that repeats pages; `vcc status` never shows a
VCC_CLIENT_SECRET_FILE value that may be the secret itself.

The real-process tests run ``python -m vcc_cli`` from the tree this file is in
(``ROOT`` on PYTHONPATH), so they check this tree's code, whatever is installed."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, token_answer
from tests.support.processes import clean_env
from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

ROOT = Path(__file__).resolve().parents[2]
USERS = API_URL + "/useradmin/users"
CONTENT = API_URL + "/interaction-content/interactions"
#: What Python prints when a flush at exit fails, and what a crash looks like.
CRASH_SIGNS = ("Exception ignored", "Traceback", "internal error", "BrokenPipeError")


# --------------------------------------------------------------------------- real processes


@pytest.fixture
def emulator():
    with Emulator() as emu:
        yield emu


@pytest.fixture
def process_env(tmp_path, emulator):
    """A CI job's environment pointed at the emulator, running this tree's vcc."""
    home = tmp_path / "home"
    home.mkdir()
    return clean_env(
        home,
        VCC_AUTH_URL=emulator.url,
        VCC_API_URL=emulator.url,
        VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
        VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        PYTHONPATH=str(ROOT),
    )


def spawn(args, env, *, close=(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60):
    """Run ``python -m vcc_cli args`` with the descriptors in ``close`` closed in the child
    (as ``2>&-`` does); returns (exit code, stdout bytes, stderr text)."""

    def prepare():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for fd in close:
            os.close(fd)

    done = subprocess.run(
        [sys.executable, "-m", "vcc_cli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=prepare,
        timeout=timeout,
    )
    out = done.stdout if isinstance(done.stdout, bytes) else b""
    err = done.stderr.decode("utf-8", "replace") if isinstance(done.stderr, bytes) else ""
    return done.returncode, out, err


def gone_reader():
    """The write end of a pipe whose reader has gone (``| head`` that has exited)."""
    read, write = os.pipe()
    os.close(read)
    return write


# --------------------------------------------------------------------------- item 3: the secret file's value


VALUE_AS_SECRET = "Zq9x-LEAK-s3cr3t-7Kp2wV"
PATH_LIKE_SECRET = "/Zq9x+LEAK/s3cr3t=="  # base64 can start with "/": it looks like a path


@pytest.mark.parametrize("value", [VALUE_AS_SECRET, PATH_LIKE_SECRET], ids=["plain", "path-like"])
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_status_never_shows_a_secret_file_value_that_names_no_file(vcc, value, as_json):
    env = {"VCC_CLIENT_ID": "ci", "VCC_CLIENT_SECRET_FILE": value, "VCC_REGION": "emea"}
    result = vcc("status", "--no-clock", *(["--json"] if as_json else []), env=env, expect_error=3)
    assert value not in result.stdout and value not in result.stderr
    assert "names no file" in result.stdout
    token = vcc("token", "-s", "stats", env=env, expect_error=3)  # the same rule everywhere
    assert value not in token.stdout + token.stderr and "names no file" in token.stderr


def test_status_names_a_secret_file_that_exists(vcc, tmp_path, mock_http):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cr3t\n")
    env = {"VCC_CLIENT_ID": "ci", "VCC_CLIENT_SECRET_FILE": str(secret), "VCC_REGION": "emea"}
    result = vcc("status", "--no-clock", "--json", env=env)
    assert str(secret) in result.stdout and "s3cr3t" not in result.stdout


# --------------------------------------------------------------------------- item 9: exit 2 or 4, not "internal error"


def assert_told(result, code: int, *words: str) -> None:
    assert result.exit_code == code
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 2, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize(
    "expression",
    ["(" * 3000 + "a" + ")" * 3000, "[[" * 1000 + "a" + "]]" * 1000, "{a:" * 1000 + "b" + "}" * 1000],
    ids=["parentheses", "lists", "objects"],
)
def test_a_query_nested_too_deeply_to_read_is_a_usage_error(vcc, expression):
    result = vcc("call", "/stats/x", "-s", "stats", "--dry-run", "--query", expression, env=CI_ENV, expect_error=2)
    assert_told(result, 2, "--query is nested too deeply")


def test_a_query_too_deep_to_evaluate_is_a_usage_error(vcc, mock_http):
    mock_http.get(USERS, json={"a": 1})
    expression = "{a:" * 300 + "a" + "}" * 300  # read, but evaluated one level of recursion at a time
    result = vcc("call", "/useradmin/users", "--query", expression, env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=2)
    assert_told(result, 2, "--query is nested too deeply")


@pytest.mark.parametrize("depth", [300, 5000], ids=["parses", "beyond-the-parser"])
@pytest.mark.parametrize("options", [("--query", "a"), ("--paginate",)], ids=["query", "paginate"])
def test_an_answer_nested_too_deeply_to_use_is_an_unusable_answer_exit_4(vcc, mock_http, depth, options):
    mock_http.get(USERS, body="[" * depth + "]" * depth, content_type="application/json")
    result = vcc("call", "/useradmin/users", *options, env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=4)
    assert_told(result, 4, "nested more than", options[0])
    assert result.stdout == ""


@pytest.mark.parametrize("flag", ["-F", "-f"])
def test_a_field_key_nested_too_deeply_is_a_usage_error_naming_the_field(vcc, flag):
    key = "a" + "[b]" * 5000
    result = vcc("call", "POST", "/stats/x", "-s", "stats", "--dry-run", flag, key + "=1", env=CI_ENV, expect_error=2)
    assert_told(result, 2, f"bad {flag}", "5001 levels deep")


def test_a_field_number_too_large_for_json_is_sent_as_the_string_it_is(vcc):
    """As `gh api -F` keeps what it cannot read as a number: JSON has no Infinity."""
    fields = ["-F", "big=1e999", "-F", "small=-1e999", "-F", "fine=1.5e3", "-F", "whole=12"]
    result = vcc("call", "POST", "/stats/x", "-s", "stats", "--dry-run", *fields, env=CI_ENV)
    body = result.stdout.split("--data-binary ", 1)[1].strip().strip("'")

    def no_constants(name):
        raise AssertionError(f"{name} is not JSON")

    assert json.loads(body, parse_constant=no_constants) == {
        "big": "1e999",
        "small": "-1e999",
        "fine": 1500.0,
        "whole": 12,
    }


@pytest.mark.parametrize("options", [("-d", "@-"), ("-F", "note=@-")], ids=["data", "field"])
def test_reading_a_closed_stdin_is_a_usage_error(process_env, options):
    code, out, err = spawn(["call", "POST", "/stats/x", "-s", "stats", "--dry-run", *options], process_env, close=[0])
    assert code == 2, err
    assert "stdin is closed" in err and not any(sign in err for sign in CRASH_SIGNS)
    assert out == b""


def test_token_json_after_year_9999_shows_no_date_and_does_not_crash():
    """A clock set far ahead (the Runtime's clock seam) gives expiry times no ISO date can hold."""
    import io

    from vcc_cli.commands import token as token_command
    from vcc_cli.output import IO
    from vcc_cli.runtime import Runtime
    from vcc_cli.tokens import LATEST_TIME, Token

    out = io.StringIO()
    rt = Runtime(env={}, io=IO(stdout=out, stderr=io.StringIO(), env={}), clock=lambda: LATEST_TIME - 100)
    late = Token("tok", "Bearer", ("stats",), LATEST_TIME + 800)
    token_command._print(rt, "json", late, "emea", "fetched")
    shown = json.loads(out.getvalue())
    assert shown["expires_at"] is None and shown["expires_in"] == 900 and shown["access_token"] == "tok"
    assert token_command.iso_utc(LATEST_TIME) == "9999-12-31T23:59:59Z"


# --------------------------------------------------------------------------- item 10: a closed stderr


def stderr_options(how: str) -> dict:
    if how == "closed":
        return {"close": [2], "stderr": subprocess.PIPE}
    return {"stderr": gone_reader()}


@pytest.mark.parametrize("how", ["closed", "reader-gone"])
def test_a_closed_stderr_changes_neither_the_token_printed_nor_exit_0(process_env, how):
    # --refresh with VCC_TOKEN writes a note first: a note that cannot be written is dropped.
    env = {**process_env, "VCC_TOKEN": "tok-from-env"}
    code, out, _ = spawn(["token", "--refresh"], env, **stderr_options(how))
    assert (code, out) == (0, b"tok-from-env\n")
    code, out, _ = spawn(["token", "-s", "stats"], process_env, **stderr_options(how))
    assert code == 0 and out.count(b".") == 2  # a JWT from the emulator


@pytest.mark.parametrize("how", ["closed", "reader-gone"])
def test_a_closed_stderr_does_not_fail_a_download(process_env, tmp_path, how):
    target = tmp_path / "availability.json"
    args = ["call", "/agents-availability", "-q", "skillNames=French", "-o", str(target)]
    code, _, _ = spawn(args, process_env, **stderr_options(how))  # "saved …" is a note
    assert code == 0 and json.loads(target.read_bytes()) is not None


@pytest.mark.parametrize("how", ["closed", "reader-gone"])
@pytest.mark.parametrize(
    ("args", "env", "code"),
    [
        (["token"], {}, 2),  # no scope
        (["token", "-s", "stats"], {"VCC_AUTH_URL": None, "VCC_API_URL": None, "VCC_REGION": "mars"}, 2),
        (["token", "-s", "stats"], {"VCC_CLIENT_ID": None, "VCC_CLIENT_SECRET": None, "VCC_REGION": "emea"}, 3),
        (["token", "-s", "stats"], {"VCC_AUTH_URL": "http://127.0.0.1:9"}, 4),
        (["call", "/agents-availability/no/such/thing"], {}, 1),
    ],
    ids=["usage", "bad-region", "no-credentials", "unreachable", "api-error"],
)
def test_a_closed_stderr_keeps_the_exit_code_of_a_failure(process_env, how, args, env, code):
    environ = {**process_env, **env}
    for key in [k for k, v in env.items() if v is None]:
        environ.pop(key)
    got, _, _ = spawn(args, environ, **stderr_options(how))
    assert got == code


# --------------------------------------------------------------------------- item 11: a reader that goes away

PAGED = ["/interaction-content/interactions", "-q", "start=2024-01-01T00:00:00Z", "-q", "end=2024-01-02T00:00:00Z"]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["status"], {}),
        (["status", "--json"], {}),
        (["scopes"], {}),
        (["scopes"], {"VCC_FORCE_TTY": "1"}),  # a rich table
        (["scopes", "--json"], {"VCC_FORCE_TTY": "1"}),  # rich-coloured JSON
        (["--help"], {}),  # click writes the help itself
        (["status", "--help"], {}),
        (["call", "--help"], {}),
        (["--version"], {}),  # typer.echo
        (["token", "-s", "stats"], {}),
        (["token", "-s", "stats", "--format", "json"], {"VCC_FORCE_TTY": "1"}),
        (["call", *PAGED], {}),
        (["call", *PAGED], {"VCC_FORCE_TTY": "1"}),
        (["call", *PAGED, "--paginate"], {}),
        (["call", "--dry-run", "/stats/x"], {}),
        (["demo"], {}),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else ",".join(value) or "piped",
)
def test_a_reader_that_goes_away_is_exit_0_for_every_command(process_env, args, env):
    code, _, err = spawn(args, {**process_env, **env}, stdout=gone_reader())
    assert code == 0, err
    assert not any(sign in err for sign in CRASH_SIGNS), err


def test_status_piped_into_head_exits_0(process_env):
    shell = f"{sys.executable} -m vcc_cli status --no-clock | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], env=process_env, capture_output=True, timeout=60)
    assert done.stdout.decode().strip() == "0", done.stderr
    assert not any(sign in done.stderr.decode() for sign in CRASH_SIGNS)


# --------------------------------------------------------------------------- item 13: hints that apply


def test_a_url_on_another_host_hints_at_what_vcc_call_accepts(vcc):
    result = vcc("call", "https://evil.example/stats/x", env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=2)
    assert "set --api-url" not in result.stderr  # vcc call has no --api-url
    assert "VCC_API_URL" in result.stderr and "`vcc login --auth-url URL --api-url URL`" in result.stderr


def test_an_emulator_host_that_is_not_this_machine_names_the_host_not_the_port(vcc):
    result = vcc("emulator", "--host", "192.0.2.1", "--port", "0", expect_error=2)  # TEST-NET-1: no one's
    assert "--host" in result.stderr.splitlines()[-1] and "--port" not in result.stderr.splitlines()[-1]


def test_an_emulator_port_in_use_names_the_port(vcc):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = vcc("emulator", "--port", str(port), expect_error=2)
    assert "choose another --port" in result.stderr


COMMAND_NAMES = ["login", "logout", "token", "call", "status", "scopes", "emulator", "demo"]
TYPE_WORDS = ("<list", "<int", "<float", "<str", "range>", "x>=", "<=x", "INTEGER", "FLOAT", "TEXT", "{[")


@pytest.mark.parametrize("name", ["", *COMMAND_NAMES], ids=["vcc", *COMMAND_NAMES])
def test_help_names_no_types_and_says_ranges_in_words(vcc, capsys, name):
    vcc(*([name] if name else []), "--help")
    shown = capsys.readouterr().out
    assert shown and not [word for word in TYPE_WORDS if word in shown], shown
    if name == "call":
        assert "Usage: vcc call [OPTIONS] [METHOD] PATH" in shown and "[from 0 to 10]" in shown


@pytest.mark.parametrize(
    "args",
    [
        ("token", "--timeout", "0"),
        ("token", "--timeout", "soon"),
        ("token", "--min-ttl", "-1"),
        ("call", "/x", "--retries", "11"),
        ("call", "/x", "--api-version", "0.5"),
        ("emulator", "--port", "70000"),
        ("emulator", "--token-ttl", "0"),
        ("token", "--format", "xml"),
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_values_are_told_in_words(vcc, args):
    result = vcc(*args, expect_error=2)
    assert_told(result, 2, "invalid value for")
    assert "Input should" not in result.stderr and not [w for w in TYPE_WORDS if w in result.stderr]


# --------------------------------------------------------------------------- item 17: pages that repeat


def test_paginate_stops_at_a_server_that_ignores_the_page_asked_for(vcc, mock_http):
    page_one = {"users": [{"id": 1}, {"id": 2}], "meta": {"page": 1, "count": 2, "pageCount": 3, "totalCount": 6}}
    mock_http.get(USERS, json=page_one)  # whatever ?page= says
    result = vcc("call", "/useradmin/users", "--paginate", env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=4)
    assert_told(result, 4, "page 2 repeated the previous page's items")
    assert result.stdout == ""


def test_paginate_stops_at_a_page_that_repeats_an_earlier_page_than_the_previous(vcc, mock_http):
    def callback(request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        items = [{"id": 10 * (page % 2)}]  # pages 1, 2, 1, 2…
        meta = {"page": page, "count": 1, "pageCount": 5, "totalCount": 5}
        return 200, {"Content-Type": "application/json"}, json.dumps({"users": items, "meta": meta})

    mock_http.add_callback(responses.GET, USERS, callback=callback)
    result = vcc("call", "/useradmin/users", "--paginate", env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=4)
    assert_told(result, 4, "page 3 repeated the items of page 1")


def test_paginate_stops_at_continuation_pages_that_cycle(vcc, mock_http):
    cycle = {"": ("A", "t1"), "t1": ("B", "t2"), "t2": ("A", "t3"), "t3": ("B", None)}

    def callback(request):
        asked = parse_qs(urlsplit(request.url).query).get("continuationToken", [""])[0]
        guid, nxt = cycle[asked]
        body = {"items": [{"guid": guid}], "meta": {"count": 1, "nextContinuationToken": nxt}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock_http.add_callback(responses.GET, CONTENT, callback=callback)
    mock_http.post(TOKEN_URL, json=token_answer())
    args = ("call", "/interaction-content/interactions", "-q", "start=2024-01-01T00:00:00Z", "--paginate")
    result = vcc(*args, env=CI_ENV, expect_error=4)
    assert_told(result, 4, "page 3 repeated the items of page 1")
