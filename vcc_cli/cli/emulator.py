"""``vcc emulator``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli.table import FLAG, LIST, Command, Opt, number
from vcc_cli.commands import emulator

COMMAND = Command(
    "emulator",
    emulator.EmulatorOptions,
    emulator.run,
    [
        Opt(("--host",), "host", "Address to listen on (loopback by default).", default="127.0.0.1", metavar="HOST"),
        Opt(
            ("--port",),
            "port",
            "Port (0: a free one, printed at start).",
            default=0,
            metavar="PORT",
            convert=number(0, 65535, integer=True),
        ),
        Opt(
            ("--token-ttl",),
            "token_ttl",
            "Lifetime of issued tokens (VCC's is 7200).",
            default=emulator.TOKEN_TTL,
            metavar="SECONDS",
            convert=number(1, integer=True),
        ),
        Opt(
            ("--client",),
            "clients",
            "A client and its allowed scopes; repeatable (default: demo-client:demo-secret with every scope).",
            kind=LIST,
            metavar="ID:SECRET:SCOPE,…",
        ),
        Opt(
            ("--recording-size",),
            "recording_size",
            "Size of each WAV call recording.",
            metavar="BYTES",
            convert=number(0, integer=True),
        ),
        Opt(
            ("--scale",),
            "scale",
            "Density of the sample data: F times as many activities and interactions per hour.",
            default=1.0,
            metavar="F",
            convert=number(emulator.MIN_SCALE, emulator.MAX_SCALE),
        ),
        Opt(
            ("--rate-limit",),
            "rate_limit",
            "Fair usage: API requests a minute per client before 429 (0: no limit).",
            default=0,
            metavar="N",
            convert=number(0, integer=True),
        ),
        Opt(("--verbose", "-v"), "verbose", "Log each request on stderr.", kind=FLAG),
    ],
    panel="Exploring",
    short_help="Serve a local VCC for trying vcc and testing scripts.",
    help="""Serve a local VCC (token endpoint and sample APIs) for trying vcc or testing scripts.

    Prints the variables that point vcc at it; Ctrl-C stops it.

    \b
    Examples:
      vcc emulator
      vcc emulator --port 8480 --client abcde:12345:agents-availability:read --token-ttl 60
      vcc emulator --scale 10 --rate-limit 160
    """,
)
