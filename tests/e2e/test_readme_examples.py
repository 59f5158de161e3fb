"""SPEC section 4, the commands as the README shows them: every command of its
"In a shell" block runs as written against the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def shell_block(heading: str) -> str:
    text = README.read_text()
    section = text[text.index(heading) :]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


def test_the_in_a_shell_examples_run_against_the_emulator(base_env, tmp_path, emulator):
    script = "set -eu\n" + shell_block("### In a shell")
    env = dict(base_env, PATH=f"{Path(sys.executable).parent}:{base_env.get('PATH', '')}")
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert (tmp_path / "call.wav").read_bytes()[:4] == b"RIFF" and (tmp_path / "head.wav").stat().st_size == 1024
    assert (tmp_path / "activities.json").stat().st_size > 0
    counts = emulator.counts()
    assert counts["POST /useradmin/users"] == 1 and counts["GET /interaction-content/interactions"] > 1


def test_the_exports_examples_run_against_the_emulator(base_env, tmp_path, emulator):
    script = "set -eu\n" + shell_block("### Exports")
    env = dict(base_env, PATH=f"{Path(sys.executable).parent}:{base_env.get('PATH', '')}")
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, env=env, capture_output=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    activities = (tmp_path / "activities.ndjson").read_text().splitlines()
    assert len(activities) > 500 and all(line.startswith("{") for line in activities)
    header = (tmp_path / "interactions.csv").read_bytes().split(b"\r\n", 1)[0]
    assert b"guid" in header.split(b",")
    assert (tmp_path / "users.csv").read_bytes().startswith(b"userId,username,name,email,active\r\n")
    recordings = sorted(p.name for p in (tmp_path / "recordings").iterdir())
    assert any(name.endswith("_callRecording.wav") for name in recordings)
    counts = emulator.counts()
    assert counts["POST /interaction-content/interactions/delete-batch"] == 1
    assert counts["GET /stats/interactions"] >= 2  # two windows at least


def python_blocks(heading: str) -> list[str]:
    text = README.read_text()
    section = text[text.index(heading) :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_python_examples_run_against_the_emulator(base_env, tmp_path, emulator):
    _, tour = python_blocks("## Use from Python")
    done = subprocess.run(
        [sys.executable, "-c", tour], cwd=tmp_path, env=base_env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().startswith("404 ") and (tmp_path / "call.wav").read_bytes()[:4] == b"RIFF"
    assert emulator.counts()["GET /stats/queue-times"] == 1


def test_the_python_stats_export_runs_against_the_emulator(base_env, tmp_path, emulator):
    script = python_blocks("## Use from Python")[0]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=base_env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = (tmp_path / "activities.csv").read_text().splitlines()
    assert rows[0] == "agentId,type,name,start,duration" and len(rows) > 500
    assert emulator.counts()["GET /stats/agent-activities"] == 1  # 960 items: one page of 1000
