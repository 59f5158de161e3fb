"""SPEC section 4, `vcc call --paginate --format ndjson|csv|tsv|table|json`, `--columns`,
`--query` per item, the paging progress line, and time windows (`--window`, the catalog's
31-day stats and 7-day content search limits, SPEC section 5); in-process, the network
mocked by `responses`."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tests.cli.test_call_paginate import ACTIVITIES, USERS, serve_pages
from tests.conftest import API_URL, CI_ENV, api_calls
from vcc_cli import windows

CONTENT = API_URL + "/interaction-content/interactions"
DAY = 86_400_000


def query_of(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def activity(i: int, **extra) -> dict:
    item = {
        "agentId": f"a{i % 3}",
        "type": "interaction" if i % 2 else "presence",
        "start": f"2026-01-01T00:{i % 60:02d}:00Z",
        "duration": 1000 * i,
        "interaction": {"guid": f"g{i}"} if i % 2 else None,
        "workload": i % 2,
    }
    item.update(extra)
    return item


def serve_items(mock_http, url, items, size, name="items"):
    pages = max(1, -(-len(items) // size))

    def callback(request):
        page = int(parse_qs(urlsplit(request.url).query).get("page", ["1"])[0])
        batch = items[(page - 1) * size : page * size]
        meta = {"page": page, "count": len(batch), "pageCount": pages, "totalCount": len(items)}
        return 200, {"Content-Type": "application/json"}, json.dumps({name: batch, "meta": meta})

    mock_http.add_callback(responses.GET, url, callback=callback)


def windowed_stats(mock_http, per_day=2):
    """/stats/agent-activities answering, for any start..end, ``per_day`` items a day
    (one page), each naming the window it came from; refusing windows over 31 days."""

    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        start = windows.parse_time(q["start"][0], "start")
        end = windows.parse_time(q["end"][0], "end")
        if end - start > 31 * DAY:
            body = {"statusCode": 400, "error": "Bad Request", "message": "Request window size limit exceeded 31 days"}
            return 400, {"Content-Type": "application/json"}, json.dumps(body)
        step = DAY // per_day
        items = [{"start": windows.format_time(t), "window": q["start"][0]} for t in range(start, end, step)]
        meta = {"page": 1, "count": len(items), "pageCount": 1, "totalCount": len(items), "upTo": q["end"][0]}
        return 200, {"Content-Type": "application/json"}, json.dumps({"items": items, "meta": meta})

    mock_http.add_callback(responses.GET, ACTIVITIES, callback=callback)


STATS = ["call", "/stats/agent-activities", "-q", "start=2026-01-01T00:00:00Z", "-q", "end=2026-01-02T00:00:00Z"]


# ------------------------------------------------------------------- ndjson


def test_ndjson_writes_every_item_of_every_page_one_compact_json_per_line_in_order(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", env=CI_ENV)
    lines = result.stdout_bytes.split(b"\n")
    assert lines[-1] == b"" and [json.loads(line)["id"] for line in lines[:-1]] == list(range(25))
    assert lines[0] == b'{"id":0}'


def test_ndjson_keeps_unicode_as_utf8_and_escapes_a_lone_surrogate_as_json_does(vcc, token_ok):
    body = '{"items": [{"name": "Chloé"}, {"name": "\\ud800"}], "meta": {"page": 1, "pageCount": 1}}'
    token_ok.get(ACTIVITIES, body=body, content_type="application/json")
    result = vcc(*STATS, "--paginate", "--format", "ndjson", env=CI_ENV)
    assert result.stdout_bytes == '{"name":"Chloé"}\n{"name":"\\ud800"}\n'.encode()
    assert [json.loads(line) for line in result.stdout.splitlines()][1] == {"name": "\ud800"}


def test_query_applies_to_each_item_with_ndjson_strings_raw_and_nulls_left_out(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(6)], 4)
    result = vcc(*STATS, "--paginate", "--format", "ndjson", "--query", "interaction.guid", env=CI_ENV)
    assert result.stdout == "g1\ng3\ng5\n"


def test_query_objects_per_item_are_compact_json_lines(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(3)], 2)
    result = vcc(*STATS, "--paginate", "--format", "ndjson", "--query", "{a: agentId, d: duration}", env=CI_ENV)
    assert result.stdout.splitlines() == ['{"a":"a0","d":0}', '{"a":"a1","d":1000}', '{"a":"a2","d":2000}']


def test_json_stays_the_merged_document_and_query_applies_to_the_whole_of_it(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(6)], 4)
    result = vcc(*STATS, "--paginate", "--format", "json", "--query", "length(items)", env=CI_ENV)
    assert result.stdout == "6\n"


# ------------------------------------------------------------------- csv and tsv


def test_csv_takes_its_columns_from_the_first_page_flattening_nested_keys(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(5)], 2)
    result = vcc(*STATS, "--paginate", "--format", "csv", env=CI_ENV)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["agentId", "type", "start", "duration", "interaction.guid", "workload"]
    assert rows[1] == ["a0", "presence", "2026-01-01T00:00:00Z", "0", "", "0"]
    assert rows[2] == ["a1", "interaction", "2026-01-01T00:01:00Z", "1000", "g1", "1"]
    assert len(rows) == 6


def test_csv_lines_end_with_crlf_and_cells_are_quoted_as_rfc_4180_says(vcc, token_ok):
    items = [{"text": 'say "hi", then\nleave', "tags": ["a", "b"], "ok": True, "none": None}]
    serve_items(token_ok, ACTIVITIES, items, 10)
    result = vcc(*STATS, "--paginate", "--format", "csv", env=CI_ENV)
    assert result.stdout_bytes == b'text,tags,ok,none\r\n"say ""hi"", then\nleave","[""a"",""b""]",true,\r\n'


def test_tsv_separates_with_tabs_ends_lines_with_lf_and_quotes_what_holds_a_tab(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [{"a": "x\ty", "b": 1}, {"a": "plain", "b": 2}], 10)
    result = vcc(*STATS, "--paginate", "--format", "tsv", env=CI_ENV)
    assert result.stdout_bytes == b'a\tb\n"x\ty"\t1\nplain\t2\n'


def test_columns_chooses_and_orders_the_columns_by_dotted_path(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(3)], 2)
    result = vcc(*STATS, "--paginate", "--format", "csv", "--columns", "interaction.guid,agentId,missing", env=CI_ENV)
    assert result.stdout.splitlines() == ["interaction.guid,agentId,missing", ",a0,", "g1,a1,", ",a2,"]


def test_csv_notes_fields_of_later_pages_that_have_no_column(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [{"a": 1}, {"a": 2, "late": "x"}], 1)
    result = vcc(*STATS, "--paginate", "--format", "csv", env=CI_ENV)
    assert result.stdout.splitlines() == ["a", "1", "2"]
    assert "late" in result.stderr and "--columns" in result.stderr


def test_csv_with_a_query_makes_rows_of_its_objects(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(i) for i in range(3)], 2)
    result = vcc(*STATS, "--paginate", "--format", "csv", "--query", "{agent: agentId, ms: duration}", env=CI_ENV)
    assert result.stdout.splitlines() == ["agent,ms", "a0,0", "a1,1000", "a2,2000"]


def test_csv_without_paginate_writes_the_rows_of_the_one_answer(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    result = vcc("call", "/useradmin/users", "--format", "csv", env=CI_ENV)
    assert result.stdout.splitlines() == ["id"] + [str(i) for i in range(10)]
    assert len(api_calls(token_ok)) == 1


def test_csv_of_an_empty_collection_with_columns_is_the_header_alone(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [], 10)
    result = vcc(*STATS, "--paginate", "--format", "csv", "--columns", "agentId,start", env=CI_ENV)
    assert result.stdout_bytes == b"agentId,start\r\n"


# ------------------------------------------------------------------- table


def test_table_fits_the_terminal_width_cutting_cells_with_an_ellipsis(vcc, token_ok):
    items = [{"id": i, "note": "x" * 200, "name": f"n{i}"} for i in range(4)]
    serve_items(token_ok, ACTIVITIES, items, 2)
    result = vcc(*STATS, "--paginate", "--format", "table", env={**CI_ENV, "COLUMNS": "50", "NO_COLOR": "1"}, tty=True)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert all(len(line) <= 50 for line in lines)
    assert "id" in lines[0] and "note" in lines[0] and "name" in lines[0]
    assert sum("…" in line for line in lines) == 4 and any("n3" in line for line in lines)


def test_table_escapes_what_a_server_sent_before_it_reaches_the_terminal(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [{"name": "evil\x1b]0;owned\x07"}], 2)
    result = vcc(*STATS, "--paginate", "--format", "table", env=CI_ENV, tty=True)
    assert "\x1b]0;" not in result.stdout and "\x07" not in result.stdout and "\\x1b" in result.stdout


def test_csv_on_a_terminal_escapes_control_characters(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [{"name": "evil\x1b[2J"}], 2)
    result = vcc(*STATS, "--paginate", "--format", "csv", env=CI_ENV, tty=True)
    assert "\x1b" not in result.stdout and "evil\\x1b[2J" in result.stdout


def test_ndjson_piped_is_written_as_the_items_are_even_with_control_characters(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [{"name": "a\x7fb"}], 2)
    result = vcc(*STATS, "--paginate", "--format", "ndjson", env=CI_ENV)
    assert result.stdout_bytes == b'{"name":"a\x7fb"}\n'


# ------------------------------------------------------------------- progress and files


def test_a_progress_line_on_a_terminals_stderr_counts_pages_and_items_and_is_wiped(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", env={**CI_ENV, "VCC_FORCE_TTY": "1"})
    assert "1 page, 10 items" in result.stderr
    assert result.stderr.endswith("\r\x1b[K") and len(result.stdout.splitlines()) == 25


def test_no_progress_line_when_stderr_is_not_a_terminal(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 25, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", env=CI_ENV)
    assert result.stderr == ""


def test_output_file_of_a_stream_is_complete_or_the_old_file_stays(vcc, token_ok, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "users.ndjson"
    target.write_text("before\n")
    pages = {3: [(500, {"Content-Type": "application/json"}, '{"message": "boom"}')]}
    serve_pages(token_ok, USERS, "users", 25, 10, status_for=pages)
    vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", "-o", str(target), env=CI_ENV, expect_error=1)
    assert target.read_text() == "before\n" and [p.name for p in target.parent.iterdir()] == ["users.ndjson"]
    vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", "-o", str(target), env=CI_ENV)
    assert len(target.read_text().splitlines()) == 25


# ------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--format", "ndjson", "--columns", "a"], "--columns chooses the columns of --format csv"),
        (["--columns", "a"], "--columns chooses the columns of --format csv"),
        (["--window", "1d"], "--window splits the range that --paginate pages"),
        (["--paginate", "--format", "csv", "--raw"], "--raw"),
        (["--paginate", "--format", "xml"], "'xml' is not one of json, ndjson, csv, tsv, table"),
        (["--paginate", "--window", "soon"], "'soon' is not a duration"),
        (["--paginate", "--format", "csv", "--columns", "a,,b"], "empty column name"),
    ],
)
def test_format_options_that_do_not_go_together_are_usage_errors(vcc, options, said):
    result = vcc(*STATS, *options, env=CI_ENV, expect_error=2)
    assert said in result.stderr


# ------------------------------------------------------------------- windows


def test_a_stats_range_over_31_days_is_paged_in_consecutive_windows_with_exact_bounds(vcc, token_ok):
    windowed_stats(token_ok)
    start, end = "2026-01-01T00:00:00Z", "2026-03-12T12:00:00Z"
    result = vcc(
        "call", "/stats/agent-activities", "-q", f"start={start}", "-q", f"end={end}", "--paginate", env=CI_ENV
    )
    asked = [(query_of(c)["start"][0], query_of(c)["end"][0]) for c in api_calls(token_ok)]
    assert asked == [
        (start, "2026-02-01T00:00:00Z"),
        ("2026-02-01T00:00:00Z", "2026-03-04T00:00:00Z"),
        ("2026-03-04T00:00:00Z", end),
    ]
    doc = result.json
    days = (windows.parse_time(end, "end") - windows.parse_time(start, "start")) / DAY
    assert doc["meta"]["count"] == len(doc["items"]) == days * 2
    assert doc["meta"]["upTo"] == end
    starts = [item["start"] for item in doc["items"]]
    assert starts == sorted(set(starts))  # in order, none twice


def test_windows_stream_as_one_collection_with_ndjson(vcc, token_ok):
    windowed_stats(token_ok, per_day=1)
    result = vcc(
        "call",
        "/stats/agent-activities",
        "-q",
        "start=2026-01-01T00:00:00Z",
        "-q",
        "end=2026-04-01T00:00:00Z",
        "--paginate",
        "--format",
        "ndjson",
        env=CI_ENV,
    )
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(items) == 90 and len({item["window"] for item in items}) == 3


def test_window_forces_smaller_windows(vcc, token_ok):
    windowed_stats(token_ok)
    vcc(*STATS[:4], "-q", "end=2026-01-04T00:00:00Z", "--paginate", "--window", "1d", env=CI_ENV)
    asked = [query_of(c)["start"][0] for c in api_calls(token_ok)]
    assert asked == ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]


def test_a_range_within_the_limit_is_sent_as_written(vcc, token_ok):
    windowed_stats(token_ok)
    vcc(*STATS[:4], "-q", "end=2026-01-31T00:00:00+01:00", "--paginate", env=CI_ENV)
    assert [query_of(c)["end"] for c in api_calls(token_ok)] == [["2026-01-31T00:00:00+01:00"]]


def test_a_missing_end_is_now_as_the_stats_api_defaults_it(vcc, token_ok, clock):
    windowed_stats(token_ok)
    clock.now = windows.parse_time("2026-03-01T06:30:00Z", "now") / 1000
    vcc("call", "/stats/agent-activities", "-q", "start=2026-01-01T00:00:00Z", "--paginate", env=CI_ENV)
    asked = [query_of(c)["end"][0] for c in api_calls(token_ok)]
    assert asked == ["2026-02-01T00:00:00Z", "2026-03-01T06:30:00Z"]


def test_a_range_to_split_without_a_start_is_a_usage_error_naming_the_limit(vcc, token_ok):
    result = vcc(
        "call", "/stats/agent-activities", "-q", "end=2026-03-01T00:00:00Z", "--paginate", env=CI_ENV, expect_error=2
    )
    assert "at most 31 days" in result.stderr and "start" in result.stderr and api_calls(token_ok) == []


def test_a_window_wider_than_the_apis_limit_is_a_usage_error(vcc, token_ok):
    result = vcc(
        "call",
        "/interaction-content/interactions",
        "-q",
        "start=2026-01-01T00:00:00Z",
        "-q",
        "end=2026-01-30T00:00:00Z",
        "--paginate",
        "--window",
        "8d",
        env=CI_ENV,
        expect_error=2,
    )
    assert "wider than /interaction-content/interactions accepts (7 days)" in result.stderr


def test_content_search_pages_each_7_day_window_by_continuation_token(vcc, token_ok):
    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        window = q["start"][0][:10]
        token = q.get("continuationToken", [None])[0]
        n = 0 if token is None else int(token.rsplit("-", 1)[1])
        following = f"{window}-{n + 1}" if n < 1 else None
        items = [{"guid": f"{window}/{n}"}]
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"items": items, "meta": {"nextContinuationToken": following}}),
        )

    token_ok.add_callback(responses.GET, CONTENT, callback=callback)
    result = vcc(
        "call",
        "/interaction-content/interactions",
        "-q",
        "start=2026-01-01T00:00:00Z",
        "-q",
        "end=2026-01-15T00:00:00Z",
        "--paginate",
        "--query",
        "items[].guid",
        env=CI_ENV,
    )
    assert result.json == ["2026-01-01/0", "2026-01-01/1", "2026-01-08/0", "2026-01-08/1"]


def test_a_server_that_ignores_the_window_is_stopped_rather_than_print_items_twice(vcc, token_ok):
    serve_items(token_ok, ACTIVITIES, [activity(1)], 10)
    result = vcc(
        *STATS[:4], "-q", "end=2026-03-01T00:00:00Z", "--paginate", "--format", "ndjson", env=CI_ENV, expect_error=4
    )
    assert "page 1 of window 2/2 repeated the previous page's items" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_an_error_in_a_later_window_names_the_window(vcc, token_ok):
    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        if q["start"][0].startswith("2026-01-02"):
            return 404, {"Content-Type": "application/json"}, '{"message": "gone"}'
        meta = {"page": 1, "count": 1, "pageCount": 1, "totalCount": 1}
        return 200, {"Content-Type": "application/json"}, json.dumps({"items": [q["start"][0]], "meta": meta})

    token_ok.add_callback(responses.GET, ACTIVITIES, callback=callback)
    result = vcc(
        *STATS[:4], "-q", "end=2026-01-04T00:00:00Z", "--paginate", "--window", "1d", env=CI_ENV, expect_error=1
    )
    assert "GET /stats/agent-activities (page 1 of window 2/3)" in result.stderr


# ------------------------------------------------------------------- what the review found


def test_an_export_cut_short_by_the_page_limit_exits_4_after_what_it_wrote(vcc, token_ok, monkeypatch):
    from vcc_cli import pagination

    monkeypatch.setattr(pagination, "MAX_PAGES", 2)
    serve_pages(token_ok, USERS, "users", 50, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", env=CI_ENV, expect_error=4)
    assert len(result.stdout.splitlines()) == 20
    assert "stopped at the limit of 2 pages a window: the output is incomplete" in result.stderr


def test_the_page_limit_counts_each_window_on_its_own(vcc, token_ok, monkeypatch):
    from vcc_cli import pagination

    monkeypatch.setattr(pagination, "MAX_PAGES", 1)
    windowed_stats(token_ok)
    result = vcc(*STATS[:4], "-q", "end=2026-01-04T00:00:00Z", "--paginate", "--window", "1d", env=CI_ENV)
    assert len(result.json["items"]) == 6


def test_a_failing_later_page_leaves_stdout_holding_items_only(vcc, token_ok):
    pages = {3: [(500, {"Content-Type": "application/json"}, '{"message": "boom"}')]}
    serve_pages(token_ok, USERS, "users", 25, 10, status_for=pages)
    result = vcc(
        "call", "/useradmin/users", "--paginate", "--format", "ndjson", "--retries", "0", env=CI_ENV, expect_error=1
    )
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == list(range(20))
    assert "boom" in result.stderr and "the items of the pages before it were written" in result.stderr


def test_a_query_that_is_null_for_every_item_says_it_applies_to_each_item(vcc, token_ok):
    serve_pages(token_ok, USERS, "users", 5, 10)
    result = vcc("call", "/useradmin/users", "--paginate", "--format", "ndjson", "--query", "users[].id", env=CI_ENV)
    assert result.stdout == "" and "applies to one item at a time" in result.stderr


def test_the_window_hint_is_written_as_the_option_takes_it(vcc):
    result = vcc(*STATS, "--paginate", "--window", "32d", env=CI_ENV, expect_error=2)
    assert "give --window 31d or less" in result.stderr


def test_a_continuation_token_with_a_range_of_several_windows_is_a_usage_error(vcc, token_ok):
    result = vcc(
        "call",
        "/interaction-content/interactions",
        "-q",
        "start=2026-01-01T00:00:00Z",
        "-q",
        "end=2026-01-20T00:00:00Z",
        "-q",
        "continuationToken=abc",
        "--paginate",
        env=CI_ENV,
        expect_error=2,
    )
    assert "continuationToken resumes one search" in result.stderr and api_calls(token_ok) == []
