"""Start-up cost: a cached `vcc token` and `vcc --help` against three floors.

The floors, measured in the same run: `python -c pass` (the interpreter alone),
a script that reads a JSON file and prints one value (what a cached token
minimally is), and `python -c "import typer, json"` (the typer floor). Each
command runs --runs times (default 20), all of them alternating so that machine
noise hits them alike. The report gives, per command, the median wall time and
the median CPU time (user + system of the child, from wait4), and the ratios of
`vcc token` and `vcc --help` to `python -c pass` and to the typer floor.

Targets (issue 7): a cached `vcc token` costs at most 2.5x `python -c pass` in
CPU, and `vcc --help` at most 2x the typer floor. CPU is the figure to judge:
wall time also counts the scheduler. Measure a normal install (`pip install .`):
an editable one imports its finder, and with it pathlib, on every start, which
inflates `python -c pass` and hides what vcc itself imports.

    python benchmarks/startup.py [--runs 20]

POSIX only (os.wait4). PYTHONDONTWRITEBYTECODE is dropped from the children's
environment, so that they load bytecode as an installed program does instead of
compiling every module on every start.
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
from vcc_cli.tokens.cache import TokenCache, cache_key

ENDPOINT = "https://emea.cc.vonage.com/Auth/connect/token"
PASS = "python -c pass"
JSON_READ = "python: read a JSON file, print"
TYPER = "python -c 'import typer, json'"
TOKEN = "vcc token -s stats (cache hit)"
HELP = "vcc --help"
#: (command, floor, most CPU allowed as a multiple of the floor's)
TARGETS = ((TOKEN, PASS, 2.5), (HELP, TYPER, 2.0))


def vcc_argv() -> list[str]:
    script = Path(sys.executable).parent / "vcc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vcc_cli"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``argv``; CPU is the child's user + system time."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited with {child.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="vcc-startup-"))
    drop = ("VCC_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        VCC_REGION="emea",
        VCC_CLIENT_ID="bench",
        VCC_CLIENT_SECRET="unused",
        VCC_CACHE_DIR=str(home / "cache"),
        VCC_CONFIG_DIR=str(home / "config"),
    )
    now = time.time()
    cache = TokenCache(home / "cache")
    cache.put(ENDPOINT, "bench", ["stats"], Token("t" * 400, "Bearer", ("stats",), now + 86400), now)
    entry = str(home / "cache" / f"{cache_key(ENDPOINT, 'bench', ['stats'])}.json")

    python = sys.executable
    commands = {
        PASS: [python, "-c", "pass"],
        JSON_READ: [python, "-c", "import json, sys; print(json.load(open(sys.argv[1]))['access_token'])", entry],
        TYPER: [python, "-c", "import typer, json"],
        TOKEN: [*vcc_argv(), "token", "-s", "stats"],
        HELP: [*vcc_argv(), "--help"],
    }
    for argv in commands.values():  # warm the OS caches and write the bytecode once
        timed(argv, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            samples[name].append(timed(argv, env))
    wall = {name: statistics.median(w for w, _ in values) for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in samples.items()}

    print(f"{args.runs} runs each, alternating; medians; python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"vcc: {' '.join(vcc_argv())}\n")
    print(f"{'':<36} {'wall':>9} {'CPU':>9}")
    for name in commands:
        print(f"{name:<36} {wall[name] * 1000:6.1f} ms {cpu[name] * 1000:6.1f} ms")
    print(f"\n{'ratio (wall / CPU)':<36} {'to ' + PASS:>26} {'to the typer floor':>26}")
    for name in (TOKEN, HELP, JSON_READ):
        ratios = [f"{wall[name] / wall[floor]:5.2f}x / {cpu[name] / cpu[floor]:5.2f}x" for floor in (PASS, TYPER)]
        print(f"{name:<36} {ratios[0]:>26} {ratios[1]:>26}")
    print()
    for name, floor, target in TARGETS:
        ratio = cpu[name] / cpu[floor]
        verdict = "met" if ratio <= target else "MISSED"
        print(f"target: {name} CPU <= {target}x {floor}: {ratio:.2f}x, {verdict}")


if __name__ == "__main__":
    main()
