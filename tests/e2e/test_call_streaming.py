"""SPEC section 4, `vcc call --paginate --format ndjson` through the real `vcc` and real
pipes: each page's items are out before the next page is asked for, and memory does
not grow with the number of items."""

from __future__ import annotations

import json
import os
import subprocess

from tests.support.page_server import PageServer
from tests.support.processes import clean_env, popen_vcc, vcc_argv

PATH = "/useradmin/users"  # page-numbered, no time window


def env_for(server: PageServer, tmp_path) -> dict[str, str]:
    return clean_env(tmp_path / "home", VCC_TOKEN="test-token", VCC_API_URL=server.url, VCC_AUTH_URL=server.url)


def test_the_first_pages_items_are_on_stdout_before_the_second_page_is_answered(tmp_path):
    with PageServer(3, 50, hold_after_first=True) as server:
        child = popen_vcc(
            "call",
            PATH,
            "--paginate",
            "--format",
            "ndjson",
            env=env_for(server, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            first = child.stdout.readline()  # page 2 is held back until this line has come
            assert json.loads(first)["n"] == 0
            server.release.set()
            rest = child.stdout.read().splitlines()
            assert child.wait(30) == 0
        finally:
            child.kill()
            child.wait()
    assert len(rest) == 149 and json.loads(rest[-1])["n"] == 149 and server.asked == [1, 2, 3]


def peak_rss_kb(args: list[str], env: dict[str, str]) -> int:
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen([*vcc_argv(), *args], env=env, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        assert child.returncode == 0, child.stderr.read()
        child.stderr.close()
    return usage.ru_maxrss


def test_ndjson_memory_does_not_grow_with_the_number_of_pages(tmp_path):
    args = ["call", PATH, "--paginate", "--format", "ndjson"]
    with PageServer(10, 500) as small:
        few = peak_rss_kb(args, env_for(small, tmp_path))
    with PageServer(200, 500) as large:  # 100,000 items: merged, they would hold ~100 MB
        many = peak_rss_kb(args, env_for(large, tmp_path))
    assert many - few < 12_000, f"peak RSS grew from {few} KB to {many} KB"
