"""Options shared by several commands, with their help text."""

from __future__ import annotations

from typing import Annotated

import typer

ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", "-p", metavar="NAME", help="Profile to use (else VCC_PROFILE, else 'default')."),
]
RegionOpt = Annotated[
    str | None,
    typer.Option("--region", "-r", metavar="REGION", help="emea, nam or apac (else VCC_REGION, else the profile's)."),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", metavar="SECONDS", min=0.001, help="Connect and read timeout (else VCC_TIMEOUT, else 10 s / 60 s)."
    ),
]
Scopes = Annotated[
    list[str] | None,
    typer.Option("--scope", "-s", metavar="SCOPE", help="Scope to ask for; repeat for several (see `vcc scopes`)."),
]
