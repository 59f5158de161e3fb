"""The emulator's request and response values, independent of http.server."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class Request:
    """One parsed HTTP request. ``path`` has no query string; ``query`` maps
    each parameter to its values; ``params`` holds the values of the matched route's ``{name}`` segments."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client_host: str
    params: dict[str, str] = field(default_factory=dict)
    template: str = ""  # the matched route, e.g. /useradmin/users/{userId}

    def arg(self, name: str) -> str | None:
        """The first value of query parameter ``name``, None when absent."""
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Response:
    """A response to write: either ``body`` bytes, or ``stream`` chunks whose
    total size is ``length`` (Content-Length is always sent). With
    ``cut_after``, only that many bytes of the body are sent before the
    connection is closed: a transfer broken midway (a fault)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterable[bytes] | None = None
    length: int | None = None
    cut_after: int | None = None


def json_response(status: int, document: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, [("Content-Type", JSON_TYPE), *headers], body)


def message(status: int, text: str, headers: Iterable[tuple[str, str]] = (), **extra: Any) -> Response:
    """A VCC-style error: ``{"message": text, ...extra}``."""
    return json_response(status, {"message": text, **extra}, headers)


def oauth_error(status: int, error: str, description: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """An RFC 6749 section 5.2 error; never cached."""
    return json_response(
        status,
        {"error": error, "error_description": description},
        [("Cache-Control", "no-store"), ("Pragma", "no-cache"), *headers],
    )


def media_type(value: str | None) -> tuple[str, dict[str, str]]:
    """``"Application/JSON; charset=UTF-8"`` → ``("application/json", {"charset": "UTF-8"})``."""
    if not value:
        return "", {}
    head, *rest = value.split(";")
    params = {}
    for item in rest:
        key, sep, val = item.partition("=")
        if sep:
            params[key.strip().lower()] = val.strip().strip('"')
    return head.strip().lower(), params


def is_json_type(value: str | None) -> bool:
    kind, _ = media_type(value)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
