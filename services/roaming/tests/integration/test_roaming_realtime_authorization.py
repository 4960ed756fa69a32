"""Real-time authorization (OCPI 2.2.1 section 6.1) end to end on the real broker: an
AuthorizeRealtime request, our responder, a real eMSP partner over HTTP, and the reply.

One database, responder and consumer group for the module (a group join costs seconds);
each test uses its own partner party."""

from __future__ import annotations

import base64
import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

import evroam_roaming.app
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import AuthorizeRealtime
from evroam_contracts.shared import LocationReferences
from evroam_contracts.topics import AUTHORIZATION_REPLIES, ROAMING_REQUESTS
from evroam_devstack import TopicSpec
from evroam_eventstore import open_pool
from evroam_messaging import Producer, Requester, make_broker, register_consumer
from evroam_roaming.app import realtime_authorizer, requests_consumer
from evroam_runtime import sql_dir
from evroam_testing.infra import Infra
from evroam_testing.ocpi_partner import OcpiPartner

Ask = Callable[..., Awaitable[dict[str, Any]]]
_parties = (f"R{n:02d}" for n in itertools.count(1))
# A request topic and group of this module's own: a roaming service of the flow tests' stack may
# run on the same broker, and must not answer (or steal) these requests.
RUN = secrets.token_hex(3)
REQUESTS = f"{ROAMING_REQUESTS}.it-{RUN}"


@pytest.fixture(scope="module")
async def responder(
    infra: Infra, kafka: str, serve_roaming: Any
) -> AsyncIterator[tuple[Any, Requester]]:
    """Our HTTP app (for handshakes), the requests consumer and a requester on the broker."""
    with infra.migrated_database("evroam_roaming_it", sql_dir(evroam_roaming.app.__file__)) as url:
        pool: AsyncConnectionPool = await open_pool(url, min_size=1, max_size=4, wait_s=10)
        infra.create_topics([TopicSpec(REQUESTS, "requests", 1)])
        producer = Producer(kafka, "roaming-it")
        await producer.start()
        broker = make_broker(kafka, "roaming-it")
        try:
            async with contextlib.AsyncExitStack() as stack:
                roaming = await stack.enter_async_context(serve_roaming(pool, url))
                authorizer = realtime_authorizer(producer, roaming.client, roaming.settings)
                consumer = requests_consumer(authorizer, f"evroam.roaming.it-{RUN}", REQUESTS)
                register_consumer(broker, consumer, pool, producer)
                await broker.start()
                stack.push_async_callback(broker.stop)
                stack.push_async_callback(authorizer.close)
                requester = Requester(producer, kafka, AUTHORIZATION_REPLIES)
                await requester.start()
                stack.push_async_callback(requester.stop)
                await consumer.assigned.wait()
                yield roaming, requester
        finally:
            await producer.stop()
            await pool.close()


@pytest.fixture
async def partner(responder: tuple[Any, Requester]) -> AsyncIterator[OcpiPartner]:
    """A fresh eMSP party, registered with us over OCPI."""
    roaming, _ = responder
    party = next(_parties)
    async with OcpiPartner("DE", party) as emsp:
        await emsp.register(roaming.versions_url, await roaming.admit("DE", party))
        yield emsp


@pytest.fixture
def ask(responder: tuple[Any, Requester]) -> Ask:
    _, requester = responder

    async def call(country_code: str, party_id: str, uid: str, **kw: Any) -> dict[str, Any]:
        timeout_s = kw.pop("timeout_s", 5.0)
        command = AuthorizeRealtime(
            request_id=str(new_id()), country_code=country_code, party_id=party_id, uid=uid, **kw
        )
        return await requester.request(
            REQUESTS, command, key=command.request_id, timeout_s=timeout_s
        )

    return call


async def test_an_allowed_answer_comes_back_with_its_authorization_reference(
    partner: OcpiPartner, ask: Ask
) -> None:
    location = {"location_id": "LOC1", "evse_uids": ["E1"]}
    partner.answer("04A1B2", "ALLOWED", authorization_reference="ref-42", location=location)
    reply = await ask(
        "DE", partner.party_id, "04A1B2", location=LocationReferences(location_id="LOC1")
    )
    assert reply["outcome"] == "ANSWERED"
    assert (reply["allowed"], reply["authorization_reference"]) == ("ALLOWED", "ref-42")
    assert reply["location"] == location
    assert reply["token"]["uid"] == "04A1B2"
    [call] = partner.authorize_calls
    assert (call["uid"], call["type"]) == ("04A1B2", "RFID")
    assert call["body"] == {"location_id": "LOC1", "evse_uids": []}
    headers = call["headers"]
    token_b = base64.b64encode(partner.token_b.encode()).decode()
    assert headers["authorization"] == f"Token {token_b}"
    assert headers["x-request-id"]
    assert headers["x-correlation-id"]
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("NL", "EVR")
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == (
        "DE",
        partner.party_id,
    )


async def test_a_token_the_emsp_does_not_know_is_unknown(partner: OcpiPartner, ask: Ask) -> None:
    reply = await ask("DE", partner.party_id, "NOT-ISSUED")
    assert reply["outcome"] == "UNKNOWN_TOKEN"
    assert reply["allowed"] is None


async def test_a_stopped_emsp_is_unreachable_without_waiting_for_the_deadline(
    partner: OcpiPartner, ask: Ask
) -> None:
    partner.answer("04A1B2")
    await partner.stop()
    # A 30 s deadline: the reply arriving at all shows the refusal was not waited out.
    reply = await ask("DE", partner.party_id, "04A1B2", timeout_s=30)
    assert reply["outcome"] == "UNREACHABLE"
    assert "Connect" in reply["detail"]
    await partner.start()
    assert (await ask("DE", partner.party_id, "04A1B2"))["outcome"] == "ANSWERED"


async def test_an_emsp_stalling_past_the_deadline_is_unreachable_before_it(
    partner: OcpiPartner, ask: Ask
) -> None:
    partner.answer("04A1B2")
    partner.stall_s = 10
    # The requester gives up at its deadline: a reply at all came before it.
    reply = await ask("DE", partner.party_id, "04A1B2", timeout_s=2)
    assert reply["outcome"] == "UNREACHABLE"
    assert "no answer within" in reply["detail"]
    assert len(partner.authorize_calls) == 1


async def test_a_party_without_a_registered_emsp_has_no_partner(ask: Ask) -> None:
    reply = await ask("FR", "XYZ", "04A1B2")
    assert reply["outcome"] == "NO_PARTNER"
    assert "FR*XYZ" in reply["detail"]
