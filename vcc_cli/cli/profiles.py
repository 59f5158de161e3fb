"""``vcc profiles``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import FLAG, Command, Opt
from vcc_cli.commands import profiles

COMMAND = Command(
    "profiles",
    profiles.ProfilesOptions,
    profiles.run,
    [
        Opt(
            ("--profile", "-p"),
            "profile",
            "Show only this profile (and mark it active).",
            metavar="NAME",
            complete=common.PROFILE.complete,
        ),
        Opt(("--json",), "json", "Machine-readable JSON (a stable shape, see below).", kind=FLAG),
    ],
    panel="Credentials",
    short_help="List the profiles: region, client, secret, scopes, tokens.",
    help="""List every profile with its region (or URLs), client ID, where its secret lives,
    default scopes and cached tokens, the active one marked with *.

    The active profile is the one vcc uses now: --profile, else VCC_PROFILE, else
    'default'. Variables that override the profiles (VCC_CLIENT_ID, VCC_TOKEN,
    VCC_REGION...) are named at the end. The keyring is asked whether it holds each
    secret (within VCC_KEYRING_TIMEOUT); a secret command is not run; no secret and
    no token is ever shown. No profiles: a note on stderr, exit 0.

    \b
    --json prints, every key always present (null when unknown):
      {"config_file", "active": {"name", "source", "configured"},
       "env_overrides": [{"variables", "replaces", "meaning"}],
       "keyring": null | {"backend", "answers", "problem"},
       "profiles": [{"name", "active", "region", "auth_url", "api_url",
         "client_id", "scopes", "problem",
         "secret": null | {"source": "keyring", "found", "problem"}
                        | {"source": "command", "command"},
         "tokens": [{"scopes", "expires_at", "expires_in", "expired",
                     "token_endpoint", "other_endpoint"}]}]}

    \b
    Examples:
      vcc profiles
      vcc profiles --json | jq -r '.profiles[].name'
    """,
)
