"""One module per command: its options class and a typer-free ``run(opts, rt)``
returning the exit code. Nothing here parses a command line (``vcc_cli.cli`` does)."""
