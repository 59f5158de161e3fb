"""SPEC section 4, the Python API as a user's script sees the installed package, in a
real process: ``import vcc_cli`` stays light (requests, rich, typer and keyring load
only when a call needs them), and a script using ``Client``, ``VccAuth`` and
``VccError`` type-checks with ``mypy --strict`` through the shipped ``py.typed``."""

from __future__ import annotations

import json
import os
import site
import socket
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("requests", "rich", "typer", "keyring")

#: Run with python -S (no .pth files: the editable install's finder would import modules
#: at start-up and hide what vcc_cli imports), the source tree first and site-packages
#: last on the path, as tests/cli/test_startup.py does. Prints the heavy modules loaded
#: after each step.
STEPS = """
import json, os, sys
root, site_packages, port, home, heavy = sys.argv[1:6]
sys.path[:0] = [root]
sys.path += site_packages.split(os.pathsep)
HEAVY = set(heavy.split(","))
steps = {}

def loaded(step):
    steps[step] = sorted(HEAVY & {name.split(".")[0] for name in sys.modules})

import vcc_cli
loaded("import vcc_cli")
from vcc_cli import Client
loaded("from vcc_cli import Client")
client = Client(env={
    "VCC_TOKEN": "a-token",
    "VCC_API_URL": "http://127.0.0.1:" + port,
    "VCC_AUTH_URL": "http://127.0.0.1:" + port,
    "VCC_CONFIG_DIR": os.path.join(home, "config"),
    "VCC_CACHE_DIR": os.path.join(home, "cache"),
})
loaded("Client()")
try:
    client.get("/useradmin/users")  # nothing listens: a NetworkError, after requests was needed
except vcc_cli.NetworkError:
    pass
loaded("first request")
print(json.dumps(steps))
"""


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    home = tmp_path_factory.mktemp("import-home")
    site_packages = os.pathsep.join(site.getsitepackages())
    done = subprocess.run(
        [sys.executable, "-S", "-c", STEPS, str(ROOT), site_packages, str(free_port()), str(home), ",".join(HEAVY)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_import_vcc_cli_loads_none_of_requests_rich_typer_keyring(steps):
    assert steps["import vcc_cli"] == []


def test_importing_client_loads_none_of_them(steps):
    assert steps["from vcc_cli import Client"] == []


def test_constructing_a_client_loads_none_of_them(steps):
    assert steps["Client()"] == []


def test_the_first_request_loads_requests_and_nothing_a_call_does_not_need(steps):
    assert steps["first request"] == ["requests"]


# ------------------------------------------------------------------ types

USER_SCRIPT = """
from __future__ import annotations

import requests

from vcc_cli import ApiError, Client, VccAuth, VccError


def export(client: Client) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for item in client.paginate("/stats/agent-activities", {"start": "2026-11-01T00:00:00Z", "limit": 1000}):
        rows.append(item)
    return rows


def main() -> int:
    client = Client(region="emea", scopes=["stats"], timeout=30.0, retries=2)
    try:
        users: requests.Response = client.get("/useradmin/users", [("skill", "French")], check=False)
        client.post("/useradmin/users", json={"name": "Ana"}, api_version=4)
        token: str = client.token("stats")
        saved = client.download("/interaction-content/interactions/g1/content/callRecording", "rec.wav")
        with requests.Session() as session:
            session.get(client.api_url + "/useradmin/users", auth=VccAuth(client, scopes="users:read"))
        print(users.status_code, len(token), saved.name, len(export(client)))
    except ApiError as exc:
        status: int | None = exc.status
        print(status, exc.message, exc.hint)
        return int(exc.exit_code)
    except VccError as exc:
        return int(exc.exit_code)
    return 0
"""


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """``mypy(script) -> (exit status, output)``: mypy --strict on a user's script, with
    vcc_cli found in site-packages as an installed wheel puts it (so ``py.typed`` must be
    there). mypy cannot follow setuptools' editable finder, so a throwaway venv's
    site-packages lists a directory holding a link to the source package, then this
    venv's site-packages (requests)."""
    pytest.importorskip("mypy")
    work = tmp_path_factory.mktemp("mypy")
    venv.create(work / "venv", with_pip=False)
    python = work / "venv" / "bin" / "python"
    found = subprocess.run(
        [python, "-c", "import site; print(site.getsitepackages()[0])"], capture_output=True, text=True, check=True
    )
    (work / "installed").mkdir()
    (work / "installed" / "vcc_cli").symlink_to(ROOT / "vcc_cli")
    paths = [str(work / "installed"), *site.getsitepackages()]
    (Path(found.stdout.strip()) / "user.pth").write_text("\n".join(paths) + "\n")

    def run(source: str) -> tuple[int, str]:
        script = work / "script.py"
        script.write_text(source)
        done = subprocess.run(
            [
                *(sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent"),
                *("--python-executable", str(python), "--cache-dir", str(work / "cache"), "--no-error-summary"),
                str(script),
            ],
            cwd=work,
            env={k: v for k, v in os.environ.items() if k != "MYPYPATH"},  # only the installed package
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, done.stdout + done.stderr

    return run


def test_a_users_script_using_client_vcc_auth_and_vcc_error_type_checks(mypy):
    status, output = mypy(USER_SCRIPT)
    assert (status, output) == (0, "")


def test_a_wrong_call_in_a_users_script_is_reported(mypy):
    status, output = mypy("from vcc_cli import Client\n\nClient().get(1)\n")
    assert status == 1
    assert 'Argument 1 to "get" of "Client" has incompatible type "int"; expected "str"' in output
