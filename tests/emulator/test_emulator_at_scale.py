"""SPEC section 4, `vcc emulator`: bulk exports at scale. A denser generated dataset
(`--scale`), VCC's fair-usage 429 (`--rate-limit`), the 429 for concurrent batch
deletions, and content that fails on request (`/_emulator/faults`), for the tests
of `vcc call --paginate` and `vcc content download|delete`."""

from __future__ import annotations

import dataclasses
import hashlib
import http.client
import json
import re
import subprocess
import threading
import time

import pytest
import requests

from tests.support.processes import popen_vcc
from vcc_cli.emulator import Emulator, Faults, data
from vcc_cli.emulator.data import iso

V3 = "application/vnd.newvoicemedia.v3+json"
V4 = "application/vnd.newvoicemedia.v4+json"
DAY = {"start": "2024-06-01T00:00:00Z", "end": "2024-06-02T00:00:00Z"}
SEARCH = "/interaction-content/interactions"
BATCH = "/interaction-content/interactions/delete-batch"


class Api:
    """One client of an emulator: a token fetched once, a session, the V3 Accept."""

    def __init__(self, emulator: Emulator, scope: str, client: str = "demo-client:demo-secret"):
        client_id, secret = client.split(":")
        self.url = emulator.url
        self.session = requests.Session()
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope}
        answer = self.session.post(self.url + "/Auth/connect/token", data=form)
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": "Bearer " + answer.json()["access_token"], "Accept": V3}

    def get(self, path: str, accept: str = V3, **kwargs) -> requests.Response:
        return self.session.get(self.url + path, headers={**self.headers, "Accept": accept}, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.url + path, headers=self.headers, **kwargs)

    def search_all(self, params: dict, limit: int = 1000) -> list[dict]:
        """Every item of a content search, following the continuation tokens."""
        items, page = [], self.get(SEARCH, params={**params, "limit": limit}).json()
        while True:
            items += page["items"]
            token = page["meta"]["nextContinuationToken"]
            if token is None:
                return items
            page = self.get(SEARCH, params={"continuationToken": token, "limit": limit}).json()


@pytest.fixture
def content(emulator):
    return Api(emulator, "interaction-content:read interaction-content:delete stats users:read")


def recording(api: Api, guid: str, **kwargs) -> requests.Response:
    return api.get(f"/interaction-content/interactions/{guid}/content/callRecording", **kwargs)


def guids_of_the_day(api: Api, n: int) -> list[str]:
    return [item["guid"] for item in api.get(SEARCH, params={**DAY, "limit": n}).json()["items"]]


# --------------------------------------------------------------- the dataset


def _standard_fingerprint() -> dict:
    """What the scale-1 generator makes of 2024-06-01, as recorded before scaling existed."""
    standard = data.STANDARD
    agents = data.agents([u for u, _ in data.users()])
    start, end = data.parse_iso(DAY["start"]), data.parse_iso(DAY["end"])
    activities = standard.activities.slots(start, end)
    interactions = standard.interactions.slots(start, end)
    return {
        "act_range": [activities.start, activities.stop],
        "int_range": [interactions.start, interactions.stop],
        "acts": [standard.activity(s, agents, k) for s in activities[:40] for k in (None, "presence", "interaction")],
        "ints": [dataclasses.asdict(standard.interaction(s, agents)) for s in interactions[:40]],
        "guids": [standard.interaction_guid(s) for s in (0, 1, 12345, interactions.start, 10**9)],
    }


def test_scale_1_serves_exactly_the_data_it_always_has(content):
    fingerprint = _standard_fingerprint()

    assert fingerprint["act_range"] == [19080000, 19080960] and fingerprint["int_range"] == [4088571, 4088777]
    assert fingerprint["guids"] == [
        "797972f6-804e-4a6c-8af4-5a3c96e17b2d",
        "9ebd9d70-5560-48d9-ba2c-c40bef580466",
        "6a6faab0-83f0-40ac-a9d9-fb1074ca1c9e",
        "6b2a6377-1eb5-49af-85cc-8dd6b925ffa4",
        "ec367a99-4ebd-476c-8fa4-e5c5ac6e552d",
    ]
    assert fingerprint["ints"][0] == {
        "guid": "6b2a6377-1eb5-49af-85cc-8dd6b925ffa4",
        "start": 1717200213,
        "seconds": 500,
        "direction": "inbound",
        "connect_from": "+442079460026",
        "connect_to": "+442079460999",
        "agent_id": "2091e140-cbef-4609-b888-61fbf65f5a7f",
        "agent_name": "Sanne Hoffmann",
        "queue": "Complaints",
        "has_transcript": True,
    }
    assert fingerprint["acts"][0]["start"] == "2024-06-01T00:01:18Z"
    assert fingerprint["acts"][0]["interaction"] == {"guid": "6b2a6377-1eb5-49af-85cc-8dd6b925ffa4"}
    digest = hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()
    assert digest == "1c4c9cd593e0b95b92ac4d344fafb1ccdcc178f79fc33271e8ed7cd9733edeb0"
    # ... and the emulator serves it: the GUID <-> slot mapping is unchanged.
    assert guids_of_the_day(content, 2) == ["6b2a6377-1eb5-49af-85cc-8dd6b925ffa4", fingerprint["ints"][1]["guid"]]
    assert data.STANDARD.interaction_slot(fingerprint["guids"][2]) == 12345


@pytest.mark.parametrize("scale", [10, 2.5])
def test_scale_f_gives_f_times_the_items_in_a_window(clock, scale):
    counts = {}
    for factor in (1, scale):
        with Emulator(clock=clock, scale=factor) as emu:
            api = Api(emu, "stats interaction-content:read")
            one = {**DAY, "limit": 1}
            counts[factor] = (
                api.get("/stats/interactions", params=one).json()["meta"]["totalCount"],
                api.get("/stats/agent-activities", params=one).json()["meta"]["totalCount"],
                len(api.search_all(DAY)),
            )
    interactions, activities, _ = counts[1]
    assert counts[scale][0] == pytest.approx(scale * interactions, rel=0.01)
    assert counts[scale][1] == pytest.approx(scale * activities, rel=0.01)
    assert counts[scale][2] == counts[scale][0]  # the search and the stats agree


def test_every_guid_of_a_scaled_dataset_resolves_to_its_content(clock):
    window = {"start": "2024-06-01T10:00:00Z", "end": "2024-06-01T11:00:00Z"}
    with Emulator(clock=clock, scale=50, recording_size=1000) as emu:
        api = Api(emu, "stats interaction-content:read")
        items = api.search_all(window, limit=300)
        stats = api.get("/stats/interactions", params={**window, "limit": 1000}).json()["items"]
        activities = api.get("/stats/agent-activities/interactions", params={**window, "limit": 1000}).json()
        linked = {a["interaction"]["guid"] for a in activities["items"]}

        guids = [item["guid"] for item in items]
        assert len(guids) == len(set(guids)) == pytest.approx(3600 * 50 / 420, abs=2)  # 1 hour: ~428
        assert guids == [i["guid"] for i in stats]
        assert [i["start"] for i in items] == sorted(i["start"] for i in items)
        assert linked and len(activities["items"]) == 1000
        for guid in guids:
            assert api.get(f"/interaction-content/interactions/{guid}").json()["guid"] == guid
        for guid in list(linked) + guids[::40]:
            assert api.get(f"/stats/interactions/{guid}").status_code == 200, guid
            answer = recording(api, guid)
            assert answer.status_code == 200 and answer.content[:4] == b"RIFF", guid


def test_a_scaled_datasets_guids_are_its_own(clock):
    with Emulator(clock=clock, scale=10) as emu:
        scaled = guids_of_the_day(Api(emu, "interaction-content:read"), 3)
    with Emulator(clock=clock) as emu:
        api = Api(emu, "interaction-content:read")
        assert all(api.get(f"{SEARCH}/{guid}").status_code == 404 for guid in scaled)
        assert set(scaled).isdisjoint(guids_of_the_day(api, 50))


def test_a_guid_is_looked_up_in_constant_time(monkeypatch):
    huge = data.Dataset(data.MAX_SCALE)
    guid = huge.interaction_guid(10**12)
    made = []
    real = data.Dataset.interaction_guid
    monkeypatch.setattr(data.Dataset, "interaction_guid", lambda self, slot: made.append(slot) or real(self, slot))

    assert huge.interaction_slot(guid) == 10**12
    assert made == [10**12]  # one GUID computed to check it, no search through the dataset


def test_a_page_of_a_huge_dataset_costs_a_page(clock, monkeypatch):
    made = []
    real = data.Dataset.interaction
    monkeypatch.setattr(
        data.Dataset, "interaction", lambda self, slot, agents: made.append(slot) or real(self, slot, agents)
    )
    week = {"start": iso(clock.now - 7 * 86400), "end": iso(clock.now)}
    with Emulator(clock=clock, scale=10_000) as emu:
        api = Api(emu, "stats interaction-content:read")
        page = api.get(SEARCH, params={**week, "limit": 20}).json()
        later = api.get(SEARCH, params={"continuationToken": page["meta"]["nextContinuationToken"], "limit": 20})
        stats = api.get("/stats/interactions", params={"start": week["start"], "limit": 10, "page": 100_000}).json()

    assert len(page["items"]) == len(later.json()["items"]) == 20 and len(stats["items"]) == 10
    assert stats["meta"]["totalCount"] == pytest.approx(7 * 86400 * 1000 / 42, rel=0.001)  # 14.4 million
    assert len(made) == 50


def test_continuation_tokens_page_through_a_scaled_search(clock):
    with Emulator(clock=clock, scale=20) as emu:
        api = Api(emu, "interaction-content:read")
        whole = api.get(SEARCH, params={**DAY, "limit": 1000}).json()["items"]
        assert [i["guid"] for i in api.search_all(DAY, limit=7)] == [i["guid"] for i in api.search_all(DAY)]
        assert [i["guid"] for i in api.search_all(DAY, limit=333)[:1000]] == [i["guid"] for i in whole]


def test_setting_the_scale_switches_to_that_dataset(emulator, content):
    before = guids_of_the_day(content, 1)[0]

    emulator.scale = 4

    assert emulator.scale == 4
    day = content.get("/stats/interactions", params={**DAY, "limit": 1}).json()["meta"]["totalCount"]
    assert day == pytest.approx(86400 * 4 / 420, abs=2)
    assert content.get(f"{SEARCH}/{before}").status_code == 404


@pytest.mark.parametrize("scale", [0, -1, 0.0001, 10_001, float("nan"), float("inf"), True, "2"])
def test_a_scale_out_of_range_is_a_value_error(scale):
    with pytest.raises(ValueError, match="scale"):
        Emulator(scale=scale)


# ------------------------------------------------------------ fair usage 429


def stats_call(api: Api) -> requests.Response:
    return api.get("/stats/agent-status", params={"limit": 1})


def test_rate_limit_gives_429_after_n_requests_in_a_minute(emulator, content):
    emulator.rate_limit = 5

    answers = [stats_call(content) for _ in range(7)]

    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert "Retry-After" not in answers[5].headers  # VCC documents none: a client must back off itself
    assert "message" in answers[5].json()
    assert emulator.faults.rate_limit == 5


def test_rate_limit_lets_requests_through_again_as_the_minute_slides(emulator, content, clock):
    emulator.faults.rate_limit = 5
    assert [stats_call(content).status_code for _ in range(3)] == [200] * 3
    clock.advance(30)
    assert [stats_call(content).status_code for _ in range(3)] == [200, 200, 429]

    clock.advance(29.9)
    assert stats_call(content).status_code == 429
    clock.advance(0.1)  # the first three are a minute old
    assert [stats_call(content).status_code for _ in range(4)] == [200] * 3 + [429]
    clock.advance(30)
    assert [stats_call(content).status_code for _ in range(3)] == [200, 200, 429]


def test_rate_limit_is_per_client_and_shared_by_all_apis(emulator, content):
    emulator.rate_limit = 3
    other = Api(emulator, "stats", client="reader:reader-secret")

    assert stats_call(content).status_code == 200
    assert content.get(SEARCH, params={**DAY, "limit": 1}).status_code == 200
    assert content.get("/useradmin/users", accept=V4).status_code == 200
    assert content.get("/useradmin/users", accept=V4).status_code == 429
    assert content.get(SEARCH, params={**DAY, "limit": 1}).status_code == 429
    assert stats_call(other).status_code == 200  # another client ID has its own minute
    token = {"grant_type": "client_credentials", "client_id": "demo-client", "client_secret": "demo-secret"}
    assert content.session.post(emulator.url + "/Auth/connect/token", data={**token, "scope": "stats"}).ok


def test_rate_limit_is_set_by_the_option_and_the_faults_endpoint(http, clock):
    with Emulator(clock=clock, rate_limit=2) as emu:
        api = Api(emu, "stats")
        assert [stats_call(api).status_code for _ in range(3)] == [200, 200, 429]
        assert http.post(emu.url + "/_emulator/faults", json={"rate_limit": 0}).json()["rate_limit"] == 0
        assert stats_call(api).status_code == 200
        assert http.post(emu.url + "/_emulator/faults", json={"rate_limit": 1}).ok
        assert stats_call(api).status_code == 429  # the minute's requests still count
    with pytest.raises(ValueError, match="rate_limit"):
        Emulator(rate_limit=-1)


# ------------------------------------------------------- concurrent deletions


def test_a_delete_batch_while_another_runs_is_429(emulator, content):
    emulator.faults.delete_batch_seconds = 1.0
    first_guids, second_guids = guids_of_the_day(content, 2)[:1], guids_of_the_day(content, 2)[1:]
    first: list[requests.Response] = []
    running = threading.Thread(
        target=lambda: first.append(
            requests.post(content.url + BATCH, headers=content.headers, json={"guids": first_guids})
        )
    )
    running.start()
    deadline = time.monotonic() + 5
    while not emulator.state.batch_lock.locked() and time.monotonic() < deadline:
        time.sleep(0.005)

    refused = content.post(BATCH, json={"guids": second_guids})
    running.join()

    assert refused.status_code == 429 and "Retry-After" not in refused.headers
    assert first[0].status_code == 200 and first[0].json() == {"failures": []}
    assert content.get(f"{SEARCH}/{second_guids[0]}").status_code == 200  # the refused batch deleted nothing
    emulator.faults.delete_batch_seconds = 0
    assert content.post(BATCH, json={"guids": second_guids}).json() == {"failures": []}


def test_delete_fail_guids_are_reported_as_failures_and_stay(http, emulator, content):
    failing, deleted = guids_of_the_day(content, 2)
    assert http.post(emulator.url + "/_emulator/faults", json={"delete_fail_guids": [failing.upper()]}).ok

    answer = content.post(BATCH, json={"guids": [failing, deleted]})

    assert answer.status_code == 200
    [failure] = answer.json()["failures"]
    assert failure["guid"] == failing and failure["statusCode"] == 500 and failure["message"]
    assert content.get(f"{SEARCH}/{failing}").status_code == 200
    assert content.get(f"{SEARCH}/{deleted}").status_code == 404


# ------------------------------------------------------------ content faults


def test_content_fail_every_nth_request_answers_503(http, emulator, content):
    guids = guids_of_the_day(content, 3)
    assert http.post(emulator.url + "/_emulator/faults", json={"content_fail_every": 3}).ok

    statuses = [recording(content, guids[n % 3]).status_code for n in range(7)]

    assert statuses == [200, 200, 503, 200, 200, 503, 200]
    emulator.faults.update({"content_fail_every": 2, "content_fail_status": 500})  # counted afresh
    assert [recording(content, guids[0]).status_code for _ in range(4)] == [200, 500, 200, 500]
    assert [content.get(f"{SEARCH}/{guids[0]}").status_code for _ in range(2)] == [200, 200]  # files only


def test_content_fail_guids_always_answer_500(emulator, content):
    broken, fine = guids_of_the_day(content, 2)
    emulator.faults.update({"content_fail_guids": [broken]})

    assert [recording(content, broken).status_code for _ in range(3)] == [500] * 3
    assert "message" in recording(content, broken).json()
    assert recording(content, fine).status_code == 200
    assert content.get(f"{SEARCH}/{broken}").status_code == 200  # the interaction itself is there


def _raw_get(emulator: Emulator, api: Api, path: str, headers: dict | None = None):
    """(status, Content-Length, bytes received, whether the body was complete) over one connection."""
    conn = http.client.HTTPConnection(emulator.local_host, emulator.port, timeout=10)
    try:
        conn.request("GET", path, headers={**api.headers, **(headers or {})})
        response = conn.getresponse()
        try:
            body, complete = response.read(), True
        except http.client.IncompleteRead as cut:
            body, complete = cut.partial, False
        return response.status, int(response.headers["Content-Length"]), len(body), complete
    finally:
        conn.close()


def test_content_cut_every_nth_body_breaks_off_halfway(emulator, content):
    guid = guids_of_the_day(content, 1)[0]
    path = f"/interaction-content/interactions/{guid}/content/callRecording"
    size = recording(content, guid).headers["Content-Length"]
    emulator.faults.content_cut_every = 2

    answers = [_raw_get(emulator, content, path) for _ in range(4)]
    ranged = [_raw_get(emulator, content, path, {"Range": "bytes=1000-1999"}) for _ in range(2)]

    whole = int(size)
    assert answers == [(200, whole, whole, True), (200, whole, whole // 2, False)] * 2
    assert ranged == [(206, 1000, 1000, True), (206, 1000, 500, False)]
    with pytest.raises(requests.exceptions.ChunkedEncodingError):  # what a requests client sees
        [recording(content, guid) for _ in range(2)]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rate_limit", -1),
        ("rate_limit", 1.5),
        ("rate_limit", True),
        ("delete_batch_seconds", -0.1),
        ("delete_batch_seconds", "1"),
        ("delete_fail_guids", "6b2a6377-1eb5-49af-85cc-8dd6b925ffa4"),
        ("delete_fail_guids", ["not-a-guid"]),
        ("content_fail_every", -3),
        ("content_fail_every", "3"),
        ("content_fail_status", 404),
        ("content_fail_status", "503"),
        ("content_fail_guids", [1]),
        ("content_cut_every", 0.5),
    ],
)
def test_bad_fault_values_are_refused_naming_the_field(http, emulator, name, value):
    with pytest.raises(ValueError, match=name):
        Faults().update({name: value})

    answer = http.post(emulator.url + "/_emulator/faults", json={"content_cut_every": 1, name: value})

    assert answer.status_code == 400 and name in answer.json()["message"]
    assert emulator.faults.content_cut_every == 0  # nothing applied


def test_the_faults_endpoint_shows_the_bulk_faults(http, emulator):
    settings = http.get(emulator.url + "/_emulator/faults").json()

    assert {
        "rate_limit": 0,
        "delete_batch_seconds": 0.0,
        "delete_fail_guids": [],
        "content_fail_every": 0,
        "content_fail_status": 503,
        "content_fail_guids": [],
        "content_cut_every": 0,
    }.items() <= settings.items()


# --------------------------------------------------------------- the options


def test_vcc_emulator_takes_scale_and_rate_limit(vcc):
    from vcc_cli.cli.emulator import COMMAND

    seen = []
    real, COMMAND.run = COMMAND.run, lambda opts, rt: seen.append(opts) or 0
    try:
        vcc("emulator", "--scale", "2.5", "--rate-limit", "160")
        vcc("emulator")
    finally:
        COMMAND.run = real

    assert (seen[0].scale, seen[0].rate_limit) == (2.5, 160)
    assert (seen[1].scale, seen[1].rate_limit) == (1, 0)


@pytest.mark.parametrize(
    "args",
    [("--scale", "0"), ("--scale", "-2"), ("--scale", "lots"), ("--scale", "20000"), ("--rate-limit", "-1"),
     ("--rate-limit", "1.5"), ("--rate-limit", "many")],
)  # fmt: skip
def test_bad_scale_or_rate_limit_is_a_usage_error(vcc, args):
    result = vcc("emulator", *args, expect_error=2)

    assert args[0] in result.stderr


def test_the_options_bounds_are_the_emulators():
    from vcc_cli.commands import emulator as command

    assert (command.MIN_SCALE, command.MAX_SCALE) == (data.MIN_SCALE, data.MAX_SCALE)


def test_vcc_emulator_serves_scaled_data_with_a_rate_limit():
    proc = popen_vcc(
        "emulator",
        "--scale",
        "10",
        "--rate-limit",
        "3",
        env=None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"VCC_AUTH_URL=(http://127\.0\.0\.1:(\d+))", line)
        assert match, line + (proc.stderr.read() if proc.poll() is not None else "")

        class Running:
            url = match.group(1)

        api = Api(Running, "stats")  # type: ignore[arg-type]
        answers = [api.get("/stats/interactions", params={**DAY, "limit": 1}) for _ in range(4)]
    finally:
        proc.terminate()
        proc.wait(10)

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].json()["meta"]["totalCount"] == pytest.approx(10 * 206, rel=0.01)  # 206 at scale 1
