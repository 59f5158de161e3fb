"""One thin module per command: parse options into a dataclass, call ``run``."""
