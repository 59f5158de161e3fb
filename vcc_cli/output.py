"""TTY-aware rendering to stdout and stderr.

One ``IO`` object holds the streams and the terminal decisions, so tests can
flip TTY on and off. rich is imported only when something is drawn for a
terminal; piped output is plain bytes.
"""

from __future__ import annotations

import json
import os
import sys
import time

from vcc_cli.errors import VccError

TYPE_CHECKING = False  # typing costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import IO as Stream
    from typing import Any, TextIO


#: Bidirectional overrides and isolates: they make a terminal show text in another order.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str) -> str:
    """``text`` safe to show as one line on a terminal: control characters (line breaks,
    escape sequences), bidi overrides and undecodable bytes that came from user or
    server input are shown escaped (``\\x1b``) instead of acting on the terminal."""
    return text if text.isprintable() else _escaped(text, "")


def terminal_text(text: str) -> str:
    """Text that came from a server, safe to show on a terminal as lines: like
    ``one_line``, but line breaks (``\\n``, ``\\r\\n``) and tabs are kept."""
    if text.isprintable():
        return text
    return "\r\n".join(_escaped(part, "\n\t") for part in text.split("\r\n"))


def _escaped(text: str, keep: str) -> str:
    import unicodedata

    def shown(char: str) -> str:
        if char in keep or char.isprintable():
            return char
        if not (unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in _BIDI):
            return char
        return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"

    return "".join(map(shown, text))


#: What json.dumps(ensure_ascii=False) leaves raw in strings and a terminal would act on:
#: DEL, the C1 controls (\x9b is CSI), line and paragraph separators, bidi controls.
_JSON_UNSAFE = frozenset([chr(0x7F), *map(chr, range(0x80, 0xA0)), "\u2028", "\u2029", *_BIDI])


def terminal_json(text: str) -> str:
    """JSON text (from ``json.dumps``) with every character a terminal would act on
    written as a ``\\uXXXX`` escape: still the same JSON, shown inert."""
    if _JSON_UNSAFE.isdisjoint(text):
        return text
    return "".join(f"\\u{ord(c):04x}" if c in _JSON_UNSAFE else c for c in text)


def scrubbed(text: str) -> str:
    """``text`` with every secret this process has sent or read hidden (``http.redact``):
    the last line of defence for notes and errors, whatever they quote. Secrets are only
    ever registered by ``vcc_cli.http``, so while it is not imported there is nothing to hide
    (and a cached ``vcc token`` does not pay for importing it)."""
    http = sys.modules.get("vcc_cli.http")
    return http.redact(text) if http is not None else text


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


class _ClosedStream:
    """Stands for a standard stream that was closed (``vcc token >&-``): writes fail cleanly."""

    encoding = "utf-8"
    buffer = None
    closed = True  # as a closed file says: `-d @-` tells "stdin is closed" from "stdin is empty"

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


class _BestEffort:
    """stderr as vcc writes to it: notes, errors, traces and progress are for a person,
    while stdout and the exit code are what scripts rely on, so a write that fails (a
    closed descriptor, ``2>&-``; a reader that went away; a full disk) is dropped rather
    than turning a success into a failure or one exit code into another. Once a write has
    failed, the rest are dropped too, and the descriptor is pointed at /dev/null so that
    the interpreter's final flush cannot fail either (it would change the exit status)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except (OSError, ValueError):  # ValueError: the file was closed
                self._give_up()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._give_up()

    def _give_up(self) -> None:
        self.broken = True
        discard(self.stream)

    def isatty(self) -> bool:
        return _isatty(self.stream)

    def __getattr__(self, name: str) -> Any:  # encoding, fileno… as the stream has them
        return getattr(self.stream, name)


def discard(stream: object) -> None:
    """Point the descriptor under ``stream`` at /dev/null (when it has one), so that what
    is still buffered for it, and the interpreter's flush at exit, go nowhere without an
    error (Python's advice for a closed pipe: docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # not a file (a test's StringIO), or closed
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)


def reserve_closed_descriptors() -> None:
    """Open /dev/null on any of descriptors 0, 1 and 2 that was closed (``2>&-``), so that
    no file vcc opens (a cache entry, its lock) gets one of them, to be written into by
    a child process or a library that writes to "stderr". ``sys.stdin``/``stdout``/``stderr``
    stay as Python found them (None), so vcc still knows the stream is closed."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            except OSError:
                return
            if opened != fd:  # a lower descriptor was free: put it where it belongs
                os.dup2(opened, fd)
                os.close(opened)


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
        # A closed standard stream is None in sys: _ClosedStream stands in, failing cleanly.
        self.stdout: TextIO = stdout or sys.stdout or _ClosedStream()  # type: ignore[assignment]
        self.stderr: TextIO = _BestEffort(stderr or sys.stderr or _ClosedStream())  # type: ignore[assignment,arg-type]
        self.stdin: TextIO = stdin or sys.stdin or _ClosedStream()  # type: ignore[assignment]
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
        """JSON on stdout, indented; on a terminal coloured, with every character that
        would act on the terminal escaped (the strings may come from a server)."""
        text = json.dumps(data, indent=2, ensure_ascii=False)
        if not self.stdout_tty:
            return self.write_line(text)
        text = terminal_json(text)
        if self.color:
            from rich.highlighter import JSONHighlighter
            from rich.text import Text

            # rich's own print_json parses and dumps again, undoing the escapes
            shown = Text(text, no_wrap=True, overflow="ignore")
            JSONHighlighter().highlight(shown)
            self._console(self.stdout).print(shown)
        else:
            self.write_line(text)

    @_stdout_errors
    def write_text(self, text: str) -> None:
        """Text a server sent (a body, a queried string) on stdout: as is when piped,
        with control characters escaped on a terminal; ends with a line break."""
        if self.stdout_tty:
            text = terminal_text(text)
        self.write_line(text[:-1] if text.endswith("\n") else text)

    @_stdout_errors
    def table(self, title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table: rich on a terminal, tab-separated lines with a header otherwise."""
        if self.stdout_tty:
            from rich.table import Table
            from rich.text import Text

            # Cells are text, never rich markup ("[b]" stays as typed), and escaped like any line.
            table = Table(title=Text(one_line(title)) if title else None, show_lines=False)
            for column in columns:
                table.add_column(Text(one_line(column)))
            for row in rows:
                table.add_row(*(Text(one_line(cell)) for cell in row))
            self._console(self.stdout).print(table)
        else:
            self.write_line("\t".join(columns))
            for row in rows:
                self.write_line("\t".join(row))

    # -- stderr ---------------------------------------------------------------

    def prompt(self, text: str, *, hide: bool = False, default: str | None = None) -> str:
        """Ask on stderr and read the answer: from stdin, or without echo from the
        terminal when ``hide``; asked again while empty unless there is a ``default``.
        End of input is an interruption, as Ctrl-D is at a shell prompt."""
        shown = f"{text} [{default}]: " if default else f"{text}: "
        while True:
            if hide:
                import getpass

                try:
                    value = getpass.getpass(shown, stream=self.stderr)
                except EOFError:
                    raise KeyboardInterrupt from None
            else:
                self.stderr.write(shown)
                self.stderr.flush()
                line = self.stdin.readline()
                if not line:
                    raise KeyboardInterrupt
                value = line.rstrip("\r\n")
            if value.strip() or default is not None:
                return value if value.strip() else default or ""

    def note(self, message: str) -> None:
        self.stderr.write(f"vcc: {one_line(scrubbed(message))}\n")
        self.stderr.flush()

    def error(self, err: VccError) -> None:
        from vcc_cli.errors import ShownUsage

        if isinstance(err, ShownUsage):  # our own help text, several lines
            self.stderr.write(err.message.rstrip("\n") + "\n")
            self.stderr.flush()
            return
        self.stderr.write(f"vcc: error: {one_line(scrubbed(err.message))}\n")
        if err.hint:
            self.stderr.write(f"hint: {one_line(scrubbed(err.hint))}\n")
        self.stderr.flush()

    def _console(self, stream):
        color = self.color if stream is self.stdout else self.stderr_color
        return console(stream, force_terminal=color, no_color=not color, highlight=False, soft_wrap=True)


def console(stream, **options):
    """A rich Console on ``stream`` that leaves a closed reader to vcc: rich's own answer
    to EPIPE is exit 1 (and /dev/null on fd 1, whichever stream broke), where vcc's is
    exit 0 for stdout (``main.guarded``) and a dropped line for stderr."""
    from rich.console import Console

    class PipeAwareConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            if stream is not sys.stderr and not isinstance(stream, _BestEffort):
                raise BrokenPipeError

    return PipeAwareConsole(file=stream, **options)


# --------------------------------------------------------------------------- answers: bodies, -i heads, -v traces

COLOR_LIMIT = 2 * 1024 * 1024  # bytes of JSON above which a terminal gets it uncoloured (rich is slow on huge text)
_BINARY_TYPES = ("application/octet-stream", "application/zip", "application/pdf", "application/gzip")
#: What a body that is not JSON parses to (None is JSON's null).
NOT_JSON = object()


def emit_json(io: IO, value: object, *, output: Path | None = None, raw: bool = False) -> None:
    """A query result or merged document: a string raw (like ``jq -r``), anything
    else as JSON, pretty and coloured on a terminal, compact when piped or saved."""
    if isinstance(value, str):
        if output is None and io.stdout_tty:
            return io.write_text(value)
        return emit_bytes(io, (value + "\n").encode("utf-8"), output)
    if output is None and io.stdout_tty and not raw:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        if len(text) <= COLOR_LIMIT:
            return io.print_json(value)
        return io.write_line(terminal_json(text))
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    emit_bytes(io, (text + "\n").encode("utf-8"), output)


def emit_bytes(io: IO, data: bytes, output: Path | None = None) -> None:
    """``data`` on stdout, or saved into ``output`` (complete or not at all)."""
    if output is not None:
        from vcc_cli.download import save

        written = save([data], output)
        io.note(f"saved {output} ({written} bytes)")
    else:
        io.write_bytes(data)


def content_type(response) -> str:
    return response.headers.get("Content-Type", "")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _binary_type(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media.startswith(("audio/", "video/", "image/", "font/")) or media in _BINARY_TYPES


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\0" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # a multi-byte character cut at the edge is fine
    return False


def _refuse_binary(io: IO, ctype: str, size: str | int | None) -> None:
    what = f"{size} bytes, " if size else ""
    io.note(
        f"binary body ({what}{ctype or 'no content type'}) not shown on a terminal; save it with -o FILE, or pipe it"
    )


def render_body(io: IO, response, *, raw: bool, force_bytes: bool = False) -> None:
    """Body to stdout: byte for byte when piped (or -o -, or --raw as the SPEC says);
    on a terminal pretty JSON, or text with its control characters escaped; never
    binary on a terminal (HTTPie's rule), and then without reading it."""
    from vcc_cli.http import iter_body

    if not io.stdout_tty or force_bytes:
        for chunk in iter_body(response):
            io.write_bytes(chunk)
        return
    ctype = content_type(response)
    if _binary_type(ctype):
        return _refuse_binary(io, ctype, response.headers.get("Content-Length"))
    chunks = iter_body(response)
    first = next(chunks, b"")
    if _looks_binary(first):
        return _refuse_binary(io, ctype, response.headers.get("Content-Length"))
    _show(io, first + b"".join(chunks), ctype, raw=raw)


def emit_received(io: IO, data: bytes, ctype: str, output: Path | None = None) -> None:
    """A body already read whole (``--paginate`` met an answer that is not paged):
    saved into ``output``, byte for byte when piped, and on a terminal shown as
    ``render_body`` shows one (never binary, escaped)."""
    if output is not None or not io.stdout_tty:
        return emit_bytes(io, data, output)
    if _binary_type(ctype) or _looks_binary(data[:8192]):
        return _refuse_binary(io, ctype, len(data))
    _show(io, data, ctype, raw=False)


def _show(io: IO, data: bytes, ctype: str, *, raw: bool) -> None:
    """A text body on a terminal: as is with --raw, pretty JSON, else escaped text."""
    if not data:
        return
    if raw:
        io.write_bytes(data)
        return
    if _is_json(ctype) or data.lstrip()[:1] in (b"{", b"["):
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):  # not JSON, or nested too deep: shown as text
            document = NOT_JSON
        if document is not NOT_JSON:
            try:
                io.print_json(document)
                return
            except RecursionError:
                pass
    io.write_text(data.decode("utf-8", "replace"))


def save_body(io: IO, response, target: Path) -> None:
    """Stream the body into ``target`` (constant memory; complete or absent), with a
    progress bar on stderr when it is a terminal."""
    from vcc_cli.download import save
    from vcc_cli.http import iter_body

    total = int(response.headers.get("Content-Length") or 0) or None
    progress = None
    on_chunk = None
    if io.stderr_tty:
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        progress = Progress(
            *Progress.get_default_columns(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console(io.stderr, force_terminal=True, no_color=not io.stderr_color),
            transient=True,
        )
        progress.start()
        from rich.markup import escape

        task = progress.add_task(escape(one_line(target.name)), total=total)  # the name is text, not markup
        on_chunk = lambda n: progress.update(task, advance=n)  # noqa: E731
    try:
        written = save(iter_body(response), target, on_chunk=on_chunk)
    finally:
        if progress:
            progress.stop()
    io.note(f"saved {target} ({written} bytes)")


def fit_to_terminal(line: str, stream) -> str:
    """``line`` cut (with ``…``) to one row less than the terminal is wide: a progress
    line that wrapped could no longer be redrawn in place."""
    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return line
    return line if len(line) < width else line[: max(1, width - 2)] + "…"


# --------------------------------------------------------------------------- -i and -v


def write_head(io: IO, response) -> None:
    """``-i``: the status line and headers on stdout before the body; byte for byte
    when piped (as curl -i), escaped line by line on a terminal (a server's header
    must not clear the screen or retitle the window)."""
    head = status_head(response)
    if io.stdout_tty:
        head = "".join(one_line(line) + "\r\n" for line in head.split("\r\n")[:-1])
    io.write_bytes(head.encode("utf-8", "replace"))


def status_head(response) -> str:
    """The status line and (redacted) headers of ``response``, as HTTP writes them."""
    from vcc_cli.http import http_version, redact_headers

    lines = [f"{http_version(response)} {response.status_code} {response.reason or ''}".rstrip()]
    lines += [f"{k}: {v}" for k, v in redact_headers(response.headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


class Trace:
    """``-v``: each request and response on stderr, secrets redacted, with timings.
    Every line is escaped: headers and URLs come from the server and the user."""

    def __init__(self, io: IO, session: object, body: bytes | None):
        self.io = io
        self.session = session
        self.body = body
        self.caller: Any = None  # the Caller, for the token's origin and the count of requests
        self.started = time.monotonic()
        self.token_told = False

    def _write(self, lines: list[str]) -> None:
        # escaped, and scrubbed: a server echoing the token in a header must not get it shown
        self.io.stderr.write("".join(one_line(scrubbed(line)) + "\n" for line in lines))
        self.io.stderr.flush()

    def request(self, method: str, url: str, headers: dict[str, str]) -> None:
        from vcc_cli.http import redact_headers, redact_url

        lines = []
        if not self.token_told and self.caller is not None:
            self.token_told = True
            origin = {
                "cache": "from the cache",
                "fetched": "fetched from the token endpoint",
                "env": "VCC_TOKEN",
                "header": "-H Authorization",
            }.get(self.caller.token_origin or "", self.caller.token_origin)
            lines.append(f"* bearer token: {origin}")
        ours = {k.lower() for k in headers}
        session_headers = getattr(self.session, "headers", {}) or {}
        merged = [(k, v) for k, v in session_headers.items() if k.lower() not in ours] + list(headers.items())
        lines.append(f"> {method} {redact_url(url)}")
        lines += [f"> {k}: {v}" for k, v in redact_headers(merged)]
        if self.body is not None:
            lines.append(f"> ({len(self.body)} bytes of body)")
        lines.append(">")
        self._write(lines)

    def response(self, response, seconds: float) -> None:
        from vcc_cli.http import redact_headers, redact_url

        lines = []
        chain = [*getattr(response, "history", []), response]
        for index, step in enumerate(chain):
            lines += [f"< {line}" for line in status_head(step).rstrip("\r\n").split("\r\n")]
            if index + 1 < len(chain):
                nxt = chain[index + 1].request
                dropped = "Authorization" in step.request.headers and "Authorization" not in nxt.headers
                lines.append(
                    f"* redirected to {redact_url(nxt.url)}"
                    + (" (Authorization not sent: another host)" if dropped else "")
                )
                lines.append(f"> {nxt.method} {redact_url(nxt.url)}")
                lines += [f"> {k}: {v}" for k, v in redact_headers(nxt.headers.items())]
        lines.append(f"* HTTP {response.status_code} after {seconds * 1000:.0f} ms")
        self._write(lines)

    def done(self) -> None:
        sent = self.caller.requests_sent if self.caller else 0
        self._write([f"* {sent} request{'s' if sent != 1 else ''} in {time.monotonic() - self.started:.3f} s"])


# --------------------------------------------------------------------------- vcc content: bulk progress


class ProgressLine:
    """``--paginate`` and ``vcc content`` on a terminal: one line on stderr, redrawn in
    place at most ten times a second, saying how far the run got (``update(text)``).
    Thread-safe, as the download workers all report to it; ``note()`` writes a note
    above the line, ``clear()`` wipes it. Off the terminal it draws nothing, and notes
    go to stderr as ``IO.note`` writes them."""

    INTERVAL = 0.1  # seconds between redraws

    def __init__(self, io: IO, clock=time.monotonic):
        import threading

        self.io = io
        self.clock = clock
        self.enabled = io.stderr_tty
        self.started = clock()
        self._drawn = float("-inf")
        self._text = ""
        self._bar: tuple[int, int] | None = None
        self._shown = False
        self._lock = threading.RLock()

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self.clock() - self.started

    BAR = 24  # characters of the bar

    def update(self, text: str, *, done: int | None = None, total: int | None = None, force: bool = False) -> None:
        """Say ``text``; with ``done`` of ``total`` (which may still grow, as a search
        finds more), a bar before it."""
        if not self.enabled:
            return
        with self._lock:
            self._text = text
            self._bar = (done, total) if done is not None and total else None
            now = self.clock()
            if force or now - self._drawn >= self.INTERVAL:
                self._drawn = now
                self._draw()

    def _draw(self) -> None:
        bar = ""
        if self._bar is not None:
            done, total = self._bar
            filled = round(self.BAR * min(done, total) / total)
            bar = "█" * filled + "░" * (self.BAR - filled) + " "
        self.io.stderr.write("\r\x1b[K" + fit_to_terminal(f"vcc: {bar}{one_line(self._text)}", self.io.stderr))
        self.io.stderr.flush()
        self._shown = True

    def note(self, message: str) -> None:
        with self._lock:
            shown = self._shown
            self.clear()
            self.io.note(message)
            if shown:
                self._draw()

    def clear(self) -> None:
        with self._lock:
            if self._shown:
                self.io.stderr.write("\r\x1b[K")
                self.io.stderr.flush()
                self._shown = False
