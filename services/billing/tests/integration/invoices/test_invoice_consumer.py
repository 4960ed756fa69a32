"""The invoice consumer on a real PostgreSQL (and, last, the real broker): every CDR of our own
drivers, from our network or a partner CPO's, goes on its contract's invoice exactly once;
other parties' tokens are not invoiced; what cannot be billed is dead-lettered with why."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from evroam_billing.app import policies
from evroam_billing.domain.statements import parse_parties
from evroam_contracts.cdr import Cdr
from evroam_contracts.topics import events_topic
from evroam_messaging import Producer, make_broker, register_consumer
from evroam_testing.infra import Infra

MakeCdr = Callable[..., Cdr]
Feed = Any  # conftest's InvoiceFeed: pytest does not put conftest modules on sys.path


async def test_cdrs_of_our_network_and_of_a_partners_go_on_one_invoice(
    feed: Feed, driver_cdr: MakeCdr
) -> None:
    ours = feed.issued(driver_cdr("CDR-1"), correlation_id="corr-S-1")
    # A partner CPO's CDR has no time zone: Belgium's (21:30 UTC is 23:30 there, still March).
    theirs = driver_cdr("BEC-7", cpo=("BE", "BEC"), country="BEL", city="Gent",
                        end="2026-03-31T21:30:00Z", total="10.00", incl="12.10")  # fmt: skip

    await feed.deliver(ours)
    await feed.receive(theirs)

    opened, one, two = await feed.contract_events()
    assert opened.type == "billing.invoice_opened"
    assert [(e.payload["line_no"], e.payload["cdr_id"], e.payload["cpo"]) for e in (one, two)] == [
        (1, "CDR-1", "NL*EVR"),
        (2, "BEC-7", "BE*BEC"),
    ]
    assert two.payload["time_zone"] == "Europe/Brussels"
    assert (two.payload["country"], two.payload["vat_rate"]) == ("BEL", "21")
    assert one.correlation_id == "corr-S-1"
    assert one.metadata["causation_id"] == str(ours.event_id)
    assert feed.dead_letters == []


async def test_cdrs_of_other_parties_tokens_are_not_invoiced_by_us(
    feed: Feed, make_cdr: MakeCdr
) -> None:
    partner_driver = make_cdr("CDR-TNM")  # token DE*TNM: the partner eMSP invoices its driver

    await feed.issue(partner_driver)
    await feed.receive(partner_driver)

    assert await feed.contract_events(partner_driver.cdr_token.contract_id) == []
    assert feed.consumer.handled == 0  # skipped by the group's filter, before any transaction
    assert feed.dead_letters == []


async def test_a_cdr_is_billed_once_whatever_path_and_however_often_it_comes(
    feed: Feed, driver_cdr: MakeCdr
) -> None:
    cdr = driver_cdr("CDR-1")
    envelope = feed.issued(cdr)

    await feed.deliver(envelope)
    await feed.deliver(envelope)  # redelivered: the processed-event row stops it
    await feed.issue(cdr)  # re-published with a new event id: the contract's stream does
    await feed.receive(cdr)  # the same CDR through roaming (a hub sent it back to us)

    assert [e.payload["cdr_id"] for e in await feed.lines()] == ["CDR-1"]
    assert feed.consumer.duplicates == 1
    assert feed.dead_letters == []


async def test_cdrs_of_one_contract_arriving_at_once_each_get_their_own_line(
    feed: Feed, driver_cdr: MakeCdr
) -> None:
    # CDR streams are spread over partitions: several consumers bill one contract at once.
    await asyncio.gather(*(feed.issue(driver_cdr(f"CDR-{n}")) for n in range(1, 9)))

    lines = await feed.lines()
    assert sorted(e.payload["cdr_id"] for e in lines) == sorted(f"CDR-{n}" for n in range(1, 9))
    assert [e.payload["line_no"] for e in lines] == list(range(1, 9))
    assert feed.dead_letters == []


async def test_a_cdr_whose_month_cannot_be_known_is_dead_lettered_with_the_reason(
    feed: Feed, driver_cdr: MakeCdr
) -> None:
    await feed.issue(driver_cdr("CDR-1"), time_zone="Mars/Olympus_Mons")
    await feed.receive(driver_cdr("CDR-2", cpo=("US", "TES"), country="USA"))

    first, second = feed.dead_letters
    assert "UnknownTimeZoneError" in first["x_dlq_reason"]
    assert "no time zone known for country 'USA'" in second["x_dlq_reason"]
    assert await feed.contract_events() == []


@pytest.fixture(scope="session")
def kafka(infra: Infra) -> str:
    infra.create_topics()
    return infra.kafka_bootstrap_servers


@pytest.mark.timeout(120)
async def test_cdrs_published_on_both_topics_reach_the_invoice_once(
    pool: AsyncConnectionPool, feed: Feed, driver_cdr: MakeCdr, kafka: str
) -> None:
    contract = f"NL-EVR-IT{secrets.token_hex(4).upper()}"  # the topics keep everything
    ours, theirs = (
        driver_cdr("CDR-OURS", contract_id=contract),
        driver_cdr("CDR-THEIRS", contract_id=contract, cpo=("BE", "BEC"), country="BEL"),
    )
    consumer = policies(parse_parties("NL*EVR"))
    consumer.group = f"evroam.billing.policies.it-{secrets.token_hex(4)}"
    producer, broker = Producer(kafka, "billing-it"), make_broker(kafka, "billing-it")
    await producer.start(wait_s=10)
    register_consumer(broker, consumer, pool, producer)
    await broker.start()
    try:
        issued = feed.issued(ours)
        await producer.send_envelopes(events_topic("cdr"), [issued, issued])  # redelivery
        await producer.send_envelopes(events_topic("roaming"), [feed.received(theirs)])
        for _ in range(400):  # a new group's first assignment takes a few seconds
            if len(await feed.lines(contract)) >= 2:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # the redelivered record, had it been billed twice
    finally:
        await broker.stop()
        await producer.stop()
    lines = await feed.lines(contract)
    assert sorted(e.payload["cdr_id"] for e in lines) == ["CDR-OURS", "CDR-THEIRS"]
