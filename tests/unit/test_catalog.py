"""SPEC section 5, the catalog (``vcc_cli.catalog``): APIs, scopes, path prefixes,
Accept versions and paging styles, checked against the documented examples."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from vcc_cli import catalog
from vcc_cli.catalog import (
    APIS,
    accept_header,
    all_scopes,
    api_version,
    describe_scope,
    find_api,
    find_endpoint,
    infer_scope,
)


def api_named(name: str) -> catalog.Api:
    return next(api for api in APIS if api.name == name)


# ------------------------------------------------------------------ the data


def test_catalog_lists_the_ten_apis_of_spec_section_5():
    assert {api.name for api in APIS} == {
        "Agent Availability API",
        "Agents API",
        "Conversation Analyzer API",
        "Insights Stats API",
        "Interactions API",
        "Interaction Content API",
        "Interaction Content Export API",
        "Payment API",
        "User Admin API",
        "Webhooks API",
    }


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_api_has_an_https_source_url(api):
    assert api.source.startswith("https://")


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_api_has_at_least_one_scope_and_one_endpoint(api):
    assert api.scopes
    assert api.endpoints


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_endpoint_scope_belongs_to_its_api(api):
    values = {scope.value for scope in api.scopes}
    for endpoint in api.endpoints:
        assert endpoint.scopes and set(endpoint.scopes) <= values, endpoint


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_endpoint_path_lies_under_its_api_prefix(api):
    for endpoint in api.endpoints:
        assert endpoint.path == api.prefix or endpoint.path.startswith(api.prefix + "/")
        assert find_api(endpoint.path) is api


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_endpoint_is_found_by_its_own_template(api):
    for endpoint in api.endpoints:
        assert find_endpoint(endpoint.method, endpoint.path) is endpoint


@pytest.mark.parametrize("api", APIS, ids=lambda a: a.name)
def test_every_endpoint_has_an_https_source_url(api):
    for endpoint in api.endpoints:
        assert endpoint.source.startswith("https://"), endpoint


def test_endpoints_are_unique_per_method_and_path():
    seen = [(e.method, e.path.lower()) for api in APIS for e in api.endpoints]
    assert len(seen) == len(set(seen))


def test_endpoint_methods_are_upper_case_http_verbs():
    verbs = {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert {e.method for api in APIS for e in api.endpoints} <= verbs


def test_paging_styles_are_page_numbers_or_continuation_tokens():
    styles = {e.paging for api in APIS for e in api.endpoints}
    assert styles == {None, catalog.PAGE_NUMBERS, catalog.CONTINUATION}


def test_prefixes_are_single_lower_case_segments_and_unique():
    prefixes = [api.prefix for api in APIS]
    assert len(prefixes) == len(set(prefixes))
    for prefix in prefixes:
        assert re.fullmatch(r"/[a-z][a-z0-9-]*", prefix), prefix


def test_documented_prefixes_and_versions():
    table = {api.name: (api.prefix, api.version) for api in APIS}
    assert table["Agent Availability API"] == ("/agents-availability", 1)
    assert table["Agents API"] == ("/agents", 1)
    assert table["Conversation Analyzer API"] == ("/conversation-analyzer", 3)
    assert table["Insights Stats API"] == ("/stats", 3)
    assert table["Interactions API"] == ("/interactions", 1)
    assert table["Interaction Content API"] == ("/interaction-content", 3)
    assert table["Interaction Content Export API"] == ("/interaction-content-export", 1)
    assert table["User Admin API"] == ("/useradmin", 4)
    assert table["Webhooks API"] == ("/webhooks", 1)


def test_documented_accept_versions_per_api_default_first():
    versions = {api.name: api.versions for api in APIS}
    assert versions["Insights Stats API"] == (3, 2)
    assert versions["Interaction Content API"] == (3, 2)
    assert versions["Conversation Analyzer API"] == (3, 2, 1)
    assert versions["User Admin API"] == (4,)


def test_documented_scopes_per_api():
    scopes = {api.name: [s.value for s in api.scopes] for api in APIS}
    assert scopes["Agent Availability API"] == ["agents-availability:read"]
    assert scopes["Agents API"] == ["users:read", "users:write", "admin:read", "admin:write", "self:read", "self:write"]
    assert scopes["Conversation Analyzer API"] == ["interaction-content:read"]
    assert scopes["Insights Stats API"] == ["stats"]
    assert scopes["Interactions API"] == ["interactions:write"]
    assert scopes["Interaction Content API"] == [
        "interaction-content:read",
        "interaction-content:delete",
    ]
    assert scopes["Interaction Content Export API"] == ["interaction-content:read"]
    assert scopes["Payment API"] == ["globalpci"]
    assert scopes["User Admin API"] == ["users:read", "users:write"]
    assert scopes["Webhooks API"] == ["admin:read", "admin:write"]


def test_a_shared_scope_has_one_description_everywhere():
    descriptions: dict[str, set[str]] = {}
    for api in APIS:
        for scope in api.scopes:
            descriptions.setdefault(scope.value, set()).add(scope.description)
    assert all(len(d) == 1 for d in descriptions.values()), descriptions


def test_users_scopes_are_shared_by_agents_and_user_admin_apis():
    names = {api.name for api in catalog.apis_for_scope("users:read")}
    assert names == {"Agents API", "User Admin API"}


def test_interaction_content_read_is_shared_by_conversation_analyzer_and_interaction_content():
    names = {api.name for api in catalog.apis_for_scope("interaction-content:read")}
    assert names == {"Conversation Analyzer API", "Interaction Content API", "Interaction Content Export API"}


def test_each_api_keeps_its_own_source_url():
    sources = [api.source for api in APIS]
    assert len(sources) == len(set(sources))


def test_catalog_imports_only_the_standard_library():
    tree = ast.parse(Path(catalog.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "collections", "dataclasses"}


def test_catalog_objects_are_frozen():
    with pytest.raises(AttributeError):
        APIS[0].version = 99  # type: ignore[misc]


# -------------------------------------------------------------- scope values


def test_all_scopes_are_sorted_and_unique():
    scopes = all_scopes()
    assert list(scopes) == sorted(set(scopes))
    assert scopes == (
        "admin:read",
        "admin:write",
        "agents-availability:read",
        "globalpci",
        "interaction-content:delete",
        "interaction-content:read",
        "interactions:write",
        "self:read",
        "self:write",
        "stats",
        "users:read",
        "users:write",
    )


def test_describe_scope_gives_the_api_admin_description():
    assert describe_scope("agents-availability:read") == "View agent availability"
    assert describe_scope("stats") == "View Insights stats"
    assert describe_scope("users:read") == "Read VCC user details, settings, and presences"
    assert describe_scope("users:write") == "Update VCC user details, settings, and presences"
    assert describe_scope("interaction-content:read") == "Read or download interaction content"
    assert (
        describe_scope("interaction-content:delete") == "Delete interaction content (e.g. call recordings, transcripts)"
    )
    assert describe_scope("interactions:write") == "Create and update active interactions"
    assert describe_scope("globalpci") == "Create secure payment sessions"


def test_describe_scope_of_an_unknown_value_is_none():
    assert describe_scope("nope:read") is None


def test_every_scope_has_a_description():
    assert all(describe_scope(value) for value in all_scopes())


# --------------------------------------------------------------- find_api


def test_find_api_matches_on_prefix():
    assert find_api("/stats/agent-activities").name == "Insights Stats API"
    assert find_api("/useradmin/users").name == "User Admin API"


def test_find_api_matches_the_bare_prefix():
    assert find_api("/agents-availability").name == "Agent Availability API"


def test_find_api_respects_segment_boundaries():
    assert find_api("/statsx") is None
    assert find_api("/statsx/agent-activities") is None
    assert find_api("/agents-availability").name == "Agent Availability API"
    assert find_api("/agents/presence-definitions").name == "Agents API"
    assert find_api("/interactions/invoke").name == "Interactions API"
    assert find_api("/interaction-content/interactions").name == "Interaction Content API"


def test_find_api_ignores_the_query_string():
    assert find_api("/agents-availability?skillNames=French").name == "Agent Availability API"
    assert find_api("/stats?x=1").name == "Insights Stats API"


def test_find_api_accepts_a_full_url():
    url = "https://emea.api.cc.vonage.com/stats/agent-activities?start=2024-01-01T00:00:00Z"
    assert find_api(url).name == "Insights Stats API"
    assert find_api("http://127.0.0.1:8080/useradmin/users").name == "User Admin API"


def test_find_api_is_case_insensitive():
    assert find_api("/STATS/agent-activities").name == "Insights Stats API"
    assert find_api("/UserAdmin/users").name == "User Admin API"


def test_find_api_tolerates_missing_leading_and_extra_slashes():
    assert find_api("stats/agent-activities").name == "Insights Stats API"
    assert find_api("//stats//agent-activities/").name == "Insights Stats API"
    assert find_api("/stats//agent-activities/").name == "Insights Stats API"


def test_find_api_of_an_unknown_path_is_none():
    assert find_api("/nothing/here") is None
    assert find_api("/") is None
    assert find_api("") is None


# ---------------------------------------------------------- find_endpoint


def test_find_endpoint_matches_a_template_parameter_to_one_segment():
    endpoint = find_endpoint("GET", "/useradmin/users/8e22b1fe-d2ea-403d-8c03-50eb21188e79")
    assert endpoint.path == "/useradmin/users/{userId}"
    assert find_endpoint("GET", "/useradmin/users/a/b") is None


def test_find_endpoint_prefers_a_literal_segment_over_a_parameter():
    endpoint = find_endpoint("GET", "/agents/presence-definitions")
    assert endpoint.path == "/agents/presence-definitions"
    endpoint = find_endpoint("GET", "/agents/daab05ec-ba50-45af-a6fd-3b01cdc6f39b/presence")
    assert endpoint.path == "/agents/{userId}/presence"


def test_find_endpoint_depends_on_the_method():
    assert find_endpoint("PATCH", "/agents/u1/presence").scope == "users:write"
    assert find_endpoint("GET", "/agents/u1/presence").scope == "users:read"
    assert find_endpoint("DELETE", "/agents/u1/presence") is None


def test_find_endpoint_method_is_case_insensitive():
    assert find_endpoint("get", "/stats/agent-activities") is not None


def test_find_endpoint_treats_head_as_get():
    assert find_endpoint("HEAD", "/stats/agent-activities").method == "GET"


def test_find_endpoint_ignores_query_string_and_trailing_slash():
    endpoint = find_endpoint("GET", "/agents-availability/?skillNames=French")
    assert endpoint.path == "/agents-availability"


def test_find_endpoint_literal_segments_are_case_insensitive():
    # The docs write both /interactions/Invoke and /interactions/invoke.
    assert find_endpoint("POST", "/interactions/Invoke").path == "/interactions/invoke"


def test_find_endpoint_of_an_unknown_path_is_none():
    assert find_endpoint("GET", "/stats/nothing") is None
    assert find_endpoint("GET", "/nothing") is None


# ------------------------------------------------------------ infer_scope


def test_infer_scope_agents_availability_with_query():
    scope = infer_scope("GET", "/agents-availability?skillNames=French")
    assert scope == "agents-availability:read"


def test_infer_scope_stats_is_the_only_scope():
    assert infer_scope("GET", "/stats/agent-activities") == "stats"
    assert infer_scope("GET", "/stats/some-future-endpoint") == "stats"


def test_infer_scope_delete_on_interaction_content_needs_delete():
    guid = "017d8f64-945e-4eb4-9bcb-98b7bec78f24"
    path = f"/interaction-content/interactions/{guid}/content/callRecording"
    assert infer_scope("DELETE", path) == "interaction-content:delete"
    assert infer_scope("GET", path) == "interaction-content:read"


def test_infer_scope_delete_batch_is_a_post_that_needs_delete():
    scope = infer_scope("POST", "/interaction-content/interactions/delete-batch")
    assert scope == "interaction-content:delete"


def test_infer_scope_reading_methods_take_read_scope_for_unlisted_endpoints():
    assert infer_scope("GET", "/useradmin/some/new/resource") == "users:read"
    assert infer_scope("HEAD", "/useradmin/some/new/resource") == "users:read"


def test_infer_scope_writing_methods_take_write_scope_for_unlisted_endpoints():
    for method in ("POST", "PUT", "PATCH"):
        assert infer_scope(method, "/useradmin/some/new/resource") == "users:write"


def test_infer_scope_delete_falls_back_to_write_when_api_has_no_delete_scope():
    assert infer_scope("DELETE", "/useradmin/users/u1") == "users:write"


def test_infer_scope_delete_prefers_delete_scope_for_unlisted_endpoints():
    scope = infer_scope("DELETE", "/interaction-content/something/else")
    assert scope == "interaction-content:delete"


def test_infer_scope_single_scope_apis_always_take_that_scope():
    assert infer_scope("GET", "/interactions/anything") == "interactions:write"
    assert infer_scope("POST", "/interactions/invoke") == "interactions:write"
    assert infer_scope("POST", "/globalpci/v1/session") == "globalpci"


def test_infer_scope_endpoint_scope_wins_over_method_rule():
    assert infer_scope("GET", "/useradmin/users") == "users:read"
    assert infer_scope("POST", "/useradmin/users") == "users:write"
    assert infer_scope("PUT", "/useradmin/users/u1/skills") == "users:write"


def test_infer_scope_accepts_a_full_url():
    url = "https://nam.api.cc.vonage.com/useradmin/users/u1?x=1"
    assert infer_scope("GET", url) == "users:read"


def test_infer_scope_of_an_unknown_path_is_none():
    assert infer_scope("GET", "/nothing/here") is None
    assert infer_scope("GET", "/statsx") is None


# ----------------------------------------------------- versions and Accept


def test_accept_header_for_stats_is_vnd_v3():
    header = accept_header("GET", "/stats/agent-activities")
    assert header == "application/vnd.newvoicemedia.v3+json"


def test_accept_header_for_user_admin_is_vnd_v4():
    assert accept_header("GET", "/useradmin/users") == "application/vnd.newvoicemedia.v4+json"


def test_accept_header_for_agents_availability_is_vnd_v1():
    assert (
        accept_header("GET", "/agents-availability?skillNames=French,English")
        == "application/vnd.newvoicemedia.v1+json"
    )


def test_accept_header_for_interaction_content_is_vnd_v3():
    path = "/interaction-content/interactions/g/content/callRecording"
    assert accept_header("DELETE", path) == "application/vnd.newvoicemedia.v3+json"


def test_interactions_api_uses_vnd_v1_not_the_legacy_json_version_6():
    assert accept_header("POST", "/interactions/invoke") == "application/vnd.newvoicemedia.v1+json"


def test_accept_header_version_argument_overrides_catalog_version():
    header = accept_header("GET", "/stats/agent-activities", 2)
    assert header == "application/vnd.newvoicemedia.v2+json"
    assert accept_header("POST", "/interactions/invoke", version=5) == "application/vnd.newvoicemedia.v5+json"


def test_accept_header_for_unknown_path_is_vnd_v1():
    assert accept_header("GET", "/nothing/here") == "application/vnd.newvoicemedia.v1+json"
    assert accept_header("GET", "/nothing/here", 7) == "application/vnd.newvoicemedia.v7+json"


def test_api_version_is_the_api_default_when_endpoint_has_none():
    assert api_version("GET", "/stats/agent-activities") == 3
    assert api_version("GET", "/stats/not-listed") == 3
    assert api_version("GET", "/useradmin/users/u1") == 4


def test_api_version_of_unknown_path_is_none():
    assert api_version("GET", "/nothing") is None


def test_api_version_prefers_the_endpoint_version(monkeypatch):
    special = catalog.Endpoint("GET", "/stats/special", ("stats",), versions=(2,))
    stats = api_named("Insights Stats API")
    patched = catalog.Api(
        name=stats.name,
        prefix=stats.prefix,
        versions=stats.versions,
        scopes=stats.scopes,
        endpoints=(*stats.endpoints, special),
        source=stats.source,
    )
    monkeypatch.setattr(catalog, "APIS", tuple(patched if a is stats else a for a in APIS))
    assert api_version("GET", "/stats/special") == 2
    assert accept_header("GET", "/stats/special") == "application/vnd.newvoicemedia.v2+json"
    assert api_version("GET", "/stats/agent-activities") == 3


# ------------------------------------------------- the documented curl examples

V1 = "application/vnd.newvoicemedia.v1+json"
V3 = "application/vnd.newvoicemedia.v3+json"
V4 = "application/vnd.newvoicemedia.v4+json"
DOCS_HOST = "https://emea.api.newvoicemedia.com"  # the docs write ***.api.newvoicemedia.com
USER_ID = "8e22b1fe-d2ea-403d-8c03-50eb21188e79"


@pytest.mark.parametrize(
    ("method", "url", "scope", "accept"),
    [
        ("GET", "/agents-availability?skillNames=French,English", "agents-availability:read", V1),
        ("GET", "/agents/presence-definitions", "users:read", V1),
        ("PATCH", f"/agents/{USER_ID}/presence", "users:write", V1),
        ("GET", "/stats/agent-activities?start=2024-06-01T00:00:00Z&end=2024-06-02T00:00:00Z", "stats", V3),
        ("GET", "/stats/interactions/2480fc2c-bbd7-427c-9439-02f76583aef5", "stats", V3),
        (
            "GET",
            "/conversation-analyzer/interactions?calls=2480fc2c-bbd7-427c-9439-02f76583aef5",
            "interaction-content:read",
            V3,
        ),
        ("POST", "/interactions/Invoke", "interactions:write", V1),
        ("POST", "/interaction-content-export/external-storage", "interaction-content:read", V1),
        ("POST", "/interaction-content-export/interactions/jobs/schedule-batch-export", "interaction-content:read", V1),
        ("POST", "/webhooks/subscriptions", "admin:write", V1),
        ("GET", "/webhooks/subscriptions/2V1lVz6FeKOuVLEpSU6M0aqkM9b", "admin:read", V1),
        (
            "GET",
            "/interaction-content/interactions/2480fc2c-bbd7-427c-9439-02f76583aef5",
            "interaction-content:read",
            V3,
        ),
        (
            "GET",
            "/interaction-content/interactions/017d8f64-945e-4eb4-9bcb-98b7bec78f24/content/callrecording",
            "interaction-content:read",
            V3,
        ),
        (
            "DELETE",
            "/interaction-content/interactions/017d8f64-945e-4eb4-9bcb-98b7bec78f24",
            "interaction-content:delete",
            V3,
        ),
        ("POST", "/interaction-content/interactions/delete-batch", "interaction-content:delete", V3),
        ("POST", "/globalpci/v1/session", "globalpci", V1),
        ("POST", "/useradmin/users", "users:write", V4),
        ("GET", f"/useradmin/users/{USER_ID}/skills", "users:read", V4),
        ("GET", f"/useradmin/skills/{USER_ID}/users", "users:read", V4),
        ("GET", f"/useradmin/users/{USER_ID}/permissions/addresses", "users:read", V4),
        ("GET", f"/useradmin/users/{USER_ID}/permissions/interactionPlans", "users:read", V4),
        ("PUT", f"/useradmin/users/{USER_ID}/permissions/interactionPlans", "users:write", V4),
        ("PUT", f"/useradmin/users/{USER_ID}/permissions/groups", "users:write", V4),
    ],
)
def test_documented_examples_get_their_scope_and_accept_header(method, url, scope, accept):
    full = DOCS_HOST + ("/" + url.lstrip("/"))
    assert infer_scope(method, full) == scope
    assert accept_header(method, full) == accept


def _sample_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "017d8f64-945e-4eb4-9bcb-98b7bec78f24", template)


@pytest.mark.parametrize("endpoint", [e for api in APIS for e in api.endpoints], ids=lambda e: f"{e.method} {e.path}")
def test_every_catalogued_endpoint_infers_its_own_scope_and_its_api_version(endpoint):
    path = _sample_path(endpoint.path) + "?page=2"
    api = find_api(path)
    assert infer_scope(endpoint.method, path) == endpoint.scope
    assert catalog.accepted_scopes(endpoint.method, path) == endpoint.scopes
    assert api_version(endpoint.method, path) == (endpoint.versions or api.versions)[0]


def test_user_admin_permissions_are_catalogued_for_every_kind_the_docs_list():
    kinds = {"groups", "addresses", "interactionPlans", "queues"}
    for kind in kinds:
        path = f"/useradmin/users/{{userId}}/permissions/{kind}"
        assert find_endpoint("GET", path) is not None and find_endpoint("PUT", path) is not None, kind


# ------------------------------------------------ accepted scope sets (an endpoint may accept several)


def test_user_admin_and_agents_gets_accept_users_read_or_users_write():
    for path in ("/useradmin/users", f"/useradmin/users/{USER_ID}", "/agents/presences/users"):
        assert catalog.accepted_scopes("GET", path)[:2] == ("users:read", "users:write"), path


def test_user_admin_changes_accept_only_users_write():
    assert catalog.accepted_scopes("PATCH", f"/useradmin/users/{USER_ID}") == ("users:write",)
    assert catalog.accepted_scopes("DELETE", f"/useradmin/users/{USER_ID}") == ("users:write",)


def test_agents_api_endpoints_accept_the_scopes_of_its_scope_table():
    assert catalog.accepted_scopes("GET", "/agents/presence-definitions") == (
        "users:read",
        "users:write",
        "admin:read",
        "admin:write",
        "self:read",
        "self:write",
    )
    assert catalog.accepted_scopes("GET", f"/agents/{USER_ID}/presence") == (
        "users:read",
        "users:write",
        "self:read",
        "self:write",
    )
    assert catalog.accepted_scopes("PATCH", f"/agents/{USER_ID}/presence") == ("users:write", "self:write")


def test_export_posts_use_the_read_scope():
    for endpoint in api_named("Interaction Content Export API").endpoints:
        assert endpoint.method == "POST" and endpoint.scopes == ("interaction-content:read",)


def test_webhooks_reads_accept_admin_read_or_write_and_changes_need_admin_write():
    assert catalog.accepted_scopes("GET", "/webhooks/subscriptions/s1") == ("admin:read", "admin:write")
    assert catalog.accepted_scopes("POST", "/webhooks/subscriptions") == ("admin:write",)
    assert catalog.accepted_scopes("PATCH", "/webhooks/subscriptions/s1") == ("admin:write",)


def test_unlisted_reads_accept_the_read_and_the_write_scope():
    assert catalog.accepted_scopes("GET", "/useradmin/some/new/resource") == ("users:read", "users:write")


def test_choose_scope_takes_an_accepted_scope_the_profile_holds():
    assert catalog.choose_scope("GET", "/useradmin/users", ["stats", "users:write"]) == "users:write"


def test_choose_scope_without_a_held_scope_is_the_first_choice():
    assert catalog.choose_scope("GET", "/useradmin/users", ["stats"]) == "users:read"
    assert catalog.choose_scope("GET", "/useradmin/users") == "users:read"
    assert catalog.choose_scope("GET", "/nothing") is None


# ------------------------------------------------------- paging and windows


def test_content_search_pages_with_continuation_tokens_over_at_most_seven_days():
    path = "/interaction-content/interactions?start=2026-11-01T00:00:00Z"
    assert catalog.paging_style("GET", path) == catalog.CONTINUATION
    assert catalog.window_limit("GET", path) == 7 * 86400


def test_stats_collections_page_by_number_with_a_31_day_window():
    assert catalog.paging_style("GET", "/stats/agent-activities") == catalog.PAGE_NUMBERS
    assert catalog.window_limit("GET", "/stats/agent-activities") == 31 * 86400
    assert catalog.window_limit("GET", "/stats/agent-status") is None


def test_user_lists_page_by_number():
    assert catalog.paging_style("GET", "/useradmin/users") == catalog.PAGE_NUMBERS
    assert catalog.paging_style("GET", f"/useradmin/users/{USER_ID}") is None


def test_stats_endpoints_the_docs_name_are_catalogued():
    for path in (
        "/stats/agent-activities",
        "/stats/agent-status",
        "/stats/interactions",
        "/stats/interactions/ongoing",
        "/stats/queue-times",
        "/stats/wfm/agent-states",
        "/stats/wfm/queue-activity",
    ):
        assert find_endpoint("GET", path) is not None, path


def test_user_admin_endpoints_the_docs_name_are_catalogued_and_no_put_of_a_user():
    user = f"/useradmin/users/{USER_ID}"
    for method, path in (("PATCH", user), ("DELETE", user), ("GET", user + "/licenses"), ("PATCH", user + "/licenses")):
        assert find_endpoint(method, path) is not None, (method, path)
    assert find_endpoint("PUT", user) is None
