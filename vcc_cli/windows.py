"""Time windows for ``--paginate`` (SPEC sections 4 and 5): a ``start``..``end`` range
wider than the API accepts is split into consecutive windows, paged one after the other.

VCC's limits (``../shared/reference/vcc-api-facts.md``): Insights Stats rejects windows
over 31 days ("Request window size limit exceeded 31 days") and defaults ``end`` to now
(https://newvoicemedia.atlassian.net/wiki/spaces/VCCA/pages/3567845377); the Interaction
Content v3 search needs both ``start`` and ``end``, at most 7 days apart
(https://docs-vcc.atlassian.net/wiki/spaces/VCCA/pages/3567223389). The catalog holds
each endpoint's limit, with these sources beside it.

Windows share their boundaries: each one's ``end`` is the next one's ``start``, so there
is no gap and no overlap as long as the API reads ``end`` as exclusive, as the emulator
does. undocumented: whether VCC includes an item that starts exactly at ``end``; the
boundaries are whole milliseconds, the precision of VCC's timestamps, so only an item
at that exact millisecond could be affected. The first window starts at ``start`` and
the last ends at ``end`` exactly as given; the boundaries between are written in UTC
(``…Z``), with milliseconds only when they are not zero.

Arithmetic is in integer milliseconds, so boundaries never drift. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from vcc_cli.errors import UsageError

MS_PER = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
#: More windows than this is surely a mistake (a 1-second window over a year): refused.
MAX_WINDOWS = 100_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_duration(text: str) -> int:
    """``1d``, ``12h``, ``90m``, ``30s``, ``2w``, ``500ms`` → milliseconds (at least 1);
    ValueError with the reason otherwise (the option table words it)."""
    match = _DURATION.match(text)
    value = float(match.group(1)) * MS_PER[match.group(2).lower()] if match else 0
    if not match or value < 1:
        raise ValueError(f"{text!r} is not a duration: write a number and a unit, e.g. 1d, 12h, 30m or 90s")
    return round(value)


def parse_time(text: str, name: str) -> int:
    """An ISO 8601 time (``2024-06-01T00:00:00Z``, with an offset, or a date alone,
    read as midnight UTC; no zone means UTC, as VCC reads it) → Unix milliseconds."""
    value = text.strip()
    if value[-1:] in ("z", "Z"):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{name}={text!r} is not an ISO 8601 time", f"write it as, e.g., {name}=2024-06-01T00:00:00Z"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(milliseconds=1)


def format_time(ms: int) -> str:
    """Unix milliseconds → ISO 8601 UTC with ``Z``; milliseconds shown only when not zero."""
    when = _EPOCH + timedelta(milliseconds=ms)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{ms % 1000:03d}Z" if ms % 1000 else "Z")


def describe(ms: int) -> str:
    """A duration for messages: ``31 days``, ``7 days``, ``12 hours``, ``90 s``."""
    for unit, name in ((MS_PER["d"], "day"), (MS_PER["h"], "hour"), (MS_PER["m"], "minute")):
        if ms >= unit and ms % unit == 0:
            count = ms // unit
            return f"{count} {name}{'s' if count != 1 else ''}"
    return f"{ms / 1000:g} s"


def _as_option(ms: int) -> str:
    """A duration as --window takes it: ``31d``, ``12h``, ``90m``, ``30s``."""
    for unit in ("d", "h", "m", "s"):
        if ms % MS_PER[unit] == 0:
            return f"{ms // MS_PER[unit]}{unit}"
    return f"{ms}ms"


def split(start: int, end: int, size: int) -> list[tuple[int, int]]:
    """Consecutive [a, b) windows of at most ``size`` ms covering [start, end) exactly."""
    if size <= 0:
        raise ValueError("size must be > 0")
    return [(a, min(a + size, end)) for a in range(start, end, size)]


@dataclass(frozen=True)
class Windows:
    """The windows a range is paged in: their ``start``/``end`` texts, in order."""

    bounds: tuple[tuple[str, str], ...]
    size: int  # milliseconds

    def __len__(self) -> int:
        return len(self.bounds)

    def params(self, index: int) -> dict[str, str]:
        start, end = self.bounds[index]
        return {"start": start, "end": end}


def plan(
    start_text: str | None,
    end_text: str | None,
    *,
    limit: float | None,
    forced: int | None,
    now: float,
    path: str,
    end_is_now: bool = True,
) -> Windows | None:
    """The windows to page ``start``..``end`` in, or None to send the range as it is.

    ``limit``: the endpoint's longest window in seconds (the catalog's; None if it has
    none). ``forced``: ``--window`` in milliseconds. ``now``: Unix seconds, for a missing
    ``end`` where the API reads it as now (``end_is_now``; elsewhere a missing ``end`` is
    the API's to refuse, and nothing is split). A range that must be split but has no ``start`` is a
    usage error naming the limit; so is a ``--window`` wider than the limit."""
    limit_ms = round(limit * 1000) if limit is not None else None
    if forced is not None and limit_ms is not None and forced > limit_ms:
        raise UsageError(
            f"--window {describe(forced)} is wider than {path} accepts ({describe(limit_ms)})",
            f"give --window {_as_option(limit_ms)} or less, or leave it out",
        )
    if limit_ms is None and forced is None:
        return None
    size = forced if forced is not None else limit_ms
    assert size is not None
    if start_text is None:
        if forced is not None:
            raise UsageError(
                "--window splits the start..end range, and there is no start",
                "give one, e.g. -q start=2024-06-01T00:00:00Z",
            )
        if end_text is None:
            return None  # the API's own default range; nothing to split
        raise UsageError(
            f"{path} takes at most {describe(size)} from start to end, and there is no start to split the range from",
            "give one, e.g. -q start=2024-06-01T00:00:00Z, and vcc --paginate splits longer ranges",
        )
    if end_text is None and not end_is_now:
        return None  # the API needs an end (the content search): it says so itself
    start = parse_time(start_text, "start")
    end = parse_time(end_text, "end") if end_text is not None else round(now * 1000)
    if end <= start:
        return None  # the API says what is wrong with it
    if end - start <= size and forced is None:
        return None  # fits: sent as the user wrote it
    if -(-(end - start) // size) > MAX_WINDOWS:
        raise UsageError(
            f"--paginate would split {start_text}..{end_text or 'now'} into more than {MAX_WINDOWS:,} windows",
            "give a larger --window or a shorter range",
        )
    pieces = split(start, end, size)
    texts = [format_time(a) for a, _ in pieces] + [end_text if end_text is not None else format_time(end)]
    texts[0] = start_text
    return Windows(tuple(pairwise(texts)), size)
