"""vcc: the command-line tool for the Vonage Contact Center (VCC) APIs."""

__version__ = "0.1.0"
