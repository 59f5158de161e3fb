"""Client secrets printed by a command: a password manager (``pass show vcc/prod``,
``op read op://vault/vcc/secret``) instead of the OS keyring.

The command is an argv list run without a shell, stdin from /dev/null, in its own
process group, with the keyring's time limit (``VCC_KEYRING_TIMEOUT``, 5 s by
default): the secret is the first line of its stdout. A command that fails, prints
nothing or does not finish in time is an AuthError (exit 3) quoting the first line of
its stderr (redacted); one that hangs is killed with its whole process group, never
waited for. The child gets vcc's environment without the ``VCC_CLIENT_SECRET*``
variables. Nothing here prints, and the secret is in no message.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

from vcc_cli.errors import AuthError, UsageError, VccError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

#: Bytes of stdout kept: the secret is its first line (as VCC_CLIENT_SECRET_FILE's, 64 KiB
#: at most); the rest is read and dropped, so that a chatty command never blocks on a full pipe.
STDOUT_LIMIT = 64 * 1024
STDERR_LIMIT = 4 * 1024
#: Seconds to wait for the rest of its output once the command has exited or was
#: killed: a background process it left behind (in another group) may hold a pipe open.
_AFTER_EXIT = 0.5
#: How much of a command line a message shows.
_SHOWN_LENGTH = 120


def split_command_line(text: str, what: str, error: type[VccError] = UsageError) -> tuple[str, ...]:
    """``text`` split into an argv as a POSIX shell splits words (``shlex.split``: quotes
    and backslashes, no variables, globs or pipes: nothing runs a shell)."""
    import shlex

    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise error(
            f"{what} cannot be split into words: {str(exc).lower()}",
            "quote it as in a shell, e.g. 'pass show vcc/prod' (no shell runs it: no pipes or $VARIABLES)",
        ) from None
    check_argv(argv, what, error)
    return argv


def check_argv(argv: Sequence[str], what: str, error: type[VccError] = UsageError) -> None:
    """A command as vcc can run it: a program name, then arguments, all text without NUL."""
    if not argv or not argv[0].strip():
        raise error(f"{what} names no program", "give the command that prints the secret, e.g. pass show vcc/prod")
    if any("\x00" in arg for arg in argv):
        raise error(f"{what} holds a NUL character", "remove it: no program can be given one")


def shown(argv: Sequence[str]) -> str:
    """The command as a person would type it (shell-quoted), shortened for one message line."""
    import shlex

    text = shlex.join(argv)
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


def findable(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    """True when the command's program exists and can be run (looked up in ``env``'s PATH).
    A command whose program is nowhere may be a secret put in the variable by mistake:
    such a command is never shown."""
    import shutil

    program = os.path.expanduser(argv[0]) if argv else ""
    if not program:
        return False
    try:
        return shutil.which(program, path=env.get("PATH", os.defpath)) is not None
    except (OSError, ValueError):
        return False


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """vcc's environment for the command, without any ``VCC_CLIENT_SECRET*`` variable:
    a password manager has no use for another copy of the secret."""
    return {k: v for k, v in env.items() if not k.upper().startswith("VCC_CLIENT_SECRET")}


class _Drain:
    """Reads a pipe to its end in a thread, keeping the first ``limit`` bytes."""

    def __init__(self, stream, limit: int):
        self.stream = stream
        self.limit = limit
        self.data = bytearray()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._read, name="vcc-secret-command", daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536)
                if not chunk:
                    break
                room = self.limit - len(self.data)
                if room > 0:
                    self.data += chunk[:room]
        except (OSError, ValueError):  # the pipe closed under us
            pass
        finally:
            self.done.set()

    def first_line(self) -> bytes | None:
        """The first line (without its ending), or None while it is not complete."""
        data = bytes(self.data)
        end = data.find(b"\n")
        if end >= 0:
            return data[:end].rstrip(b"\r")
        if self.done.is_set():
            return data.rstrip(b"\r")
        return None


def run_secret_command(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float,
    what: str = "the secret command",
    show: bool = True,
) -> str:
    """The first line of ``argv``'s stdout, run without a shell within ``timeout`` seconds.

    ``what`` names the command in messages (``VCC_CLIENT_SECRET_COMMAND``, ``the
    secret_command of profile 'prod'``); ``show=False`` keeps the command itself out of
    them when its program cannot be found (it may be the secret, set by mistake).
    Raises AuthError (exit 3) with the command's first stderr line and what to check."""
    check_argv(argv, what, AuthError)
    argv = [os.path.expanduser(argv[0]), *argv[1:]]  # "~/bin/get-secret" in config.toml
    label = f"{what} `{shown(argv)}`"
    posix = os.name == "posix"
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=child_environment(env),
            close_fds=True,
            # Its own process group (and session, without vcc's terminal): at the time
            # limit the command and everything it started are killed together.
            start_new_session=posix,
        )
    except (OSError, ValueError) as exc:  # not found, not executable, an exec format error, a NUL
        raise _cannot_run(exc, argv, env, label, what, show) from None

    out = _Drain(proc.stdout, STDOUT_LIMIT)
    err = _Drain(proc.stderr, STDERR_LIMIT)
    deadline = started + timeout
    try:
        proc.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill_group(proc, posix)
        err.done.wait(_AFTER_EXIT)
        raise AuthError(
            f"{label} did not finish within {timeout:g} s and was stopped{_said(err, out)}",
            "run it in a shell: does it wait for something (an unlock prompt, a sign-in)? "
            "Unlock or sign in first; VCC_KEYRING_TIMEOUT gives it longer",
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM: its own session gets no signal from the terminal
        _kill_group(proc, posix)
        raise
    finally:
        _close_later(proc, out, err)

    code = proc.returncode
    line = out.first_line()
    if code == 0 and line is None:  # exited, but something it started still holds stdout
        out.done.wait(_AFTER_EXIT)
        line = out.first_line()
    if code != 0:
        err.done.wait(_AFTER_EXIT)
        raise AuthError(
            f"{label} failed ({_ended(code)}){_said(err, out)}",
            "run it in a shell and check that it prints the client secret on its first line "
            "(is the password manager unlocked and signed in?)",
        )
    if line is None:
        _kill_group(proc, posix)
        raise AuthError(
            f"{label} exited but left its output open (a background process?), with no complete first line",
            "make it print the secret and a line break, then exit",
        )
    try:
        secret = line.decode("utf-8")
    except UnicodeDecodeError:
        raise AuthError(
            f"{label} printed a first line that is not UTF-8 text (not shown)", "check its output"
        ) from None
    if not secret.strip():
        err.done.wait(_AFTER_EXIT)
        raise AuthError(
            f"{label} printed no secret: the first line of its output is empty{_said(err, out)}",
            "run it in a shell and check that it prints the client secret on its first line",
        )
    from vcc_cli.http import mask

    mask(secret)  # later errors quoting foreign text (a server's) hide it
    return secret


def _cannot_run(
    exc: OSError | ValueError, argv: Sequence[str], env: Mapping[str, str], label: str, what: str, show: bool
) -> AuthError:
    if not show and not findable(argv, env):
        return AuthError(
            f"{what} names no program that can be run (the command is not shown: it may be the secret itself)",
            "set it to a command that prints the secret, e.g. pass show vcc/prod",
        )
    if isinstance(exc, FileNotFoundError):
        return AuthError(
            f"{label} cannot run: {argv[0]!r} is not found",
            "install it, or give its full path (the command runs without a shell, with vcc's PATH)",
        )
    if isinstance(exc, PermissionError):
        return AuthError(
            f"{label} cannot run: {argv[0]!r} is not executable (permission denied)",
            f"check the path, or run: chmod +x {argv[0]}",
        )
    reason = getattr(exc, "strerror", None) or str(exc)
    return AuthError(f"{label} cannot run: {reason}", "run it in a shell to see why")


def _kill_group(proc: subprocess.Popen, posix: bool) -> None:
    """SIGKILL the command and every process in its group, then reap it."""
    if posix:
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
        pass


def _close_later(proc: subprocess.Popen, *drains: _Drain) -> None:
    """Close vcc's ends of the pipes once their readers are done (they are daemon
    threads: a pipe a leftover process holds open costs a thread, never a wait)."""

    def close() -> None:
        for drain in drains:
            drain.done.wait()
            try:
                drain.stream.close()
            except OSError:
                pass

    if all(d.done.is_set() for d in drains):
        close()
    else:
        threading.Thread(target=close, name="vcc-secret-command-close", daemon=True).start()


def _ended(code: int) -> str:
    if code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


def _said(err: _Drain, out: _Drain) -> str:
    """``: <first non-blank line of stderr>`` (escaped, redacted, shortened), or ''."""
    from vcc_cli.http import redact
    from vcc_cli.output import one_line

    text = bytes(err.data).decode("utf-8", "replace")
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    if not line:
        return ""
    # A command may say on stderr what it printed on stdout: whatever that was, it goes.
    printed = (out.first_line() or b"").decode("utf-8", "replace").strip()
    return ": " + one_line(redact(line, printed))[:200]
