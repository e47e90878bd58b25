"""The shared secret on internal calls between the web tier and the media nodes.

Every internal request carries ``X-Ciasom-Node-Secret: <CIASOM_NODE_SECRET>``; a node
answers 403 to anything else. nginx never routes to a node's internal port, and clears
this header on what it passes to the web tier. A cluster role refuses to start without a
secret (fail closed): an empty one would let anybody who reaches the port in.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

HEADER = "X-Ciasom-Node-Secret"
CLIENT_HEADER = "X-Ciasom-Client"  # a viewer's address, as the web tier saw it
MIN_LENGTH = 16


def node_secret() -> str:
    secret = settings.CIASOM_NODE_SECRET
    if len(secret) < MIN_LENGTH:
        raise ImproperlyConfigured(
            f"CIASOM_NODE_SECRET must be set (at least {MIN_LENGTH} characters) "
            "and be the same on the web tier and every media node"
        )
    return secret


def authentic(presented: str | None) -> bool:
    """Whether a request's secret is the cluster's (constant-time comparison)."""
    return presented is not None and hmac.compare_digest(presented.encode(), node_secret().encode())
