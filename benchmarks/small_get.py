"""Small GET benchmark: `vcc call` against `curl` and `http` (HTTPie) for the same request.

    python benchmarks/small_get.py [--runs 20]

Starts an emulator in this process and times, alternately, --runs times each:

- ``vcc call /agents-availability -q skillNames=French`` (token from a warm cache);
- ``curl`` with the same token and Accept header;
- ``http`` (HTTPie) with the same, when it is installed (else skipped, with a note);
- ``vcc token -s agents-availability:read`` alone (the cached fast path scripts use
  as ``curl -H "Authorization: Bearer $(vcc token …)"``).

Prints the median, min and 90th percentile wall time of each, and each tool's
median relative to curl's.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator  # noqa: E402

PATH = "/agents-availability?skillNames=French"
SCOPE = "agents-availability:read"
ACCEPT = "application/vnd.newvoicemedia.v1+json"


def beside_python(name: str) -> str | None:
    """A console script of this Python's environment, else one on PATH."""
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else shutil.which(name)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="requests per tool")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vcc-bench-"))
    with Emulator(clients=[DEFAULT_CLIENT]) as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
        env.update(
            VCC_CONFIG_DIR=str(work / "config"),
            VCC_CACHE_DIR=str(work / "cache"),
            VCC_AUTH_URL=emu.url,
            VCC_API_URL=emu.url,
            VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
            VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        )
        vcc = beside_python("vcc")
        vcc_argv = [vcc] if vcc else [sys.executable, "-m", "vcc_cli"]
        token = (
            subprocess.run([*vcc_argv, "token", "-s", SCOPE], env=env, capture_output=True, check=True)
            .stdout.decode()
            .strip()
        )  # also warms the token cache
        url = emu.url + PATH
        commands = {
            "vcc call": [*vcc_argv, "call", PATH],
            "curl": ["curl", "-sS", "--fail", "-H", f"Authorization: Bearer {token}", "-H", f"Accept: {ACCEPT}", url],
        }
        httpie = beside_python("http")
        if httpie:
            commands["http (HTTPie)"] = [
                httpie,
                "--ignore-stdin",
                "--check-status",
                "--print=b",
                "GET",
                url,
                f"Authorization:Bearer {token}",
                f"Accept:{ACCEPT}",
            ]
        commands["vcc token (cached)"] = [*vcc_argv, "token", "-s", SCOPE]
        for argv in commands.values():
            timed(argv, env)  # warm up
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(timed(argv, env))

    curl = statistics.median(times["curl"])
    print(f"GET {PATH} against the emulator, {args.runs} runs each, alternating")
    for name, values in times.items():
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        median = statistics.median(values)
        print(
            f"{name:>20}: median {median * 1000:6.0f} ms  min {ordered[0] * 1000:6.0f} ms  "
            f"p90 {p90 * 1000:6.0f} ms  ({median / curl:.1f}x curl)"
        )
    if not httpie:
        print("http (HTTPie) is not installed: skipped (pip install httpie to compare)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
