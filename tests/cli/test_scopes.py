"""SPEC sections 4 and 5, `vcc scopes`: every API of the catalog with its scope values,
descriptions, path prefix, Accept version and endpoints; with a profile, its default
scopes and how long each cached token still lives; never the network or the keyring."""

from __future__ import annotations

from tests.cli.conftest import login
from tests.conftest import CI_ENV, TOKEN_URL, token_answer


def test_scopes_json_lists_every_api_with_source(vcc):
    data = vcc("scopes", "--json").json
    names = {api["api"] for api in data}
    assert {"Agent Availability API", "Insights Stats API", "User Admin API", "Payment API"} <= names
    stats = next(a for a in data if a["prefix"] == "/stats")
    assert stats["accept"] == "application/vnd.newvoicemedia.v3+json" and stats["source"].startswith("https://")
    assert stats["scopes"][0]["value"] == "stats" and stats["scopes"][0]["description"] == "View Insights stats"


def test_scopes_table_when_piped_is_tab_separated(vcc):
    lines = vcc("scopes").stdout.splitlines()
    assert lines[0].split("\t")[:2] == ["API", "scope"]
    assert any("\tagents-availability:read\t" in line for line in lines)


def test_scopes_with_a_profile_shows_defaults_and_cached_lifetimes(vcc, mock_http):
    mock_http.post(TOKEN_URL, json=token_answer(expires_in=900))
    login(vcc, "-s", "stats")
    data = vcc("scopes", "--json").json
    stats = next(a for a in data if a["prefix"] == "/stats")["scopes"][0]
    assert stats["default"] is True and stats["cached_token_expires_in"] == 900


def test_scopes_never_asks_the_network_or_keyring(vcc, mock_http, keyring_store):
    keyring_store.available = False
    vcc("scopes", env=CI_ENV)
    assert len(mock_http.calls) == 0


def test_scopes_shows_where_a_scope_is_accepted_in_place_of_another(vcc):
    lines = [line.split("\t") for line in vcc("scopes").stdout.splitlines()]
    header, rows = lines[0], lines[1:]
    used_for = header.index("used for")
    users_write = next(r for r in rows if r[0] == "User Admin API" and r[1] == "users:write")
    assert users_write[used_for] == "POST PUT PATCH DELETE; GET in place of users:read"


def test_scopes_lists_admin_and_self_scopes_and_the_new_apis(vcc):
    data = vcc("scopes", "--json").json
    by_api = {api["api"]: [s["value"] for s in api["scopes"]] for api in data}
    assert by_api["Webhooks API"] == ["admin:read", "admin:write"]
    assert {"admin:read", "self:read", "self:write"} <= set(by_api["Agents API"])
    assert by_api["Interaction Content Export API"] == ["interaction-content:read"]


def test_scopes_json_lists_each_endpoint_with_its_accepted_scopes_and_paging(vcc):
    data = vcc("scopes", "--json").json
    content = next(a for a in data if a["prefix"] == "/interaction-content")
    search = next(
        e for e in content["endpoints"] if e["method"] == "GET" and e["path"] == "/interaction-content/interactions"
    )
    assert search["scopes"] == ["interaction-content:read"] and search["paging"] == "continuation"
    assert search["window_days"] == 7 and search["versions"] == [3, 2]
    users = next(a for a in data if a["prefix"] == "/useradmin")
    listing = next(e for e in users["endpoints"] if e["method"] == "GET" and e["path"] == "/useradmin/users")
    assert listing["scopes"] == ["users:read", "users:write"]


def test_env_credentials_without_a_region_still_list_the_catalog(vcc):
    """Where tokens would come from is unknown, so no cached lifetimes: the catalog alone, exit 0."""
    result = vcc("scopes", env={"VCC_CLIENT_ID": "a", "VCC_CLIENT_SECRET": "b"})
    assert "users:read" in result.stdout and "profile" not in result.stdout.splitlines()[0]
