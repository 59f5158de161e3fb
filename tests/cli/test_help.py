"""Help: every command and option explains itself, with an example."""

from __future__ import annotations

import pytest

from vcc_cli.app import app


def commands():
    import typer

    group = typer.main.get_command(app)
    return [(name, group.commands[name]) for name in sorted(group.commands)]


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
    from vcc_cli.app import main

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.index("Credentials:") < out.index("Tokens and calls:") < out.index("Exploring:")
    assert "vcc demo" in out
