"""The streamed output formats of ``vcc call --format`` (SPEC section 4): ``ndjson``,
``csv``, ``tsv`` and ``table``, written page by page as the pages arrive, so memory holds
one page whatever the number of items. (``json``, the merged document, is output.py's.)

- ``ndjson``: one compact JSON document per item and line.
- ``csv``/``tsv``: a header, then one row per item. The columns come from the first page
  with items (``--columns a,b.c`` chooses them): nested objects are flattened with dots
  (``interaction.guid``), lists and objects left in a cell are JSON, null is an empty
  cell. A key that is null on the first page but an object elsewhere gives the object's
  columns, not an always-empty one. Quoting is RFC 4180's: a cell holding the
  delimiter, a quote or a line break is quoted, quotes doubled. CSV lines end with CRLF
  (RFC 4180); TSV lines with LF, as cut, awk and spreadsheets expect (a cell holding a
  tab or a line break is quoted all the same, which those tools do not read: use csv
  for such data).
- ``table``: rich, for reading on a terminal: column widths from the first page,
  cells cut with ``…`` so each row fits the terminal's width.

``--query`` applies to each item (like ``jq`` over a stream): an item whose result is
null is left out, as a JMESPath projection leaves it out of ``items[].expr``; a string
result is written raw (``jq -r``). With csv/tsv/table an object result is a row, and
any other result one column named ``value``.

On a terminal everything a server sent is escaped before it is written
(``output.one_line``), as everywhere else in vcc.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

STREAMED = ("ndjson", "csv", "tsv", "table")
VALUE_COLUMN = "value"
#: Widest a table column gets from its content, before fitting the terminal.
TABLE_COLUMN_MAX = 40
_TABLE_GAP = 3  # what rich puts between two columns: padding, the box's space, padding
_MISSING = object()


#: One encoder for every item: json.dumps with options builds a new one per call.
_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def cell(value: object) -> str:
    """The text of one CSV/TSV/table cell: strings as they are, null empty, true/false,
    numbers and anything nested as JSON."""
    if isinstance(value, str):
        return value
    if value is None or value is _MISSING:
        return ""
    return _compact(value)


def flatten(value: object, prefix: str = "", out: dict[str, object] | None = None) -> dict[str, object]:
    """``{"a": {"b": 1}, "c": [2]}`` → ``{"a.b": 1, "c": [2]}``; a value that is not an
    object is ``{"value": value}``. Empty objects stay as a value (``{}``)."""
    out = {} if out is None else out
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix or VALUE_COLUMN] = value
    return out


def lookup(item: object, path: str) -> object:
    """The value at a dotted ``path`` (``interaction.guid``); a key holding the whole
    path (``"a.b"``) is found too. Missing anywhere: ``_MISSING``."""
    if isinstance(item, dict):
        if path in item:
            return item[path]
        head, dot, rest = path.partition(".")
        if dot and head in item:
            return lookup(item[head], rest)
        return _MISSING
    return item if path == VALUE_COLUMN else _MISSING


class _Node:
    __slots__ = ("children", "filled", "leaf")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.leaf = False  # some item has a value (not an object) here
        self.filled = False  # ... that is not null


def discover(rows: Iterable[dict[str, object]]) -> list[str]:
    """Columns from flattened rows in the order their keys first appear, a nested key
    next to its parent; a key only ever null where others hold an object is dropped."""
    root = _Node()
    for flat in rows:
        for path, value in flat.items():
            node = root
            for part in path.split("."):
                node = node.children.setdefault(part, _Node())
            node.leaf = True
            node.filled = node.filled or value is not None

    columns: list[str] = []

    def walk(node: _Node, prefix: str) -> None:
        for name, child in node.children.items():
            path = f"{prefix}.{name}" if prefix else name
            if child.leaf and (child.filled or not child.children):
                columns.append(path)
            walk(child, path)

    walk(root, "")
    return columns


class Writer:
    """Turns pages of items into text: ``page(items)`` for each page, ``end()`` once."""

    def __init__(self, query=None, *, terminal: bool = False):
        self.query = query
        self.terminal = terminal
        self.notes: list[str] = []
        self.queried = 0  # items --query was applied to
        self.results_kept = 0  # ... and the results that were not null

    def results(self, items: Sequence[object]) -> Iterable[object]:
        """The items, or their --query results without the nulls."""
        if self.query is None:
            return items
        from vcc_cli.query import apply_query

        results = [r for r in (apply_query(self.query, item) for item in items) if r is not None]
        self.queried += len(items)
        self.results_kept += len(results)
        return results

    def page(self, items: Sequence[object]) -> str:  # pragma: no cover - every format defines it
        raise NotImplementedError

    def end(self) -> str:
        return ""


class Ndjson(Writer):
    def page(self, items: Sequence[object]) -> str:
        from vcc_cli.output import terminal_json, terminal_text

        if self.query is None and not self.terminal:  # the common case, kept to C-speed calls
            return "\n".join(map(_compact, items)) + "\n" if items else ""
        lines = []
        for value in self.results(items):
            if isinstance(value, str) and self.query is not None:
                lines.append(terminal_text(value) if self.terminal else value)
            else:
                text = _compact(value)
                lines.append(terminal_json(text) if self.terminal else text)
        return "".join(line + "\n" for line in lines)


class Rows(Writer):
    """What csv, tsv and table share: the rows and their columns."""

    def __init__(self, query=None, *, terminal: bool = False, columns: Sequence[str] | None = None, label: str = ""):
        super().__init__(query, terminal=terminal)
        self.columns: list[str] | None = list(columns) if columns else None
        self.chosen = columns is not None and bool(columns)
        self.label = label
        self.outside: dict[str, None] = {}  # keys of later items that have no column (ordered set)

    def rows(self, items: Sequence[object]) -> list[list[str]]:
        """Each item as cells; the first call with items fixes the columns."""
        values = list(self.results(items))
        if not values:
            return []
        if self.chosen:
            assert self.columns is not None
            return [[cell(lookup(v, c)) for c in self.columns] for v in values]
        flats = [flatten(v) for v in values]
        if self.columns is None:
            self.columns = discover(flats)
        known = set(self.columns)
        for flat in flats:
            for key, value in flat.items():
                if key not in known and value is not None and key not in self.outside:
                    self.outside[key] = None
        return [[cell(flat.get(c)) for c in self.columns] for flat in flats]

    def end(self) -> str:
        if self.outside:
            keys = list(self.outside)
            shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
            self.notes.append(
                f"--format {self.label}: later items have fields the first page's did not ({shown}); "
                "they are not in the output: name the columns with --columns"
            )
        return ""


class Delimited(Rows):
    """CSV or TSV: RFC 4180 quoting (the csv module's minimal quoting)."""

    def __init__(self, delimiter: str, newline: str, **kwargs):
        super().__init__(**kwargs)
        self.delimiter = delimiter
        self.newline = newline
        self.header_done = False

    def page(self, items: Sequence[object]) -> str:
        from vcc_cli.output import terminal_text

        rows = self.rows(items)
        if not self.header_done and self.columns is not None and (rows or self.chosen):
            rows.insert(0, list(self.columns))
            self.header_done = True
        if not rows:
            return ""
        buffer = io.StringIO()
        # CRLF as the csv module's terminator, whatever the format's: it quotes a cell
        # holding \r or \n only when both are in the terminator.
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        if self.newline == "\r\n":
            writer.writerows(rows)
            text = buffer.getvalue()
        else:
            parts = []
            for row in rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow(row)
                parts.append(buffer.getvalue()[:-2] + self.newline)
            text = "".join(parts)
        return terminal_text(text) if self.terminal else text

    def end(self) -> str:
        head = ""
        if not self.header_done and self.chosen and self.columns:  # no items at all: still a header
            self.header_done = True
            head = self.page([])
        super().end()
        return head


class Table(Rows):
    """A rich table, page by page with the same column widths, fitted to ``width``."""

    def __init__(self, *, width: int, color: bool, **kwargs):
        super().__init__(**kwargs)
        self.width = max(width, 20)
        self.color = color
        self.widths: list[int] | None = None

    def _fit(self, rows: list[list[str]]) -> list[int]:
        assert self.columns is not None
        natural = [min(TABLE_COLUMN_MAX, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(self.columns)]
        widths = [max(1, w) for w in natural]
        room = self.width - _TABLE_GAP * (len(widths) - 1)
        while sum(widths) > room and max(widths) > 3:
            widest = widths.index(max(widths))
            widths[widest] -= 1
        while len(widths) > 1 and sum(widths) > room:  # still too wide: the last columns go
            widths.pop()
            room += _TABLE_GAP
        if len(widths) < len(self.columns):
            self.notes.append(
                f"--format table: {len(self.columns) - len(widths)} of {len(self.columns)} columns do not fit "
                f"in {self.width} characters; choose them with --columns, or use --format csv"
            )
        return widths

    def page(self, items: Sequence[object]) -> str:
        from rich import box
        from rich.console import Console
        from rich.table import Table as RichTable
        from rich.text import Text

        from vcc_cli.output import one_line

        rows = self.rows(items)
        if not rows:
            return ""
        assert self.columns is not None
        header = self.widths is None
        if self.widths is None:
            self.widths = self._fit(rows)
        table = RichTable(
            box=box.SIMPLE_HEAD,  # every page alike, so that the columns line up
            show_header=header,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1),
            header_style="bold",
        )
        for name, width in zip(self.columns, self.widths, strict=False):
            table.add_column(Text(one_line(name)), width=width, no_wrap=True, overflow="ellipsis")
        for row in rows:
            table.add_row(*(Text(one_line(value)) for value in row[: len(self.widths)]))
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.width,
            force_terminal=self.color,
            no_color=not self.color,
            color_system="standard" if self.color else None,
            highlight=False,
            legacy_windows=False,
        )
        console.print(table)
        return buffer.getvalue()


def writer(
    name: str,
    *,
    query=None,
    columns: Sequence[str] | None = None,
    terminal: bool = False,
    width: int = 80,
    color: bool = False,
) -> Writer:
    """The writer of a streamed format (``STREAMED``)."""
    if name == "ndjson":
        return Ndjson(query, terminal=terminal)
    if name == "csv":
        return Delimited(",", "\r\n", query=query, terminal=terminal, columns=columns, label=name)
    if name == "tsv":
        return Delimited("\t", "\n", query=query, terminal=terminal, columns=columns, label=name)
    if name == "table":
        return Table(width=width, color=color, query=query, terminal=terminal, columns=columns, label=name)
    raise ValueError(f"not a streamed format: {name}")
