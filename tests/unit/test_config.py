"""SPEC sections 1 and 2, regions, URLs, the config file and its profiles
(``vcc_cli.config``)."""

from __future__ import annotations

import stat

import pytest

from vcc_cli import config
from vcc_cli.config import ConfigFile, Profile
from vcc_cli.errors import UsageError


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


def test_foo_dot_localhost_is_not_loopback():
    from vcc_cli.config import is_loopback

    assert not is_loopback("foo.localhost") and is_loopback("localhost") and is_loopback("127.9.9.9")


@pytest.mark.parametrize("url", ["ftp://x", "emea.api.cc.vonage.com", "https://", "https://u:p@host"])
def test_malformed_urls_are_refused(url):
    with pytest.raises(UsageError):
        config.check_url(url, "--api-url")


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
