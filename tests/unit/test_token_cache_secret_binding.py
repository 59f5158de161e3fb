"""SPEC sections 2 and 7, the token cache binds the secret a token was fetched with
(issue 15, item 5): an entry made with another secret is not served, the file never
holds the secret nor a digest of it that could be matched elsewhere, and entries of
the previous format (no digest) are a miss."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcc_cli.resolve import Credentials
from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import (
    LEGACY_VERSION,
    Entry,
    TokenCache,
    cache_key,
    decode_entry,
    encode_entry,
    secret_digest,
)
from vcc_cli.tokens.source import TokenSource

EP = "https://emea.cc.vonage.com/Auth/connect/token"
RIGHT = "Zq9-generated-client-secret-0f3a9c"
WRONG = "Zq9-generated-client-secret-rotated"


@pytest.fixture
def cache(tmp_path, clock):
    return TokenCache(tmp_path / "cache", clock=clock)


def put(cache, secret=RIGHT, token="tok", scopes=("stats",), client="cid"):
    now = cache.clock()
    return cache.put(EP, client, scopes, Token(token, "Bearer", tuple(scopes), now + 900), now, secret)


def source_for(cache, credentials, session=None):
    def no_network():
        raise AssertionError("a cache hit sends nothing")

    return TokenSource(EP, credentials, cache, (1.0, 1.0), session or no_network, clock=cache.clock)


# --------------------------------------------------------------------------- the digest


def test_the_secret_digest_is_hmac_sha256_of_the_secret_keyed_with_the_salt():
    for salt in (b"", b"\x00" * 16, bytes(range(16)), b"k" * 64, b"long" * 40):
        for secret in ("", RIGHT, "sécret", "bytes-from-env-\udcff"):
            expected = hmac.new(salt, secret.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()
            assert secret_digest(salt, secret) == expected


def test_the_entry_file_holds_neither_the_secret_nor_its_unsalted_digest(cache):
    data = put(cache).read_bytes()
    for needle in (
        RIGHT,
        hashlib.sha256(RIGHT.encode()).hexdigest(),
        hmac.new(b"", RIGHT.encode(), hashlib.sha256).hexdigest(),
    ):
        assert needle.encode() not in data
    raw = json.loads(data)
    assert raw["secret_hmac"] == secret_digest(bytes.fromhex(raw["secret_salt"]), RIGHT)


def test_each_entry_gets_its_own_salt_so_digests_never_repeat(cache):
    first = json.loads(put(cache, scopes=("stats",)).read_bytes())
    second = json.loads(put(cache, scopes=("users:read",)).read_bytes())
    again = json.loads(put(cache, scopes=("stats",)).read_bytes())
    assert len({first["secret_salt"], second["secret_salt"], again["secret_salt"]}) == 3
    assert len({first["secret_hmac"], second["secret_hmac"], again["secret_hmac"]}) == 3


@given(st.text(min_size=1))
def test_a_bound_entry_round_trips_and_knows_its_secret(secret):
    salt = bytes(range(16))
    token = Token("t", "Bearer", ("s",), 1900.0)
    entry = Entry(EP, "c", ("s",), token, 1000.0, salt.hex(), secret_digest(salt, secret))
    decoded = decode_entry(encode_entry(entry))
    assert decoded == entry and decoded.made_with(secret) and not decoded.made_with(secret + "x")


@pytest.mark.parametrize(
    "binding",
    [
        {"secret_salt": "00" * 16},
        {"secret_hmac": "00" * 32},
        {"secret_salt": "zz" * 16, "secret_hmac": "00" * 32},
        {"secret_salt": "00" * 16, "secret_hmac": "00" * 31},
        {"secret_salt": "00" * 15, "secret_hmac": "00" * 32},
        {"secret_salt": 0, "secret_hmac": "00" * 32},
        {"secret_salt": "00" * 16, "secret_hmac": None},
    ],
    ids=["salt-alone", "digest-alone", "salt-not-hex", "short-digest", "short-salt", "salt-a-number", "null-digest"],
)
def test_an_entry_with_a_malformed_binding_is_a_miss(binding):
    raw = json.loads(encode_entry(Entry(EP, "c", ("s",), Token("t", "Bearer", ("s",), 1900.0), 1000.0)))
    raw.update(binding)
    assert decode_entry(json.dumps(raw).encode()) is None


# --------------------------------------------------------------------------- lookups


def test_an_entry_made_with_another_secret_is_a_miss(cache):
    put(cache, secret=RIGHT)
    assert cache.find(EP, "cid", ["stats"], 0, secret=WRONG) is None


def test_the_entry_made_with_the_presented_secret_is_served(cache):
    put(cache, secret=RIGHT)
    assert cache.find(EP, "cid", ["stats"], 0, secret=RIGHT).token.access_token == "tok"


def test_a_wider_entry_made_with_another_secret_is_a_miss_too(cache):
    put(cache, secret=RIGHT, scopes=("stats", "users:read"))
    assert cache.find(EP, "cid", ["users:read"], 0, secret=WRONG) is None
    assert cache.find(EP, "cid", ["users:read"], 0, secret=RIGHT).token.access_token == "tok"


def test_a_miss_for_a_wrong_secret_leaves_the_entry_for_processes_with_the_right_one(cache):
    path = put(cache, secret=RIGHT)
    assert cache.find(EP, "cid", ["stats"], 0, secret=WRONG) is None
    assert path.exists()
    assert cache.find(EP, "cid", ["stats"], 0, secret=RIGHT) is not None


def test_a_lookup_presenting_no_secret_is_served_whatever_the_entry_binds(cache):
    put(cache, secret=RIGHT)
    assert cache.find(EP, "cid", ["stats"], 0).token.access_token == "tok"


def test_an_entry_written_without_a_secret_binds_none_and_is_served(cache):
    put(cache, secret=None)
    assert cache.find(EP, "cid", ["stats"], 0, secret=WRONG).token.access_token == "tok"


def legacy_entry(cache, clock, client="cid"):
    """An entry as vcc before the secret binding wrote it (format 1)."""
    path = cache.directory / f"{cache_key(EP, client, ['stats'])}.json"
    cache.directory.mkdir(mode=0o700, exist_ok=True)
    raw = json.loads(
        encode_entry(Entry(EP, client, ("stats",), Token("old", "Bearer", ("stats",), clock.now + 900), clock.now))
    )
    raw["version"] = LEGACY_VERSION
    path.write_bytes(json.dumps(raw).encode())
    path.chmod(0o600)
    return path


def test_an_entry_of_the_previous_format_is_a_miss_and_not_listed(cache, clock):
    legacy_entry(cache, clock)
    assert cache.find(EP, "cid", ["stats"], 0, secret=RIGHT) is None
    assert cache.find(EP, "cid", ["stats"], 0) is None
    assert cache.entries_for(EP, "cid") == []


def test_an_entry_of_the_previous_format_goes_with_the_clients_other_tokens(cache, clock):
    path = legacy_entry(cache, clock)
    assert cache.remove(lambda e: e.client_id == "cid") == 1
    assert not path.exists()


def test_a_fetch_replaces_an_entry_of_the_previous_format(cache, clock):
    legacy_entry(cache, clock)
    put(cache, token="new")
    assert cache.find(EP, "cid", ["stats"], 0, secret=RIGHT).token.access_token == "new"


# --------------------------------------------------------------------------- TokenSource


@pytest.mark.parametrize("source", ["env", "env (secret file)"])
def test_a_source_whose_secret_is_at_hand_is_checked_on_a_cache_hit(cache, source):
    put(cache, secret=RIGHT)
    assert source_for(cache, Credentials("cid", source, secret=WRONG)).cached(["stats"], 0) is None
    assert source_for(cache, Credentials("cid", source, secret=RIGHT)).cached(["stats"], 0).access_token == "tok"


@pytest.mark.parametrize("source", ["secret command", "env (secret command)"])
def test_a_secret_command_is_not_run_on_a_cache_hit(cache, source):
    """Running a password manager on every cached token would defeat the cache; the
    command's answer is checked at each fetch instead."""
    put(cache, secret=RIGHT)

    def command():
        raise AssertionError("the secret command was run on a cache hit")

    assert source_for(cache, Credentials("cid", source, loader=command)).cached(["stats"], 0).access_token == "tok"


def test_a_keyring_profile_is_served_from_the_cache_without_reading_the_keyring(cache):
    """The keyring is not asked on a hit (slow, may prompt or hang); `vcc login` checks what it stores."""
    put(cache, secret=RIGHT)

    def keyring():
        raise AssertionError("the keyring was read on a cache hit")

    assert source_for(cache, Credentials("cid", "keyring", loader=keyring)).cached(["stats"], 0).access_token == "tok"


def test_a_fetched_token_is_cached_bound_to_the_secret_it_was_fetched_with(cache, monkeypatch):
    from vcc_cli.tokens import client

    class Answer:
        token = Token("fetched", "Bearer", ("stats",), cache.clock() + 900)
        notes = ()
        cacheable = True

    monkeypatch.setattr(client, "fetch_token", lambda *args, **kwargs: Answer())
    source_for(cache, Credentials("cid", "env", secret=RIGHT), session=object).fetch(["stats"], store=True)
    (entry,) = cache.entries_for(EP, "cid")
    assert entry.made_with(RIGHT) and not entry.made_with(WRONG)


def test_forget_other_secrets_keeps_only_the_tokens_of_the_current_secret(cache):
    put(cache, secret=WRONG, scopes=("stats",), token="old-secret")
    put(cache, secret=None, scopes=("users:read",), token="unbound")
    put(cache, secret=RIGHT, scopes=("admin:read",), token="current")
    put(cache, secret=WRONG, scopes=("stats",), client="other-client", token="other")
    assert source_for(cache, Credentials("cid", "login", secret=RIGHT)).forget_other_secrets() == 2
    left = sorted(e.token.access_token for e in cache.entries())
    assert left == ["current", "other"]
