"""The ``vcc`` entry point, and the one place where errors become exit codes.

``vcc token`` and ``vcc call`` in their plain forms are parsed by their option
tables' fast parser and run before the command-line framework is even imported
(CI scripts call them hundreds of times); everything else goes to typer
(``vcc_cli.app``), whose own errors it turns into vcc's.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from vcc_cli.cli.table import Command
    from vcc_cli.runtime import Runtime

#: Commands parsed without typer when their command line is plain.
FAST_COMMANDS = ("token", "call")


def main(argv: list[str] | None = None, *, fast: bool = True) -> int:
    """Run vcc with ``argv`` (default: the process's); returns the exit code of SPEC section 6.
    ``fast=False`` sends every command line through typer (tests compare the two paths)."""
    args = sys.argv[1:] if argv is None else list(argv)
    from vcc_cli import signals  # SIGTERM, SIGHUP, SIGQUIT… raise signals.Terminated: cleanups run

    replaced = signals.install()
    try:
        try:
            from vcc_cli.runtime import current

            rt = current()
        except KeyboardInterrupt:  # Ctrl-C while the modules load
            if sys.stderr is not None:  # None when stderr is closed (2>&-)
                sys.stderr.write("\nvcc: interrupted\n")
            return 130
        return guarded(lambda: dispatch(args, rt, fast=fast), rt)
    except signals.Terminated as ended:  # while the modules load, or while guarded reports an error
        if sys.stderr is not None:
            sys.stderr.write(f"vcc: {ended}\n")
        return ended.exit_code
    finally:
        signals.restore(replaced)


def dispatch(args: list[str], rt: Runtime, *, fast: bool = True) -> int:
    """Run the command ``args`` names: through the fast parser when it can, else typer."""
    from vcc_cli.output import reserve_closed_descriptors

    reserve_closed_descriptors()
    command = fast_command(args[0]) if args and fast else None
    if command is not None:
        opts = command.parse_fast(args[1:])
        if opts is not None:
            return command.run(opts, rt)
    from vcc_cli.app import invoke

    return invoke(args)


def fast_command(name: str) -> Command | None:
    """The declaration of ``name`` when it is one of FAST_COMMANDS (only its own modules imported)."""
    if name == "token":
        from vcc_cli.cli.token import COMMAND

        return COMMAND
    if name == "call":
        from vcc_cli.cli.call import COMMAND as CALL

        return CALL
    return None


def guarded(action, rt: Runtime) -> int:
    """Run ``action`` and turn what it raises into the exit codes of SPEC section 6:
    one or two lines on stderr, a traceback only with VCC_DEBUG=1."""
    from vcc_cli.errors import ExitCode, VccError
    from vcc_cli.signals import Terminated

    debug = rt.env.get("VCC_DEBUG", "") not in ("", "0")
    try:
        return action()
    except VccError as err:
        if debug:
            import traceback

            traceback.print_exc(file=sys.stderr or rt.io.stderr)  # never stdout, even with stderr closed
        rt.io.error(err)
        return int(err.exit_code)
    except Terminated as ended:  # SIGTERM, SIGHUP, SIGQUIT…: cleaned up as for Ctrl-C, exit 128 + N
        rt.io.stderr.write(f"vcc: {ended}\n")
        return ended.exit_code
    except KeyboardInterrupt:
        rt.io.stderr.write("\nvcc: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`vcc call ... | head`): not an error of ours. What is
        # still buffered for stdout, and the final flush at exit, go to /dev/null.
        from vcc_cli.output import discard

        discard(rt.io.stdout)
        return 0
    except Exception as exc:  # a bug: say so in two lines, traceback only on request
        if debug:
            raise
        from vcc_cli.output import one_line, scrubbed

        rt.io.stderr.write(
            f"vcc: internal error: {exc.__class__.__name__}: {one_line(scrubbed(str(exc)))}\n"
            "hint: run again with VCC_DEBUG=1 for a traceback, and report it\n"
        )
        return int(ExitCode.API_ERROR)
