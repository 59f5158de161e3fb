"""SPEC sections 4 and 5, `vcc call --paginate` over time windows (``vcc_cli.windows``):
a start..end range wider than the API's window is split into consecutive windows,
no gap, no overlap, the boundaries exact."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcc_cli import windows
from vcc_cli.errors import UsageError

DAY = 86_400_000
MS = st.integers(min_value=0, max_value=4_102_444_800_000)  # 1970..2100


@given(
    start=MS,
    length=st.integers(min_value=1, max_value=400 * DAY),
    size=st.integers(min_value=3_600_000, max_value=40 * DAY),
)
def test_windows_cover_the_range_exactly_with_no_gap_and_no_overlap(start, length, size):
    end = start + length
    pieces = windows.split(start, end, size)
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(a < b and b - a <= size for a, b in pieces)
    assert all(previous[1] == following[0] for previous, following in itertools.pairwise(pieces))
    assert len(pieces) == -(-length // size)


@given(start=MS, length=st.integers(min_value=1, max_value=200 * DAY), size=st.sampled_from([DAY, 7 * DAY, 31 * DAY]))
def test_planned_boundaries_read_back_to_the_exact_millisecond(start, length, size):
    start_text, end_text = windows.format_time(start), windows.format_time(start + length)
    plan = windows.plan(start_text, end_text, limit=size / 1000, forced=size, now=0, path="/stats/x")
    assert plan is not None
    bounds = [(windows.parse_time(a, "start"), windows.parse_time(b, "end")) for a, b in plan.bounds]
    assert bounds == windows.split(start, start + length, size)
    assert plan.bounds[0][0] == start_text and plan.bounds[-1][1] == end_text


def test_the_first_and_last_bounds_are_kept_as_the_user_wrote_them():
    plan = windows.plan(
        "2026-01-01T01:00:00+01:00", "2026-03-01", limit=31 * 86400, forced=None, now=0, path="/stats/x"
    )
    assert plan is not None
    assert plan.bounds[0] == ("2026-01-01T01:00:00+01:00", "2026-02-01T00:00:00Z")
    assert plan.bounds[-1][1] == "2026-03-01"


def test_a_range_that_fits_is_not_split():
    assert (
        windows.plan("2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", limit=31 * 86400, forced=None, now=0, path="/p")
        is None
    )


def test_an_endpoint_without_a_limit_is_split_only_when_asked():
    assert windows.plan("2026-01-01", "2027-01-01", limit=None, forced=None, now=0, path="/p") is None
    plan = windows.plan("2026-01-01", "2026-01-03", limit=None, forced=DAY, now=0, path="/p")
    assert plan is not None and len(plan) == 2


def test_boundaries_between_windows_show_milliseconds_only_when_there_are_some():
    assert windows.format_time(0) == "1970-01-01T00:00:00Z"
    assert windows.format_time(1_500) == "1970-01-01T00:00:01.500Z"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1d", DAY),
        ("12h", DAY // 2),
        ("90m", 5_400_000),
        ("30s", 30_000),
        ("2w", 14 * DAY),
        ("1.5h", 5_400_000),
        ("250ms", 250),
    ],
)
def test_window_durations_take_a_unit(text, ms):
    assert windows.parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "1", "d", "0d", "-1d", "1y", "0.1ms"])
def test_a_duration_without_a_unit_or_not_positive_is_refused(text):
    with pytest.raises(ValueError, match="not a duration"):
        windows.parse_duration(text)


def test_a_time_that_is_not_iso_8601_is_a_usage_error_naming_the_parameter():
    with pytest.raises(UsageError, match="start='yesterday' is not an ISO 8601 time"):
        windows.plan("yesterday", None, limit=31 * 86400, forced=None, now=0, path="/p")


def test_too_many_windows_is_a_usage_error():
    with pytest.raises(UsageError, match="more than 100,000 windows"):
        windows.plan("2000-01-01", "2026-01-01", limit=None, forced=60_000, now=0, path="/p")
