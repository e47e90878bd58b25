"""`ciasom nodes [--json]`: the registered media nodes (DESIGN §6)."""

from __future__ import annotations

import dataclasses
import json
import os


def list_nodes(as_json: bool) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ciasom.settings")
    import django

    django.setup()
    from .connection import node_registry

    nodes = node_registry().nodes()
    if as_json:
        return json.dumps([dataclasses.asdict(node) for node in nodes])
    lines = [f"{'name':<16} {'address':<28} {'streams':>9} {'heartbeat':>9}"]
    for node in nodes:
        held = f"{len(node.streams)}/{node.capacity}"
        lines.append(f"{node.name:<16} {node.address:<28} {held:>9} {node.heartbeat_age_s:>8.1f}s")
    return "\n".join(lines)
