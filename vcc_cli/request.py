"""Building a ``vcc call`` request from what the command line says: method and
path, query parameters, headers, body, byte range; and the same request as a
curl command (``--dry-run``). Nothing is sent here (``caller.py`` sends).

Host pinning: a full URL on another host than the configured API origin is
refused before anything is sent.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from vcc_cli.errors import UsageError
from vcc_cli.http import same_origin

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass
class CallRequest:
    method: str
    url: str  # absolute URL on the API host, with the path's own query string
    path: str  # path part, for the catalog
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)  # -H (name, value) by lower-case name
    body: bytes | None = None
    scopes: tuple[str, ...] = ()
    #: other scopes the endpoint accepts, to ask for once if the token endpoint
    #: refuses an inferred scope (empty when -s chose the scopes)
    scope_alternatives: tuple[str, ...] = ()

    @property
    def user_sets_authorization(self) -> bool:
        return "authorization" in self.headers

    def final_headers(self, accept: str, token: str | None) -> dict[str, str]:
        """Default headers, overridden by -H ones (names compared case-insensitively)."""
        headers = {"Accept": accept}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        lower = {k.lower(): k for k in headers}
        for name_lower, (name, value) in self.headers.items():
            headers.pop(lower.get(name_lower, name), None)
            headers[name] = value
        return headers

    def full_url(self) -> str:
        if not self.params:
            return self.url
        sep = "&" if urlsplit(self.url).query else "?"
        return self.url + sep + urlencode(self.params)

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name`` (in PATH's query string or -q), None if absent."""
        given = parse_qsl(urlsplit(self.url).query, keep_blank_values=True) + list(self.params)
        values = [v for k, v in given if k == name]
        return values[-1] if values else None

    def with_param(self, name: str, value: str) -> CallRequest:
        """The same request with query parameter ``name`` set to ``value`` alone,
        wherever it was given (in PATH's query string or with -q)."""
        parts = urlsplit(self.url)
        kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
        url = urlunsplit(parts._replace(query=urlencode(kept)))
        params = [(k, v) for k, v in self.params if k != name] + [(name, value)]
        return replace(self, url=url, params=params)


# --------------------------------------------------------------------------- parsing


def split_method_and_path(args: Sequence[str], method_option: str | None) -> tuple[str | None, str]:
    """``[METHOD] PATH`` positional arguments; METHOD in any case, or -X."""
    if len(args) == 1:
        method, path = None, args[0]
    elif len(args) == 2:
        method, path = args[0], args[1]
        if method.upper() not in METHODS:
            raise UsageError(f"unknown method {method!r}", f"use one of {', '.join(METHODS)}")
    else:
        raise UsageError("expected [METHOD] PATH", "example: vcc call GET /agents-availability -q skillNames=French")
    if method and method_option and method.upper() != method_option.upper():
        raise UsageError(f"method given twice: {method} and -X {method_option}")
    method = method or method_option
    if method is not None and method.upper() not in METHODS:
        raise UsageError(f"unknown method {method!r}", f"use one of {', '.join(METHODS)}")
    return (method.upper() if method else None), path


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def resolve_url(path: str, api_url: str) -> tuple[str, str]:
    """(absolute URL, path) for PATH relative to the API base or a full URL on the API host.

    A full URL must name the API origin for Python's parser and for urllib3's (which
    sends the request) alike: a backslash or a user@ part can make them disagree."""
    if _CONTROL.search(path):
        raise UsageError("the path contains a control character (a line break?)", "percent-encode it, e.g. %0A")
    if "://" in path:
        refused = UsageError(
            f"refusing to send the token to {path!r}: it is not the API host",
            f"use a path relative to {api_url}; to call another VCC API host, set VCC_API_URL "
            "(or save it in a profile: `vcc login --auth-url URL --api-url URL`)",
        )
        parts = urlsplit(path)
        if "\\" in path.split("?", 1)[0] or "@" in parts.netloc:
            raise refused
        try:
            if not same_origin(path, api_url):
                raise refused
            from urllib3.util import parse_url

            sent, base = parse_url(path), parse_url(api_url)
        except ValueError as exc:
            raise UsageError(f"bad URL {path!r}: {exc}", "check the host and port") from None
        if (sent.scheme, sent.host, sent.port or _port(sent.scheme)) != (
            base.scheme,
            base.host,
            base.port or _port(base.scheme),
        ):
            raise refused
        return path, parts.path or "/"
    path = "/" + path.lstrip("/")  # "//host/x" is a path on the API host, never another host
    return api_url.rstrip("/") + path, urlsplit(path).path


def _port(scheme: str | None) -> int:
    return 443 if scheme == "https" else 80


def parse_params(values: Sequence[str]) -> list[tuple[str, str]]:
    params = []
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise UsageError(f"bad -q {value!r}", "write it as key=value, e.g. -q skillNames=French")
        params.append((key, val))
    return params


def parse_headers(values: Sequence[str]) -> dict[str, tuple[str, str]]:
    headers: dict[str, tuple[str, str]] = {}
    for value in values:
        name, sep, val = value.partition(":")
        name = name.strip()
        if not sep or not _HEADER_NAME.match(name):
            raise UsageError(f"bad -H {value!r}", "write it as 'Name: value', e.g. -H 'Accept: application/json'")
        val = val.strip()
        if "\n" in val or "\r" in val:
            raise UsageError(f"bad -H {name}: the value contains a line break")
        try:
            val.encode("latin-1")  # what HTTP/1.1 header values can carry
        except UnicodeEncodeError:
            raise UsageError(
                f"bad -H {name}: the value has characters a header cannot carry",
                "percent-encode them, or send them in the body",
            ) from None
        headers[name.lower()] = (name, val)
    return headers


_RANGE = re.compile(r"(\d+-\d*|-\d+)(\s*,\s*(\d+-\d*|-\d+))*")


def range_header(value: str) -> str:
    """``--range`` as a Range header value: ``0-1023``, ``1000-``, ``-500`` or
    several, comma-separated, with or without the ``bytes=`` unit."""
    spec = value.strip()
    if spec.lower().startswith("bytes="):
        spec = spec[6:].strip()
    if not _RANGE.fullmatch(spec):
        raise UsageError(f"bad --range {value!r}", "give bytes as FIRST-LAST, FIRST- or -SUFFIX, e.g. --range 0-1023")
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first and last and int(last) < int(first):
            raise UsageError(f"bad --range {value!r}: {last} is before {first}")
    return "bytes=" + spec


def read_stdin(stdin, what: str) -> bytes:
    """All of stdin as bytes, for ``what`` (``-d @-``); a closed or unreadable stdin is a
    usage error (``0<&-``, or a directory given as stdin)."""
    hint = "pipe the input in (... | vcc call ...), or name a file instead of @-"
    if getattr(stdin, "closed", False):
        raise UsageError(f"{what} reads stdin, but stdin is closed", hint)
    buffer = getattr(stdin, "buffer", None)
    try:
        return buffer.read() if buffer is not None else stdin.read().encode("utf-8", "surrogateescape")
    except (OSError, ValueError) as exc:  # ValueError: closed while reading
        raise UsageError(
            f"{what} cannot read stdin: {getattr(exc, 'strerror', None) or 'it is closed'}", hint
        ) from None


def read_text_file(name: str, stdin, flag: str = "-F") -> str:
    """The text of ``name`` (``-`` for stdin), for ``-F key=@file``."""
    try:
        if name == "-":
            data = read_stdin(stdin, f"{flag} @-")
        else:
            with open(name, "rb") as fh:
                data = fh.read()
    except OSError as exc:
        raise UsageError(f"cannot read {flag} file {name}: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"the {flag} file {name} is not UTF-8 text", "fields take text; send binary data with -d"
        ) from None


def read_body(value: str, stdin) -> bytes:
    """``-d`` JSON inline, ``@file`` or ``@-``; checked to be JSON (usage error says where)."""
    if value.startswith("@"):
        source = value[1:]
        if source == "-":
            data = read_stdin(stdin, "-d @-")
            where = "stdin"
        else:
            try:
                with open(source, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                raise UsageError(f"cannot read -d file {source}: {exc.strerror}") from exc
            where = source
    else:
        data, where = value.encode("utf-8"), "-d"
    try:
        json.loads(data)
    except RecursionError:
        raise UsageError(f"the body from {where} is JSON nested too deeply to check", "flatten it") from None
    except UnicodeDecodeError:
        raise UsageError(f"the body from {where} is not UTF-8 text", "-d takes JSON") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the body from {where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            '-d takes JSON, e.g. -d \'{"name": "x"}\', -d @file.json or -d @-',
        ) from None
    return data


# --------------------------------------------------------------------------- dry run


def curl_command(req: CallRequest, accept: str, *, token_options: Sequence[str] = (), output: str | None = None) -> str:
    """The request as a curl command, with ``$(vcc token -s …)`` in place of the token.
    ``token_options`` (e.g. ``--profile prod``) go to that ``vcc token``; ``output`` adds ``-o``."""
    parts = ["curl"]
    if req.method == "HEAD":
        parts.append("--head")
    elif req.method != "GET":
        parts += ["-X", req.method]
    parts.append(shell_word(req.full_url()))
    token_cmd = "$(vcc token" + "".join(f" -s {shell_word(s)}" for s in req.scopes)
    token_cmd += "".join(f" {shell_word(o)}" for o in token_options) + ")"
    headers = req.final_headers(accept, token=None)
    for name, value in headers.items():
        parts += ["-H", shell_word(f"{name}: {value}")]
    if not req.user_sets_authorization:
        parts += ["-H", f'"Authorization: Bearer {token_cmd}"']
    if req.body is not None:
        parts += ["--data-binary", shell_word(req.body.decode("utf-8"))]
    if output is not None:
        parts += ["-o", shell_word(output)]
    return " ".join(parts)


def shell_word(text: str) -> str:
    """``text`` as one shell word: as ``shlex.quote`` writes it, or, when it holds
    characters a terminal would act on (an escape sequence in a -H value, a bidi
    override in a body), as bash's ``$'…'`` with those characters escaped, so the
    command shows inert on a terminal and still sends exactly the same bytes."""
    if all(char.isprintable() or char in "\n\t" for char in text):
        return shlex.quote(text)
    shown = []
    for char in text:
        if char in "\\'":
            shown.append("\\" + char)
        elif char.isprintable() or char in "\n\t":
            shown.append(char)
        else:  # its UTF-8 bytes, each \xHH: exact in any locale (bash's \u needs a UTF-8 one)
            shown.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogateescape"))
    return "$'" + "".join(shown) + "'"
