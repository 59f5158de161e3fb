"""SPEC section 4, `vcc call -o FILE` (``vcc_cli.download``): a file under the target
name is always complete."""

from __future__ import annotations

import os

import pytest

from vcc_cli.download import save
from vcc_cli.errors import NetworkError, UsageError


def broken(after: list[bytes], exc: BaseException):
    yield from after
    raise exc


def test_save_writes_every_chunk_and_returns_the_size(tmp_path):
    target = tmp_path / "rec.wav"
    assert save([b"RIFF", b"x" * 100_000], target) == 100_004
    assert target.read_bytes() == b"RIFF" + b"x" * 100_000


@pytest.mark.parametrize("exc", [NetworkError("connection broke"), KeyboardInterrupt()], ids=["network", "ctrl-c"])
def test_an_interrupted_save_leaves_neither_the_target_nor_a_temporary_file(tmp_path, exc):
    with pytest.raises(type(exc)):
        save(broken([b"RIFF", b"x" * 1000], exc), tmp_path / "rec.wav")
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_save_keeps_the_previous_file_as_it_was(tmp_path):
    target = tmp_path / "rec.wav"
    target.write_bytes(b"old and complete")
    with pytest.raises(NetworkError):
        save(broken([b"new"], NetworkError("connection broke")), target)
    assert target.read_bytes() == b"old and complete" and list(tmp_path.iterdir()) == [target]


def test_the_data_lands_in_a_hidden_part_file_until_complete(tmp_path):
    seen = []

    def chunks():
        yield b"a"
        seen.extend(p.name for p in tmp_path.iterdir())
        yield b"b"

    save(chunks(), tmp_path / "rec.wav")
    assert len(seen) == 1 and seen[0].startswith(".rec.wav.") and seen[0].endswith(".part")


def test_saved_file_gets_the_usual_mode_for_new_files(tmp_path):
    old = os.umask(0o027)
    try:
        save([b"x"], tmp_path / "rec.wav")
    finally:
        os.umask(old)
    assert (tmp_path / "rec.wav").stat().st_mode & 0o777 == 0o640


def test_progress_callback_sees_every_chunk(tmp_path):
    sizes = []
    save([b"ab", b"cde"], tmp_path / "f", on_chunk=sizes.append)
    assert sizes == [2, 3]


def test_a_directory_or_missing_directory_as_target_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="is a directory"):
        save([b"x"], tmp_path)
    with pytest.raises(UsageError, match="cannot write"):
        save([b"x"], tmp_path / "missing" / "f.wav")
