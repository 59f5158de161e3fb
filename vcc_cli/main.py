"""The ``vcc`` entry point: a cached ``vcc token`` is answered before the command line
framework is even imported (CI scripts call it hundreds of times); everything else
goes to ``vcc_cli.app``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args[:1] == ["token"] and _serve_cached_token(args[1:]):
            return 0
        from vcc_cli.app import main as app_main

        return app_main(args)
    except KeyboardInterrupt:  # Ctrl-C while the modules load, before app.main's own handler
        sys.stderr.write("\nvcc: interrupted\n")
        return 130


def _serve_cached_token(args: list[str]) -> bool:
    """True when a cached token was printed. Any doubt (an option it does not know,
    a miss, an error) returns False and the full path runs, and reports, instead."""
    try:
        from vcc_cli.runtime import current
        from vcc_cli.tokens.command import parse_fast, serve_from_cache

        opts = parse_fast(args)
        return opts is not None and serve_from_cache(opts, current())
    except Exception:  # the full path will raise it again, with its proper message
        return False
