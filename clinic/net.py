"""The client's address, as the audit trail and the sign-in lockout record it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or the first X-Forwarded-For address behind a trusted proxy.

    X-Forwarded-For is read only when TRUST_X_FORWARDED_FOR says a proxy sets it: otherwise
    any client could write an address of its choosing into the audit trail.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and (first := _valid(forwarded.split(",")[0])):
            return first
    return _valid(request.META.get("REMOTE_ADDR", ""))
