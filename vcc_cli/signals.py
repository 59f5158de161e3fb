"""The signals that end vcc, raised as an exception so that every cleanup runs.

SIGTERM (``kill``, ``timeout``, a CI job's time limit), SIGHUP (a closed terminal or
SSH session) and SIGQUIT (Ctrl-\\) would end the process on the spot, leaving a
download's ``.part`` file or the demo's temporary directory behind. ``install()``
makes each raise ``Terminated`` in the main thread, as Ctrl-C raises
KeyboardInterrupt, so that ``finally`` blocks and context managers clean up; one
place, ``main.guarded``, turns it into exit 128 + N with one line on stderr.

A signal ignored when vcc starts (``nohup`` ignores SIGHUP) stays ignored, and one
with a handler of its own (a program running ``main()``) keeps it. This is on the
path of a cached ``vcc token``: the builtin ``_signal`` is used, not ``signal``,
whose enums cost more than the rest of this module.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # no stub in typeshed; signal.py re-exports it

#: What a signal that ends vcc becomes; the rest of the default-terminating signals
#: are faults (SIGSEGV...), ignored by Python (SIGPIPE, SIGXFSZ) or a profiler's.
ENDING = ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGALRM", "SIGUSR1", "SIGUSR2", "SIGXCPU")


class Terminated(BaseException):
    """vcc was told to stop by signal ``signum``. A BaseException, like KeyboardInterrupt,
    so that ``except Exception`` never swallows it; unlike KeyboardInterrupt it keeps
    its number (typer turns a KeyboardInterrupt into exit 130)."""

    def __init__(self, signum: int):
        import signal  # its names, only now

        self.signum = signum
        try:
            self.name = signal.Signals(signum).name
        except ValueError:
            self.name = f"signal {signum}"
        super().__init__(f"terminated by {self.name}")

    @property
    def exit_code(self) -> int:
        """128 + N, as a shell reports a command a signal ended."""
        return 128 + self.signum


_ending: int | None = None  # the signal being handled once one came; 0 after restore()


def _terminate(signum: int, frame: object) -> None:
    global _ending
    if _ending is not None:  # a second signal while the first unwinds (let the cleanups finish), or vcc is done
        return
    _ending = signum
    raise Terminated(signum)


def install() -> dict[int, object]:
    """Make the ENDING signals raise ``Terminated``; returns the handlers replaced, for ``restore``.
    Outside the main thread (vcc's ``main()`` run from a thread) nothing changes."""
    global _ending
    _ending = None
    replaced: dict[int, object] = {}
    for name in ENDING:
        signum = getattr(_signal, name, None)
        if signum is None:  # not on this platform (Windows has no SIGHUP)
            continue
        try:
            if _signal.getsignal(signum) == _signal.SIG_DFL:
                replaced[signum] = _signal.signal(signum, _terminate)
        except (ValueError, OSError):  # not the main thread
            break
    return replaced


def restore(replaced: dict[int, object]) -> None:
    """Put back the handlers ``install`` replaced (in-process runs leave the process as it was)."""
    global _ending
    _ending = _ending or 0  # vcc has finished: a signal from now on is not raised out of main()
    for signum, handler in replaced.items():
        _signal.signal(signum, handler)
