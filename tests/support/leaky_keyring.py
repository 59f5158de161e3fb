"""A keyring backend for tests whose errors quote the password they were given, as
some backends' libraries do (a D-Bus error echoing its call, a file backend quoting
its line). Select it with PYTHON_KEYRING_BACKEND=support.leaky_keyring.LeakyKeyring
and tests/ on PYTHONPATH; $VCC_TEST_LEAK_STYLE says how it words the failure."""

import base64
import os

from keyring.backend import KeyringBackend
from keyring.errors import PasswordSetError


class LeakyKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        return None

    def set_password(self, service, username, password):
        style = os.environ.get("VCC_TEST_LEAK_STYLE", "keyring-error")
        if style == "keyring-error":
            raise PasswordSetError(f"cannot store {password!r} for {service}/{username}")
        if style == "base64":
            encoded = base64.b64encode(f"{username}:{password}".encode()).decode()
            raise RuntimeError(f"org.freedesktop.DBus.Error.Failed: item attributes={encoded} rejected")
        raise OSError(f"[Errno 28] No space left on device while writing secret={password}")

    def delete_password(self, service, username):
        raise PasswordSetError("nothing to delete")
