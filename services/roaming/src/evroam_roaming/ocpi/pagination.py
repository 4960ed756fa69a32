"""Pagination of every OCPI list (2.2.1 section 1.8): `date_from` (inclusive), `date_to`
(exclusive), `offset`, `limit` in; `Link` (next page only), `X-Total-Count`, `X-Limit` out."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from evroam_contracts.ocpi_json import InvalidDateTimeError, parse_datetime

_DIGITS = re.compile(r"[0-9]{1,18}")  # fits a Postgres bigint; anything longer is a mistake


class InvalidPageParameterError(ValueError):
    """A query parameter that cannot be used; the message names it (OCPI status 2001)."""


@dataclass(frozen=True)
class PageRequest:
    offset: int
    limit: int
    date_from: datetime | None = None
    date_to: datetime | None = None
    # The filters exactly as the client wrote them, repeated in the next link (section 1.8).
    filters: tuple[tuple[str, str], ...] = ()


def parse_page_request(query: Mapping[str, str], max_page_size: int) -> PageRequest:
    """Read the parameters; `limit` is capped at the server's page size, as the spec lets us."""
    offset = _integer(query, "offset", default=0, minimum=0)
    limit = min(_integer(query, "limit", default=max_page_size, minimum=1), max_page_size)
    filters = tuple((name, query[name]) for name in ("date_from", "date_to") if query.get(name))
    dates: dict[str, datetime] = {}
    for name, text in filters:
        try:
            dates[name] = parse_datetime(text)
        except InvalidDateTimeError as exc:
            raise InvalidPageParameterError(f"date parameter {name}: {exc}") from exc
    return PageRequest(offset, limit, dates.get("date_from"), dates.get("date_to"), filters)


def _integer(query: Mapping[str, str], name: str, *, default: int, minimum: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    if not _DIGITS.fullmatch(text) or int(text) < minimum:
        raise InvalidPageParameterError(
            f"{name} must be an integer >= {minimum}, got {text[:40]!r}"
        )
    return int(text)


def next_link(url: str, page: PageRequest, returned: int, total: int) -> str | None:
    """`<url?offset=..&limit=..&date_from=..>; rel="next"` when objects remain after this
    page, None on the last one. Offsets advance by what was returned, so a short page never
    skips objects."""
    if returned == 0 or page.offset + returned >= total:
        return None
    params = [("offset", str(page.offset + returned)), ("limit", str(page.limit))]
    query = urlencode([*params, *page.filters], safe=":")
    return f'<{url}?{query}>; rel="next"'


def page_headers(
    url: str, page: PageRequest, returned: int, total: int, max_page_size: int
) -> dict[str, str]:
    headers = {"X-Total-Count": str(total), "X-Limit": str(max_page_size)}
    link = next_link(url, page, returned, total)
    if link is not None:
        headers["Link"] = link
    return headers
