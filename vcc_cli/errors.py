"""Error types, each carrying the exit code SPEC section 6 gives it.

Errors are raised where the fact is found (which file, which scope, which
status) and rendered once, in ``main.guarded``, as one or two lines on stderr:
``message`` says what failed, ``hint`` what to do next.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    API_ERROR = 1
    USAGE = 2
    AUTH = 3
    NETWORK = 4
    INTERRUPTED = 130


class VccError(Exception):
    """Base class of every vcc error, a failure the user can act on: ``message`` says
    what failed, ``hint`` what to do next (or None), ``exit_code`` is the CLI's exit
    code for it."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(VccError):
    """Bad input: options, arguments, files, configuration (exit 2)."""

    exit_code = ExitCode.USAGE


class ShownUsage(UsageError):
    """Usage shown in full (``vcc`` alone prints its help): ``message`` is printed as is (exit 2)."""


class AuthError(VccError):
    """No credentials, no keyring, token endpoint refused, 401 after refresh (exit 3)."""

    exit_code = ExitCode.AUTH


class TokenRefused(AuthError):
    """The token endpoint answered an OAuth error (RFC 6749 5.2); ``code`` is its
    ``error`` value, e.g. ``invalid_scope`` (exit 3)."""

    def __init__(self, message: str, hint: str | None = None, *, code: str = ""):
        super().__init__(message, hint)
        self.code = code


class NetworkError(VccError):
    """Timeout, DNS, TLS, connection refused, unusable answer (exit 4)."""

    exit_code = ExitCode.NETWORK


class ApiError(VccError):
    """The API answered with status >= 400 (exit 1): ``status`` is that status and
    ``response`` the ``requests.Response``, where known."""

    exit_code = ExitCode.API_ERROR

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None, response: object = None):
        super().__init__(message, hint)
        self.status = status
        self.response = response
