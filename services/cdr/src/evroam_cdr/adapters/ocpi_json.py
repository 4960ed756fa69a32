"""CDRs as OCPI 2.2.1 data, for `evroam_contracts.ocpi_json.render_json` to write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evroam_contracts.cdr import Cdr


def ocpi_cdr(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A CDR as the projection stores it (our wire JSON, decimals as strings) as plain data
    with Decimal and datetime kept typed; unset optional fields are left out, not null."""
    return Cdr.model_validate(stored).model_dump(mode="python", exclude_none=True)
