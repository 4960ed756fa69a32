"""What the eMSP tokens consumer does with events it can never handle: they are poison (the
consumer dead-letters them with the reason), before anything is written."""

from datetime import UTC, datetime
from typing import Any

import pytest

from evroam_contracts import Envelope, Message
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import PushReplayed
from evroam_messaging import PoisonEventError
from evroam_roaming.emsp_consumers import (
    EMSP_TOKENS_GROUP,
    emsp_tokens_consumer,
    on_token_registered,
)

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)
FIELDS: dict[str, Any] = {
    "country_code": "NL",
    "party_id": "EVR",
    "uid": "04A1B2",
    "type": "RFID",
    "contract_id": "NL-EVR-C12345678-X",
    "issuer": "evroam",
    "last_updated": NOW,
}


def envelope_of(message: Message) -> Envelope:
    return Envelope(
        event_id=new_id(),
        type=message.type_name,
        version=message.version,
        source="evroam.authorization",
        time=NOW,
        stream_id="token-NL-EVR-RFID-04A1B2",
        stream_version=1,
        payload=message.to_json_dict(),
    )


class NoDatabase:
    def __getattr__(self, name: str) -> object:
        raise AssertionError("nothing may be written for a poison event")


async def test_an_own_token_that_is_no_ocpi_token_is_poison() -> None:
    token = TokenRegistered(**FIELDS | {"issuer": "x" * 65})  # OCPI: issuer string(64)
    with pytest.raises(PoisonEventError, match="no OCPI Token"):
        await on_token_registered(NoDatabase(), envelope_of(token), token)  # type: ignore[arg-type]


async def test_another_event_type_is_poison() -> None:
    replayed = PushReplayed(push_id=1, partner_id="p", module="m", object_id="o", replayed_at=NOW)
    with pytest.raises(PoisonEventError, match=r"expected token\.registered"):
        await on_token_registered(NoDatabase(), envelope_of(replayed), replayed)  # type: ignore[arg-type]


def test_the_consumer_reads_the_authorization_events_in_its_own_group() -> None:
    consumer = emsp_tokens_consumer()
    assert (consumer.group, list(consumer.topics)) == (
        EMSP_TOKENS_GROUP,
        ["evroam.authorization.events"],
    )
    assert list(consumer.handlers) == ["token.registered"]
