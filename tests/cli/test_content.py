"""SPEC section 4, `vcc content download` and `vcc content delete`, in-process against a
mocked API: what is searched and fetched, where the files go, resume, retries and the
failures file, the pace (VCC's 160 and 16 requests a minute), batches, the confirmation
and its refusal off a terminal, `--dry-run`; sections 6 and 7 for exit codes and what
is never shown."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, api_calls, token_answer, token_calls

SEARCH = API_URL + "/interaction-content/interactions"
DELETE = SEARCH + "/delete-batch"
G1, G2, G3 = (str(uuid.UUID(int=n)) for n in (1, 2, 3))
WAV = b"RIFF" + bytes(range(256)) * 40
TRANSCRIPT = b'{"lines": []}'


def entry(key, ctype, body):
    return {"contentKey": key, "type": key, "contentType": ctype, "contentLength": len(body)}


def interaction(guid, *, transcript=True):
    content = [entry("callRecording", "audio/wav", WAV)]
    if transcript:
        content.append(entry("transcript", "application/json", TRANSCRIPT))
    return {"guid": guid, "start": "2027-01-15T08:00:00Z", "content": content}


def content_url(guid, key):
    return f"{SEARCH}/{guid}/content/{key}"


def serve_search(mock, pages):
    """The search answers ``pages`` (lists of items) one after the other, by continuation token."""

    def answer(request):
        query = parse_qs(urlsplit(request.url).query)
        index = int(query.get("continuationToken", ["0"])[0])
        following = str(index + 1) if index + 1 < len(pages) else None
        body = {"items": pages[index], "meta": {"nextContinuationToken": following}}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock.add_callback(responses.GET, SEARCH, callback=answer)


def serve_files(mock, *guids):
    for guid in guids:
        mock.get(content_url(guid, "callRecording"), body=WAV, content_type="audio/wav")
        mock.get(content_url(guid, "transcript"), body=TRANSCRIPT, content_type="application/json")


def content_calls(mock):
    return [c for c in api_calls(mock) if "/content/" in c.request.url]


RANGE = ["--start", "2027-01-15T00:00:00Z", "--end", "2027-01-16T00:00:00Z"]


def download(vcc, tmp_path, *args, **kw):
    return vcc("content", "download", *args, "--dir", str(tmp_path / "out"), env={**CI_ENV, **kw.pop("env", {})}, **kw)


def test_a_search_that_repeats_its_pages_stops_with_exit_4_in_the_commands_own_words(vcc, token_ok, tmp_path):
    body = {"items": [interaction(G1)], "meta": {"nextContinuationToken": "again"}}
    token_ok.get(SEARCH, json=body)
    result = download(vcc, tmp_path, *RANGE, expect_error=4)
    assert "the content search: page 2 repeated the previous page's items" in result.stderr
    assert "--paginate" not in result.stderr


# --------------------------------------------------------------------------- download: what goes where


def test_download_follows_the_search_pages_and_saves_every_file_as_guid_key_ext(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)], [interaction(G2, transcript=False)]])
    serve_files(token_ok, G1, G2)
    result = download(vcc, tmp_path, *RANGE)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        f"{G1}_callRecording.wav",
        f"{G1}_transcript.json",
        f"{G2}_callRecording.wav",
    ]
    assert (out / f"{G1}_callRecording.wav").read_bytes() == WAV
    assert (out / f"{G1}_transcript.json").read_bytes() == TRANSCRIPT
    searches = [c for c in api_calls(token_ok) if urlsplit(c.request.url).path.endswith("/interactions")]
    first = parse_qs(urlsplit(searches[0].request.url).query)
    assert first["start"] == ["2027-01-15T00:00:00Z"] and first["end"] == ["2027-01-16T00:00:00Z"]
    assert first["limit"] == ["1000"]
    assert parse_qs(urlsplit(searches[1].request.url).query)["continuationToken"] == ["1"]
    assert result.stdout == ""


def test_download_sends_the_content_apis_accept_header_and_read_scope(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False)]])
    serve_files(token_ok, G1)
    download(vcc, tmp_path, *RANGE)
    assert "scope=interaction-content%3Aread" in token_calls(token_ok)[0].request.body
    assert all(c.request.headers["Accept"] == "application/vnd.newvoicemedia.v3+json" for c in api_calls(token_ok))


def test_a_range_wider_than_seven_days_is_searched_in_windows(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[]])
    download(vcc, tmp_path, "--start", "2027-01-01T00:00:00Z", "--end", "2027-01-20T00:00:00Z")
    windows = [parse_qs(urlsplit(c.request.url).query) for c in api_calls(token_ok)]
    assert [(w["start"][0], w["end"][0]) for w in windows] == [
        ("2027-01-01T00:00:00Z", "2027-01-08T00:00:00Z"),
        ("2027-01-08T00:00:00Z", "2027-01-15T00:00:00Z"),
        ("2027-01-15T00:00:00Z", "2027-01-20T00:00:00Z"),
    ]


def test_content_option_downloads_only_those_keys(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    serve_files(token_ok, G1)
    download(vcc, tmp_path, *RANGE, "--content", "transcript")
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{G1}_transcript.json"]
    assert len(content_calls(token_ok)) == 1


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_guids_file_looks_up_each_interaction_then_downloads_its_content(vcc, token_ok, tmp_path, from_stdin):
    listing = f"# to keep\n{G1}\n\n{G2}\n"
    for guid in (G1, G2):
        token_ok.get(f"{SEARCH}/{guid}", json=interaction(guid, transcript=False))
    serve_files(token_ok, G1, G2)
    if from_stdin:
        download(vcc, tmp_path, "--guids", "-", stdin=listing)
    else:
        (tmp_path / "g.txt").write_text(listing)
        download(vcc, tmp_path, "--guids", str(tmp_path / "g.txt"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{G1}_callRecording.wav",
        f"{G2}_callRecording.wav",
    ]


def test_an_invalid_guid_in_the_file_is_a_usage_error_naming_the_line_before_anything_is_sent(vcc, mock_http, tmp_path):
    (tmp_path / "g.txt").write_text(f"{G1}\nnot-a-guid\n")
    result = download(vcc, tmp_path, "--guids", str(tmp_path / "g.txt"), expect_error=2)
    assert "g.txt line 2: 'not-a-guid' is not an interaction GUID" in result.stderr
    assert len(mock_http.calls) == 0 and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "2027-01-01T00:00:00Z"], "--end is missing"),
        ([], "--start is missing"),
        (["--guids", "-", "--start", "2027-01-01T00:00:00Z"], "do not go together"),
        (["--start", "2027-01-02", "--end", "2027-01-01"], "is not after --start"),
        (["--start", "yesterday", "--end", "2027-01-01"], "is not an ISO 8601 time"),
        (["--start", "2027-01-01", "--end", "2027-01-02", "--rate", "fast"], "invalid value for --rate"),
        (["--start", "2027-01-01", "--end", "2027-01-02", "-j", "0"], "invalid value for -j/--concurrency"),
    ],
)
def test_bad_selections_are_usage_errors_before_anything_is_sent(vcc, mock_http, tmp_path, args, says):
    result = download(vcc, tmp_path, *args, expect_error=2)
    assert says in result.stderr and len(mock_http.calls) == 0


def test_dir_is_required(vcc, mock_http):
    result = vcc("content", "download", *RANGE, env=CI_ENV, expect_error=2)
    assert "--dir is missing" in result.stderr


def test_an_unsafe_content_key_from_the_server_is_refused_and_recorded(vcc, token_ok, tmp_path):
    bad = {**interaction(G1, transcript=False), "content": [entry("../../escape", "audio/wav", WAV)]}
    serve_search(token_ok, [[bad]])
    download(vcc, tmp_path, *RANGE, expect_error=1)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["failures.ndjson"]
    assert not (tmp_path / "escape.wav").exists() and content_calls(token_ok) == []


# --------------------------------------------------------------------------- resume


def test_a_rerun_skips_files_that_are_complete(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    serve_files(token_ok, G1)
    download(vcc, tmp_path, *RANGE)
    fetched = len(content_calls(token_ok))
    again = download(vcc, tmp_path, *RANGE)
    assert len(content_calls(token_ok)) == fetched == 2
    assert "2 already complete" in again.stderr


def test_a_file_of_another_size_than_the_content_length_is_downloaded_again(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False)]])
    serve_files(token_ok, G1)
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{G1}_callRecording.wav").write_bytes(WAV[:100])
    download(vcc, tmp_path, *RANGE)
    assert (out / f"{G1}_callRecording.wav").read_bytes() == WAV


def test_part_files_left_by_a_killed_run_are_removed(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[]])
    out = tmp_path / "out"
    out.mkdir()
    (out / f".{G1}_callRecording.wav.00112233aabbccdd.part").write_bytes(b"half")
    result = download(vcc, tmp_path, *RANGE)
    assert list(out.iterdir()) == [] and "removed 1 incomplete file" in result.stderr


# --------------------------------------------------------------------------- failures


def test_failures_are_retried_then_listed_in_failures_ndjson_with_exit_1(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False), interaction(G2, transcript=False)]])
    token_ok.get(content_url(G1, "callRecording"), status=500, json={"message": "disk \x1b[31mred"})
    token_ok.get(content_url(G2, "callRecording"), status=404, json={"message": "gone"})
    result = download(vcc, tmp_path, *RANGE, "-j", "1", expect_error=1)
    g1_calls = [c for c in content_calls(token_ok) if G1 in c.request.url]
    assert len(g1_calls) == 4  # the first try and 3 retries (VCC's samples' figure)
    assert len([c for c in content_calls(token_ok) if G2 in c.request.url]) == 1  # a 404 is not retried
    lines = (tmp_path / "out" / "failures.ndjson").read_text().splitlines()
    failures = sorted((json.loads(line) for line in lines), key=lambda f: f["guid"])
    assert [(f["guid"], f["contentKey"], f["status"]) for f in failures] == [
        (G1, "callRecording", 500),
        (G2, "callRecording", 404),
    ]
    assert failures[0]["file"] == f"{G1}_callRecording.wav" and "disk" in failures[0]["message"]
    assert "1 failed" not in result.stderr and "2 failed" in result.stderr
    assert "failures.ndjson" in result.stderr and "\x1b" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["failures.ndjson"]


def test_the_failures_file_is_removed_when_a_rerun_succeeds(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False)]])
    token_ok.get(content_url(G1, "callRecording"), status=404)
    download(vcc, tmp_path, *RANGE, expect_error=1)
    assert (tmp_path / "out" / "failures.ndjson").exists()
    token_ok.replace(responses.GET, content_url(G1, "callRecording"), body=WAV, content_type="audio/wav")
    download(vcc, tmp_path, *RANGE)
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{G1}_callRecording.wav"]


def test_an_interaction_the_guids_file_names_that_does_not_exist_is_a_failure(vcc, token_ok, tmp_path):
    token_ok.get(f"{SEARCH}/{G3}", status=404, json={"message": "no interaction"})
    download(vcc, tmp_path, "--guids", "-", stdin=G3 + "\n", expect_error=1)
    (failure,) = [json.loads(line) for line in (tmp_path / "out" / "failures.ndjson").read_text().splitlines()]
    assert failure["guid"] == G3 and failure["status"] == 404 and "contentKey" not in failure


def test_a_403_on_the_search_ends_the_run_naming_the_scope(vcc, token_ok, tmp_path):
    token_ok.get(SEARCH, status=403, json={"message": "Forbidden"})
    result = download(vcc, tmp_path, *RANGE, expect_error=1)
    assert "interaction-content:read" in result.stderr


def test_the_token_is_never_shown_even_when_the_server_echoes_it(vcc, mock_http, tmp_path):
    token = "tok-0123456789-secret"
    mock_http.post(TOKEN_URL, json=token_answer(token))
    serve_search(mock_http, [[interaction(G1, transcript=False)]])
    mock_http.get(content_url(G1, "callRecording"), status=500, body=f"echo Bearer {token}")
    result = download(vcc, tmp_path, *RANGE, expect_error=1)
    assert token not in result.stderr and token.encode() not in (tmp_path / "out" / "failures.ndjson").read_bytes()


# --------------------------------------------------------------------------- pace


def spacing(sleeps):
    """The interval between request slots, from the rate limiter's waits: the test's
    sleeps do not pass time, so each request waits one interval longer than the last."""
    waits = [0.0, *(s for s in sleeps if s > 0)]
    gaps = [b - a for a, b in itertools.pairwise(waits)]
    assert len(gaps) >= 2, sleeps
    return gaps


def test_the_default_pace_is_vccs_160_requests_a_minute(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1), interaction(G2)]])
    serve_files(token_ok, G1, G2)
    result = download(vcc, tmp_path, *RANGE, "-j", "1")
    assert spacing(result.sleeps) == [pytest.approx(60 / 160, abs=0.02)] * 4  # 5 requests: the search, 4 files


def test_rate_option_sets_the_pace(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    serve_files(token_ok, G1)
    result = download(vcc, tmp_path, *RANGE, "-j", "1", "--rate", "30/min")
    assert spacing(result.sleeps) == [pytest.approx(2.0, abs=0.02)] * 2


def test_a_429_lowers_the_pace_and_is_tried_again_after_a_while(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False)]])
    url = content_url(G1, "callRecording")
    token_ok.get(url, status=429, json={"message": "Too Many Requests"})
    token_ok.get(url, body=WAV, content_type="audio/wav")
    result = download(vcc, tmp_path, *RANGE)
    assert (tmp_path / "out" / f"{G1}_callRecording.wav").read_bytes() == WAV
    assert "HTTP 429 (fair usage): pace lowered to 80 requests a minute" in result.stderr
    assert any(5 <= s <= 10 for s in result.sleeps)  # VCC's samples' first backoff: 10 s, with jitter


def test_a_429_with_retry_after_waits_that_long(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1, transcript=False)]])
    url = content_url(G1, "callRecording")
    token_ok.get(url, status=429, headers={"Retry-After": "7"})
    token_ok.get(url, body=WAV, content_type="audio/wav")
    result = download(vcc, tmp_path, *RANGE)
    assert 7.0 in result.sleeps


# --------------------------------------------------------------------------- what a person sees


def test_a_progress_line_is_drawn_on_a_terminal_only(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    serve_files(token_ok, G1)
    piped = download(vcc, tmp_path, *RANGE)
    assert "\r" not in piped.stderr
    (tmp_path / "out" / f"{G1}_transcript.json").unlink()
    shown = download(vcc, tmp_path, *RANGE, env={"VCC_FORCE_TTY": "1"})
    assert "\r\x1b[K" in shown.stderr


def test_the_progress_bar_counts_files_of_those_found_and_bytes(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)], [interaction(G2)]])
    serve_files(token_ok, G1, G2)
    shown = download(vcc, tmp_path, *RANGE, env={"VCC_FORCE_TTY": "1"})
    drawn = [part for part in shown.stderr.split("\r\x1b[K") if part.startswith("vcc: █") or "░" in part]
    # drawn at most ten times a second: the first state at least, the bar's 24 cells beside "done/found"
    assert drawn and all(re.match(r"vcc: [█░]{24} [0-4]/[24] files, [\d.]+ k?B, \d+ s$", part) for part in drawn)


def test_a_summary_line_ends_the_run_on_stderr(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    serve_files(token_ok, G1)
    result = download(vcc, tmp_path, *RANGE)
    assert re.fullmatch(r"vcc: 2 files downloaded \(\d+\.\d kB\); 1 interaction in \d+\.\d s\n", result.stderr), (
        result.stderr
    )


# --------------------------------------------------------------------------- delete


def delete(vcc, *args, **kw):
    return vcc("content", "delete", *args, env={**CI_ENV, **kw.pop("env", {})}, **kw)


def deleted_batches(mock):
    return [json.loads(c.request.body)["guids"] for c in api_calls(mock) if c.request.url == DELETE]


def test_delete_refuses_without_yes_when_stdin_is_not_a_terminal_before_any_request(vcc, mock_http):
    result = delete(vcc, *RANGE, expect_error=2)
    assert "stdin is not a terminal" in result.stderr and "--yes" in result.stderr
    assert len(mock_http.calls) == 0


def test_delete_asks_on_a_terminal_naming_the_count_and_where(vcc, token_ok):
    serve_search(token_ok, [[interaction(G1), interaction(G2)]])
    token_ok.post(DELETE, json={"failures": []})
    result = delete(vcc, *RANGE, stdin="yes\n", tty=True)
    assert "Delete 2 interactions and all their content from https://emea.api.cc.vonage.com (region emea)?" in (
        result.stderr
    )
    assert deleted_batches(token_ok) == [[G1, G2]]
    assert "deleted 2 of 2 interactions in 1 batch" in result.stderr


@pytest.mark.parametrize("answer", ["no\n", "\n", "y es\n"])
def test_delete_answered_anything_but_yes_deletes_nothing(vcc, token_ok, answer):
    serve_search(token_ok, [[interaction(G1)]])
    result = delete(vcc, *RANGE, stdin=answer, tty=True, expect_error=2)
    assert deleted_batches(token_ok) == [] and "nothing was deleted" in result.stderr


def test_delete_sends_batches_of_1000_guids(vcc, token_ok, tmp_path):
    guids = [str(uuid.UUID(int=n)) for n in range(1, 2501)]
    (tmp_path / "g.txt").write_text("\n".join(guids))
    token_ok.post(DELETE, json={"failures": []})
    delete(vcc, "--guids", str(tmp_path / "g.txt"), "--yes")
    batches = deleted_batches(token_ok)
    assert [len(b) for b in batches] == [1000, 1000, 500] and [g for b in batches for g in b] == guids


def test_delete_is_paced_at_vccs_16_batches_a_minute(vcc, token_ok):
    token_ok.post(DELETE, json={"failures": []})
    result = delete(vcc, "--guids", "-", "--yes", "--batch-size", "1", stdin=f"{G1}\n{G2}\n{G3}\n")
    assert spacing(result.sleeps) == [pytest.approx(60 / 16, abs=0.02)] * 2


def test_delete_uses_the_delete_scope_for_batches_and_the_read_scope_for_the_search(vcc, token_ok):
    serve_search(token_ok, [[interaction(G1)]])
    token_ok.post(DELETE, json={"failures": []})
    delete(vcc, *RANGE, "--yes")
    scopes = [parse_qs(c.request.body)["scope"][0] for c in token_calls(token_ok)]
    assert scopes == ["interaction-content:read", "interaction-content:delete"]


def test_delete_failures_in_the_answer_are_printed_on_stdout_as_ndjson_with_exit_1(vcc, token_ok):
    token_ok.post(DELETE, json={"failures": [{"guid": G2, "message": "Forbidden \x1b[2J", "statusCode": 403}]})
    result = delete(vcc, "--guids", "-", "--yes", stdin=f"{G1}\n{G2}\n", expect_error=1)
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"guid": G2, "status": 403, "message": "Forbidden \\x1b[2J"}
    ]
    assert "deleted 1 of 2 interactions" in result.stderr and "1 failed" in result.stderr


def test_a_batch_refused_whole_lists_each_of_its_guids_and_the_rest_go_on(vcc, token_ok):
    token_ok.post(DELETE, status=500, json={"message": "boom"})
    token_ok.post(DELETE, status=500, json={"message": "boom"})
    token_ok.post(DELETE, status=500, json={"message": "boom"})
    token_ok.post(DELETE, status=500, json={"message": "boom"})
    token_ok.post(DELETE, json={"failures": []})
    result = delete(vcc, "--guids", "-", "--yes", "--batch-size", "2", stdin=f"{G1}\n{G2}\n{G3}\n", expect_error=1)
    assert [json.loads(line)["guid"] for line in result.stdout.splitlines()] == [G1, G2]
    assert deleted_batches(token_ok)[-1] == [G3]


def test_delete_dry_run_prints_the_guids_and_deletes_nothing(vcc, token_ok):
    serve_search(token_ok, [[interaction(G1)], [interaction(G2)]])
    result = delete(vcc, *RANGE, "--dry-run")
    assert result.stdout.splitlines() == [G1, G2] and deleted_batches(token_ok) == []
    assert "2 interactions would be deleted" in result.stderr


def test_delete_dry_run_of_a_guids_file_sends_nothing_at_all(vcc, mock_http):
    result = delete(vcc, "--guids", "-", "--dry-run", stdin=f"{G1}\n{G1.upper()}\n")
    assert result.stdout.splitlines() == [G1] and len(mock_http.calls) == 0


def test_delete_a_403_ends_the_run(vcc, token_ok):
    token_ok.post(DELETE, status=403, json={"message": "Forbidden"})
    result = delete(vcc, "--guids", "-", "--yes", stdin=f"{G1}\n", expect_error=1)
    assert "interaction-content:delete" in result.stderr


def test_nothing_to_delete_is_fine(vcc, token_ok):
    serve_search(token_ok, [[]])
    result = delete(vcc, *RANGE, "--yes")
    assert "nothing to delete" in result.stderr and deleted_batches(token_ok) == []


def test_token_endpoint_is_asked_for_nothing_when_the_selection_is_bad(vcc, mock_http):
    delete(vcc, "--guids", "-", "--yes", stdin="zzz\n", expect_error=2)
    assert not [c for c in mock_http.calls if c.request.url.startswith(TOKEN_URL)]


def test_workers_share_one_token_and_a_401_is_refreshed_once_for_all(vcc, token_ok, tmp_path):
    """Four downloads out at once with a token the API has revoked: one new token, not four."""
    import time

    serve_search(token_ok, [[interaction(G1), interaction(G2)]])

    def answer(request):
        if request.headers["Authorization"] == "Bearer tok-A":
            time.sleep(0.2)  # every worker's first request is out with the old token
            return 401, {}, json.dumps({"message": "Authorization has been denied for this request."})
        ctype = "audio/wav" if request.url.endswith("callRecording") else "application/json"
        return 200, {"Content-Type": ctype}, WAV if ctype == "audio/wav" else TRANSCRIPT

    for guid in (G1, G2):
        for key in ("callRecording", "transcript"):
            token_ok.add_callback(responses.GET, content_url(guid, key), callback=answer)
    download(vcc, tmp_path, *RANGE, "-j", "4")
    assert len(token_calls(token_ok)) == 2
    assert len(list((tmp_path / "out").iterdir())) == 4


# --------------------------------------------------------------------------- what the review found


def test_a_search_that_answers_strings_never_puts_them_into_a_request_path(vcc, token_ok, tmp_path):
    token_ok.get(SEARCH, json={"items": ["../../../useradmin/users", G1], "meta": {"nextContinuationToken": None}})
    token_ok.get(f"{SEARCH}/{G1}", json=interaction(G1))
    serve_files(token_ok, G1)
    result = download(vcc, tmp_path, *RANGE, expect_error=1)
    assert not any("useradmin" in c.request.url for c in token_ok.calls)
    failures = (tmp_path / "out" / "failures.ndjson").read_text().splitlines()
    assert len(failures) == 1 and "not an object" in failures[0] and "failed" in result.stderr


def test_a_body_of_another_size_than_its_content_length_is_not_kept_and_is_listed(vcc, token_ok, tmp_path):
    item = interaction(G1, transcript=False)
    item["content"][0]["contentLength"] = len(WAV) + 10
    serve_search(token_ok, [[item]])
    serve_files(token_ok, G1)
    download(vcc, tmp_path, *RANGE, "--retries", "1", expect_error=1)
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["failures.ndjson"]
    (failure,) = [json.loads(line) for line in (out / "failures.ndjson").read_text().splitlines()]
    assert failure["contentKey"] == "callRecording" and "contentLength says" in failure["message"]


def test_a_content_key_no_interaction_has_is_said_at_the_end(vcc, token_ok, tmp_path):
    serve_search(token_ok, [[interaction(G1)]])
    result = download(vcc, tmp_path, *RANGE, "--content", "callrecordin")
    assert "no interaction had content 'callrecordin'" in result.stderr and content_calls(token_ok) == []


def test_an_empty_content_key_is_a_usage_error(vcc, tmp_path):
    result = download(vcc, tmp_path, *RANGE, "--content", "", expect_error=2)
    assert "is not a contentKey" in result.stderr
