"""SPEC section 3: which profile, region and URLs, timeout, scopes and credentials
one invocation uses, in the order the SPEC gives (``vcc_cli.resolve``)."""

from __future__ import annotations

import pytest

from vcc_cli import resolve
from vcc_cli.config import Profile
from vcc_cli.errors import AuthError, UsageError
from vcc_cli.runtime import Runtime


def target(profile=None, region=None, **env):
    return resolve.target(lambda: profile, profile.name if profile else "default", region, env)


def invocation(tmp_path, env=None, profile=None, keyring=None):
    """An Invocation over a Runtime whose config holds ``profile``."""
    from tests.conftest import MemoryKeyring

    env = {"VCC_CONFIG_DIR": str(tmp_path / "config"), "VCC_CACHE_DIR": str(tmp_path / "cache"), **(env or {})}
    rt = Runtime(env=env, keyring=keyring or MemoryKeyring())
    if profile is not None:
        rt.config_file().save_profile(profile)
    return resolve.Invocation(rt)


@pytest.mark.parametrize("name", ["emea", "EMEA", "Nam", " apac "])
def test_region_names_are_case_insensitive(name):
    t = target(region=name)
    assert t.region == name.strip().lower()
    assert t.token_endpoint == f"https://{t.region}.cc.vonage.com/Auth/connect/token"
    assert t.api_url == f"https://{t.region}.api.cc.vonage.com"


def test_unknown_region_is_a_usage_error_listing_the_valid_ones():
    with pytest.raises(UsageError) as caught:
        target(region="mars")
    assert caught.value.exit_code == 2 and "emea, nam, apac" in caught.value.hint


def test_no_region_is_a_usage_error_with_a_hint():
    with pytest.raises(UsageError) as caught:
        target()
    assert "--region" in caught.value.hint and "VCC_REGION" in caught.value.hint


def test_region_option_beats_env_beats_profile():
    p = Profile("default", region="apac")
    assert target(p).region == "apac"
    assert target(p, VCC_REGION="nam").region == "nam"
    assert target(p, "emea", VCC_REGION="nam").region == "emea"


def test_env_urls_override_everything_and_region_is_custom():
    t = target(
        Profile("default", region="apac"), "emea", VCC_AUTH_URL="http://127.0.0.1:9/", VCC_API_URL="http://localhost:9"
    )
    assert t.token_endpoint == "http://127.0.0.1:9/Auth/connect/token"
    assert t.api_url == "http://localhost:9" and t.region == "custom"
    assert t.sources["auth_url"] == "env VCC_AUTH_URL"


def test_profile_custom_urls_are_used_without_a_region():
    p = Profile("default", auth_url="https://gw.example.com/auth", api_url="https://gw.example.com/api")
    t = target(p)
    assert t.region == "custom" and t.token_endpoint == "https://gw.example.com/auth/Auth/connect/token"


def test_profile_name_resolution_order():
    assert resolve.profile_name(None, {}) == "default"
    assert resolve.profile_name(None, {"VCC_PROFILE": "ci"}) == "ci"
    assert resolve.profile_name("x", {"VCC_PROFILE": "ci"}) == "x"


def test_timeout_resolution():
    assert resolve.timeout(None, {}) == (10.0, 60.0)
    assert resolve.timeout(None, {"VCC_TIMEOUT": "3"}) == (3.0, 3.0)
    assert resolve.timeout(2, {"VCC_TIMEOUT": "3"}) == (2, 2)
    with pytest.raises(UsageError):
        resolve.timeout(None, {"VCC_TIMEOUT": "soon"})


def test_token_scopes_option_beats_env_beats_profile(tmp_path):
    inv = invocation(tmp_path, profile=Profile("default", scopes=("users:read",)))
    assert resolve.token_scopes([], {}, inv) == ("users:read",)
    assert resolve.token_scopes([], {"VCC_SCOPE": "stats users:read"}, inv) == ("stats", "users:read")
    assert resolve.token_scopes(["a", "b"], {"VCC_SCOPE": "stats"}, inv) == ("a", "b")
    with pytest.raises(UsageError) as caught:
        resolve.token_scopes([], {}, invocation(tmp_path / "empty"))
    assert "vcc scopes" in caught.value.hint


def test_the_config_file_is_not_read_when_the_environment_says_everything(tmp_path):
    """A cached `vcc token` in CI (env credentials, VCC_REGION, -s) never opens config.toml."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("not toml [")
    inv = invocation(tmp_path, {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET": "s", "VCC_REGION": "emea"})
    assert inv.target.region == "emea" and resolve.token_scopes(["stats"], {}, inv) == ("stats",)
    assert resolve.credentials(inv).source == "env"
    with pytest.raises(UsageError):  # the profile, once needed, is read (and found broken)
        inv.profile  # noqa: B018


def test_vcc_token_comes_first_then_env_then_profile(tmp_path):
    env = {"VCC_TOKEN": "tok", "VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET": "s"}
    inv = invocation(tmp_path, env, Profile("default", client_id="p"))
    assert resolve.credentials(inv).token.access_token == "tok"
    assert resolve.credentials(inv, token_allowed=False).source == "env"
    assert [p.__name__ for p in resolve.PROVIDERS] == ["from_vcc_token", "from_env_pair", "from_profile"]


def test_env_credentials_come_first(tmp_path):
    creds = resolve.credentials(
        invocation(tmp_path, {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET": "s"}, Profile("default", client_id="p"))
    )
    assert (creds.client_id, creds.secret(), creds.source) == ("id", "s", "env")


def test_secret_file_is_read_from_its_first_line(tmp_path):
    f = tmp_path / "secret"
    f.write_text("file-secret\n")
    creds = resolve.credentials(invocation(tmp_path, {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET_FILE": str(f)}))
    assert creds.secret() == "file-secret"


@pytest.mark.parametrize(
    "env",
    [
        {"VCC_CLIENT_ID": "id"},
        {"VCC_CLIENT_SECRET": "s"},
        {"VCC_CLIENT_SECRET_FILE": "/x"},
        {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET": "s", "VCC_CLIENT_SECRET_FILE": "/x"},
    ],
)
def test_half_a_credential_pair_is_exit_3(env, tmp_path):
    with pytest.raises(AuthError) as caught:
        resolve.credentials(invocation(tmp_path, env, Profile("default", client_id="p")))
    assert caught.value.exit_code == 3


def test_unreadable_secret_file_is_exit_3_naming_it(tmp_path):
    (tmp_path / "nope").mkdir()  # it exists (a value naming nothing is never shown: it may be the secret)
    creds = resolve.credentials(
        invocation(tmp_path, {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET_FILE": str(tmp_path / "nope")})
    )
    with pytest.raises(AuthError) as caught:
        creds.secret()
    assert "nope" in caught.value.message


def test_profile_credentials_read_the_keyring_only_when_the_secret_is_needed(tmp_path):
    from tests.conftest import MemoryKeyring

    calls = []

    class Counting(MemoryKeyring):
        def get_secret(self, profile, client_id=None):
            calls.append((profile, client_id))
            return "k"

    creds = resolve.credentials(invocation(tmp_path, profile=Profile("default", client_id="p"), keyring=Counting()))
    assert creds.client_id == "p" and calls == []
    assert creds.secret() == "k" and calls == [("default", "p")]


def test_no_credentials_at_all_is_exit_3_pointing_at_login(tmp_path):
    with pytest.raises(AuthError) as caught:
        resolve.credentials(invocation(tmp_path))
    assert "vcc login" in caught.value.hint


def test_one_http_session_serves_the_token_request_and_the_call(tmp_path, mock_http):
    """The token source and the caller share the run's session (one connection pool)."""
    import io

    from tests.conftest import API_URL, CI_ENV, TOKEN_URL, Clock, MemoryKeyring, token_answer
    from vcc_cli import runtime
    from vcc_cli.main import main
    from vcc_cli.output import IO
    from vcc_cli.runtime import new_session

    mock_http.post(TOKEN_URL, json=token_answer())
    mock_http.get(f"{API_URL}/agents-availability", json={"items": []})
    env = {**CI_ENV, "VCC_CACHE_DIR": str(tmp_path / "cache"), "VCC_CONFIG_DIR": str(tmp_path / "config")}
    made = []
    out = io.StringIO()
    rt = Runtime(
        env=env,
        io=IO(stdout=out, stderr=io.StringIO(), stdin=io.StringIO(""), env=env),
        clock=Clock(),
        keyring=MemoryKeyring(),
        session_factory=lambda: made.append(new_session(env)) or made[-1],
    )
    runtime.use(rt)
    try:
        assert main(["call", "/agents-availability"]) == 0
    finally:
        runtime.use(None)
    assert len(mock_http.calls) == 2 and len(made) == 1
