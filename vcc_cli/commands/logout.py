"""``vcc logout``: remove a profile, its keyring entry and its cached tokens (safe to repeat)."""

from __future__ import annotations

from vcc_cli.cli.table import Options
from vcc_cli.errors import AuthError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime


class LogoutOptions(Options):
    profile: str | None
    all: bool


def run(opts: LogoutOptions, rt: Runtime) -> int:
    from vcc_cli import resolve

    if opts.all and opts.profile:
        raise UsageError("--profile and --all do not go together")
    cfg = rt.config_file()
    names = cfg.profile_names() if opts.all else [resolve.profile_name(opts.profile, rt.env)]
    cache = rt.token_cache()
    failures: list[str] = []
    for name in names:
        try:
            profile, damaged = cfg.get_profile(name), False
        except UsageError:  # a damaged table: logging out is how to get rid of it
            profile, damaged = None, True
        if profile and profile.client_id:
            cache.remove(_of_client(profile.client_id))
        # The secret first: while it cannot be removed the profile stays, so that
        # `vcc logout` run again still knows there is a secret to remove.
        try:
            rt.keyring.delete_secret(name)
        except AuthError as exc:
            # A profile whose secret comes from a command has none there (`vcc login
            # --secret-command` removed it): a keyring that cannot answer does not keep it.
            if (profile is not None and not profile.secret_command) or damaged:
                failures.append(f"{name}: {exc.message}")
                continue
        cfg.remove_profile(name)
        if damaged:
            rt.io.note(f"logged out of profile {name!r} (its table in the config file was damaged)")
        else:
            rt.io.note(f"logged out of profile {name!r}" if profile else f"profile {name!r} was not logged in")
    if failures:
        raise AuthError(
            "could not remove the secret from the keyring for " + "; ".join(failures),
            "unlock the keyring and run `vcc logout` again (the profile is kept until then)",
        )
    return 0


def _of_client(client_id: str):
    """A cache-entry predicate: the entries of ``client_id``."""
    return lambda entry: entry.client_id == client_id
