"""``vcc exec``: run a command with ``VCC_TOKEN`` and ``VCC_API_URL`` in its environment.

The token comes as ``vcc token`` gives it (``VCC_TOKEN``, else the cache, else the
token endpoint); the credentials do not go along: every variable that holds or
leads to the secret is removed from the child's environment, and so is
``VCC_CLIENT_ID``, since SPEC section 3 makes a client ID without its secret an error
(exit 3) for any ``vcc`` the child runs, which needs only ``VCC_TOKEN`` anyway.

On POSIX vcc replaces itself with the command (``os.execvpe``), as ``env``, ``sudo``,
``aws-vault exec`` and ``op run`` do: the command is the process its parent started,
so signals (Ctrl-C, a CI job's SIGTERM) reach it directly, its exit status is the
parent's to see (a signal death included, which a shell reports as 128 + N), and no
vcc is left behind to forward signals or to hold memory. Nothing of vcc needs
cleaning up by then: the cache lock is released, files Python opens are close-on-exec,
and vcc's own signal handlers go back to their defaults across exec. What exec would
wrongly carry over is reset first: Python ignores SIGPIPE and SIGXFSZ, and a child
ignoring SIGPIPE would not end quietly in ``… | head``; and vcc's buffered output is
flushed. Elsewhere (Windows, where ``exec`` starts a new process and the parent's exit
code is lost) the command runs as a subprocess whose exit code vcc returns.
"""

from __future__ import annotations

import os

from vcc_cli.cli.table import Options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from vcc_cli.runtime import Runtime

#: Seconds the token must have left when CMD starts. CMD cannot refresh it, so it gets
#: more than `vcc token`'s 60 s: five minutes covers a typical script or CI step, while
#: a cached two-hour token still serves for all but its last five minutes, so parallel
#: jobs keep sharing one. Longer jobs pass --min-ttl (a new token lives 7200 s).
MIN_TTL = 300.0
#: What the child never gets: the secret, the ways to it, and the client ID it belongs to.
REMOVED = ("VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE", "VCC_CLIENT_SECRET_COMMAND", "VCC_CLIENT_ID")
#: Exit codes a shell gives a command it cannot run.
NOT_FOUND, NOT_EXECUTABLE = 127, 126

#: How the command replaces vcc; a test running vcc in-process swaps it. None: run a subprocess.
replace_process: Callable[[str, list[str], Mapping[str, str]], object] | None = (
    os.execvpe if os.name == "posix" else None
)


class ExecOptions(Options):
    command: list[str]
    scopes: list[str]
    profile: str | None
    region: str | None
    min_ttl: float
    timeout: float | None


def run(opts: ExecOptions, rt: Runtime) -> int:
    """Run ``opts.command`` with a token and the API base URL; returns its exit code
    (on POSIX, only when it could not be started: vcc has become the command)."""
    from vcc_cli import resolve
    from vcc_cli.errors import UsageError

    if not opts.command:
        raise UsageError("no command given", "put it after --: vcc exec -s SCOPE -- CMD [ARGS]...")
    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    token = resolve.env_token(rt.env)
    api_url = inv.target.api_url  # where to ask (exit 2), for what (exit 2), then as whom (exit 3)
    if token is not None:
        if opts.scopes:
            rt.io.note("VCC_TOKEN is set: it is passed on as is, -s has no effect")
    else:
        scopes = resolve.token_scopes(opts.scopes, rt.env, inv)
        source = resolve.token_source(inv, resolve.credentials(inv, token_allowed=False))
        resolved = source.get(scopes, min_ttl=opts.min_ttl)
        token = resolved.token
        notes = list(resolved.notes)
        remaining = token.remaining(rt.clock())
        if remaining is not None and remaining < opts.min_ttl:
            notes.append(f"the new token lives {remaining:.0f} s, less than --min-ttl {opts.min_ttl:g}")
        for note in notes:
            rt.io.note(note)
    env = child_environment(rt.env, token.access_token, api_url)
    return launch(opts.command, env, rt)


def child_environment(env: Mapping[str, str], token: str, api_url: str) -> dict[str, str]:
    """``env`` without REMOVED, with ``VCC_TOKEN`` and ``VCC_API_URL`` (no trailing slash)."""
    child = {name: value for name, value in env.items() if name not in REMOVED}
    child["VCC_TOKEN"] = token
    child["VCC_API_URL"] = api_url.rstrip("/")
    return child


def launch(argv: Sequence[str], env: Mapping[str, str], rt: Runtime) -> int:
    """Become ``argv`` (POSIX) or run it; 127 when it is not found, 126 when it cannot be run."""
    for stream in (rt.io.stdout, rt.io.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed reader: nothing more to say to it anyway
            pass
    if not argv[0] or "\0" in argv[0]:  # as a shell answers `'' args`
        return _cannot_run(rt, argv[0], FileNotFoundError(2, "command not found"))
    try:
        if replace_process is None:
            return _run_subprocess(argv, env)
        _exec(argv, env)
    except OSError as exc:
        return _cannot_run(rt, argv[0], exc)
    except ValueError as exc:  # an embedded NUL, or an argument the OS refuses
        return _cannot_run(rt, argv[0], OSError(0, str(exc)))
    return 0  # only a stand-in for os.execvpe returns


def _cannot_run(rt: Runtime, name: str, exc: OSError) -> int:
    """One line, as a shell says it, and the shell's exit code."""
    import errno

    from vcc_cli.errors import VccError

    if isinstance(exc, FileNotFoundError) or exc.errno in (errno.ENOENT, errno.ENOTDIR):
        where = "no such file" if "/" in name or os.sep in name else "command not found"
        rt.io.error(VccError(f"cannot run {name!r}: {where}", "check the name, or give its path"))
        return NOT_FOUND
    reason = exc.strerror or str(exc)
    rt.io.error(VccError(f"cannot run {name!r}: {reason}", "check that it is an executable file (chmod +x)"))
    return NOT_EXECUTABLE


#: Signals Python ignores (an ignored signal stays ignored across exec): back to their
#: defaults for the command, as subprocess's restore_signals does.
RESTORED_SIGNALS = ("SIGPIPE", "SIGXFSZ")


def _exec(argv: Sequence[str], env: Mapping[str, str]) -> None:
    import signal

    assert replace_process is not None
    saved = {}
    for name in RESTORED_SIGNALS:
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                saved[signum] = signal.signal(signum, signal.SIG_DFL)
            except (ValueError, OSError):  # not the main thread: left as it is
                pass
    try:
        replace_process(argv[0], list(argv), env)
    finally:  # the exec failed (or a test's stand-in returned): vcc goes on as it was
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _run_subprocess(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``argv`` and wait for it, Ctrl-C included (the child has it too); its exit
    code, or 128 + N when signal N ended it."""
    import shutil
    import subprocess

    found = shutil.which(argv[0], path=env.get("PATH"))
    if found is None and not os.path.exists(argv[0]):
        raise FileNotFoundError(argv[0])
    child = subprocess.Popen([found or argv[0], *argv[1:]], env=dict(env))
    while True:
        try:
            code = child.wait()
            break
        except KeyboardInterrupt:  # the child got it as well: its own exit says how it ended
            continue
    return 128 - code if code < 0 else code
