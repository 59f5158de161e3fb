"""A keyring backend for tests that run vcc as a subprocess: a JSON file at
$VCC_TEST_KEYRING_FILE. Never used outside the test suite (select it with
PYTHON_KEYRING_BACKEND=support.file_keyring.FileKeyring and tests/ on PYTHONPATH)."""

import json
import os

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self):
        return os.environ["VCC_TEST_KEYRING_FILE"]

    def _load(self):
        try:
            with open(self._path()) as fh:
                return json.load(fh)
        except FileNotFoundError:
            return {}

    def get_password(self, service, username):
        return self._load().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}/{username}"] = password
        with open(self._path(), "w") as fh:
            json.dump(data, fh)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not found")
        with open(self._path(), "w") as fh:
            json.dump(data, fh)
