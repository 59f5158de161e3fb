"""``vcc call [METHOD] PATH``: an authenticated VCC API call, scope and Accept chosen from the path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vcc_cli.call import CallOptions, run
from vcc_cli.cli import options
from vcc_cli.runtime import current

# --------------------------------------------------------------------------- the command


def command(
    args: Annotated[
        list[str],
        typer.Argument(
            metavar="[METHOD] PATH",
            help="Optional method, then a path such as /stats/agent-activities.",
            show_default=False,
            autocompletion=options.complete_call_target,
        ),
    ],
    method: Annotated[
        str | None,
        typer.Option("--method", "-X", metavar="METHOD", help="HTTP method (default GET, or POST with a body)."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-q", metavar="KEY=VALUE", help="Query parameter, URL-encoded; repeatable."),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", "-H", metavar="'NAME: VALUE'", help="Request header, replaces a default one; repeatable."
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option("--data", "-d", metavar="JSON|@FILE|@-", help="JSON body: inline, from a file, or from stdin."),
    ] = None,
    raw_field: Annotated[
        list[str] | None,
        typer.Option(
            "--raw-field",
            "-f",
            metavar="KEY=VALUE",
            help="String field of a JSON body (query parameter for GET); key[sub] nests, key[] lists.",
        ),
    ] = None,
    typed_field: Annotated[
        list[str] | None,
        typer.Option(
            "--field", "-F", metavar="KEY=VALUE", help="Typed field: numbers, true/false, null, @file; nests like -f."
        ),
    ] = None,
    api_version: Annotated[
        int | None,
        typer.Option(
            "--api-version", min=1, metavar="N", help="Accept version N (default: the catalog's for the path)."
        ),
    ] = None,
    scope: options.Scopes = None,
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    timeout: options.TimeoutOpt = None,
    paginate: Annotated[
        bool,
        typer.Option(
            "--paginate",
            help="Fetch every page (page numbers or continuation tokens) and print one document with all items.",
        ),
    ] = False,
    query: Annotated[
        str | None,
        typer.Option(
            "--query", metavar="EXPR", help="JMESPath over the JSON result (after --paginate); a string prints raw."
        ),
    ] = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Write the body byte for byte, even on a terminal (never binary).")
    ] = False,
    include: Annotated[
        bool, typer.Option("--include", "-i", help="Print the status line and headers before the body.")
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Stream the body into FILE, complete or not at all (for recordings)."
        ),
    ] = None,
    byte_range: Annotated[
        str | None,
        typer.Option(
            "--range", metavar="FIRST-LAST", help="Ask for part of the body: bytes FIRST-LAST, FIRST- or -SUFFIX."
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries", min=0, max=10, metavar="N", help="Retries on 429, and 502/503/504 for idempotent methods."
        ),
    ] = 3,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show requests, responses and timings on stderr (secrets redacted).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the request as a curl command and send nothing.")
    ] = False,
) -> None:
    """Call a VCC API with a bearer token; scope and Accept version come from the path.

    Example: vcc call /useradmin/users --paginate --query 'items[].username'
    """
    to_stdout = output is not None and str(output) == "-"  # as curl: -o - is stdout, byte for byte
    opts = CallOptions(
        args,
        method,
        param or [],
        header or [],
        data,
        api_version,
        scope or [],
        profile,
        region,
        timeout,
        raw,
        include,
        output,
        retries,
        verbose,
        dry_run,
        raw_field or [],
        typed_field or [],
        paginate,
        query,
        byte_range,
    )
    if to_stdout:
        opts.output, opts.stdout_bytes = None, True
    raise typer.Exit(run(opts, current()))
