"""SPEC sections 2 and 7, the token cache end to end (issue 15, item 5): a cached token
whose entry was made with a different secret is not served. A rotated, wrong
VCC_CLIENT_SECRET (or secret file) gets the token endpoint's refusal, exit 3, and the
entry stays for the jobs that still hold the right secret; the cache files never
hold the secret, nor a digest of it that could be matched elsewhere."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest

from tests.cli.test_startup import HEAVY, HEAVY_STDLIB, imported_modules
from tests.conftest import CI_ENV, TOKEN_URL
from tests.support.processes import files_containing
from vcc_cli.emulator import DEFAULT_CLIENT
from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import TokenCache

TOKEN = "POST /Auth/connect/token"
WRONG = DEFAULT_CLIENT.secret + "-rotated"


def secret_env(how, secret, tmp_path):
    """The environment giving ``secret`` as CI does: the variable itself, or a mounted file."""
    if how == "VCC_CLIENT_SECRET":
        return {"VCC_CLIENT_SECRET": secret}
    path = tmp_path / f"secret-{hashlib.sha256(secret.encode()).hexdigest()[:8]}"
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return {"VCC_CLIENT_SECRET": None, "VCC_CLIENT_SECRET_FILE": str(path)}


@pytest.mark.parametrize("how", ["VCC_CLIENT_SECRET", "VCC_CLIENT_SECRET_FILE"])
def test_a_wrong_secret_is_refused_by_the_token_endpoint_not_served_from_the_cache(vcc, emulator, tmp_path, how):
    right = vcc("token", "-s", "stats", env=secret_env(how, DEFAULT_CLIENT.secret, tmp_path)).stdout
    assert emulator.counts()[TOKEN] == 1

    wrong = vcc("token", "-s", "stats", env=secret_env(how, WRONG, tmp_path), expect_error=3)
    assert wrong.stdout == b"" and "invalid_client" in wrong.stderr
    assert emulator.counts()[TOKEN] == 2  # asked, and refused

    again = vcc("token", "-s", "stats", env=secret_env(how, DEFAULT_CLIENT.secret, tmp_path)).stdout
    assert again == right and emulator.counts()[TOKEN] == 2  # the entry stayed, served without a request


def test_a_wrong_secret_is_not_served_a_wider_cached_token_either(vcc, emulator):
    vcc("token", "-s", "stats", "-s", "users:read")
    vcc("token", "-s", "users:read", env={"VCC_CLIENT_SECRET": WRONG}, expect_error=3)
    vcc("token", "-s", "users:read")
    assert emulator.counts()[TOKEN] == 2


def test_after_a_rotation_the_new_secret_fetches_its_own_token_and_the_old_one_is_refused(vcc, emulator):
    import dataclasses

    old = vcc("token", "-s", "stats").stdout
    client = emulator.authority.clients[DEFAULT_CLIENT.client_id]
    emulator.authority.clients[client.client_id] = dataclasses.replace(client, secret="rotated-secret")

    new = vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "rotated-secret"}).stdout
    assert new != old and emulator.counts()[TOKEN] == 2  # not the old secret's cached token
    vcc("token", "-s", "stats", expect_error=3)  # the old secret: asked, refused
    assert vcc("token", "-s", "stats", env={"VCC_CLIENT_SECRET": "rotated-secret"}).stdout == new
    assert emulator.counts()[TOKEN] == 3


def test_the_cache_never_holds_the_secret_nor_its_unsalted_digest(vcc, tmp_path):
    vcc("token", "-s", "stats")
    vcc("token", "-s", "users:read")
    cache = tmp_path / "cache"
    secret = DEFAULT_CLIENT.secret
    for needle in (secret, hashlib.sha256(secret.encode()).hexdigest(), hashlib.sha256(secret.encode()).digest()):
        assert files_containing(needle, cache) == []
    entries = [json.loads(p.read_bytes()) for p in cache.glob("*.json")]
    assert len(entries) == 2 and all(e["secret_salt"] and e["secret_hmac"] for e in entries)
    assert entries[0]["secret_hmac"] != entries[1]["secret_hmac"]  # a salt of its own each


def test_checking_the_secret_on_a_cache_hit_imports_no_heavy_module(tmp_path):
    """The digest is computed with the builtin SHA-256, not hmac/hashlib (OpenSSL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VCC_", "XDG_"))}
    env.update(CI_ENV, VCC_CACHE_DIR=str(tmp_path / "cache"), VCC_CONFIG_DIR=str(tmp_path / "config"))
    now = time.time()
    token = Token("cached-token", "Bearer", ("stats",), now + 3600)
    TokenCache(tmp_path / "cache").put(
        TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"], token, now, CI_ENV["VCC_CLIENT_SECRET"]
    )
    done, modules = imported_modules(["token", "-s", "stats"], env)
    assert done.stdout == "cached-token\n", done.stderr
    loaded = sorted(m for m in modules if m.split(".")[0] in (*HEAVY, *HEAVY_STDLIB, "hmac"))
    assert loaded == [], f"imported on the cache-hit path: {loaded}"
