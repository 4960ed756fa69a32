"""Commands we, the eMSP, send to CPOs (OCPI 2.2.1 section 6.2), and the CommandResults they
post back to our `response_url`. Each command is a row (`emsp_commands`) and a stream of
events (`emsp-command-<id>`: `roaming.command_sent`, `roaming.command_result_received`),
written together; the command id is their correlation id and the X-Correlation-ID we send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ids import new_id
from evroam_contracts.roaming import CommandResultReceived, CommandSent
from evroam_contracts.shared import OcpiToken
from evroam_eventstore import EventStore, NewEvent
from evroam_roaming.adapters import emsp_commands, pushes
from evroam_roaming.adapters.commands_client import CommandsClient
from evroam_roaming.adapters.emsp_tokens import PostgresEmspTokens
from evroam_roaming.domain.emsp_commands import (
    CommandOrder,
    NoCommandsReceiverError,
    NotOurTokenError,
    SentCommand,
    accepts_result,
    result_received,
    sent,
)
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.tokens import TokenKey
from evroam_roaming.ocpi.commands.models import CommandResult
from evroam_roaming.ocpi.emsp.command_calls import (
    WITH_TOKEN,
    CommandAnswer,
    build_command,
    command_call,
    command_json,
    first_text,
    response_url,
)


def _now() -> datetime:
    return datetime.now(UTC)


def command_stream(command_id: str) -> str:
    return f"emsp-command-{command_id}"


async def _append(conn: AsyncConnection, event: CommandSent | CommandResultReceived) -> None:
    """On the command's stream; these events record facts, so they append at its end."""
    new = NewEvent.of(event, correlation_id=event.command_id)
    await EventStore().append(conn, command_stream(event.command_id), None, [new])


class CommandSender:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        client: CommandsClient,
        us: Party,
        commands_url: str,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._pool, self._client, self._us = pool, client, us
        self._commands_url, self._clock = commands_url, clock
        self._tokens = PostgresEmspTokens(pool)

    async def send(self, order: CommandOrder) -> SentCommand:
        """Build, record, POST, record the answer. Raises NoCommandsReceiverError,
        NotOurTokenError or InvalidCommandError before anything is sent."""
        async with self._pool.connection() as conn:
            receiver = await pushes.receiver_of_partner(conn, order.partner_id, "commands")
        if receiver is None:
            raise NoCommandsReceiverError(f"partner {order.partner_id} has no commands RECEIVER")
        command_id = str(new_id())
        url = response_url(self._commands_url, order.command, command_id)
        fields = {k: v for k, v in order.fields.items() if k not in ("token", "response_url")}
        if order.command in WITH_TOKEN:
            # The CPO echoes it in the Session and CDR (section 3.5): how we recognise the
            # session our command started.
            fields.setdefault("authorization_reference", command_id)
        body = command_json(build_command(order.command, fields, url, await self._token(order)))
        async with self._pool.connection() as conn, conn.transaction():
            # Recorded before the POST: a CPO may post the result before it answers.
            command = await emsp_commands.record_sent(
                conn, command_id, receiver.partner_id, order.command, body, self._clock()
            )
        call = command_call(
            commands_url=receiver.url,
            credentials_token=receiver.token,
            us=self._us,
            cpo=receiver.party,
            command_type=order.command,
            body=body,
            request_id=str(new_id()),
            correlation_id=command_id,
        )
        answer = await self._client.post(call)
        await self._answered(command, receiver.party, url, answer)
        return await self.get(command_id) or command

    async def get(self, command_id: str) -> SentCommand | None:
        async with self._pool.connection() as conn:
            return await emsp_commands.get(conn, command_id)

    async def _token(self, order: CommandOrder) -> OcpiToken | None:
        if order.command not in WITH_TOKEN:
            return None
        choice = order.token
        if choice is None:
            raise NotOurTokenError(f"{order.command} carries one of our tokens: name it")
        token = await self._tokens.find(choice.uid, choice.type, choice.owner)
        if token is None or choice.owner not in (None, TokenKey.of_token(token).owner):
            raise NotOurTokenError(f"{choice.type} token {choice.uid} is not one of ours")
        if not token.valid:
            raise NotOurTokenError(f"{choice.type} token {choice.uid} is not valid")
        return token

    async def _answered(
        self, command: SentCommand, cpo: Party, url: str, answer: CommandAnswer
    ) -> None:
        response = None
        if answer.response is not None:
            response = {
                "result": answer.response.result,
                "timeout": answer.response.timeout,
                "message": first_text(answer.response.message),
            }
        now = self._clock()
        event = sent(
            command,
            cpo,
            url,
            response=response,
            http_status=answer.http_status,
            ocpi_status=answer.ocpi_status,
            detail=answer.detail,
            now=now,
        )
        async with self._pool.connection() as conn, conn.transaction():
            await emsp_commands.record_answer(
                conn,
                command.command_id,
                response=response,
                http_status=answer.http_status,
                ocpi_status=answer.ocpi_status,
                failure=None if response else answer.detail,
                at=now,
            )
            await _append(conn, event)


class CommandResults:
    """Where CPOs post the CommandResults of our commands (ocpi/emsp/commands.py)."""

    def __init__(self, pool: AsyncConnectionPool, clock: Callable[[], datetime] = _now) -> None:
        self._pool, self._clock = pool, clock

    async def receive(
        self, *, partner_id: str, command_type: str, command_id: str, result: CommandResult
    ) -> bool:
        """Record the result; False when no command of ours went to `partner_id` at this
        URL (unknown, another command type, or another partner's: all alike)."""
        async with self._pool.connection() as conn, conn.transaction():
            command = await emsp_commands.get(conn, command_id, lock=True)
            if command is None or not accepts_result(command, partner_id, command_type):
                return False
            now, message = self._clock(), first_text(result.message)
            await emsp_commands.record_result(conn, command_id, result.result, message, now)
            await _append(conn, result_received(command, result.result, message, now))
        return True
