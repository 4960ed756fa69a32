"""The OCPI 2.2.1 CDR of a completed session. Pure: everything comes from the session event,
which is self-contained (location, token and tariff frozen at session start, OCPI 2.2.1 CDR
rules), so a rebuild or a replay builds the very same CDR."""

from __future__ import annotations

import uuid

from evroam_contracts.cdr import Cdr, CdrLocation
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import ChargingPeriod, LocationSnapshot

# Fixed for ever (it is uuid5(NAMESPACE_URL, "urn:evroam:cdr")): the CDR id is
# uuid5(namespace, session id), so replaying the session log gives every CDR its old id.
# Changing this constant would re-key every CDR ever issued.
CDR_NAMESPACE = uuid.UUID("c17b4335-3a69-5c6e-b911-0d95255c83e9")

# OCPI 2.2.1 CdrDimensionType: these are marked "Sessions only, never in CDRs".
SESSION_ONLY_DIMENSIONS = frozenset(
    {"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"}
)
REMARK_MAX = 255  # OCPI 2.2.1 CDR: remark is string(255)


def cdr_id_for(session_id: str) -> str:
    """36 characters: a normal CDR id, leaving 3 of CiString(39) for credit suffixes."""
    return str(uuid.uuid5(CDR_NAMESPACE, session_id))


def cdr_periods(periods: tuple[ChargingPeriod, ...]) -> tuple[ChargingPeriod, ...]:
    """The session's charging periods without the dimensions a CDR may not carry."""
    return tuple(
        p.model_copy(
            update={
                "dimensions": tuple(
                    d for d in p.dimensions if d.type not in SESSION_ONLY_DIMENSIONS
                )
            }
        )
        for p in periods
    )


def cdr_location(location: LocationSnapshot) -> CdrLocation:
    # `state` is an optional CdrLocation field the snapshot may carry as an extra.
    state = (location.model_extra or {}).get("state")
    return CdrLocation(
        id=location.id,
        name=location.name,
        address=location.address,
        city=location.city,
        postal_code=location.postal_code,
        country=location.country,
        coordinates=location.coordinates.model_dump(mode="json"),
        evse_uid=location.evse_uid,
        evse_id=location.evse_id,
        connector_id=location.connector_id,
        connector_standard=location.connector_standard,
        connector_format=location.connector_format,
        connector_power_type=location.connector_power_type,
        **({"state": state} if state else {}),
    )


def build_cdr(session: SessionCompleted) -> Cdr:
    """OCPI 2.2.1 CDR: owned by the CPO of the location; last_updated is the session end, not
    the clock, so that the same session always yields the same CDR."""
    costs = session.costs
    return Cdr(
        country_code=session.location.country_code,
        party_id=session.location.party_id,
        id=cdr_id_for(session.session_id),
        start_date_time=session.started_at,
        end_date_time=session.ended_at,
        session_id=session.session_id,
        cdr_token=session.cdr_token,
        auth_method=session.auth_method,
        authorization_reference=session.authorization_reference,
        cdr_location=cdr_location(session.location),
        currency=session.currency,
        tariffs=(session.tariff.tariff,) if session.tariff else (),
        charging_periods=cdr_periods(session.charging_periods),
        total_cost=costs.total_cost,
        total_fixed_cost=costs.total_fixed_cost,
        total_energy=session.kwh,
        total_energy_cost=costs.total_energy_cost,
        total_time=session.total_time_h,
        total_time_cost=costs.total_time_cost,
        total_parking_time=session.total_parking_time_h,
        total_parking_cost=costs.total_parking_cost,
        total_reservation_cost=costs.total_reservation_cost,
        remark=session.stop_reason[:REMARK_MAX] if session.stop_reason else None,
        last_updated=session.ended_at,
    )
