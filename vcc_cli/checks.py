"""The checks of ``vcc status``: every setting with where it came from, credentials,
keyring, files and their permissions, cached tokens, and the clock offset.

Nothing here prints; ``collect`` returns a ``Report`` the command renders.
"""

from __future__ import annotations

import email.utils
import stat
from dataclasses import dataclass, field
from pathlib import Path

from vcc_cli import config
from vcc_cli.errors import VccError
from vcc_cli.runtime import Runtime


@dataclass
class Check:
    name: str
    value: str
    ok: bool = True
    fix: str | None = None  # what to do when not ok

    def as_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "ok": self.ok, **({"fix": self.fix} if self.fix else {})}


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, value: str, ok: bool = True, fix: str | None = None) -> Check:
        check = Check(name, value, ok, fix)
        self.checks.append(check)
        return check

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def fixes(self) -> list[str]:
        return [c.fix for c in self.checks if not c.ok and c.fix]


def _mode(path: Path, directory: bool) -> tuple[str, bool, str | None]:
    """(description, usable, reason) for the config file or the cache directory."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "not created yet", True, None
    except OSError as exc:
        return f"unreadable ({exc.strerror})", False, "it cannot be read"
    if directory != stat.S_ISDIR(st.st_mode):
        kind = "a directory" if directory else "a file"
        return f"not {kind}", False, f"it must be {kind}"
    reason = config.untrusted_reason(st)
    return f"mode {stat.S_IMODE(st.st_mode):04o}", reason is None, reason


def _directories_above(check: Check, directory: Path, setting: str) -> None:
    """Fail ``check`` when ``directory`` or one above it lets others swap its files (as
    the cache and config refuse to use it): the same rule, the same fix."""
    if not check.ok:
        return
    problem = config.untrusted_directory(str(directory), setting)
    if problem is not None:
        check.ok, check.fix = False, problem.fix
        check.value += f"; not trusted: {problem}"


def _duration(seconds: float) -> str:
    if seconds <= 0:
        return "expired"
    if seconds < 120:
        return f"{seconds:.0f} s left"
    return f"{seconds / 60:.0f} min left"


def collect(rt: Runtime, profile_option: str | None, region_option: str | None, check_clock: bool = True) -> Report:
    from vcc_cli import resolve

    report = Report()
    env = rt.env
    name = resolve.profile_name(profile_option, env)
    source = "option --profile" if profile_option else "env VCC_PROFILE" if env.get("VCC_PROFILE") else "default"
    report.add("profile", f"{name} ({source})")

    cfg = rt.config_file()
    desc, trusted, reason = _mode(cfg.path, directory=False)
    check = report.add(
        "config file",
        f"{cfg.path}, {desc}",
        trusted,
        None if trusted else f"{reason}: check it, then chmod 600 {cfg.path}",
    )
    _directories_above(check, cfg.directory, "VCC_CONFIG_DIR")
    cache_dir = rt.cache_dir
    desc, trusted, reason = _mode(cache_dir, directory=True)
    check = report.add(
        "cache dir",
        f"{cache_dir}, {desc}",
        trusted,
        None if trusted else f"{reason}: fix or remove {cache_dir}, or set VCC_CACHE_DIR",
    )
    _directories_above(check, cache_dir, "VCC_CACHE_DIR")

    try:
        inv = resolve.Invocation(rt, profile_option, region_option)
        inv.target  # noqa: B018 - resolved here, to report what fails
    except VccError as exc:
        report.add("region and URLs", exc.message, False, exc.hint)
        return report
    target = inv.target
    report.add("region", f"{target.region} ({target.sources.get('region', 'from the URLs')})")
    report.add("token endpoint", f"{target.token_endpoint} ({target.sources['auth_url']})")
    report.add("API URL", f"{target.api_url} ({target.sources['api_url']})")

    client_id, credential_source = _credentials(rt, report, inv)
    _keyring(rt, report, inv, needed=credential_source == "keyring")
    if client_id is not None:
        _tokens(rt, report, target.token_endpoint, client_id)
    if check_clock:
        _clock(rt, report, target.token_endpoint)
    return report


def _credentials(rt: Runtime, report: Report, inv) -> tuple[str | None, str | None]:
    """(client ID, where the secret comes from), or (None, None) when credentials are missing."""
    if rt.env.get("VCC_TOKEN"):
        report.add("VCC_TOKEN", "set: vcc uses it as is, with no fetch and no cache")
    from vcc_cli import resolve

    try:
        creds = resolve.credentials(inv, token_allowed=False)
    except VccError as exc:
        report.add("credentials", exc.message, bool(rt.env.get("VCC_TOKEN")), exc.hint)
        return None, None
    secret_file = resolve.shown_secret_file(rt.env.get("VCC_CLIENT_SECRET_FILE", ""))
    where = {
        "env": "env VCC_CLIENT_ID + VCC_CLIENT_SECRET",
        "env (secret file)": "env VCC_CLIENT_ID + VCC_CLIENT_SECRET_FILE"
        + (f" ({secret_file})" if secret_file else " (a value that names no file, not shown)"),
        "keyring": f"client ID from config (profile {inv.profile_name}), secret from the keyring",
    }[creds.source]
    check = report.add("credentials", f"client ID {creds.client_id}: {where}")
    if creds.source == "env (secret file)":
        try:
            creds.secret()
        except VccError as exc:
            check.ok, check.fix = False, exc.hint
            check.value += f": {exc.message}"
    return creds.client_id, creds.source


def _keyring(rt: Runtime, report: Report, inv, needed: bool) -> None:
    try:
        backend = rt.keyring.backend_name()
    except VccError as exc:
        report.add(
            "keyring",
            f"{exc.message}" + ("" if needed else " (not needed: credentials come from the environment)"),
            not needed,
            exc.hint,
        )
        return
    if not needed:
        report.add("keyring", f"{backend} (not needed now: credentials come from the environment)")
        return
    try:
        rt.keyring.get_secret(inv.profile_name)
    except VccError as exc:
        report.add("keyring", f"{backend}: {exc.message}", False, exc.hint)
        return
    report.add("keyring", f"{backend}: answers, secret for profile {inv.profile_name} found")


def _tokens(rt: Runtime, report: Report, endpoint: str, client_id: str) -> None:
    now = rt.clock()
    entries = rt.token_cache().entries_for(endpoint, client_id)
    if not entries:
        report.add("cached tokens", "none")
        return
    parts = []
    for entry in sorted(entries, key=lambda e: e.scopes):
        remaining = entry.token.remaining(now)
        parts.append(
            f"{' '.join(entry.scopes) or '(no scope)'}: {_duration(remaining if remaining is not None else 0)}"
        )
    report.add("cached tokens", "; ".join(parts))


def _clock(rt: Runtime, report: Report, endpoint: str) -> None:
    """Compare the local clock with the token endpoint's Date header (1 s resolution)."""
    from vcc_cli.http import send

    try:
        session = rt.session
        sent = rt.clock()
        # Only the headers are wanted: the body is never read (a server dripping one must not hold status).
        response = send(session, "GET", endpoint, timeout=(5.0, 5.0), allow_redirects=False, stream=True)
        received = rt.clock()
        response.close()
    except VccError as exc:
        report.add("token endpoint reachable", exc.message, False, exc.hint)
        return
    date = response.headers.get("Date")
    try:
        parsed = email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        report.add("clock offset", f"unknown: the token endpoint sent no usable Date header ({date or 'none'})")
        return
    # Date is truncated to the second: its true instant is half a second later on average.
    offset = parsed.timestamp() + 0.5 - (sent + received) / 2
    ok = abs(offset) < 60
    report.add(
        "clock offset",
        f"{offset:+.0f} s against the token endpoint's Date header (±1 s)",
        ok,
        None if ok else "set the system clock (e.g. enable NTP): cached token lifetimes depend on it",
    )
