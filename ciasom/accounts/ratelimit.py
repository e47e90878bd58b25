"""Counters in the Django cache (Redis when REDIS_URL is set, so every server process
shares them) that slow down password guessing and sign-up floods.

Kept rather than django-ratelimit or django-axes (measured against the rules tested in
tests/web/test_login_rate_limit.py): django-ratelimit counts in fixed windows and cannot
clear a counter, so a successful login could not reset its username's failures; django-axes
applies one failure limit to every lockout parameter (here a username and an address have
their own), needs its own authentication backend on the API's token view, and does not
limit sign-ups. What is here is three cache operations.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's address; X-Forwarded-For only counts behind our own proxy."""
    if settings.TRUST_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, ident: str) -> str:
    # Hashed: usernames may hold any character, and a cache key must not.
    digest = hashlib.sha256(ident.lower().encode("utf-8", "replace")).hexdigest()[:32]
    return f"rl:{scope}:{digest}"


def count(scope: str, ident: str) -> int:
    return int(cache.get(_key(scope, ident), 0) or 0)


def hit(scope: str, ident: str, window: int) -> int:
    """Count one event; the window starts at the first event."""
    key = _key(scope, ident)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def clear(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))


def login_blocked(request: HttpRequest, username: str) -> bool:
    """True once too many failed logins came for this username or from this address."""
    return (
        count("login-user", username) >= settings.CIASOM_LOGIN_FAILURES_PER_USER
        or count("login-ip", client_ip(request)) >= settings.CIASOM_LOGIN_FAILURES_PER_IP
    )


def login_failed(request: HttpRequest, username: str) -> None:
    window = settings.CIASOM_LOGIN_WINDOW_SECONDS
    hit("login-user", username, window)
    hit("login-ip", client_ip(request), window)


def login_succeeded(request: HttpRequest, username: str) -> None:
    # Only the username counter: clearing the address counter would let an attacker
    # reset it by logging into an account of their own between guesses.
    clear("login-user", username)


def signup_blocked(request: HttpRequest) -> bool:
    return count("signup-ip", client_ip(request)) >= settings.CIASOM_SIGNUPS_PER_IP_PER_HOUR


def signup_done(request: HttpRequest) -> None:
    hit("signup-ip", client_ip(request), 3600)
