"""``vcc status``: what is in place for ``vcc token``, where each setting came from, and what to fix."""

from __future__ import annotations

from vcc_cli.cli.table import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime


class StatusOptions(Options):
    profile: str | None
    region: str | None
    json: bool
    no_clock: bool


def run(opts: StatusOptions, rt: Runtime) -> int:
    from vcc_cli.checks import collect
    from vcc_cli.output import one_line

    report = collect(rt, opts.profile, opts.region, check_clock=not opts.no_clock)
    if opts.json:
        rt.io.print_json({"ready": report.ready, "checks": [c.as_dict() for c in report.checks]})
    else:
        width = max(len(c.name) for c in report.checks)
        for check in report.checks:
            mark = "FAIL" if not check.ok else "WARN" if check.warn else "ok "
            # values may quote a server (an error, a Date header): escaped like every note
            rt.io.write_line(f"{mark:4} {check.name:<{width}}  {one_line(check.value)}")
            if (not check.ok or check.warn) and check.fix:
                rt.io.write_line(f"{'':4} {'':<{width}}  fix: {one_line(check.fix)}")
        rt.io.write_line("")
        warned = any(c.warn for c in report.checks)
        rt.io.write_line(
            ("ready: `vcc token` has what it needs" + ("; see the WARN lines above" if warned else ""))
            if report.ready
            else "not ready: see the FAIL lines above"
        )
    if not report.ready:
        first = report.fixes[0] if report.fixes else "see `vcc status`"
        rt.io.note(f"not ready for `vcc token`; first fix: {first}")
        return 3
    return 0
