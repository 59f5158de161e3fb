"""TAB completion of option values: profiles, regions, scopes, call targets.

Each function is cheap to import and never raises: completion must not fail loudly."""

from __future__ import annotations


def complete_profiles(incomplete: str) -> list[str]:
    """Profile names from config.toml (nothing when it cannot be read)."""
    from vcc_cli.runtime import current

    try:
        names = current().config_file().profile_names()
    except Exception:  # completion must never fail loudly
        return []
    return [n for n in names if n.startswith(incomplete)]


def matching(values, incomplete: str) -> list[str]:
    """``values`` that start with ``incomplete`` in any case, spelt with the user's own
    prefix (the shell, and typer before it, keep only candidates that start with it)."""
    return [incomplete + v[len(incomplete) :] for v in values if v.lower().startswith(incomplete.lower())]


def complete_regions(incomplete: str) -> list[str]:
    from vcc_cli.config import REGIONS

    return matching(REGIONS, incomplete)


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
