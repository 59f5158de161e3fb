"""Rows several commands share: profile, region, timeout, scopes."""

from __future__ import annotations

from vcc_cli.cli import complete
from vcc_cli.cli.table import LIST, Opt, number
from vcc_cli.config import TIMEOUT_RANGE

PROFILE = Opt(
    ("--profile", "-p"),
    "profile",
    "Profile to use (else VCC_PROFILE, else 'default').",
    metavar="NAME",
    complete=complete.complete_profiles,
)
REGION = Opt(
    ("--region", "-r"),
    "region",
    "emea, nam or apac (else VCC_REGION, else the profile's).",
    metavar="REGION",
    complete=complete.complete_regions,
)
TIMEOUT = Opt(
    ("--timeout",),
    "timeout",
    "Connect and read timeout (else VCC_TIMEOUT, else 10 s / 60 s).",
    metavar="SECONDS",
    convert=number(*TIMEOUT_RANGE, unit="seconds"),
)
SCOPES = Opt(
    ("--scope", "-s"),
    "scopes",
    "Scope to ask for; repeat for several (see `vcc scopes`).",
    kind=LIST,
    metavar="SCOPE",
    complete=complete.complete_scopes,
)
