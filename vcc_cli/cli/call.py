"""``vcc call [METHOD] PATH``: an authenticated VCC API call, scope and Accept chosen from the path."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from vcc_cli.cli import options
from vcc_cli.errors import UsageError
from vcc_cli.runtime import Runtime, current

CHUNK = 64 * 1024


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


def run(opts: CallOptions, rt: Runtime) -> int:
    from vcc_cli import api, catalog, config
    from vcc_cli.tokens.resolve import env_token, resolve_invocation, token_source

    io = rt.io
    method, path = api.split_method_and_path(opts.args, opts.method)
    params = api.parse_params(opts.params)
    headers = api.parse_headers(opts.headers)
    body = api.read_body(opts.data, io.stdin) if opts.data is not None else None
    method = method or ("POST" if body is not None else "GET")
    inv = resolve_invocation(rt, opts.profile, opts.region)
    url, rel_path = api.resolve_url(path, inv.target.api_url)
    profile_scopes = inv.profile.scopes if inv.profile else ()
    scopes = api.choose_scopes(method, rel_path, opts.scopes, profile_scopes)
    req = api.CallRequest(method, url, rel_path, params, headers, body, scopes)
    accept = catalog.accept_header(method, rel_path, opts.api_version)

    if opts.dry_run:
        io.write_line(api.curl_command(req, accept))
        return 0

    timeout = config.resolve_timeout(opts.timeout, rt.env)
    token = env_token(rt.env)
    source = None if token is not None or req.user_sets_authorization else token_source(rt, inv, opts.timeout)
    session = source.session if source else rt.session_factory()
    from vcc_cli.http import RetryPolicy, redact_headers

    def show_request(method: str, url: str, sent_headers: dict[str, str]) -> None:
        if opts.verbose:
            io.stderr.write(f"> {method} {url}\n")
            for name, value in redact_headers(sent_headers.items()):
                io.stderr.write(f"> {name}: {value}\n")
            io.stderr.flush()

    sent = api.send_call(
        req,
        accept,
        session,
        timeout=timeout,
        tokens=source,
        env_token=token,
        policy=RetryPolicy(retries=opts.retries, sleep=rt.sleep, clock=rt.clock),
        notify=io.note,
        on_request=show_request,
    )
    response = sent.response
    head = [f"HTTP/1.1 {response.status_code} {response.reason}"] + [
        f"{k}: {v}" for k, v in redact_headers(response.headers.items())
    ]
    if opts.verbose:
        io.stderr.write("".join(f"< {line}\n" for line in head) + f"< ({sent.elapsed * 1000:.0f} ms)\n")
    if opts.include:
        io.write_bytes(("\r\n".join(head) + "\r\n\r\n").encode("utf-8", "replace"))
    try:
        if response.status_code >= 400:
            _render(response, io, raw=opts.raw)
            raise api.api_error(response.status_code, response.reason or "", req, sent.token_scopes)
        if opts.output is not None:
            _download(response, opts.output, io)
        else:
            _render(response, io, raw=opts.raw)
    finally:
        response.close()
    return 0


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _looks_binary(content_type: str, data: bytes) -> bool:
    media = content_type.split(";")[0].strip().lower()
    if media.startswith(("audio/", "video/", "image/")) or media in ("application/octet-stream", "application/zip"):
        return True
    if b"\0" in data[:8192]:
        return True
    try:
        data[:8192].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(data[:8192]) - 4  # a multi-byte character cut at the edge is fine
    return False


def _render(response, io, *, raw: bool) -> None:
    """Body to stdout: byte for byte when piped or --raw; pretty JSON on a terminal."""
    if not io.stdout_tty or raw:
        for chunk in response.iter_content(CHUNK):
            io.write_bytes(chunk)
        return
    data = response.content
    content_type = response.headers.get("Content-Type", "")
    if not data:
        return
    if _looks_binary(content_type, data):
        io.note(f"binary body ({len(data)} bytes, {content_type or 'no content type'}) not shown on a terminal; use -o FILE")
        return
    if _is_json(content_type) or data.lstrip()[:1] in (b"{", b"["):
        try:
            io.print_json(json.loads(data))
            return
        except ValueError:
            pass
    io.write_bytes(data if data.endswith(b"\n") else data + b"\n")


def _download(response, target: Path, io) -> None:
    """Stream the body into ``target`` in constant memory, through a temporary file
    renamed only when complete, so an interrupted download never looks finished."""
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write to {directory}: {exc.strerror}", "choose another -o path") from exc
    total = int(response.headers.get("Content-Length") or 0) or None
    progress = None
    try:
        with os.fdopen(fd, "wb") as fh:
            if io.stderr_tty:
                from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

                from rich.console import Console

                progress = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                                    console=Console(file=io.stderr), transient=True)
                progress.start()
                task = progress.add_task(target.name, total=total)
            for chunk in response.iter_content(CHUNK):
                fh.write(chunk)
                if progress:
                    progress.update(task, advance=len(chunk))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if progress:
            progress.stop()
    io.note(f"saved {target} ({target.stat().st_size} bytes)")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def command(
    args: Annotated[list[str], typer.Argument(metavar="[METHOD] PATH", help="Optional method, then a path such as /stats/agent-activities.", show_default=False)],
    method: Annotated[str | None, typer.Option("--method", "-X", metavar="METHOD", help="HTTP method (default GET, or POST with a body).")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-q", metavar="KEY=VALUE", help="Query parameter, URL-encoded; repeatable.")] = None,
    header: Annotated[list[str] | None, typer.Option("--header", "-H", metavar="'NAME: VALUE'", help="Request header, replaces a default one; repeatable.")] = None,
    data: Annotated[str | None, typer.Option("--data", "-d", metavar="JSON|@FILE|@-", help="JSON body: inline, from a file, or from stdin.")] = None,
    api_version: Annotated[int | None, typer.Option("--api-version", min=1, metavar="N", help="Accept version N (default: the catalog's for the path).")] = None,
    scope: options.Scopes = None,
    profile: options.ProfileOpt = None,
    region: options.RegionOpt = None,
    timeout: options.TimeoutOpt = None,
    raw: Annotated[bool, typer.Option("--raw", help="Write the body byte for byte, even on a terminal.")] = False,
    include: Annotated[bool, typer.Option("--include", "-i", help="Print the status line and headers before the body.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="Stream the body into FILE (for recordings).")] = None,
    retries: Annotated[int, typer.Option("--retries", min=0, max=10, help="Retries on 429, and 502/503/504 for idempotent methods.")] = 3,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show request and response headers on stderr (tokens redacted).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the request as a curl command and send nothing.")] = False,
) -> None:
    """Call a VCC API with a bearer token; scope and Accept version come from the path.

    Example: vcc call /agents-availability -q skillNames=French
    """
    opts = CallOptions(
        args, method, param or [], header or [], data, api_version, scope or [], profile, region, timeout,
        raw, include, output, retries, verbose, dry_run,
    )
    raise typer.Exit(run(opts, current()))
