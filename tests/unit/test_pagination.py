"""SPEC sections 4 and 5, `vcc call --paginate` (``vcc_cli.pagination``): both of VCC's
paging styles merged into one document: page numbers (meta.page/meta.pageCount) and
continuation tokens (meta.nextContinuationToken)."""

from __future__ import annotations

import pytest

from vcc_cli.errors import NetworkError
from vcc_cli.pagination import (
    CONTINUATION,
    PAGE_NUMBERS,
    answer_style,
    collect,
    find_collection,
)


def paged(name: str, total: int, size: int, base: int = 1, extra: dict | None = None):
    """A fake VCC collection: (first page, fetch function, list of pages asked for)."""
    count = -(-total // size)
    asked: list[int] = []

    def page(n: int) -> dict:
        first = (n - base) * size
        items = [{"id": i} for i in range(first, min(first + size, total))]
        meta = {"page": n, "pageSize": size, "count": len(items), "pageCount": count, "totalCount": total}
        return {**(extra or {}), name: items, "meta": meta}

    def fetch(param: str, value: str, ordinal: int) -> dict:
        assert param == "page"
        asked.append(int(value))
        return page(int(value))

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
    merged = collect(fetch("page", "3", 1), fetch).document
    assert asked == [3, 4, 5] and [i["id"] for i in merged["items"]] == list(range(20, 50))


def test_answer_without_page_count_is_returned_as_is_with_a_note():
    answer = {"items": [1, 2], "meta": {"page": 1}}
    result = collect(answer, lambda *a: pytest.fail("no page should be fetched"))
    assert result.document is answer and "neither meta.pageCount nor meta.nextContinuationToken" in result.notes[0]


def test_answer_that_is_not_an_object_is_returned_as_is():
    result = collect([1, 2, 3], lambda *a: pytest.fail("no page should be fetched"))
    assert result.document == [1, 2, 3]


def test_empty_collection_gives_an_empty_list_and_page_count_zero():
    first = {"items": [], "meta": {"page": 1, "pageSize": 10, "count": 0, "pageCount": 0, "totalCount": 0}}
    merged = collect(first, lambda *a: pytest.fail("no page should be fetched")).document
    assert merged["items"] == [] and merged["meta"]["count"] == 0 and merged["meta"]["pageCount"] == 0


def test_a_page_count_that_keeps_growing_is_capped_at_the_first_one_with_a_note():
    def fetch(param, value, ordinal):
        n = int(value)
        return {"items": [n], "meta": {"page": n, "pageCount": n + 5}}

    result = collect({"items": [1], "meta": {"page": 1, "pageCount": 3}}, fetch)
    assert result.document["items"] == [1, 2, 3] and result.pages == 3
    assert "grew while paging (3 → 8 pages)" in result.notes[0]


def test_paging_stops_at_an_empty_page():
    first, fetch, asked = paged("items", 15, 10)
    first["meta"]["pageCount"] = 5  # the server overstated it
    result = collect(first, fetch)
    assert asked == [2, 3] and len(result.document["items"]) == 15
    assert "page 3 of 5 was empty" in result.notes[0]


def test_a_huge_page_count_stops_at_the_page_limit_with_a_note():
    def fetch(param, value, ordinal):
        n = int(value)
        return {"items": [n], "meta": {"page": n, "pageCount": 10**9}}

    result = collect(fetch("page", "1", 1), fetch, max_pages=50)
    assert result.pages == 50 and len(result.document["items"]) == 50 and "stopped after 50 pages" in result.notes[0]


def test_among_several_lists_the_one_as_long_as_meta_count_is_the_collection():
    page = {"notFound": ["x"], "agents": [1, 2], "meta": {"count": 2, "pageCount": 1}}
    assert find_collection(page) == "agents"


def test_one_hundred_thousand_items_over_one_hundred_pages_are_merged_in_order():
    first, fetch, asked = paged("items", 100_000, 1_000)
    merged = collect(first, fetch).document
    assert len(asked) == 99 and merged["meta"]["count"] == 100_000
    assert merged["items"][0]["id"] == 0 and merged["items"][-1]["id"] == 99_999


# ------------------------------------------------------------ continuation tokens


def tokened(total: int, size: int, name: str = "items"):
    """A fake content search: (first page, fetch function, tokens asked for)."""
    asked: list[str] = []

    def page(position: int) -> dict:
        items = [{"guid": f"g{i}"} for i in range(position, min(position + size, total))]
        nxt = f"after-{position + size}" if position + size < total else None
        return {name: items, "meta": {"nextContinuationToken": nxt}}

    def fetch(param: str, value: str, ordinal: int) -> dict:
        assert param == "continuationToken"
        asked.append(value)
        return page(int(value.removeprefix("after-")))

    return page(0), fetch, asked


def test_continuation_tokens_are_followed_until_a_null_token():
    first, fetch, asked = tokened(25, 10)
    result = collect(first, fetch)
    assert asked == ["after-10", "after-20"] and result.pages == 3
    assert [i["guid"] for i in result.document["items"]] == [f"g{i}" for i in range(25)]


def test_merged_continuation_document_keeps_the_page_shape_with_a_null_token_and_a_count():
    first, fetch, _ = tokened(25, 10)
    merged = collect(first, fetch).document
    assert list(merged) == ["items", "meta"]
    assert merged["meta"] == {"nextContinuationToken": None, "count": 25}


def test_a_single_page_with_a_null_token_is_one_page():
    first = {"items": [{"guid": "a"}], "meta": {"nextContinuationToken": None}}
    result = collect(first, lambda *a: pytest.fail("no page should be fetched"))
    assert result.pages == 1 and result.document["items"] == [{"guid": "a"}]


def test_a_repeated_continuation_token_is_an_error_not_a_loop():
    def fetch(param, value, ordinal):
        return {"items": [{"guid": ordinal}], "meta": {"nextContinuationToken": "same"}}

    with pytest.raises(NetworkError, match="repeated an earlier continuation token") as error:
        collect({"items": [{"guid": 0}], "meta": {"nextContinuationToken": "same"}}, fetch)
    assert error.value.exit_code == 4


def test_a_page_that_adds_nothing_but_announces_more_is_an_error_not_a_loop():
    def fetch(param, value, ordinal):
        return {"items": [], "meta": {"nextContinuationToken": f"t{ordinal}"}}

    with pytest.raises(NetworkError, match="added no items"):
        collect({"items": [{"guid": 0}], "meta": {"nextContinuationToken": "t1"}}, fetch)


def test_a_later_page_without_the_list_is_an_error():
    with pytest.raises(NetworkError, match="has no 'items' list"):
        collect({"items": [1], "meta": {"nextContinuationToken": "t"}}, lambda *a: {"message": "oops"})


def test_continuation_paging_stops_at_the_page_limit_with_a_note():
    def fetch(param, value, ordinal):
        return {"items": [ordinal], "meta": {"nextContinuationToken": f"t{ordinal}"}}

    result = collect({"items": [1], "meta": {"nextContinuationToken": "t1"}}, fetch, max_pages=20)
    assert result.pages == 20 and "stopped after 20 pages, more remain" in result.notes[0]
    assert result.document["meta"]["nextContinuationToken"] == "t20"  # where to resume: not claimed complete


def test_the_style_is_chosen_from_the_answer():
    assert answer_style({"items": [], "meta": {"nextContinuationToken": None}}) == CONTINUATION
    assert answer_style({"items": [], "meta": {"page": 1, "pageCount": 1}}) == PAGE_NUMBERS
    assert answer_style({"items": []}) is None


def test_the_catalog_style_wins_when_the_answer_carries_both():
    both = {"items": [], "meta": {"page": 1, "pageCount": 3, "nextContinuationToken": "t"}}
    assert answer_style(both) == CONTINUATION
    assert answer_style(both, PAGE_NUMBERS) == PAGE_NUMBERS
    assert answer_style({"items": [], "meta": {"page": 1, "pageCount": 1}}, CONTINUATION) == PAGE_NUMBERS


def test_stats_pages_keep_the_first_pages_up_to():
    def fetch(param, value, ordinal):
        return {"items": [int(value)], "meta": {"page": int(value), "pageCount": 2, "upTo": "later"}}

    first = {
        "items": [1],
        "meta": {"page": 1, "count": 1, "pageCount": 2, "totalCount": 2, "upTo": "2026-11-30T10:00:00Z"},
    }
    merged = collect(first, fetch).document
    assert merged["items"] == [1, 2] and merged["meta"]["upTo"] == "2026-11-30T10:00:00Z"


def test_one_hundred_thousand_items_over_one_hundred_continuation_pages():
    first, fetch, asked = tokened(100_000, 1_000)
    merged = collect(first, fetch).document
    assert len(asked) == 99 and merged["meta"]["count"] == 100_000 and merged["items"][-1]["guid"] == "g99999"


def test_a_server_that_hands_out_new_tokens_for_the_same_items_is_an_error_not_a_loop():
    def fetch(param, value, ordinal):
        return {"items": [{"guid": "same"}], "meta": {"nextContinuationToken": f"t{ordinal}"}}

    with pytest.raises(NetworkError, match="repeated the previous page's items"):
        collect({"items": [{"guid": "same"}], "meta": {"nextContinuationToken": "t1"}}, fetch)


def test_a_server_that_answers_the_asked_token_again_is_stopped_at_once():
    fetched = []

    def fetch(param, value, ordinal):
        fetched.append(value)
        return {"items": [{"guid": ordinal}], "meta": {"nextContinuationToken": "start"}}

    with pytest.raises(NetworkError, match="repeated an earlier continuation token"):
        collect({"items": [{"guid": 0}], "meta": {"nextContinuationToken": "start"}}, fetch, asked_token="start")
    assert fetched == []


def test_a_failing_page_is_named_by_its_page_number():
    labels = []

    def fetch(param, value, label):
        labels.append(label)
        return {"items": [int(value)], "meta": {"page": int(value), "pageCount": 5}}

    collect({"items": [3], "meta": {"page": 3, "pageCount": 5}}, fetch)
    assert labels == [4, 5]
