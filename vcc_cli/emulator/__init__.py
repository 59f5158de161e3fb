"""A local Vonage Contact Center: ``vcc emulator``, ``vcc demo`` and the tests
run against it instead of a real account. Standard library only.

One base URL (``Emulator.url``, loopback by default) serves:

- ``POST /Auth/connect/token``: the OAuth 2.0 client credentials grant as the
  VCC authentication guide and RFC 6749 (2.3.1, 4.4, 5.1, 5.2) describe it:
  form body only, credentials in the body or HTTP Basic (not both), one or
  more space-separated scopes, ``expires_in`` = the token TTL.
- Every API of ``vcc_cli.catalog`` under its path prefix, with sample data
  (see ``resources.ROUTES``): bearer check (401 "The access token is invalid
  or has expired"), scope check (403), versioned Accept check (400), then
  users, agent availability, stats, interactions with WAV recordings (Range
  requests), payment sessions...
- Control endpoints for tests that run ``vcc`` as a subprocess. They answer
  loopback clients only (403 otherwise), are never counted, delayed or
  faulted, and take no token:

  ``GET  /_emulator/counts``        ``{"POST /Auth/connect/token": 2, "GET /stats/agent-activities": 5}``
  ``POST /_emulator/reset-counts``  zero the counters; answers ``{}``
  ``POST /_emulator/revoke``        every token issued so far gets 401; ``{"revoked": n}``
  ``GET  /_emulator/faults``        the current fault settings
  ``POST /_emulator/faults``        JSON object with any of ``rate_limit_next``,
                                   ``retry_after``, ``fail_next_503``, ``delay``,
                                   ``token_ttl``, ``token_fault`` (see ``Faults``);
                                   answers the new settings, 400 on a bad field

Python use::

    with Emulator(clients=["abcde:12345:agents-availability:read"], token_ttl=60) as emu:
        emu.url                           # http://127.0.0.1:PORT
        emu.faults.rate_limit_next = 2    # the next 2 API requests get 429
        emu.counts()                      # {"GET /agents-availability": 3, ...}
        emu.revoke_all()
"""

from .clients import DEFAULT_CLIENT, Client, parse_client
from .server import DEFAULT_RECORDING_SIZE, Emulator, Faults

__all__ = ["DEFAULT_CLIENT", "DEFAULT_RECORDING_SIZE", "Client", "Emulator", "Faults", "parse_client"]
