"""SPEC section 4, `vcc content download` and `vcc content delete`, the parts below the
commands (`vcc_cli/bulk.py`): the rate limiter shared by every worker (on a fake clock),
429s lowering the pace, names of the files, the GUIDs file, resume and stale files."""

from __future__ import annotations

import json
import os
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcc_cli import bulk
from vcc_cli.errors import UsageError

GUID = "0248bee5-288d-48ab-9edd-9f80bcd4211d"


class FakeTime:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(per_minute: float, clock: FakeTime, **kw) -> bulk.RateLimiter:
    return bulk.RateLimiter(per_minute, clock=clock, sleep=clock.sleep, **kw)


# --------------------------------------------------------------------------- the rate limiter


def test_the_rate_limiter_spaces_requests_evenly_at_the_rate():
    clock = FakeTime()
    pace = limiter(60, clock)
    assert [pace.reserve() for _ in range(4)] == [0.0, 1.0, 2.0, 3.0]


def test_the_rate_limiter_lets_a_request_go_at_once_after_a_quiet_spell():
    clock = FakeTime()
    pace = limiter(160, clock)
    pace.acquire()
    clock.now += 10
    pace.acquire()
    assert clock.slept == []


@settings(max_examples=60, deadline=None)
@given(
    rate=st.integers(1, 400),
    gaps=st.lists(st.floats(0, 2, allow_nan=False), min_size=1, max_size=300),
)
def test_no_minute_sees_more_requests_than_the_rate_allows(rate, gaps):
    """However the requests arrive, the limiter sends at most rate + 1 in any 60 s,
    which is what a per-minute fair-usage limit counts."""
    clock = FakeTime()
    pace = limiter(rate, clock)
    sent = []
    for gap in gaps:
        clock.now += gap
        pace.acquire()
        sent.append(clock.now)
    for i, start in enumerate(sent):
        in_window = sum(1 for t in sent[i:] if t < start + 60)
        assert in_window <= rate + 1


def test_a_429_halves_the_pace_for_a_while():
    clock = FakeTime()
    pace = limiter(160, clock, slow_for=60)
    pace.slow_down()
    assert pace.per_minute() == 80
    clock.now += 61
    assert pace.per_minute() == 160


def test_several_429s_at_once_halve_the_pace_once():
    """Workers hit by the same limit at the same moment lower it once, not once each."""
    clock = FakeTime()
    pace = limiter(160, clock)
    for _ in range(4):
        pace.slow_down()
    assert pace.per_minute() == 80 and pace.slowdowns == 1
    clock.now += bulk.RateLimiter.DEBOUNCE
    pace.slow_down()
    assert pace.per_minute() == 40


def test_the_pace_never_drops_below_one_request_a_minute():
    clock = FakeTime()
    pace = limiter(16, clock)
    for _ in range(20):
        pace.slow_down()
        clock.now += bulk.RateLimiter.DEBOUNCE
    assert pace.per_minute() >= 1


def test_after_a_429_the_next_request_waits_the_slower_interval():
    clock = FakeTime()
    pace = limiter(60, clock)
    pace.acquire()
    pace.slow_down()
    assert pace.reserve() == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("text", "per_minute"), [("160", 160), ("160/min", 160), ("16/m", 16), ("2/s", 120), (" 2.5 / min ", 2.5)]
)
def test_rate_is_requests_a_minute_or_a_second(text, per_minute):
    assert bulk.parse_rate(text) == per_minute


@pytest.mark.parametrize("text", ["0", "-1", "fast", "10/h", "nan", "inf", ""])
def test_a_rate_that_is_not_one_is_refused(text):
    with pytest.raises(ValueError, match="not a rate"):
        bulk.parse_rate(text)


def test_the_option_tables_show_the_same_defaults_as_bulk():
    from vcc_cli.cli import content

    assert (content.DOWNLOAD_RATE, content.DELETE_RATE, content.BATCH_SIZE) == (
        bulk.DOWNLOAD_RATE,
        bulk.DELETE_RATE,
        bulk.BATCH_SIZE,
    )
    assert (content.DEFAULT_CONCURRENCY, content.MAX_CONCURRENCY) == (bulk.DEFAULT_CONCURRENCY, bulk.MAX_CONCURRENCY)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("ctype", "ext"),
    [
        ("audio/wav", "wav"),
        ("audio/x-wav", "wav"),
        ("video/webm", "webm"),
        ("application/json", "json"),
        ("application/json; charset=utf-8", "json"),
        ("audio/mpeg", "mp3"),
        ("application/x-unknown-thing", "bin"),
        (None, "bin"),
    ],
)
def test_the_extension_comes_from_the_content_type(ctype, ext):
    assert bulk.extension(ctype) == ext


def item(*content, guid=GUID):
    return {"guid": guid, "content": list(content)}


REC = {"contentKey": "callRecording", "contentType": "audio/wav", "contentLength": 44}
TRANSCRIPT = {"contentKey": "transcript", "contentType": "application/json", "contentLength": 10}


def test_files_are_named_guid_contentkey_ext():
    files, refused = bulk.content_files(item(REC, TRANSCRIPT))
    assert [f.name for f in files] == [f"{GUID}_callRecording.wav", f"{GUID}_transcript.json"] and refused == []


def test_content_keys_filter_in_any_case():
    files, _ = bulk.content_files(item(REC, TRANSCRIPT), ["CALLRECORDING"])
    assert [f.key for f in files] == ["callRecording"]


@pytest.mark.parametrize("key", ["../../etc/passwd", "a/b", ".hidden", "", None, "x" * 101])
def test_a_content_key_that_would_name_another_file_is_refused(key):
    files, refused = bulk.content_files(item({**REC, "contentKey": key}))
    assert files == [] and len(refused) == 1 and "not a plain name" in refused[0].message


@pytest.mark.parametrize("guid", ["../x", "not-a-guid", None, 7])
def test_an_item_guid_that_is_not_a_guid_is_refused(guid):
    files, refused = bulk.content_files(item(REC, guid=guid))
    assert files == [] and "not a GUID" in refused[0].message


# --------------------------------------------------------------------------- the GUIDs file


def test_the_guids_file_skips_blank_lines_and_comments_and_keeps_each_guid_once():
    other = str(uuid.uuid4())
    lines = ["# old calls\n", "\n", f"{GUID}\n", f"  {other}  \n", GUID.upper() + "\n"]
    assert bulk.read_guids(lines, "g.txt") == [GUID, other]


def test_the_guids_file_takes_a_failures_file():
    lines = [json.dumps({"guid": GUID, "contentKey": "callRecording", "status": 500}) + "\n"]
    assert bulk.read_guids(lines, "failures.ndjson") == [GUID]


def test_an_invalid_guid_is_a_usage_error_naming_the_line():
    with pytest.raises(UsageError, match=r"g\.txt line 3: 'nope' is not an interaction GUID"):
        bulk.read_guids([GUID, "# c", "nope"], "g.txt")


def test_control_characters_of_a_bad_line_are_shown_escaped():
    with pytest.raises(UsageError) as caught:
        bulk.read_guids(["\x1b[2Jx"], "g.txt")
    assert "\x1b" not in caught.value.message


# --------------------------------------------------------------------------- resume and stale files


def test_a_file_of_the_content_length_is_complete_and_another_size_is_not(tmp_path):
    (file,), _ = bulk.content_files(item(REC))
    target = tmp_path / file.name
    assert not bulk.is_complete(target, file)
    target.write_bytes(b"x" * 44)
    assert bulk.is_complete(target, file)
    target.write_bytes(b"x" * 43)
    assert not bulk.is_complete(target, file)


def test_stale_part_files_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    stale = tmp_path / f".{GUID}_callRecording.wav.0123456789abcdef.part"
    stale.write_bytes(b"half")
    kept = [tmp_path / f"{GUID}_callRecording.wav", tmp_path / ".notes.part", tmp_path / "x.0123456789abcdef.part"]
    for path in kept:
        path.write_bytes(b"mine")
    assert bulk.remove_stale_parts(tmp_path) == 1
    assert not stale.exists() and all(p.exists() for p in kept)


def test_a_directory_is_written_by_one_download_at_a_time(tmp_path):
    fd = bulk.lock_directory(tmp_path / "out")
    if fd is None:
        pytest.skip("no flock on this platform")
    try:
        with pytest.raises(UsageError, match="another vcc content download"):
            bulk.lock_directory(tmp_path / "out")
    finally:
        os.close(fd)
    again = bulk.lock_directory(tmp_path / "out")  # free again once the first run ends
    assert again is not None
    os.close(again)


def test_dir_that_is_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="not a directory"):
        bulk.lock_directory(tmp_path / "f")


def test_failures_file_is_one_json_object_a_line_and_goes_when_none_fail(tmp_path):
    failures = [bulk.Failure(GUID, "callRecording", 500, "HTTP 500 \x1b[31m", f"{GUID}_callRecording.wav")]
    path = bulk.write_failures(tmp_path, failures)
    assert path == tmp_path / "failures.ndjson"
    lines = path.read_bytes().splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "guid": GUID,
            "contentKey": "callRecording",
            "file": f"{GUID}_callRecording.wav",
            "status": 500,
            "message": "HTTP 500 \x1b[31m",
        }
    ]
    assert b"\x1b" not in path.read_bytes()  # escaped as JSON: inert when someone cats it
    assert bulk.write_failures(tmp_path, []) is None and not path.exists()
