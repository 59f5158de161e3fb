"""SPEC section 4, `vcc call --query` (``vcc_cli.query``): JMESPath, and where an
invalid expression breaks."""

from __future__ import annotations

import pytest

from vcc_cli.errors import ExitCode, UsageError
from vcc_cli.query import apply_query, compile_query

DOC = {"users": [{"id": "1", "enabled": True}, {"id": "2", "enabled": False}], "meta": {"totalCount": 2}}


def test_query_selects_from_the_document():
    assert apply_query(compile_query("users[?enabled].id"), DOC) == ["1"]
    assert apply_query(compile_query("meta.totalCount"), DOC) == 2


@pytest.mark.parametrize(
    ("expression", "column", "before"),
    [("users[?enabled==]", 17, "users[?enabled=="), ("users[].{id: id", 16, "users[].{id: id"), ("a.`", 3, "a.")],
)
def test_invalid_expression_is_a_usage_error_showing_where_it_breaks(expression, column, before):
    with pytest.raises(UsageError) as err:
        compile_query(expression)
    assert err.value.exit_code == ExitCode.USAGE
    assert f"column {column}" in err.value.message
    assert f"it breaks here: {before} <-- " in err.value.hint


def test_empty_expression_is_a_usage_error():
    with pytest.raises(UsageError, match="empty"):
        compile_query("")


def test_a_type_error_at_run_time_is_a_usage_error():
    with pytest.raises(UsageError, match="--query failed"):
        apply_query(compile_query("length(meta.totalCount)"), DOC)
