"""What ``vcc call [METHOD] PATH`` does, without typer (shared by the command and the start-up fast path): an authenticated VCC API call, scope and Accept chosen from the path."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from vcc_cli.errors import NetworkError, UsageError
from vcc_cli.runtime import Runtime

COLOR_LIMIT = 2 * 1024 * 1024  # bytes of JSON above which a terminal gets it uncoloured (rich is slow on huge text)
_BINARY_TYPES = ("application/octet-stream", "application/zip", "application/pdf", "application/gzip")


@dataclass
class CallOptions:
    args: list[str]
    method: str | None = None
    params: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    data: str | None = None
    api_version: int | None = None
    scopes: list[str] = field(default_factory=list)
    profile: str | None = None
    region: str | None = None
    timeout: float | None = None
    raw: bool = False
    include: bool = False
    output: Path | None = None
    retries: int = 3
    verbose: bool = False
    dry_run: bool = False
    raw_fields: list[str] = field(default_factory=list)
    typed_fields: list[str] = field(default_factory=list)
    paginate: bool = False
    query: str | None = None
    byte_range: str | None = None
    stdout_bytes: bool = False  # -o -: the body byte for byte on stdout, even binary on a terminal


def _check_text(opts: CallOptions) -> None:
    """Arguments holding bytes that are not UTF-8 are usage errors naming the option,
    not crashes deep in the HTTP client."""
    from vcc_cli.config import require_text

    given = {
        "PATH": opts.args,
        "-q": opts.params,
        "-H": opts.headers,
        "-f": opts.raw_fields,
        "-F": opts.typed_fields,
        "-d": [opts.data] if opts.data is not None else [],
        "--query": [opts.query] if opts.query else [],
    }
    for option, values in given.items():
        for value in values:
            require_text(value, option)


def build_request(opts: CallOptions, rt: Runtime):
    """(request, Accept value, invocation) from the options; usage errors before anything is sent."""
    from vcc_cli import api, catalog, fields
    from vcc_cli.tokens.resolve import resolve_invocation

    io = rt.io
    _check_text(opts)
    method, path = api.split_method_and_path(opts.args, opts.method)
    params = api.parse_params(opts.params)
    headers = api.parse_headers(opts.headers)
    if opts.byte_range is not None:
        if "range" in headers:
            raise UsageError("both --range and -H 'Range: ...' are given", "keep one of them")
        headers["range"] = ("Range", api.range_header(opts.byte_range))
    given = [fields.Field(f, False) for f in opts.raw_fields] + [fields.Field(f, True) for f in opts.typed_fields]
    if opts.data is not None and given:
        raise UsageError(
            "-d and -f/-F cannot be combined", "put the whole body in -d, or build it with -f/-F fields only"
        )
    body = api.read_body(opts.data, io.stdin) if opts.data is not None else None
    method = method or ("POST" if body is not None or given else "GET")
    if given:

        def read(name: str) -> str:
            return api.read_text_file(name, io.stdin)

        if method == "GET":  # as gh api does: fields of a GET go to the query string
            params += fields.query_params(given, read)
        else:
            body = json.dumps(fields.build_object(given, read), ensure_ascii=False).encode("utf-8")
    if opts.paginate and method != "GET":
        raise UsageError(f"--paginate follows the pages of a GET, not {method}", "drop --paginate, or use GET")
    inv = resolve_invocation(rt, opts.profile, opts.region)
    url, rel_path = api.resolve_url(path, inv.target.api_url)
    profile_scopes = inv.profile.scopes if inv.profile else ()
    scopes, alternatives = api.choose_scopes(
        method, rel_path, opts.scopes, profile_scopes, rt.env.get("VCC_SCOPE", "").split()
    )
    req = api.CallRequest(method, url, rel_path, params, headers, body, scopes, alternatives)
    return req, catalog.accept_header(method, rel_path, opts.api_version), inv


def run(opts: CallOptions, rt: Runtime) -> int:
    from vcc_cli import api, config
    from vcc_cli.http import RetryPolicy
    from vcc_cli.query import compile_query
    from vcc_cli.tokens.resolve import env_token, token_source

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
        io.write_line(
            api.curl_command(
                req, accept, token_options=token_options, output=str(opts.output) if opts.output is not None else None
            )
        )
        if req.scope_alternatives and not req.user_sets_authorization:
            others = " or ".join(req.scope_alternatives)
            io.note(
                f"{req.path} also accepts {others}: if these credentials cannot get {req.scopes[0]}, "
                f"use -s {req.scope_alternatives[0]} in the vcc token command"
            )
        return 0

    timeout = config.resolve_timeout(opts.timeout, rt.env)
    token = env_token(rt.env)
    source = None if token is not None or req.user_sets_authorization else token_source(rt, inv, opts.timeout)
    session = source.session if source else rt.session_factory()
    trace = _Trace(io, session, req.body) if opts.verbose else None
    caller = api.Caller(
        accept,
        session,
        timeout,
        RetryPolicy(retries=opts.retries, sleep=rt.sleep, clock=rt.clock),
        io.note,
        tokens=source,
        env_token=token,
        on_request=trace.request if trace else None,
        on_response=trace.response if trace else None,
    )
    if trace:
        trace.caller = caller

    sent = caller.send(req)
    response = sent.response
    if opts.include:
        io.write_bytes(_head(response).encode("utf-8", "replace"))
    try:
        if response.status_code >= 400:
            _render(response, io, raw=opts.raw)
            raise api.api_error(response, req, sent.token_scopes)
        if opts.paginate or compiled is not None:
            _structured(opts, compiled, req, caller, response, io)
        elif opts.output is not None:
            _download(response, opts.output, io)
        else:
            _render(response, io, raw=opts.raw, force_bytes=opts.stdout_bytes)
    finally:
        response.close()
        if trace:
            trace.done()
    return 0


# --------------------------------------------------------------------------- JSON results


def _structured(opts: CallOptions, compiled, req, caller, response, io) -> None:
    """--paginate and/or --query: the JSON answer, merged over pages, queried."""
    from vcc_cli import api, catalog, pagination
    from vcc_cli.query import apply_query

    data = _read_all(response)
    document = _parse_json(data, response, "--query" if compiled is not None and not opts.paginate else None)
    if opts.paginate:
        if document is _NOT_JSON:
            if compiled is not None:
                raise UsageError(
                    f"--query needs a JSON answer; this one is {_content_type(response) or 'of no type'}",
                    "drop --query for this path",
                )
            io.note("--paginate: the answer is not JSON; printed as is")
            return _emit_bytes(data, opts, io)

        def fetch(param: str, value: str, ordinal: int):
            page_req = req.with_param(param, value)
            sent = caller.send(page_req)
            with sent.response as page_response:
                if page_response.status_code >= 400:
                    _render(page_response, io, raw=opts.raw)
                    raise api.api_error(page_response, page_req, sent.token_scopes, page=ordinal)
                parsed = _parse_json(_read_all(page_response), page_response, None)
            if parsed is _NOT_JSON:
                raise NetworkError(
                    f"page {ordinal} of {req.path} is not JSON", "try again; if it persists, drop --paginate"
                )
            return parsed

        collected = pagination.collect(
            document, fetch, hint=catalog.paging_style(req.method, req.path), asked_token=req.param("continuationToken")
        )
        for note in collected.notes:
            io.note(note)
        if compiled is None and collected.pages == 1 and collected.notes:
            return _emit_bytes(data, opts, io)  # not a paged answer: as received
        document = collected.document
    if compiled is not None:
        if document is _NOT_JSON:
            raise UsageError(
                f"--query needs a JSON answer; this one is {_content_type(response) or 'of no type'}",
                "drop --query for this path",
            )
        document = apply_query(compiled, document)
    _emit_json(document, opts, io)


_NOT_JSON = object()


def _read_all(response) -> bytes:
    from vcc_cli.http import iter_body

    return b"".join(iter_body(response))


def _parse_json(data: bytes, response, needed_by: str | None):
    if not data.strip():
        if needed_by:
            raise UsageError(f"{needed_by} needs a JSON answer; HTTP {response.status_code} came with no body")
        return _NOT_JSON
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep to use
        return _NOT_JSON


def _emit_json(value: object, opts: CallOptions, io) -> None:
    """A query result or merged document: a string raw (like ``jq -r``), anything
    else as JSON, pretty and coloured on a terminal, compact when piped or saved."""
    if isinstance(value, str):
        return _emit_bytes((value + "\n").encode("utf-8"), opts, io)
    if opts.output is None and io.stdout_tty and not opts.raw:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        if len(text) <= COLOR_LIMIT:
            return io.print_json(value)
        return io.write_line(text)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    _emit_bytes((text + "\n").encode("utf-8"), opts, io)


def _emit_bytes(data: bytes, opts: CallOptions, io) -> None:
    if opts.output is not None:
        from vcc_cli.download import save

        written = save([data], opts.output)
        io.note(f"saved {opts.output} ({written} bytes)")
    else:
        io.write_bytes(data)


# --------------------------------------------------------------------------- bodies


def _content_type(response) -> str:
    return response.headers.get("Content-Type", "")


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _binary_type(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media.startswith(("audio/", "video/", "image/", "font/")) or media in _BINARY_TYPES


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\0" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # a multi-byte character cut at the edge is fine
    return False


def _refuse_binary(response, io) -> None:
    size = response.headers.get("Content-Length")
    what = f"{size} bytes, " if size else ""
    io.note(
        f"binary body ({what}{_content_type(response) or 'no content type'}) not shown on a terminal; "
        "save it with -o FILE, or pipe it"
    )


def _render(response, io, *, raw: bool, force_bytes: bool = False) -> None:
    """Body to stdout: byte for byte when piped (or -o -); pretty JSON on a terminal
    unless --raw; never binary on a terminal (HTTPie's rule), and then without reading it."""
    from vcc_cli.http import iter_body

    if not io.stdout_tty or force_bytes:
        for chunk in iter_body(response):
            io.write_bytes(chunk)
        return
    content_type = _content_type(response)
    if _binary_type(content_type):
        return _refuse_binary(response, io)
    chunks = iter_body(response)
    first = next(chunks, b"")
    if _looks_binary(first):
        return _refuse_binary(response, io)
    data = first + b"".join(chunks)
    if not data:
        return
    if raw:
        io.write_bytes(data)
        return
    if _is_json(content_type) or data.lstrip()[:1] in (b"{", b"["):
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):  # not JSON, or nested too deep: shown as text
            document = _NOT_JSON
        if document is not _NOT_JSON:
            try:
                io.print_json(document)
                return
            except RecursionError:
                pass
    io.write_bytes(data if data.endswith(b"\n") else data + b"\n")


def _download(response, target: Path, io) -> None:
    """Stream the body into ``target`` (constant memory; complete or absent), with a
    progress bar on stderr when it is a terminal."""
    from vcc_cli.download import save
    from vcc_cli.http import iter_body

    total = int(response.headers.get("Content-Length") or 0) or None
    progress = task = None
    if io.stderr_tty:
        from rich.console import Console
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        console = Console(file=io.stderr, force_terminal=True, no_color=not io.stderr_color)
        progress = Progress(
            *Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(), console=console, transient=True
        )
        progress.start()
        task = progress.add_task(target.name, total=total)
    try:
        written = save(
            iter_body(response), target, on_chunk=(lambda n: progress.update(task, advance=n)) if progress else None
        )
    finally:
        if progress:
            progress.stop()
    io.note(f"saved {target} ({written} bytes)")


# --------------------------------------------------------------------------- -i and -v


def _head(response) -> str:
    from vcc_cli.http import http_version, redact_headers

    lines = [f"{http_version(response)} {response.status_code} {response.reason or ''}".rstrip()]
    lines += [f"{k}: {v}" for k, v in redact_headers(response.headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


class _Trace:
    """``-v``: each request and response on stderr, secrets redacted, with timings."""

    def __init__(self, io, session, body: bytes | None):
        self.io = io
        self.session = session
        self.body = body
        self.caller = None
        self.started = time.monotonic()
        self.token_told = False

    def _write(self, lines: list[str]) -> None:
        self.io.stderr.write("".join(line + "\n" for line in lines))
        self.io.stderr.flush()

    def request(self, method: str, url: str, headers: dict[str, str]) -> None:
        from vcc_cli.http import redact_headers, redact_url

        lines = []
        if not self.token_told and self.caller is not None:
            self.token_told = True
            origin = {
                "cache": "from the cache",
                "fetched": "fetched from the token endpoint",
                "env": "VCC_TOKEN",
                "header": "-H Authorization",
            }.get(self.caller.token_origin or "", self.caller.token_origin)
            lines.append(f"* bearer token: {origin}")
        ours = {k.lower() for k in headers}
        session_headers = getattr(self.session, "headers", {}) or {}
        merged = [(k, v) for k, v in session_headers.items() if k.lower() not in ours] + list(headers.items())
        lines.append(f"> {method} {redact_url(url)}")
        lines += [f"> {k}: {v}" for k, v in redact_headers(merged)]
        if self.body is not None:
            lines.append(f"> ({len(self.body)} bytes of body)")
        lines.append(">")
        self._write(lines)

    def response(self, response, seconds: float) -> None:
        from vcc_cli.http import redact_headers, redact_url

        lines = []
        chain = [*getattr(response, "history", []), response]
        for index, step in enumerate(chain):
            lines += [f"< {line}" for line in _head(step).rstrip("\r\n").split("\r\n")]
            if index + 1 < len(chain):
                nxt = chain[index + 1].request
                dropped = "Authorization" in step.request.headers and "Authorization" not in nxt.headers
                lines.append(
                    f"* redirected to {redact_url(nxt.url)}"
                    + (" (Authorization not sent: another host)" if dropped else "")
                )
                lines.append(f"> {nxt.method} {redact_url(nxt.url)}")
                lines += [f"> {k}: {v}" for k, v in redact_headers(nxt.headers.items())]
        lines.append(f"* HTTP {response.status_code} after {seconds * 1000:.0f} ms")
        self._write(lines)

    def done(self) -> None:
        sent = self.caller.requests_sent if self.caller else 0
        self._write([f"* {sent} request{'s' if sent != 1 else ''} in {time.monotonic() - self.started:.3f} s"])


# --------------------------------------------------------------------------- fast path

#: option -> (CallOptions field, kind); "list" repeats, "flag" takes no value
_OPTIONS: dict[str, tuple[str, str]] = {}
for _names, _field, _kind in (
    (("-X", "--method"), "method", "str"),
    (("-q", "--param"), "params", "list"),
    (("-H", "--header"), "headers", "list"),
    (("-d", "--data"), "data", "str"),
    (("-f", "--raw-field"), "raw_fields", "list"),
    (("-F", "--field"), "typed_fields", "list"),
    (("--api-version",), "api_version", "int"),
    (("-s", "--scope"), "scopes", "list"),
    (("-p", "--profile"), "profile", "str"),
    (("-r", "--region"), "region", "str"),
    (("--timeout",), "timeout", "float"),
    (("--paginate",), "paginate", "flag"),
    (("--query",), "query", "str"),
    (("--raw",), "raw", "flag"),
    (("-i", "--include"), "include", "flag"),
    (("-o", "--output"), "output", "path"),
    (("--range",), "byte_range", "str"),
    (("--retries",), "retries", "int"),
    (("-v", "--verbose"), "verbose", "flag"),
    (("--dry-run",), "dry_run", "flag"),
):
    for _name in _names:
        _OPTIONS[_name] = (_field, _kind)


def parse_fast(args: list[str]) -> CallOptions | None:
    """``vcc call`` options in their plain forms (``-q k=v``, ``--param=k=v``, flags apart),
    or None for anything else (help, ``--``, bundled flags, a value out of range), which
    the full command line then parses and reports. Mirrors the typer command's options."""
    opts = CallOptions(args=[])
    given: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            opts.args.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in _OPTIONS:
            return None
        field_name, kind = _OPTIONS[name]
        if kind == "flag":
            if eq:
                return None
            setattr(opts, field_name, True)
            continue
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if kind == "list":
            getattr(opts, field_name).append(value)
            continue
        if field_name in given:  # click keeps the last; let it say so
            return None
        given.add(field_name)
        try:
            if kind == "int":
                number = int(value)
                low, high = (1, None) if field_name == "api_version" else (0, 10)
                if number < low or (high is not None and number > high):
                    return None
                setattr(opts, field_name, number)
            elif kind == "float":
                number = float(value)
                if not number >= 0.001 or number == float("inf"):
                    return None
                setattr(opts, field_name, number)
            elif kind == "path":
                if value == "-":
                    opts.stdout_bytes = True
                else:
                    opts.output = Path(value)
            else:
                setattr(opts, field_name, value)
        except ValueError:
            return None
    if len(opts.args) not in (1, 2):
        return None
    return opts
