"""SPEC section 4, shell completions for the commands: the committed scripts match the
app, and TAB works in a real bash (commands, values, scopes, regions, profiles, paths)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "completions"))

import generate  # noqa: E402


@pytest.mark.parametrize("shell", sorted(generate.SCRIPTS))
def test_committed_completion_script_is_up_to_date(shell):
    path = generate.SCRIPTS[shell]
    assert path.read_text() == generate.render(shell), f"stale: run python completions/generate.py ({path.name})"


def bash_complete(words: str, tmp_path) -> list[str]:
    """Source the committed bash script in a real bash, press TAB after ``words``, return COMPREPLY."""
    bindir = Path(sys.executable).parent
    if not (bindir / "vcc").exists():
        pytest.skip("the vcc console script is not installed next to this Python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCC_")}
    env.update(
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        VCC_CONFIG_DIR=str(tmp_path / "config"),
        VCC_CACHE_DIR=str(tmp_path / "cache"),
    )
    script = f"""
source {generate.SCRIPTS["bash"]}
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_vcc_completion vcc
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_bash_completes_the_command_name(tmp_path):
    assert bash_complete("vcc to", tmp_path) == ["token"]


def test_bash_completes_token_format_values(tmp_path):
    assert bash_complete("vcc token --format ''", tmp_path) == ["raw", "header", "json", "env"]


def test_bash_completes_exec_and_its_options(tmp_path):
    assert bash_complete("vcc exe", tmp_path) == ["exec"]
    assert bash_complete("vcc exec --min", tmp_path) == ["--min-ttl"]
    assert bash_complete("vcc exec -s users", tmp_path) == ["users:read", "users:write"]


def test_bash_completes_scopes_from_the_catalog(tmp_path):
    assert bash_complete("vcc token -s users", tmp_path) == ["users:read", "users:write"]


def test_bash_completes_regions_and_profiles(tmp_path):
    assert bash_complete("vcc call --region ''", tmp_path) == ["emea", "nam", "apac"]
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('[profiles.staging]\nregion = "emea"\n[profiles.prod]\nregion = "nam"\n')
    (config / "config.toml").chmod(0o600)
    assert sorted(bash_complete("vcc token --profile ''", tmp_path)) == ["prod", "staging"]


def test_bash_completes_catalog_paths_and_methods_for_call(tmp_path):
    assert "/stats/agent-activities" in bash_complete("vcc call /stats/ag", tmp_path)
    assert all(p.startswith("/useradmin") for p in bash_complete("vcc call GET /usera", tmp_path))
    assert bash_complete("vcc call pa", tmp_path) == ["patch"]
    assert bash_complete("vcc call P", tmp_path) == ["POST", "PUT", "PATCH"]


def test_bash_completes_the_commands_of_a_group(tmp_path):
    assert sorted(bash_complete("vcc content d", tmp_path)) == ["delete", "download"]
    assert "--concurrency" in bash_complete("vcc content download --con", tmp_path)
