"""SPEC section 4, `vcc profiles`: every profile with its region, client ID, where its
secret lives, default scopes and cached tokens, the active one marked; the environment
variables that override them named; `--json` in a stable shape; a keyring that fails
or hangs never stops the listing."""

from __future__ import annotations

import time

import pytest

from tests.conftest import TOKEN_URL, MemoryKeyring, token_answer
from vcc_cli.errors import AuthError


def login(vcc, profile="default", *extra, client_id="cid"):
    args = ["login", "--profile", profile, "--client-id", client_id, "--client-secret-stdin", "--no-verify", *extra]
    vcc(*args, stdin=f"secret-of-{profile}\n")


def write_config(tmp_path, text: str) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o700, exist_ok=True)
    (config / "config.toml").write_text(text)
    (config / "config.toml").chmod(0o600)


def profile(document, name):
    return next(p for p in document["profiles"] if p["name"] == name)


# --------------------------------------------------------------------------- what is listed


def test_every_profile_is_listed_with_region_client_id_secret_and_scopes(vcc):
    login(vcc, "default", "--region", "emea", "-s", "stats", "-s", "users:read")
    login(vcc, "lab", "--auth-url", "http://127.0.0.1:8480", "--api-url", "http://127.0.0.1:8481", client_id="lab-id")
    out = vcc("profiles").stdout
    assert "* default  (active, the default)" in out
    assert "  lab\n" in out
    assert "region          emea" in out and "client ID       cid" in out
    assert "default scopes  stats users:read" in out
    assert "region          custom: auth http://127.0.0.1:8480, API http://127.0.0.1:8481" in out
    assert "client ID       lab-id" in out
    assert out.count("secret          keyring (tests.MemoryKeyring): found") == 2


@pytest.mark.parametrize(
    ("args", "env", "active", "words"),
    [
        ((), {}, "default", "the default"),
        ((), {"VCC_PROFILE": "lab"}, "lab", "from VCC_PROFILE"),
        (("--profile", "lab"), {"VCC_PROFILE": "default"}, "lab", "from --profile"),
    ],
)
def test_the_active_profile_is_marked_as_vcc_would_choose_it(vcc, args, env, active, words):
    login(vcc, "default", "--region", "emea")
    login(vcc, "lab", "--region", "nam")
    result = vcc("profiles", *args, env=env)
    assert f"* {active}  (active, {words})" in result.stdout
    assert result.stdout.count("(active") == 1
    data = vcc("profiles", "--json", *args, env=env).json
    assert data["active"]["name"] == active and data["active"]["configured"] is True
    assert [p["name"] for p in data["profiles"] if p["active"]] == [active]


def test_profile_option_shows_that_profile_alone(vcc):
    login(vcc, "default", "--region", "emea")
    login(vcc, "lab", "--region", "nam")
    data = vcc("profiles", "-p", "lab", "--json").json
    assert [p["name"] for p in data["profiles"]] == ["lab"]


def test_an_unknown_profile_option_is_a_usage_error_naming_the_known_ones(vcc):
    login(vcc, "default", "--region", "emea")
    result = vcc("profiles", "--profile", "nope", expect_error=2)
    assert "no profile named 'nope'" in result.stderr and "default" in result.stderr


def test_an_active_profile_that_is_not_configured_is_said_so(vcc):
    login(vcc, "default", "--region", "emea")
    result = vcc("profiles", env={"VCC_PROFILE": "ci"})
    assert "(active" not in result.stdout
    assert "The active profile 'ci' (from VCC_PROFILE) is not configured" in result.stdout
    assert vcc("profiles", "--json", env={"VCC_PROFILE": "ci"}).json["active"]["configured"] is False


def test_cached_tokens_are_listed_with_their_scopes_and_remaining_lifetime_never_the_token(vcc, mock_http, clock):
    login(vcc, "default", "--region", "emea")
    mock_http.post(TOKEN_URL, json=token_answer(token="tok-SECRET-VALUE", expires_in=900, scope="stats"))
    vcc("token", "-s", "stats")
    mock_http.replace("POST", TOKEN_URL, json=token_answer(token="tok-OTHER-VALUE", expires_in=60))
    vcc("token", "-s", "users:read", "--min-ttl", "0")
    clock.advance(300)
    result = vcc("profiles")
    assert "cached tokens   stats: 10 min left\n" in result.stdout
    assert "                users:read: expired\n" in result.stdout
    data = vcc("profiles", "--json").json
    tokens = profile(data, "default")["tokens"]
    assert [(t["scopes"], t["expires_in"], t["expired"]) for t in tokens] == [
        (["stats"], 600, False),
        (["users:read"], 0, True),
    ]
    assert tokens[0]["expires_at"].endswith("Z") and tokens[0]["token_endpoint"] == TOKEN_URL
    for shown in (result.stdout, result.stderr, str(data)):
        assert "tok-SECRET-VALUE" not in shown and "tok-OTHER-VALUE" not in shown
        assert "secret-of-default" not in shown


def test_tokens_of_the_profile_client_at_another_endpoint_say_where(vcc, mock_http):
    login(vcc, "default", "--region", "emea")
    mock_http.post("https://nam.cc.vonage.com/Auth/connect/token", json=token_answer(expires_in=900))
    vcc("token", "-s", "stats", env={"VCC_REGION": "nam"})
    out = vcc("profiles").stdout
    assert "stats: 15 min left (at https://nam.cc.vonage.com/Auth/connect/token)" in out


def test_a_secret_command_is_named_and_neither_run_nor_the_keyring_asked(vcc, tmp_path, keyring_store):
    marker = tmp_path / "ran"
    write_config(
        tmp_path,
        f"""[profiles.prod]
region = "emea"
client_id = "prod-id"
secret_command = ["touch", "{marker}"]
""",
    )
    keyring_store.available = False  # asked, it would say so
    result = vcc("profiles")
    assert f"secret          command `touch {marker}`" in result.stdout
    assert not marker.exists()
    data = vcc("profiles", "--json").json
    assert profile(data, "prod")["secret"] == {"source": "command", "command": ["touch", str(marker)]}
    assert data["keyring"] is None


# --------------------------------------------------------------------------- the keyring


def test_a_profile_whose_secret_is_not_in_the_keyring_says_so(vcc, keyring_store):
    login(vcc, "default", "--region", "emea")
    login(vcc, "lab", "--region", "nam")
    del keyring_store.secrets["lab"]
    data = vcc("profiles", "--json").json
    assert profile(data, "default")["secret"] == {"source": "keyring", "found": True, "problem": None}
    lab = profile(data, "lab")["secret"]
    assert lab["found"] is False and "no client secret in the keyring for profile 'lab'" in lab["problem"]
    assert "secret          keyring (tests.MemoryKeyring): not found" in vcc("profiles").stdout


class OneBrokenEntry(MemoryKeyring):
    """A keyring whose entry for one profile cannot be read (a D-Bus error, say)."""

    def get_secret(self, profile, client_id=None):
        if profile == "broken":
            raise AuthError("the keyring failed while reading the secret: DBusException: boom", "hint")
        return super().get_secret(profile, client_id)


def test_one_keyring_failure_does_not_stop_the_listing(vcc, keyring_store):
    for name in ("alpha", "broken", "zulu"):
        login(vcc, name, "--region", "emea")
    keyring_store.__class__ = OneBrokenEntry
    data = vcc("profiles", "--json").json
    assert [p["secret"]["found"] for p in data["profiles"]] == [True, False, True]
    assert "DBusException: boom" in profile(data, "broken")["secret"]["problem"]
    assert data["keyring"]["answers"] is True


def test_no_usable_keyring_is_reported_and_every_profile_still_listed(vcc, keyring_store):
    login(vcc, "default", "--region", "emea")
    login(vcc, "lab", "--region", "nam")
    keyring_store.available = False
    result = vcc("profiles")
    assert result.stdout.count("secret          keyring: unknown: no usable keyring on this machine") == 2
    data = vcc("profiles", "--json").json
    assert data["keyring"] == {"backend": None, "answers": False, "problem": "no usable keyring on this machine"}
    assert [p["secret"]["found"] for p in data["profiles"]] == [None, None]


class SlowKeyring(MemoryKeyring):
    """Each secret lookup takes 0.3 s and then gives up, as a keyring hitting its time limit."""

    lookups: list[str]

    def get_secret(self, profile, client_id=None):
        self.lookups.append(profile)
        time.sleep(0.3)
        raise AuthError("the keyring did not answer within 0.2 s while reading the secret (locked or hanging?)")


def test_a_keyring_that_used_up_its_time_is_asked_no_more(vcc, keyring_store):
    for name in ("a", "b", "c", "d"):
        login(vcc, name, "--region", "emea")
    keyring_store.__class__, keyring_store.lookups = SlowKeyring, []
    data = vcc("profiles", "--json", env={"VCC_KEYRING_TIMEOUT": "0.2"}).json
    assert keyring_store.lookups == ["a"]
    assert "did not answer" in profile(data, "a")["secret"]["problem"]
    for name in ("b", "c", "d"):
        assert profile(data, name)["secret"] == {
            "source": "keyring",
            "found": None,
            "problem": "not asked: the keyring was too slow for profile 'a'",
        }


# --------------------------------------------------------------------------- no profiles, damaged ones


def test_no_profiles_is_a_helpful_note_and_exit_0(vcc):
    result = vcc("profiles")
    assert result.stdout == ""
    assert "no profiles in" in result.stderr and "vcc login" in result.stderr
    data = vcc("profiles", "--json").json
    assert data["profiles"] == [] and data["active"] == {"name": "default", "source": "default", "configured": False}


def test_a_damaged_profile_table_is_reported_and_the_others_listed(vcc, tmp_path):
    write_config(
        tmp_path,
        """[profiles.bad]
scopes = 5

[profiles.good]
region = "nam"
client_id = "g"
""",
    )
    data = vcc("profiles", "--json").json
    assert "profiles.bad.scopes must be a list of strings" in profile(data, "bad")["problem"]
    assert profile(data, "good")["region"] == "nam" and profile(data, "good")["problem"] is None
    assert "problem         " in vcc("profiles").stdout


def test_a_config_file_that_is_not_toml_is_a_usage_error(vcc, tmp_path):
    write_config(tmp_path, "[profiles\n")
    assert "not valid TOML" in vcc("profiles", expect_error=2).stderr


# --------------------------------------------------------------------------- the environment


@pytest.mark.parametrize(
    ("env", "variables", "words"),
    [
        (
            {"VCC_CLIENT_ID": "ci", "VCC_CLIENT_SECRET": "s"},
            ["VCC_CLIENT_ID", "VCC_CLIENT_SECRET"],
            "not from a profile",
        ),
        ({"VCC_TOKEN": "abc"}, ["VCC_TOKEN"], "use this token as is"),
        ({"VCC_REGION": "nam"}, ["VCC_REGION"], "whatever the profile says"),
        ({"VCC_SCOPE": "stats"}, ["VCC_SCOPE"], "not the profile's"),
    ],
)
def test_environment_variables_that_override_the_profiles_are_named(vcc, env, variables, words):
    login(vcc, "default", "--region", "emea")
    out = vcc("profiles", env=env).stdout
    assert "Set in the environment, and used over the profiles:" in out
    assert f"    {' + '.join(variables)}: " in out and words in out
    overrides = vcc("profiles", "--json", env=env).json["env_overrides"]
    assert [o["variables"] for o in overrides] == [variables]


def test_env_credentials_are_named_even_without_profiles(vcc):
    result = vcc("profiles", env={"VCC_CLIENT_ID": "ci", "VCC_CLIENT_SECRET": "s3cr3t"})
    assert "VCC_CLIENT_ID + VCC_CLIENT_SECRET" in result.stderr and "s3cr3t" not in result.stderr


# --------------------------------------------------------------------------- output


def test_config_values_are_escaped_on_the_terminal(vcc, tmp_path):
    write_config(
        tmp_path,
        """[profiles."evil\\u001b]0;owned\\u0007"]
region = "emea"
client_id = "id\\u001b[31mred"
scopes = ["stats\\u202e"]
""",
    )
    result = vcc("profiles", tty=True)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "evil\\x1b]0;owned\\x07" in result.stdout and "id\\x1b[31mred" in result.stdout
    data = vcc("profiles", "--json").json
    assert data["profiles"][0]["client_id"] == "id\x1b[31mred"  # JSON keeps the value, escaped as JSON


def test_json_has_every_key_always(vcc, mock_http, tmp_path):
    login(vcc, "default", "--region", "emea", "-s", "stats")
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=900))
    vcc("token")
    data = vcc("profiles", "--json").json
    assert set(data) == {"config_file", "active", "env_overrides", "keyring", "profiles"}
    assert set(data["active"]) == {"name", "source", "configured"}
    assert set(data["keyring"]) == {"backend", "answers", "problem"}
    (shown,) = data["profiles"]
    assert set(shown) == {
        "name",
        "active",
        "region",
        "auth_url",
        "api_url",
        "client_id",
        "secret",
        "scopes",
        "tokens",
        "problem",
    }
    assert set(shown["secret"]) == {"source", "found", "problem"}
    assert set(shown["tokens"][0]) == {
        "scopes",
        "expires_at",
        "expires_in",
        "expired",
        "token_endpoint",
        "other_endpoint",
    }
    assert data["config_file"] == str(tmp_path / "config" / "config.toml")


def test_a_profile_vcc_cannot_use_as_it_is_says_why(vcc, tmp_path):
    write_config(tmp_path, '[profiles.mars]\nregion = "mars"\nclient_id = "m"\n\n[profiles.bare]\nclient_id = "b"\n')
    out = vcc("profiles").stdout
    assert "region          mars (unusable: unknown region 'mars')" in out
    assert "region          none (unusable: no region is set)" in out
