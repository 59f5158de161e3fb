"""Shared by the security tests: a known, unusual secret and an emulator that
accepts it and remembers every token it hands out."""

from __future__ import annotations

import pytest

from vcc_cli import catalog
from vcc_cli.emulator import Client, Emulator

#: Unusual enough that finding it anywhere can only mean a leak.
SECRET = "Zq9x-LEAK-s3cr3t-7Kp2wV"
CLIENT_ID = "leak-client"


class IssuingEmulator(Emulator):
    """An Emulator that records the tokens it issues (``issued``)."""

    def __init__(self, **kwargs):
        super().__init__(clients=[Client(CLIENT_ID, SECRET, frozenset(catalog.all_scopes()))], **kwargs)
        self.issued: list[str] = []
        issue = self.authority.issue

        def recording_issue(client, scopes):
            token, ttl = issue(client, scopes)
            self.issued.append(token)
            return token, ttl

        self.authority.issue = recording_issue


@pytest.fixture
def emulator():
    with IssuingEmulator() as emu:
        yield emu


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    from tests.support.tls import make_certificates

    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_emulator(certificates):
    """An IssuingEmulator served over https with ``certificates`` (its URL: ``https_url``)."""
    from tests.support.tls import serve_emulator_over_https

    emulator = IssuingEmulator()
    url = serve_emulator_over_https(emulator, certificates)
    with emulator:
        emulator.https_url = url
        yield emulator
