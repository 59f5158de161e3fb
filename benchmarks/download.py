"""Download benchmark: a call recording from the emulator with `vcc call -o` and with `curl -o`.

    python benchmarks/download.py [--size-mb 200] [--runs 5] [--dir DIR]

Starts an emulator in this process (loopback, recordings of --size-mb), warms
vcc's token cache, then runs `vcc call PATH -o FILE` and `curl -o FILE` (with
the same token and Accept header) alternately --runs times each. Prints the
median wall time of each, the throughput ratio, and vcc's peak RSS (from
wait4(2), per process). Each run saves to a new file (the previous one is
deleted first, untimed), for both tools.

It also times the same two commands for a 100-byte --range of the recording
and reports "transfer-only" throughput (median minus that fixed cost: process
start, imports, token, request), because at loopback speed vcc's Python
start-up (~0.3-0.5 s) weighs as much as the transfer itself.

Targets (issue #5): vcc's peak memory under 80 MB whatever the size;
throughput at least half of curl's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator  # noqa: E402

MB = 1_000_000
MEMORY_TARGET_MB = 80


def vcc_argv() -> list[str]:
    script = Path(sys.executable).parent / "vcc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcc_cli"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB) of one process; fails loudly on a non-zero exit."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {err}")
    return elapsed, usage.ru_maxrss  # KB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=200, help="recording size in MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=5, help="downloads per tool")
    parser.add_argument("--dir", type=Path, default=None, help="where the files go (default: a temp dir)")
    args = parser.parse_args()
    if not shutil.which("curl"):
        raise SystemExit("curl is not installed")

    size = int(args.size_mb * MB)
    work = Path(tempfile.mkdtemp(prefix="vcc-bench-", dir=args.dir))
    with Emulator(clients=[DEFAULT_CLIENT], recording_size=size) as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
        env.update(
            VCC_CONFIG_DIR=str(work / "config"),
            VCC_CACHE_DIR=str(work / "cache"),
            VCC_AUTH_URL=emu.url,
            VCC_API_URL=emu.url,
            VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
            VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        )
        vcc = vcc_argv()
        now = time.time()  # the content search wants start and end, at most 7 days apart
        window = [
            f"start={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now - 86400))}",
            f"end={time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(now))}",
        ]
        listing = subprocess.run(
            [
                *vcc,
                "call",
                "/interaction-content/interactions",
                "-q",
                window[0],
                "-q",
                window[1],
                "-q",
                "limit=1",
                "--query",
                "items[0].guid",
            ],
            env=env,
            capture_output=True,
            check=True,
        )
        path = f"/interaction-content/interactions/{listing.stdout.decode().strip()}/content/callRecording"
        token = (
            subprocess.run([*vcc, "token", "-s", "interaction-content:read"], env=env, capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )
        headers = ["-H", f"Authorization: Bearer {token}", "-H", "Accept: application/vnd.newvoicemedia.v3+json"]
        out_vcc, out_curl = work / "vcc.wav", work / "curl.wav"
        commands = {
            "vcc": [*vcc, "call", path, "-o", str(out_vcc)],
            "curl": ["curl", "-sS", "--fail", "-o", str(out_curl), *headers, emu.url + path],
        }
        small = {
            "vcc": [*vcc, "call", path, "--range", "0-99", "-o", str(work / "vcc-small")],
            "curl": ["curl", "-sS", "--fail", "-r", "0-99", "-o", str(work / "curl-small"), *headers, emu.url + path],
        }
        timed(commands["vcc"], env)  # warm up: page cache, token cache, pyc files
        times: dict[str, list[float]] = {"vcc": [], "curl": []}
        fixed: dict[str, list[float]] = {"vcc": [], "curl": []}
        peaks: list[int] = []
        outputs = {"vcc": out_vcc, "curl": out_curl}
        for _ in range(args.runs):
            for name in ("vcc", "curl"):
                outputs[name].unlink(missing_ok=True)  # each run saves a new file, as a user usually does
                elapsed, peak = timed(commands[name], env)
                times[name].append(elapsed)
                if name == "vcc":
                    peaks.append(peak)
                fixed[name].append(timed(small[name], env)[0])
        for target in (out_vcc, out_curl):
            if target.stat().st_size != size:
                raise SystemExit(f"{target} has {target.stat().st_size} bytes, expected {size}")
        if out_vcc.read_bytes()[: 1 << 20] != out_curl.read_bytes()[: 1 << 20]:
            raise SystemExit("vcc and curl saved different bytes")

    median = {name: statistics.median(values) for name, values in times.items()}
    base = {name: statistics.median(values) for name, values in fixed.items()}
    rate = {name: size / MB / median[name] for name in median}
    transfer = {name: size / MB / max(median[name] - base[name], 1e-6) for name in median}
    peak_mb = max(peaks) / 1024
    ratio, transfer_ratio = rate["vcc"] / rate["curl"], transfer["vcc"] / transfer["curl"]
    print(f"recording: {size / MB:g} MB from {emu.url}, {args.runs} runs each, alternating")
    for name in ("curl", "vcc"):
        print(
            f"{name:>5}: median {median[name]:.3f} s ({rate[name]:.0f} MB/s); fixed cost (100-byte range) "
            f"{base[name]:.3f} s; transfer-only {transfer[name]:.0f} MB/s"
        )
    print(f"vcc/curl throughput: {ratio:.2f} wall, {transfer_ratio:.2f} transfer-only (target >= 0.5)")
    print(f"vcc peak RSS: {peak_mb:.1f} MB (max of {len(peaks)} runs; target < {MEMORY_TARGET_MB} MB)")
    print(
        json.dumps(
            {
                "size_mb": size / MB,
                "runs": args.runs,
                "median_s": median,
                "fixed_s": base,
                "ratio_wall": round(ratio, 3),
                "ratio_transfer": round(transfer_ratio, 3),
                "vcc_peak_rss_mb": round(peak_mb, 1),
            }
        )
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
