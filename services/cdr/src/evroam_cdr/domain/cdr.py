"""The OCPI 2.2.1 CDR of a completed session, and the credit CDR that cancels one. Pure:
everything comes from the session event, which is self-contained (location, token and tariff
frozen at session start, OCPI 2.2.1 CDR rules), and from the costs priced from the CDR's own
charging periods (`pricing.py`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from evroam_contracts.cdr import Cdr, CdrLocation
from evroam_contracts.session import SessionCompleted
from evroam_contracts.shared import ChargingPeriod, CostBreakdown, LocationSnapshot, Price

# Fixed for ever (it is uuid5(NAMESPACE_URL, "urn:evroam:cdr")): the CDR id is
# uuid5(namespace, session id), so replaying the session log gives every CDR its old id.
# Changing this constant would re-key every CDR ever issued.
CDR_NAMESPACE = uuid.UUID("c17b4335-3a69-5c6e-b911-0d95255c83e9")
# OCPI 2.2.1 CDR rules: a credit CDR gets a new id, "e.g. original id + -C" (hence CiString(39)).
CREDIT_SUFFIX = "-C"

# OCPI 2.2.1 CdrDimensionType: these are marked "Sessions only, never in CDRs".
SESSION_ONLY_DIMENSIONS = frozenset(
    {"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"}
)
REMARK_MAX = 255  # OCPI 2.2.1 CDR: remark is string(255)
COST_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


def cdr_id_for(session_id: str, revision: int = 0) -> str:
    """36 characters, leaving 3 of CiString(39) for the credit suffix. The session as first
    completed keeps the id it always had; each correction of it gets a CDR id of its own."""
    name = session_id if revision == 0 else f"{session_id}#revision-{revision}"
    return str(uuid.uuid5(CDR_NAMESPACE, name))


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


def build_cdr(
    session: SessionCompleted, *, cdr_id: str, costs: CostBreakdown, issued_at: datetime
) -> Cdr:
    """OCPI 2.2.1 CDR, owned by the CPO of the location. `last_updated` is when the CDR is
    made (OCPI: a CDR's last_updated is its creation time), so that a partner pulling with
    date_from also finds the credit and the new CDR of a session corrected long after."""
    return Cdr(
        country_code=session.location.country_code,
        party_id=session.location.party_id,
        id=cdr_id,
        start_date_time=session.started_at,
        end_date_time=session.ended_at,
        session_id=session.session_id,
        cdr_token=session.cdr_token,
        auth_method=session.auth_method,
        authorization_reference=session.authorization_reference,
        cdr_location=cdr_location(session.location),
        meter_id=None,
        currency=session.currency,
        tariffs=(session.tariff.tariff,) if session.tariff else (),
        charging_periods=cdr_periods(session.charging_periods),
        signed_data=session.signed_data,
        total_energy=session.kwh,
        total_time=session.total_time_h,
        total_parking_time=session.total_parking_time_h,
        remark=session.stop_reason[:REMARK_MAX] if session.stop_reason else None,
        last_updated=issued_at,
        **costs.model_dump(include=set(COST_FIELDS)),
    )


def costs_of(cdr: Cdr) -> CostBreakdown:
    return CostBreakdown.model_validate(cdr.model_dump(include=set(COST_FIELDS)))


def _negated(price: Price | None) -> Price | None:
    if price is None:
        return None
    incl = price.incl_vat
    return Price(excl_vat=-price.excl_vat, incl_vat=None if incl is None else -incl)


def credit_of(cdr: Cdr, issued_at: datetime) -> Cdr:
    """OCPI 2.2.1 CDR rules: a credit CDR repeats the original with a new id, `credit` true,
    `credit_reference_id` the original's id and the amounts negated. All cost fields are
    negated, not only total_cost (digest section 8.6), so the credit adds up on its own;
    energy and times stay as they were measured."""
    negated = {name: _negated(getattr(cdr, name)) for name in COST_FIELDS}
    return cdr.model_copy(
        update={
            "id": cdr.id + CREDIT_SUFFIX,
            "credit": True,
            "credit_reference_id": cdr.id,
            "invoice_reference_id": None,
            "last_updated": issued_at,
            **negated,
        }
    )


def same_charge(a: Cdr, b: Cdr) -> bool:
    """Do two CDRs bill the same thing? Everything but the id and when they were made."""
    ignored = {"id", "last_updated"}
    return a.model_dump(exclude=ignored) == b.model_dump(exclude=ignored)
