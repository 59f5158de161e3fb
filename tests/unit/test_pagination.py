"""--paginate (vcc_cli.pagination): VCC's meta.page/meta.pageCount collections merged into one document."""

from __future__ import annotations

import pytest

from vcc_cli.pagination import collect, find_collection


def paged(name: str, total: int, size: int, base: int = 1, extra: dict | None = None):
    """A fake VCC collection: (first page, fetch function, list of pages asked for)."""
    count = -(-total // size)
    asked: list[int] = []

    def page(n: int) -> dict:
        first = (n - base) * size
        items = [{"id": i} for i in range(first, min(first + size, total))]
        meta = {"page": n, "pageSize": size, "count": len(items), "pageCount": count, "totalCount": total}
        return {**(extra or {}), name: items, "meta": meta}

    def fetch(n: int) -> dict:
        asked.append(n)
        return page(n)

    return page(base), fetch, asked


@pytest.mark.parametrize("name", ["items", "users", "accounts"])
def test_the_collection_is_found_from_the_answer_whatever_its_name(name):
    first, fetch, _ = paged(name, 25, 10)
    merged = collect(first, fetch).document
    assert [item["id"] for item in merged[name]] == list(range(25))


def test_merged_document_has_the_shape_of_a_page_and_a_meta_counting_its_items():
    first, fetch, _ = paged("users", 25, 10, extra={"account": "acme"})
    merged = collect(first, fetch).document
    assert list(merged) == ["account", "users", "meta"]
    assert merged["meta"] == {"page": 1, "pageSize": 25, "count": 25, "pageCount": 1, "totalCount": 25}


def test_pages_are_fetched_once_each_up_to_page_count():
    first, fetch, asked = paged("items", 25, 10)
    result = collect(first, fetch)
    assert asked == [2, 3] and result.pages == 3 and result.notes == []


def test_zero_based_pages_are_followed_from_page_zero():
    first, fetch, asked = paged("users", 25, 10, base=0)
    merged = collect(first, fetch).document
    assert asked == [1, 2] and len(merged["users"]) == 25 and merged["meta"]["page"] == 0


def test_a_later_start_page_collects_the_rest():
    _, fetch, asked = paged("items", 50, 10)
    merged = collect(fetch(3), fetch).document
    assert asked == [3, 4, 5] and [i["id"] for i in merged["items"]] == list(range(20, 50))


def test_answer_without_page_count_is_returned_as_is_with_a_note():
    answer = {"items": [1, 2], "meta": {"page": 1}}
    result = collect(answer, lambda n: pytest.fail("no page should be fetched"))
    assert result.document is answer and "no meta.pageCount" in result.notes[0]


def test_answer_that_is_not_an_object_is_returned_as_is():
    result = collect([1, 2, 3], lambda n: pytest.fail("no page should be fetched"))
    assert result.document == [1, 2, 3]


def test_empty_collection_gives_an_empty_list_and_page_count_zero():
    first = {"items": [], "meta": {"page": 1, "pageSize": 10, "count": 0, "pageCount": 0, "totalCount": 0}}
    merged = collect(first, lambda n: pytest.fail("no page should be fetched")).document
    assert merged["items"] == [] and merged["meta"]["count"] == 0 and merged["meta"]["pageCount"] == 0


def test_a_page_count_that_keeps_growing_is_capped_at_the_first_one_with_a_note():
    def fetch(n):
        return {"items": [n], "meta": {"page": n, "pageCount": n + 5}}

    result = collect({"items": [1], "meta": {"page": 1, "pageCount": 3}}, fetch)
    assert result.document["items"] == [1, 2, 3] and result.pages == 3
    assert "grew while paging (3 → 8 pages)" in result.notes[0]


def test_paging_stops_at_an_empty_page():
    first, fetch, asked = paged("items", 15, 10)
    first["meta"]["pageCount"] = 5  # the server overstated it
    merged = collect(first, fetch).document
    assert asked == [2, 3] and len(merged["items"]) == 15


def test_a_huge_page_count_stops_at_the_page_limit_with_a_note():
    def fetch(n):
        return {"items": [n], "meta": {"page": n, "pageCount": 10**9}}

    result = collect(fetch(1), fetch, max_pages=50)
    assert result.pages == 50 and len(result.document["items"]) == 50 and "stopped after 50 pages" in result.notes[0]


def test_among_several_lists_the_one_as_long_as_meta_count_is_the_collection():
    page = {"notFound": ["x"], "agents": [1, 2], "meta": {"count": 2, "pageCount": 1}}
    assert find_collection(page) == "agents"


def test_one_hundred_thousand_items_over_one_hundred_pages_are_merged_in_order():
    first, fetch, asked = paged("items", 100_000, 1_000)
    merged = collect(first, fetch).document
    assert len(asked) == 99 and merged["meta"]["count"] == 100_000
    assert merged["items"][0]["id"] == 0 and merged["items"][-1]["id"] == 99_999
