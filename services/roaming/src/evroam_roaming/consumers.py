"""Consumers that keep the CPO objects partners pull (OCPI 2.2.1 Locations, Sessions and
Tariffs Sender interfaces) current. Each handler runs in the consumer's transaction, beside
the processed-event row; an event of a stream version already applied changes nothing, so a
re-published event is harmless too."""

from __future__ import annotations

from datetime import UTC, datetime

from psycopg import AsyncConnection

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import (
    LocationRegistered,
    LocationUpdated,
    StationCommandCompleted,
    StationConnected,
    StationDisconnected,
    StationRegistered,
    StationStatusChanged,
    StationUpdated,
)
from evroam_contracts.ocpi_json import render_json
from evroam_contracts.session import (
    SessionCompleted,
    SessionCorrected,
    SessionInvalidated,
    SessionPending,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.tariff import TariffAssigned, TariffPublished, TariffRetired
from evroam_contracts.topics import events_topic
from evroam_messaging import Consumer, PoisonEventError
from evroam_messaging.consumer import AfterCommit, Handler
from evroam_roaming.adapters import cpo_locations, cpo_sessions, cpo_tariffs, pushes
from evroam_roaming.handlers.remote_commands import on_command_completed
from evroam_roaming.ocpi.sessions.models import session_to_ocpi
from evroam_roaming.ocpi.tariffs.models import EVERYONE

CPO_OBJECTS_GROUP = "evroam.roaming.cpo-objects"

_STATION_EVENTS = (StationRegistered, StationStatusChanged, StationConnected, StationDisconnected)
_SESSION_EVENTS = (
    SessionPending,
    SessionStarted,
    SessionUpdated,
    SessionCompleted,
    SessionInvalidated,
)


async def on_location(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """A registered or updated location (OCPI 2.2.1 section 3.1)."""
    if not isinstance(message, LocationRegistered):
        raise PoisonEventError(f"expected a location event, got {envelope.type}")
    await cpo_locations.apply_location(conn, message, envelope.stream_version, envelope.time)
    return None


async def on_station(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """A station's EVSEs and connectors, a status change, a connection opened or lost; status
    changes are pushed to every eMSP that offers a Locations Receiver."""
    if not isinstance(message, _STATION_EVENTS):
        raise PoisonEventError(f"expected a station event, got {envelope.type}")
    changes = await cpo_locations.apply_station_event(
        conn, message.station_id, message, envelope.stream_version, envelope.time
    )
    if changes:
        await _push_statuses(conn, changes, envelope.correlation_id)
    return None


async def _push_statuses(
    conn: AsyncConnection, changes: list[cpo_locations.StatusChange], correlation: str | None
) -> None:
    """OCPI 2.2.1 section 3.1: every eMSP with a Locations Receiver hears of a status change,
    `PATCH {locations}/{cc}/{pid}/{location_id}/{evse_uid}` with the status and last_updated;
    a newer status replaces one still queued, so nobody is told a stale one."""
    receivers = await pushes.receivers_of(conn, "locations")
    now = datetime.now(UTC)
    for change in changes:
        body = render_json({"status": change.status, "last_updated": change.last_updated})
        path = f"/{change.country_code}/{change.party_id}/{change.location_id}/{change.evse_uid}"
        for receiver in receivers:
            await pushes.enqueue(
                conn,
                receiver,
                "locations",
                f"{change.location_id}/{change.evse_uid}",
                body,
                correlation,
                now,
                method="PATCH",
                path=path,
                latest_wins=True,
            )


async def on_session(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """A charging session's news (OCPI 2.2.1 section 3.2): kept for pulls, and pushed to the
    eMSP of its token when that eMSP offers a Sessions Receiver."""
    if not isinstance(message, _SESSION_EVENTS):
        raise PoisonEventError(f"expected a session event, got {envelope.type}")
    session = await cpo_sessions.apply_session_event(
        conn, message.session_id, message, envelope.stream_version, envelope.time
    )
    owner = session.token_owner if session else None
    receiver = await pushes.receiver_of_owner(conn, owner, "sessions") if owner else None
    if session is not None and receiver is not None:
        # OCPI 2.2.1 section 3.2: PUT {sessions}/{country_code}/{party_id}/{session_id} to
        # the eMSP of the token, the whole session each time (the newest one wins the queue).
        path = f"/{session.country_code}/{session.party_id}/{session.id}"
        body = render_json(session_to_ocpi(session))
        await pushes.enqueue(
            conn,
            receiver,
            "sessions",
            session.id,
            body,
            envelope.correlation_id,
            datetime.now(UTC),
            method="PUT",
            path=path,
            latest_wins=True,
        )
    return None


async def on_tariff(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """A tariff version published, assigned to partners, or retired (section 3.4)."""
    if isinstance(message, TariffPublished):
        await cpo_tariffs.apply_published(conn, message)
    elif isinstance(message, TariffAssigned):
        await cpo_tariffs.apply_assigned(conn, message, envelope.time)
    elif isinstance(message, TariffRetired):
        await cpo_tariffs.apply_retired(conn, message, envelope.time)
    else:
        raise PoisonEventError(f"expected a tariff event, got {envelope.type}")
    await _push_tariff(conn, message.tariff_id, envelope.correlation_id)
    return None


async def _push_tariff(conn: AsyncConnection, tariff_id: str, correlation: str | None) -> None:
    """OCPI 2.2.1 section 3.4: `PUT {tariffs}/{cc}/{pid}/{tariff_id}`, the whole tariff as
    partners pull it (a retirement sets its end_date_time), to each eMSP with a Tariffs
    Receiver that may see it; the newest version replaces one still queued."""
    found = await cpo_tariffs.for_push(conn, tariff_id)
    if found is None:
        return
    tariff, audience = found
    body = render_json(tariff)
    path = f"/{tariff['country_code']}/{tariff['party_id']}/{tariff['id']}"
    now = datetime.now(UTC)
    for receiver in await pushes.receivers_of(conn, "tariffs"):
        if EVERYONE in audience or receiver.party in audience:
            await pushes.enqueue(
                conn,
                receiver,
                "tariffs",
                tariff_id,
                body,
                correlation,
                now,
                method="PUT",
                path=path,
                latest_wins=True,
            )


def _handlers() -> dict[str, Handler]:
    handlers: dict[str, Handler] = {
        t.type_name: on_location for t in (LocationRegistered, LocationUpdated)
    }
    stations = (StationRegistered, StationUpdated, *_STATION_EVENTS[1:])
    handlers |= {t.type_name: on_station for t in stations}
    handlers |= {t.type_name: on_session for t in (*_SESSION_EVENTS, SessionCorrected)}
    handlers |= {t.type_name: on_tariff for t in (TariffPublished, TariffAssigned, TariffRetired)}
    # The station's answer to a command an eMSP sent us (OCPI 2.2.1 section 13).
    handlers[StationCommandCompleted.type_name] = on_command_completed
    return handlers


def cpo_objects_consumer(group: str = CPO_OBJECTS_GROUP) -> Consumer:
    """Locations (with EVSE status), sessions and tariffs, kept for partners to pull (tables
    `ocpi_locations`, `ocpi_stations`, `ocpi_evses`, `ocpi_sessions`, `ocpi_tariffs`,
    `ocpi_tariff_audiences`)."""
    return Consumer(
        group=group,
        topics=[events_topic("gateway"), events_topic("session"), events_topic("tariff")],
        handlers=_handlers(),
        service="roaming",
    )
