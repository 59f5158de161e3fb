"""The steps of ``vcc demo``: the real ``vcc`` run as a subprocess against a fresh emulator.

Each step runs one command the way a person or a CI script would, checks what
it did (output, and the emulator's request counters) and reports a ``Step``;
``vcc_cli.cli.demo`` prints them. Credentials come from the environment and
the keyring is switched off, so the demo needs no account, network or keyring.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vcc_cli.emulator.clients import DEFAULT_CLIENT
from vcc_cli.emulator.data import iso
from vcc_cli.emulator.server import Emulator
from vcc_cli.signals import Terminated

TOKEN_ROUTE = "POST /Auth/connect/token"
SEARCH_ROUTE = "GET /interaction-content/interactions"
SEARCH_PAGE = 50  # interactions per page of the search (at most 1000)
STATS_ROUTE = "GET /stats/agent-activities"
EXPORT_DAYS = 40  # longer than the stats API's 31-day window, so vcc splits it
TOKEN_TTL = 7200  # seconds: VCC's token lifetime ("always 7200, two hours")
RECORDING_SIZE = 2 * 1024 * 1024  # bytes
CHILD_TIMEOUT = 120  # seconds a step's vcc may take
CHILD_GRACE = 5  # seconds a stopped child vcc has to clean up before it is killed


def stop_child(child: subprocess.Popen, why: BaseException) -> None:
    """End a step's vcc before the directory it writes in goes (else it could write
    there after the removal): asked to stop as the demo was (SIGTERM for any ending
    signal: a SIGQUIT could dump core in a child still starting up), SIGKILL if it has
    not ended within CHILD_GRACE seconds. A child that had the signal already (from
    the terminal, or `timeout`, which signal the whole process group) ignores a second
    SIGTERM while it unwinds; whatever it leaves is inside the demo's directory."""
    if child.poll() is not None:
        return
    if isinstance(why, Terminated):
        child.send_signal(signal.SIGTERM)
    elif isinstance(why, KeyboardInterrupt):
        child.send_signal(signal.SIGINT)
    else:
        child.kill()
    try:
        child.wait(timeout=CHILD_GRACE)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


@dataclass
class Step:
    title: str
    command: str
    ok: bool
    details: list[str] = field(default_factory=list)
    exit_code: int = 0
    stderr: str = ""


class Demo:
    """A throwaway home (config, cache, downloads) and an emulator whose clock can jump."""

    def __init__(self, keep: bool = False, vcc_argv: list[str] | None = None):
        self.keep = keep
        # -P: the current directory is not put on the path (a token.py there would be imported)
        self.vcc_argv = vcc_argv or [sys.executable, "-P", "-m", "vcc_cli"]
        self.clock_offset = 0.0

    def __enter__(self) -> Demo:
        # The name first, then the directory: whatever interrupts from here on (a
        # signal between two statements included), the cleanup knows what to remove.
        self.home = Path(tempfile.gettempdir()) / f"vcc-demo-{os.urandom(6).hex()}"
        try:
            self.home.mkdir(mode=0o700)
            self.emulator = Emulator(
                clients=[DEFAULT_CLIENT],
                token_ttl=TOKEN_TTL,
                recording_size=RECORDING_SIZE,
                clock=lambda: time.time() + self.clock_offset,
            )
            self.emulator.start()
        except BaseException:
            self.__exit__()
            raise
        env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
        env.update(
            VCC_CONFIG_DIR=str(self.home / "config"),
            VCC_CACHE_DIR=str(self.home / "cache"),
            VCC_AUTH_URL=self.emulator.url,
            VCC_API_URL=self.emulator.url,
            VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
            VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        self.env = env
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            emulator = getattr(self, "emulator", None)  # absent when its start failed
            if emulator is not None:
                emulator.stop()
        finally:
            if not self.keep:
                shutil.rmtree(self.home, ignore_errors=True)

    def _vcc(self, *args: str) -> tuple[subprocess.CompletedProcess, float]:
        started = time.perf_counter()
        with subprocess.Popen(
            [*self.vcc_argv, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as child:
            try:
                stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT)
            except BaseException as exc:  # Ctrl-C, SIGTERM…, the time limit
                stop_child(child, exc)
                raise
        done = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
        return done, (time.perf_counter() - started) * 1000

    def _count(self, route: str) -> int:
        return self.emulator.counts().get(route, 0)

    @staticmethod
    def _failed(title: str, shown: str, done: subprocess.CompletedProcess, why: str) -> Step:
        stderr = done.stderr.decode("utf-8", "replace")
        return Step(title, shown, False, [why], done.returncode, stderr)

    def steps(self) -> Iterator[Step]:
        """Run the steps in order; the caller stops at the first that is not ok."""
        # 1. a token, fetched
        title, shown = "token fetched from the token endpoint", "vcc token -s stats"
        before = self._count(TOKEN_ROUTE)
        done, ms = self._vcc("token", "-s", "stats")
        token = done.stdout.decode().strip()
        if done.returncode != 0 or not token or self._count(TOKEN_ROUTE) != before + 1:
            yield self._failed(title, shown, done, "expected one token request and the token on stdout")
            return
        yield Step(title, shown, True, [f"{token[:16]}… ({len(token)} characters) in {ms:.0f} ms, 1 token request"])

        # 2. the same token, from the cache
        title = "token served from the disk cache"
        done, ms = self._vcc("token", "-s", "stats")
        if done.returncode != 0 or done.stdout.decode().strip() != token or self._count(TOKEN_ROUTE) != before + 1:
            yield self._failed(title, shown, done, "expected the same token and no new token request")
            return
        yield Step(
            title, shown, True, [f"same token in {ms:.0f} ms, no request sent (the whole process, start-up included)"]
        )

        # 3. a call: scope and Accept version chosen from the path
        title = "a call, scope and Accept version inferred from the path"
        shown = "vcc call /agents-availability -q skillNames=French"
        done, ms = self._vcc("call", "/agents-availability", "-q", "skillNames=French")
        try:
            body = json.loads(done.stdout)
            summary = "agents with skill French: " + ", ".join(
                f"{body[state]:d} {state}" for state in ("Ready", "Away", "Extended Away", "Logged Out")
            )
        except (ValueError, KeyError, TypeError):
            summary = None
        if done.returncode != 0 or summary is None:
            yield self._failed(title, shown, done, "expected the agents-availability JSON on stdout")
            return
        yield Step(title, shown, True, [f"{summary} ({ms:.0f} ms; token scope agents-availability:read, Accept v1)"])

        # 4. the token expires on the server: vcc gets a 401, fetches a new one, retries once
        title = "token expiry and the transparent refresh"
        self.clock_offset += TOKEN_TTL + 60
        tokens_before, calls_before = self._count(TOKEN_ROUTE), self._count("GET /agents-availability")
        done, ms = self._vcc("call", "/agents-availability", "-q", "skillNames=French")
        new_tokens = self._count(TOKEN_ROUTE) - tokens_before
        api_calls = self._count("GET /agents-availability") - calls_before
        if done.returncode != 0 or new_tokens != 1 or api_calls != 2:
            yield self._failed(
                title,
                shown,
                done,
                f"expected 401, 1 new token, a retry; saw {new_tokens} token requests, {api_calls} calls",
            )
            return
        yield Step(
            title,
            shown,
            True,
            [
                f"the emulator's clock jumped {int((TOKEN_TTL + 60) / 60)} min: the cached token is now expired there",
                f"vcc got 401, fetched a new token and retried once: exit 0 in {ms:.0f} ms",
            ],
        )

        # 5. a day of recordings, searched page by page: the search pages with
        # continuation tokens (meta.nextContinuationToken) and wants at most 7 days
        title = "a day of recordings searched page by page (continuation tokens)"
        now = self.emulator.clock()
        search = [
            "/interaction-content/interactions",
            "-q",
            f"start={iso(now - 86400)}",
            "-q",
            f"end={iso(now)}",
            "-q",
            f"limit={SEARCH_PAGE}",
            "--paginate",
            "--query",
            "items[].guid",
        ]
        shown = "vcc call /interaction-content/interactions -q start=… -q end=… " + shlex.join(search[5:])
        before = self._count(SEARCH_ROUTE)
        done, ms = self._vcc("call", *search)
        pages = self._count(SEARCH_ROUTE) - before
        try:
            guids = json.loads(done.stdout)
            guid = guids[0]
        except (ValueError, KeyError, IndexError, TypeError):
            guids = guid = None
        if done.returncode != 0 or not isinstance(guid, str) or pages < 2:
            yield self._failed(title, shown, done, f"expected the GUIDs of several pages; saw {pages} page requests")
            return
        found = (
            f"{len(guids)} interactions with content in the last 24 h over {pages} pages of {SEARCH_PAGE}: "
            f"vcc sent each page's meta.nextContinuationToken back until it was null ({ms:.0f} ms)"
        )
        yield Step(title, shown, True, [found])

        # 6. the first recording of that search, streamed to a file
        title = "a call recording from that search downloaded to a file"
        target = self.home / "recording.wav"
        path = f"/interaction-content/interactions/{guid}/content/callRecording"
        shown = f"vcc call {path} -o recording.wav"
        done, ms = self._vcc("call", path, "-o", str(target))
        try:
            with wave.open(str(target), "rb") as wav:
                seconds = wav.getnframes() / wav.getframerate()
                rate = wav.getframerate()
            size = target.stat().st_size
        except (OSError, wave.Error, EOFError):
            yield self._failed(title, shown, done, "expected a valid WAV file")
            return
        if done.returncode != 0:
            yield self._failed(title, shown, done, "vcc call -o failed")
            return
        yield Step(
            title, shown, True, [f"{size / 1e6:.1f} MB WAV, {rate} Hz, {seconds:.0f} s of audio, in {ms:.0f} ms"]
        )

        # 7. a stats export: 40 days is over the stats API's 31-day window, so vcc
        # pages it in two windows, writing the CSV as the pages arrive
        title = "a stats export to CSV: 40 days of activities in the API's 31-day windows"
        target = self.home / "activities.csv"
        start = iso(self.emulator.clock() - EXPORT_DAYS * 86400)
        export = ["/stats/agent-activities", "-q", f"start={start}", "-q", "limit=1000", "--paginate"]
        export += ["--format", "csv", "-o", str(target)]
        shown = (
            f"vcc call /stats/agent-activities -q start={start} -q limit=1000 --paginate --format csv -o activities.csv"
        )
        before = self._count(STATS_ROUTE)
        done, ms = self._vcc("call", *export)
        pages = self._count(STATS_ROUTE) - before
        try:
            with target.open(newline="") as fh:
                header = fh.readline().strip()
                rows = sum(1 for _ in fh)
            size = target.stat().st_size
        except OSError:
            rows, header, size = 0, "", 0
        if done.returncode != 0 or rows == 0 or pages < 2:
            yield self._failed(title, shown, done, f"expected a CSV of several pages; saw {pages} page requests")
            return
        yield Step(
            title,
            shown,
            True,
            [
                f"{rows:,} activities over {pages} pages in 2 windows (no window over 31 days), "
                f"{size / 1e6:.1f} MB of CSV in {ms:.0f} ms, written page by page",
                f"columns: {header}",
            ],
        )

        # 8. a bulk download: the recordings of the last hour, paced at VCC's 160
        # requests a minute; run again, it resumes (complete files are skipped)
        title = "a bulk download of the last hour's recordings, then a rerun that resumes"
        target = self.home / "recordings"
        now = self.emulator.clock()
        bulk = ["--start", iso(now - 3600), "--end", iso(now), "--dir", str(target), "--content", "callRecording"]
        shown = "vcc content download --start … --end … --dir recordings --content callRecording"
        done, ms = self._vcc("content", "download", *bulk)
        files = sorted(target.glob("*_callRecording.wav")) if target.is_dir() else []
        if done.returncode != 0 or not files:
            yield self._failed(title, shown, done, "expected the recordings in recordings/")
            return
        size = sum(f.stat().st_size for f in files)
        fetched = sum(n for route, n in self.emulator.counts().items() if route.endswith("/content/callRecording"))
        again, again_ms = self._vcc("content", "download", *bulk)
        refetched = sum(n for route, n in self.emulator.counts().items() if route.endswith("/content/callRecording"))
        if again.returncode != 0 or refetched != fetched:
            yield self._failed(title, shown, again, "expected the rerun to skip every complete file")
            return
        yield Step(
            title,
            shown,
            True,
            [
                f"{len(files)} recordings ({size / 1e6:.1f} MB) in {ms:.0f} ms, each file complete or absent, "
                "160 requests a minute",
                f"the same command again: {len(files)} complete files skipped, none fetched again ({again_ms:.0f} ms)",
            ],
        )
