"""Regenerate the shell completion scripts in this directory from the vcc app.

    python completions/generate.py          # rewrite the scripts
    python completions/generate.py --check  # exit 1 when a committed script is stale

The scripts are thin: on TAB they call `vcc` back (with _VCC_COMPLETE set), so
profiles, regions, scopes and catalog paths complete from the live app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: shell -> file, laid out as the shells' own completion directories expect
SCRIPTS = {
    "bash": HERE / "bash" / "vcc",
    "zsh": HERE / "zsh" / "_vcc",
    "fish": HERE / "fish" / "vcc.fish",
    "powershell": HERE / "powershell" / "vcc.ps1",
}


def render(shell: str) -> str:
    """The completion script for ``shell``, as the app generates it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env["_VCC_COMPLETE"] = f"source_{shell}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-m", "vcc_cli"], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip() + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for shell, path in SCRIPTS.items():
        text = render(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(
            "stale completion scripts: " + ", ".join(stale) + "; run: python completions/generate.py", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
