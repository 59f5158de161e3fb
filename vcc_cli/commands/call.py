"""``vcc call [METHOD] PATH``: an authenticated VCC API call, scope and Accept chosen
from the path. This module joins the stages: the request is built by ``request.py``,
sent by ``caller.py`` (tokens, refresh, retries), paged by ``pagination.py`` and shown
by ``output.py``."""

from __future__ import annotations

import json
from pathlib import Path

from vcc_cli.cli.table import Options
from vcc_cli.errors import NetworkError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.output import IO
    from vcc_cli.request import CallRequest
    from vcc_cli.resolve import Invocation
    from vcc_cli.runtime import Runtime

RETRIES = 3
#: --format: ``json`` is the merged document; the others stream item by item (formats.py).
FORMATS = ("json", "ndjson", "csv", "tsv", "table")


def parse_columns(text: str) -> list[str]:
    """``--columns a,b.c`` → ``["a", "b.c"]``; ValueError on an empty name."""
    names = [name.strip() for name in text.split(",")]
    if any(not name for name in names):
        raise ValueError(f"{text!r} has an empty column name: separate names with commas, e.g. agentId,start")
    return names


class CallOptions(Options):
    args: list[str]  # [METHOD] PATH
    method: str | None
    params: list[str]
    headers: list[str]
    data: str | None
    raw_fields: list[str]
    typed_fields: list[str]
    api_version: int | None
    scopes: list[str]
    profile: str | None
    region: str | None
    timeout: float | None
    paginate: bool
    format: str
    columns: list[str] | None
    window: int | None  # milliseconds
    query: str | None
    raw: bool
    include: bool
    output: str | None  # a file, or "-" for stdout byte for byte (as curl's -o -)
    byte_range: str | None
    retries: int
    verbose: bool
    dry_run: bool


def build_request(opts: CallOptions, rt: Runtime) -> tuple[CallRequest, str, Invocation]:
    """(request, Accept value, invocation) from the options; usage errors before anything is sent."""
    from vcc_cli import catalog, fields, request, resolve

    io = rt.io
    method, path = request.split_method_and_path(opts.args, opts.method)
    params = request.parse_params(opts.params)
    headers = request.parse_headers(opts.headers)
    if opts.byte_range is not None:
        if "range" in headers:
            raise UsageError("both --range and -H 'Range: ...' are given", "keep one of them")
        headers["range"] = ("Range", request.range_header(opts.byte_range))
    given = [fields.Field(f, False) for f in opts.raw_fields] + [fields.Field(f, True) for f in opts.typed_fields]
    if opts.data is not None and given:
        raise UsageError(
            "-d and -f/-F cannot be combined", "put the whole body in -d, or build it with -f/-F fields only"
        )
    body = request.read_body(opts.data, io.stdin) if opts.data is not None else None
    method = method or ("POST" if body is not None or given else "GET")
    if given:

        def read(name: str) -> str:
            return request.read_text_file(name, io.stdin)

        if method == "GET":  # as gh api does: fields of a GET go to the query string
            params += fields.query_params(given, read)
        else:
            body = json.dumps(fields.build_object(given, read), ensure_ascii=False).encode("utf-8")
    if opts.paginate and method != "GET":
        raise UsageError(f"--paginate follows the pages of a GET, not {method}", "drop --paginate, or use GET")
    _check_format_options(opts)
    inv = resolve.Invocation(rt, opts.profile, opts.region, opts.timeout)
    url, rel_path = request.resolve_url(path, inv.target.api_url)
    scopes, alternatives = resolve.call_scopes(
        method, rel_path, opts.scopes, lambda: inv.profile_scopes, rt.env.get("VCC_SCOPE", "").split()
    )
    req = request.CallRequest(method, url, rel_path, params, headers, body, scopes, alternatives)
    return req, catalog.accept_header(method, rel_path, opts.api_version), inv


def _check_format_options(opts: CallOptions) -> None:
    if opts.window is not None and not opts.paginate:
        raise UsageError("--window splits the range that --paginate pages", "add --paginate, or drop --window")
    if opts.columns and opts.format not in ("csv", "tsv", "table"):
        raise UsageError(
            f"--columns chooses the columns of --format csv, tsv or table, not {opts.format}",
            "add --format csv (or tsv, table), or pick fields with --query",
        )
    if opts.format != "json" and opts.raw:
        raise UsageError(
            f"--raw writes the answer as it came and --format {opts.format} rewrites it", "keep one of them"
        )


def plan_windows(opts: CallOptions, req: CallRequest, rt: Runtime):
    """The time windows ``--paginate`` pages the request's start..end in (windows.py), or None."""
    from vcc_cli import pagination

    return pagination.plan_for(req, rt.clock(), opts.window) if opts.paginate else None


def run(opts: CallOptions, rt: Runtime) -> int:
    from vcc_cli import pagination, resolve
    from vcc_cli.caller import Caller, api_error
    from vcc_cli.http import RetryPolicy
    from vcc_cli.output import Trace, render_body, save_body, write_head
    from vcc_cli.query import compile_query
    from vcc_cli.request import curl_command

    io = rt.io
    compiled = compile_query(opts.query) if opts.query is not None else None
    req, accept, inv = build_request(opts, rt)

    if opts.dry_run:
        token_options = [
            o
            for name, value in (("--profile", opts.profile), ("--region", opts.region))
            if value
            for o in (name, value)
        ]
        io.write_line(curl_command(req, accept, token_options=token_options, output=opts.output))
        if req.scope_alternatives and not req.user_sets_authorization:
            others = " or ".join(req.scope_alternatives)
            io.note(
                f"{req.path} also accepts {others}: if these credentials cannot get {req.scopes[0]}, "
                f"use -s {req.scope_alternatives[0]} in the vcc token command"
            )
        return 0

    creds = None if req.user_sets_authorization else resolve.credentials(inv)
    token = creds.token if creds else None
    source = resolve.token_source(inv, creds) if creds and token is None else None
    trace = Trace(io, rt.session, req.body) if opts.verbose else None
    caller = Caller(
        accept,
        rt.session,
        inv.timeout,
        RetryPolicy(retries=opts.retries, sleep=rt.sleep, clock=rt.clock),
        io.note,
        tokens=source,
        env_token=token,
        on_request=trace.request if trace else None,
        on_response=trace.response if trace else None,
    )
    if trace:
        trace.caller = caller

    plan = plan_windows(opts, req, rt)
    if plan is not None and len(plan) > 1 and req.param("continuationToken") is not None:
        raise UsageError(
            "-q continuationToken resumes one search, and this range is paged in several windows",
            "drop the continuationToken, or give the start..end of that one search",
        )
    first_req, first_label = pagination.first_request(req, plan)
    sent = caller.send(first_req)
    response = sent.response
    if opts.include:
        write_head(io, response)
    try:
        if response.status_code >= 400:
            render_body(io, response, raw=opts.raw)
            raise api_error(response, first_req, sent.token_scopes, page=first_label if plan else None)
        if opts.paginate or compiled is not None or opts.format != "json":
            _structured(opts, compiled, req, caller, response, io, plan, _columns_env(rt.env))
        elif opts.output is not None and opts.output != "-":
            save_body(io, response, Path(opts.output))
        else:
            render_body(io, response, raw=opts.raw, force_bytes=opts.output == "-")
    finally:
        response.close()
        if trace:
            trace.done()
    return 0


# --------------------------------------------------------------------------- JSON results


def _columns_env(env) -> int | None:
    """The terminal width ``COLUMNS`` gives, as rich reads it, from the run's environment."""
    try:
        width = int(env.get("COLUMNS", ""))
    except ValueError:
        return None
    return width if width > 0 else None


def _structured(
    opts: CallOptions, compiled, req: CallRequest, caller, response, io: IO, plan=None, width: int | None = None
) -> None:
    """--paginate, --query and/or --format: the JSON answer, paged (over windows),
    queried, merged into one document or streamed item by item."""
    from vcc_cli import pagination
    from vcc_cli.caller import api_error
    from vcc_cli.output import NOT_JSON, content_type, emit_json, emit_received, render_body
    from vcc_cli.query import apply_query

    output = _saved_to(opts)
    streamed = opts.format != "json"

    data = _read_all(response)
    using = "--paginate" if opts.paginate else "--query" if compiled is not None else f"--format {opts.format}"
    needed_by = None if opts.paginate else "--query" if compiled is not None else f"--format {opts.format}"
    document = _parse_json(data, response, needed_by, using)
    if document is NOT_JSON:
        if compiled is not None or streamed:
            needs = "--query" if compiled is not None else f"--format {opts.format}"
            raise UsageError(
                f"{needs} needs a JSON answer; this one is {content_type(response) or 'of no type'}",
                f"drop {needs} for this path",
            )
        io.note("--paginate: the answer is not JSON; printed as is")
        return emit_received(io, data, content_type(response), output)

    def get_json(page_req: CallRequest, label: str):
        sent = caller.send(page_req)
        with sent.response as page_response:
            if page_response.status_code >= 400:
                if not streamed:
                    render_body(io, page_response, raw=opts.raw)
                    raise api_error(page_response, page_req, sent.token_scopes, page=label)
                # items are on stdout already: the answer must not pass for one more
                error = api_error(page_response, page_req, sent.token_scopes, page=label)
                error.hint = "the items of the pages before it were written: run again, or page a shorter range"
                raise error
            parsed = _parse_json(_read_all(page_response), page_response, None, f"--paginate ({label})")
        if parsed is NOT_JSON:
            raise NetworkError(f"{label} of {req.path} is not JSON", "try again; if it persists, drop --paginate")
        return parsed

    walk = pagination.follow(req, document, get_json, plan=plan)
    if plan is not None and not walk.paged:
        raise NetworkError(
            f"--paginate: the answer for the first window of {req.path} is not a paged collection, "
            "so its windows cannot be joined",
            "page a shorter start..end range, or drop --paginate",
        )
    if opts.paginate and not walk.paged:
        io.note(walk.not_paged_note())
        if compiled is None and not streamed:
            return emit_received(io, data, content_type(response), output)
    del data  # parsed: not held twice while paging
    if streamed:
        return _stream(opts, compiled, walk, io, output, width)
    if opts.paginate and walk.paged:
        collected = walk.merged()
        for note in collected.notes:
            io.note(note)
        document = collected.document
    if compiled is not None:
        document = apply_query(compiled, document)
    emit_json(io, document, output=output, raw=opts.raw)
    _complete_or_fail(walk)


def _complete_or_fail(walk) -> None:
    """Exit 4 after a walk the page limit cut short: the output is incomplete (and
    says where it stopped), which a script must not take for a whole export."""
    if walk.truncated:
        raise NetworkError(
            f"--paginate stopped at the limit of {walk.max_pages:,} pages a window: the output is incomplete",
            "page a shorter start..end range or a smaller --window, or ask for bigger pages (-q limit=N)",
        )


def _stream(opts: CallOptions, compiled, walk, io: IO, output: Path | None, width: int | None = None) -> None:
    """A streamed --format: each page's items written as the page arrives (memory
    holds one page), into ``output`` complete or not at all, or onto stdout."""
    from vcc_cli import formats
    from vcc_cli.output import ProgressLine, console

    terminal = output is None and io.stdout_tty and opts.output != "-"
    if width is None:
        width = console(io.stdout).width if terminal else 100
    writer = formats.writer(
        opts.format, query=compiled, columns=opts.columns, terminal=terminal, width=width, color=terminal and io.color
    )
    progress = ProgressLine(io) if opts.paginate and io.stderr_tty and not opts.verbose else None

    def batches():
        if not walk.paged:  # one answer: its items (a list), or the answer as one item
            document = walk.first
            yield document if isinstance(document, list) else [document]
            return
        if not opts.paginate:
            yield walk.first[walk.name]
            return
        yield from walk

    def chunks():
        for batch in batches():
            text = writer.page(batch)
            if progress:
                pages = f"{walk.pages:,} page{'s' if walk.pages != 1 else ''}"
                progress.update(f"{pages}, {walk.count:,} items, {progress.elapsed():.1f} s")
            if text:
                yield _encoded(text)
        tail = writer.end()
        if tail:
            yield _encoded(tail)

    try:
        if output is not None:
            from vcc_cli.download import save

            written = save(chunks(), output)
            if progress:
                progress.clear()
            io.note(f"saved {output} ({written} bytes)")
        else:
            for chunk in chunks():
                if progress:
                    progress.clear()
                io.write_bytes(chunk)
    finally:
        if progress:
            progress.clear()
    for note in walk.notes + writer.notes:
        io.note(note)
    if compiled is not None and writer.queried and not writer.results_kept:
        io.note(
            f"--query gave null for each of the {writer.queried:,} items: with --format {opts.format} it applies "
            "to one item at a time (write agentId, not items[].agentId)"
        )
    _complete_or_fail(walk)


def _encoded(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON \ud800 escape: escaped again, as JSON writes it
        return text.encode("utf-8", "backslashreplace")


def _saved_to(opts: CallOptions) -> Path | None:
    """The file -o names (None for stdout, ``-o -`` included)."""
    return Path(opts.output) if opts.output not in (None, "-") else None


def _read_all(response) -> bytes:
    from vcc_cli.http import iter_body

    return b"".join(iter_body(response))


#: How deeply an answer may nest for --query and --paginate, which walk it: far beyond
#: any VCC answer, and well within the stack that parsing, querying and printing need.
MAX_JSON_DEPTH = 256


def _parse_json(data: bytes, response, needed_by: str | None, using: str):
    """The JSON document of ``data``, NOT_JSON if it is none; ``needed_by`` (an option)
    makes an empty body a usage error. An answer nested deeper than MAX_JSON_DEPTH is
    unusable for ``using`` (exit 4): refused here, before anything recurses through it."""
    from vcc_cli.output import NOT_JSON

    if not data.strip():
        if needed_by:
            raise UsageError(f"{needed_by} needs a JSON answer; HTTP {response.status_code} came with no body")
        return NOT_JSON
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return NOT_JSON
    except RecursionError:
        document = NOT_JSON
    if document is NOT_JSON or _deeper_than(document, data, MAX_JSON_DEPTH):
        raise NetworkError(
            f"{using}: the answer is JSON nested more than {MAX_JSON_DEPTH} levels deep, too deep to use",
            "drop --paginate and --query to get the answer as it came",
        )
    return document


def _deeper_than(document: object, data: bytes, limit: int) -> bool:
    """Whether ``document`` (parsed from ``data``) nests more than ``limit`` levels,
    found without recursion, a level at a time (json.loads makes plain dicts and
    lists); an answer with fewer brackets than that is not even walked."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    level: list = [document]
    depth = 1
    while level:
        if depth > limit:
            return True
        below: list = []
        for value in level:
            children = value.values() if type(value) is dict else value
            below += [child for child in children if type(child) is dict or type(child) is list]
        level = below
        depth += 1
    return False
