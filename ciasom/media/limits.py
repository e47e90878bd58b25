"""Session limits of the media path: the defaults, one place each.

Light (no aiortc), so the settings read their defaults from here: ``CIASOM_MAX_VIEWERS``,
``CIASOM_MAX_PENDING_VIEWERS``, ``CIASOM_CONNECT_TIMEOUT``, ``CIASOM_MAX_SESSIONS`` and
``CIASOM_MAX_SESSIONS_PER_CLIENT`` override them.
"""

from __future__ import annotations

MAX_VIEWERS = 50  # connected viewers per broadcast; the next one gets 503 + Retry-After
MAX_PENDING = 20  # viewers still connecting, per broadcast (a burst of arrivals fits)
CONNECT_TIMEOUT = 10.0  # seconds a session may take from its answer to ICE+DTLS connected
MAX_SESSIONS = 200  # peer connections per process, publishers and viewers
MAX_SESSIONS_PER_CLIENT = 10  # viewer sessions per client address
