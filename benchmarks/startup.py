"""Start-up time: a cached `vcc token` and `vcc --help` against `python -c "import typer, json"`.

Each command runs --runs times (default 20), the three alternating so that
machine noise hits them alike; the report gives medians and ratios to the
baseline measured in the same run. Targets (issue 7): cached token within
1.3x of the baseline, --help within 2x.

    python benchmarks/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import TokenCache

ENDPOINT = "https://emea.cc.vonage.com/Auth/connect/token"


def vcc_argv() -> list[str]:
    script = Path(sys.executable).parent / "vcc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcc_cli"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vcc-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(
        VCC_REGION="emea",
        VCC_CLIENT_ID="bench",
        VCC_CLIENT_SECRET="unused",
        VCC_CACHE_DIR=str(home / "cache"),
        VCC_CONFIG_DIR=str(home / "config"),
    )
    now = time.time()
    TokenCache(home / "cache").put(
        ENDPOINT, "bench", ["stats"], Token("t" * 400, "Bearer", ("stats",), now + 86400), now
    )

    commands = {
        "baseline: python -c 'import typer, json'": [sys.executable, "-c", "import typer, json"],
        "vcc token -s stats (cache hit)": [*vcc_argv(), "token", "-s", "stats"],
        "vcc --help": [*vcc_argv(), "--help"],
    }
    for argv in commands.values():  # warm the OS caches once
        timed(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            samples[name].append(timed(argv, env))

    baseline = statistics.median(samples[next(iter(commands))])
    targets = {"vcc token -s stats (cache hit)": 1.3, "vcc --help": 2.0}
    print(f"{args.runs} runs each, alternating; medians; python {sys.version.split()[0]}, {os.cpu_count()} cores\n")
    for name, values in samples.items():
        median = statistics.median(values)
        ratio = median / baseline
        target = targets.get(name)
        verdict = "" if target is None else f"  target <= {target}x: {'met' if ratio <= target else 'MISSED'}"
        print(f"{name:<44} {median * 1000:7.1f} ms  {ratio:5.2f}x{verdict}")


if __name__ == "__main__":
    main()
