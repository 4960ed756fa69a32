"""One page of a partner's Sender list (OCPI 2.2.1 section 1.8), fetched over HTTP: the
objects, the `Link` header and `X-Total-Count`. The only module that GETs partners' lists."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from opentelemetry import trace

tracer = trace.get_tracer("evroam.roaming.ocpi")


class PageError(Exception):
    """The page could not be had, or is no OCPI list answer; the message says why."""


@dataclass(frozen=True)
class Page:
    objects: list[Any]
    link: str | None
    total: int | None


async def fetch_page(
    http: httpx.AsyncClient, url: str, headers: dict[str, str], timeout_s: float
) -> Page:
    with tracer.start_as_current_span("OCPI GET list", kind=trace.SpanKind.CLIENT):
        try:
            response = await http.get(url, headers=headers, timeout=timeout_s)
        except httpx.HTTPError as exc:
            raise PageError(f"GET {url}: {type(exc).__name__}") from exc
    try:
        # Decimal, not float: numbers reach our Receivers' validation exactly as sent.
        body = json.loads(response.content, parse_float=Decimal)
        status, data = body.get("status_code"), body.get("data")
    except (ValueError, AttributeError):
        status, data = None, None
    if response.status_code != 200 or status != 1000:
        raise PageError(f"GET {url}: HTTP {response.status_code}, OCPI status {status}")
    if not isinstance(data, list):
        raise PageError(f"GET {url}: data is not a list")
    total = response.headers.get("X-Total-Count")
    return Page(
        data, response.headers.get("Link"), int(total) if total and total.isdigit() else None
    )
