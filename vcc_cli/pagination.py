"""``vcc call --paginate``: VCC collections paged with ``meta.page``/``meta.pageCount``.

A VCC page is a JSON object with one list of items under a name that depends
on the API (``items``, ``users``, ``accounts``…) and a ``meta`` object such as
``{"page": 1, "pageSize": 100, "count": 100, "pageCount": 7, "totalCount": 642}``.
``collect`` fetches the other pages and returns one document of the same shape
as a page: the first page's fields, its list holding every item, and a ``meta``
that counts them.

Items are gathered with ``list.extend`` into one list, so 100,000 items over
many pages cost linear time; nothing is re-copied per page.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MAX_PAGES = 10_000  # a guard against a server that never stops announcing pages


@dataclass
class Collected:
    """The merged document, how many pages were fetched, and notes for stderr."""

    document: object
    pages: int = 1
    notes: list[str] = field(default_factory=list)


def page_count(document: object) -> int | None:
    """``meta.pageCount`` when it is a non-negative integer, else None."""
    if not isinstance(document, dict):
        return None
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return None
    count = meta.get("pageCount")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    return count


def current_page(document: dict) -> int | None:
    page = document["meta"].get("page")
    return page if isinstance(page, int) and not isinstance(page, bool) and page >= 0 else None


def find_collection(document: dict) -> str | None:
    """The name of the page's list of items: the only list beside ``meta``; among
    several, the one as long as ``meta.count``, else the first. None if no list."""
    names = [k for k, v in document.items() if k != "meta" and isinstance(v, list)]
    if len(names) <= 1:
        return names[0] if names else None
    count = document.get("meta", {}).get("count")
    sized = [k for k in names if len(document[k]) == count]
    return sized[0] if len(sized) == 1 else names[0]


def collect(first: object, fetch: Callable[[int], object], *, max_pages: int = MAX_PAGES) -> Collected:
    """All pages merged into one document, starting from the answer ``first``.

    ``fetch(n)`` returns the JSON document of page ``n`` (it raises on errors).
    Pages are numbered from ``meta.page`` of the first answer: 0-based when it
    says 0, else 1-based. Paging stops after the first answer's ``pageCount``
    pages (a count that grows meanwhile is noted, not followed), at an empty
    page, or after ``max_pages`` pages. A first answer without ``meta.pageCount``
    or without a list is returned as it is."""
    total_pages = page_count(first)
    if total_pages is None:
        return Collected(first, notes=["--paginate: the answer has no meta.pageCount; printed as is"])
    assert isinstance(first, dict)
    name = find_collection(first)
    if name is None:
        return Collected(first, notes=["--paginate: the answer holds no list of items; printed as is"])

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
    while page < last:
        if pages >= max_pages:
            notes.append(f"--paginate: stopped after {pages} pages of {total_pages}; ask for bigger pages "
                         "(e.g. -q pageSize=1000) or fewer items")
            break
        page += 1
        document = fetch(page)
        pages += 1
        batch = document.get(name) if isinstance(document, dict) else None
        if not isinstance(batch, list):
            notes.append(f"--paginate: page {page} has no {name!r} list; stopped there")
            break
        if not batch:
            break  # the collection shrank while paging
        items.extend(batch)
        grown_to = max(grown_to, page_count(document) or 0)
    if grown_to > total_pages:
        notes.append(f"--paginate: the collection grew while paging ({total_pages} → {grown_to} pages); "
                     f"stopped after the {total_pages} pages the first answer announced")

    merged = dict(first)  # same fields, same order, as a page
    merged[name] = items
    meta = dict(first["meta"])
    meta.update(page=start, pageCount=1 if items else 0, count=len(items))
    for key in ("pageSize", "totalCount"):
        if key in meta:
            meta[key] = len(items)
    merged["meta"] = meta
    return Collected(merged, pages, notes)
