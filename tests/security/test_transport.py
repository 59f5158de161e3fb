"""SPEC sections 1 and 7, transport: https only, except loopback, for the token
endpoint and the API, given as options or environment variables; TLS verification
always on, with the corporate CA bundle variables and HTTPS_PROXY honoured. The TLS
tests serve the emulator over https with a throwaway CA and run the real `vcc`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import CLIENT_ID, SECRET
from tests.support.connect_proxy import ConnectProxy
from tests.support.processes import TESTS, clean_env, run_together, run_vcc
from vcc_cli import config

REMOTE_HTTP = "http://emea.cc.vonage.com"
#: Hosts that look like loopback to a careless eye and are not.
NOT_LOOPBACK = [
    "http://127.0.0.1.nip.io",
    "http://localhost.example.com",
    "http://api.localhost:8480",
    "http://127.1",
    "http://0x7f000001",
    "http://2130706433",
    "http://[::ffff:127.0.0.1]",
    "http://0.0.0.0",
    "http://10.0.0.1",
    "http://localhost@evil.example",
    "http://evil.example\\@localhost",
    "http://127.0.0.1:80@evil.example",
    "HTTP://EVIL.EXAMPLE",
]
LOOPBACK = [
    "http://localhost:8480",
    "http://127.0.0.1:8480",
    "http://127.3.2.1",
    "http://[::1]:8480",
    "http://LOCALHOST",
]
ENV_CREDS = {"VCC_CLIENT_ID": "ci-client", "VCC_CLIENT_SECRET": "s3cr3t"}


# --------------------------------------------------------------------------- https only, except loopback


@pytest.mark.parametrize("url", [REMOTE_HTTP, *NOT_LOOPBACK])
def test_plain_http_to_a_remote_token_endpoint_from_the_environment_is_refused_before_sending(vcc, mock_http, url):
    result = vcc(
        "token",
        "-s",
        "stats",
        env={**ENV_CREDS, "VCC_AUTH_URL": url, "VCC_API_URL": "https://api.example"},
        expect_error=2,
    )
    assert "VCC_AUTH_URL" in result.stderr and len(mock_http.calls) == 0
    assert "s3cr3t" not in result.stderr


@pytest.mark.parametrize("url", [REMOTE_HTTP, "http://127.0.0.1.nip.io", "http://[::ffff:127.0.0.1]"])
def test_plain_http_to_a_remote_api_from_the_environment_is_refused_before_sending(vcc, mock_http, url):
    result = vcc(
        "call",
        "/agents-availability",
        env={**ENV_CREDS, "VCC_AUTH_URL": "https://auth.example", "VCC_API_URL": url},
        expect_error=2,
    )
    assert "VCC_API_URL" in result.stderr and "plain http" in result.stderr and len(mock_http.calls) == 0


@pytest.mark.parametrize("option", ["--auth-url", "--api-url"])
@pytest.mark.parametrize("url", [REMOTE_HTTP, "http://localhost.example.com"])
def test_plain_http_to_a_remote_host_given_to_login_is_refused_and_nothing_is_stored(
    vcc, mock_http, keyring_store, tmp_path, option, url
):
    urls = {"--auth-url": "https://auth.example", "--api-url": "https://api.example", option: url}
    result = vcc(
        "login",
        "--client-id",
        "cid",
        "--client-secret-stdin",
        *[x for kv in urls.items() for x in kv],
        stdin="s3cr3t\n",
        expect_error=2,
    )
    assert option in result.stderr and "plain http" in result.stderr
    assert len(mock_http.calls) == 0 and keyring_store.secrets == {}
    assert not (tmp_path / "config" / "config.toml").exists()


@pytest.mark.parametrize("key", ["auth_url", "api_url"])
def test_plain_http_to_a_remote_host_in_the_config_file_is_refused(vcc, mock_http, tmp_path, key):
    (tmp_path / "config").mkdir(mode=0o700)
    urls = {"auth_url": "https://auth.example", "api_url": "https://api.example", key: REMOTE_HTTP}
    (tmp_path / "config" / "config.toml").write_text(
        '[profiles.default]\nclient_id = "cid"\n' + "".join(f'{k} = "{v}"\n' for k, v in urls.items())
    )
    (tmp_path / "config" / "config.toml").chmod(0o600)
    result = vcc("call", "/agents-availability", env=ENV_CREDS, expect_error=2)
    assert "plain http" in result.stderr and len(mock_http.calls) == 0


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_is_accepted_for_loopback_hosts(vcc, url):
    vcc(
        "login",
        "--client-id",
        "cid",
        "--client-secret-stdin",
        "--no-verify",
        "--auth-url",
        url,
        "--api-url",
        url,
        stdin="s3cr3t\n",
    )


_host_chars = st.sampled_from([*list("abc0179.:-_@[]\\/#?%~"), "localhost", "127.0.0.1", "::1", "ffff", "0x7f"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "hTTp"]),
    authority=st.lists(_host_chars, max_size=8).map("".join),
    rest=st.sampled_from(["", "/", "/x?y=1", "#frag", ":8480/p"]),
)
def test_a_plain_http_url_vcc_accepts_is_one_requests_sends_to_loopback(scheme, authority, rest):
    """Whatever URL vcc accepts as plain http, requests (urllib3) connects to a loopback host:
    vcc's and requests' URL parsers never disagree about where the secret goes."""
    from urllib3.util import parse_url

    url = f"{scheme}://{authority}{rest}"
    try:
        accepted = config.check_url(url, "URL")
    except config.UsageError:
        return
    try:
        parsed = parse_url(accepted)
    except Exception:
        return
    if (parsed.scheme or "").lower() == "http":
        assert parsed.host and config.is_loopback(parsed.host), (url, parsed.host)


# --------------------------------------------------------------------------- TLS


@pytest.fixture
def tls_env(tls_emulator, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    url = tls_emulator.https_url
    return clean_env(home, VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET=SECRET, VCC_AUTH_URL=url, VCC_API_URL=url)


def test_tls_verification_is_on_and_its_failure_is_exit_4_naming_requests_ca_bundle(tls_emulator, tls_env):
    token, call = run_together(
        dict(args=["token", "-s", "stats"], env=tls_env, expect_error=4),  # the token endpoint
        dict(args=["call", "/agents-availability"], env={**tls_env, "VCC_TOKEN": "t"}, expect_error=4),  # the API alone
    )
    for done in (token, call):
        assert done.returncode == 4, done.stderr
        assert "TLS verification failed" in done.stderr and "REQUESTS_CA_BUNDLE" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 2 and done.stdout == b""
    assert tls_emulator.counts() == {}  # nothing got through


@pytest.mark.parametrize("variables", [("REQUESTS_CA_BUNDLE",), ("CURL_CA_BUNDLE",), ("SSL_CERT_FILE",)])
def test_a_corporate_ca_bundle_from_the_environment_is_honoured(tls_emulator, tls_env, certificates, variables):
    env = {**tls_env, **{name: str(certificates.ca_pem) for name in variables}}
    done = run_vcc("call", "/agents-availability", "-q", "skillNames=French", env=env)
    assert done.returncode == 0, done.stderr
    assert tls_emulator.counts() == {"POST /Auth/connect/token": 1, "GET /agents-availability": 1}


def test_https_urls_given_to_login_are_verified_with_the_corporate_ca_bundle(
    tls_emulator, tls_env, certificates, tmp_path
):
    env = {
        k: v
        for k, v in tls_env.items()
        if k not in ("VCC_AUTH_URL", "VCC_API_URL", "VCC_CLIENT_ID", "VCC_CLIENT_SECRET")
    }
    env.update(
        REQUESTS_CA_BUNDLE=str(certificates.ca_pem),
        PYTHONPATH=str(TESTS),
        PYTHON_KEYRING_BACKEND="support.file_keyring.FileKeyring",
        VCC_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"),
    )
    done = run_vcc(
        "login",
        "--client-id",
        CLIENT_ID,
        "--client-secret-stdin",
        "-s",
        "stats",
        "--auth-url",
        tls_emulator.https_url,
        "--api-url",
        tls_emulator.https_url,
        env=env,
        stdin=f"{SECRET}\n".encode(),
    )
    assert done.returncode == 0, done.stderr
    assert tls_emulator.counts() == {"POST /Auth/connect/token": 1}  # verified over TLS
    call = run_vcc(
        "call", "--retries", "0", "/agents-availability", "-q", "skillNames=French", env=env
    )  # the saved https URLs, no env URLs
    assert call.returncode == 0, call.stderr
    assert tls_emulator.counts() == {"POST /Auth/connect/token": 2, "GET /agents-availability": 1}  # another scope


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_ca_bundle_variable_naming_no_file_is_a_usage_error(vcc, mock_http, monkeypatch, tmp_path, variable):
    monkeypatch.setenv(variable, str(tmp_path / "missing.pem"))
    result = vcc(
        "token",
        "-s",
        "stats",
        env={**ENV_CREDS, "VCC_AUTH_URL": "https://auth.example", "VCC_API_URL": "https://api.example"},
        expect_error=2,
    )
    assert variable in result.stderr and "missing.pem" in result.stderr and len(mock_http.calls) == 0


def test_https_proxy_carries_the_token_request_and_the_call_through_connect_tunnels(
    tls_emulator, tls_env, certificates
):
    with ConnectProxy() as proxy:
        env = {**tls_env, "REQUESTS_CA_BUNDLE": str(certificates.ca_pem), "HTTPS_PROXY": proxy.url}
        done = run_vcc("call", "/agents-availability", "-q", "skillNames=French", env=env)
    assert done.returncode == 0, done.stderr
    assert proxy.requests and all(r.startswith(f"CONNECT 127.0.0.1:{tls_emulator.port} ") for r in proxy.requests)
    assert tls_emulator.counts() == {"POST /Auth/connect/token": 1, "GET /agents-availability": 1}
    # The proxy carried only TLS: neither the secret nor the token in clear.
    assert SECRET.encode() not in proxy.traffic and tls_emulator.issued[-1].encode() not in proxy.traffic
    assert len(proxy.traffic) > 1000
