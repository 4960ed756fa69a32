"""Price previews: the same resolution rule and the same engine a real session uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

import evroam_pricing as pricing
from evroam_pricing.assignment import SessionScope, resolve
from evroam_tariff.adapters import postgres


class UnknownLocationError(LookupError):
    """The location is not (yet) known to the tariff service."""


class NoTariffError(LookupError):
    """No tariff is assigned for that scope at that moment."""


@dataclass(frozen=True)
class Estimate:
    tariff_id: str
    version: int
    time_zone: str
    tariff: dict[str, Any]
    priced: pricing.PricedSession


async def estimate(
    pool: AsyncConnectionPool,
    scope: SessionScope,
    *,
    start_at: datetime,
    energy_wh: int,
    duration: timedelta,
    power_w: int | None,
    parking: timedelta,
) -> Estimate:
    async with pool.connection() as conn:
        zone = await postgres.time_zone(conn, scope.location_id)
        if zone is None:
            raise UnknownLocationError(f"location {scope.location_id} is not known")
        chosen = resolve(
            await postgres.assignments(conn, scope.location_id),
            await postgres.retirements(conn),
            scope,
            start_at,
        )
        if chosen is None:
            raise NoTariffError(f"no tariff applies at {scope.location_id} at {start_at}")
        tariff = await postgres.tariff_version(conn, chosen.tariff_id, chosen.version)
    assert tariff is not None, "an assignment always names a published version"
    priced = pricing.preview(
        pricing.tariff_from_ocpi(tariff),
        start_at=start_at,
        energy_wh=energy_wh,
        duration=duration,
        time_zone=zone,
        power_w=power_w,
        parking=parking,
    )
    return Estimate(chosen.tariff_id, chosen.version, zone, dict(tariff), priced)
