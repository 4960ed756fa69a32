"""CSMS-initiated commands: from `evroam.gateway.commands` to the station's socket, whichever
replica holds it, and back as a `station.command_completed` event.

Any replica may consume a command (the group shares the partitions). It looks up who holds
the station's socket (`station_connections`): itself, and it sends the CALL; another replica,
and it hands the command over through that replica's internal HTTP endpoint; nobody, and the
command fails at once as not_connected. The CALL runs in a bounded background task after the
consumer's commit, so one slow station never holds up the others' commands. The outcome is
appended to the stream `command-<id>` with expected version 0: a command consumed twice
(a redelivery) is answered once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope, Message
from evroam_contracts.gateway import SendStationCommand, StationCommandCompleted
from evroam_eventstore import ConcurrencyError, EventStore, NewEvent
from evroam_gateway.domain.station_commands import CommandNotSupportedError, for_version
from evroam_gateway.ocpp.connection import CommandResult, StationConnection
from evroam_messaging import BackgroundWork, PoisonEventError
from evroam_messaging.consumer import AfterCommit

log = logging.getLogger(__name__)
INTERNAL_PATH = "/internal/station-commands"


class StationCommands:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        connected: Mapping[str, StationConnection],
        replica: str,
        admin_token: str | None,
        timeout_s: float,
    ) -> None:
        self._pool, self._connected, self._replica = pool, connected, replica
        self._admin_token, self._timeout_s = admin_token, timeout_s
        self._work = BackgroundWork("station-commands", limit=256)
        self._store = EventStore()

    async def on_command(
        self, conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        """The consumer's handler: route the command, or fail it at once."""
        if not isinstance(message, SendStationCommand):
            raise PoisonEventError(f"expected a station command, got {envelope.type}")
        cmd, correlation = message, envelope.correlation_id
        if await self._store.version(conn, f"command-{cmd.command_id}") > 0:
            return None  # already answered
        if cmd.expires_at is not None and cmd.expires_at <= datetime.now(UTC):
            await self._complete(conn, cmd, CommandResult("timed_out", {}, "expired"), correlation)
            return None
        cur = await conn.execute(
            "SELECT replica, replica_url FROM station_connections WHERE station_id = %s",
            (cmd.station_id,),
        )
        holder = await cur.fetchone()
        if holder is None:
            result = CommandResult("not_connected", {}, f"{cmd.station_id} is not connected")
            await self._complete(conn, cmd, result, correlation)
            return None
        if holder[0] == self._replica:
            return lambda: self.take(cmd, correlation)
        return lambda: self._hand_over(cmd, correlation, holder[0], holder[1])

    async def take(self, cmd: SendStationCommand, correlation: str | None) -> None:
        """Send the command to a station connected here, in the background."""
        await self._work.start(self._deliver(cmd, correlation))

    async def _deliver(self, cmd: SendStationCommand, correlation: str | None) -> None:
        station = self._connected.get(cmd.station_id)
        version = station.version if station else None
        result = await self._send(cmd, station)
        async with self._pool.connection() as conn, conn.transaction():
            await self._complete(conn, cmd, result, correlation, version)

    async def _send(
        self, cmd: SendStationCommand, station: StationConnection | None
    ) -> CommandResult:
        if station is None:
            return CommandResult("not_connected", {}, f"{cmd.station_id} is not connected here")
        try:
            action, arguments = for_version(station.version, cmd.action, cmd.arguments)
        except CommandNotSupportedError as exc:
            return CommandResult("not_supported", {}, str(exc))
        if not station.accepted and action not in ("GetVariables", "SetVariables", "GetBaseReport"):
            return CommandResult("rejected", {}, "the station's registration is pending")
        budget = self._timeout_s
        if cmd.expires_at is not None:
            budget = min(budget, (cmd.expires_at - datetime.now(UTC)).total_seconds())
        sending = asyncio.ensure_future(station.send_command(action, arguments))
        gone = asyncio.ensure_future(station.closed())
        done, _ = await asyncio.wait(
            {sending, gone}, timeout=max(budget, 0.0), return_when="FIRST_COMPLETED"
        )
        for task in (sending, gone):
            if task not in done:
                task.cancel()
        if sending in done:
            return sending.result()
        if gone in done:
            return CommandResult("not_connected", {}, "the station disconnected before answering")
        return CommandResult("timed_out", {}, f"no answer within {budget:.0f}s")

    async def _hand_over(
        self, cmd: SendStationCommand, correlation: str | None, replica: str, url: str
    ) -> None:
        headers = {"Authorization": f"Bearer {self._admin_token}"} if self._admin_token else {}
        body: dict[str, Any] = {
            "command": cmd.model_dump(mode="json"),
            "correlation_id": correlation,
        }
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.post(f"{url}{INTERNAL_PATH}", json=body, headers=headers)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            result = CommandResult("not_connected", {}, f"replica {replica} unreachable: {exc}")
            async with self._pool.connection() as conn, conn.transaction():
                await self._complete(conn, cmd, result, correlation)

    async def _complete(
        self,
        conn: AsyncConnection,
        cmd: SendStationCommand,
        result: CommandResult,
        correlation: str | None,
        version: str | None = None,
    ) -> None:
        event = StationCommandCompleted(
            command_id=cmd.command_id,
            station_id=cmd.station_id,
            action=cmd.action,
            outcome=result.outcome,
            response=result.response,
            reason=result.reason,
            ocpp_version=version,
            completed_at=datetime.now(UTC),
            replica=self._replica,
        )
        new = NewEvent.of(event, correlation_id=correlation)
        try:
            await self._store.append(conn, f"command-{cmd.command_id}", 0, [new])
        except ConcurrencyError:
            log.info("command %s was answered already", cmd.command_id)
        log.info("command %s %s to %s: %s", cmd.command_id, cmd.action, cmd.station_id, result)

    async def run(self, stop: asyncio.Event) -> None:
        """A host task: at shutdown, cancel what is in flight."""
        await stop.wait()
        await self._work.stop()
