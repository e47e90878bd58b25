"""The web tier's HTTP calls to a node's internal API (ciasom.cluster.internal).

Plain HTTP/1.1 on the private network, the shared secret in a header. Blocking: callers
run it in a thread (``asyncio.to_thread``), so a slow node never stalls a worker's loop.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from .auth import HEADER, node_secret
from .errors import ERRORS, from_answer

logger = logging.getLogger(__name__)

# Answering an offer waits for ICE gathering and the engine's start on a busy node.
TIMEOUT = 30.0


class NodeUnreachable(Exception):
    """The node did not answer (stopped, or the network between us is down)."""


def call(
    address: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """``(status, JSON body)`` of an internal call; a node's error answer is raised as the
    media exception it names (:mod:`.errors`), except 404 ``not_found``, returned."""
    request = urllib.request.Request(address + path, data=body, method=method)
    request.add_header(HEADER, node_secret())
    if body is not None:
        request.add_header("Content-Type", "application/sdp")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        status, answer = error.code, _json(error.read())
    except (urllib.error.URLError, OSError) as error:
        raise NodeUnreachable(f"{address}: {error}") from error
    name = str(answer.get("error", ""))
    if status == 404 and name == "not_found":
        return status, answer
    if name not in ERRORS:
        logger.warning("node %s answered %s to %s %s: %s", address, status, method, path, answer)
    raise from_answer(name, str(answer.get("message", "")))


def _json(content: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(content)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
