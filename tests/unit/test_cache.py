"""SPEC section 2, the disk token cache (``vcc_cli.tokens.cache``): keys, modes,
atomic replacement, and the entries that count as a miss."""

from __future__ import annotations

import json
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import Entry, TokenCache, cache_key, decode_entry, encode_entry

EP = "https://emea.cc.vonage.com/Auth/connect/token"


@pytest.fixture
def cache(tmp_path, clock):
    return TokenCache(tmp_path / "cache", clock=clock)


def put(cache, scopes=("stats",), token="tok", lifetime=900.0, client="cid", endpoint=EP):
    now = cache.clock()
    return cache.put(endpoint, client, scopes, Token(token, "Bearer", tuple(scopes), now + lifetime), now)


def test_entry_is_served_while_min_ttl_seconds_remain(cache, clock):
    put(cache, lifetime=900)
    clock.advance(900 - 60)
    assert cache.find(EP, "cid", ["stats"], min_ttl=60).token.access_token == "tok"
    clock.advance(1)
    assert cache.find(EP, "cid", ["stats"], min_ttl=60) is None


def test_files_are_0600_in_a_0700_directory(cache):
    path = put(cache)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700


def test_file_names_do_not_reveal_the_client_id(cache):
    put(cache, client="very-identifiable-client")
    assert all("identifiable" not in p.name for p in cache.directory.iterdir())


def test_key_depends_on_endpoint_client_and_scope_set_not_order():
    base = cache_key(EP, "c", ["a", "b"])
    assert base == cache_key(EP, "c", ["b", "a", "a"])
    assert base != cache_key(EP.replace("emea", "nam"), "c", ["a", "b"])
    assert base != cache_key(EP, "c2", ["a", "b"])
    assert base != cache_key(EP, "c", ["a"])


def test_two_clients_or_endpoints_never_share_a_token(cache):
    put(cache, client="one", token="t-one")
    put(cache, client="two", token="t-two", endpoint=EP.replace("emea", "nam"))
    assert cache.find(EP, "two", ["stats"], 0) is None
    assert cache.find(EP, "one", ["stats"], 0).token.access_token == "t-one"


def test_a_token_whose_scopes_include_the_asked_ones_may_serve(cache):
    put(cache, scopes=("stats", "users:read"), token="wide")
    assert cache.find(EP, "cid", ["users:read"], 60).token.access_token == "wide"
    assert cache.find(EP, "cid", ["users:write"], 60) is None


def test_no_temporary_files_are_left_behind(cache):
    for i in range(3):
        put(cache, token=f"t{i}")
    assert sorted(p.suffix for p in cache.directory.iterdir()) == [".json"]


@pytest.mark.parametrize(
    "damage",
    [b"", b"{", b"not json at all", b"[]", b'{"version": 1}', b"\xff\xfe\x00", b'{"version": 99}'],
    ids=["empty", "truncated", "garbage", "list", "incomplete", "binary", "future-version"],
)
def test_damaged_entry_is_a_miss_and_is_replaced(cache, damage):
    path = put(cache)
    path.write_bytes(damage)
    assert cache.find(EP, "cid", ["stats"], 0) is None
    put(cache, token="new")
    assert cache.find(EP, "cid", ["stats"], 0).token.access_token == "new"


def test_truncated_valid_entry_is_a_miss(cache):
    path = put(cache)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert cache.find(EP, "cid", ["stats"], 0) is None


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
def test_group_or_world_writable_entry_is_a_miss(cache, mode):
    path = put(cache)
    path.chmod(mode)
    assert cache.find(EP, "cid", ["stats"], 0) is None


def test_foreign_owned_entry_is_a_miss(cache, monkeypatch):
    put(cache)
    real = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: real + 1)
    assert cache.find(EP, "cid", ["stats"], 0) is None


def test_clock_jumping_back_before_the_fetch_makes_the_entry_a_miss(cache, clock):
    put(cache, lifetime=900)
    clock.advance(-3600)
    assert cache.find(EP, "cid", ["stats"], 0) is None


def test_remove_deletes_only_matching_entries(cache):
    put(cache, client="a")
    put(cache, client="b")
    assert cache.remove(lambda e: e.client_id == "a") == 1
    assert [e.client_id for e in cache.entries()] == ["b"]


@st.composite
def entries(draw):
    """Entries as vcc writes them: obtained between 1970 and 2100, living up to 24 h."""
    obtained = draw(st.floats(min_value=0, max_value=4_102_444_800))
    lifetime = draw(st.floats(min_value=0.001, max_value=24 * 3600))
    token = Token(
        draw(st.text(min_size=1)), "Bearer", tuple(draw(st.lists(st.text(min_size=1), max_size=4))), obtained + lifetime
    )
    scopes = tuple(sorted(draw(st.lists(st.text(min_size=1), max_size=4))))
    return Entry(draw(st.text(min_size=1)), draw(st.text(min_size=1)), scopes, token, obtained)


@given(entries())
def test_entry_format_round_trips(entry):
    assert decode_entry(encode_entry(entry)) == entry


@pytest.mark.parametrize(
    ("expires_at", "obtained_at"),
    [
        (10**400, 0),
        (1e300, 1e300 - 10),
        (253_402_300_800.0 + 86400, 253_402_300_800.0),
        (2000.0, 1000.0 - 86400 * 2),
        (1000.0, 2000.0),
        (-5.0, -10.0),
    ],
    ids=["huge-integer", "1e300", "after-year-9999", "lives-two-days", "expires-before-obtained", "before-1970"],
)
def test_an_entry_vcc_could_not_have_written_is_a_miss(expires_at, obtained_at):
    raw = json.loads(encode_entry(Entry(EP, "c", ("s",), Token("t", "Bearer", ("s",), 1.0), 0.0)))
    raw["expires_at"], raw["obtained_at"] = expires_at, obtained_at
    assert decode_entry(json.dumps(raw).encode()) is None


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_decode_to_a_crash(data):
    decode_entry(data)  # returns an entry or None, never raises


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "version",
                "endpoint",
                "client_id",
                "scopes",
                "access_token",
                "token_type",
                "granted_scopes",
                "expires_at",
                "obtained_at",
            ]
        ),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.lists(st.text())),
    )
)
def test_arbitrary_json_objects_never_decode_to_a_crash(raw):
    decode_entry(json.dumps(raw).encode())


@given(
    lifetime=st.floats(min_value=1, max_value=86400),
    elapsed=st.floats(min_value=-86400 * 2, max_value=86400 * 2),
    min_ttl=st.floats(min_value=0, max_value=3600),
)
def test_a_dead_or_too_short_token_never_looks_alive(lifetime, elapsed, min_ttl):
    obtained = 1_000_000.0
    entry = Entry(EP, "c", ("s",), Token("t", "Bearer", ("s",), obtained + lifetime), obtained)
    now = obtained + elapsed
    if entry.usable_at(now, min_ttl):
        assert entry.token.expires_at - now >= min_ttl  # enough life left
        assert entry.token.expires_at - now <= lifetime + 5  # never more than it was issued with


def test_a_full_disk_during_write_keeps_the_previous_entry_and_leaves_no_temp_file(cache, monkeypatch):
    import errno

    from vcc_cli.tokens.cache import CacheUnavailable

    put(cache, token="old")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(CacheUnavailable):
        put(cache, token="new")
    monkeypatch.undo()
    assert cache.find(EP, "cid", ["stats"], 0).token.access_token == "old"
    assert [p.name for p in cache.directory.iterdir() if p.name.startswith(".tmp")] == []
