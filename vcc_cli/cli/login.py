"""``vcc login`` and ``vcc logout``: their option tables and help."""

from __future__ import annotations

from vcc_cli.cli import common
from vcc_cli.cli.table import FLAG, Command, Opt
from vcc_cli.commands import login, logout


def _command_line(text: str) -> tuple[str, ...]:
    from vcc_cli.tokens.secret_command import split_command_line

    return split_command_line(text, "--secret-command")


LOGIN = Command(
    "login",
    login.LoginOptions,
    login.run,
    [
        common.PROFILE,
        common.REGION,
        Opt(("--client-id",), "client_id", "Client ID from VCC's API Admin (prompted when missing).", metavar="ID"),
        Opt(
            ("--client-secret-stdin",),
            "client_secret_stdin",
            "Read the client secret from the first line of stdin.",
            kind=FLAG,
        ),
        Opt(
            ("--secret-command",),
            "secret_command",
            "A command that prints the secret (a password manager: 'pass show vcc/prod'), "
            "saved in the profile instead of a secret in the keyring; split as a shell would, run without one.",
            metavar="CMD",
            convert=_command_line,
        ),
        common.SCOPES,
        Opt(("--auth-url",), "auth_url", "Custom auth base URL (saved in the profile).", metavar="URL"),
        Opt(("--api-url",), "api_url", "Custom API base URL (saved in the profile).", metavar="URL"),
        Opt(("--no-verify",), "no_verify", "Store without asking the token endpoint first.", kind=FLAG),
        common.TIMEOUT,
    ],
    panel="Credentials",
    short_help="Save credentials: client ID in config, secret in the OS keyring.",
    help="""Save a profile: client ID in config.toml, secret in the OS keyring (verified first).

    Prompts for what is missing; the secret is never taken as an argument. Without a
    keyring (WSL, containers, servers), --secret-command names a password manager's
    command instead: vcc runs it (no shell, within VCC_KEYRING_TIMEOUT, 5 s) and uses the
    first line it prints.

    \b
    Examples:
      vcc login --region emea --client-id abcde -s stats
      vcc login --profile ci --region nam --client-id abcde --client-secret-stdin < secret.txt
      vcc login --region emea --client-id abcde --secret-command 'pass show vcc/prod'
    """,
)

LOGOUT = Command(
    "logout",
    logout.LogoutOptions,
    logout.run,
    [common.PROFILE, Opt(("--all",), "all", "Log out of every profile.", kind=FLAG)],
    panel="Credentials",
    short_help="Remove a profile, its secret and its cached tokens.",
    help="""Remove a profile, its keyring entry and its cached tokens (safe to repeat).

    \b
    Examples:
      vcc logout --profile staging
      vcc logout --all
    """,
)
