"""Our Tokens Sender (OCPI 2.2.1 section 3.5, we are the eMSP): the list CPOs pull, and the
real-time authorization answers we give them (section 6.1). Every answer is an event
(`roaming.realtime_authorization_answered`), on a stream of its own, with the CPO's
X-Correlation-ID, so an SRE can find what we told whom."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ids import new_id
from evroam_contracts.shared import LocationReferences, TokenType
from evroam_eventstore import EventStore, NewEvent
from evroam_roaming.adapters.emsp_tokens import PostgresEmspTokens
from evroam_roaming.domain.emsp_tokens import AuthorizationAnswer, answered, authorize
from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.pagination import PageRequest


def _now() -> datetime:
    return datetime.now(UTC)


def answer_stream(answer_id: str) -> str:
    return f"realtime-authorization-{answer_id}"


class EmspTokens:
    def __init__(self, pool: AsyncConnectionPool, clock: Callable[[], datetime] = _now) -> None:
        self._pool, self._clock = pool, clock
        self._tokens = PostgresEmspTokens(pool)

    async def page(self, request: PageRequest) -> tuple[int, list[dict[str, Any]]]:
        return await self._tokens.page(request)

    async def authorize(
        self,
        *,
        partner_id: str,
        cpo: Party,
        uid: str,
        type_: TokenType,
        location: LocationReferences | None,
        addressed: Party | None,
        correlation_id: str | None,
    ) -> AuthorizationAnswer | None:
        """Our answer, recorded before it is given; None when the token is not ours."""
        token = await self._tokens.find(uid, type_, addressed)
        answer_id = str(new_id())
        answer = authorize(token, location, reference=answer_id) if token else None
        event = answered(
            answer, partner_id=partner_id, cpo=cpo, uid=uid, type_=type_, now=self._clock()
        )
        async with self._pool.connection() as conn, conn.transaction():
            new = NewEvent.of(event, correlation_id=correlation_id or answer_id)
            await EventStore().append(conn, answer_stream(answer_id), 0, [new])
        return answer
