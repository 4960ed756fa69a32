"""Sends queued pushes to partners (OCPI 2.2.1 section 1.10), in order per partner, with
quick retries inside an attempt (tenacity), backoff between attempts, a circuit breaker per
partner and a dead-letter state an operator can replay from. Every attempt is an event
(`roaming.push_attempted`, stream `push-<id>`), written with the queue row it changes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from opentelemetry import propagate, trace
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from evroam_contracts.ids import new_id
from evroam_contracts.roaming import PushAttempted, PushReplayed
from evroam_eventstore import EventStore, NewEvent
from evroam_roaming.adapters import pushes
from evroam_roaming.adapters.pushes import QueuedPush, Receiver
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.push import Answer, Breaker, PushPolicy, interpret, unreachable

log = logging.getLogger(__name__)
tracer = trace.get_tracer("evroam.roaming.push")
QUICK_TRIES = 3  # inside one attempt, for a refused connection or a 5xx


class _TryAgainError(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.detail)
        self.answer = answer


def _now() -> datetime:
    return datetime.now(UTC)


def push_stream(push_id: int) -> str:
    return f"push-{push_id}"


class Pusher:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        http: httpx.AsyncClient,
        us: Party,
        policy: PushPolicy,
        *,
        timeout_s: float = 10.0,
        poll_s: float = 0.5,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._pool, self._http, self._us, self._policy = pool, http, us, policy
        self._timeout, self._poll, self._clock = timeout_s, poll_s, clock
        self.breakers: dict[str, Breaker] = {}
        # For /metrics: attempts by outcome since start, and the queue as last seen.
        self.outcomes: dict[str, int] = {"DELIVERED": 0, "FAILED": 0, "DEAD_LETTERED": 0}
        self.pending = 0
        self.dead = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Push until `stop`; wait `poll_s` whenever nothing was due."""
        while not stop.is_set():
            try:
                attempted = await self.run_once()
            except Exception:  # a database hiccup must not end pushing for good
                log.exception("push round failed; trying again")
                attempted = 0
            if not attempted:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._poll)

    async def run_once(self) -> int:
        """One attempt for each partner whose oldest pending push is due; how many."""
        async with self._pool.connection() as conn:
            queue = await pushes.heads(conn)
            self.pending, self.dead = await pushes.counts(conn)
        now = self._clock()
        due = [
            head
            for head in queue
            if head.next_attempt_at <= now
            and self.breakers.get(head.partner_id, Breaker()).allows(now)
        ]
        # Partners are independent: a slow one never holds back the others.
        await asyncio.gather(*(self._attempt(head, now) for head in due))
        return len(due)

    async def replay(self, push_id: int) -> bool:
        """Send a dead-lettered push again (the admin API's replay)."""
        now = self._clock()
        async with self._pool.connection() as conn, conn.transaction():
            push = await pushes.replay(conn, push_id, now)
            if push is None:
                return False
            event = PushReplayed(
                push_id=push_id,
                partner_id=push.partner_id,
                module=push.module,
                object_id=push.object_id,
                replayed_at=now,
            )
            await self._append(conn, push, event)
        self.breakers.pop(push.partner_id, None)
        return True

    async def _attempt(self, push: QueuedPush, now: datetime) -> None:
        """One attempt, as a child span of the work that queued the push (its traceparent):
        the push is that work's last step, done later, so a viewer shows it in the session's
        trace, with the OCPI call(s) and the `roaming.push_attempted` event under it."""
        parent = propagate.extract({"traceparent": push.traceparent}) if push.traceparent else None
        with tracer.start_as_current_span(
            f"push {push.module}",
            context=parent,
            attributes={
                "evroam.push_id": push.push_id,
                "evroam.partner_id": push.partner_id,
                "evroam.object_id": push.object_id,
                "evroam.attempt": push.attempts + 1,
                **({"evroam.correlation_id": push.correlation_id} if push.correlation_id else {}),
            },
        ) as span:
            outcome = await self._attempt_in_span(push, now)
            span.set_attribute("evroam.push_outcome", outcome)
            if outcome != "DELIVERED":
                span.set_status(trace.StatusCode.ERROR, outcome)

    async def _attempt_in_span(self, push: QueuedPush, now: datetime) -> str:
        async with self._pool.connection() as conn:
            receiver = await (
                pushes.receiver_at(conn, push.partner_id, push.url)
                if push.url
                else pushes.receiver_of_partner(conn, push.partner_id, push.module)
            )
        if receiver is None:
            answer = unreachable(f"the partner offers no {push.module} Receiver any more")
        else:
            answer = await self._send(receiver, push)
        attempt = push.attempts + 1
        again = None if answer.delivered else self._policy.next_attempt(attempt, now)
        outcome = "DELIVERED" if answer.delivered else ("FAILED" if again else "DEAD_LETTERED")
        state = {"DELIVERED": "DELIVERED", "FAILED": "PENDING"}.get(outcome, "DEAD")
        event = PushAttempted(
            push_id=push.push_id,
            partner_id=push.partner_id,
            module=push.module,
            object_id=push.object_id,
            attempt=attempt,
            outcome=outcome,
            http_status=answer.http_status,
            ocpi_status=answer.ocpi_status,
            detail=answer.detail,
            location=answer.location,
            next_attempt_at=again,
            attempted_at=now,
        )
        async with self._pool.connection() as conn, conn.transaction():
            await pushes.record_attempt(
                conn,
                push.push_id,
                state=state,
                attempts=attempt,
                next_attempt_at=again,
                error=answer.detail,
                location=answer.location,
                at=now,
            )
            await self._append(conn, push, event)
        breaker = self.breakers.get(push.partner_id, Breaker())
        self.breakers[push.partner_id] = breaker.after(answer, now, self._policy)
        self.outcomes[outcome] += 1
        if not answer.delivered:
            log.warning("push %s to %s: %s", push.push_id, push.partner_id, outcome)
        return outcome

    async def _append(
        self, conn: AsyncConnection, push: QueuedPush, event: PushAttempted | PushReplayed
    ) -> None:
        """On the push's own stream, with the correlation id of what caused it (the session's
        for a CDR), so the push shows in the session's trace."""
        store = EventStore()
        stream = push_stream(push.push_id)
        version = await store.version(conn, stream)
        new = NewEvent.of(event, correlation_id=push.correlation_id)
        await store.append(conn, stream, version, [new])

    async def _send(self, receiver: Receiver, push: QueuedPush) -> Answer:
        """Send the object; a refused connection or a 5xx is tried again at once, briefly (a
        timeout is not: the partner had its chance, and the next attempt comes later)."""
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(QUICK_TRIES),
                wait=wait_exponential(multiplier=0.1, max=1.0),
                retry=retry_if_exception_type((_TryAgainError, httpx.ConnectError)),
                reraise=True,
            ):
                with attempt:
                    return await self._call(receiver, push)
        except _TryAgainError as exc:
            return exc.answer
        except httpx.HTTPError as exc:
            return unreachable(f"{type(exc).__name__}: {exc}")
        raise AssertionError("tenacity either returned or raised")

    async def _call(self, receiver: Receiver, push: QueuedPush) -> Answer:
        token = base64.b64encode(receiver.token.encode()).decode()
        to = push.to or receiver.party
        headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "X-Request-ID": str(new_id()),
            "X-Correlation-ID": push.correlation_id or str(new_id()),
            # OCPI 2.2.1 section 1.5: from us, to the party the object is for (through a hub,
            # the hub's client; the token is the hub's).
            "OCPI-from-country-code": self._us.country_code,
            "OCPI-from-party-id": self._us.party_id,
            "OCPI-to-country-code": to.country_code,
            "OCPI-to-party-id": to.party_id,
        }
        span = f"OCPI {push.method} {push.module}"
        with tracer.start_as_current_span(span, kind=trace.SpanKind.CLIENT):
            # A push with its own URL went to `receiver_at`, whose url is that URL.
            url = (
                receiver.url.rstrip("/") + push.path if push.path and not push.url else receiver.url
            )
            response = await self._http.request(
                push.method,
                url,
                content=push.body,
                headers=headers,
                timeout=self._timeout,
            )
        answer = interpret(response.status_code, response.content, response.headers.get("Location"))
        if response.status_code >= 500:
            raise _TryAgainError(answer)
        return answer
