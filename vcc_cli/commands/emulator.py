"""``vcc emulator``: a local VCC on loopback, to try vcc or test scripts without an account."""

from __future__ import annotations

import signal

from vcc_cli.cli.table import Options
from vcc_cli.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vcc_cli.runtime import Runtime

TOKEN_TTL = 7200  # seconds: VCC's token lifetime
MIN_SCALE, MAX_SCALE = 0.001, 10_000  # the emulator's (emulator.data); not imported here, to keep --help fast


class EmulatorOptions(Options):
    host: str
    port: int
    token_ttl: int
    clients: list[str]
    recording_size: int | None
    scale: float
    rate_limit: int
    verbose: bool


def run(opts: EmulatorOptions, rt: Runtime) -> int:
    from vcc_cli.config import is_loopback
    from vcc_cli.emulator import DEFAULT_CLIENT, DEFAULT_RECORDING_SIZE, Emulator, parse_client

    io = rt.io
    specs = [spec.strip() for value in opts.clients for spec in value.split(";") if spec.strip()]
    try:
        clients = [parse_client(spec) for spec in specs] or [DEFAULT_CLIENT]
    except ValueError as exc:
        raise UsageError(
            f"bad --client: {exc}", "write it as ID:SECRET:SCOPE[,SCOPE…], e.g. abcde:12345:stats"
        ) from None
    try:
        emulator = Emulator(
            host=opts.host,
            port=opts.port,
            clients=clients,
            token_ttl=opts.token_ttl,
            recording_size=DEFAULT_RECORDING_SIZE if opts.recording_size is None else opts.recording_size,
            log=io.note if opts.verbose else None,
            scale=opts.scale,
            rate_limit=opts.rate_limit,
        )
    except OSError as exc:
        where = f"[{opts.host}]" if ":" in opts.host else opts.host
        raise UsageError(
            f"cannot listen on {where}:{opts.port}: {exc.strerror or exc}", _listen_hint(exc, opts.port)
        ) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not is_loopback(opts.host):
        io.note(f"warning: listening on {opts.host}, not loopback: other machines can reach this emulator")
        if not is_loopback(emulator.local_host):  # a wildcard's URL names loopback already
            io.note(
                f"note: vcc accepts plain http only on loopback and will refuse {emulator.url}; "
                "--host 0.0.0.0 also listens on 127.0.0.1"
            )

    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:  # Ctrl-C (or SIGTERM) at any moment from here on is a normal stop
        io.note(f"VCC emulator at {emulator.url} (token endpoint {emulator.url}/Auth/connect/token); Ctrl-C stops it")
        for client in clients:
            io.note(f"client {client.client_id}: scopes {' '.join(sorted(client.scopes))}")
        if opts.scale != 1:
            io.note(f"sample data at scale {opts.scale:g}: {opts.scale:g} times as many activities and interactions")
        if opts.rate_limit:
            io.note(f"fair usage: {opts.rate_limit} API requests a minute per client, then 429")
        # stdout: what a shell needs to point vcc at it (the demo client's secret is public)
        io.write_line(f"export VCC_AUTH_URL={emulator.url} VCC_API_URL={emulator.url}")
        if clients == [DEFAULT_CLIENT]:
            io.write_line(f"export VCC_CLIENT_ID={DEFAULT_CLIENT.client_id} VCC_CLIENT_SECRET={DEFAULT_CLIENT.secret}")
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        signal.signal(signal.SIGTERM, previous)
    io.note("emulator stopped")
    return 0


def _listen_hint(exc: OSError, port: int) -> str:
    """What to change when the emulator cannot listen: the host (a name that does not
    resolve, an address that is not this machine's), or the port (in use, privileged)."""
    import errno
    import socket

    if isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRNOTAVAIL, errno.EINVAL, errno.EAFNOSUPPORT):
        return "give an address of this machine, e.g. --host 127.0.0.1"
    if exc.errno == errno.EADDRINUSE:
        return "choose another --port (0 picks a free one)"
    if exc.errno == errno.EACCES and 0 < port < 1024:
        return "ports below 1024 need privileges: choose --port 1024 or above (0 picks a free one)"
    return "check --host and --port (--port 0 picks a free one)"
