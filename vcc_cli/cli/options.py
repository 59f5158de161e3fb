"""Options shared by several commands, with their help text and TAB completion."""

from __future__ import annotations

from typing import Annotated

import typer


def complete_profiles(incomplete: str) -> list[str]:
    """Profile names from config.toml (nothing when it cannot be read)."""
    from vcc_cli import config

    try:
        names = config.ConfigFile(config.config_dir()).profile_names()
    except Exception:  # completion must never fail loudly
        return []
    return [n for n in names if n.startswith(incomplete)]


def complete_regions(incomplete: str) -> list[str]:
    from vcc_cli.config import REGIONS

    return [r for r in REGIONS if r.startswith(incomplete.lower())]


def complete_scopes(incomplete: str) -> list[tuple[str, str]]:
    from vcc_cli import catalog

    return [(s, catalog.describe_scope(s) or "") for s in catalog.all_scopes() if s.startswith(incomplete)]


def complete_call_target(incomplete: str) -> list[tuple[str, str]]:
    """A method, or a catalog path (prefixes and documented endpoint templates) for `vcc call`."""
    from vcc_cli import catalog

    if not incomplete.startswith("/"):
        methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
        case = str.lower if incomplete.islower() else str.upper  # any case is accepted: keep the user's
        return [(case(m), "") for m in methods if m.startswith(incomplete.upper())] or [("/", "a path")]
    seen: dict[str, str] = {}
    for api in catalog.APIS:
        seen.setdefault(api.prefix, api.name)
        for endpoint in api.endpoints:
            seen.setdefault(endpoint.path, f"{endpoint.method} {endpoint.summary or api.name}".strip())
    return [(path, help) for path, help in sorted(seen.items()) if path.lower().startswith(incomplete.lower())]


ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        autocompletion=complete_profiles,
        help="Profile to use (else VCC_PROFILE, else 'default').",
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        "-r",
        metavar="REGION",
        autocompletion=complete_regions,
        help="emea, nam or apac (else VCC_REGION, else the profile's).",
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", metavar="SECONDS", min=0.001, help="Connect and read timeout (else VCC_TIMEOUT, else 10 s / 60 s)."
    ),
]
Scopes = Annotated[
    list[str] | None,
    typer.Option(
        "--scope",
        "-s",
        metavar="SCOPE",
        autocompletion=complete_scopes,
        help="Scope to ask for; repeat for several (see `vcc scopes`).",
    ),
]
