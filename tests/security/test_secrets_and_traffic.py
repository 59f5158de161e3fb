"""SPEC sections 1 and 7, where traffic goes and what an error may quote: plain http to
a loopback host never goes through a proxy (the secret and the token would cross it in
clear), while https honours the proxy that the run's environment names, NO_PROXY
included; ~/.netrc never replaces the Authorization vcc sends; and no error quotes the
secret in any form vcc sends it in (raw, form-encoded, base64 of ``id:secret``), nor a
keyring backend's words about it, nor a proxy URL's password.

Proxies are read from the environment, which requests reads from the process itself:
so the tests that show a proxy being used or avoided run the real executable, or
in-process with the proxy only in the Runtime's environment (the one that counts)."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote_plus

import pytest

from tests.security.conftest import CLIENT_ID, SECRET
from tests.support.connect_proxy import ConnectProxy
from tests.support.processes import TESTS, clean_env, run_together, run_vcc
from tests.support.scripted_server import Answer, ScriptedServer

CALL = ("call", "/agents-availability", "-q", "skillNames=French")
CALL_COUNTS = {"POST /Auth/connect/token": 1, "GET /agents-availability": 1}


def process_env(home, url, **extra):
    return clean_env(
        home, VCC_CLIENT_ID=CLIENT_ID, VCC_CLIENT_SECRET=SECRET, VCC_AUTH_URL=url, VCC_API_URL=url, **extra
    )


# --------------------------------------------------------------------------- proxies


@pytest.mark.parametrize(
    ("variable", "host"),
    [("HTTP_PROXY", "127.0.0.1"), ("http_proxy", "127.0.0.1"), ("ALL_PROXY", "127.0.0.1"), ("HTTP_PROXY", "localhost")],
)
def test_plain_http_to_a_loopback_host_never_goes_through_a_proxy(emulator, home, variable, host):
    with ConnectProxy() as proxy:
        url = emulator.url.replace("127.0.0.1", host)
        env = process_env(home, url, **{variable: proxy.url, "HTTPS_PROXY": proxy.url})
        run_vcc(*CALL, env=env)
    assert proxy.requests == []  # neither the secret (token request) nor the token (call) crossed it
    assert emulator.counts() == CALL_COUNTS


def tls_env(tls_emulator, certificates, **extra):
    url = tls_emulator.https_url
    return {
        "VCC_CLIENT_ID": CLIENT_ID,
        "VCC_CLIENT_SECRET": SECRET,
        "VCC_AUTH_URL": url,
        "VCC_API_URL": url,
        "REQUESTS_CA_BUNDLE": str(certificates.ca_pem),
        **extra,
    }


def test_https_goes_through_the_proxy_the_runs_environment_names(vcc, tls_emulator, certificates):
    """In-process: HTTPS_PROXY is in the Runtime's environment only, not in os.environ."""
    with ConnectProxy() as proxy:
        vcc(*CALL, env=tls_env(tls_emulator, certificates, HTTPS_PROXY=proxy.url))
    assert proxy.requests and all(r.startswith(f"CONNECT 127.0.0.1:{tls_emulator.port} ") for r in proxy.requests)
    assert tls_emulator.counts() == CALL_COUNTS
    assert SECRET.encode() not in proxy.traffic and tls_emulator.issued[-1].encode() not in proxy.traffic


@pytest.mark.parametrize(
    ("no_proxy", "proxied"),
    [
        ("127.0.0.1", False),
        ("example.com, 127.0.0.1", False),
        ("127.0.0.0/8", False),
        ("*", False),
        ("{port}", False),  # 127.0.0.1:PORT
        ("127.0.0.2", True),
        ("127.0.0.1:1", True),  # another port
        (".0.0.1", True),  # an address is never matched as a domain suffix
        ("example.com", True),
    ],
)
def test_no_proxy_in_the_runs_environment_decides_which_https_hosts_go_direct(
    vcc, tls_emulator, certificates, no_proxy, proxied
):
    no_proxy = no_proxy.replace("{port}", f"127.0.0.1:{tls_emulator.port}")
    with ConnectProxy() as proxy:
        vcc(*CALL, env=tls_env(tls_emulator, certificates, HTTPS_PROXY=proxy.url, NO_PROXY=no_proxy))
    assert bool(proxy.requests) == proxied, proxy.requests
    assert tls_emulator.counts() == CALL_COUNTS


# --------------------------------------------------------------------------- netrc


@pytest.mark.parametrize(
    "netrc",
    [
        "machine 127.0.0.1 login other-service password NETRC-PASSWORD\n",
        "default login other-service password NETRC-PASSWORD\n",
    ],
)
def test_netrc_never_replaces_the_authorization_vcc_sends(vcc, home, netrc):
    """A real ~/.netrc in the test's HOME: requests would put its password in Basic
    auth on the token request and in place of the Bearer token on the call."""
    (home / ".netrc").write_text(netrc)
    (home / ".netrc").chmod(0o600)
    with ScriptedServer() as srv:
        env = {"VCC_CLIENT_ID": CLIENT_ID, "VCC_CLIENT_SECRET": SECRET, "VCC_AUTH_URL": srv.url, "VCC_API_URL": srv.url}
        vcc(*CALL, env=env)
        vcc("token", "-s", "stats", "--refresh", env=env)
    token_requests = [r for r in srv.requests if r.path.startswith("/Auth/connect/token")]
    calls = [r for r in srv.requests if r.path.startswith("/agents-availability")]
    assert len(token_requests) == 2 and len(calls) == 1
    assert all("authorization" not in r.headers for r in token_requests)  # the credentials go in the form body
    assert calls[0].headers["authorization"] == "Bearer tok-scripted"
    assert not any(b"NETRC-PASSWORD" in r.body or "NETRC" in str(r.headers) for r in srv.requests)


# --------------------------------------------------------------------------- redaction

#: A secret whose form encoding differs from itself, unusual enough to find anywhere.
ODD_SECRET = "p@ss w+rd/LEAK:Zq9x~7Kp2"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ECHOED_FORMS = {
    "raw": ODD_SECRET,
    "form-encoded": quote_plus(ODD_SECRET),
    "form body": f"client_id={CLIENT_ID}&client_secret={quote_plus(ODD_SECRET)}&grant_type=client_credentials",
    "base64 id:secret": _b64(f"{CLIENT_ID}:{ODD_SECRET}"),
    "Basic header": "Basic " + _b64(f"{CLIENT_ID}:{ODD_SECRET}"),
    "base64 of the form-encoded pair": _b64(f"{quote_plus(CLIENT_ID)}:{quote_plus(ODD_SECRET)}"),
    "base64 of the whole body": _b64(f"client_id={CLIENT_ID}&client_secret={quote_plus(ODD_SECRET)}"),
    "url-safe base64": base64.urlsafe_b64encode(f"x{CLIENT_ID}:{ODD_SECRET}".encode()).decode(),
}


def _leaked(text: str) -> list[str]:
    """The forms of ODD_SECRET found in ``text``, base64 of anything holding it included."""
    found = [name for name, form in ECHOED_FORMS.items() if form in text]
    found += ["LEAK"] if "LEAK" in text else []
    for word in re.findall(r"[A-Za-z0-9+/_-]{8,}={0,2}", text):
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                decoded = decode(word + "=" * (-len(word) % 4))
            except ValueError:
                continue
            if b"LEAK" in decoded or quote_plus(ODD_SECRET).encode() in decoded:
                found.append(f"base64 {word}")
    return found


@pytest.mark.parametrize("form", list(ECHOED_FORMS))
@pytest.mark.parametrize("error", ["invalid_client", "invalid_request"])
def test_a_token_endpoint_echoing_the_secret_in_any_encoding_does_not_get_it_printed(vcc, form, error):
    body = {"error": error, "error_description": f"rejected {ECHOED_FORMS[form]} (sent by vcc)"}
    with ScriptedServer() as srv:
        srv.token_answer = Answer(400, "Bad Request", [("Content-Type", "application/json")], json.dumps(body).encode())
        env = {"VCC_CLIENT_ID": CLIENT_ID, "VCC_CLIENT_SECRET": ODD_SECRET, "VCC_AUTH_URL": srv.url}
        result = vcc("token", "-s", "stats", env={**env, "VCC_API_URL": srv.url}, expect_error=3)
    assert error in result.stderr and "(sent by vcc)" in result.stderr  # the rest of the answer is kept
    assert _leaked(result.stderr) == [], result.stderr


@pytest.mark.parametrize("style", ["keyring-error", "base64", "os-error"])
def test_a_keyring_backend_quoting_the_secret_in_its_error_does_not_get_it_printed(home, tmp_path, style):
    env = clean_env(
        home,
        PYTHONPATH=str(TESTS),
        PYTHON_KEYRING_BACKEND="support.leaky_keyring.LeakyKeyring",
        VCC_TEST_LEAK_STYLE=style,
    )
    done = run_vcc(
        "login",
        "--client-id",
        CLIENT_ID,
        "--client-secret-stdin",
        "--no-verify",
        "--auth-url",
        "http://127.0.0.1:9",
        "--api-url",
        "http://127.0.0.1:9",
        env=env,
        stdin=f"{ODD_SECRET}\n".encode(),
        expect_error=3,
    )
    assert "keyring failed while storing the secret" in done.stderr
    assert _leaked(done.stderr) == [] and "Zq9x" not in done.stderr, done.stderr


PROXY_PASSWORD = "pa55-LEAK-w0rd"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (f"http://user:{PROXY_PASSWORD}@proxy:bad-port", 2),
        (f"http://user:{PROXY_PASSWORD}@proxy:99999", 2),
        (f"user:{PROXY_PASSWORD}@proxy:bad-port", 2),  # no scheme: requests adds http://
        (f"http://user:{PROXY_PASSWORD}@[::1", 2),
        (f"ftp://user:{PROXY_PASSWORD}@proxy:21", 2),
        (f"http://user:{PROXY_PASSWORD}@127.0.0.1:9", 4),  # well formed, nobody listening
    ],
)
def test_a_proxy_url_password_is_never_printed(home, value, code):
    env = clean_env(
        home,
        VCC_CLIENT_ID=CLIENT_ID,
        VCC_CLIENT_SECRET=SECRET,
        VCC_AUTH_URL="https://127.0.0.1:9",
        VCC_API_URL="https://127.0.0.1:9",
        HTTPS_PROXY=value,
    )
    token, call = run_together(
        dict(args=["token", "-s", "stats"], env=env, expect_error=code),
        dict(args=["call", "/agents-availability"], env={**env, "VCC_TOKEN": "t"}, expect_error=code),
    )
    for done in (token, call):
        assert "HTTPS_PROXY" in done.stderr, done.stderr  # names the variable to fix
        assert PROXY_PASSWORD not in done.stderr and "LEAK" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 2


def test_an_api_error_quoting_the_bearer_token_does_not_get_it_printed_on_stderr(vcc):
    with ScriptedServer() as srv:
        srv.token_answer = Answer(
            200,
            "OK",
            [("Content-Type", "application/json")],
            b'{"access_token": "tok-LEAK-bearer-7Kp2", "token_type": "Bearer", "expires_in": 900}',
        )
        srv.api_answer = Answer(
            400,
            "Bad Request",
            [("Content-Type", "application/json")],
            b'{"message": "Bearer tok-LEAK-bearer-7Kp2 is not allowed here"}',
        )
        env = {"VCC_CLIENT_ID": CLIENT_ID, "VCC_CLIENT_SECRET": SECRET, "VCC_AUTH_URL": srv.url, "VCC_API_URL": srv.url}
        result = vcc(*CALL, env=env, expect_error=1)
    assert "is not allowed here" in result.stderr and "tok-LEAK" not in result.stderr


def test_verbose_output_hides_a_token_the_server_echoes_in_a_header(vcc, mock_http):
    """SPEC section 7: -v redacts tokens, also where the server quotes one back."""
    from tests.conftest import API_URL

    token = "tok-SECRET-abcdef123456"
    mock_http.get(f"{API_URL}/agents-availability", json={}, headers={"X-Echo": f"Bearer {token}"})
    result = vcc("call", "-v", "/agents-availability", env={"VCC_TOKEN": token, "VCC_REGION": "emea"})
    assert token not in result.stderr and "< X-Echo: Bearer [REDACTED]" in result.stderr
