"""A file keyring that parallel processes can share: support.file_keyring.FileKeyring
reads, changes and rewrites its JSON file with no lock and no rename, so parallel
writers lose each other's entries (and a reader can meet a half-written file). This
one holds an flock on ``FILE.lock`` around each read-change-write and replaces the
file atomically, as a real keyring daemon serialises its clients. Select it with
PYTHON_KEYRING_BACKEND=support.locked_file_keyring.LockedFileKeyring, tests/ on
PYTHONPATH and the file in $VCC_TEST_KEYRING_FILE."""

import fcntl
import json
import os
from contextlib import contextmanager

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


def read_entries(path) -> dict:
    """The entries of the keyring file at ``path`` (for the tests' checks)."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {}


class LockedFileKeyring(KeyringBackend):
    priority = 1

    def _path(self):
        return os.environ["VCC_TEST_KEYRING_FILE"]

    @contextmanager
    def _locked(self):
        fd = os.open(self._path() + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield read_entries(self._path())
        finally:
            os.close(fd)  # releases the flock

    def _store(self, data: dict) -> None:
        tmp = f"{self._path()}.{os.getpid()}.tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, self._path())

    def get_password(self, service, username):
        with self._locked() as data:
            return data.get(f"{service}/{username}")

    def set_password(self, service, username, password):
        with self._locked() as data:
            data[f"{service}/{username}"] = password
            self._store(data)

    def delete_password(self, service, username):
        with self._locked() as data:
            if data.pop(f"{service}/{username}", None) is None:
                raise PasswordDeleteError("not found")
            self._store(data)
