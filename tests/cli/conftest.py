"""Fixtures shared by the command tests."""

from __future__ import annotations

import pytest

from tests.conftest import TOKEN_URL, token_answer


@pytest.fixture
def token_ok(mock_http):
    """A token endpoint that answers tok-A, then tok-B (for a refresh)."""
    mock_http.post(TOKEN_URL, json=token_answer("tok-A"))
    mock_http.post(TOKEN_URL, json=token_answer("tok-B"))
    return mock_http


def login(vcc, *extra, stdin="the-secret\n", **kw):
    """`vcc login` of client ``cid`` in region emea, the secret ``the-secret`` on stdin."""
    return vcc("login", "--region", "emea", "--client-id", "cid", "--client-secret-stdin", *extra, stdin=stdin, **kw)
