"""What we send an eMSP for real-time authorization, and what its answers mean (OCPI 2.2.1
section 6.1)."""

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from evroam_contracts import Envelope
from evroam_contracts.ids import new_id
from evroam_contracts.roaming import AuthorizeRealtime
from evroam_contracts.shared import LocationReferences
from evroam_messaging.request_reply import H_DEADLINE
from evroam_roaming.domain.partners import Party
from evroam_roaming.handlers.realtime import RealtimeAuthorizer
from evroam_roaming.ocpi.tokens.authorize import TokensSender, authorize_call, interpret

TOKEN = {
    "country_code": "DE",
    "party_id": "TNM",
    "uid": "04A1/B2",
    "type": "RFID",
    "contract_id": "DE8ACC12E46L89",
    "issuer": "TheNewMotion",
    "valid": True,
    "whitelist": "ALLOWED",
    "last_updated": "2018-12-10T17:25:10Z",
}
COMMAND = AuthorizeRealtime(
    request_id="r-1",
    country_code="de",
    party_id="tnm",
    uid="04A1/B2",
    location=LocationReferences(location_id="LOC1", evse_uids=("E1",)),
)
SENDER = TokensSender("p-1", "https://emsp.example/ocpi/emsp/2.2.1/tokens/", "token-b")


def reply(status_code: int, data: Any = None, message: str = "") -> bytes:
    body = {"status_code": status_code, "status_message": message, "timestamp": "x"}
    return json.dumps(body if data is None else {**body, "data": data}).encode()


def test_the_call_is_routed_from_us_to_the_token_owner_with_our_token_b() -> None:
    call = authorize_call(
        SENDER, COMMAND, us=Party("NL", "EVR"), request_id="q-1", correlation_id="c-1"
    )
    assert call.url == "https://emsp.example/ocpi/emsp/2.2.1/tokens/04A1%2FB2/authorize?type=RFID"
    assert call.headers == {
        "Authorization": "Token " + base64.b64encode(b"token-b").decode(),
        "X-Request-ID": "q-1",
        "X-Correlation-ID": "c-1",
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "EVR",
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "TNM",
        "Content-Type": "application/json",
    }
    assert json.loads(call.body or b"") == {"location_id": "LOC1", "evse_uids": ["E1"]}


def test_without_a_location_the_call_has_no_body() -> None:
    command = COMMAND.model_copy(update={"location": None})
    us = Party("NL", "EVR")
    call = authorize_call(SENDER, command, us=us, request_id="q", correlation_id="c")
    assert call.body is None
    assert "Content-Type" not in call.headers


def test_an_authorization_info_is_an_answer_with_everything_the_emsp_said() -> None:
    info = {
        "allowed": "ALLOWED",
        "token": TOKEN,
        "location": {"location_id": "LOC1", "evse_uids": ["E1"]},
        "authorization_reference": "ref-42",
        "info": {"language": "en", "text": "Welcome"},
    }
    answer = interpret(200, reply(1000, info))
    assert answer.outcome == "ANSWERED"
    assert (answer.allowed, answer.authorization_reference, answer.info) == (
        "ALLOWED",
        "ref-42",
        "Welcome",
    )
    assert answer.location == LocationReferences(location_id="LOC1", evse_uids=("E1",))
    assert answer.token is not None
    assert answer.token.uid == "04A1/B2"


def test_http_404_or_ocpi_2004_is_an_unknown_token() -> None:
    assert interpret(404, b"not even json").outcome == "UNKNOWN_TOKEN"
    assert interpret(200, reply(2004, message="Unknown token")).outcome == "UNKNOWN_TOKEN"


def test_anything_else_is_no_usable_answer_and_says_why() -> None:
    cases = {
        (503, reply(3000)): "HTTP 503",
        (200, b"<html>proxy error</html>"): "without an OCPI envelope",
        (200, reply(2002, message="need a location")): "OCPI 2002",
        (401, reply(2000)): "HTTP 401",
        (200, reply(1000, {"allowed": "MAYBE", "token": TOKEN})): "AuthorizationInfo",
    }
    for (status, body), detail in cases.items():
        answer = interpret(status, body)
        assert answer.outcome == "UNREACHABLE"
        assert answer.detail is not None
        assert detail in answer.detail


def test_the_call_may_last_until_the_deadline_minus_the_margin() -> None:
    now = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    authorizer = RealtimeAuthorizer(
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        Party("NL", "EVR"),
        margin_s=0.15,
        default_timeout_s=5,
    )
    with_deadline = request_envelope({H_DEADLINE: (now + timedelta(seconds=2)).isoformat()})
    assert round(authorizer.budget_s(with_deadline, now), 3) == 1.85
    assert authorizer.budget_s(request_envelope({}), now) == 5


def request_envelope(extra: dict[str, str]) -> Envelope:
    return Envelope(
        event_id=new_id(),
        type=COMMAND.type_name,
        version=1,
        source="test",
        time=datetime.now(UTC),
        stream_id="r-1",
        stream_version=0,
        payload=COMMAND.to_json_dict(),
        extra=extra,
    )
