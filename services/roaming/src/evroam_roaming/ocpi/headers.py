"""Headers every OCPI response carries: the echoed message ids (OCPI 2.2.1 section 1.4) and,
on functional modules only, the routing headers (section 1.5)."""

from __future__ import annotations

from collections.abc import Mapping

from evroam_roaming.domain.partners import Party

REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"
_MAX_ID_LENGTH = 255  # ids are UUIDs in practice; refuse to mirror anything much longer


def echoed_ids(request_headers: Mapping[str, str]) -> dict[str, str]:
    """X-Request-ID and X-Correlation-ID as the request sent them (names are case-insensitive;
    Starlette's header mapping already is)."""
    echoed = {}
    for name in (REQUEST_ID, CORRELATION_ID):
        value = request_headers.get(name)
        if value and len(value) <= _MAX_ID_LENGTH:
            echoed[name] = value
    return echoed


def routing_headers(us: Party, caller: Party) -> dict[str, str]:
    """In a response FROM is us and TO the party that asked (section 1.5, "Direct: response")."""
    return {
        "OCPI-from-country-code": us.country_code,
        "OCPI-from-party-id": us.party_id,
        "OCPI-to-country-code": caller.country_code,
        "OCPI-to-party-id": caller.party_id,
    }
