"""Regions, URLs, profiles and the resolution order of SPEC sections 1-3."""

from __future__ import annotations

import stat

import pytest

from vcc_cli import config
from vcc_cli.config import ConfigFile, Profile
from vcc_cli.errors import AuthError, UsageError


def target(profile=None, region=None, **env):
    return config.resolve_target(profile, profile.name if profile else "default", region, env)


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


def test_a_full_token_endpoint_url_is_kept_as_is():
    assert (
        config.token_endpoint("https://x.example.com/Auth/connect/token") == "https://x.example.com/Auth/connect/token"
    )


@pytest.mark.parametrize("url", ["http://localhost:8080", "http://127.0.0.1", "http://127.5.6.7:1", "http://[::1]:80"])
def test_plain_http_is_accepted_for_loopback(url):
    assert config.check_url(url, "--api-url") == url


@pytest.mark.parametrize("url", ["http://emea.api.cc.vonage.com", "http://10.0.0.1", "http://localhost.evil.com"])
def test_plain_http_elsewhere_is_refused_exit_2(url):
    with pytest.raises(UsageError) as caught:
        config.check_url(url, "--api-url")
    assert caught.value.exit_code == 2 and "https" in caught.value.hint


@pytest.mark.parametrize("url", ["ftp://x", "emea.api.cc.vonage.com", "https://", "https://u:p@host"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(UsageError):
        config.check_url(url, "--api-url")


def test_profile_name_resolution_order():
    assert config.resolve_profile_name(None, {}) == "default"
    assert config.resolve_profile_name(None, {"VCC_PROFILE": "ci"}) == "ci"
    assert config.resolve_profile_name("x", {"VCC_PROFILE": "ci"}) == "x"


def test_timeout_resolution():
    assert config.resolve_timeout(None, {}) == (10.0, 60.0)
    assert config.resolve_timeout(None, {"VCC_TIMEOUT": "3"}) == (3.0, 3.0)
    assert config.resolve_timeout(2, {"VCC_TIMEOUT": "3"}) == (2, 2)
    with pytest.raises(UsageError):
        config.resolve_timeout(None, {"VCC_TIMEOUT": "soon"})


def test_token_scopes_option_beats_env_beats_profile():
    p = Profile("default", scopes=("users:read",))
    assert config.resolve_token_scopes([], {}, p) == ("users:read",)
    assert config.resolve_token_scopes([], {"VCC_SCOPE": "stats users:read"}, p) == ("stats", "users:read")
    assert config.resolve_token_scopes(["a", "b"], {"VCC_SCOPE": "stats"}, p) == ("a", "b")
    with pytest.raises(UsageError) as caught:
        config.resolve_token_scopes([], {}, None)
    assert "vcc scopes" in caught.value.hint


def loader(*_):
    return "from-keyring"


def test_env_credentials_come_first():
    creds = config.resolve_credentials(
        {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET": "s"}, Profile("default", client_id="p"), "default", loader
    )
    assert (creds.client_id, creds.secret(), creds.source) == ("id", "s", "env")


def test_secret_file_is_read_from_its_first_line(tmp_path):
    f = tmp_path / "secret"
    f.write_text("file-secret\n")
    creds = config.resolve_credentials(
        {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET_FILE": str(f)}, None, "default", loader
    )
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
def test_half_a_credential_pair_is_exit_3(env):
    with pytest.raises(AuthError) as caught:
        config.resolve_credentials(env, Profile("default", client_id="p"), "default", loader)
    assert caught.value.exit_code == 3


def test_unreadable_secret_file_is_exit_3_naming_it(tmp_path):
    creds = config.resolve_credentials(
        {"VCC_CLIENT_ID": "id", "VCC_CLIENT_SECRET_FILE": str(tmp_path / "nope")}, None, "d", loader
    )
    with pytest.raises(AuthError) as caught:
        creds.secret()
    assert "nope" in caught.value.message


def test_profile_credentials_read_the_keyring_only_when_the_secret_is_needed():
    calls = []
    creds = config.resolve_credentials(
        {}, Profile("default", client_id="p"), "default", lambda *a: calls.append(a) or "k"
    )
    assert creds.client_id == "p" and calls == []
    assert creds.secret() == "k" and calls == [("default", "p")]


def test_no_credentials_at_all_is_exit_3_pointing_at_login():
    with pytest.raises(AuthError) as caught:
        config.resolve_credentials({}, None, "default", loader)
    assert "vcc login" in caught.value.hint


def test_config_round_trips_and_is_0600(tmp_path):
    cfg = ConfigFile(tmp_path / "c")
    cfg.save_profile(Profile("default", "emea", "cid", ("stats",)))
    assert cfg.get_profile("default") == Profile("default", "emea", "cid", ("stats",))
    assert stat.S_IMODE(cfg.path.stat().st_mode) == 0o600


def test_config_keeps_comments_and_unknown_keys(tmp_path):
    cfg = ConfigFile(tmp_path)
    cfg.path.write_text('# my notes\ncolor = "always"\n\n[profiles.default]\nregion = "nam" # mine\nextra = 1\n')
    cfg.path.chmod(0o600)
    cfg.save_profile(Profile("default", "emea", "cid"))
    text = cfg.path.read_text()
    assert "# my notes" in text and 'color = "always"' in text and "extra = 1" in text
    assert cfg.get_profile("default").region == "emea"


def test_invalid_toml_is_a_usage_error_and_the_file_is_left_alone(tmp_path):
    cfg = ConfigFile(tmp_path)
    cfg.path.write_text("[profiles.default\nregion=")
    cfg.path.chmod(0o600)
    with pytest.raises(UsageError):
        cfg.save_profile(Profile("default", "emea", "cid"))
    assert cfg.path.read_text() == "[profiles.default\nregion="


def test_config_writable_by_others_is_refused(tmp_path):
    cfg = ConfigFile(tmp_path)
    cfg.save_profile(Profile("default", "emea", "cid"))
    cfg.path.chmod(0o666)
    with pytest.raises(UsageError) as caught:
        cfg.get_profile("default")
    assert "chmod 600" in caught.value.hint
