"""vcc: the command-line tool for the Vonage Contact Center (VCC) APIs, and its Python API.

    from vcc_cli import Client
    client = Client()                     # resolves credentials as `vcc` does
    for item in client.paginate("/stats/agent-activities", {"start": "2026-11-01T00:00:00Z"}):
        ...

``Client`` and ``VccAuth`` are imported on first use (PEP 562), so ``import vcc_cli``
loads neither requests, rich, typer nor keyring.
"""

from vcc_cli.errors import ApiError, AuthError, ExitCode, NetworkError, TokenRefused, UsageError, VccError

__version__ = "0.1.0"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.client import Client
    from vcc_cli.requests_auth import VccAuth

__all__ = [
    "ApiError",
    "AuthError",
    "Client",
    "ExitCode",
    "NetworkError",
    "TokenRefused",
    "UsageError",
    "VccAuth",
    "VccError",
    "__version__",
]


def __getattr__(name: str) -> object:
    if name == "Client":
        from vcc_cli.client import Client

        return Client
    if name == "VccAuth":
        from vcc_cli.requests_auth import VccAuth

        return VccAuth
    raise AttributeError(f"module 'vcc_cli' has no attribute {name!r}")
