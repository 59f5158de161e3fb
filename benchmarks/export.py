"""Export benchmark: a paged Insights Stats collection as NDJSON with `vcc call --paginate --format ndjson`,
against `curl` fetching the same pages in a shell loop.

    python benchmarks/export.py [--items 500000] [--pages 500] [--runs 3] [--merged]

Starts a page server in its own process (so it does not share this process's
GIL): a ThreadingHTTPServer on 127.0.0.1 speaking HTTP/1.1 with keep-alive and
Content-Length, serving pre-rendered pages from memory at
/stats/agent-activities: --items agent activities in the documented shape
({agentId, type, category, name, start, duration (ms), reason, interaction,
workload}), split over --pages pages, page-number style (``?page=N`` from 1;
``meta {page, count, pageCount, totalCount, upTo}``). The catalog windows that
path (31 days), so both tools send ``start`` and ``end`` one day apart. Requests
need ``Authorization: Bearer …``; vcc gets ``VCC_TOKEN=bench-token`` and
VCC_API_URL/VCC_AUTH_URL pointing at the server, with a throwaway config and
cache dir. The server notes the CLOCK_MONOTONIC time (time.monotonic, the
same clock in every process on Linux) of every request for page 2, read back
through GET /_bench/state.

Then, alternately, --runs times each:

- ``vcc call /stats/agent-activities -q start=… -q end=… --paginate --format ndjson``;
- ``sh -c 'for p in $(seq 1 P); do curl -sS --fail -H … "URL&page=$p"; done'``.

Both write to a pipe this process reads (counting bytes and lines). Prints the
median wall seconds and items/s of each, the ratio vcc/curl, vcc's peak RSS
(wait4(2)), and per run when vcc's first line reached this process and when the
server received the request for page 2, both from vcc's start (robust while a
page's NDJSON is bigger than the 64 KiB pipe: vcc cannot finish writing page 1
before this process has read its first line). Every run's
output is checked: for vcc one line per item, first and last equal to the
server's, each page requested once; for curl every byte of every page.

--merged measures today's ``--paginate`` instead (no --format: one merged,
indented JSON document, checked by parsing it whole), a baseline for issue 13.

Targets (issue #13): peak RSS under 80 MB; at least 0.5x curl's items/s; the
first line out before the second page is requested.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PATH = "/stats/agent-activities"
ACCEPT = "application/vnd.newvoicemedia.v3+json"
TOKEN = "bench-token"
DAY_START = 1_714_521_600  # 2024-05-01T00:00:00Z: every item starts that day
WINDOW = ("start=2024-05-01T00:00:00Z", "end=2024-05-02T00:00:00Z")
MB = 1_000_000
MEMORY_TARGET_MB = 80
RATE_TARGET = 0.5
TAIL_KEPT = 1 << 16  # enough to hold the last line (an item is about 300 bytes)


# --------------------------------------------------------------------------- the page server


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def activities(count: int, seed: int = 13) -> list[dict]:
    """``count`` agent activities in the Insights Stats shape, in start order over one day."""
    rng = random.Random(seed)

    def guid() -> str:
        h = f"{rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    agents = [guid() for _ in range(200)]
    presences = (("Ready", "Available"), ("Away", "Lunch"), ("Away", "Meeting"), ("Logged Out", "Logged Out"))
    items = []
    for i in range(count):
        item: dict = {"agentId": rng.choice(agents)}
        if rng.random() < 0.5:
            category, name = rng.choice(presences)
            item.update(type="presence", category=category, name=name)
            interaction, workload = None, 0
        else:
            item.update(type="interaction", category=rng.choice(("Phone", "Email", "Chat")))
            item["name"] = rng.choice(("Ringing", "Connected", "Wrap-up"))
            interaction, workload = {"guid": guid()}, 1
        item.update(
            start=iso(DAY_START + i * 86_400 // max(count, 1)),
            duration=rng.randint(20_000, 1_200_000),
            reason=None,
            interaction=interaction,
            workload=workload,
        )
        items.append(item)
    return items


def render_pages(items: list[dict], pages: int) -> list[bytes]:
    """The bodies of pages 1..pages (index 0 is page 1), compact JSON; the first
    ``len(items) % pages`` pages hold one item more."""
    size, extra = divmod(len(items), pages)
    bodies, at = [], 0
    for page in range(1, pages + 1):
        count = size + (1 if page <= extra else 0)
        meta = {"page": page, "count": count, "pageCount": pages, "totalCount": len(items), "upTo": iso(DAY_START)}
        bodies.append(json.dumps({"items": items[at : at + count], "meta": meta}, separators=(",", ":")).encode())
        at += count
    return bodies


def serve(items: int, pages: int) -> None:
    """Run the page server until killed; print its port on stdout once it listens."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = activities(items)
    bodies = render_pages(data, pages)
    empty = {"page": 0, "count": 0, "pageCount": pages, "totalCount": items}
    lock = threading.Lock()
    state: dict = {"page2": [], "requests": {}}
    facts = {"first": data[0] if data else None, "last": data[-1] if data else None}
    facts["bytes"] = sum(len(b) for b in bodies)
    del data

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive
        disable_nagle_algorithm = True

        def log_message(self, format, *args):
            pass

        def answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            arrived = time.monotonic()
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/_bench/state":
                with lock:
                    snapshot = {**facts, "page2": list(state["page2"]), "requests": dict(state["requests"])}
                return self.answer(200, json.dumps(snapshot).encode())
            if url.path == "/_bench/reset":
                with lock:
                    state["page2"].clear()
                    state["requests"].clear()
                return self.answer(200, b"{}")
            if url.path != PATH:
                return self.answer(404, b'{"statusCode":404,"error":"Not Found"}')
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or not auth[7:].strip():
                return self.answer(
                    401, b'{"error":"invalid_request","error_description":"The access token is missing"}'
                )
            query = urllib.parse.parse_qs(url.query)
            try:
                page = int(query.get("page", ["1"])[0])
            except ValueError:
                return self.answer(400, b'{"statusCode":400,"error":"Bad Request","message":"page"}')
            with lock:
                if page == 2:
                    state["page2"].append(arrived)
                state["requests"][page] = state["requests"].get(page, 0) + 1
            if 1 <= page <= pages:
                return self.answer(200, bodies[page - 1])
            return self.answer(200, json.dumps({"items": [], "meta": {**empty, "page": page}}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


# --------------------------------------------------------------------------- the benchmark


def vcc_argv() -> list[str]:
    script = Path(sys.executable).parent / "vcc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcc_cli"]


class Run:
    """One process's wall seconds, peak RSS (KB), and what it wrote to stdout."""

    def __init__(self) -> None:
        self.started = 0.0  # time.monotonic() just before the process was started
        self.elapsed = 0.0
        self.peak_kb = 0
        self.first_line_at: float | None = None  # time.monotonic() when the first line was read
        self.bytes = 0
        self.lines = 0
        self.first_line = b""
        self.tail = b""


def timed(argv: list[str], env: dict[str, str], work: Path, *, spool: Path | None = None) -> Run:
    """Run ``argv`` with stdout on a pipe this process reads; fails loudly on a non-zero exit.
    ``spool`` is a file to copy the output to (for --merged, which is checked by parsing it).

    Nothing big is kept here: on Linux a child's ru_maxrss starts from its parent's
    peak RSS (the mm it forks and execs from), so this process must stay smaller than vcc."""
    run = Run()
    err_path = work / "stderr"
    with open(err_path, "wb") as err, open(spool or os.devnull, "wb") as copy:  # stderr on a file: no deadlock
        run.started = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        head = bytearray()
        while chunk := os.read(fd, 1 << 20):
            if run.first_line_at is None and b"\n" in chunk:
                run.first_line_at = time.monotonic()
                run.first_line = bytes(head + chunk[: chunk.index(b"\n")])
            elif run.first_line_at is None and len(head) < TAIL_KEPT:  # curl's pages have no newline
                head += chunk
            run.bytes += len(chunk)
            run.lines += chunk.count(b"\n")
            run.tail = (run.tail + chunk)[-TAIL_KEPT:]
            if spool is not None:
                copy.write(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        run.elapsed = time.monotonic() - run.started
        proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        said = err_path.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {said}")
    run.peak_kb = usage.ru_maxrss  # KB on Linux
    return run


def control(base: str, what: str) -> dict:
    with urllib.request.urlopen(f"{base}/_bench/{what}", timeout=10) as response:
        return json.load(response)


#: Parses a merged document in its own process, so this one stays small (see timed).
SUMMARIZE = "import json, sys; i = json.load(open(sys.argv[1]))['items']; print(json.dumps([len(i), i[0], i[-1]]))"


def check_vcc(run: Run, state: dict, items: int, pages: int, merged: Path | None) -> None:
    """Fail loudly unless vcc printed every item once, in order, asking for each page once.
    ``merged`` is the file holding the output of --merged, else None."""
    if merged is not None:
        summary = subprocess.run([sys.executable, "-c", SUMMARIZE, str(merged)], capture_output=True, check=True)
        count, first, last = json.loads(summary.stdout)
        merged.unlink()
    else:
        last_line = run.tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        count, first, last = run.lines, json.loads(run.first_line), json.loads(last_line)
        if not run.tail.endswith(b"\n"):
            raise SystemExit("vcc's NDJSON does not end with a newline")
    if count != items:
        raise SystemExit(f"vcc printed {count} items, expected {items}")
    if first != state["first"] or last != state["last"]:
        raise SystemExit(f"vcc's first or last item differs from the server's:\n{first}\n{last}")
    asked = {int(page): n for page, n in state["requests"].items()}
    if asked != dict.fromkeys(range(1, pages + 1), 1):
        odd = {page: n for page, n in asked.items() if n != 1 or not 1 <= page <= pages}
        raise SystemExit(f"vcc did not ask for each page once: {odd or 'pages missing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=500_000, help="items in the collection")
    parser.add_argument("--pages", type=int, default=500, help="pages they are split over")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool")
    parser.add_argument(
        "--merged", action="store_true", help="measure today's --paginate (one merged document), not --format ndjson"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the page server's own process
    args = parser.parse_args()
    if args.items < 1 or args.pages < 1 or args.items < args.pages:
        parser.error("need --items >= --pages >= 1")
    if args.serve:
        return serve(args.items, args.pages)
    if not shutil.which("curl"):
        raise SystemExit("curl is not installed")

    vcc = vcc_argv()
    work = Path(tempfile.mkdtemp(prefix="vcc-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(VCC_CONFIG_DIR=str(work / "config"), VCC_CACHE_DIR=str(work / "cache"), VCC_TOKEN=TOKEN)
    if not args.merged:
        shown = subprocess.run([*vcc, "call", "--help"], env=env, capture_output=True, text=True).stdout
        if "--format" not in shown:
            raise SystemExit("vcc call has no --format option yet; pass --merged to measure today's --paginate")

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--items", str(args.items), "--pages", str(args.pages)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().decode().strip()
        if not port:
            raise SystemExit("the page server did not start")
        base = f"http://127.0.0.1:{port}"
        env.update(VCC_API_URL=base, VCC_AUTH_URL=base)
        window = [arg for pair in WINDOW for arg in ("-q", pair)]
        format_args = [] if args.merged else ["--format", "ndjson"]
        commands = {
            "vcc": [*vcc, "call", PATH, *window, "--paginate", *format_args],
            "curl": [
                "sh",
                "-c",
                'for p in $(seq 1 "$PAGES"); do curl -sS --fail -H "$AUTH" -H "$ACCEPT" "$URL&page=$p" || exit 1; done',
            ],
        }
        curl_env = {
            **env,
            "PAGES": str(args.pages),
            "AUTH": f"Authorization: Bearer {TOKEN}",
            "ACCEPT": f"Accept: {ACCEPT}",
            "URL": f"{base}{PATH}?{'&'.join(WINDOW)}",
        }
        # Warm up (pyc files, page cache) on the last page alone: --paginate has nothing more to fetch.
        timed([*commands["vcc"], "-q", f"page={args.pages}"], env, work)
        state = control(base, "state")
        times: dict[str, list[float]] = {"vcc": [], "curl": []}
        peaks: list[int] = []
        firsts: list[tuple[float | None, float | None]] = []  # (first line, page 2 request), seconds from start
        for _ in range(args.runs):
            for name in ("vcc", "curl"):
                control(base, "reset")
                spool = work / "merged.json" if args.merged and name == "vcc" else None
                run = timed(commands[name], env if name == "vcc" else curl_env, work, spool=spool)
                times[name].append(run.elapsed)
                state = control(base, "state")
                if name == "curl":
                    if run.bytes != state["bytes"]:
                        raise SystemExit(f"curl wrote {run.bytes} bytes, the pages hold {state['bytes']}")
                    continue
                check_vcc(run, state, args.items, args.pages, spool)
                peaks.append(run.peak_kb)
                page2 = state["page2"][0] - run.started if state["page2"] else None
                line = run.first_line_at - run.started if run.first_line_at is not None else None
                firsts.append((line, page2))
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(values) for name, values in times.items()}
    rate = {name: args.items / median[name] for name in median}
    ratio = rate["vcc"] / rate["curl"]
    peak_mb = max(peaks) / 1024
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    early = [line is not None and page2 is not None and line < page2 for line, page2 in firsts]
    mode = "--paginate (merged JSON)" if args.merged else "--paginate --format ndjson"
    print(
        f"collection: {args.items:,} items over {args.pages} pages ({state['bytes'] / MB:.0f} MB of JSON) "
        f"from {base}{PATH}; {args.runs} runs each, alternating"
    )
    print(f" curl: median {median['curl']:.3f} s ({rate['curl']:,.0f} items/s), one curl per page in a shell loop")
    print(f"  vcc: median {median['vcc']:.3f} s ({rate['vcc']:,.0f} items/s), {mode}")
    print(f"vcc/curl items/s: {ratio:.2f} (target >= {RATE_TARGET})")
    print(f"vcc peak RSS: {peak_mb:.1f} MB (max of {len(peaks)} runs; target < {MEMORY_TARGET_MB} MB)")
    if own_mb >= min(peaks) / 1024:  # then the children's figures start from ours (see timed)
        print(f"note: this benchmark itself peaked at {own_mb:.1f} MB, so vcc's figures are upper bounds")
    for number, ((line, page2), ok, peak) in enumerate(zip(firsts, early, peaks, strict=True), 1):
        shown = [f"{t:.3f} s" if t is not None else "never" for t in (line, page2)]
        print(
            f"run {number}: first line read at {shown[0]}, page 2 requested at {shown[1]} "
            f"(from vcc's start): first line first: {'yes' if ok else 'no'}; peak RSS {peak / 1024:.1f} MB"
        )
    print(
        json.dumps(
            {
                "items": args.items,
                "pages": args.pages,
                "runs": args.runs,
                "mode": "merged" if args.merged else "ndjson",
                "median_s": median,
                "items_per_s": {name: round(value) for name, value in rate.items()},
                "ratio": round(ratio, 3),
                "vcc_peak_rss_mb": round(peak_mb, 1),
                "vcc_peak_rss_mb_per_run": [round(kb / 1024, 1) for kb in peaks],
                "first_line_s": [line for line, _ in firsts],
                "page2_request_s": [page2 for _, page2 in firsts],
                "first_line_before_page2": early,
            }
        )
    )


if __name__ == "__main__":
    main()
