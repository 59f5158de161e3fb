"""SPEC sections 2 and 7, files in hostile surroundings: what `-o` names is written in
place when it cannot be replaced (a device, a FIFO, /dev/stdout), a FIFO or device met
where vcc reads its cache or config is refused unread and never waited on, parallel
`vcc login` runs keep each other's profiles, and a directory others can write to (or
one below such a directory) is not trusted, as ssh's StrictModes."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import threading
import time
import tomllib
from pathlib import Path

import pytest

from tests.conftest import CI_ENV, TOKEN_URL, token_answer
from tests.support.body_server import serve
from tests.support.locked_file_keyring import read_entries
from tests.support.processes import TESTS, clean_env, run_together, run_vcc, vcc_argv
from vcc_cli.config import ConfigFile, Profile
from vcc_cli.download import save
from vcc_cli.emulator import DEFAULT_CLIENT, Emulator
from vcc_cli.errors import AuthError, UsageError
from vcc_cli.tokens import Token
from vcc_cli.tokens.cache import TokenCache, cache_key

REC = "/interaction-content/interactions/g1/content/callRecording"
BODY = b"RIFF" + bytes(range(256)) * 1000
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (to give files away, or a mount namespace)")


@pytest.fixture
def api():
    with serve(BODY) as server:
        yield server


def call_env(home: Path, api_url: str, **extra: str) -> dict[str, str]:
    return clean_env(home, VCC_API_URL=api_url, VCC_AUTH_URL=api_url, VCC_TOKEN="t", **extra)


# --------------------------------------------------------------------------- -o: written in place


def test_o_through_a_link_to_vcc_own_stdout_writes_there_and_keeps_the_link(api, tmp_path):
    """`-o out` where out -> /proc/self/fd/1: the body reaches vcc's stdout (a file,
    opened for appending), and the link is not replaced by a regular file."""
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    captured = tmp_path / "stdout.txt"
    captured.write_bytes(b"earlier line\n")
    with open(captured, "ab") as stdout:
        done = subprocess.run(
            [*vcc_argv(), "call", REC, "-o", str(link)],
            env=call_env(tmp_path / "home", api.url),
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert captured.read_bytes() == b"earlier line\n" + BODY  # appended, as `>>` asked


def test_o_to_vcc_own_stdout_whose_reader_goes_away_is_exit_0_as_for_stdout(tmp_path):
    """`vcc call … -o /dev/stdout | head -c 10`: a closed reader is not an error."""
    link = tmp_path / "out"
    link.symlink_to("/proc/self/fd/1")
    with serve(b"x" * 3_000_000) as server:
        proc = subprocess.Popen(
            [*vcc_argv(), "call", REC, "-o", str(link)],
            env=call_env(tmp_path / "home", server.url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert len(proc.stdout.read(10)) == 10
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=30) == 0, stderr
    assert "error" not in stderr and "Traceback" not in stderr


CALL_DEV_STDOUT = ("call", REC, "-o", "/dev/stdout")


@needs_root
def test_o_dev_stdout_as_root_writes_to_stdout_and_leaves_dev_alone(api, tmp_path):
    """`vcc call … -o /dev/stdout >> file` as root: vcc could create files in /dev and
    rename one over /dev/stdout. Run in a mount namespace of its own with a throwaway
    /dev, so that even a regression cannot touch the machine's."""
    probe = ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs vcc-probe /mnt"]
    if not shutil.which("unshare") or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("no mount namespaces here")
    script = (
        "mount -t tmpfs vcc-test-dev /dev && ln -s /proc/self/fd/1 /dev/stdout && "
        '"$@"; code=$?; [ -L /dev/stdout ] || echo "/dev/stdout was replaced" >&2; '
        '[ -z "$(ls -A /dev | grep -v "^stdout$")" ] || echo "left in /dev: $(ls -A /dev)" >&2; exit $code'
    )
    captured = tmp_path / "stdout.txt"
    captured.write_bytes(b"earlier line\n")
    with open(captured, "ab") as stdout:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *vcc_argv(), *CALL_DEV_STDOUT],
            env=call_env(tmp_path / "home", api.url),
            stdout=stdout,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    err = done.stderr.decode()
    assert done.returncode == 0 and "replaced" not in err and "left in /dev" not in err, err
    assert captured.read_bytes() == b"earlier line\n" + BODY


def test_o_to_a_fifo_is_opened_only_when_the_first_bytes_are_there(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so that a writer's open would not block
    writers_before_the_body = []

    def chunks():
        try:
            writers_before_the_body.append(os.read(reader, 1) != b"")  # b"": no writer yet
        except BlockingIOError:  # a writer holds it open, with nothing written
            writers_before_the_body.append(True)
        yield b"first"

    try:
        assert save(chunks(), fifo, reader_wait=5) == 5
        assert writers_before_the_body == [False] and os.read(reader, 100) == b"first"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # written to, not replaced


def test_o_to_a_fifo_nobody_reads_gives_up_with_a_message_instead_of_hanging(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[BaseException | int] = []

    def attempt():
        try:
            outcome.append(save([b"bytes"], fifo, reader_wait=0.5))
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=attempt, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(10)
    if worker.is_alive():  # the old code: blocked in open() for good; let the test end
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        pytest.fail("save() blocked on a FIFO nobody reads")
    (error,) = outcome
    assert isinstance(error, UsageError) and "FIFO" in error.message and "reading" in error.message
    assert time.monotonic() - started < 5 and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_o_to_a_fifo_gives_the_body_to_a_reader_that_comes_later(api, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [*vcc_argv(), "call", REC, "-o", str(fifo)],
        env=call_env(tmp_path / "home", api.url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(1)  # vcc has the body and waits for a reader, without blocking for good
        with open(fifo, "rb") as reader:
            received = reader.read()
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert received == BODY and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_o_to_a_socket_is_refused_with_a_message(api, tmp_path):
    path = tmp_path / "s"
    plant("socket", path)
    done = run_vcc("call", REC, "-o", str(path), env=call_env(tmp_path / "home", api.url), expect_error=2)
    assert "socket" in done.stderr and stat.S_ISSOCK(os.lstat(path).st_mode)


# --------------------------------------------------------------------------- non-regular files where vcc reads


@pytest.fixture
def emulator():
    with Emulator() as emu:
        yield emu


def token_env(tmp_path: Path, emulator, **extra: str) -> dict[str, str]:
    return clean_env(
        tmp_path / "home",
        VCC_AUTH_URL=emulator.url,
        VCC_API_URL=emulator.url,
        VCC_CLIENT_ID=DEFAULT_CLIENT.client_id,
        VCC_CLIENT_SECRET=DEFAULT_CLIENT.secret,
        **extra,
    )


def plant(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":  # bound at a short name (AF_UNIX names are short), then moved
        short = f"/tmp/vcc-test-{os.getpid()}-{time.monotonic_ns()}.sock"
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(short)
        os.rename(short, path)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(kind)


@pytest.mark.parametrize("name", ["own-key", "other"])
@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_fifo_or_socket_planted_in_the_cache_is_a_miss_never_waited_on(tmp_path, emulator, kind, name):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    key = cache_key(f"{emulator.url}/Auth/connect/token", DEFAULT_CLIENT.client_id, ["stats"])
    plant(kind, cache / (f"{key}.json" if name == "own-key" else "other.json"))
    try:
        done = run_vcc("token", "-s", "stats", env=token_env(tmp_path, emulator), timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"vcc token waited on a {kind} in the cache")
    assert done.stdout.strip() and "Traceback" not in done.stderr
    if kind == "fifo":
        assert "not a regular file" in done.stderr


CONFIG_KINDS = {"fifo": "a FIFO", "directory": "a directory", "/dev/zero": "a device", "/dev/null": "a device"}


@pytest.mark.parametrize("kind", CONFIG_KINDS)
@pytest.mark.parametrize(
    "args", [("token", "-s", "stats"), ("login", "--client-id", "c", "--client-secret-stdin", "--no-verify")]
)
def test_a_config_file_that_is_no_regular_file_is_refused_unread(tmp_path, emulator, kind, args):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    plant(kind, config / "config.toml")
    env = clean_env(tmp_path / "home", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    try:
        done = run_vcc(*args, env=env, stdin=b"s3cr3t\n", timeout=30, expect_error=2)
    except subprocess.TimeoutExpired:
        pytest.fail(f"vcc {args[0]} waited on a config.toml that is {kind}")
    assert f"refusing to use {config / 'config.toml'}" in done.stderr
    assert f"it is {CONFIG_KINDS[kind]}, not a regular file" in done.stderr


# --------------------------------------------------------------------------- parallel config updates


SECRET_ON_STDIN = ("--client-secret-stdin", "--no-verify")


def test_16_parallel_logins_keep_every_profile_and_leave_no_orphan_secret(tmp_path):
    keyring_file = tmp_path / "keyring.json"
    env = clean_env(
        tmp_path / "home",
        PYTHON_KEYRING_BACKEND="support.locked_file_keyring.LockedFileKeyring",
        VCC_TEST_KEYRING_FILE=str(keyring_file),
        PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    names = [f"p{i:02d}" for i in range(16)]
    runs = [
        dict(
            args=("login", "--profile", n, "--region", "emea", "--client-id", f"client-{n}", *SECRET_ON_STDIN),
            env=env,
            stdin=f"secret-{n}\n".encode(),
            timeout=120,
        )
        for n in names
    ]
    run_together(*runs)
    profiles = tomllib.loads((tmp_path / "config" / "config.toml").read_text())["profiles"]
    assert sorted(profiles) == names
    assert all(profiles[n]["client_id"] == f"client-{n}" for n in names)
    secrets = read_entries(keyring_file)
    assert secrets == {f"vcc-cli/{n}": f"secret-{n}" for n in names}  # one per profile, none orphaned


LOGIN = ("login", "--profile", "new", "--region", "apac", "--client-id", "new-client", "--client-secret-stdin")


def test_a_failed_login_takes_back_its_profile_and_only_its_own(vcc, keyring_store, tmp_path, monkeypatch):
    """Between this login's profile and its keyring failure another process logs in:
    the undo removes `new` and keeps `other` (the old undo restored a snapshot)."""

    def locked(profile, secret):
        ConfigFile(tmp_path / "config").save_profile(Profile("other", "emea", "other-client"))
        raise AuthError("the keyring is locked (storing the secret)", "unlock it and retry")

    monkeypatch.setattr(keyring_store, "set_secret", locked)
    vcc(*LOGIN, "--no-verify", stdin="s3cr3t\n", expect_error=3)
    cfg = ConfigFile(tmp_path / "config")
    assert cfg.profile_names() == ["other"] and cfg.get_profile("other").client_id == "other-client"


def test_taking_a_login_back_leaves_the_profile_when_another_login_rewrote_it(tmp_path):
    cfg = ConfigFile(tmp_path / "config")
    cfg.save_profile(Profile("shared", "emea", "first"))
    undo = cfg.save_profile(Profile("shared", "emea", "mine"))
    ConfigFile(tmp_path / "config").save_profile(Profile("shared", "nam", "theirs"))
    undo()
    assert cfg.get_profile("shared") == Profile("shared", "nam", "theirs")


def test_taking_a_login_back_puts_the_previous_profile_back(tmp_path):
    cfg = ConfigFile(tmp_path / "config")
    cfg.save_profile(Profile("shared", "emea", "first", ("stats",)))
    undo = cfg.save_profile(Profile("shared", "nam", "mine"))
    ConfigFile(tmp_path / "config").save_profile(Profile("other", "nam", "theirs"))
    undo()
    assert cfg.get_profile("shared") == Profile("shared", "emea", "first", ("stats",))
    assert cfg.get_profile("other") == Profile("other", "nam", "theirs")


# --------------------------------------------------------------------------- directories others can write to


def put_entry(directory: Path, token: str, now: float) -> Path:
    cache = TokenCache(directory, clock=lambda: now)
    return cache.put(TOKEN_URL, CI_ENV["VCC_CLIENT_ID"], ["stats"], Token(token, "Bearer", ("stats",), now + 3600), now)


def test_a_sticky_world_writable_cache_dir_is_neither_read_nor_written(vcc, mock_http, tmp_path, clock):
    cache = tmp_path / "cache"
    planted = put_entry(cache, "planted-by-someone", clock.now)
    cache.chmod(0o1777)  # /tmp-like: anyone can create the lock or plant an entry
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    result = vcc("token", "-s", "stats", env=CI_ENV)
    assert result.stdout == "fetched\n"
    assert f"{cache} is writable by other users" in result.stderr and f"chmod 700 {cache}" in result.stderr
    assert "not cached" in result.stderr
    assert sorted(p.name for p in cache.iterdir()) == [planted.name]  # no lock, no entry written
    assert stat.S_IMODE(cache.stat().st_mode) == 0o1777  # vcc does not change it behind the user's back


@pytest.mark.parametrize("mode", [0o777, 0o773])
def test_a_cache_dir_below_a_directory_others_can_write_is_not_trusted(vcc, mock_http, tmp_path, clock, mode):
    """Others could rename the private cache dir away and put their own in its place."""
    shared = tmp_path / "shared"
    cache = shared / "vcc"
    put_entry(cache, "planted-by-someone", clock.now)
    shared.chmod(mode)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(cache)})
    assert result.stdout == "fetched\n"
    assert f"{shared} (above {cache}) is writable by other users" in result.stderr
    assert f"chmod go-w {shared}" in result.stderr and "VCC_CACHE_DIR" in result.stderr


def test_a_cache_dir_reached_through_a_link_others_could_replace_is_not_trusted(vcc, mock_http, tmp_path, clock):
    private = tmp_path / "private" / "vcc"
    put_entry(private, "planted-by-someone", clock.now)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "vcc").symlink_to(private)
    shared.chmod(0o777)  # anyone can point shared/vcc elsewhere
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(shared / "vcc")})
    assert result.stdout == "fetched\n" and f"{shared} (above {shared / 'vcc'}) is writable" in result.stderr


def test_a_cache_dir_below_a_sticky_directory_is_trusted(vcc, mock_http, tmp_path, clock):
    """/tmp-like: others can add names there but not move or remove the user's."""
    sticky = tmp_path / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)
    cache = sticky / "vcc"
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    env = {**CI_ENV, "VCC_CACHE_DIR": str(cache)}
    assert vcc("token", "-s", "stats", env=env).stdout == "fetched\n"
    assert vcc("token", "-s", "stats", env=env).stdout == "fetched\n" and len(mock_http.calls) == 1


@needs_root
def test_a_cache_dir_below_another_users_directory_is_not_trusted(vcc, mock_http, tmp_path, clock):
    theirs = tmp_path / "theirs"
    cache = theirs / "vcc"
    put_entry(cache, "planted-by-someone", clock.now)
    os.chown(theirs, 65534, 65534)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    result = vcc("token", "-s", "stats", env={**CI_ENV, "VCC_CACHE_DIR": str(cache)})
    assert result.stdout == "fetched\n" and f"{theirs} (above {cache}) belongs to another user" in result.stderr


@needs_root
def test_a_group_writable_directory_above_counts_only_when_the_group_is_the_users_own(vcc, mock_http, tmp_path):
    import grp
    import pwd

    group = tmp_path / "group"
    cache = group / "vcc"
    cache.mkdir(parents=True)
    group.chmod(0o775)
    mock_http.post(TOKEN_URL, json=token_answer("fetched"))
    env = {**CI_ENV, "VCC_CACHE_DIR": str(cache)}
    os.chown(group, 0, 65534)  # a group the user is not the one member of
    assert "is writable by its group" in vcc("token", "-s", "stats", env=env).stderr
    user = pwd.getpwuid(0)
    members = {u.pw_name for u in pwd.getpwall() if u.pw_gid == user.pw_gid} | set(grp.getgrgid(user.pw_gid).gr_mem)
    if members != {user.pw_name}:
        pytest.skip("root's group has other members here")
    os.chown(group, 0, user.pw_gid)  # a user private group (umask 002 systems), as Debian's ssh allows
    result = vcc("token", "-s", "stats", env=env)
    assert "not cached" not in result.stderr and list(cache.glob("*.json"))


def test_a_config_dir_below_a_directory_others_can_write_is_refused_for_writes_and_reads(vcc, tmp_path):
    shared = tmp_path / "shared"
    config = shared / "vcc"
    ConfigFile(config).save_profile(Profile("default", "emea", "cid"))
    shared.chmod(0o777)
    env = {"VCC_CONFIG_DIR": str(config)}
    written = vcc(*LOGIN, "--no-verify", env=env, stdin="s3cr3t\n", expect_error=2)
    read = vcc("token", "-s", "stats", env=env, expect_error=2)
    for result in (written, read):
        assert f"{shared} (above {config}) is writable by other users" in result.stderr
        assert f"chmod go-w {shared}" in result.stderr and "VCC_CONFIG_DIR" in result.stderr
    shared.chmod(0o755)
    assert ConfigFile(config).profile_names() == ["default"]  # the file itself was left alone


def test_a_config_dir_others_can_write_is_refused(vcc, tmp_path):
    config = tmp_path / "config"
    ConfigFile(config).save_profile(Profile("default", "emea", "cid"))
    config.chmod(0o1777)
    result = vcc("token", "-s", "stats", expect_error=2)
    assert f"{config} is writable by other users" in result.stderr and f"chmod 700 {config}" in result.stderr


def test_a_symlink_planted_at_the_token_lock_is_not_followed(tmp_path, emulator):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    key = cache_key(f"{emulator.url}/Auth/connect/token", DEFAULT_CLIENT.client_id, ["stats"])
    (cache / f"{key}.lock").symlink_to(victim)
    done = run_vcc("token", "-s", "stats", env=token_env(tmp_path, emulator))
    assert done.stdout.strip() and victim.read_text() == "precious\n"


def test_a_symlink_planted_at_the_config_lock_is_not_followed(vcc, tmp_path):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (config / "config.toml.lock").symlink_to(victim)
    vcc(*LOGIN, "--no-verify", stdin="s3cr3t\n", expect_error=True)
    assert victim.read_text() == "precious\n"


def test_filelock_is_required_at_a_version_that_does_not_follow_a_planted_symlink():
    """filelock 3.12 opens the lock file following a symlink, truncating its target."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    (requirement,) = [r for r in pyproject["project"]["dependencies"] if r.startswith("filelock")]
    minimum = tuple(int(part) for part in requirement.split(">=")[1].split(",")[0].split("."))
    assert minimum >= (3, 13), requirement


# --------------------------------------------------------------------------- a config.toml nested too deeply


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 100_000 + "]" * 100_000 + "\n", "a = " + "{b = " * 100_000 + "1" + "}" * 100_000 + "\n"],
    ids=["arrays", "inline-tables"],
)
def test_a_config_file_nested_too_deeply_is_a_usage_error_naming_it(vcc, tmp_path, text):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    (config / "config.toml").write_text(text)
    (config / "config.toml").chmod(0o600)
    result = vcc("token", "-s", "stats", expect_error=2)
    assert str(config / "config.toml") in result.stderr and "nested too deeply" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def test_a_config_dir_others_could_swap_is_no_reason_to_fail_while_it_holds_no_config(vcc, tmp_path):
    """Nothing there to trust: with credentials in the environment, a call works as without a config."""
    shared = tmp_path / "shared"
    (shared / "vcc").mkdir(parents=True, mode=0o700)
    shared.chmod(0o777)
    env = {"VCC_CONFIG_DIR": str(shared / "vcc"), "VCC_TOKEN": "tok-abcdefgh", "VCC_REGION": "emea"}
    assert vcc("call", "/agents-availability", "--dry-run", env=env).stdout.startswith("curl ")
    shared.chmod(0o755)


def test_a_link_to_a_regular_file_under_dev_is_written_complete_or_not_at_all(tmp_path):
    """Only what cannot be replaced is written in place: a regular file a link puts in
    /dev/shm gets the atomic write of any -o file, so a failed download leaves nothing."""
    import os

    from vcc_cli.download import in_place

    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm here")
    target = f"/dev/shm/vcc-test-{os.getpid()}.wav"
    open(target, "wb").close()
    try:
        (tmp_path / "out.wav").symlink_to(target)
        assert in_place(tmp_path / "out.wav") is None
        assert in_place(tmp_path / "stdout") is None and in_place(Path("/dev/null")) == "/dev/null"
    finally:
        os.unlink(target)
