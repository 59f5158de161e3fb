"""Real and fake Secret Services (the freedesktop keyring API over D-Bus) for the
keyring tests.

- ``session_secret_service()``: the one of the current D-Bus session, when the
  tests were started inside a throwaway session (``.ci/with-secret-service``, which
  sets VCC_TEST_SECRET_SERVICE=1). Tests never touch a developer's own keyring.
- ``PrivateBus``: a D-Bus daemon of our own on a socket in a temp dir, with no
  service activation (nothing starts behind the test's back).
- ``GnomeKeyring``: gnome-keyring-daemon on such a bus, unlocked with a throwaway
  password; it can then be locked (``lock()``) or frozen (``stop()``, SIGSTOP).
- ``HangingSecretService``: a process that owns the Secret Service name on such a
  bus, accepts every call and never answers.

Every process here is started by the test and ended by its own pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SECRETS_NAME = "org.freedesktop.secrets"
ENV_FLAG = "VCC_TEST_SECRET_SERVICE"
# Read at import: tests/conftest.py removes every VCC_* variable before each test.
#: True inside .ci/with-secret-service: the keyring tests must run, not skip.
REQUIRED = os.environ.get(ENV_FLAG) == "1"
#: The HOME of the session's gnome-keyring-daemon (where it keeps its files).
SESSION_KEYRING_HOME = os.environ.get("VCC_TEST_SECRET_SERVICE_HOME")

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _with_time_limit(fn, seconds: float):
    """fn() in a daemon thread; (True, value) or (False, reason)."""
    result: dict = {}

    def target():
        try:
            result["value"] = fn()
        except Exception as exc:
            result["error"] = f"{exc.__class__.__name__}: {exc}"

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        return False, f"no answer within {seconds:g} s"
    if "error" in result:
        return False, result["error"]
    return True, result.get("value")


def probe(address: str, seconds: float = 5.0) -> str | None:
    """None when a Secret Service on the bus at ``address`` answers with an unlocked
    default collection; else why not."""

    def check():
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(address)
        try:
            if not secretstorage.check_service_availability(connection):
                return "no Secret Service on the bus"
            if secretstorage.get_default_collection(connection).is_locked():
                return "the default collection is locked"
            return None
        finally:
            connection.close()

    _, why = _with_time_limit(check, seconds)
    return why


def session_secret_service() -> tuple[str | None, str]:
    """(bus address, "") when the tests may use the session's Secret Service, else (None, why)."""
    if not REQUIRED:
        return None, f"{ENV_FLAG}=1 is not set: run the tests under .ci/with-secret-service"
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        return None, "no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)"
    deadline = time.monotonic() + 10
    while True:  # the daemon may still be registering its name
        why = probe(address)
        if why is None:
            return address, ""
        if time.monotonic() > deadline:
            return None, f"the session's Secret Service is not usable: {why}"
        time.sleep(0.2)


def read_item(address: str, service: str, username: str) -> str | None:
    """The secret stored under keyring's attributes (service, username), read straight
    from the Secret Service, or None."""

    def read():
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(address)
        try:
            collection = secretstorage.get_default_collection(connection)
            for item in collection.search_items({"service": service, "username": username}):
                return item.get_secret().decode("utf-8")
            return None
        finally:
            connection.close()

    ok, value = _with_time_limit(read, 10)
    if not ok:
        raise RuntimeError(value)
    return value


def delete_items(address: str, service: str, username: str) -> None:
    """Remove what a test left in the Secret Service (best effort)."""

    def delete():
        import secretstorage
        from jeepney.io.blocking import open_dbus_connection

        connection = open_dbus_connection(address)
        try:
            collection = secretstorage.get_default_collection(connection)
            for item in collection.search_items({"service": service, "username": username}):
                item.delete()
        finally:
            connection.close()

    _with_time_limit(delete, 10)


def _name_has_owner(address: str, name: str) -> bool:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    connection = open_dbus_connection(address)
    try:
        return bool(connection.send_and_get_reply(message_bus.NameHasOwner(name), timeout=2).body[0])
    finally:
        connection.close()


def wait_for_name(address: str, name: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not _name_has_owner(address, name):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not appear on the bus within {seconds:g} s")
        time.sleep(0.05)


def missing_programs(*names: str) -> list[str]:
    return [name for name in names if shutil.which(name) is None]


class PrivateBus:
    """A D-Bus session daemon of our own: ``with PrivateBus() as bus: bus.address``."""

    def __init__(self) -> None:
        # A short directory: unix socket paths are limited to about 100 bytes.
        self.directory = Path(tempfile.mkdtemp(prefix="vcc-bus-"))
        self.address = ""
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> PrivateBus:
        config = self.directory / "bus.conf"
        config.write_text(_BUS_CONFIG.format(socket=self.directory / "bus"))
        self._process = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.address = self._process.stdout.readline().strip()
        if not self.address:
            self.__exit__()
            raise RuntimeError("dbus-daemon did not start")
        return self

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process.stdout.close()
        shutil.rmtree(self.directory, ignore_errors=True)


class GnomeKeyring:
    """gnome-keyring-daemon (secrets component) on ``bus``, its data under ``home``,
    unlocked with a throwaway password."""

    def __init__(self, bus: PrivateBus, home: Path) -> None:
        self.bus = bus
        self.home = home
        self._process: subprocess.Popen | None = None
        self._stopped = False

    @property
    def data_dir(self) -> Path:
        return self.home / ".local" / "share" / "keyrings"

    def __enter__(self) -> GnomeKeyring:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "DBUS_SESSION_BUS_ADDRESS": self.bus.address,
        }
        self._process = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._process.stdin.write(os.urandom(12).hex().encode())
        self._process.stdin.close()
        try:
            wait_for_name(self.bus.address, SECRETS_NAME)
        except BaseException:
            self.__exit__()
            raise
        return self

    def lock(self) -> None:
        """Lock every collection, as the screen locker or `secret-tool lock` would."""

        def lock():
            import secretstorage
            from jeepney.io.blocking import open_dbus_connection

            connection = open_dbus_connection(self.bus.address)
            try:
                for collection in secretstorage.get_all_collections(connection):
                    collection.lock()
                return secretstorage.get_default_collection(connection).is_locked()
            finally:
                connection.close()

        ok, locked = _with_time_limit(lock, 10)
        assert ok and locked, f"could not lock the keyring: {locked}"

    def stop(self) -> None:
        """Freeze the daemon (SIGSTOP): the bus still takes calls for it, nobody answers."""
        os.kill(self._process.pid, signal.SIGSTOP)
        self._stopped = True

    def __exit__(self, *exc) -> None:
        if self._process is None:
            return
        if self._stopped:
            os.kill(self._process.pid, signal.SIGCONT)
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)


_HANGING_SERVICE = r"""
import sys
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

connection = open_dbus_connection(sys.argv[1])
reply = connection.send_and_get_reply(message_bus.RequestName(sys.argv[2]), timeout=5)
print("owned" if reply.body[0] == 1 else f"not owned: {reply.body[0]}", flush=True)
calls = 0
while True:  # take every call, answer none
    message = connection.receive()
    calls += 1
"""


class HangingSecretService:
    """A process owning ``org.freedesktop.secrets`` on ``bus`` that never answers a call."""

    def __init__(self, bus: PrivateBus) -> None:
        self.bus = bus
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> HangingSecretService:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _HANGING_SERVICE, self.bus.address, SECRETS_NAME],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline().strip()
        if line != "owned":
            self.__exit__()
            raise RuntimeError(f"the fake Secret Service could not own its name: {line!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(5)
            self._process.stdout.close()
