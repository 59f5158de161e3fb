"""SPEC section 4, `vcc emulator` as a server: fault injection, counters, control
endpoints, concurrency, keep-alive and shutdown; and the client specs it accepts."""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime

import pytest
import requests

from vcc_cli import catalog
from vcc_cli.emulator import DEFAULT_CLIENT, Client, Emulator, Faults, parse_client
from vcc_cli.emulator.server import _is_loopback

V3 = "application/vnd.newvoicemedia.v3+json"
FORM = {
    "grant_type": "client_credentials",
    "client_id": "demo-client",
    "client_secret": "demo-secret",
    "scope": "stats",
}


def stats(http, emulator, token):
    return http.get(
        emulator.url + "/stats/agent-status?limit=5", headers={"Authorization": f"Bearer {token}", "Accept": V3}
    )


# ------------------------------------------------------------------ faults


def test_rate_limit_gives_429_with_retry_after(http, emulator, token):
    bearer = token("stats")
    emulator.faults.rate_limit_next = 2
    emulator.faults.retry_after = 7

    first, second, third = (stats(http, emulator, bearer) for _ in range(3))

    assert first.status_code == second.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert "message" in first.json()
    assert third.status_code == 200
    assert emulator.faults.rate_limit_next == 0


def test_rate_limit_leaves_the_token_endpoint_alone(http, emulator):
    emulator.faults.rate_limit_next = 1

    assert http.post(emulator.url + "/Auth/connect/token", data=FORM).status_code == 200
    assert emulator.faults.rate_limit_next == 1


def test_fail_next_503(http, emulator, token):
    bearer = token("stats")
    emulator.faults.fail_next_503 = 1

    assert stats(http, emulator, bearer).status_code == 503
    assert stats(http, emulator, bearer).status_code == 200


def test_delay_applies_to_each_request(http, emulator, token):
    bearer = token("stats")
    emulator.faults.delay = 0.15

    started = time.monotonic()
    stats(http, emulator, bearer)
    stats(http, emulator, bearer)

    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(
    "fault, check",
    [
        ("503", lambda r: r.status_code == 503),
        ("html", lambda r: r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")),
        ("not-json", lambda r: r.status_code == 200 and not _is_json(r)),
        ("no-access-token", lambda r: r.status_code == 200 and "access_token" not in r.json()),
        ("no-expires-in", lambda r: r.status_code == 200 and "expires_in" not in r.json() and r.json()["access_token"]),
    ],
)
def test_token_faults_break_the_token_endpoint(http, emulator, fault, check):
    emulator.faults.token_fault = fault

    assert check(http.post(emulator.url + "/Auth/connect/token", data=FORM))
    emulator.faults.token_fault = ""
    assert "expires_in" in http.post(emulator.url + "/Auth/connect/token", data=FORM).json()


def _is_json(response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def test_token_ttl_can_change_at_runtime(http, emulator, clock):
    emulator.faults.token_ttl = 5
    body = http.post(emulator.url + "/Auth/connect/token", data=FORM).json()

    assert body["expires_in"] == 5
    clock.advance(5)
    assert stats(http, emulator, body["access_token"]).status_code == 401


def test_revoke_all_invalidates_tokens(http, emulator, token):
    old = token("stats")
    assert stats(http, emulator, old).status_code == 200

    emulator.revoke_all()

    response = stats(http, emulator, old)
    assert response.status_code == 401
    assert response.json()["error_description"] == "The access token is invalid or has expired"
    assert stats(http, emulator, token("stats")).status_code == 200  # new tokens work


def test_counts_are_per_endpoint(http, emulator, token):
    bearer = token("stats")
    stats(http, emulator, bearer)
    stats(http, emulator, bearer)
    http.get(
        emulator.url + "/stats/agent-activities?start=2024-06-01&end=2024-06-02",
        headers={"Authorization": f"Bearer {bearer}", "Accept": V3},
    )
    http.get(emulator.url + "/_emulator/counts")  # control endpoints are not counted

    assert emulator.counts() == {
        "POST /Auth/connect/token": 1,
        "GET /stats/agent-status": 2,
        "GET /stats/agent-activities": 1,
    }
    emulator.reset_counts()
    assert emulator.counts() == {}


def test_refused_requests_are_counted_too(http, emulator):
    emulator.faults.rate_limit_next = 1
    http.get(emulator.url + "/stats/agent-status")
    http.get(emulator.url + "/stats/agent-status")

    assert emulator.counts() == {"GET /stats/agent-status": 2}


def test_control_endpoints_over_http(http, emulator, token):
    bearer = token("stats")
    stats(http, emulator, bearer)

    counts = http.get(emulator.url + "/_emulator/counts")
    assert counts.status_code == 200
    assert counts.json() == {"POST /Auth/connect/token": 1, "GET /stats/agent-status": 1}

    assert http.post(emulator.url + "/_emulator/reset-counts").json() == {}
    assert emulator.counts() == {}

    assert http.post(emulator.url + "/_emulator/revoke").json()["revoked"] == 1
    assert stats(http, emulator, bearer).status_code == 401

    settings = {"rate_limit_next": 1, "retry_after": 3, "token_ttl": 60}
    faults = http.post(emulator.url + "/_emulator/faults", json=settings)
    assert faults.status_code == 200
    assert faults.json()["rate_limit_next"] == 1 and faults.json()["token_ttl"] == 60
    assert http.post(emulator.url + "/Auth/connect/token", data=FORM).json()["expires_in"] == 60
    assert stats(http, emulator, token("stats")).headers["Retry-After"] == "3"
    assert http.get(emulator.url + "/_emulator/faults").json()["rate_limit_next"] == 0


def test_faults_endpoint_rejects_bad_fields(http, emulator):
    unknown = http.post(emulator.url + "/_emulator/faults", json={"rate_limit_next": 1, "explode": True})
    negative = http.post(emulator.url + "/_emulator/faults", json={"delay": -1})

    assert unknown.status_code == 400 and "explode" in unknown.json()["message"]
    assert negative.status_code == 400
    assert emulator.faults.rate_limit_next == 0  # nothing applied from a bad request


def test_control_endpoints_are_for_loopback_only():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("::ffff:127.0.0.1")
    assert not _is_loopback("192.168.1.20") and not _is_loopback("10.0.0.1")


def test_date_header_follows_the_clock(http, emulator, clock):
    clock.now = 1_700_000_000  # 2023-11-14T22:13:20Z

    response = http.post(emulator.url + "/Auth/connect/token", data=FORM)

    assert parsedate_to_datetime(response.headers["Date"]).timestamp() == 1_700_000_000


# ------------------------------------------------------- serving, stopping


def test_serves_concurrent_clients(emulator):
    barrier = threading.Barrier(32)

    def client(_: int) -> tuple[int, int]:
        with requests.Session() as session:
            barrier.wait(timeout=10)
            token = session.post(emulator.url + "/Auth/connect/token", data=FORM).json()["access_token"]
            statuses = [stats(session, emulator, token).status_code for _ in range(5)]
            return len(set(statuses)), statuses[0]

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(client, range(32)))

    assert results == [(1, 200)] * 32
    assert emulator.counts() == {"POST /Auth/connect/token": 32, "GET /stats/agent-status": 160}


def test_keepalive_connection_serves_several_requests(emulator):
    conn = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    try:
        for _ in range(3):
            conn.request("GET", "/_emulator/counts")
            response = conn.getresponse()
            assert response.status == 200
            response.read()
            assert response.getheader("Connection") is None  # kept alive
        sock = conn.sock
        conn.request("GET", "/stats/agent-status")
        conn.getresponse().read()
        assert conn.sock is sock  # still the same connection after an error answer
    finally:
        conn.close()


def test_stop_returns_promptly_with_open_keepalive_connection():
    emulator = Emulator().start()
    idle = http.client.HTTPConnection(emulator.host, emulator.port, timeout=5)
    idle.request("GET", "/_emulator/counts")
    assert idle.getresponse().read() == b"{}"  # answered, connection kept open
    half = socket.create_connection((emulator.host, emulator.port))
    half.sendall(b"GET /stats/agent-status HTTP/1.1\r\nHost: x\r\n")  # never finished

    started = time.monotonic()
    emulator.stop()
    elapsed = time.monotonic() - started

    assert elapsed < 1.0
    assert idle.sock.recv(1) == b""  # the server closed the idle connection
    idle.close()
    half.close()
    with pytest.raises(OSError):
        socket.create_connection((emulator.host, emulator.port), timeout=1)


def test_stop_is_idempotent_and_works_without_start():
    never_started = Emulator()
    never_started.stop()
    never_started.stop()

    emulator = Emulator().start()
    emulator.stop()
    emulator.stop()
    with pytest.raises(RuntimeError):
        emulator.start()


def test_serve_forever_returns_on_stop():
    emulator = Emulator()
    runner = threading.Thread(target=emulator.serve_forever)
    runner.start()
    assert requests.get(emulator.url + "/_emulator/counts", timeout=5).status_code == 200

    emulator.stop()
    runner.join(timeout=2)

    assert not runner.is_alive()


def test_url_names_host_and_port():
    with Emulator() as emulator:
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        assert emulator.port > 0


def test_url_of_a_wildcard_host_names_loopback_which_vcc_accepts():
    from vcc_cli.config import check_url

    with Emulator(host="0.0.0.0") as emulator:
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        assert check_url(emulator.url, "--api-url") == emulator.url
        assert requests.get(emulator.url + "/_emulator/counts", timeout=5).status_code == 200


def test_url_of_the_ipv6_wildcard_names_ipv6_loopback():
    try:
        emulator = Emulator(host="::")
    except OSError:
        pytest.skip("no IPv6 on this machine")
    with emulator:
        assert emulator.url == f"http://[::1]:{emulator.port}"
        assert requests.get(emulator.url + "/_emulator/counts", timeout=5).status_code == 200


def test_tokens_last_7200_seconds_by_default():
    with Emulator() as emulator:
        assert emulator.faults.token_ttl == Faults().token_ttl == 7200


def test_answer_serves_a_request_without_http():
    emulator = Emulator()
    try:
        response = emulator.answer(
            "POST",
            "/Auth/connect/token",
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=stats",
        )
        assert response.status == 200
        assert emulator.counts() == {"POST /Auth/connect/token": 1}
    finally:
        emulator.stop()


# ---------------------------------------------------------------- clients


def test_parse_client_with_space_or_plus_separated_scopes():
    assert parse_client("abc:s3cret:stats users:read") == Client("abc", "s3cret", frozenset({"stats", "users:read"}))
    assert parse_client("abc:s3cret:stats+users:read").scopes == frozenset({"stats", "users:read"})
    assert parse_client(" abc:s3cret:users:read,stats ").scopes == frozenset({"stats", "users:read"})


def test_parse_client_without_scopes_allows_every_catalog_scope():
    assert parse_client("abc:s3cret").scopes == frozenset(catalog.all_scopes())
    assert DEFAULT_CLIENT.scopes == frozenset(catalog.all_scopes())


@pytest.mark.parametrize(
    "spec, complaint",
    [
        ("just-an-id", "ID:SECRET"),
        (":secret:stats", "client ID is empty"),
        ("abc::stats", "secret is empty"),
        ("abc:s3cret:", "no scope"),
        ("abc:s3cret:stats users:reed", "users:reed"),
    ],
)
def test_parse_client_rejects_bad_specs(spec, complaint):
    with pytest.raises(ValueError, match=complaint):
        parse_client(spec)


def test_same_client_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        Emulator(clients=["a:b", "a:c"])


def test_log_lines_never_show_the_client_secret():
    lines: list[str] = []
    with Emulator(log=lines.append) as emulator:
        requests.post(emulator.url + "/Auth/connect/token?client_secret=demo-secret", data=FORM)
        requests.post(emulator.url + "/Auth/connect/token", data=FORM)

    assert len(lines) == 2
    assert not any("demo-secret" in line for line in lines)


def test_client_resetting_a_keepalive_connection_is_not_an_error(capsys):
    lines: list[str] = []
    with Emulator(log=lines.append) as emulator:
        conn = socket.create_connection((emulator.host, emulator.port))
        conn.sendall(b"GET /_emulator/counts HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.recv(4096)
        # SO_LINGER 0: close() sends a reset while the server waits for the next request
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        time.sleep(0.1)

    assert not any("Traceback" in line for line in lines)
    assert "Traceback" not in capsys.readouterr().err
