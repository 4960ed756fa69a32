"""Commands from eMSPs, we being the CPO (OCPI 2.2.1 section 13 and the flow of section 6.2
of our digest): a command the domain turns into a station command is recorded with its
`roaming.command_received` event and published on `evroam.gateway.commands` in one go, the
eMSP answered ACCEPTED with the time its CommandResult may take. The station's outcome
(`station.command_completed`) becomes the CommandResult, queued for the eMSP's response_url.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import SendStationCommand, StationCommandCompleted
from evroam_contracts.ids import new_id
from evroam_contracts.ocpi_json import render_json
from evroam_contracts.roaming import (
    RemoteCommandReceived,
    RemoteCommandResultIssued,
    RemoteCommandType,
)
from evroam_contracts.topics import GATEWAY_COMMANDS
from evroam_eventstore import EventStore, NewEvent
from evroam_messaging import PoisonEventError, Producer
from evroam_messaging.consumer import AfterCommit
from evroam_roaming.adapters import commands as store
from evroam_roaming.adapters import pushes
from evroam_roaming.domain import commands as decide
from evroam_roaming.domain.commands import Refusal, StationCall, UnknownLocationError
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.commands.models import (
    CancelReservation,
    Command,
    CommandResponse,
    CommandResult,
    CommandType,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
    english,
)

# OCPI: a CPO must not ask the eMSP again about a token it sent with START_SESSION for 15
# minutes (digest section 6.2, token handling).
START_GRANT = timedelta(minutes=15)


def _now() -> datetime:
    return datetime.now(UTC)


def command_stream(command_id: str) -> str:
    return f"ocpi-command-{command_id}"


class CommandReceiver:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        producer: Producer,
        *,
        station_timeout_s: float,
        result_timeout_s: int,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._pool, self._producer, self._clock = pool, producer, clock
        self._station_timeout = timedelta(seconds=station_timeout_s)
        self._result_timeout_s = result_timeout_s

    async def receive(
        self, partner_id: str, emsp: Party, command_type: CommandType, command: Command
    ) -> CommandResponse:
        """Decide, record and send on; every command is recorded, refused ones too. Raises
        UnknownLocationError (after recording) for a location we do not have. The station
        command is published before the record commits: if Kafka fails, nothing is recorded
        and the eMSP gets an error instead of a result that never comes."""
        now, command_id = self._clock(), str(new_id())
        async with self._pool.connection() as conn, conn.transaction():
            decided = await _decide(conn, command, emsp, now)
            event = _received(command_id, partner_id, emsp, command_type, command, decided, now)
            await EventStore().append(
                conn,
                command_stream(command_id),
                0,
                [NewEvent.of(event, correlation_id=command_id)],
            )
            if isinstance(decided, StationCall):
                await store.record_command(conn, _row(event, command, decided))
                await self._send(command_id, decided, now)
        if isinstance(decided, Refusal) and decided.unknown_location:
            raise UnknownLocationError(command_type)
        return CommandResponse(
            result=event.response,
            timeout=self._result_timeout_s,
            message=english(event.message) if event.message else (),
        )

    async def _send(self, command_id: str, call: StationCall, now: datetime) -> None:
        command = SendStationCommand(
            command_id=command_id,
            station_id=call.station_id,
            action=call.action,
            arguments=call.arguments,
            expires_at=now + self._station_timeout,
        )
        envelope = Envelope(
            event_id=new_id(),
            type=command.type_name,
            version=command.version,
            source="roaming",
            time=now,
            stream_id=f"station-{call.station_id}",
            stream_version=0,
            payload=command.model_dump(mode="json"),
            correlation_id=command_id,
        )
        await self._producer.send_envelopes(GATEWAY_COMMANDS, [envelope])


async def _decide(
    conn: AsyncConnection, command: Command, emsp: Party, now: datetime
) -> StationCall | Refusal:
    if isinstance(command, StartSession):
        return decide.start_session(command, await store.evses_at(conn, command.location_id), emsp)
    if isinstance(command, StopSession):
        return decide.stop_session(command, await store.session_of(conn, command.session_id), emsp)
    if isinstance(command, UnlockConnector):
        evses = await store.evses_at(conn, command.location_id)
        charging = await store.charging_at(
            conn, command.location_id, command.evse_uid, command.connector_id
        )
        return decide.unlock_connector(command, evses, emsp, charging)
    if isinstance(command, ReserveNow):
        evses = await store.evses_at(conn, command.location_id)
        probe = decide.reserve_now(command, evses, emsp, 0, now)
        if isinstance(probe, Refusal):
            return probe
        number = await store.reservation_number(
            conn, emsp, command.reservation_id, probe.station_id
        )
        return decide.reserve_now(command, evses, emsp, number, now)
    assert isinstance(command, CancelReservation)
    reservation = await store.reservation_of(conn, emsp, command.reservation_id)
    return decide.cancel_reservation(command, reservation)


def _received(
    command_id: str,
    partner_id: str,
    emsp: Party,
    command_type: CommandType,
    command: Command,
    decided: StationCall | Refusal,
    now: datetime,
) -> RemoteCommandReceived:
    call = decided if isinstance(decided, StationCall) else None
    refusal = decided if isinstance(decided, Refusal) else None
    token = getattr(command, "token", None)
    valid_until = None
    if call is not None and token is not None:
        valid_until = command.expiry_date if isinstance(command, ReserveNow) else now + START_GRANT
    return RemoteCommandReceived(
        command_id=command_id,
        partner_id=partner_id,
        country_code=emsp.country_code,
        party_id=emsp.party_id,
        command=command_type,
        response=refusal.response if refusal else "ACCEPTED",
        message=refusal.message if refusal else None,
        station_id=call.station_id if call else None,
        action=call.action if call else None,
        location_id=getattr(command, "location_id", None),
        evse_uid=call.evse_uid if call else getattr(command, "evse_uid", None),
        connector_id=call.connector_id if call else getattr(command, "connector_id", None),
        session_id=getattr(command, "session_id", None),
        reservation_id=getattr(command, "reservation_id", None),
        token=token,
        authorization_reference=getattr(command, "authorization_reference", None),
        valid_until=valid_until,
        received_at=now,
    )


def _row(
    event: RemoteCommandReceived, command: Command, call: StationCall
) -> store.ReceivedCommand:
    return store.ReceivedCommand(
        command_id=event.command_id,
        partner_id=event.partner_id,
        country_code=event.country_code,
        party_id=event.party_id,
        command=event.command,
        response_url=command.response_url,
        station_id=call.station_id,
        action=call.action,
        received_at=event.received_at,
    )


async def on_command_completed(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """The station's answer to a command an eMSP sent: its CommandResult, queued for the
    response_url (a gateway command of anyone else is not ours: nothing to do)."""
    if not isinstance(message, StationCommandCompleted):
        raise PoisonEventError(f"expected station.command_completed, got {envelope.type}")
    command = await store.command_of(conn, message.command_id)
    if command is None or command.result is not None:
        return None
    result, text = decide.command_result(
        command.action, message.outcome, message.response, message.reason
    )
    now = datetime.now(UTC)
    await store.record_result(conn, command.command_id, result, now)
    receiver = await pushes.receiver_at(conn, command.partner_id, command.response_url)
    if receiver is not None:
        body = CommandResult(result=result, message=english(text)).model_dump(mode="json")
        await pushes.enqueue(
            conn,
            # Through a hub, the result is addressed to the hub's client that sent it.
            dataclasses.replace(receiver, party=Party(command.country_code, command.party_id)),
            "commands",
            command.command_id,
            render_json(body),
            envelope.correlation_id or command.command_id,
            now,
            url=command.response_url,
        )
    issued = RemoteCommandResultIssued(
        command_id=command.command_id,
        partner_id=command.partner_id,
        command=cast(RemoteCommandType, command.command),
        result=result,
        station_outcome=message.outcome,
        message=text,
        issued_at=now,
    )
    stream = command_stream(command.command_id)
    new = NewEvent.of(issued, correlation_id=envelope.correlation_id or command.command_id)
    await EventStore().append(conn, stream, 1, [new])
    return None
