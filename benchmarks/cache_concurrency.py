"""N concurrent cold `vcc token` processes: token requests sent, and time per process.

For N = 1, 4, 16, 64 processes started at once against a local emulator with an
empty cache, report how many token requests reached the endpoint (the target is
exactly 1) and the median wall time per process, with its ratio to N = 1 and to a
baseline measured in the same run: one `vcc token` served from a warm cache.

    python benchmarks/cache_concurrency.py [--rounds 5] [--delay 0.05]

``--delay`` makes the emulator's token endpoint answer slowly (seconds), like a
real one across the internet, so that the processes really overlap.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

TOKEN = "POST /Auth/connect/token"


def vcc_argv() -> list[str]:
    script = Path(sys.executable).parent / "vcc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcc_cli"]


def environment(emulator: Emulator, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(
        VCC_AUTH_URL=emulator.url,
        VCC_API_URL=emulator.url,
        VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
        VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        VCC_CACHE_DIR=str(cache),
        VCC_CONFIG_DIR=str(cache.parent / "config"),
    )
    return env


def one_round(emulator: Emulator, n: int, workdir: Path) -> tuple[int, list[float], int]:
    """Start n processes at once on an empty cache: (token requests, seconds per process, distinct tokens)."""
    cache = workdir / f"cache-{n}-{time.monotonic_ns()}"
    env = environment(emulator, cache)
    emulator.reset_counts()
    started = []
    procs = []
    for _ in range(n):
        started.append(time.perf_counter())
        procs.append(
            subprocess.Popen(
                [*vcc_argv(), "token", "-s", "stats"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        )
    times, tokens = [], set()
    for t0, proc in zip(started, procs, strict=True):
        out, err = proc.communicate(timeout=300)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"vcc token failed: {err.decode().strip()}")
        tokens.add(out)
    shutil.rmtree(cache, ignore_errors=True)
    return emulator.counts().get(TOKEN, 0), times, len(tokens)


def warm_baseline(emulator: Emulator, workdir: Path, rounds: int) -> float:
    cache = workdir / "warm"
    env = environment(emulator, cache)
    subprocess.run([*vcc_argv(), "token", "-s", "stats"], env=env, check=True, capture_output=True)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        subprocess.run([*vcc_argv(), "token", "-s", "stats"], env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds per N (medians are over all processes of all rounds)"
    )
    parser.add_argument("--delay", type=float, default=0.05, help="seconds the token endpoint takes to answer")
    parser.add_argument("--sizes", default="1,4,16,64")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vcc-bench-"))
    with Emulator(clients=[DEFAULT_CLIENT]) as emulator:
        emulator.faults.delay = args.delay
        baseline = warm_baseline(emulator, workdir, max(5, args.rounds))
        print(f"cores: {os.cpu_count()}, token endpoint delay: {args.delay * 1000:.0f} ms, rounds per N: {args.rounds}")
        print(f"baseline: one `vcc token` served from a warm cache, median {baseline * 1000:.0f} ms\n")
        print(f"{'N':>4} {'token requests per round':>26} {'median s/process':>17} {'vs N=1':>7} {'vs warm':>8}")
        first = None
        for n in (int(x) for x in args.sizes.split(",")):
            requests, samples = [], []
            for _ in range(args.rounds):
                sent, times, distinct = one_round(emulator, n, workdir)
                if distinct != 1:
                    raise SystemExit(f"N={n}: processes printed {distinct} different tokens")
                requests.append(sent)
                samples.extend(times)
            median = statistics.median(samples)
            first = first or median
            shown = ",".join(str(r) for r in requests)
            print(f"{n:>4} {shown:>26} {median:>17.3f} {median / first:>6.2f}x {median / baseline:>7.2f}x")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
