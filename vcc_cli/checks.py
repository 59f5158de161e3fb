"""The checks of ``vcc status``: every setting with where it came from, credentials,
keyring, files and their permissions, cached tokens, and the clock offset.

Nothing here prints; ``collect`` returns a ``Report`` the command renders.
"""

from __future__ import annotations

import email.utils
import os
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
    fix: str | None = None  # what to do when not ok (or when warn)
    facts: dict | None = None  # machine-readable details, in --json only (``offset_seconds``)
    #: ok for `vcc token`, yet worth fixing: shown as WARN with its fix, and not counted
    #: against readiness (an unusable cache: each run fetches a token, none is shared)
    warn: bool = False

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "value": self.value,
            "ok": self.ok,
            **({"warn": True} if self.warn else {}),
            **({"fix": self.fix} if self.fix else {}),
            **(self.facts or {}),
        }


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, value: str, ok: bool = True, fix: str | None = None, *, warn: bool = False) -> Check:
        check = Check(name, value, ok, fix, warn=warn)
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


def _other_cache_dir(env) -> str:
    """A directory to suggest for VCC_CACHE_DIR when the one in use cannot be written:
    the user's runtime dir when there is one, else a private one in /tmp (a sticky
    directory: vcc creates it 0700, and refuses one someone else made first)."""
    runtime_dir = env.get("XDG_RUNTIME_DIR", "")
    if runtime_dir.startswith("/"):
        return f"{runtime_dir.rstrip('/')}/vcc"
    uid = os.geteuid() if hasattr(os, "geteuid") else "me"
    return f"/tmp/vcc-cache-{uid}"


def _cache_dir(rt: Runtime, report: Report) -> None:
    """The token cache directory: trusted (SPEC section 2) and usable, that is writable
    when it exists, creatable when it does not. An unusable one does not stop `vcc token`
    (it fetches a token on every run, and parallel jobs no longer share one), but it is
    a WARN with its fix: `vcc token` works (status exits 0, as it answers), but the
    promise of the cache is broken, and the fix is a variable away."""
    cache_dir = rt.cache_dir
    move = f"set VCC_CACHE_DIR to a directory you can write, e.g. VCC_CACHE_DIR={_other_cache_dir(rt.env)}"
    if not os.path.lexists(cache_dir):  # also when a file further up is in the way
        blocker = _creation_blocker(cache_dir)
        if blocker is None:
            report.add("cache dir", f"{cache_dir}, not created yet (vcc creates it, mode 0700, on first use)")
        else:
            report.add(
                "cache dir",
                f"{cache_dir}, not created yet, and cannot be: {blocker[0]}; "
                "each `vcc token` fetches a new token, none is cached",
                fix=f"{blocker[1]}, or {move}",
                warn=True,
            )
        return
    desc, trusted, reason = _mode(cache_dir, directory=True)
    fix = None if trusted else f"{reason}: fix or remove {cache_dir}, or {move}"
    warn = False
    if trusted and not os.access(cache_dir, os.W_OK | os.X_OK):
        warn, fix = True, f"make it writable (chmod u+rwx {cache_dir}), or {move}"
        desc += "; not writable by you: each `vcc token` fetches a new token, none is cached"
    check = report.add("cache dir", f"{cache_dir}, {desc}", trusted, fix, warn=warn)
    _directories_above(check, cache_dir, "VCC_CACHE_DIR")


def _creation_blocker(directory: Path) -> tuple[str, str] | None:
    """(what stops it, what to do) when ``directory``, which does not exist, cannot be
    created: a file in the way, or a nearest existing directory that cannot be written."""
    path = os.path.abspath(directory)
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
        try:
            st = os.stat(path)
        except FileNotFoundError:
            continue
        except NotADirectoryError:  # a file further up: found on the way up
            continue
        except OSError as exc:
            return f"{path} cannot be examined ({exc.strerror})", f"check the permissions of {path}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{path} is a file, not a directory", f"remove or rename {path}"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"{path} is not writable", f"make {path} writable"
        return None


def duration_left(seconds: float) -> str:
    """``97 min left``, ``42 s left`` or ``expired``, for a lifetime in seconds."""
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
    _cache_dir(rt, report)

    try:
        inv = resolve.Invocation(rt, profile_option, region_option)
        inv.target  # noqa: B018 - resolved here, to report what fails
    except VccError as exc:
        report.add("region and URLs", exc.message, False, exc.hint)
        return report
    target = inv.target
    report.add("region", region_text(target))
    report.add("token endpoint", f"{target.token_endpoint} ({target.sources['auth_url']})")
    report.add("API URL", f"{target.api_url} ({target.sources['api_url']})")

    client_id = _credentials(rt, report, inv)
    if client_id is not None:
        _tokens(rt, report, target.token_endpoint, client_id)
    if check_clock:
        _clock(rt, report, target.token_endpoint)
    return report


def region_text(target) -> str:
    """The region and where it came from, as ``resolve.target`` decided it: a region's
    name when both URLs are that region's (``nam (config (profile default))``), else
    ``custom`` with where each URL came from; a region that was set but is not what the
    URLs are is named as such, never given as the source of a custom pair."""
    sources = target.sources
    if target.region != "custom":
        return f"{target.region} ({sources['region']})"
    given = sources.get("region")

    def origin(key: str, url: str) -> str:
        if given is not None and sources[key] == given:
            name = next((r for r, urls in config.REGIONS.items() if url in urls), None)
            return f"region {name} ({given})" if name else given
        return sources[key]

    auth, api = origin("auth_url", target.auth_url), origin("api_url", target.api_url)
    text = f"custom: both URLs from {auth}" if auth == api else f"custom: auth URL from {auth}, API URL from {api}"
    if given is not None and given not in (sources["auth_url"], sources["api_url"]):
        text += f" (the region set by {given} is not used: the URLs override it)"
    return text


def _credentials(rt: Runtime, report: Report, inv) -> str | None:
    """The credentials and keyring lines; the client ID, or None when there are no credentials.

    The secret is read as `vcc token` would read it (keyring, secret file, command), once:
    the credentials line is ok only when it could be, and the keyring line tells the
    same story (a keyring that failed never sits below "ok credentials")."""
    from vcc_cli import resolve

    token_set = bool(rt.env.get("VCC_TOKEN"))
    if token_set:
        report.add("VCC_TOKEN", "set: vcc uses it as is, with no fetch and no cache")
    try:
        creds = resolve.credentials(inv, token_allowed=False)
    except VccError as exc:
        report.add("credentials", exc.message, token_set, exc.hint)
        _keyring_line(rt, report, unused="no credentials use it")
        return None
    if creds.source == "env":
        where = "env VCC_CLIENT_ID + VCC_CLIENT_SECRET"
    elif creds.source == "env (secret file)":
        secret_file = resolve.shown_secret_file(rt.env.get("VCC_CLIENT_SECRET_FILE", ""))
        where = "env VCC_CLIENT_ID + VCC_CLIENT_SECRET_FILE" + (
            f" ({secret_file})" if secret_file else " (a value that names no file, not shown)"
        )
    elif creds.source.startswith("env"):
        where = f"env VCC_CLIENT_ID, secret from {_secret_origin(inv, creds)}"
    else:
        where = f"client ID from config (profile {inv.profile_name}), secret from {_secret_origin(inv, creds)}"
    check = report.add("credentials", f"client ID {creds.client_id}: {where}")
    from_keyring = creds.source == "keyring"
    backend, backend_error = _keyring_backend(rt)
    problem: VccError | None = None
    if from_keyring and backend_error is not None:
        problem = backend_error  # asked once: a hanging keyring costs its time limit once
    elif creds.source != "env":  # env has the secret itself; the others are read now
        try:
            creds.secret()
        except VccError as exc:
            problem = exc
    if problem is not None:
        check.ok, check.fix = token_set, problem.hint
        check.value += (", which cannot give it (see keyring)" if from_keyring else f": {problem.message}") + (
            " (not needed while VCC_TOKEN is set)" if token_set else ""
        )
    if from_keyring:
        if backend_error is not None:
            report.add("keyring", backend_error.message, token_set, backend_error.hint)
        elif problem is not None:
            report.add("keyring", f"{backend}: {problem.message}", token_set, problem.hint)
        else:
            report.add("keyring", f"{backend}: answers, secret for profile {inv.profile_name} found")
    else:
        unused = (
            "credentials come from the environment"
            if creds.source.startswith("env")
            else f"the secret comes from {_secret_origin(inv, creds)}"
        )
        _keyring_line(rt, report, unused=unused, answer=(backend, backend_error))
    return creds.client_id


def _secret_origin(inv, creds) -> str:
    """Where the secret of ``creds`` comes from, in words (nothing is run or read)."""
    from vcc_cli import resolve

    return "the keyring" if creds.source == "keyring" else resolve.secret_origin(inv, creds)


def _keyring_backend(rt: Runtime) -> tuple[str | None, VccError | None]:
    """(backend name, None) when the keyring answers (within its time limit), else (None, the error)."""
    try:
        return rt.keyring.backend_name(), None
    except VccError as exc:
        return None, exc


def _keyring_line(rt: Runtime, report: Report, *, unused: str, answer=None) -> None:
    """The keyring line when no secret is read from it: what it is, and why it does not matter now."""
    backend, error = answer if answer is not None else _keyring_backend(rt)
    if error is not None:
        report.add("keyring", f"{error.message} (not needed now: {unused})", True, error.hint)
    else:
        report.add("keyring", f"{backend} (not needed now: {unused})")


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
            f"{' '.join(entry.scopes) or '(no scope)'}: {duration_left(remaining if remaining is not None else 0)}"
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
    # Positive: the server's clock is ahead of this machine's.
    offset = parsed.timestamp() + 0.5 - (sent + received) / 2
    ok = abs(offset) < 60
    report.add(
        "clock offset",
        clock_offset_text(offset),
        ok,
        None if ok else "set the system clock (e.g. enable NTP): cached token lifetimes depend on it",
    ).facts = {"offset_seconds": round(offset, 1)}


def clock_offset_text(offset: float) -> str:
    """``offset`` (the token endpoint's clock minus this machine's, in seconds) in words
    that cannot be read backwards."""
    seconds = round(abs(offset))
    if seconds == 0:
        return "none: the token endpoint's clock agrees with this machine's (its Date header, ±1 s)"
    way = "ahead of" if offset > 0 else "behind"
    return f"the token endpoint's clock is {seconds} s {way} this machine's (its Date header, ±1 s)"
