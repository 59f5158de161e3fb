"""``vcc content download`` and ``vcc content delete``: their option tables and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import FLAG, LIST, Command, Group, Opt, number
from vcc_cli.commands import content

#: Mirrors bulk.py's figures (VCC's samples: 160 and 16 requests a minute, batches of
#: 1000); not imported from there, which would load threading for `vcc --help`.
DOWNLOAD_RATE = 160.0
DELETE_RATE = 16.0
BATCH_SIZE = 1000
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 16


def _content_key(text: str) -> str:
    """A contentKey as VCC names them (letters, digits, ``._-``); ValueError otherwise."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9._-]+", text):
        raise ValueError(f"{text!r} is not a contentKey, such as callRecording or transcript")
    return text


class rate:  # lower case: it reads like `number`, a conversion
    """``160``, ``160/min`` or ``2/s`` → requests a minute (``bulk.parse_rate``)."""

    def __call__(self, text: str) -> float:
        from vcc_cli.bulk import parse_rate

        return parse_rate(text)


START = Opt(
    ("--start",),
    "start",
    "Search from this time (ISO 8601, UTC unless it says); wider than 7 days is split into windows.",
    metavar="TIME",
)
END = Opt(("--end",), "end", "Search up to this time (exclusive).", metavar="TIME")
GUIDS = Opt(
    ("--guids",),
    "guids",
    "Interaction GUIDs instead of a search: one a line, # comments; - for stdin.",
    metavar="FILE",
)
RETRIES = Opt(
    ("--retries",),
    "retries",
    "Retries of a 429, a 5xx or a broken download.",
    default=content.RETRIES,
    metavar="N",
    convert=number(0, 10, integer=True),
)

DOWNLOAD = Command(
    "download",
    content.DownloadOptions,
    content.run_download,
    [
        START,
        END,
        GUIDS,
        Opt(("--dir",), "directory", "Where the files go (created if missing).", metavar="DIR"),
        Opt(
            ("--content",),
            "content",
            "Only this contentKey (e.g. callRecording, transcript); repeatable. Default: all.",
            kind=LIST,
            metavar="KEY",
            convert=_content_key,
        ),
        Opt(
            ("--concurrency", "-j"),
            "concurrency",
            "Downloads at a time.",
            default=DEFAULT_CONCURRENCY,
            metavar="N",
            convert=number(1, MAX_CONCURRENCY, integer=True),
        ),
        Opt(
            ("--rate",),
            "rate",
            "Requests a minute, shared by all downloads (N or N/min); a 429 lowers it for a while.",
            default=DOWNLOAD_RATE,
            metavar="N/min",
            convert=rate(),
        ),
        RETRIES,
        common.PROFILE,
        common.REGION,
        common.TIMEOUT,
    ],
    panel="Bulk content",
    short_help="Download recordings and transcripts by time range or GUID.",
    help="""Download the content of interactions into DIR/{guid}_{contentKey}.{ext}.

    Finds the interactions by --start/--end (the Interaction Content search) or reads
    their GUIDs from --guids FILE. Each file is complete or absent; a rerun skips the
    complete ones, so an interrupted run resumes. Requests are paced (160 a minute by
    default, VCC's own figure); what still fails after the retries is listed in
    DIR/failures.ndjson, and the exit code is then 1.

    \b
    Examples:
      vcc content download --start 2024-06-01 --end 2024-06-08 --dir recordings
      vcc content download --guids guids.txt --dir out --content callRecording
      vcc content download --guids out/failures.ndjson --dir out   # try the failures again
    """,
)

DELETE = Command(
    "delete",
    content.DeleteOptions,
    content.run_delete,
    [
        START,
        END,
        GUIDS,
        Opt(("--yes", "-y"), "yes", "Delete without asking (needed when stdin is not a terminal).", kind=FLAG),
        Opt(("--dry-run",), "dry_run", "Print the GUIDs that would be deleted, and delete nothing.", kind=FLAG),
        Opt(
            ("--batch-size",),
            "batch_size",
            "GUIDs per delete-batch request.",
            default=BATCH_SIZE,
            metavar="N",
            convert=number(1, BATCH_SIZE, integer=True),
        ),
        Opt(
            ("--rate",),
            "rate",
            "delete-batch requests a minute (N or N/min); a 429 lowers it for a while.",
            default=DELETE_RATE,
            metavar="N/min",
            convert=rate(),
        ),
        RETRIES,
        common.PROFILE,
        common.REGION,
        common.TIMEOUT,
    ],
    panel="Bulk content",
    short_help="Delete interactions and their content, in batches.",
    help="""Delete interactions and all their content with delete-batch.

    Finds the interactions by --start/--end or reads their GUIDs from --guids FILE,
    asks on a terminal (elsewhere --yes is needed), then deletes them in batches of
    1000, 16 batches a minute by default (VCC's own figures). What fails is printed
    on stdout, one JSON object a line (guid, status, message); the exit code is then 1.

    \b
    Examples:
      vcc content delete --start 2024-06-01 --end 2024-06-02 --dry-run
      vcc content delete --guids old.txt --yes > failures.ndjson
    """,
)

GROUP = Group(
    "content",
    [DOWNLOAD, DELETE],
    panel="Bulk content",
    short_help="Download or delete interaction content in bulk.",
    help="""Bulk work on the Interaction Content API: download or delete.

    \b
    Examples:
      vcc content download --start 2024-06-01 --end 2024-06-02 --dir recordings
      vcc content delete --guids old.txt --yes
    """,
)
