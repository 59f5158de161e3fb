"""The ``vcc`` entry point: ``vcc token`` and ``vcc call`` in their plain forms run
before the command-line framework is even imported (CI scripts call them hundreds of
times); everything else goes to ``vcc_cli.app`` and typer."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args[:1] in (["token"], ["call"]):
            code = _without_typer(args[0], args[1:])
            if code is not None:
                return code
        from vcc_cli.app import main as app_main

        return app_main(args)
    except KeyboardInterrupt:  # Ctrl-C while the modules load, before app.main's own handler
        sys.stderr.write("\nvcc: interrupted\n")
        return 130


def _without_typer(name: str, args: list[str]) -> int | None:
    """``vcc token`` or ``vcc call`` in their plain forms, run without loading typer (and
    the pydantic it builds validators with): a cached token costs no more than the
    interpreter, a call a third less start-up. None when the command line needs the full
    parser (help, completion, an odd option)."""
    from vcc_cli.runtime import current

    if name == "token":
        from vcc_cli.tokens.command import parse_fast, run
    else:
        from vcc_cli.call import parse_fast, run
    opts = parse_fast(args)
    if opts is None:
        return None
    rt = current()
    return guarded(lambda: run(opts, rt), rt)


def guarded(action, rt) -> int:
    """Run ``action`` and turn what it raises into the exit codes of SPEC section 6:
    one or two lines on stderr, a traceback only with VCC_DEBUG=1."""
    import os

    from vcc_cli.errors import VccError
    from vcc_cli.output import one_line

    debug = rt.env.get("VCC_DEBUG", "") not in ("", "0")
    stderr = rt.io.stderr
    try:
        return action()
    except VccError as err:
        if debug:
            import traceback

            traceback.print_exc()
        rt.io.error(err)
        return int(err.exit_code)
    except KeyboardInterrupt:
        stderr.write("\nvcc: interrupted\n")
        return 130
    except BrokenPipeError:
        # The reader went away (`vcc call ... | head`): not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return 0
    except Exception as exc:  # a bug: say so in two lines, traceback only on request
        if debug:
            raise
        stderr.write(
            f"vcc: internal error: {exc.__class__.__name__}: {one_line(str(exc))}\n"
            "hint: run again with VCC_DEBUG=1 for a traceback, and report it\n"
        )
        return 1
