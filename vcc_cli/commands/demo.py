"""``vcc demo``: the whole main job against a fresh local emulator, each step shown."""

from __future__ import annotations

from vcc_cli.cli.table import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime


class DemoOptions(Options):
    keep: bool


def run(opts: DemoOptions, rt: Runtime) -> int:
    from vcc_cli.emulator.demo import Demo
    from vcc_cli.output import one_line

    io = rt.io
    demo = Demo(keep=opts.keep)
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
                io.write_line(f"    {one_line(line)}")  # what the emulator and vcc printed
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
