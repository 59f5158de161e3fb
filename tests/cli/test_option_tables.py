"""SPEC section 4: each command's options are declared once, in its option table, and
the fast parser and typer read a command line into the same options, or refuse it alike."""

from __future__ import annotations

import io
from contextlib import contextmanager
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CI_ENV, Clock, MemoryKeyring
from vcc_cli import runtime
from vcc_cli.app import ALL_COMMANDS
from vcc_cli.cli.call import COMMAND as CALL
from vcc_cli.cli.table import FLAG
from vcc_cli.cli.token import COMMAND as TOKEN
from vcc_cli.errors import UsageError
from vcc_cli.main import main
from vcc_cli.output import IO
from vcc_cli.runtime import Runtime

#: Values that are right for some option and wrong for others: numbers in and out of
#: every range, not numbers, option-like text, empty text.
VALUES = [
    "stats",
    "users:read",
    "0",
    "3",
    "60",
    "0.0005",
    "86401",
    "-1",
    "nan",
    "inf",
    "1e999",
    "abc",
    "JSON",
    "raw",
    "",
    "-s",
    "a=b",
    "X: y",
    "/stats/x",
    "@-",
]


@contextmanager
def captured(command):
    """The command's ``run`` replaced by one that records the options (gh's runF)."""
    seen = []
    real = command.run
    command.run = lambda opts, rt: seen.append(opts) or 0
    try:
        yield seen
    finally:
        command.run = real


def full_parse(command, args):
    """What typer made of ``args``: ("opts", options), or ("error", exit code, stderr)."""
    err = io.StringIO()
    streams = IO(stdout=io.StringIO(), stderr=err, stdin=io.StringIO(""), env=CI_ENV)
    runtime.use(Runtime(env=dict(CI_ENV), io=streams, clock=Clock(), keyring=MemoryKeyring()))
    try:
        with captured(command) as seen:
            code = partial(main, fast=False)([*command.argv, *args])
    finally:
        runtime.use(None)
    if seen:
        return ("opts", seen[0])
    return ("error", code, err.getvalue())


def fast_parse(command, args):
    """What the fast parser made of ``args``: ("opts", options), ("error", 2, stderr) or None."""
    try:
        opts = command.parse_fast(args)
    except UsageError as exc:
        err = io.StringIO()
        IO(stdout=io.StringIO(), stderr=err, env={}).error(exc)
        return ("error", 2, err.getvalue())
    return None if opts is None else ("opts", opts)


def command_lines(command):
    """Random command lines built from ``command``'s own table: every name of every
    row, values good and bad, ``--name=value`` forms, flags given a value, stray
    positionals, ``--`` and help."""
    parts = []
    for opt in command.options:
        if opt.kind == FLAG:
            parts.append(st.tuples(st.sampled_from(opt.names)))
            parts.append(st.tuples(st.sampled_from([f"{n}=1" for n in opt.names if n.startswith("--")] or ["-h"])))
        else:
            parts.append(st.tuples(st.sampled_from(opt.names), st.sampled_from(VALUES)))
            longs = [n for n in opt.names if n.startswith("--")]
            parts.append(st.builds(lambda n, v: (f"{n}={v}",), st.sampled_from(longs), st.sampled_from(VALUES)))
    parts.append(st.tuples(st.sampled_from(["/stats/x", "GET", "--", "-h", "--bogus", "-sstats", "-iv"])))
    return st.lists(st.one_of(parts), max_size=5).map(lambda groups: [p for g in groups for p in g])


@pytest.mark.parametrize("command", [TOKEN, CALL], ids=lambda c: c.name)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fast_parser_and_typer_read_every_command_line_alike(command, data):
    """Where the fast parser answers, typer gives the same options, or the same usage
    error with the same message; where it declines, typer alone decides."""
    args = data.draw(command_lines(command))
    if command is CALL:
        args = [data.draw(st.sampled_from(["/agents-availability", "GET"])), *args]
    fast = fast_parse(command, args)
    full = full_parse(command, args)
    if fast is None:
        assert full[0] == "opts" or full[1] in (0, 2)  # help, or a usage error click words itself
    else:
        assert fast == full


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: c.full_name)
def test_every_command_is_made_from_its_table_alone(command):
    """The typer command's options are exactly the table's rows, defaults included
    (the commands of a group, `vcc content download`, too)."""
    from typer.main import get_command

    from vcc_cli.app import app

    click_command = get_command(app)
    for word in command.argv:
        click_command = click_command.commands[word]
    declared = {name for p in click_command.params for name in p.opts if name.startswith("-")} - {"--help", "-h"}
    assert declared == {name for opt in command.options for name in opt.names}
    positional = {command.args.dest: ["/x"]} if command.args else {}
    assert full_parse(command, ["/x"] if command.args else [])[1] == command.defaults(**positional)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--refresh=1"], ["-s"], ["-sstats"], ["-s=stats"], ["--", "-s"], ["--bogus"], ["stray"]],
)
def test_fast_parser_leaves_what_it_does_not_split_to_typer(args):
    assert TOKEN.parse_fast(args) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "0.0005"], "invalid value for --timeout: 0.0005 is below 0.001"),
        (["--min-ttl", "-1"], "invalid value for --min-ttl: -1 is below 0"),
        (["--min-ttl", "nan"], "invalid value for --min-ttl: 'nan' is not a finite number"),
        (["-f", "yaml"], "invalid value for -f/--format: 'yaml' is not one of raw, header, json"),
    ],
)
def test_a_bad_value_is_the_same_usage_error_on_both_paths(args, message):
    fast, full = fast_parse(TOKEN, args), full_parse(TOKEN, args)
    assert fast == full
    assert full[1] == 2 and f"vcc: error: {message}" in full[2]


def test_fast_parser_reads_the_plain_forms():
    opts = TOKEN.parse_fast(
        [
            "-s",
            "stats",
            "--scope=users:read",
            "-p",
            "ci",
            "--region",
            "nam",
            "--min-ttl",
            "120",
            "-f",
            "JSON",
            "--timeout=3",
        ]
    )
    assert opts == TOKEN.defaults(
        scopes=["stats", "users:read"], profile="ci", region="nam", min_ttl=120.0, format="json", timeout=3.0
    )


def test_a_value_given_twice_keeps_the_last_as_click_does():
    assert TOKEN.parse_fast(["--min-ttl", "5", "--min-ttl", "7"]).min_ttl == 7.0
    assert full_parse(TOKEN, ["--min-ttl", "5", "--min-ttl", "7"])[1].min_ttl == 7.0


def test_repeatable_options_keep_every_value_in_order():
    opts = CALL.parse_fast(["/x", "-q", "a=1", "--param=b=2", "-q", "a=3"])
    assert (
        opts.params == ["a=1", "b=2", "a=3"]
        and opts == full_parse(CALL, ["/x", "-q", "a=1", "--param=b=2", "-q", "a=3"])[1]
    )


def test_lists_are_not_shared_between_parses():
    first = CALL.parse_fast(["/x", "-q", "a=1"])
    first.params.append("b=2")
    assert CALL.parse_fast(["/x"]).params == []


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: c.full_name)
def test_every_row_fills_a_declared_field_of_the_options_class(command):
    """The options class annotates exactly the fields the table fills: none unset, none unknown."""
    fields = set(command.options_class.__annotations__)
    rows = {opt.dest for opt in command.options} | ({command.args.dest} if command.args else set())
    assert fields == rows


def test_help_shows_every_default_and_range(vcc, capsys):
    vcc("emulator", "--help")
    vcc("call", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "[from 0 to 65535] [default: 0]" in help_text and "[at least 1] [default: 7200]" in help_text
    assert "[from 0 to 10] [default: 3]" in help_text
