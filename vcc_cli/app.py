"""The root Typer app and the one place where errors become exit codes."""

from __future__ import annotations

import typer

from vcc_cli import __version__
from vcc_cli.cli import call, demo, emulator, login, scopes, status, token
from vcc_cli.errors import ExitCode
from vcc_cli.output import one_line


class SectionedGroup(typer.core.TyperGroup):
    """Plain (rich-free, so fast) help that still groups commands by their panel."""

    def format_commands(self, ctx, formatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, cmd) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        for name, cmd in commands:
            panel = getattr(cmd, "rich_help_panel", None) or "Commands"
            sections.setdefault(panel, []).append((name, cmd.get_short_help_str(limit)))
        for title, rows in sections.items():
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


app.command(
    "login",
    rich_help_panel="Credentials",
    short_help="Save credentials: client ID in config, secret in the OS keyring.",
)(login.command)
app.command("logout", rich_help_panel="Credentials", short_help="Remove a profile, its secret and its cached tokens.")(
    login.logout_command
)
app.command(
    "token", rich_help_panel="Tokens and calls", short_help="Print a bearer token (cached on disk) for scripts."
)(token.command)
app.command(
    "call",
    rich_help_panel="Tokens and calls",
    short_help="Call a VCC API; scope and Accept version come from the path.",
)(call.command)
app.command(
    "status", rich_help_panel="Credentials", short_help="Show what is set up, where it came from, and what to fix."
)(status.command)
app.command(
    "scopes", rich_help_panel="Exploring", short_help="List the APIs with their scopes, path prefixes and versions."
)(scopes.command)
app.command(
    "emulator", rich_help_panel="Exploring", short_help="Serve a local VCC for trying vcc and testing scripts."
)(emulator.command)
app.command("demo", rich_help_panel="Exploring", short_help="Run the whole main job against a local emulator.")(
    demo.command
)


def main(argv: list[str] | None = None) -> int:
    """Run vcc; returns the exit code of SPEC section 6. Tracebacks only with VCC_DEBUG=1."""
    from vcc_cli.main import guarded
    from vcc_cli.runtime import current

    try:  # typer >= 0.22 vendors click, and moved Abort and Exit to typer itself
        from typer._click import exceptions as click_exceptions
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click_exceptions
    aborts = (typer.Abort, getattr(click_exceptions, "Abort", typer.Abort))
    exits = (typer.Exit, getattr(click_exceptions, "Exit", typer.Exit))
    stderr = current().io.stderr
    command = typer.main.get_command(app)

    def invoke() -> int:
        try:
            result = command.main(args=argv, prog_name="vcc", standalone_mode=False)
            if result == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into Exit(130)
                stderr.write("\nvcc: interrupted\n")
            return result if isinstance(result, int) else 0
        except getattr(click_exceptions, "NoArgsIsHelpError", ()) as err:  # plain `vcc`: the help, as usage
            stderr.write(err.format_message() + "\n")
            return int(ExitCode.USAGE)
        except click_exceptions.UsageError as err:
            where = f"vcc {err.ctx.info_name}" if err.ctx and err.ctx.parent else "vcc"
            if err.ctx and err.ctx.command_path:
                where = err.ctx.command_path
            stderr.write(f"vcc: error: {one_line(err.format_message())}\nhint: see `{one_line(where)} --help`\n")
            return int(ExitCode.USAGE)
        except aborts:
            stderr.write("\nvcc: interrupted\n")
            return int(ExitCode.INTERRUPTED)
        except exits as exc:
            return exc.exit_code

    return guarded(invoke, current())
