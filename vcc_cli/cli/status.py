"""``vcc status``: what is in place for ``vcc token``, where each setting came from, and what to fix."""

from __future__ import annotations

from typing import Annotated

import typer

from vcc_cli.cli import options
from vcc_cli.runtime import Runtime, current


def run(rt: Runtime, profile: str | None, region: str | None, json_output: bool, check_clock: bool) -> int:
    from vcc_cli.status import collect

    report = collect(rt, profile, region, check_clock=check_clock)
    if json_output:
        rt.io.print_json({"ready": report.ready, "checks": [c.as_dict() for c in report.checks]})
    else:
        width = max(len(c.name) for c in report.checks)
        for check in report.checks:
            mark = "ok " if check.ok else "FAIL"
            rt.io.write_line(f"{mark:4} {check.name:<{width}}  {check.value}")
            if not check.ok and check.fix:
                rt.io.write_line(f"{'':4} {'':<{width}}  fix: {check.fix}")
        rt.io.write_line("")
        rt.io.write_line(
            "ready: `vcc token` has what it needs" if report.ready else "not ready: see the FAIL lines above"
        )
    if not report.ready:
        first = report.fixes[0] if report.fixes else "see `vcc status`"
        rt.io.note(f"not ready for `vcc token`; first fix: {first}")
        return 3
    return 0


def command(
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON.")] = False,
    no_clock: Annotated[
        bool, typer.Option("--no-clock", help="Skip the request that measures the clock offset.")
    ] = False,
) -> None:
    """Show the profile, URLs, credentials, keyring, files, cached tokens and clock offset.

    Exit 0 when `vcc token` has everything it needs, 3 otherwise (with the fix named).

    \b
    Example:
      vcc status --profile ci
    """
    raise typer.Exit(run(current(), profile, region, json_output, not no_clock))
