"""SPEC section 4, `vcc call` retries and timeouts: 429 for any method, 502/503/504 for
idempotent ones, exponential backoff with jitter, Retry-After, capped waits, one 401 refresh."""

from __future__ import annotations

from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import API_URL, CI_ENV, api_calls, token_calls
from vcc_cli.http import MAX_RETRY_WAIT, RetryPolicy, parse_retry_after

AA = API_URL + "/agents-availability"
USER = API_URL + "/useradmin/users/42"


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_is_retried_on_502_503_504(vcc, token_ok, status):
    token_ok.get(AA, status=status)
    token_ok.get(AA, json={"ok": 1})
    result = vcc("call", "/agents-availability", env=CI_ENV)
    assert result.json == {"ok": 1} and len(api_calls(token_ok)) == 2 and f"HTTP {status}" in result.stderr


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_writes_are_retried_on_503(vcc, token_ok, method):
    token_ok.add(method, USER, status=503)
    token_ok.add(method, USER, json={})
    args = ["-d", "{}"] if method == "PUT" else []
    vcc("call", method, "/useradmin/users/42", *args, env=CI_ENV)
    assert len(api_calls(token_ok)) == 2


@pytest.mark.parametrize("status", [502, 503, 504])
def test_patch_is_not_retried_on_5xx(vcc, token_ok, status):
    token_ok.patch(USER, status=status, json={})
    vcc("call", "PATCH", "/useradmin/users/42", "-d", "{}", env=CI_ENV, expect_error=1)
    assert len(api_calls(token_ok)) == 1


def test_post_is_retried_on_429(vcc, token_ok):
    token_ok.post(API_URL + "/useradmin/users", status=429, headers={"Retry-After": "1"})
    token_ok.post(API_URL + "/useradmin/users", json={}, status=201)
    result = vcc("call", "POST", "/useradmin/users", "-d", "{}", env=CI_ENV)
    assert len(api_calls(token_ok)) == 2 and result.sleeps == [1.0]


def test_retry_after_as_an_http_date_is_honoured(vcc, token_ok, clock):
    token_ok.get(AA, status=503, headers={"Retry-After": formatdate(clock.now + 7, usegmt=True)})
    token_ok.get(AA, json={})
    assert vcc("call", "/agents-availability", env=CI_ENV).sleeps == [7.0]


def test_retry_after_date_in_the_past_means_no_wait(vcc, token_ok, clock):
    token_ok.get(AA, status=429, headers={"Retry-After": formatdate(clock.now - 60, usegmt=True)})
    token_ok.get(AA, json={})
    assert vcc("call", "/agents-availability", env=CI_ENV).sleeps == [0.0]


def test_without_retry_after_the_waits_grow_exponentially_with_jitter(vcc, token_ok):
    for _ in range(3):
        token_ok.get(AA, status=503)
    token_ok.get(AA, json={})
    sleeps = vcc("call", "/agents-availability", env=CI_ENV).sleeps
    assert len(sleeps) == 3
    for attempt, wait in enumerate(sleeps, start=1):
        step = 0.5 * 2 ** (attempt - 1)
        assert step / 2 <= wait <= step


def test_each_retry_is_noted_on_stderr(vcc, token_ok):
    token_ok.get(AA, status=503)
    token_ok.get(AA, status=429, headers={"Retry-After": "3"})
    token_ok.get(AA, json={})
    stderr = vcc("call", "/agents-availability", env=CI_ENV).stderr
    assert "HTTP 503 Service Unavailable: retry 1/3 in" in stderr
    assert "HTTP 429 Too Many Requests: retry 2/3 in 3.0 s" in stderr


def test_retries_zero_sends_once(vcc, token_ok):
    token_ok.get(AA, status=503)
    vcc("call", "/agents-availability", "--retries", "0", env=CI_ENV, expect_error=1)
    assert len(api_calls(token_ok)) == 1


def test_timeout_option_sets_connect_and_read_timeouts(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", "/agents-availability", "--timeout", "2.5", env=CI_ENV)
    assert api_calls(token_ok)[0].request.req_kwargs["timeout"] == (2.5, 2.5)


def test_default_timeouts_are_10_s_connect_and_60_s_read(vcc, token_ok):
    token_ok.get(AA, json={})
    vcc("call", "/agents-availability", env=CI_ENV)
    assert api_calls(token_ok)[0].request.req_kwargs["timeout"] == (10.0, 60.0)


def test_the_401_refresh_happens_once_even_with_retries_in_between(vcc, token_ok):
    token_ok.get(AA, status=401)
    token_ok.get(AA, status=429, headers={"Retry-After": "1"})
    token_ok.get(AA, status=401)
    result = vcc("call", "/agents-availability", env=CI_ENV, expect_error=3)
    assert len(token_calls(token_ok)) == 2 and len(api_calls(token_ok)) == 3
    assert "401" in result.stderr


# ---------------------------------------------------------------- the policy itself


@given(attempt=st.integers(min_value=1, max_value=40), rand=st.floats(min_value=0.0, max_value=1.0))
def test_backoff_wait_lies_between_half_the_step_and_the_step_and_never_over_the_cap(attempt, rand):
    policy = RetryPolicy(rand=lambda: rand)
    wait = policy.wait(attempt, None)
    step = min(MAX_RETRY_WAIT, 0.5 * 2 ** (attempt - 1))
    assert step / 2 <= wait <= step <= MAX_RETRY_WAIT


@given(seconds=st.integers(min_value=0, max_value=10**9))
def test_retry_after_in_seconds_is_capped(seconds):
    assert RetryPolicy().wait(1, str(seconds)) == min(float(seconds), MAX_RETRY_WAIT)


@pytest.mark.parametrize("value", ["soon", "", "-5", "1.5e3"])
def test_unreadable_retry_after_falls_back_to_backoff(value):
    assert parse_retry_after(value, 0.0) is None
    assert 0.25 <= RetryPolicy().wait(1, value) <= 0.5


def test_only_429_and_idempotent_5xx_are_retried():
    policy = RetryPolicy()
    assert policy.should_retry("POST", 429) and policy.should_retry("PATCH", 429)
    assert all(policy.should_retry(m, s) for m in ("GET", "PUT", "DELETE", "HEAD") for s in (502, 503, 504))
    assert not any(policy.should_retry(m, s) for m in ("POST", "PATCH") for s in (502, 503, 504))
    assert not any(policy.should_retry("GET", s) for s in (400, 401, 403, 404, 500, 501))
