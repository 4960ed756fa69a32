"""Authorization at the station edge: ask the authorization service over request/reply with
a deadline; when it does not answer in time, decide from the local authorization cache and
record that the gateway did (OCPP 1.6 Authorize/StartTransaction, ARCHITECTURE section 5)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import class_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import AuthorizeToken, TokenRegistered
from evroam_contracts.gateway import StationAuthorizedLocally
from evroam_contracts.ids import new_id
from evroam_contracts.topics import AUTHORIZATION_REQUESTS
from evroam_eventstore import EventStore, NewEvent
from evroam_gateway.domain.offline_authorization import CachedToken, decide_offline
from evroam_messaging import PoisonEventError, Requester, RequestTimeoutError
from evroam_messaging.consumer import AfterCommit

log = logging.getLogger(__name__)


async def on_token_registered(
    conn: AsyncConnection, envelope: Envelope, message: Message
) -> AfterCommit | None:
    """Keep the local authorization cache current; an older state never replaces a newer."""
    if not isinstance(message, TokenRegistered):
        raise PoisonEventError(f"expected token.registered, got {envelope.type}")
    t = message
    await conn.execute(
        "INSERT INTO authorization_cache VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (country_code, party_id, uid, type) DO UPDATE SET"
        " contract_id = excluded.contract_id, group_id = excluded.group_id,"
        " valid = excluded.valid, whitelist = excluded.whitelist,"
        " last_updated = excluded.last_updated"
        " WHERE authorization_cache.last_updated <= excluded.last_updated",
        (
            t.country_code.upper(),
            t.party_id.upper(),
            t.uid,
            t.type,
            t.contract_id,
            t.group_id,
            t.valid,
            t.whitelist,
            t.last_updated,
        ),
    )
    return None


class Authorization:
    def __init__(self, pool: AsyncConnectionPool, requester: Requester, timeout_s: float) -> None:
        self._pool, self._requester, self._timeout = pool, requester, timeout_s

    async def authorize(
        self,
        request: AuthorizeToken,
        charging_session_id: str,
    ) -> dict[str, Any]:
        """The authorization service's decision, or the local cache's when it is too late."""
        try:
            decision = await self._requester.request(
                AUTHORIZATION_REQUESTS,
                request,
                key=request.station_id,
                timeout_s=self._timeout,
                correlation_id=charging_session_id,
            )
        except RequestTimeoutError:
            log.warning(
                "authorization did not answer in %.1fs for %s; deciding from the local cache",
                self._timeout,
                request.station_id,
            )
            return await self._decide_locally(request, charging_session_id)
        return {**decision, "decided_by": "authorization"}

    async def _decide_locally(
        self, request: AuthorizeToken, charging_session_id: str
    ) -> dict[str, Any]:
        async with self._pool.connection() as conn:
            async with conn.cursor(row_factory=class_row(CachedToken)) as cur:
                await cur.execute(
                    "SELECT country_code, party_id, uid, type, contract_id, group_id, valid,"
                    " whitelist FROM authorization_cache WHERE uid = %s",
                    (request.id_tag,),
                )
                local = decide_offline(await cur.fetchall())
            token = local.token
            event = StationAuthorizedLocally(
                station_id=request.station_id,
                id_tag=request.id_tag,
                purpose=request.purpose,
                status=local.status,
                reason=f"authorization service did not answer; {local.reason}",
                authorization_reference=str(new_id()),
                token_country_code=token.country_code if token else None,
                token_party_id=token.party_id if token else None,
                contract_id=token.contract_id if token else None,
                decided_at=datetime.now(UTC),
            )
            await EventStore().append(
                conn,
                f"station-{request.station_id}",
                None,
                [NewEvent.of(event, correlation_id=charging_session_id)],
            )
        return {
            "status": local.status,
            "reason": event.reason,
            "authorization_reference": event.authorization_reference,
            "decided_by": "local_cache",
            "auth_method": "WHITELIST",
            "parent_id_tag": token.group_id if token else None,
            "token": None
            if token is None
            else {
                "country_code": token.country_code,
                "party_id": token.party_id,
                "uid": token.uid,
                "type": token.type,
                "contract_id": token.contract_id,
            },
        }
