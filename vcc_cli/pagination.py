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
A ``Walk`` yields each page's items as the page arrives (the streamed formats:
memory holds one page), across time windows (``windows.py``) as if they were one
collection; ``Walk.merged``/``collect`` return one document of the same shape as
a page: the first page's fields, its list holding every item, and a ``meta``
that counts them.

A server that repeats a continuation token, or answers a page with no items
while announcing more, would make a naive loop spin forever; one that ignores
``page`` (page 1 every time) or hands out new tokens for items it sent already
would duplicate the output. All of these end with a NetworkError (exit 4): a page
whose items are those of any earlier page is found by a digest of each page's
items (16 bytes a page, so memory stays bounded by MAX_PAGES), across windows too
(a server that ignores ``start``/``end`` would send every window the same items).
Merged items are gathered with ``list.extend`` into one list: linear time.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from vcc_cli.catalog import CONTINUATION, PAGE_NUMBERS
from vcc_cli.errors import NetworkError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.request import CallRequest
    from vcc_cli.windows import Windows

MAX_PAGES = 10_000  # pages a window: a guard against a server that never stops announcing pages

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

    def fetch_page(overrides: dict[str, str], label: str, number: int) -> object:
        ((param, value),) = overrides.items()
        return fetch(param, value, number)

    return Walk(first, fetch_page, hint=hint, asked_token=asked_token, max_pages=max_pages).merged()


#: fetch(overrides, label, number): the JSON document of the page asked for with the
#: query parameters ``overrides`` set (a window's ``start``/``end``, ``page`` or
#: ``continuationToken``); ``label`` names the page in messages ("page 3", "page 2 of
#: window 4/12"), ``number`` is its page number (its position, from 1, for tokens).
WalkFetch = Callable[[dict[str, str], str, int], object]


class Walk:
    """The pages of a collection, one list of items at a time, fetched lazily: iterate
    it to stream, or call ``merged()`` for one document. With ``windows``, the range is
    paged window after window as if it were one collection; ``first`` is then the first
    window's first page.

    Before iterating, ``paged`` says whether ``first`` is a collection at all; after,
    ``pages`` counts the pages fetched, ``count`` the items, and ``notes`` holds what
    stderr should say (capped, shrunk or grown collections)."""

    def __init__(
        self,
        first: object,
        fetch: WalkFetch,
        *,
        hint: str | None = None,
        asked_token: str | None = None,
        max_pages: int | None = None,
        windows: Windows | None = None,
        who: str = "--paginate",
    ):
        self.first = first
        self.fetch = fetch
        self.asked_token = asked_token
        self.max_pages = MAX_PAGES if max_pages is None else max_pages
        self.windows = windows
        self.style = answer_style(first, hint)
        self.hint = hint
        self.name = find_collection(first) if self.style is not None and isinstance(first, dict) else None
        self.notes: list[str] = []
        self.pages = 0
        self.count = 0
        self.last_meta: dict = {}  # the meta of the last window's first page (its upTo)
        self.next_token: object = None  # a continuation token not followed (the page limit)
        self.grown_to: int | None = None
        self.who = who  # what messages start with: the option, or the command paging
        self.drop = ", or drop --paginate" if who == "--paginate" else ""
        self._repeats = SeenPages(who)
        self._window_pages = 0
        #: the page limit (``max_pages`` a window) stopped the walk: the result is incomplete
        self.truncated = False
        self._smaller = (
            "page a shorter start..end range or smaller --window, or ask for bigger pages (-q limit=N)"
            if who == "--paginate"
            else "ask for a shorter range"
        )

    @property
    def paged(self) -> bool:
        return self.name is not None

    def not_paged_note(self) -> str:
        if self.style is None:
            return f"{self.who}: the answer has neither meta.pageCount nor meta.nextContinuationToken; printed as is"
        return f"{self.who}: the answer holds no list of items; printed as is"

    def __iter__(self) -> Iterator[list]:
        if self.name is None:
            raise ValueError("not a paged collection")  # callers check .paged first
        total = len(self.windows) if self.windows else 1
        for index in range(total):
            where = f" of window {index + 1}/{total}" if self.windows else ""
            overrides = self.windows.params(index) if self.windows else {}
            if index == 0:
                document = self.first
            else:
                document = self.fetch(overrides, f"page 1{where}", 1)
                if answer_style(document, self.style) != self.style:
                    raise NetworkError(
                        f"{self.who}: the first page of window {index + 1}/{total} is not paged like the first window's",
                        f"the API changed its answer while paging: try again{self.drop}",
                    )
            assert isinstance(document, dict)
            self.last_meta = _meta(document) or {}
            pages = self._by_token if self.style == CONTINUATION else self._by_number
            self._window_pages = 0
            yield from pages(document, overrides, where, index == 0)
            if self.truncated:
                return

    def _page(self, batch: list, label: str) -> list:
        self._repeats.add(batch, label)
        self._window_pages += 1
        self.pages += 1
        self.count += len(batch)
        return batch

    def _by_token(self, first: dict, overrides: dict[str, str], where: str, initial: bool) -> Iterator[list]:
        name = self.name
        assert name is not None
        yield self._page(_batch(first, name, f"page 1{where}", self.who), f"page 1{where}")
        token = first["meta"].get(NEXT_TOKEN)
        seen: set[str] = {self.asked_token} if initial and self.asked_token else set()
        number = 1
        while token is not None:
            label = f"page {number}{where}"
            if not isinstance(token, str) or not token:
                raise NetworkError(
                    f"{self.who}: {label} announced a continuation token that is not a string: {str(token)[:40]!r}",
                    "the API's answer is not as documented" + (": drop --paginate" if self.drop else ""),
                )
            if token in seen:
                raise NetworkError(
                    f"{self.who}: {label} repeated an earlier continuation token; stopped rather than loop",
                    f"the API is not advancing: try again later{self.drop}",
                )
            if self._window_pages >= self.max_pages:  # meta keeps the token not followed: the result says so
                self.next_token = token
                self.truncated = True
                self.notes.append(
                    f"{self.who}: stopped after {self._window_pages} pages{where}, more remain "
                    f"(meta.nextContinuationToken); {self._smaller}"
                )
                return
            seen.add(token)
            number += 1
            label = f"page {number}{where}"
            document = self.fetch({**overrides, "continuationToken": token}, label, number)
            batch = _batch(document, name, label, self.who)
            token = (_meta(document) or {}).get(NEXT_TOKEN)
            if token is not None and not batch:
                raise NetworkError(
                    f"{self.who}: {label} added no items but announced another page; stopped rather than loop",
                    f"the API is not advancing: try again later{self.drop}",
                )
            yield self._page(batch, label)

    def _by_number(self, first: dict, overrides: dict[str, str], where: str, initial: bool) -> Iterator[list]:
        name = self.name
        assert name is not None
        total_pages = page_count(first)
        if total_pages is None:
            raise NetworkError(
                f"{self.who}: page 1{where} has no meta.pageCount like the first page",
                f"the API changed its answer while paging: try again{self.drop}",
            )
        start = current_page(first)
        base = 0 if start == 0 else 1
        page = base if start is None else start
        last = base + total_pages - 1
        yield self._page(_batch(first, name, f"page {page}{where}", self.who), f"page {page}{where}")
        grown_to = total_pages
        while page < last:
            if self._window_pages >= self.max_pages:
                self.truncated = True
                self.notes.append(
                    f"{self.who}: stopped after {self._window_pages} pages of {total_pages}{where}; {self._smaller}"
                )
                break
            page += 1
            label = f"page {page}{where}"
            document = self.fetch({**overrides, "page": str(page)}, label, page)
            batch = _batch(document, name, label, self.who)
            if not batch:  # the collection shrank while paging: what is left is already here
                self.notes.append(
                    f"{self.who}: page {page} of {total_pages}{where} was empty (the collection shrank while paging)"
                )
                break
            yield self._page(batch, label)
            grown_to = max(grown_to, page_count(document) or 0)
        if grown_to > total_pages:
            self.notes.append(
                f"{self.who}: the collection grew while paging ({total_pages} → {grown_to} pages){where}; "
                f"stopped after the {total_pages} pages the first answer announced"
            )

    def merged(self) -> Collected:
        """Every page merged into one document of the same shape as a page: the first
        page's fields, its list holding every item, a ``meta`` counting them. An answer
        that is not a collection comes back as it is, with a note."""
        if self.name is None:
            return Collected(self.first, notes=[self.not_paged_note()])
        first = self.first
        assert isinstance(first, dict)
        items: list = []
        for batch in self:
            items.extend(batch)
        merged = dict(first)  # same fields, same order, as a page
        merged[self.name] = items
        meta = dict(first["meta"])
        if self.style == CONTINUATION:
            meta.update({NEXT_TOKEN: self.next_token, "count": len(items)})
        else:
            page = current_page(first)
            meta.update(page=1 if page is None else page, pageCount=1 if items else 0, count=len(items))
            for key in ("pageSize", "totalCount"):
                if key in meta:
                    meta[key] = len(items)
        if self.windows and "upTo" in self.last_meta:
            meta["upTo"] = self.last_meta["upTo"]  # the last window's: up to when the whole result is complete
        merged["meta"] = meta
        return Collected(merged, self.pages, self.notes)


class SeenPages:
    """Which page (its label) sent which items, as digests: a page that repeats an
    earlier one, whichever it was, is an error rather than items printed twice."""

    def __init__(self, who: str = "--paginate") -> None:
        self.who = who
        self._labels: dict[bytes, str] = {}
        self._last: str | None = None

    def add(self, batch: list, label: str | int) -> None:
        """Remember ``batch`` as page ``label``'s items; raise NetworkError if an
        earlier page had the same (non-empty) items."""
        if isinstance(label, int):
            label = f"page {label}"
        if batch:
            digest = _digest(batch)
            earlier = self._labels.get(digest)
            if earlier is not None:
                which = "the previous page's items" if earlier == self._last else f"the items of {earlier}"
                raise NetworkError(
                    f"{self.who}: {label} repeated {which}; stopped rather than loop or print them twice",
                    "the API is not advancing (does it ignore the page or window asked for?): try again later"
                    + (", or drop --paginate" if self.who == "--paginate" else ""),
                )
            self._labels[digest] = label
        self._last = label


def _digest(batch: list) -> bytes:
    """A digest of a page's items: their pickle, which is several times cheaper than
    JSON and the same for the same items parsed from the same server's pages."""
    import hashlib
    import pickle

    return hashlib.blake2b(pickle.dumps(batch, protocol=5), digest_size=16).digest()


def _batch(document: object, name: str, label: str, who: str = "--paginate") -> list:
    batch = document.get(name) if isinstance(document, dict) else None
    if not isinstance(batch, list):
        raise NetworkError(
            f"{who}: {label} has no {name!r} list like the first page",
            "the API changed its answer while paging: try again"
            + (", or drop --paginate" if who == "--paginate" else ""),
        )
    return batch


# --------------------------------------------------------------------------- a request's pages

#: get_json(request, label): the JSON document the API answers ``request`` with, raising
#: the caller's error for a status >= 400 or an answer that is not JSON.
GetJson = Callable[["CallRequest", str], object]


def plan_for(req: CallRequest, now: float, window_ms: int | None = None) -> Windows | None:
    """The windows to page ``req``'s ``start``..``end`` in (the catalog's limit for the
    endpoint, or ``window_ms``), or None to send the range as it is. ``now``: Unix
    seconds, for a missing ``end`` where the API reads it as now."""
    from vcc_cli import catalog, windows

    limit = catalog.window_limit(req.method, req.path)
    if limit is None and window_ms is None:
        return None
    return windows.plan(
        req.param("start"),
        req.param("end"),
        limit=limit,
        forced=window_ms,
        now=now,
        path=req.path,
        end_is_now=catalog.end_is_now(req.method, req.path),
    )


def with_params(req: CallRequest, overrides: dict[str, str]) -> CallRequest:
    """``req`` with the query parameters ``overrides`` set (a window's bounds, a page)."""
    for name, value in overrides.items():
        req = req.with_param(name, value)
    return req


def first_request(req: CallRequest, plan: Windows | None) -> tuple[CallRequest, str]:
    """(the request of the first page, its label in messages)."""
    if plan is None:
        return req, "page 1"
    return with_params(req, plan.params(0)), f"page 1 of window 1/{len(plan)}"


def follow(
    req: CallRequest, first: object, get_json: GetJson, *, plan: Windows | None = None, who: str = "--paginate"
) -> Walk:
    """The walk over ``req``'s collection from its first answer ``first``: every later
    page is ``req`` with that page's (and window's) parameters, sent by ``get_json``.
    ``vcc call --paginate``, ``vcc content`` and ``Client.paginate`` all page this way."""
    from vcc_cli import catalog

    def fetch(overrides: dict[str, str], label: str, number: int) -> object:
        return get_json(with_params(req, overrides), label)

    return Walk(
        first,
        fetch,
        hint=catalog.paging_style(req.method, req.path),
        asked_token=req.param("continuationToken"),
        windows=plan,
        who=who,
    )


def walk(
    req: CallRequest, get_json: GetJson, *, now: float, window_ms: int | None = None, who: str = "--paginate"
) -> Walk:
    """The walk over ``req``'s collection, its first page (of its first window) fetched."""
    plan = plan_for(req, now, window_ms)
    first_req, label = first_request(req, plan)
    walked = follow(req, get_json(first_req, label), get_json, plan=plan, who=who)
    if plan is not None and not walked.paged:
        raise NetworkError(
            f"{who}: the answer for the first window of {req.path} is not a paged collection, "
            "so its windows cannot be joined",
            "page a shorter start..end range",
        )
    return walked
