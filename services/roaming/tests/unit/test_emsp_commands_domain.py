"""What became of a command we sent a CPO (OCPI 2.2.1 section 6.2), and who may post its
result: pure rules over the recorded command."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from evroam_roaming.domain.emsp_commands import (
    CommandState,
    SentCommand,
    accepts_result,
    result_due_by,
    result_received,
    sent,
    state_of,
)
from evroam_roaming.domain.partners import Party

T0 = datetime(2026, 11, 21, 12, tzinfo=UTC)
COMMAND = SentCommand(
    command_id="c-1",
    partner_id="p-cpo",
    command="START_SESSION",
    request={"location_id": "LOC1"},
    sent_at=T0,
)
ACCEPTED = replace(COMMAND, answered_at=T0, response="ACCEPTED", response_timeout=30)


def test_a_command_without_an_answer_is_sent() -> None:
    assert state_of(COMMAND, T0 + timedelta(hours=1)) is CommandState.SENT


def test_a_command_the_cpo_gave_no_response_failed() -> None:
    failed = replace(COMMAND, answered_at=T0, failure="ConnectError")
    assert state_of(failed, T0) is CommandState.FAILED


def test_an_accepted_command_waits_for_its_result_until_the_timeout() -> None:
    assert result_due_by(ACCEPTED) == T0 + timedelta(seconds=30)
    assert state_of(ACCEPTED, T0 + timedelta(seconds=29.9)) is CommandState.RESPONDED
    assert state_of(ACCEPTED, T0 + timedelta(seconds=30)) is CommandState.TIMED_OUT


def test_a_rejected_command_never_times_out_it_expects_no_result() -> None:
    rejected = replace(ACCEPTED, response="REJECTED")
    assert result_due_by(rejected) is None
    assert state_of(rejected, T0 + timedelta(days=1)) is CommandState.RESPONDED


@pytest.mark.parametrize(
    "command",
    [
        replace(ACCEPTED, result="ACCEPTED", result_at=T0 + timedelta(hours=1)),  # late
        replace(COMMAND, result="ACCEPTED", result_at=T0),  # before the response was recorded
    ],
)
def test_a_result_counts_whenever_it_comes(command: SentCommand) -> None:
    assert state_of(command, T0 + timedelta(days=1)) is CommandState.RESULT


def test_only_the_partner_it_went_to_may_post_its_result_at_its_url() -> None:
    assert accepts_result(COMMAND, "p-cpo", "START_SESSION")
    assert not accepts_result(COMMAND, "p-other", "START_SESSION")
    assert not accepts_result(COMMAND, "p-cpo", "STOP_SESSION")
    assert not accepts_result(None, "p-cpo", "START_SESSION")


def test_the_sent_event_carries_the_response_or_why_there_is_none() -> None:
    response = {"result": "ACCEPTED", "timeout": 30, "message": "ok"}
    event = sent(
        COMMAND,
        Party("BE", "BEC"),
        "https://us/r",
        response=response,
        http_status=200,
        ocpi_status=1000,
        detail=None,
        now=T0,
    )
    assert (event.response, event.timeout, event.message, event.country_code) == (
        "ACCEPTED",
        30,
        "ok",
        "BE",
    )
    failed = sent(
        COMMAND,
        Party("BE", "BEC"),
        "https://us/r",
        response=None,
        http_status=None,
        ocpi_status=None,
        detail="ConnectError",
        now=T0,
    )
    assert (failed.response, failed.detail) == (None, "ConnectError")


def test_the_result_event_names_the_command() -> None:
    event = result_received(COMMAND, "EVSE_OCCUPIED", None, T0)
    assert (event.command_id, event.command, event.result) == (
        "c-1",
        "START_SESSION",
        "EVSE_OCCUPIED",
    )
