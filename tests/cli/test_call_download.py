"""SPEC section 4, `vcc call -o FILE`, `--range` and binary bodies: the body goes to a
file (or a FIFO, or stdout for `-`) with a progress bar on a terminal, an error answer
creates no file, and a binary body is never printed on a terminal."""

from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import API_URL, CI_ENV, TOKEN_URL, api_calls, token_answer

REC = API_URL + "/interaction-content/interactions/g1/content/callRecording"
REC_PATH = "/interaction-content/interactions/g1/content/callRecording"
WAV = b"RIFF" + bytes(range(256)) * 400


def test_range_option_is_sent_as_a_range_header_and_206_is_saved(vcc, token_ok, tmp_path):
    token_ok.get(
        REC, body=WAV[:100], status=206, content_type="audio/wav", headers={"Content-Range": f"bytes 0-99/{len(WAV)}"}
    )
    target = tmp_path / "head.wav"
    vcc("call", REC_PATH, "--range", "0-99", "-o", str(target), env=CI_ENV)
    assert api_calls(token_ok)[0].request.headers["Range"] == "bytes=0-99"
    assert target.read_bytes() == WAV[:100]


@pytest.mark.parametrize(
    ("given", "sent"), [("1000-", "bytes=1000-"), ("-500", "bytes=-500"), ("bytes=0-9, 20-29", "bytes=0-9, 20-29")]
)
def test_range_forms(vcc, token_ok, given, sent):
    token_ok.get(REC, body=b"x", status=206, content_type="audio/wav")
    vcc("call", REC_PATH, "--range", given, env=CI_ENV)
    assert api_calls(token_ok)[0].request.headers["Range"] == sent


def test_range_header_given_with_h_is_passed_through(vcc, token_ok):
    token_ok.get(REC, body=b"x", status=206, content_type="audio/wav")
    vcc("call", REC_PATH, "-H", "Range: bytes=10-19", env=CI_ENV)
    assert api_calls(token_ok)[0].request.headers["Range"] == "bytes=10-19"


@pytest.mark.parametrize("args", [["--range", "abc"], ["--range", "9-1"], ["--range", "0-9", "-H", "Range: bytes=0-1"]])
def test_bad_or_doubled_range_is_a_usage_error_before_anything_is_sent(vcc, mock_http, args):
    vcc("call", REC_PATH, *args, env=CI_ENV, expect_error=2)
    assert len(mock_http.calls) == 0


def test_range_outside_the_content_is_exit_1_with_a_hint(vcc, token_ok, tmp_path):
    token_ok.get(REC, status=416, json={"message": "outside"}, headers={"Content-Range": "bytes */100"})
    out = tmp_path / "out"
    out.mkdir()
    result = vcc("call", REC_PATH, "--range", "500-", "-o", str(out / "x.wav"), env=CI_ENV, expect_error=1)
    assert "HTTP 416" in result.stderr and "--range" in result.stderr
    assert list(out.iterdir()) == []


def test_output_file_is_not_created_when_the_api_answers_an_error(vcc, token_ok, tmp_path):
    token_ok.get(REC, status=404, json={"message": "no such recording"})
    out = tmp_path / "out"
    out.mkdir()
    result = vcc("call", REC_PATH, "-o", str(out / "x.wav"), env=CI_ENV, expect_error=1)
    assert list(out.iterdir()) == [] and "no such recording" in result.stdout


def test_output_to_a_fifo_or_device_writes_into_it_and_keeps_it(vcc, mock_http, tmp_path):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/x", body=b"data")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()), daemon=True)  # noqa: SIM115
    reader.start()
    try:
        vcc("call", "/stats/x", "-o", str(fifo), env=CI_ENV)
    finally:
        if reader.is_alive():  # unblock the reader if vcc never opened the pipe
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert received == [b"data"] and os.path.exists(fifo) and not os.path.isfile(fifo)


def test_output_dash_is_stdout(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(API_URL + "/stats/x", body=b"\x00binary")
    assert vcc("call", "/stats/x", "-o", "-", env=CI_ENV, tty=True).stdout_bytes == b"\x00binary"


def test_binary_body_is_never_printed_on_a_terminal_even_with_raw(vcc, token_ok):
    token_ok.get(REC, body=WAV, content_type="audio/wav")
    result = vcc("call", REC_PATH, "--raw", env=CI_ENV, tty=True)
    assert result.stdout_bytes == b"" and "use -o" not in result.stderr and "-o FILE" in result.stderr


def test_binary_body_without_a_binary_type_is_recognised_on_a_terminal(vcc, token_ok):
    token_ok.get(REC, body=b"\x00\x01\x02" * 100, content_type="text/plain")
    result = vcc("call", REC_PATH, env=CI_ENV, tty=True)
    assert result.stdout_bytes == b"" and "binary body" in result.stderr


def test_binary_body_is_written_byte_for_byte_when_piped(vcc, token_ok):
    token_ok.get(REC, body=WAV, content_type="audio/wav")
    assert vcc("call", REC_PATH, env=CI_ENV).stdout_bytes == WAV


def test_download_shows_a_progress_bar_when_stderr_is_a_terminal(vcc, token_ok, tmp_path):
    token_ok.get(REC, body=WAV, content_type="audio/wav")
    result = vcc("call", REC_PATH, "-o", str(tmp_path / "rec.wav"), env={**CI_ENV, "VCC_FORCE_TTY": "1"})
    bar = result.stderr.split("vcc: saved")[0]
    assert "rec.wav" in bar and "━" in bar


def test_download_shows_no_progress_bar_when_stderr_is_not_a_terminal(vcc, token_ok, tmp_path):
    token_ok.get(REC, body=WAV, content_type="audio/wav")
    result = vcc("call", REC_PATH, "-o", str(tmp_path / "rec.wav"), env=CI_ENV)
    assert result.stderr == f"vcc: saved {tmp_path / 'rec.wav'} ({len(WAV)} bytes)\n"
