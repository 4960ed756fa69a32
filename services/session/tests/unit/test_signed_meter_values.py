"""Signed meter values, given/when/then: the station's signed readings are recorded as session
inputs (duplicates ignored, in time order) and the completed session carries them as OCPI
SignedData (Start / Intermediate / End), the blob recoverable exactly from `signed_data`."""

from __future__ import annotations

import base64
from typing import TypeVar

from evroam_contracts.session import (
    SessionCompleted,
    SessionCorrected,
    SessionPending,
    SessionStarted,
    SessionUpdated,
)
from evroam_contracts.shared import SignedData, SignedReading, SignedValue
from evroam_session.domain import decider
from evroam_session.domain.state import SessionEvent, SessionState, evolve
from evroam_testing.signed_meter import SignedMeter, payload_of
from evroam_testing.transaction_events import (
    SID,
    TARIFF,
    at,
    ended,
    readings,
    signed,
    started,
)

E = TypeVar("E")
BEGIN = signed(0, 1000, "Transaction.Begin")
PERIODIC = signed(30, 6000)
END = signed(60, 11000, "Transaction.End")
KEY = SignedMeter().public_key


def then(state: SessionState, events: list[SessionEvent]) -> SessionState:
    for e in events:
        state = evolve(state, e)
    return state


def given_started(signed: tuple[SignedReading, ...] = ()) -> SessionState:
    state = SessionState(SID)
    return then(state, decider.start(state, started(signed=signed), TARIFF, "EUR"))


def fed(state: SessionState, *signed_readings: SignedReading) -> SessionState:
    return then(state, decider.add_samples(state, readings(signed=signed_readings)))


def one(events: list[SessionEvent], kind: type[E]) -> E:
    [found] = [e for e in events if type(e) is kind]
    return found


def completed(state: SessionState, *end: SignedReading) -> SessionCompleted:
    return one(decider.complete(state, ended(60, 11000, signed=end)), SessionCompleted)


def ocmf(value: SignedValue) -> str:
    return base64.b64decode(value.signed_data).decode()


# OCPP 1.6: OCMF text in SampledValues of format SignedData


def test_a_session_without_signed_values_has_no_signed_data() -> None:
    assert completed(given_started()).signed_data is None


def test_the_signed_values_of_a_16_session_become_start_intermediate_and_end() -> None:
    state = fed(given_started(), BEGIN)  # 1.6: MeterValues (Transaction.Begin) after the start
    state = fed(state, PERIODIC)

    done = completed(state, END)  # StopTransaction.transactionData (Transaction.End)

    assert done.signed_data is not None
    assert (done.signed_data.encoding_method, done.signed_data.public_key) == ("OCMF", None)
    assert [v.nature for v in done.signed_data.signed_values] == ["Start", "Intermediate", "End"]
    start, _, end = done.signed_data.signed_values
    assert ocmf(start) == BEGIN.signed_data  # base64 of the blob, recoverable exactly
    assert ocmf(end) == END.signed_data
    assert end.plain_data == payload_of(END.signed_data)  # the OCMF payload section
    assert '"TX":"E"' in end.plain_data


def test_signed_values_are_recorded_as_inputs_of_the_session_update() -> None:
    [update] = decider.add_samples(given_started(), readings((10, 3000), signed=(BEGIN,)))

    assert isinstance(update, SessionUpdated)
    assert update.signed == (BEGIN,)
    assert update.kwh > 0  # the figures of an active session, as for any reading


def test_a_signed_value_sent_again_is_recorded_once() -> None:
    state = fed(given_started(), BEGIN, PERIODIC)

    # MeterValues delivered twice; transactionData repeating what MeterValues sent.
    assert decider.add_samples(state, readings(signed=(PERIODIC,))) == []
    done = completed(state, BEGIN, PERIODIC, END)

    assert done.signed_data is not None
    assert [v.nature for v in done.signed_data.signed_values] == ["Start", "Intermediate", "End"]


def test_signed_values_are_in_time_order_whatever_order_they_arrived_in() -> None:
    state = fed(given_started(), PERIODIC, BEGIN)

    done = completed(state, END)

    assert done.signed_data is not None
    assert [ocmf(v) for v in done.signed_data.signed_values] == [
        BEGIN.signed_data,
        PERIODIC.signed_data,
        END.signed_data,
    ]


def test_a_signed_value_arriving_after_completion_corrects_the_session() -> None:
    state = fed(given_started(), BEGIN)
    state = then(state, decider.complete(state, ended(60, 11000, signed=(END,))))

    events = decider.add_samples(state, readings(signed=(PERIODIC,), received=90))

    corrected = one(events, SessionCorrected)
    assert corrected.signed_data is not None
    assert [v.nature for v in corrected.signed_data.signed_values] == [
        "Start",
        "Intermediate",
        "End",
    ]
    assert corrected.revision == 1


def test_a_16_blob_that_is_not_ocmf_is_kept_as_sent_with_an_unknown_encoding() -> None:
    hex_block = SignedReading(at=at(60), signed_data="0a1b2c3d", context="Transaction.End")

    done = completed(given_started(), hex_block)

    assert done.signed_data == SignedData(
        encoding_method="UNKNOWN",
        signed_values=(
            SignedValue(
                nature="End",
                plain_data="0a1b2c3d",
                signed_data=base64.b64encode(b"0a1b2c3d").decode(),
            ),
        ),
    )


# OCPP 2.0.1: signedMeterValue, signedMeterData and publicKey base64, encodingMethod named


def signed_201(reading: SignedReading, encoding: str = "OCMF") -> SignedReading:
    blob = base64.b64encode(reading.signed_data.encode()).decode()
    return reading.model_copy(
        update={
            "signed_data": blob,
            "encoding_method": encoding,
            "signing_method": "ECDSA-secp256r1-SHA256",
            "public_key": KEY,
        }
    )


def test_a_201_started_records_its_signed_value_when_the_session_opens() -> None:
    events = decider.start(SessionState(SID), started(signed=(signed_201(BEGIN),)), TARIFF, "EUR")

    assert [type(e) for e in events] == [SessionStarted, SessionUpdated]
    assert one(events, SessionUpdated).signed == (signed_201(BEGIN),)


def test_a_201_started_delivered_twice_records_its_signed_value_once() -> None:
    tx = started(signed=(signed_201(BEGIN),))

    assert decider.start(given_started(signed=(signed_201(BEGIN),)), tx, TARIFF, "EUR") == []


def test_a_pending_201_start_records_its_signed_value_too() -> None:
    tx = started(status="UNKNOWN", signed=(signed_201(BEGIN),))

    events = decider.start(SessionState(SID), tx, TARIFF, "EUR")

    assert [type(e) for e in events] == [SessionPending, SessionUpdated]


def test_the_signed_values_of_a_201_session_carry_the_key_and_decode_to_the_ocmf_text() -> None:
    state = given_started(signed=(signed_201(BEGIN),))

    done = completed(state, signed_201(END))

    assert done.signed_data is not None
    assert (done.signed_data.encoding_method, done.signed_data.public_key) == ("OCMF", KEY)
    start, end = done.signed_data.signed_values
    # signedMeterData is base64 of the OCMF text already: it is the signed_data as sent.
    assert (start.nature, start.signed_data) == ("Start", signed_201(BEGIN).signed_data)
    assert (end.nature, ocmf(end), end.plain_data) == (
        "End",
        END.signed_data,
        payload_of(END.signed_data),
    )


def test_a_201_encoding_other_than_ocmf_is_the_one_the_station_named() -> None:
    other = signed_201(END, "EDL40 Mennekes").model_copy(update={"signed_data": "AAEC"})

    done = completed(given_started(), other)

    assert done.signed_data is not None
    assert done.signed_data.encoding_method == "EDL40 Mennekes"
    assert done.signed_data.signed_values[0].plain_data == "AAEC"


# What could not be taken


def test_signed_values_the_gateway_refused_are_warned_of_on_the_completed_session() -> None:
    why = "signed meter value of 2026-03-02T09:30:00Z refused: signedMeterValue lacks publicKey"
    state = then(
        given_started(),
        decider.add_samples(given_started(), readings((30, 6000), signed_refused=(why,))),
    )

    done = completed(state)

    assert why in done.warnings
    assert done.signed_data is None
    assert done.kwh == 10  # the reading beside it was taken


def test_a_signed_value_too_long_for_ocpi_is_left_out_with_a_warning() -> None:
    long = SignedReading(at=at(30), signed_data="A" * 4000)  # 5336 characters in base64

    done = completed(fed(given_started(), BEGIN, long), END)

    assert done.signed_data is not None
    assert [v.nature for v in done.signed_data.signed_values] == ["Start", "End"]
    assert any("left out of signed_data" in w for w in done.warnings)
