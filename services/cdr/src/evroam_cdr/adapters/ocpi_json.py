"""CDRs as OCPI 2.2.1 JSON text: money, energy and time as exact JSON numbers (the very digits
of our decimals, never through float) and every DateTime in UTC with `Z` (OCPI 2.2.1 section
1.9). The standard JSON encoder can do neither, hence this small walker."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from evroam_contracts.cdr import Cdr


def ocpi_datetime(value: datetime) -> str:
    """`2015-06-29T20:39:09Z`, or with milliseconds: DateTime is string(25), so no more."""
    at = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = at.strftime("%Y-%m-%dT%H:%M:%S")
    if at.microsecond // 1000:
        text += f".{at.microsecond // 1000:03d}"
    return text + "Z"


def render_json(value: object) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} has no JSON representation")
        return format(value, "f")
    if isinstance(value, datetime):
        return json.dumps(ocpi_datetime(value))
    if isinstance(value, Mapping):
        return (
            "{" + ",".join(f"{json.dumps(str(k))}:{render_json(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(render_json(v) for v in value) + "]"
    return json.dumps(value, allow_nan=False)


def ocpi_cdr(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A CDR as the projection stores it (our wire JSON, decimals as strings) as plain data
    with Decimal and datetime kept typed; unset optional fields are left out, not null."""
    return Cdr.model_validate(stored).model_dump(mode="python", exclude_none=True)
