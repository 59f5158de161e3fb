"""``vcc call --paginate``: VCC collections in both documented paging styles.

- **Page numbers** (Insights Stats, User Admin): request ``page``; each answer
  carries ``meta {page, count, pageCount, totalCount}`` (Stats adds ``upTo``).
  Stats pages start at 1; User Admin's docs say 0 on one page and 1 on
  another, so pages are numbered from the first answer's ``meta.page`` (0 means
  0-based, anything else 1-based) instead of assuming either.
- **Continuation tokens** (the Interaction Content v3 search): request
  ``continuationToken``; each answer carries ``meta.nextContinuationToken``,
  null on the last page (DV 3567223389; VCC's Node sample ``client.js``).

The style is the catalog's where it knows the endpoint and the answer agrees,
else the answer's own (``meta.nextContinuationToken`` present, or a
``meta.pageCount``). A VCC page is a JSON object with one list of items under a
name that depends on the API (``items``, ``users``…) beside ``meta``.
``collect`` fetches the other pages and returns one document of the same shape
as a page: the first page's fields, its list holding every item, and a
``meta`` that counts them.

A server that repeats a continuation token, or answers a page with no items
while announcing more, would make a naive loop spin forever; one that ignores
``page`` (page 1 every time) or hands out new tokens for items it sent already
would duplicate the output. All of these end with a NetworkError (exit 4): a page
whose items are those of any earlier page is found by a digest of each page's
items (16 bytes a page, so memory stays bounded by MAX_PAGES). Items are gathered
with ``list.extend`` into one list, so 100,000 items over many pages cost linear time.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vcc_cli.catalog import CONTINUATION, PAGE_NUMBERS
from vcc_cli.errors import NetworkError

MAX_PAGES = 10_000  # a guard against a server that never stops announcing pages

NEXT_TOKEN = "nextContinuationToken"

#: fetch(parameter, value, label): the JSON document of the page asked for with
#: ``?parameter=value``; ``label`` is the page's number in messages (its page
#: number, or its position counted from 1 for continuation tokens). It raises on errors.
Fetch = Callable[[str, str, int], object]


@dataclass
class Collected:
    """The merged document, how many pages were fetched, and notes for stderr."""

    document: object
    pages: int = 1
    notes: list[str] = field(default_factory=list)


def page_count(document: object) -> int | None:
    """``meta.pageCount`` when it is a non-negative integer, else None."""
    meta = _meta(document)
    count = meta.get("pageCount") if meta is not None else None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    return count


def _meta(document: object) -> dict | None:
    meta = document.get("meta") if isinstance(document, dict) else None
    return meta if isinstance(meta, dict) else None


def answer_style(document: object, hint: str | None = None) -> str | None:
    """The paging style of an answer: ``hint`` (the catalog's) when the answer
    carries what that style needs, else whichever it carries; None if neither."""
    meta = _meta(document)
    tokens = meta is not None and NEXT_TOKEN in meta
    pages = page_count(document) is not None
    if (hint == CONTINUATION and tokens) or (hint == PAGE_NUMBERS and pages):
        return hint
    if tokens:
        return CONTINUATION
    return PAGE_NUMBERS if pages else None


def current_page(document: dict) -> int | None:
    page = document["meta"].get("page")
    return page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else None


def find_collection(document: dict) -> str | None:
    """The name of the page's list of items: the only list beside ``meta``; among
    several, the one as long as ``meta.count``, else the first. None if no list."""
    names = [k for k, v in document.items() if k != "meta" and isinstance(v, list)]
    if len(names) <= 1:
        return names[0] if names else None
    count = (_meta(document) or {}).get("count")
    sized = [k for k in names if len(document[k]) == count]
    return sized[0] if len(sized) == 1 else names[0]


def collect(
    first: object, fetch: Fetch, *, hint: str | None = None, asked_token: str | None = None, max_pages: int = MAX_PAGES
) -> Collected:
    """All pages merged into one document, starting from the answer ``first``.

    ``hint`` is the catalog's paging style for the endpoint, if it knows one;
    ``asked_token`` the continuation token ``first`` was asked for, if any.
    An answer in neither style, or without a list, is returned as it is, with a note."""
    style = answer_style(first, hint)
    if style is None:
        note = "--paginate: the answer has neither meta.pageCount nor meta.nextContinuationToken; printed as is"
        return Collected(first, notes=[note])
    assert isinstance(first, dict)
    name = find_collection(first)
    if name is None:
        return Collected(first, notes=["--paginate: the answer holds no list of items; printed as is"])
    if style == CONTINUATION:
        return _by_token(first, name, fetch, max_pages, asked_token)
    return _by_number(first, name, fetch, max_pages)


class SeenPages:
    """Which page (its label) sent which items, as digests: a page that repeats an
    earlier one, whichever it was, is an error rather than items printed twice."""

    def __init__(self) -> None:
        self._labels: dict[bytes, int] = {}
        self._last: int | None = None

    def add(self, batch: list, label: int) -> None:
        """Remember ``batch`` as page ``label``'s items; raise NetworkError if an
        earlier page had the same (non-empty) items."""
        if batch:
            digest = _digest(batch)
            earlier = self._labels.get(digest)
            if earlier is not None:
                which = "the previous page's items" if earlier == self._last else f"the items of page {earlier}"
                raise NetworkError(
                    f"--paginate: page {label} repeated {which}; stopped rather than loop or print them twice",
                    "the API is not advancing (does it ignore the page asked for?): try again later, "
                    "or drop --paginate",
                )
            self._labels[digest] = label
        self._last = label


def _digest(batch: list) -> bytes:
    import hashlib
    import json

    text = json.dumps(batch, sort_keys=True, separators=(",", ":"))  # ASCII: any string encodes
    return hashlib.blake2b(text.encode("ascii"), digest_size=16).digest()


def _batch(document: object, name: str, ordinal: int) -> list:
    batch = document.get(name) if isinstance(document, dict) else None
    if not isinstance(batch, list):
        raise NetworkError(
            f"--paginate: page {ordinal} has no {name!r} list like the first page",
            "the API changed its answer while paging: try again, or drop --paginate",
        )
    return batch


def _by_token(first: dict, name: str, fetch: Fetch, max_pages: int, asked_token: str | None) -> Collected:
    items = list(first[name])
    token = first["meta"].get(NEXT_TOKEN)
    seen: set[str] = {asked_token} if asked_token else set()
    pages, notes = 1, []
    repeats = SeenPages()
    repeats.add(first[name], pages)
    while token is not None:
        if not isinstance(token, str) or not token:
            raise NetworkError(
                f"--paginate: page {pages} announced a continuation token that is not a string: {str(token)[:40]!r}",
                "the API's answer is not as documented: drop --paginate",
            )
        if token in seen:
            raise NetworkError(
                f"--paginate: page {pages} repeated an earlier continuation token; stopped rather than loop",
                "the API is not advancing: try again later, or drop --paginate",
            )
        if pages >= max_pages:  # meta keeps the token not followed: the result says it is incomplete
            notes.append(
                f"--paginate: stopped after {pages} pages, more remain (meta.nextContinuationToken); ask "
                "for bigger pages (e.g. -q limit=1000) or a shorter start..end window"
            )
            break
        seen.add(token)
        pages += 1
        document = fetch("continuationToken", token, pages)
        batch = _batch(document, name, pages)
        token = (_meta(document) or {}).get(NEXT_TOKEN)
        if token is not None and not batch:
            raise NetworkError(
                f"--paginate: page {pages} added no items but announced another page; stopped rather than loop",
                "the API is not advancing: try again later, or drop --paginate",
            )
        repeats.add(batch, pages)
        items.extend(batch)
    merged = dict(first)  # same fields, same order, as a page
    merged[name] = items
    merged["meta"] = {**first["meta"], NEXT_TOKEN: token, "count": len(items)}
    return Collected(merged, pages, notes)


def _by_number(first: dict, name: str, fetch: Fetch, max_pages: int) -> Collected:
    total_pages = page_count(first)
    assert total_pages is not None
    start = current_page(first)
    base = 0 if start == 0 else 1
    if start is None:
        start = base
    last = base + total_pages - 1
    items = list(first[name])
    pages = 1
    notes: list[str] = []
    grown_to = total_pages
    page = start
    repeats = SeenPages()
    repeats.add(first[name], page)
    while page < last:
        if pages >= max_pages:
            notes.append(
                f"--paginate: stopped after {pages} pages of {total_pages}; ask for bigger pages "
                "(e.g. -q limit=1000) or fewer items"
            )
            break
        page += 1
        pages += 1
        document = fetch("page", str(page), page)
        batch = _batch(document, name, page)
        if not batch:  # the collection shrank while paging: what is left is already here
            notes.append(f"--paginate: page {page} of {total_pages} was empty (the collection shrank while paging)")
            break
        repeats.add(batch, page)
        items.extend(batch)
        grown_to = max(grown_to, page_count(document) or 0)
    if grown_to > total_pages:
        notes.append(
            f"--paginate: the collection grew while paging ({total_pages} → {grown_to} pages); "
            f"stopped after the {total_pages} pages the first answer announced"
        )

    merged = dict(first)  # same fields, same order, as a page
    merged[name] = items
    meta = dict(first["meta"])
    meta.update(page=start, pageCount=1 if items else 0, count=len(items))
    for key in ("pageSize", "totalCount"):
        if key in meta:
            meta[key] = len(items)
    merged["meta"] = meta
    return Collected(merged, pages, notes)
