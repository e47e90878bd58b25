"""Template context every page needs."""

from __future__ import annotations

from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    profile = None
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        from ciasom.accounts.models import profile_of

        profile = profile_of(request.user)
    return {"my_profile": profile}
