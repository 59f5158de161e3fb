"""SPEC section 7, security: what vcc writes to a terminal cannot be steered by its input: control characters,
escape sequences and bidi overrides in arguments or server text are shown escaped,
and bytes that are not UTF-8 never crash the output."""

from __future__ import annotations

import json

import pytest

ESCAPES = ("\x1b", "\x07", "\x08", "\r", "\u202e")


@pytest.mark.parametrize(
    "args",
    [
        ("token", "--profile", "x\x1b]0;pwned\x07\nvcc: everything is fine"),
        ("token", "--bogus\x1b[2J\r"),
        ("call", "-X", "G\u202eTEG", "/agents-availability"),
        ("login", "--region", "mars\x1b[31m", "--client-id", "x", "--client-secret-stdin"),
    ],
    ids=["profile", "unknown-option", "method", "region"],
)
def test_input_echoed_in_an_error_cannot_drive_the_terminal(vcc, args):
    result = vcc(*args, stdin="secret\n", expect_error=2)
    assert not any(char in result.stderr for char in ESCAPES), repr(result.stderr)
    assert len(result.stderr.splitlines()) == 2, result.stderr


def test_undecodable_bytes_in_a_path_are_a_usage_error_even_in_a_dry_run(vcc):
    # A request cannot carry them, so a dry run must not print a curl command that differs from what vcc would send.
    result = vcc(
        "call", "--dry-run", "/agents-availability/\udc80", env={"VCC_TOKEN": "t", "VCC_REGION": "emea"}, expect_error=2
    )
    assert "PATH is not valid UTF-8" in result.stderr and result.stdout_bytes == b""


# --------------------------------------------------------------------------- what a server sends

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\x7f\x1b[8mhidden"  # \x1b[8m: conceal, an SGR
#: What must never reach a terminal raw: ESC, BEL, CSI (C1), DEL, a bidi override.
ACTING = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e")


def hostile_api(mock_http, *, status=200, content_type="application/json", body=None):
    from tests.conftest import API_URL

    body = body if body is not None else {"items": [{"name": HOSTILE}], "note": HOSTILE}
    mock_http.get(
        f"{API_URL}/useradmin/users",
        status=status,
        body=json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body,
        content_type=content_type,
        headers={"X-Evil": HOSTILE, "Set-Cookie": "a=b"},
    )


def acts_on_a_terminal(text: str) -> list[str]:
    """The acting characters in ``text``, once vcc's own colours (SGR sequences) are left out."""
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return [char for char in ACTING if char in text]


def test_server_headers_and_json_bodies_are_escaped_on_a_terminal(vcc, mock_http):
    from tests.conftest import CI_ENV, TOKEN_URL, token_answer

    mock_http.post(TOKEN_URL, json=token_answer())
    hostile_api(mock_http)
    result = vcc("call", "-i", "-v", "/useradmin/users", env=CI_ENV, tty=True)
    assert acts_on_a_terminal(result.stdout) == [] and acts_on_a_terminal(result.stderr) == []
    assert "\x1b[" in result.stdout  # coloured: the only escapes are vcc's own
    plain = vcc("call", "/useradmin/users", env={**CI_ENV, "NO_COLOR": "1"}, tty=True).stdout
    assert "\x1b" not in plain and "\x9b" not in plain
    assert (
        '"name": "\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202eevil\\u007f\\u001b[8mhidden"' in plain
    )  # still JSON
    assert "X-Evil: \\x1b]0;pwned\\x07" in result.stdout and "\\x1b[8mhidden" in result.stdout  # shown, inert
    assert "< X-Evil: \\x1b]0;pwned\\x07" in result.stderr
    assert result.stdout.count("HTTP/1.1 200") == 1


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/plain", "line one\n" + HOSTILE + "\ttabbed\r\nline three", 200),
        ("text/html", "<h1>" + HOSTILE + "</h1>", 500),
        ("application/json", "{not json " + HOSTILE, 200),
    ],
    ids=["text", "error-page", "broken-json"],
)
def test_text_bodies_keep_their_lines_but_not_their_escapes_on_a_terminal(vcc, mock_http, content_type, body, status):
    from tests.conftest import CI_ENV

    hostile_api(mock_http, status=status, content_type=content_type, body=body)
    result = vcc("call", "/useradmin/users", env={**CI_ENV, "VCC_TOKEN": "t"}, tty=True, expect_error=status >= 400)
    assert acts_on_a_terminal(result.stdout) == [], repr(result.stdout)
    assert "\\x1b]0;pwned\\x07" in result.stdout
    if content_type == "text/plain":
        assert result.stdout.splitlines()[0] == "line one" and "\ttabbed" in result.stdout


def test_a_queried_string_is_escaped_on_a_terminal_and_raw_when_piped(vcc, mock_http):
    from tests.conftest import CI_ENV

    env = {**CI_ENV, "VCC_TOKEN": "t"}
    hostile_api(mock_http)
    on_terminal = vcc("call", "/useradmin/users", "--query", "note", env=env, tty=True)
    assert acts_on_a_terminal(on_terminal.stdout) == [] and "\\x1b]0;pwned" in on_terminal.stdout
    piped = vcc("call", "/useradmin/users", "--query", "note", env=env)
    assert piped.stdout == HOSTILE + "\n"  # like jq -r: scripts get the value itself


def test_piped_output_stays_byte_for_byte_and_verbose_is_always_escaped(vcc, mock_http):
    from tests.conftest import CI_ENV

    hostile_api(mock_http)
    result = vcc("call", "-i", "-v", "/useradmin/users", env={**CI_ENV, "VCC_TOKEN": "t"})
    assert f"X-Evil: {HOSTILE}\r\n" in result.stdout  # as curl -i | grep sees it
    sent = {"items": [{"name": HOSTILE}], "note": HOSTILE}
    assert result.stdout.split("\r\n\r\n", 1)[1] == json.dumps(sent, ensure_ascii=False)  # as received
    assert acts_on_a_terminal(result.stderr) == []  # -v is for people, wherever it goes


@pytest.mark.parametrize(
    ("content_type", "body", "shown"),
    [
        ("text/plain", "hello " + HOSTILE, "\\x1b]0;pwned\\x07"),
        ("application/json", json.dumps({"note": HOSTILE}, ensure_ascii=False), "\\u001b]0;pwned"),
        ("audio/wav", "RIFF\x00\x00WAVEfmt ", "binary body"),
    ],
    ids=["text", "json-not-paged", "binary"],
)
def test_paginate_shows_an_answer_that_is_not_paged_as_a_plain_call_would(vcc, mock_http, content_type, body, shown):
    """--paginate on an answer with no pages hands it on as received: escaped on a terminal,
    never binary there, byte for byte when piped."""
    from tests.conftest import CI_ENV

    env = {**CI_ENV, "VCC_TOKEN": "t", "NO_COLOR": "1"}
    hostile_api(mock_http, content_type=content_type, body=body)
    on_terminal = vcc("call", "/useradmin/users", "--paginate", env=env, tty=True)
    assert acts_on_a_terminal(on_terminal.stdout) == [] and "\x00" not in on_terminal.stdout
    assert shown in on_terminal.stdout + on_terminal.stderr
    assert vcc("call", "/useradmin/users", "--paginate", env=env).stdout_bytes == body.encode()


# --------------------------------------------------------------------------- what is left: tables, status, logs, dry runs


def test_a_table_on_a_terminal_shows_its_cells_as_inert_text():
    """`vcc scopes` draws with rich: a cell is text, never rich markup, and escaped like any line."""
    import io

    from vcc_cli.output import IO

    out = io.StringIO()
    IO(stdout=out, stderr=io.StringIO(), env={"VCC_FORCE_TTY": "1"}).table(
        "title " + HOSTILE, ["name", "[b]column[/b]"], [[HOSTILE + " [b]bold[/b]", "x"]]
    )
    shown = out.getvalue()
    assert acts_on_a_terminal(shown) == [], repr(shown)
    assert "[b]bold[/b]" in shown and "[b]column[/b]" in shown and "\\x1b]0;pwned" in shown


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_status_shows_the_token_endpoints_date_header_inert_on_a_terminal(vcc, mock_http, as_json):
    from tests.conftest import CI_ENV, TOKEN_URL

    mock_http.get(TOKEN_URL, status=405, headers={"Date": HOSTILE})
    result = vcc("status", *(["--json"] if as_json else []), env=CI_ENV, tty=True)
    assert acts_on_a_terminal(result.stdout) == [] and acts_on_a_terminal(result.stderr) == []
    assert ("\\x1b]0;pwned" if not as_json else "\\u001b]0;pwned") in result.stdout


def test_a_continuation_token_that_is_not_text_is_quoted_inert(vcc, mock_http):
    from tests.conftest import CI_ENV

    url = "https://emea.api.cc.vonage.com/interaction-content/interactions"
    mock_http.get(url, json={"items": [{"guid": "a"}], "meta": {"nextContinuationToken": {"t": HOSTILE}}})
    result = vcc(
        "call", "/interaction-content/interactions", "--paginate", env={**CI_ENV, "VCC_TOKEN": "t"}, expect_error=4
    )
    assert acts_on_a_terminal(result.stderr) == [] and "not a string" in result.stderr


def test_a_dry_run_shows_control_characters_of_its_arguments_inert_and_still_exact(vcc):
    """The curl command of --dry-run quotes such a value as bash's $'…': inert, same bytes."""
    import subprocess

    from tests.conftest import CI_ENV

    value, body = "a\x1b[2Jb\x9bc", json.dumps("right\u202eleft", ensure_ascii=False)  # C1 and bidi: valid JSON
    args = ("call", "PUT", "/stats/x", "-s", "stats", "--dry-run", "-H", f"X-Note: {value}", "-d", body)
    shown = vcc(*args, env=CI_ENV, tty=True).stdout
    assert acts_on_a_terminal(shown) == [], repr(shown)
    header = next(part for part in shown.split(" -H ") if part.startswith("$'X-Note"))
    data = shown.split(" --data-binary ", 1)[1].strip()
    for word, meant in ((header, f"X-Note: {value}"), (data, body)):
        printed = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, check=True).stdout
        assert printed.decode() == meant


def test_the_emulators_verbose_log_shows_what_a_client_sent_inert(tmp_path):
    """`vcc emulator -v` logs request lines on stderr: a client's escape sequences stay inert."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path
    from urllib.parse import urlsplit

    from tests.support.processes import clean_env

    home = tmp_path / "home"
    home.mkdir()
    env = clean_env(home, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vcc_cli", "emulator", "--port", "0", "-v"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().decode()
        url = first.split("VCC_AUTH_URL=")[1].split()[0]
        where = urlsplit(url)
        with socket.create_connection((where.hostname, where.port), timeout=10) as conn:
            conn.sendall(b"GET /x\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while conn.recv(65536):
                pass
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    log = err.decode("utf-8", "replace")
    assert "/x" in log and "pwned" in log
    assert acts_on_a_terminal(log) == [], repr(log)
