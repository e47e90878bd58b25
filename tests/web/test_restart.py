"""A server that starts again ends the broadcasts its predecessor left marked live."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ciasom.broadcasts.models import Broadcast
from ciasom.server import end_orphaned_broadcasts

pytestmark = pytest.mark.django_db


def test_broadcasts_left_live_by_a_stopped_server_are_ended(alice):
    orphan = Broadcast.objects.create(
        owner=alice, title="left over", is_live=True, started_at=timezone.now(), viewers=7
    )
    assert end_orphaned_broadcasts() == 1
    orphan.refresh_from_db()
    assert not orphan.is_live and orphan.viewers == 0 and orphan.ended_at is not None
    assert end_orphaned_broadcasts() == 0
