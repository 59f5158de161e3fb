"""Bulk work on the Interaction Content API (SPEC section 4, ``vcc content download``
and ``vcc content delete``): a rate limiter shared by every request, workers that
download content files complete-or-absent, resume, the failures file, and deletion in
batches. Typer-free, and it prints nothing: the commands hand what it reports to
``output.py``.

VCC's facts it follows (``shared/reference/vcc-api-facts.md``), DV =
https://docs-vcc.atlassian.net/wiki/spaces/VCCA/pages/:

- the search ``GET /interaction-content/interactions`` takes ``start`` and ``end`` at
  most 7 days apart and ``limit`` up to 1000, paged by continuation tokens (DV 3567223389);
- an item lists its ``content[{contentKey, contentType, contentLength, …}]``; each file is
  ``…/interactions/{guid}/content/{contentKey}`` (audio/wav, video/webm, JSON);
- ``POST …/interactions/delete-batch {"guids": […]}`` answers ``{"failures": [{guid,
  message, statusCode}]}``; interactions that do not exist count as deleted, and
  concurrent deletions get 429 (the catalog's source for it: NV 3567190610);
- fair usage: 429, one limit shared by every API of the account, no documented
  ``Retry-After``. VCC's own samples pace themselves at 160 requests a minute for
  downloads and 16 for deletes, in batches of 1000 GUIDs, and retry 429 and 5xx 3 times
  with exponential backoff (github.com/newvoicemedia/vcc-node-code-snippets:
  ``interaction-content-download/client.js``, ``interaction-content-delete/client.js``
  and ``app.js``).

Threads: the workers share one ``Caller`` (thread-safe) and one requests session
(its pool sized for them). Signals reach the main thread only (``signals.py``); when it
unwinds (Ctrl-C, SIGTERM) or a worker meets an error that ends the run, ``stop`` is set:
every wait in here is a wait on it, every request and every chunk of a body checks it,
so workers end within a chunk, removing their temporary file on the way out
(``download.save``), and the main thread waits for them before it exits.
"""

from __future__ import annotations

import json
import mimetypes
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vcc_cli.errors import ApiError, NetworkError, UsageError
from vcc_cli.http import RetryPolicy

SEARCH_PATH = "/interaction-content/interactions"
ITEM_PATH = "/interaction-content/interactions/{guid}"
CONTENT_PATH = "/interaction-content/interactions/{guid}/content/{key}"
DELETE_PATH = "/interaction-content/interactions/delete-batch"

#: Requests a minute: VCC's samples' figures (see the module docstring).
DOWNLOAD_RATE = 160.0
DELETE_RATE = 16.0
#: GUIDs per delete-batch: VCC's delete sample sends 1000 (``app.js``: batchSize), the
#: most the emulator takes; VCC documents no limit.
BATCH_SIZE = 1000
#: Items per search page: the documented maximum (DV 3567223389), fewest requests.
SEARCH_LIMIT = 1000
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16
FAILURES_FILE = "failures.ndjson"

#: contentType → file extension, for the types VCC documents; others go by mimetypes.
EXTENSIONS = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "video/webm": "webm",
    "application/json": "json",
}
_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: A temporary file ``download.save`` makes: ``.NAME.<16 hex>.part``.
_PART = re.compile(r"^\..+\.[0-9a-f]{16}\.part$")


class Stopped(Exception):
    """The run is ending (Ctrl-C, a signal, an error that ends it): whatever a worker
    was doing is given up, its temporary file removed."""


# --------------------------------------------------------------------------- pacing


class RateLimiter:
    """Requests paced at ``per_minute``, shared by every thread: evenly spaced, one
    every 60/``per_minute`` seconds (a token bucket holding one token), so that no
    60-second window sees more than ``per_minute`` + 1 of them, as a per-minute fair-usage
    limit counts. ``slow_down()`` (after a 429) halves the pace, again for each further
    429 at least ``DEBOUNCE`` seconds later (several workers hit by the same limit halve
    it once), down to 1 a minute; ``slow_for`` seconds without a 429 restore it.

    ``clock`` is monotonic seconds; ``sleep(seconds)`` waits (the bulk commands pass a
    wait on their stop event, so a waiting worker stops at once)."""

    DEBOUNCE = 2.0

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        slow_for: float = 60.0,
    ):
        if not per_minute > 0:
            raise ValueError("per_minute must be > 0")
        self.base = float(per_minute)
        self.clock = clock
        self.sleep = sleep
        self.slow_for = slow_for
        self.slowdowns = 0  # how many times a 429 lowered the pace
        self._factor = 1.0
        self._slow_until = float("-inf")
        self._last_slow = float("-inf")
        self._next: float | None = None
        self._lock = threading.Lock()

    def per_minute(self, now: float | None = None) -> float:
        """The pace in force at ``now``: the base, or lower after recent 429s."""
        now = self.clock() if now is None else now
        if now >= self._slow_until:
            self._factor = 1.0
        return self.base / self._factor

    def reserve(self) -> float:
        """Take the next slot; the seconds to wait before using it (0 when it is now)."""
        with self._lock:
            now = self.clock()
            start = now if self._next is None else max(now, self._next)
            self._next = start + 60.0 / self.per_minute(now)
            return start - now

    def acquire(self) -> None:
        """Wait for the next slot."""
        wait = self.reserve()
        if wait > 0:
            self.sleep(wait)

    def slow_down(self) -> None:
        """A 429 came: halve the pace for ``slow_for`` seconds (see the class)."""
        with self._lock:
            now = self.clock()
            current = self.per_minute(now)
            if now - self._last_slow >= self.DEBOUNCE and current > 1.0:
                self._factor = min(self._factor * 2, self.base)
                self.slowdowns += 1
                self._last_slow = now
            self._slow_until = now + self.slow_for
            # the slot already handed out was at the old pace: the next one waits the new interval
            self._next = max(self._next or now, now + 60.0 / self.per_minute(now))


class PacedSession:
    """A requests session whose every request waits for the rate limiter first; once
    ``stop`` is set, a request is ``Stopped`` instead of sent. A 429 (fair usage) lowers
    the limiter's pace and is tried again here, up to ``retries`` times, after
    ``Retry-After`` or else VCC's samples' backoff (10 s, doubling, with jitter, at most
    ``MAX_WAIT``): a per-minute limit needs a client to hold back for tens of seconds,
    longer than the Caller's short retries (which still follow, for 5xx). ``notify``
    says what happens. Everything else is the wrapped session's."""

    BASE = 10.0  # seconds: VCC's samples' retryDelay, 10000 ms, exponential
    MAX_WAIT = 60.0

    def __init__(
        self,
        session: Any,
        limiter: RateLimiter,
        stop: threading.Event,
        *,
        retries: int = 3,
        notify: Callable[[str], None] = lambda message: None,
        rand: Callable[[], float] | None = None,
    ):
        import random

        self.session = session
        self.limiter = limiter
        self.stop = stop
        self.retries = retries
        self.notify = notify
        self.rand = rand or random.random

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        from vcc_cli.http import parse_retry_after

        attempt = 0
        while True:
            if self.stop.is_set():
                raise Stopped
            self.limiter.acquire()
            if self.stop.is_set():
                raise Stopped
            response = self.session.request(method, url, **kwargs)
            if response.status_code != 429:
                return response
            self.limiter.slow_down()
            if attempt >= self.retries:
                return response  # the Caller words it (and may try once more itself)
            attempt += 1
            given = response.headers.get("Retry-After")
            wait = parse_retry_after(given, time.time()) if given else None
            if wait is None:
                step = min(self.MAX_WAIT, self.BASE * 2 ** (attempt - 1))
                wait = step / 2 + self.rand() * step / 2
            wait = max(0.0, min(wait, self.MAX_WAIT))
            response.close()
            self.notify(
                f"HTTP 429 (fair usage): pace lowered to {self.limiter.per_minute():g} requests a minute; "
                f"retry {attempt}/{self.retries} in {wait:.1f} s"
            )
            self.limiter.sleep(wait)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


class BulkRetry(RetryPolicy):
    """VCC's samples' retries of 5xx answers, for the search, the downloads and
    delete-batch alike (429s were tried again by ``PacedSession`` already). delete-batch
    is a POST, but deleting again what is gone counts as a success (vcc-api-facts), so
    repeating it is safe."""

    def should_retry(self, method: str, status: int) -> bool:
        return 500 <= status <= 599


def parse_rate(text: str) -> float:
    """``160``, ``160/min``, ``2.5/s`` → requests a minute (> 0); ValueError otherwise."""
    value, _, unit = text.strip().partition("/")
    unit = unit.strip().lower()
    scale = {"": 1.0, "m": 1.0, "min": 1.0, "minute": 1.0, "s": 60.0, "sec": 60.0, "second": 60.0}.get(unit)
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if scale is None or not (0 < number < float("inf")):
        raise ValueError(f"{text!r} is not a rate; write requests a minute, e.g. 160 or 160/min")
    return number * scale


# --------------------------------------------------------------------------- what to fetch


def extension(content_type: str | None) -> str:
    """The file extension for a ``contentType``: wav, webm, json for VCC's documented
    types, else what ``mimetypes`` knows, else ``bin``."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media in EXTENSIONS:
        return EXTENSIONS[media]
    guessed = mimetypes.guess_extension(media) if media else None
    return guessed.lstrip(".") if guessed else "bin"


def is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return len(text) in (32, 36, 38)  # hex, hyphenated, braced: not urn: forms


@dataclass(frozen=True)
class ContentFile:
    """One content file of an interaction, and the name it is saved under."""

    guid: str
    key: str
    content_type: str | None
    length: int | None  # contentLength, bytes; None when the item does not say

    @property
    def name(self) -> str:
        return f"{self.guid}_{self.key}.{extension(self.content_type)}"


@dataclass
class Failure:
    """What could not be done, one line of the failures file (or of delete's stdout)."""

    guid: str
    content_key: str | None
    status: int | None  # the HTTP status, None for a network error or a refused entry
    message: str
    file: str | None = None

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"guid": self.guid}
        if self.content_key is not None:
            shown["contentKey"] = self.content_key
        if self.file is not None:
            shown["file"] = self.file
        shown.update(status=self.status, message=self.message)
        return shown


def content_files(item: object, keys: Sequence[str] = ()) -> tuple[list[ContentFile], list[Failure]]:
    """The content files of a search or lookup item (only ``keys`` when given, in any
    case), and entries that cannot be saved safely: a GUID or contentKey that is not one
    would name a file outside the directory (``../``), so it is refused, not used."""
    if not isinstance(item, dict):
        return [], [Failure(str(item)[:80], None, None, "the search answered an item that is not an object")]
    guid = item.get("guid")
    if not isinstance(guid, str) or not is_guid(guid):
        return [], [Failure(str(guid)[:80], None, None, "the item's guid is not a GUID: not saved")]
    wanted = {k.lower() for k in keys}
    files, refused = [], []
    content = item.get("content")
    for entry in content if isinstance(content, list) else ():
        key = entry.get("contentKey") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not _SAFE_KEY.match(key):
            refused.append(Failure(guid, str(key)[:80], None, "the contentKey is not a plain name: not saved"))
            continue
        if wanted and key.lower() not in wanted:
            continue
        ctype = entry.get("contentType")
        length = entry.get("contentLength")
        files.append(
            ContentFile(
                guid,
                key,
                ctype if isinstance(ctype, str) else None,
                length if isinstance(length, int) and not isinstance(length, bool) and length >= 0 else None,
            )
        )
    return files, refused


def read_guids(lines: Iterable[str], source: str) -> list[str]:
    """The GUIDs of a ``--guids`` file: one a line; blank lines and ``#`` comments are
    skipped; a line that is a JSON object with a ``guid`` (a failures file) gives that
    GUID. Each GUID once, in order. Anything else is a usage error naming the line."""
    found: dict[str, str] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        text = line
        if line.startswith("{"):
            try:
                document = json.loads(line)
            except ValueError:
                document = None
            text = document.get("guid") if isinstance(document, dict) else None  # type: ignore[assignment]
        if not isinstance(text, str) or not is_guid(text):
            from vcc_cli.output import one_line

            raise UsageError(
                f"{source} line {number}: {one_line(line[:80])!r} is not an interaction GUID",
                "write one GUID a line; blank lines and lines starting with # are skipped",
            )
        found.setdefault(str(uuid.UUID(text)), text)
    return list(found.values())


# --------------------------------------------------------------------------- the API


class ContentApi:
    """The Interaction Content API's requests, sent through ``caller`` (a ``Caller``)
    with ``scopes``; ``api_url`` is the API base URL."""

    def __init__(self, caller: Any, api_url: str, scopes: tuple[str, ...], alternatives: tuple[str, ...] = ()):
        self.caller = caller
        self.api_url = api_url.rstrip("/")
        self.scopes = scopes
        self.alternatives = alternatives

    def request(self, method: str, path: str, params: Sequence[tuple[str, str]] = (), body: bytes | None = None):
        from vcc_cli.request import CallRequest

        return CallRequest(method, self.api_url + path, path, list(params), {}, body, self.scopes, self.alternatives)

    def json(self, req, label: str | None = None) -> object:
        """The parsed JSON answer to ``req``; an answer >= 400 raises its ApiError."""
        from vcc_cli.caller import json_answer

        return json_answer(self.caller, req, label)

    def search(self, start: str, end: str, *, now: float) -> Iterator[list]:
        """The items of the search ``start``..``end``, a page at a time, in 7-day
        windows when the range is wider (``windows.py``), following continuation tokens
        (``pagination.Walk``)."""
        from vcc_cli import pagination

        base = self.request("GET", SEARCH_PATH, [("start", start), ("end", end), ("limit", str(SEARCH_LIMIT))])
        walk = pagination.walk(base, self.json, now=now, who="the content search")
        if not walk.paged:
            raise NetworkError(
                f"GET {SEARCH_PATH}: the answer is not a page of interactions (items and meta.nextContinuationToken)",
                "check the API URL and region",
            )
        yield from walk

    def item(self, guid: str) -> object:
        return self.json(self.request("GET", ITEM_PATH.format(guid=guid)))

    def open_content(self, file: ContentFile):
        """(request, Sent) for the file's body, streaming."""
        req = self.request("GET", CONTENT_PATH.format(guid=file.guid, key=file.key))
        return req, self.caller.send(req)

    def delete_batch(self, guids: Sequence[str]) -> object:
        body = json.dumps({"guids": list(guids)}).encode()
        return self.json(self.request("POST", DELETE_PATH, body=body))


# --------------------------------------------------------------------------- download


@dataclass
class Tally:
    """How far a download got; updated by the workers under ``lock``."""

    downloaded: int = 0
    skipped: int = 0
    interactions: int = 0
    bytes: int = 0
    matched: int = 0  # content files of the interactions that --content kept
    received: int = 0  # bytes arrived so far, files in flight included (for the progress bar)
    failures: list[Failure] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def files_done(self) -> int:
        """Files dealt with: downloaded, complete already, or failed."""
        return self.downloaded + self.skipped + sum(1 for f in self.failures if f.file is not None)


def lock_directory(directory: Path) -> int | None:
    """Create ``directory`` if needed and hold an exclusive lock on it for this run
    (``flock`` on the directory itself: no lock file left behind); the descriptor,
    to close when done, or None where there is no flock. Another vcc downloading into
    it is a usage error: two runs would race for the same files."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(
            f"--dir {directory} is not a directory", "give a directory (it is created if missing)"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot create --dir {directory}: {exc.strerror}", "give a directory you can write") from None
    if not directory.is_dir():
        raise UsageError(f"--dir {directory} is not a directory", "give a directory (it is created if missing)")
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise UsageError(
            f"another vcc content download is writing to {directory}", "wait for it to end, or give another --dir"
        ) from None
    return fd


def remove_stale_parts(directory: Path) -> int:
    """Remove the temporary files a killed run left (``.NAME.<hex>.part``, as
    ``download.save`` names them); how many. Called under ``lock_directory``'s lock,
    so no running vcc is writing them."""
    removed = 0
    for entry in os.scandir(directory):
        if _PART.match(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def is_complete(target: Path, file: ContentFile) -> bool:
    """Whether ``target`` holds the whole file already: a regular file whose size is the
    item's contentLength (any size when the item gives none: files only ever appear
    complete, by rename)."""
    try:
        st = target.lstat()
    except OSError:
        return False
    import stat

    return stat.S_ISREG(st.st_mode) and (file.length is None or st.st_size == file.length)


class Downloader:
    """Downloads the content files of interactions into ``directory`` with
    ``concurrency`` workers. Tasks are search items (dicts) or GUIDs (looked up first).

    ``keys``: the contentKeys wanted (all when empty). ``retries``: how many more times a
    file whose body broke off is tried (the Caller already retries 429 and 5xx answers).
    ``backoff(attempt)`` is the wait before retry ``attempt``, waited with ``wait(seconds)``
    (by default on ``stop``). ``on_progress(tally)`` is called from the workers after each file."""

    #: seconds the main thread waits for workers to stop before it removes their files itself
    JOIN_DEADLINE = 5.0

    def __init__(
        self,
        api: ContentApi,
        directory: Path,
        stop: threading.Event,
        *,
        keys: Sequence[str] = (),
        concurrency: int = DEFAULT_CONCURRENCY,
        retries: int = 3,
        backoff: Callable[[int], float] = lambda attempt: min(30.0, 0.5 * 2 ** (attempt - 1)),
        wait: Callable[[float], object] | None = None,
        on_progress: Callable[[Tally], None] | None = None,
    ):
        self.api = api
        self.directory = directory
        self.stop = stop
        self.keys = tuple(keys)
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.backoff = backoff
        self.wait = wait or stop.wait
        self.on_progress = on_progress
        self.tally = Tally()
        self.fatal: BaseException | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=2 * self.concurrency)
        self._in_flight: dict[str, Any] = {}  # file name -> its response, while its body is read
        self._flight_lock = threading.Lock()

    # -- the main thread

    def run(self, tasks: Iterable[object]) -> Tally:
        """Download every task's files; returns the tally. An error that ends the run
        (authentication, a full disk, a failed search page) is raised once every worker
        has stopped; so is Ctrl-C or a signal in the main thread."""
        threads = [
            threading.Thread(target=self._worker, name=f"vcc-download-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        try:
            for task in tasks:
                if not self._put(task):
                    break
            for _ in threads:
                if not self._put(None):
                    break
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.1)
                    self._progress()
        except BaseException:
            self.stop.set()
            self._wait_for(threads)
            raise
        if self.fatal is not None:
            self._wait_for(threads)
            raise self.fatal
        return self.tally

    def _put(self, task: object) -> bool:
        while not self.stop.is_set():
            try:
                self._queue.put(task, timeout=0.1)
                return True
            except queue.Full:
                self._progress()  # the elapsed time and bytes move while the workers are busy
                continue
        return False

    def _wait_for(self, threads: list[threading.Thread]) -> None:
        """Let the workers stop (each within a chunk); then remove the temporary files
        of any still stuck (a stalled read), so that only complete files remain."""
        with self._flight_lock:
            reading = list(self._in_flight.values())
        for response in reading:
            _abort(response)
        deadline = time.monotonic() + self.JOIN_DEADLINE
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._flight_lock:
            names = list(self._in_flight)
        for name in names:
            for entry in os.scandir(self.directory):
                if entry.name.startswith(f".{name}.") and _PART.match(entry.name):
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        pass

    # -- the workers

    def _worker(self) -> None:
        while not self.stop.is_set():
            try:
                task = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if task is None:
                return
            try:
                self._interaction(task)
            except Stopped:
                return
            except BaseException as exc:  # ends the run: the main thread raises it
                if self.fatal is None:
                    self.fatal = exc
                self.stop.set()
                return

    def _record(self, failure: Failure) -> None:
        with self.tally.lock:
            self.tally.failures.append(failure)
        self._progress()

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.tally)

    def _interaction(self, task: object) -> None:
        if isinstance(task, str):
            if not is_guid(task):  # a search that answers strings: never put into a path
                self._record(Failure(task[:80], None, None, "the search answered an item that is not an object"))
                return
            try:
                item = self.api.item(task)
            except ApiError as err:
                if err.status in (401, 403):
                    raise
                self._record(Failure(task, None, err.status, err.message))
                return
            except NetworkError as err:
                self._record(Failure(task, None, None, err.message))
                return
        else:
            item = task
        files, refused = content_files(item, self.keys)
        for failure in refused:
            self._record(failure)
        with self.tally.lock:
            self.tally.interactions += 1
            self.tally.matched += len(files)
        for file in files:
            if self.stop.is_set():
                raise Stopped
            self._file(file)

    def _file(self, file: ContentFile) -> None:
        target = self.directory / file.name
        if is_complete(target, file):
            with self.tally.lock:
                self.tally.skipped += 1
            self._progress()
            return
        attempt = 0
        while True:
            attempt += 1
            try:
                written = self._fetch(file, target)
            except ApiError as err:
                if err.status in (401, 403):
                    raise
                self._record(Failure(file.guid, file.key, err.status, err.message, file.name))
                return
            except NetworkError as err:
                if attempt > self.retries:
                    self._record(Failure(file.guid, file.key, None, err.message, file.name))
                    return
                self.wait(self.backoff(attempt))
                if self.stop.is_set():
                    raise Stopped from None
                continue
            with self.tally.lock:
                self.tally.downloaded += 1
                self.tally.bytes += written
            self._progress()
            return

    def _fetch(self, file: ContentFile, target: Path) -> int:
        from vcc_cli.download import save
        from vcc_cli.http import iter_body

        req, sent = self.api.open_content(file)
        with sent.response as response:
            if response.status_code >= 400:
                from vcc_cli.caller import api_error

                raise api_error(response, req, sent.token_scopes)
            with self._flight_lock:
                self._in_flight[file.name] = response
            try:
                return save(self._chunks(iter_body(response), file), target)
            finally:
                with self._flight_lock:
                    self._in_flight.pop(file.name, None)

    def _chunks(self, chunks: Iterable[bytes], file: ContentFile) -> Iterator[bytes]:
        """The body's chunks; a body of another size than the item's contentLength is
        an error before the file is renamed into place, so it is never taken for a
        complete file (and fetched again on every rerun)."""
        received = 0
        for chunk in chunks:
            if self.stop.is_set():
                raise Stopped
            received += len(chunk)
            with self.tally.lock:
                self.tally.received += len(chunk)
            yield chunk
        if file.length is not None and received != file.length:
            raise NetworkError(
                f"{file.name}: {received:,} bytes came where the interaction's contentLength says {file.length:,}",
                "the file was not kept: try again later",
            )


def _abort(response: Any) -> None:
    """Wake a worker blocked reading a stalled body, so that it ends (and removes its
    temporary file) now: its socket is shut down, which a close from another thread
    would not do."""
    import socket

    connection = getattr(getattr(response, "raw", None), "_connection", None)
    sock = getattr(connection, "sock", None)
    try:
        sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
    except (AttributeError, OSError):
        pass


def write_failures(directory: Path, failures: Sequence[Failure]) -> Path | None:
    """Replace ``directory``/failures.ndjson with ``failures``, one JSON object a line
    (complete or absent, as every file here); remove it when there are none. Its path,
    or None."""
    from vcc_cli.download import save

    path = directory / FAILURES_FILE
    if not failures:
        path.unlink(missing_ok=True)
        return None
    lines = "".join(json.dumps(f.as_json()) + "\n" for f in failures)  # ASCII: inert on any terminal
    save([lines.encode("ascii")], path)
    return path


# --------------------------------------------------------------------------- delete


@dataclass
class Deleted:
    """What ``delete_in_batches`` did: GUIDs sent in batches that answered, and failures."""

    sent: int = 0
    batches: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def deleted(self) -> int:
        return self.sent - len(self.failures)


def batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for index in range(0, len(items), size):
        yield list(items[index : index + size])


def delete_in_batches(
    api: ContentApi,
    guids: Sequence[str],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[Deleted], None] | None = None,
) -> Deleted:
    """Delete ``guids`` with delete-batch, ``batch_size`` at a time, paced by the
    session's limiter. The ``failures`` of each answer are kept; a batch the API refuses
    whole (after the Caller's retries) makes a failure of each of its GUIDs and the rest
    go on, except 401/403, which no other batch would escape: raised."""
    done = Deleted()
    for batch in batches(guids, batch_size):
        try:
            answer = api.delete_batch(batch)
        except ApiError as err:
            if err.status in (401, 403):
                raise
            done.failures += [Failure(g, None, err.status, err.message) for g in batch]
        except NetworkError as err:  # it may or may not have happened: the GUIDs are listed to try again
            done.failures += [Failure(g, None, None, err.message) for g in batch]
        else:
            done.failures += _batch_failures(answer, batch)
        done.sent += len(batch)
        done.batches += 1
        if on_batch is not None:
            on_batch(done)
    return done


def _batch_failures(answer: object, batch: Sequence[str]) -> list[Failure]:
    from vcc_cli.output import one_line

    failures = answer.get("failures") if isinstance(answer, dict) else None
    if not isinstance(failures, list):
        raise NetworkError(
            f"POST {DELETE_PATH}: the answer has no failures list", "check which interactions remain, then try again"
        )
    found = []
    for entry in failures:
        entry = entry if isinstance(entry, dict) else {}
        guid, status, message = entry.get("guid"), entry.get("statusCode"), entry.get("message")
        found.append(
            Failure(
                str(guid) if guid is not None else "?",
                None,
                status if isinstance(status, int) and not isinstance(status, bool) else None,
                one_line(str(message))[:300] if message is not None else "",
            )
        )
    return found
