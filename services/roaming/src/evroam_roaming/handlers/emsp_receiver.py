"""What each of our eMSP Receivers does with what a partner CPO sends (OCPI 2.2.1 sections
3.1-3.4), whether it pushed it or we pulled it: one code path, one rule for `last_updated`,
one event per accepted change. Objects come in validated (ocpi/emsp); the object after a
PATCH is validated again as a whole before anything is recorded. A Session or CDR must concern
one of our own tokens (`our_parties`), else NotOurTokenError and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.cdr import Cdr
from evroam_contracts.roaming_received import (
    CdrReceived,
    LocationReceived,
    PartnerSession,
    SessionReceived,
    TariffDeleted,
    TariffReceived,
)
from evroam_roaming.adapters.emsp_objects import PostgresEmspObjects
from evroam_roaming.domain import received_locations as locations
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.received import (
    CdrAlreadyReceivedError,
    Held,
    ObjectKey,
    ObjectNotFoundError,
    OcpiData,
    Receipt,
    check_our_token,
    patch_session,
)
from evroam_roaming.handlers.emsp_objects import EventOf, ObjectReceiver
from evroam_roaming.ocpi.emsp.cdr_objects import CDR
from evroam_roaming.ocpi.emsp.location_objects import EVSE, Connector, Location
from evroam_roaming.ocpi.emsp.session_objects import Session
from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.types import ocpi_data, parse_object

Patch = Mapping[str, Any]


def _location(held: Held | None, change: Callable[[OcpiData], OcpiData | None]) -> OcpiData | None:
    """A change of an EVSE or a connector of a Location we hold, validated as a whole."""
    if held is None or held.deleted:
        raise ObjectNotFoundError("Unknown Location: PUT the Location first")
    after = change(held.object)
    return None if after is None else ocpi_data(parse_object(Location, after, "Location"))


def _patched_session(held: Held | None, patch: Patch, ours: frozenset[Party]) -> OcpiData | None:
    if held is None:
        raise ObjectNotFoundError("Unknown Session: PUT the Session first")
    after = patch_session(held.object, patch)
    if after is None:
        return None
    session = ocpi_data(parse_object(Session, after, "Session"))
    check_our_token(session, ours, "Session")  # a PATCH may carry another cdr_token
    return session


class EmspReceiver:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        our_parties: frozenset[Party],
        objects: ObjectReceiver | None = None,
    ) -> None:
        """`our_parties`: our own eMSP parties; Sessions and CDRs of other tokens are refused."""
        self._objects = objects or ObjectReceiver(pool)
        self._view = PostgresEmspObjects(pool)
        self._ours = our_parties

    async def get(self, key: ObjectKey) -> OcpiData | None:
        return await self._view.get(key)

    # ---- Locations (section 3.1) -----------------------------------------------------------

    async def put_location(self, partner_id: str, key: ObjectKey, location: Location) -> Receipt:
        data = ocpi_data(location)
        return await self._locations(partner_id, key, lambda _: data)

    async def put_evse(self, partner_id: str, key: ObjectKey, evse: EVSE) -> Receipt:
        data = ocpi_data(evse)

        def change(held: Held | None) -> OcpiData | None:
            return _location(held, lambda loc: locations.put_evse(loc, data))

        return await self._locations(partner_id, key, change, evse_uid=evse.uid)

    async def put_connector(
        self, partner_id: str, key: ObjectKey, evse_uid: str, connector: Connector
    ) -> Receipt:
        data = ocpi_data(connector)

        def change(held: Held | None) -> OcpiData | None:
            return _location(held, lambda loc: locations.put_connector(loc, evse_uid, data))

        return await self._locations(
            partner_id, key, change, evse_uid=evse_uid, connector_id=connector.id
        )

    async def patch_location(
        self,
        partner_id: str,
        key: ObjectKey,
        patch: Patch,
        evse_uid: str | None = None,
        connector_id: str | None = None,
    ) -> Receipt:
        """A PATCH of the Location, of one of its EVSEs, or of one of their connectors."""

        def apply(loc: OcpiData) -> OcpiData | None:
            if evse_uid is None:
                return locations.patch_location(loc, patch)
            if connector_id is None:
                return locations.patch_evse(loc, evse_uid, patch)
            return locations.patch_connector(loc, evse_uid, connector_id, patch)

        return await self._locations(
            partner_id,
            key,
            lambda held: _location(held, apply),
            evse_uid=evse_uid,
            connector_id=connector_id,
        )

    async def _locations(
        self,
        partner_id: str,
        key: ObjectKey,
        change: Callable[[Held | None], OcpiData | None],
        evse_uid: str | None = None,
        connector_id: str | None = None,
    ) -> Receipt:
        def event_of(data: OcpiData, now: datetime) -> LocationReceived:
            return LocationReceived(
                partner_id=partner_id,
                location=data,
                evse_uid=evse_uid,
                connector_id=connector_id,
                received_at=now,
            )

        return await self._objects.change(partner_id, key, change, event_of)

    # ---- Sessions (section 3.2) ------------------------------------------------------------

    async def put_session(self, partner_id: str, key: ObjectKey, session: Session) -> Receipt:
        data = ocpi_data(session)
        check_our_token(data, self._ours, "Session")
        return await self._objects.change(
            partner_id, key, lambda _: data, self._session_event(partner_id)
        )

    async def patch_session(self, partner_id: str, key: ObjectKey, patch: Patch) -> Receipt:
        return await self._objects.change(
            partner_id,
            key,
            lambda held: _patched_session(held, patch, self._ours),
            self._session_event(partner_id),
        )

    @staticmethod
    def _session_event(partner_id: str) -> EventOf:
        def event_of(data: OcpiData, now: datetime) -> SessionReceived:
            session = PartnerSession.model_validate(data)
            return SessionReceived(partner_id=partner_id, session=session, received_at=now)

        return event_of

    # ---- CDRs (section 3.3) ----------------------------------------------------------------

    async def post_cdr(self, partner_id: str, key: ObjectKey, cdr: CDR) -> Receipt:
        """A new CDR is CREATED; the very same CDR again (a retried POST) is UNCHANGED;
        another CDR under an id we hold raises CdrAlreadyReceivedError, a CDR of a token not
        ours NotOurTokenError."""
        data = ocpi_data(cdr)
        check_our_token(data, self._ours, "CDR")
        zone = await self._objects.time_zone_of(key.owner, cdr.cdr_location.id)

        def change(held: Held | None) -> OcpiData:
            if held is not None and held.object != data:
                raise CdrAlreadyReceivedError(
                    f"CDR {cdr.country_code}*{cdr.party_id}*{cdr.id} was received before and"
                    " a CDR never changes: send a credit CDR and a new CDR with a new id"
                )
            return data

        def event_of(stored: OcpiData, now: datetime) -> CdrReceived:
            typed = Cdr.model_validate(stored)
            return CdrReceived(partner_id=partner_id, cdr=typed, received_at=now, time_zone=zone)

        return await self._objects.change(partner_id, key, change, event_of)

    # ---- Tariffs (section 3.4) -------------------------------------------------------------

    async def put_tariff(self, partner_id: str, key: ObjectKey, tariff: Tariff) -> Receipt:
        data = ocpi_data(tariff)

        def event_of(stored: OcpiData, now: datetime) -> TariffReceived:
            return TariffReceived(partner_id=partner_id, tariff=stored, received_at=now)

        return await self._objects.change(partner_id, key, lambda _: data, event_of)

    async def delete_tariff(self, partner_id: str, key: ObjectKey) -> Receipt:
        """Raises ObjectNotFoundError for a tariff we do not hold."""

        def event(held: Held, now: datetime) -> TariffDeleted:
            return TariffDeleted(
                partner_id=partner_id,
                country_code=str(held.object["country_code"]),
                party_id=str(held.object["party_id"]),
                tariff_id=str(held.object["id"]),
                deleted_at=now,
            )

        return await self._objects.delete(partner_id, key, event)
