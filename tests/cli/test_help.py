"""SPEC section 4, help for every command: each command and option explains itself,
with an example; `--version`; plain `vcc` prints the help as a usage error."""

from __future__ import annotations

import pytest

from vcc_cli.app import app


def commands():
    """Every command by the words that run it, those of groups (`content download`) too."""
    import typer

    found = []

    def walk(prefix, group):
        for name in sorted(group.commands):
            command = group.commands[name]
            found.append((f"{prefix}{name}", command))
            if hasattr(command, "commands"):
                walk(f"{prefix}{name} ", command)

    walk("", typer.main.get_command(app))
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_every_command_has_help_with_an_example(name, command):
    assert command.short_help and len(command.short_help) <= 66
    assert "Example" in (command.help or ""), f"vcc {name} --help has no example"


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_every_option_has_help_text(name, command):
    for param in command.params:
        if param.param_type_name == "option":
            assert getattr(param, "help", None), f"vcc {name} {param.opts[0]} has no help text"


def test_root_help_groups_commands(capsys):
    from vcc_cli.main import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.index("Credentials:") < out.index("Tokens and calls:") < out.index("Exploring:")
    assert "vcc demo" in out


def test_plain_vcc_prints_the_help_as_usage(vcc):
    result = vcc(expect_error=2)
    assert "Usage: vcc" in result.stderr and "vcc: error" not in result.stderr


def test_version_and_help(capsys):
    from vcc_cli import __version__
    from vcc_cli.main import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vcc {__version__}\n"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("login", "logout", "token", "call", "scopes"):
        assert name in out
