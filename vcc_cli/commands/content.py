"""``vcc content download`` and ``vcc content delete`` (SPEC section 4): bulk work on the
Interaction Content API. These join the stages: what to work on (a search range or a
GUIDs file), the token machinery (``caller.py``) behind a shared rate limiter, the
work itself (``bulk.py``), and what a person sees (``output.py``)."""

from __future__ import annotations

from vcc_cli.cli.table import Options
from vcc_cli.errors import ExitCode, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from vcc_cli.bulk import ContentApi, Tally
    from vcc_cli.output import IO, ProgressLine
    from vcc_cli.resolve import Invocation
    from vcc_cli.runtime import Runtime

RETRIES = 3  # VCC's samples retry 429 and 5xx 3 times


class DownloadOptions(Options):
    start: str | None
    end: str | None
    guids: str | None  # a file of GUIDs, or "-" for stdin
    directory: str | None
    content: list[str]
    concurrency: int
    rate: float  # requests a minute
    retries: int
    profile: str | None
    region: str | None
    timeout: float | None


class DeleteOptions(Options):
    start: str | None
    end: str | None
    guids: str | None
    yes: bool
    dry_run: bool
    batch_size: int
    rate: float
    retries: int
    profile: str | None
    region: str | None
    timeout: float | None


# --------------------------------------------------------------------------- shared


def _selection(opts: DownloadOptions | DeleteOptions, io: IO) -> list[str] | None:
    """The GUIDs of ``--guids`` (None for a ``--start``/``--end`` search, whose times are
    checked here); usage errors before anything is sent."""
    from vcc_cli import windows

    ranged = opts.start is not None or opts.end is not None
    if opts.guids is not None and ranged:
        raise UsageError("--guids and --start/--end do not go together", "give a time range or a GUIDs file")
    if opts.guids is None:
        if opts.start is None or opts.end is None:
            missing = "--start" if opts.start is None else "--end"
            raise UsageError(
                f"{missing} is missing: give --start and --end, or --guids FILE",
                "e.g. --start 2024-06-01T00:00:00Z --end 2024-06-02T00:00:00Z",
            )
        if windows.parse_time(opts.end, "--end") <= windows.parse_time(opts.start, "--start"):
            raise UsageError(f"--end {opts.end} is not after --start {opts.start}", "give a later --end")
        return None
    return _read_guids_file(opts.guids, io)


def _read_guids_file(name: str, io: IO) -> list[str]:
    from vcc_cli.bulk import read_guids

    if name == "-":
        return read_guids(io.stdin, "stdin")
    try:
        with open(name, encoding="utf-8", errors="surrogateescape") as fh:
            return read_guids(fh, name)
    except OSError as exc:
        raise UsageError(f"cannot read --guids {name}: {exc.strerror}", "give a file with one GUID a line") from None


def _waiter(rt: Runtime, stop: threading.Event) -> Callable[[float], None]:
    """How bulk work waits: on ``stop`` (so a waiting worker ends at once on Ctrl-C or
    SIGTERM), unless a test replaced the runtime's sleep."""
    import time

    if rt.sleep is not time.sleep:
        return rt.sleep

    def wait(seconds: float) -> None:
        stop.wait(seconds)

    return wait


def _content_api(
    rt: Runtime,
    inv: Invocation,
    method: str,
    path: str,
    *,
    rate: float,
    retries: int,
    stop: threading.Event,
    progress: ProgressLine,
    connections: int = 1,
) -> ContentApi:
    """A ContentApi for ``method path``'s scope, its requests paced at ``rate`` a minute."""
    import time

    from vcc_cli import bulk, catalog, resolve
    from vcc_cli.caller import Caller

    scopes, alternatives = resolve.call_scopes(
        method, path, (), lambda: inv.profile_scopes, rt.env.get("VCC_SCOPE", "").split()
    )
    creds = resolve.credentials(inv)
    source = resolve.token_source(inv, creds) if creds.token is None else None
    wait = _waiter(rt, stop)
    limiter = bulk.RateLimiter(rate, clock=time.monotonic, sleep=wait)
    session = rt.session
    _size_pool(session, connections)
    caller = Caller(
        catalog.accept_header(method, path),
        bulk.PacedSession(session, limiter, stop, retries=retries, notify=progress.note),
        inv.timeout,
        bulk.BulkRetry(retries=retries, sleep=wait, clock=rt.clock),
        progress.note,
        tokens=source,
        env_token=creds.token,
    )
    return bulk.ContentApi(caller, inv.target.api_url, scopes, alternatives)


def _size_pool(session: object, connections: int) -> None:
    """Room in the session's connection pool for every worker (requests keeps 10 a
    host; one more is dropped with a warning on stderr)."""
    if connections <= 10 or not hasattr(session, "mount"):
        return
    from requests.adapters import HTTPAdapter

    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(pool_maxsize=connections))


def size_text(count: int) -> str:
    """Bytes for people: ``512 B``, ``3.4 MB`` (powers of 1000, as download tools show them)."""
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover


def _plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else many or word + 's'}"


# --------------------------------------------------------------------------- download


def _download_line(tally: Tally, seconds: float) -> str:
    parts = [f"{_plural(tally.downloaded, 'file')} downloaded ({size_text(tally.bytes)})"]
    if tally.skipped:
        parts.append(f"{tally.skipped:,} already complete")
    if tally.failed:
        parts.append(f"{tally.failed:,} failed")
    return ", ".join(parts) + f"; {_plural(tally.interactions, 'interaction')} in {seconds:.1f} s"


def _progress_line(tally: Tally, seconds: float) -> str:
    """What the bar says beside it: files, bytes so far, failures, time."""
    parts = [f"{tally.files_done:,}/{tally.matched:,} files", size_text(tally.received)]
    if tally.failed:
        parts.append(f"{tally.failed:,} failed")
    return ", ".join(parts) + f", {seconds:.0f} s"


def run_download(opts: DownloadOptions, rt: Runtime) -> int:
    import os
    import threading
    from pathlib import Path

    from vcc_cli import bulk, resolve
    from vcc_cli.output import ProgressLine

    io = rt.io
    if opts.directory is None:
        raise UsageError("--dir is missing: say where the files go", "e.g. --dir recordings (created if missing)")
    guids = _selection(opts, io)
    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    directory = Path(opts.directory)
    stop = threading.Event()
    progress = ProgressLine(io)
    api = _content_api(
        rt,
        inv,
        "GET",
        bulk.SEARCH_PATH,
        rate=opts.rate,
        retries=opts.retries,
        stop=stop,
        progress=progress,
        connections=opts.concurrency + 1,
    )
    locked = bulk.lock_directory(directory)
    try:
        stale = bulk.remove_stale_parts(directory)
        if stale:
            progress.note(f"removed {_plural(stale, 'incomplete file')} an interrupted run left in {directory}")
        downloader = bulk.Downloader(
            api,
            directory,
            stop,
            keys=opts.content,
            concurrency=opts.concurrency,
            retries=opts.retries,
            wait=_waiter(rt, stop),
            on_progress=lambda tally: progress.update(
                _progress_line(tally, progress.elapsed()), done=tally.files_done, total=tally.matched
            ),
        )
        if guids is not None:
            tasks: object = guids
        else:
            assert opts.start is not None and opts.end is not None
            pages = api.search(opts.start, opts.end, now=rt.clock())
            tasks = (item for page in pages for item in page)
        try:
            tally = downloader.run(tasks)  # type: ignore[arg-type]
        finally:
            stop.set()
            progress.clear()
        written = bulk.write_failures(directory, tally.failures)
    finally:
        if locked is not None:
            os.close(locked)
    line = _download_line(tally, progress.elapsed())
    if written is not None:
        line += f"; the failures are listed in {written}"
    io.note(line)
    if opts.content and tally.interactions and not tally.matched:
        io.note(
            f"no interaction had content {' or '.join(map(repr, opts.content))}: "
            "check --content (VCC's keys include callRecording and transcript)"
        )
    return int(ExitCode.API_ERROR) if tally.failures else 0


# --------------------------------------------------------------------------- delete


def run_delete(opts: DeleteOptions, rt: Runtime) -> int:
    import json
    import threading

    from vcc_cli import bulk, resolve
    from vcc_cli.output import ProgressLine, one_line

    io = rt.io
    guids = _selection(opts, io)
    if not (opts.yes or opts.dry_run or io.stdin_tty):
        raise UsageError(
            "vcc content delete asks before deleting, and stdin is not a terminal",
            "pass --yes to delete without asking, or --dry-run to list what would be deleted",
        )
    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    stop = threading.Event()
    progress = ProgressLine(io)
    try:
        if guids is None:
            assert opts.start is not None and opts.end is not None
            search = _content_api(
                rt,
                inv,
                "GET",
                bulk.SEARCH_PATH,
                rate=bulk.DOWNLOAD_RATE,
                retries=opts.retries,
                stop=stop,
                progress=progress,
            )
            found: dict[str, None] = {}
            for page in search.search(opts.start, opts.end, now=rt.clock()):
                for item in page:
                    guid = item.get("guid") if isinstance(item, dict) else None
                    if isinstance(guid, str) and bulk.is_guid(guid):
                        found.setdefault(guid)
                progress.update(f"{_plural(len(found), 'interaction')} found")
            progress.clear()
            guids = list(found)
        if opts.dry_run:
            for guid in guids:
                io.write_line(guid)
            io.note(f"--dry-run: {_plural(len(guids), 'interaction')} would be deleted with all their content")
            return 0
        if not guids:
            io.note("nothing to delete: no interactions" + (" in that range" if opts.guids is None else ""))
            return 0
        where = inv.target
        if not opts.yes:
            answer = io.prompt(
                f"Delete {_plural(len(guids), 'interaction')} and all their content from {one_line(where.api_url)} "
                f"(region {where.region})? Type yes to go on",
                default="no",
            )
            if answer.strip().lower() not in ("y", "yes"):
                io.note("nothing was deleted")
                return int(ExitCode.USAGE)  # cancelled, as gh's prompts answer a "no"
        delete = _content_api(
            rt,
            inv,
            "POST",
            bulk.DELETE_PATH,
            rate=opts.rate,
            retries=opts.retries,
            stop=stop,
            progress=progress,
        )
        printed = 0

        def on_batch(done: bulk.Deleted) -> None:
            nonlocal printed
            progress.clear()
            for failure in done.failures[printed:]:  # as each batch answers: an interrupted run still lists them
                io.write_line(json.dumps(failure.as_json()))
            printed = len(done.failures)
            progress.update(
                f"{done.sent:,} of {len(guids):,} sent in {_plural(done.batches, 'batch', 'batches')}, "
                f"{len(done.failures):,} failed",
                force=True,
            )

        done = bulk.delete_in_batches(delete, guids, batch_size=opts.batch_size, on_batch=on_batch)
    finally:
        stop.set()
        progress.clear()
    line = (
        f"deleted {done.deleted:,} of {_plural(len(guids), 'interaction')} in {_plural(done.batches, 'batch', 'batches')}"
        f" ({progress.elapsed():.1f} s)"
    )
    if done.failures:
        line += f"; {len(done.failures):,} failed (listed on stdout, one JSON object a line)"
    io.note(line)
    return int(ExitCode.API_ERROR) if done.failures else 0
