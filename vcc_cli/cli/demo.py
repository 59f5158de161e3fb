"""``vcc demo``: its option table and help."""

from __future__ import annotations

from vcc_cli.cli.table import FLAG, Command, Opt
from vcc_cli.commands import demo

COMMAND = Command(
    "demo",
    demo.DemoOptions,
    demo.run,
    [Opt(("--keep",), "keep", "Keep the throwaway config and cache directory afterwards.", kind=FLAG)],
    panel="Exploring",
    short_help="Run the whole main job against a local emulator.",
    help="""Run the main job against a local emulator: token, cache, call, refresh, search, download.

    No account, network or keyring needed; everything happens in a throwaway directory.

    \b
    Example:
      vcc demo
    """,
)
