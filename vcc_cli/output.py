"""TTY-aware rendering to stdout and stderr.

One ``IO`` object holds the streams and the terminal decisions, so tests can
flip TTY on and off. rich is imported only when something is drawn for a
terminal; piped output is plain bytes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import IO as Stream

from vcc_cli.errors import VccError

#: Bidirectional overrides and isolates: they make a terminal show text in another order.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str) -> str:
    """``text`` safe to show as one line on a terminal: control characters (line breaks,
    escape sequences), bidi overrides and undecodable bytes that came from user or
    server input are shown escaped (``\\x1b``) instead of acting on the terminal."""
    if text.isprintable():
        return text
    import unicodedata

    def shown(char: str) -> str:
        if char.isprintable() or not (unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI):
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return "".join(map(shown, text))


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


class _ClosedStream:
    """Stands for a standard stream that was closed (``vcc token >&-``): writes fail cleanly."""

    encoding = "utf-8"
    buffer = None

    def write(self, data):
        import errno

        raise OSError(errno.EBADF, "Bad file descriptor")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def readline(self, *args) -> str:
        return ""

    read = readline


def _stdout_errors(method):
    """Turn a failed write to stdout (a full disk, a closed descriptor) into a clean error;
    a reader that went away (EPIPE) is left to the top level, which exits quietly."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except BrokenPipeError:
            raise
        except OSError as exc:
            from vcc_cli.errors import UsageError

            raise UsageError(
                f"cannot write the output: {exc.strerror or exc.__class__.__name__}",
                "check where stdout goes (a full disk? a closed descriptor?), or use -o FILE",
            ) from None

    return wrapper


class IO:
    """stdout/stderr/stdin with TTY and colour decisions (``VCC_FORCE_TTY``, ``NO_COLOR``)."""

    def __init__(
        self,
        stdout: Stream[str] | None = None,
        stderr: Stream[str] | None = None,
        stdin: Stream[str] | None = None,
        env: Mapping[str, str] | None = None,
    ):
        self.stdout = stdout or sys.stdout or _ClosedStream()
        self.stderr = stderr or sys.stderr or _ClosedStream()
        self.stdin = stdin or sys.stdin or _ClosedStream()
        env = os.environ if env is None else env
        forced = env.get("VCC_FORCE_TTY", "") not in ("", "0")
        self.stdout_tty = forced or _isatty(self.stdout)
        self.stderr_tty = forced or _isatty(self.stderr)
        self.stdin_tty = _isatty(self.stdin)
        plain = bool(env.get("NO_COLOR")) or env.get("TERM") == "dumb"  # no-color.org: a non-empty NO_COLOR
        self.color = self.stdout_tty and not plain
        self.stderr_color = self.stderr_tty and not plain

    # -- stdout ---------------------------------------------------------------

    @_stdout_errors
    def write_bytes(self, data: bytes) -> None:
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            self.stdout.flush()
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode("utf-8", "replace"))

    @_stdout_errors
    def write_line(self, text: str) -> None:
        line = text + "\n"
        try:
            self.stdout.write(line)
        except UnicodeEncodeError:
            # Bytes that came in undecodable (an argument, a variable) go out as they came,
            # as Python does itself under the C locale; what cannot, goes out escaped.
            buffer = getattr(self.stdout, "buffer", None)
            if buffer is None:
                raise
            encoding = self.stdout.encoding or "utf-8"
            try:
                data = line.encode(encoding, "surrogateescape")
            except UnicodeEncodeError:
                data = line.encode(encoding, "backslashreplace")
            self.stdout.flush()
            buffer.write(data)
        self.stdout.flush()

    @_stdout_errors
    def print_json(self, data: object) -> None:
        """JSON on stdout, indented; coloured on a terminal."""
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if self.color:
            self._console(self.stdout).print_json(text, indent=2)
        else:
            self.write_line(text)

    @_stdout_errors
    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table: rich on a terminal, tab-separated lines with a header otherwise."""
        if self.stdout_tty:
            from rich.table import Table

            table = Table(title=title, show_lines=False)
            for column in columns:
                table.add_column(column)
            for row in rows:
                table.add_row(*row)
            self._console(self.stdout).print(table)
        else:
            self.write_line("\t".join(columns))
            for row in rows:
                self.write_line("\t".join(row))

    # -- stderr ---------------------------------------------------------------

    def note(self, message: str) -> None:
        self.stderr.write(f"vcc: {one_line(message)}\n")
        self.stderr.flush()

    def error(self, err: VccError) -> None:
        self.stderr.write(f"vcc: error: {one_line(err.message)}\n")
        if err.hint:
            self.stderr.write(f"hint: {one_line(err.hint)}\n")
        self.stderr.flush()

    def _console(self, stream):
        from rich.console import Console

        color = self.color if stream is self.stdout else self.stderr_color
        return Console(file=stream, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True)
