"""``vcc scopes``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import FLAG, Command, Opt
from vcc_cli.commands import scopes

COMMAND = Command(
    "scopes",
    scopes.ScopesOptions,
    scopes.run,
    [
        Opt(("--json",), "json", "Machine-readable JSON, with each API's documentation URL.", kind=FLAG),
        common.PROFILE,
    ],
    panel="Exploring",
    short_help="List the APIs with their scopes, path prefixes and versions.",
    help="""List every VCC API with its scopes, path prefix and Accept versions.

    "used for" names the methods each scope serves, and where an endpoint takes
    it in place of another scope (GETs of users accept users:write too).
    --json adds every endpoint with its accepted scopes, versions and paging.
    With a profile (or env credentials), also its default scopes and how long each
    cached token still lives.

    \b
    Examples:
      vcc scopes
      vcc scopes --json | jq -r '.[].scopes[].value'
    """,
)
