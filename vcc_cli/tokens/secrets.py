"""Client secrets in the OS keyring (service ``vcc-cli``, one entry per profile).

Every keyring call runs in a worker thread with a time limit: a locked or
hanging Secret Service gives an AuthError (exit 3) with guidance, never a hang.
There is no fallback to a plaintext file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import TypeVar

from vcc_cli.errors import AuthError

SERVICE = "vcc-cli"
DEFAULT_TIMEOUT = 5.0  # seconds

NO_KEYRING_HINT = (
    "keep the secret in a password manager and run `vcc login --secret-command 'pass show vcc/prod'` "
    "(README: Secrets from a password manager); in CI set VCC_CLIENT_ID and VCC_CLIENT_SECRET "
    "(or VCC_CLIENT_SECRET_FILE); or start a Secret Service such as gnome-keyring (the README has a "
    "headless recipe), or choose a backend with PYTHON_KEYRING_BACKEND"
)

T = TypeVar("T")


def keyring_timeout(env: Mapping[str, str] | None = None) -> float:
    """VCC_KEYRING_TIMEOUT in seconds (default 5); anything but a sensible number is a usage error."""
    from vcc_cli.errors import UsageError

    raw = (os.environ if env is None else env).get("VCC_KEYRING_TIMEOUT", "")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        raise UsageError(f"VCC_KEYRING_TIMEOUT={raw!r} is not a number of seconds between 0 and 3600")
    return value


def _with_time_limit(action: str, fn: Callable[[], T], env: Mapping[str, str] | None, secret: str = "") -> T:
    """``fn()`` within the keyring time limit; its failures become AuthErrors whose
    text, the backend's words included, never holds ``secret`` (or any known one)."""
    timeout = keyring_timeout(env)
    result: dict[str, object] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=target, name="vcc-keyring", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise AuthError(
            f"the keyring did not answer within {timeout:g} s while {action} (locked or hanging?)",
            "unlock your keyring and retry; " + NO_KEYRING_HINT,
        )
    if "error" in result:
        raise _keyring_error(action, result["error"], secret)  # type: ignore[arg-type]
    return result.get("value")  # type: ignore[return-value]


def _keyring_error(action: str, exc: BaseException, secret: str = "") -> BaseException:
    if isinstance(exc, AuthError):
        return exc
    try:
        from keyring.errors import KeyringError, KeyringLocked, NoKeyringError
    except ImportError:  # pragma: no cover - keyring is a dependency
        return exc
    if isinstance(exc, NoKeyringError):
        return AuthError("no usable keyring on this machine", NO_KEYRING_HINT)
    if isinstance(exc, KeyringLocked):
        return AuthError(f"the keyring is locked ({action})", "unlock it and retry; " + NO_KEYRING_HINT)
    if not isinstance(exc, Exception):
        return exc
    from vcc_cli.http import redact

    # A backend's words may quote what it was given (or read): the secret never goes out with them.
    said = redact(str(exc), secret)[:300]
    if isinstance(exc, KeyringError):
        return AuthError(f"the keyring failed while {action}: {said}", NO_KEYRING_HINT)
    # Backends raise what their libraries raise (D-Bus errors, OSError...).
    return AuthError(f"the keyring failed while {action}: {exc.__class__.__name__}: {said}", NO_KEYRING_HINT)


def _backend(env: Mapping[str, str] | None = None):
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise AuthError("no usable keyring on this machine", NO_KEYRING_HINT)
    chained = getattr(backend, "backends", None)
    if chained is not None and not chained:
        raise AuthError("no usable keyring on this machine", NO_KEYRING_HINT)
    # The backend that would receive the secret (a chain stores in its first one).
    storing = chained[0] if chained else backend
    if _priority(storing) < 1 and not _chosen_explicitly(env):
        # keyring itself calls backends below priority 1 "not recommended": in practice
        # keyrings.alt's PlaintextKeyring, a file in the home directory. Never silently.
        name = f"{storing.__class__.__module__}.{storing.__class__.__name__}"
        raise AuthError(
            f"no usable keyring on this machine (only {name}, which keyring does not recommend)",
            NO_KEYRING_HINT + f" (PYTHON_KEYRING_BACKEND={name} if you accept it)",
        )
    return backend


def _priority(backend) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return 0.0


def _chosen_explicitly(env: Mapping[str, str] | None) -> bool:
    """True when the person chose the backend: PYTHON_KEYRING_BACKEND or keyring's config file."""
    if (os.environ if env is None else env).get("PYTHON_KEYRING_BACKEND", "").strip():
        return True
    try:
        from keyring.core import load_config

        return load_config() is not None
    except Exception:
        return False


def backend_name(env: Mapping[str, str] | None = None) -> str:
    """A readable name for the keyring backend in use (may raise AuthError)."""
    backend = _with_time_limit("looking up the backend", lambda: _backend(env), env)
    return f"{backend.__class__.__module__}.{backend.__class__.__name__}"


def get_secret(profile: str, client_id: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The secret stored for ``profile``; AuthError when there is none."""
    secret = _with_time_limit("reading the secret", lambda: _backend(env).get_password(SERVICE, profile), env)
    if not secret:
        raise AuthError(
            f"no client secret in the keyring for profile {profile!r}",
            f"run `vcc login --profile {profile}`, or set VCC_CLIENT_ID and VCC_CLIENT_SECRET",
        )
    from vcc_cli.http import mask

    mask(secret)  # later errors quoting foreign text (the keyring's, a server's) hide it
    return secret


def set_secret(profile: str, secret: str, env: Mapping[str, str] | None = None) -> None:
    _with_time_limit("storing the secret", lambda: _backend(env).set_password(SERVICE, profile, secret), env, secret)


def delete_secret(profile: str, env: Mapping[str, str] | None = None) -> bool:
    """Remove the profile's secret; False when there was none."""

    def delete() -> bool:
        from keyring.errors import PasswordDeleteError

        from vcc_cli.http import mask

        backend = _backend(env)
        stored = backend.get_password(SERVICE, profile)
        if stored is None:
            return False
        mask(stored)  # a failing delete may quote it
        try:
            backend.delete_password(SERVICE, profile)
        except PasswordDeleteError:
            return False
        return True

    return _with_time_limit("deleting the secret", delete, env)
