"""A local Vonage Contact Center: ``vcc emulator``, ``vcc demo`` and the tests
run against it instead of a real account. Standard library only; the sample
data is seeded, so every emulator serves the same users and interactions.

It answers as VCC's documentation says (``shared/reference/vcc-api-facts.md``);
where the docs are silent the code says ``undocumented:`` and keeps answers
small. One base URL (``Emulator.url``, loopback by default; a wildcard host
such as 0.0.0.0 still gets a loopback URL, the only plain-http one vcc takes)
serves:

- ``POST /Auth/connect/token``: the client credentials grant, client
  credentials in the form body (as documented) or HTTP Basic (as VCC's Node
  sample sends them), one or more space-separated scopes. The answer is
  ``{"access_token", "expires_in", "token_type"}`` (no ``scope``), tokens last
  7200 s by default; ``invalid_client`` 401, ``unsupported_grant_type``
  ("Invalid grant_type"), ``invalid_scope`` ("You must specify a scope"),
  ``invalid_request`` 400.
- Every endpoint of ``vcc_cli.catalog`` under its API's prefix, with sample
  data (see ``resources.ROUTES``): the bearer check (each API's documented 401
  body), the scope check (any scope ``catalog.accepted_scopes`` lists; Stats
  answers 401 "Unauthorized", others 403), the versioned Accept check (each
  API's documented 400), then the documented shapes and limits: page-numbered
  Stats (from 1, ``meta.upTo``, windows ≤ 31 days, limit ≤ 1000) and users;
  the content search with continuation tokens (start and end required, ≤ 7
  days); WAV recordings with Range; ``{"failures": [...]}`` for delete-batch
  (429 while another delete-batch runs: "concurrent deletions give 429") and
  ``{}`` for DELETE. Never a 5xx to a well-formed request, unless a fault
  is injected.
- At scale: ``Emulator(scale=F)`` (``vcc emulator --scale F``) serves F
  times as many agent activities and interactions per hour, still computed
  page by page (``data.Dataset``); ``Emulator(rate_limit=N)`` (``--rate-limit
  N``, ``faults.rate_limit``) answers 429, without ``Retry-After`` as VCC
  documents none, to a client ID past N API requests in 60 seconds.
- Control endpoints for tests that run ``vcc`` as a subprocess. They answer
  loopback clients only (403 otherwise), are never counted, delayed or
  faulted, and take no token:

  ``GET  /_emulator/counts``        ``{"POST /Auth/connect/token": 2, "GET /stats/agent-activities": 5}``
  ``POST /_emulator/reset-counts``  zero the counters; answers ``{}``
  ``POST /_emulator/revoke``        every token issued so far gets 401; ``{"revoked": n}``
  ``GET  /_emulator/faults``        the current fault settings
  ``POST /_emulator/faults``        JSON object with any of ``rate_limit_next``,
                                   ``retry_after``, ``fail_next_503``, ``delay``,
                                   ``token_ttl``, ``token_fault``, ``rate_limit``,
                                   ``delete_batch_seconds``, ``delete_fail_guids``,
                                   ``content_fail_every``, ``content_fail_status``,
                                   ``content_fail_guids``, ``content_cut_every``
                                   (see ``Faults``); answers the new settings,
                                   400 on a bad field

Python use::

    with Emulator(clients=["abcde:12345:agents-availability:read"], token_ttl=60) as emu:
        emu.url                           # http://127.0.0.1:PORT
        emu.faults.rate_limit_next = 2    # the next 2 API requests get 429
        emu.faults.content_cut_every = 5  # every 5th recording download breaks off
        emu.counts()                      # {"GET /agents-availability": 3, ...}
        emu.revoke_all()
"""

from .clients import DEFAULT_CLIENT, Client, parse_client
from .faults import Faults
from .server import DEFAULT_RECORDING_SIZE, Emulator

__all__ = ["DEFAULT_CLIENT", "DEFAULT_RECORDING_SIZE", "Client", "Emulator", "Faults", "parse_client"]
