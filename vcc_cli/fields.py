"""gh-style request fields: ``-f key=value`` (a string) and ``-F key=value`` (typed).

``-F`` turns ``true``, ``false`` and ``null`` into JSON literals, integers and
decimal numbers into JSON numbers, and ``@file`` (``@-`` for stdin) into the
file's text. A decimal too large for a JSON number (``1e999``) stays the string
it is, as ``gh api -F`` keeps anything it does not read as a number: JSON has no
infinity, and a usage error would refuse a value ``-f`` sends as is. Keys nest as
``gh api`` nests them, at most ``MAX_DEPTH`` levels deep:

- ``a[b]=c``            → ``{"a": {"b": "c"}}``
- ``a[]=1 a[]=2``       → ``{"a": [1, 2]}`` (with -F)
- ``a[]`` (no value)    → ``{"a": []}``
- ``a[][x]=1 a[][y]=2 a[][x]=3`` → ``{"a": [{"x": 1, "y": 2}, {"x": 3}]}``: a
  new object starts when a key repeats.

Standard library only; nothing here reads the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vcc_cli.errors import UsageError

_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_NO_VALUE = object()
#: How deep a key may nest (``a[b][c]`` is 3): far beyond any API's body, and well
#: within what the JSON encoder can write without running out of stack.
MAX_DEPTH = 100
_INFINITY = float("inf")


@dataclass(frozen=True)
class Field:
    """One ``-f``/``-F`` argument as given: ``typed`` is True for ``-F``."""

    text: str
    typed: bool

    @property
    def flag(self) -> str:
        return "-F" if self.typed else "-f"


def parse_key(text: str, flag: str) -> tuple[list[str], str | None]:
    """(key path, raw value) of ``name[sub][]...=value``; ``[]`` is an empty
    string in the path; the value is None for ``name[]`` without ``=``."""
    match = re.match(r"([^\[\]=]+)((?:\[[^\[\]=]*\])*)(=|$)", text)
    if not match:
        raise UsageError(
            f"bad {flag} {text!r}",
            f"write it as key=value; nest with key[sub]=value, lists with key[]=value (e.g. {flag} name=Ana)",
        )
    path = [match.group(1), *re.findall(r"\[([^\[\]=]*)\]", match.group(2))]
    if len(path) > MAX_DEPTH:
        raise UsageError(
            f"bad {flag} {text[:40]!r}...: the key nests {len(path)} levels deep, more than {MAX_DEPTH}",
            "nest fewer levels, or send the body as JSON with -d @file",
        )
    if match.group(3) == "=":
        return path, text[match.end() :]
    if path[-1] != "":
        raise UsageError(f"bad {flag} {text!r}: no value", f"write it as key=value, e.g. {flag} {text}=...")
    return path, None


def typed_value(raw: str, read_file: Callable[[str], str]) -> object:
    """The JSON value of a ``-F`` value: literals, numbers, ``@file``, else the string."""
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if _INTEGER.fullmatch(raw):
        return int(raw)
    if _DECIMAL.fullmatch(raw):
        number = float(raw)
        return number if number not in (_INFINITY, -_INFINITY) else raw  # 1e999: no JSON number
    if raw.startswith("@") and len(raw) > 1:
        return read_file(raw[1:])
    return raw


def build_object(fields: Sequence[Field], read_file: Callable[[str], str]) -> dict:
    """The JSON object the fields describe; a usage error names a clashing field."""
    root: dict = {}
    for field in fields:
        path, raw = parse_key(field.text, field.flag)
        if raw is None:
            value: object = _NO_VALUE
        elif field.typed:
            value = typed_value(raw, read_file)
        else:
            value = raw
        _place(root, path, value, field)
    return root


def _clash(field: Field, key: str, why: str) -> UsageError:
    return UsageError(
        f"{field.flag} {field.text!r} clashes with an earlier field: {why} {key!r}",
        "give each key once; use key[]=value for lists",
    )


def _place(root: dict, path: list[str], value: object, field: Field) -> None:
    target = root
    key = path[0]
    in_list = False
    for part in path[1:]:
        if part == "":
            in_list = True
            continue
        if in_list:  # key[][part]: the last object of the list, or a new one when part repeats
            items = target.setdefault(key, [])
            if not isinstance(items, list):
                raise _clash(field, key, "not a list:")
            if items and isinstance(items[-1], dict) and part not in items[-1]:
                target = items[-1]
            else:
                items.append({})
                target = items[-1]
            in_list = False
        else:
            child = target.setdefault(key, {})
            if not isinstance(child, dict):
                raise _clash(field, key, "not an object:")
            target = child
        key = part
    if in_list:
        items = target.setdefault(key, [])
        if not isinstance(items, list):
            raise _clash(field, key, "not a list:")
        if value is not _NO_VALUE:
            items.append(value)
        return
    if key in target:
        raise _clash(field, key, "a second value for")
    target[key] = value


def query_params(fields: Sequence[Field], read_file: Callable[[str], str]) -> list[tuple[str, str]]:
    """Fields as query parameters (for GET, as ``gh api`` sends them): the key as
    written, ``-F`` literals as JSON text (``true``, ``null``, ``12``)."""
    params = []
    for field in fields:
        _path, raw = parse_key(field.text, field.flag)
        if raw is None:
            continue
        name = field.text[: len(field.text) - len(raw) - 1]
        value = typed_value(raw, read_file) if field.typed else raw
        if value is None:
            text = "null"
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(raw if isinstance(value, int | float) else value)
        params.append((name, text))
    return params
