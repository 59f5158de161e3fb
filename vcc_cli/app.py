"""The root Typer app, made from the commands' option tables (``vcc_cli.cli``).

``invoke`` runs it and turns click's own outcomes (usage errors, Ctrl-C, exits)
into vcc's errors, which ``main.guarded`` alone turns into exit codes. This
module never imports ``vcc_cli.main``: the entry point depends on the app, not
the other way round.
"""

from __future__ import annotations

import typer
from typer._click import exceptions as click_exceptions  # typer vendors click; pinned below its next minor

from vcc_cli import __version__
from vcc_cli.cli import call, content, demo, emulator, login, profiles, scopes, status, token
from vcc_cli.cli import exec as exec_cli
from vcc_cli.cli.table import PipeClosed
from vcc_cli.errors import ExitCode, ShownUsage, UsageError
from vcc_cli.output import one_line
from vcc_cli.runtime import current

#: In the order `vcc --help` lists them (by panel).
COMMANDS = (
    login.LOGIN,
    login.LOGOUT,
    token.COMMAND,
    call.COMMAND,
    exec_cli.COMMAND,
    status.COMMAND,
    profiles.COMMAND,
    scopes.COMMAND,
    emulator.COMMAND,
    demo.COMMAND,
)
#: Commands under a word of their own (`vcc content download`), listed after COMMANDS.
GROUPS = (content.GROUP,)
#: Every command, those of the groups included.
ALL_COMMANDS = COMMANDS + tuple(command for group in GROUPS for command in group.commands)


class SectionedGroup(typer.core.TyperGroup):
    """Plain (rich-free, so fast) help that still groups commands by their panel.

    A reader that goes away while click itself writes (``vcc --help | head -1``,
    ``vcc --version``) is vcc's to handle, as it is while a command runs: typer
    would turn the EPIPE into exit 1, so it leaves here as ``PipeClosed``."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except BrokenPipeError as exc:
            raise PipeClosed from exc

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise PipeClosed from exc

    def format_commands(self, ctx, formatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        shown = [(name, cmd) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        for name, cmd in shown:
            panel = getattr(cmd, "rich_help_panel", None) or "Commands"
            sections.setdefault(panel, []).append((name, cmd.get_short_help_str(limit)))
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


class VccCommand(typer.core.TyperCommand):
    """A command whose positional arguments are shown by their names alone
    (``[METHOD] PATH``), not with typer's type names (``<list[str]>``) and braces."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(param.metavar or (param.name or "").upper())
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces

    def format_options(self, ctx, formatter) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                if not getattr(param, "hidden", False):
                    arguments.append((param.metavar or (param.name or "").upper(), getattr(param, "help", "") or ""))
            elif param.param_type_name == "option":
                record = param.get_help_record(ctx)
                if record is not None:
                    options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


app = typer.Typer(
    name="vcc",
    cls=SectionedGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vcc {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", "-V", is_eager=True, callback=_version, help="Print the version and exit."
    ),
) -> None:
    """vcc: bearer tokens and authenticated calls for the Vonage Contact Center (VCC) APIs.

    Start with `vcc login` (or set VCC_CLIENT_ID and VCC_CLIENT_SECRET), then
    `vcc call /agents-availability -q skillNames=French`. Try it all locally,
    without an account: `vcc demo`.
    """


for _command in COMMANDS:
    app.command(
        _command.name,
        cls=VccCommand,
        rich_help_panel=_command.panel,
        short_help=_command.short_help,
        context_settings={"allow_interspersed_args": False} if _command.options_first else None,
    )(_command.typer_function(current))

for _group in GROUPS:
    _sub = typer.Typer(
        name=_group.name,
        cls=SectionedGroup,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for _command in _group.commands:
        _sub.command(_command.name, cls=VccCommand, short_help=_command.short_help)(_command.typer_function(current))
    app.add_typer(_sub, name=_group.name, help=_group.help, short_help=_group.short_help, rich_help_panel=_group.panel)


def invoke(argv: list[str]) -> int:
    """Run the typer app on ``argv``: the command's exit code, or click's outcome as a vcc error."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="vcc", standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as err:  # plain `vcc`: the help, as usage
        raise ShownUsage(err.format_message()) from None
    except click_exceptions.UsageError as err:
        where = err.ctx.command_path if err.ctx and err.ctx.command_path else "vcc"
        if where == "vcc" and argv and argv[0] in {c.name for c in COMMANDS} | {g.name for g in GROUPS}:
            where = f"vcc {argv[0]}"  # click reports some errors of a command from the group's context
        raise UsageError(one_line(err.format_message()), f"see `{one_line(where)} --help`") from None
    except typer.Abort:
        raise KeyboardInterrupt from None
    except PipeClosed as closed:
        raise BrokenPipeError from closed.__cause__
    except typer.Exit as exc:
        return exc.exit_code
    if result == ExitCode.INTERRUPTED:  # a command that stopped on Ctrl-C itself
        raise KeyboardInterrupt
    return result if isinstance(result, int) else 0
