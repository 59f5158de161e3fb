"""``vcc call -o FILE``: writing a body to disk so that a file under the target
name is always complete.

The bytes go to a hidden temporary file beside the target
(``.NAME.XXXXXX.part``), which is renamed over the target only once everything
arrived. It is not fsynced: the promise is about vcc being interrupted (Ctrl-C, a
dropped connection), which the rename covers; surviving a power cut is the file
system's job, as for curl and wget, and an fsync of a large recording costs as much
as receiving it. Any failure on the way (a broken connection, a
full disk, Ctrl-C) removes the temporary file and leaves an older target as it
was. Memory stays constant: one chunk at a time.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from vcc_cli.errors import UsageError


def _temporary_beside(target: Path) -> tuple[int, str]:
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise UsageError(f"-o {target} is a directory", "give a file name, e.g. -o call.wav")
    try:
        return tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write to {directory}: {exc.strerror}", "choose another -o path") from exc


def save(chunks: Iterable[bytes], target: Path, on_chunk: Callable[[int], None] | None = None) -> int:
    """Write ``chunks`` to ``target`` atomically; returns the number of bytes written.
    ``on_chunk(n)`` is called after each chunk of ``n`` bytes (for a progress bar)."""
    if _is_special(target):
        return _write_in_place(chunks, target, on_chunk)
    fd, tmp = _temporary_beside(target)
    written = 0
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            for chunk in chunks:
                fh.write(chunk)
                written += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give what a new file would get
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not _from_network(exc):
            raise UsageError(
                f"cannot write {target}: {exc.strerror or exc}", "check the disk space and the -o path"
            ) from exc
        raise
    return written


def _is_special(target: Path) -> bool:
    """A device, FIFO or socket (/dev/null, a named pipe): written to, never replaced."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_in_place(chunks: Iterable[bytes], target: Path, on_chunk: Callable[[int], None] | None) -> int:
    written = 0
    try:
        with open(target, "wb", buffering=0) as fh:
            for chunk in chunks:
                fh.write(chunk)
                written += len(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
    except OSError as exc:
        if _from_network(exc):
            raise
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}", "check the -o path") from exc
    return written


def _from_network(exc: OSError) -> bool:
    # requests' exceptions derive from OSError (IOError); they are worded elsewhere.
    return type(exc).__module__.startswith(("requests", "urllib3"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
