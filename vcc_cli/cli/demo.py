"""``vcc demo``: the whole main job against a fresh local emulator, each step shown."""

from __future__ import annotations

from typing import Annotated

import typer

from vcc_cli.runtime import Runtime, current


def run(rt: Runtime, keep: bool = False) -> int:
    from vcc_cli.emulator.demo import Demo

    io = rt.io
    demo = Demo(keep=keep)
    failed = None
    with demo:
        io.write_line(
            f"vcc demo: a local VCC emulator at {demo.emulator.url}, a throwaway config and cache in {demo.home}"
        )
        io.write_line("credentials come from the environment, as in CI: no account, network or keyring needed\n")
        for step in demo.steps():
            mark = "✓" if step.ok else "✗"
            io.write_line(f"{mark} {step.title}")
            io.write_line(f"    $ {step.command}")
            for line in step.details:
                io.write_line(f"    {line}")
            if not step.ok:
                failed = step
                break
    if failed is not None:
        io.note(f"demo failed at: {failed.title}")
        if failed.stderr:
            io.note("vcc said: " + failed.stderr.strip().splitlines()[-1])
        return failed.exit_code or 1
    io.write_line(
        "\nevery step behaved. Next: `vcc emulator` to test your own scripts, `vcc login` for a real account."
    )
    return 0


def command(
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the throwaway config and cache directory afterwards.")
    ] = False,
) -> None:
    """Run the main job against a local emulator: token, cache, call, refresh, search, download.

    No account, network or keyring needed; everything happens in a throwaway directory.

    \b
    Example:
      vcc demo
    """
    raise typer.Exit(run(current(), keep))
