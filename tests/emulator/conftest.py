"""Fixtures for the emulator tests: an Emulator on a free loopback port with a
clock the test moves by hand, and helpers to get tokens and call the APIs."""

from __future__ import annotations

import time

import pytest
import requests

from vcc_cli.emulator import DEFAULT_CLIENT, Emulator

ABCDE = "abcde:12345:agents-availability:read"  # the client of the VCC guide's examples
READER = "reader:reader-secret:users:read stats interaction-content:read"


class FakeClock:
    """Unix seconds that only move when the test says so."""

    def __init__(self, now: float | None = None):
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock):
    with Emulator(clients=[DEFAULT_CLIENT, ABCDE, READER], recording_size=200_000, clock=clock) as emu:
        yield emu


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def token(http, emulator):
    """token(scope, client_id=..., secret=...) -> a fresh access token."""

    def fetch(scope: str, client_id: str = "demo-client", secret: str = "demo-secret") -> str:
        response = http.post(
            emulator.url + "/Auth/connect/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope},
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    return fetch


@pytest.fixture
def call(http, emulator, token):
    """call(method, path, scope=..., accept=..., **requests kwargs): an API call
    with a fresh token for ``scope`` (None: no Authorization header)."""

    def do(method: str, path: str, scope: str | None, accept: str | None = None, headers=None, **kwargs):
        sent = dict(headers or {})
        if scope is not None:
            sent["Authorization"] = "Bearer " + token(scope)
        sent["Accept"] = accept  # None: requests leaves it out
        return http.request(method, emulator.url + path, headers=sent, **kwargs)

    return do
