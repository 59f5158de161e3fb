"""SPEC section 4, `vcc call -f/-F` (``vcc_cli.fields``): the JSON object gh-style
fields build."""

from __future__ import annotations

import pytest

from vcc_cli.errors import UsageError
from vcc_cli.fields import Field, build_object, query_params


def no_files(name: str) -> str:
    raise AssertionError(f"unexpected file read: {name}")


def build(*specs: str, read_file=no_files) -> dict:
    """build("-f", "a=1", "-F", "b=2") style: flag then text."""
    fields = [Field(text, flag == "-F") for flag, text in zip(specs[::2], specs[1::2], strict=False)]
    return build_object(fields, read_file)


def test_raw_field_is_always_a_string():
    assert build("-f", "n=42", "-f", "t=true", "-f", "z=null") == {"n": "42", "t": "true", "z": "null"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("n=42", 42),
        ("n=-7", -7),
        ("n=0", 0),
        ("n=2.5", 2.5),
        ("n=1e3", 1000.0),
        ("n=true", True),
        ("n=false", False),
        ("n=null", None),
        ("n=007", "007"),
        ("n=abc", "abc"),
        ("n=", ""),
        ("n=1.", "1."),
    ],
)
def test_typed_field_converts_numbers_literals_and_keeps_other_text(text, value):
    assert build("-F", text) == {"n": value}


def test_typed_field_at_file_reads_the_file_text():
    assert build("-F", "bio=@bio.txt", read_file=lambda name: f"text of {name}") == {"bio": "text of bio.txt"}


def test_value_may_contain_equals_signs():
    assert build("-f", "expr=a=b") == {"expr": "a=b"}


def test_nested_keys_build_objects_as_gh_api_does():
    assert build("-f", "a[b]=c", "-F", "a[d][e]=1") == {"a": {"b": "c", "d": {"e": 1}}}


def test_key_with_empty_brackets_builds_a_list():
    assert build("-F", "ids[]=1", "-F", "ids[]=2") == {"ids": [1, 2]}


def test_empty_brackets_without_a_value_is_an_empty_list():
    assert build("-F", "ids[]") == {"ids": []}


def test_list_of_objects_starts_a_new_object_when_a_key_repeats():
    result = build("-F", "s[][id]=1", "-F", "s[][level]=3", "-F", "s[][id]=2")
    assert result == {"s": [{"id": 1, "level": 3}, {"id": 2}]}


@pytest.mark.parametrize(
    "pair", [("-f", "a=1", "-f", "a=2"), ("-f", "a=1", "-f", "a[b]=2"), ("-f", "a=1", "-f", "a[]=2")]
)
def test_a_key_given_twice_is_a_usage_error(pair):
    with pytest.raises(UsageError, match="clashes"):
        build(*pair)


@pytest.mark.parametrize("text", ["novalue", "=x", "a[b=1", "[a]=1", "a]=1"])
def test_malformed_field_is_a_usage_error_with_an_example(text):
    with pytest.raises(UsageError) as err:
        build("-f", text)
    assert "key=value" in (err.value.message + (err.value.hint or ""))


def test_fields_as_query_parameters_keep_the_key_as_written():
    fields = [Field("start=2026-01-01T00:00:00Z", False), Field("pageSize=50", True), Field("all=true", True)]
    assert query_params(fields, no_files) == [("start", "2026-01-01T00:00:00Z"), ("pageSize", "50"), ("all", "true")]
