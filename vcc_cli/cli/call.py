"""``vcc call``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common, complete
from vcc_cli.cli.table import FLAG, LIST, Arg, Command, Opt, choice, number
from vcc_cli.commands import call
from vcc_cli.commands.call import FORMATS, parse_columns


def parse_duration(text: str) -> int:
    from vcc_cli.windows import parse_duration  # datetime and re only when --window is given

    return parse_duration(text)


COMMAND = Command(
    "call",
    call.CallOptions,
    call.run,
    [
        Opt(("--method", "-X"), "method", "HTTP method (default GET, or POST with a body).", metavar="METHOD"),
        Opt(("--param", "-q"), "params", "Query parameter, URL-encoded; repeatable.", kind=LIST, metavar="KEY=VALUE"),
        Opt(
            ("--header", "-H"),
            "headers",
            "Request header, replaces a default one; repeatable.",
            kind=LIST,
            metavar="'NAME: VALUE'",
        ),
        Opt(("--data", "-d"), "data", "JSON body: inline, from a file, or from stdin.", metavar="JSON|@FILE|@-"),
        Opt(
            ("--raw-field", "-f"),
            "raw_fields",
            "String field of a JSON body (query parameter for GET); key[sub] nests, key[] lists.",
            kind=LIST,
            metavar="KEY=VALUE",
        ),
        Opt(
            ("--field", "-F"),
            "typed_fields",
            "Typed field: numbers, true/false, null, @file; nests like -f.",
            kind=LIST,
            metavar="KEY=VALUE",
        ),
        Opt(
            ("--api-version",),
            "api_version",
            "Accept version N (default: the catalog's for the path).",
            metavar="N",
            convert=number(1, integer=True),
        ),
        common.SCOPES,
        common.PROFILE,
        common.REGION,
        common.TIMEOUT,
        Opt(
            ("--paginate",),
            "paginate",
            "Fetch every page (page numbers or continuation tokens), splitting start..end into the API's windows.",
            kind=FLAG,
        ),
        Opt(
            ("--format",),
            "format",
            "json: one document; ndjson, csv, tsv, table: item by item as pages arrive.",
            default="json",
            metavar="[json|ndjson|csv|tsv|table]",
            convert=choice(FORMATS),
            complete=lambda incomplete: complete.matching(FORMATS, incomplete),
        ),
        Opt(
            ("--columns",),
            "columns",
            "Columns of csv, tsv and table: dotted paths into each item.",
            metavar="A,B.C",
            convert=parse_columns,
        ),
        Opt(
            ("--window",),
            "window",
            "With --paginate, page start..end in windows this long (default: the API's limit).",
            metavar="DURATION",
            convert=parse_duration,
        ),
        Opt(
            ("--query",),
            "query",
            "JMESPath over the JSON result (per item with a streamed --format); a string prints raw.",
            metavar="EXPR",
        ),
        Opt(("--raw",), "raw", "Write the body byte for byte, even on a terminal (never binary).", kind=FLAG),
        Opt(("--include", "-i"), "include", "Print the status line and headers before the body.", kind=FLAG),
        Opt(
            ("--output", "-o"),
            "output",
            "Stream the body into FILE, complete or not at all (for recordings); - for stdout.",
            metavar="FILE",
        ),
        Opt(
            ("--range",),
            "byte_range",
            "Ask for part of the body: bytes FIRST-LAST, FIRST- or -SUFFIX.",
            metavar="FIRST-LAST",
        ),
        Opt(
            ("--retries",),
            "retries",
            "Retries on 429, and 502/503/504 for idempotent methods.",
            default=call.RETRIES,
            metavar="N",
            convert=number(0, 10, integer=True),
        ),
        Opt(
            ("--verbose", "-v"),
            "verbose",
            "Show requests, responses and timings on stderr (secrets redacted).",
            kind=FLAG,
        ),
        Opt(("--dry-run",), "dry_run", "Print the request as a curl command and send nothing.", kind=FLAG),
    ],
    args=Arg(
        "args",
        "[METHOD] PATH",
        "Optional method, then a path such as /stats/agent-activities.",
        complete=complete.complete_call_target,
    ),
    panel="Tokens and calls",
    short_help="Call a VCC API; scope and Accept version come from the path.",
    help="""Call a VCC API with a bearer token; scope and Accept version come from the path.

    \b
    Examples:
      vcc call /useradmin/users --paginate --query 'users[].username'
      vcc call /stats/agent-activities -q start=2026-01-01T00:00:00Z --paginate --format csv > activities.csv
    """,
)
