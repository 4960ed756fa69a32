"""Builders shared by the unit and integration tests of the roaming service."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from evroam_contracts.cdr import Cdr

CDR_EXAMPLE = Path(__file__).parent / "data" / "cdr_example.json"
MakeCdr = Callable[..., Cdr]


def _example() -> dict[str, Any]:
    # Numbers as Decimal, as the cdr service sends them (exact, never float).
    data: dict[str, Any] = json.loads(CDR_EXAMPLE.read_text(), parse_float=Decimal)
    return data


@pytest.fixture
def cdr_example() -> dict[str, Any]:
    """The spec's own CDR example (OCPI 2.2.1 section 3.3), as published."""
    return _example()


@pytest.fixture
def make_cdr() -> MakeCdr:
    """A CDR like the spec's example, with the id, token owner and last_updated a test needs."""

    def build(
        cdr_id: str,
        *,
        token_owner: tuple[str, str] = ("DE", "TNM"),
        last_updated: datetime | str = "2015-06-29T22:01:13Z",
    ) -> Cdr:
        data = _example()
        data["id"] = cdr_id
        data["cdr_token"] |= {"country_code": token_owner[0], "party_id": token_owner[1]}
        data["last_updated"] = last_updated
        return Cdr.model_validate(data)

    return build
