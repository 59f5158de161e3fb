"""``vcc call -o FILE``: writing a body to disk so that a file under the target
name is always complete.

The bytes go to a hidden temporary file beside the target
(``.NAME.XXXXXX.part``), which is renamed over the target only once everything
arrived. It is not fsynced: the promise is about vcc being interrupted (Ctrl-C, a
signal, a dropped connection), which the rename covers; surviving a power cut is the
file system's job, as for curl and wget, and an fsync of a large recording costs as
much as receiving it. Any failure on the way (a broken connection, a full disk,
Ctrl-C, SIGTERM) removes the temporary file and leaves an older target as it was.
Memory stays constant: one chunk at a time.

What cannot be replaced is written in place, as curl does: a device, FIFO or
socket (``/dev/null``, a named pipe), and any name that leads through a symbolic
link in or into ``/dev`` or ``/proc`` (``/dev/stdout``: replacing that link would
lose the output and break the machine's ``/dev``). vcc's own descriptors
(``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``) are written through the open
descriptor, so ``>> log`` appends. Such a target is opened only once there is
something to write, never blocking: a FIFO waits for its reader a limited time.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from vcc_cli.errors import UsageError

#: How long, in seconds, a FIFO given as -o waits for a reader (SPEC's default read timeout).
READER_WAIT = 60.0
#: Where names are not files to replace: devices, and the kernel's view of processes.
_SYSTEM_DIRS = ("/dev", "/proc", "/sys")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def save(
    chunks: Iterable[bytes],
    target: Path,
    on_chunk: Callable[[int], None] | None = None,
    *,
    reader_wait: float = READER_WAIT,
) -> int:
    """Write ``chunks`` to ``target`` atomically; returns the number of bytes written.
    ``on_chunk(n)`` is called after each chunk of ``n`` bytes (for a progress bar).
    A target written in place (see the module) that is a FIFO waits at most
    ``reader_wait`` seconds for a reader."""
    place = in_place(target)
    if place is not None:
        return _write_in_place(chunks, target, place, on_chunk, reader_wait)
    if target.is_dir():
        raise UsageError(f"-o {target} is a directory", "give a file name, e.g. -o call.wav")
    directory = target.parent if str(target.parent) else Path(".")
    # The name first, then the file: whatever interrupts (a signal between two
    # statements included), the cleanup below knows what to remove.
    tmp = directory / f".{target.name}.{os.urandom(8).hex()}.part"
    written = 0
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600)
        except OSError as exc:
            raise UsageError(f"cannot write to {directory}: {exc.strerror}", "choose another -o path") from exc
        with os.fdopen(fd, "wb", buffering=0) as fh:
            for chunk in chunks:
                _write_all(fh.fileno(), chunk)
                written += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
        os.chmod(tmp, 0o666 & ~_umask())  # created 0600 while incomplete; give what a new file would get
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not _from_network(exc):
            raise UsageError(
                f"cannot write {target}: {exc.strerror or exc}", "check the disk space and the -o path"
            ) from exc
        raise
    return written


def in_place(target: Path) -> str | int | None:
    """How ``target`` is written when it must not be replaced: the path to open, or
    the number of a descriptor of this process it names; None for an ordinary file
    (missing, or regular), which is replaced atomically."""
    path = os.path.abspath(target)
    through_system = False
    for _ in range(40):  # the kernel's limit of links followed
        location = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        descriptor = _own_descriptor(location)
        if descriptor is not None:
            return descriptor
        try:
            st = os.lstat(location)
        except OSError:
            break  # a new file, or an error the open reports
        if not stat.S_ISLNK(st.st_mode):
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)) or _under(location, _SYSTEM_DIRS[1:]):
                return os.path.abspath(target)  # a device, FIFO or socket; a file of /proc or /sys
            return None  # a regular file, wherever a link put it (/dev/shm): complete or absent, as any
        try:
            link = os.readlink(location)
        except OSError:
            break
        path = os.path.normpath(os.path.join(os.path.dirname(location), link))
        through_system = through_system or _under(location, _SYSTEM_DIRS) or _under(path, _SYSTEM_DIRS)
    return os.path.abspath(target) if through_system else None


def _under(path: str, directories: tuple[str, ...]) -> bool:
    return any(path == d or path.startswith(d + "/") for d in directories)


def _own_descriptor(location: str) -> int | None:
    """N when ``location`` (its directory resolved) is /proc/<this process>/fd/N."""
    head, _, name = location.rpartition("/")
    if head == f"/proc/{os.getpid()}/fd" and name.isdigit():
        return int(name)
    return None


def _write_in_place(
    chunks: Iterable[bytes],
    target: Path,
    place: str | int,
    on_chunk: Callable[[int], None] | None,
    reader_wait: float,
) -> int:
    written = 0
    fd = None
    try:
        for chunk in chunks:
            if fd is None:  # only now: a FIFO's reader is not waited for before there are bytes
                fd = _open_in_place(target, place, reader_wait)
            _write_all(fd, chunk)
            written += len(chunk)
            if on_chunk is not None:
                on_chunk(len(chunk))
        if fd is None:  # an empty body: the reader still sees its end, a file is still made empty
            fd = _open_in_place(target, place, reader_wait)
    except OSError as exc:
        if _from_network(exc) or isinstance(exc, BrokenPipeError):  # a reader that went away: as for stdout
            raise
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}", "check the -o path") from exc
    finally:
        if fd is not None:
            os.close(fd)
    return written


def _open_in_place(target: Path, place: str | int, reader_wait: float) -> int:
    """A blocking descriptor for writing to ``place``. Opened non-blocking, so that
    neither a FIFO without a reader nor a device can hang vcc; a FIFO is tried again
    until a reader comes, at most ``reader_wait`` seconds."""
    if isinstance(place, int):
        return os.dup(place)
    try:
        st = os.stat(place)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISSOCK(st.st_mode):
        raise UsageError(f"-o {target} is a socket: vcc cannot write to it", "give a file name, e.g. -o call.wav")
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"-o {target} is a directory", "give a file name, e.g. -o call.wav")
    fifo = st is not None and stat.S_ISFIFO(st.st_mode)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | _CLOEXEC | (0 if fifo else os.O_TRUNC)
    deadline = time.monotonic() + reader_wait
    while True:
        try:
            fd = os.open(place, flags, 0o666)
            break
        except OSError as exc:  # ENXIO: a FIFO nobody reads yet
            if not (fifo and exc.errno == errno.ENXIO):
                raise
            if time.monotonic() >= deadline:
                raise UsageError(
                    f"-o {target}: nothing opened the FIFO for reading within {reader_wait:g} s",
                    f"start its reader first (e.g. `cat {target} &`), or give a file name",
                ) from None
            time.sleep(0.05)
    os.set_blocking(fd, True)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _from_network(exc: OSError) -> bool:
    # requests' exceptions derive from OSError (IOError); they are worded elsewhere.
    return type(exc).__module__.startswith(("requests", "urllib3"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
