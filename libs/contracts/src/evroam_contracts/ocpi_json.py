"""OCPI 2.2.1 JSON text, as partners read and write it (OCPI 2.2.1 section 1.9).

Money, energy and time are exact JSON numbers (the very digits of our decimals, never through
float); a DateTime is always UTC, written `2015-06-29T20:39:09Z`, never with `+00:00`, with
milliseconds at most (string(25)). The standard JSON encoder can do neither, hence the walker.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

# RFC 3339 date-time; the offset is optional because OCPI reads "no Z" as UTC.
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?")


class InvalidDateTimeError(ValueError):
    """A value that is not an OCPI DateTime."""


def ocpi_instant(value: datetime) -> datetime:
    """The instant as OCPI shows it: UTC, truncated to milliseconds. Stored filter columns use
    it too, so that what a partner reads is exactly what `date_from`/`date_to` compare."""
    at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def format_datetime(value: datetime) -> str:
    """`2015-06-29T20:39:09Z`, or `2015-06-29T20:39:09.123Z` when there are milliseconds."""
    at = ocpi_instant(value)
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    if at.microsecond:
        text += f".{at.microsecond // 1000:03d}"
    return text + "Z"


def parse_datetime(text: str) -> datetime:
    """Read a DateTime sent by a partner. Besides the spelled-out OCPI forms we accept an
    explicit offset (some peers send `+00:00` although the spec does not allow it)."""
    if not _DATETIME.fullmatch(text):
        raise InvalidDateTimeError(f"{text!r} is not an OCPI DateTime (e.g. 2015-06-29T20:39:09Z)")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidDateTimeError(f"{text!r} is not a valid DateTime: {exc}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def render_json(value: object) -> str:
    """JSON text of plain data, Decimal as an exact number, datetime as an OCPI DateTime."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON representation")
        return format(value, "f")
    if isinstance(value, datetime):
        return json.dumps(format_datetime(value))
    if isinstance(value, Mapping):
        items = (f"{json.dumps(str(k))}:{render_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(render_json(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} has no JSON representation")
    return json.dumps(value)
