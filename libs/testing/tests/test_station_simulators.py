"""The station simulators against a tiny CSMS built from the `ocpp` library's own server side:
the library validates every frame both ways, so a passing call is a schema-valid one."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import pytest
from ocpp import v16, v201
from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.exceptions import GenericError
from ocpp.routing import on
from ocpp.v16 import call as c16
from ocpp.v16 import call_result as r16
from ocpp.v16.enums import Action as A16
from ocpp.v201 import call as c201
from ocpp.v201 import call_result as r201
from ocpp.v201.enums import Action as A201
from websockets import ConnectionClosed
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request

from evroam_testing.signed_meter import SignedMeter, payload_of
from evroam_testing.simulator import SimulatedStation
from evroam_testing.station import Reading, SimulatedStation16
from evroam_testing.station201 import SimulatedStation201, play_session_201

NOW = "2025-01-01T08:00:00Z"
T0 = datetime(2025, 1, 1, 8, tzinfo=UTC)
OFFER = ["ocpp2.0.1", "ocpp1.6"]
S = TypeVar("S", bound=SimulatedStation)


class Central:
    """What every tiny-CSMS connection keeps: each inbound frame, as sent."""

    def __init__(self, identity: str, connection: ServerConnection) -> None:
        super().__init__(identity, connection, response_timeout=2)  # type: ignore[call-arg]
        self.ws = connection
        self.frames: list[list[Any]] = []
        self.arrived = asyncio.Event()

    async def route_message(self, raw_msg: str) -> None:
        with suppress(ValueError):
            self.frames.append(json.loads(raw_msg))
            self.arrived.set()
        await super().route_message(raw_msg)  # type: ignore[misc]

    async def until(self, condition: Callable[[], bool], timeout_s: float = 2) -> None:
        async with asyncio.timeout(timeout_s):
            while not condition():
                self.arrived.clear()
                await self.arrived.wait()

    def calls(self, action: str | None = None) -> list[dict[str, Any]]:
        return [f[3] for f in self.frames if f[0] == 2 and action in (None, f[2])]

    def actions(self) -> list[str]:
        return [f[2] for f in self.frames if f[0] == 2]


class Central16(Central, v16.ChargePoint):  # type: ignore[misc]
    @on(A16.boot_notification)
    def on_boot(self, **_: Any) -> Any:
        return r16.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on(A16.heartbeat)
    def on_heartbeat(self, **_: Any) -> Any:
        return r16.Heartbeat(current_time=NOW)

    @on(A16.authorize)
    def on_authorize(self, **_: Any) -> Any:
        return r16.Authorize(id_tag_info={"status": "Accepted", "parent_id_tag": "FLEET"})

    @on(A16.start_transaction)
    def on_start(self, **_: Any) -> Any:
        return r16.StartTransaction(transaction_id=41, id_tag_info={"status": "Accepted"})

    @on(A16.stop_transaction)
    def on_stop(self, id_tag: str | None = None, **_: Any) -> Any:
        return r16.StopTransaction(id_tag_info={"status": "Accepted"} if id_tag else None)

    @on(A16.data_transfer)
    def on_data_transfer(self, data: str | None = None, **_: Any) -> Any:
        return r16.DataTransfer(status="Accepted", data=data)

    @on(A16.status_notification)
    def on_status(self, **_: Any) -> Any:
        return r16.StatusNotification()

    @on(A16.meter_values)
    def on_meter_values(self, **_: Any) -> Any:
        return r16.MeterValues()

    @on(A16.diagnostics_status_notification)
    def on_diagnostics(self, **_: Any) -> Any:
        return r16.DiagnosticsStatusNotification()

    @on(A16.firmware_status_notification)
    def on_firmware(self, **_: Any) -> Any:
        return r16.FirmwareStatusNotification()


class Central201(Central, v201.ChargePoint):  # type: ignore[misc]
    @on(A201.boot_notification)
    def on_boot(self, **_: Any) -> Any:
        return r201.BootNotification(current_time=NOW, interval=300, status="Accepted")

    @on(A201.heartbeat)
    def on_heartbeat(self, **_: Any) -> Any:
        return r201.Heartbeat(current_time=NOW)

    @on(A201.authorize)
    def on_authorize(self, **_: Any) -> Any:
        return r201.Authorize(id_token_info={"status": "Accepted"})

    @on(A201.transaction_event)
    def on_transaction_event(self, id_token: Any = None, **_: Any) -> Any:
        # E01.FR.11: idTokenInfo whenever the request carried an idToken
        return r201.TransactionEvent(id_token_info={"status": "Accepted"} if id_token else None)

    @on(A201.status_notification)
    def on_status(self, **_: Any) -> Any:
        return r201.StatusNotification()

    @on(A201.meter_values)
    def on_meter_values(self, **_: Any) -> Any:
        return r201.MeterValues()

    @on(A201.notify_report)
    def on_notify_report(self, **_: Any) -> Any:
        return r201.NotifyReport()

    @on(A201.security_event_notification)
    def on_security_event(self, **_: Any) -> Any:
        return r201.SecurityEventNotification()

    @on(A201.notify_event)
    def on_notify_event(self, **_: Any) -> Any:
        return r201.NotifyEvent()


def station_id(request: Request) -> str:
    return unquote(request.path.rsplit("/", 1)[-1])


class Csms:
    def __init__(self) -> None:
        self.url = ""
        self.authorization: dict[str, str | None] = {}
        self._centrals: dict[str, asyncio.Future[Any]] = {}

    def central(self, identity: str) -> asyncio.Future[Any]:
        """The CSMS side of the station's connection, once it is there."""
        return self._centrals.setdefault(identity, asyncio.get_running_loop().create_future())

    def check(self, _: ServerConnection, request: Request) -> None:
        self.authorization[station_id(request)] = request.headers.get("Authorization")

    async def handle(self, ws: ServerConnection) -> None:
        if ws.subprotocol is None:
            await ws.close(1002, "no common OCPP version")
            return
        assert ws.request is not None
        identity = station_id(ws.request)
        central = (Central16 if ws.subprotocol == "ocpp1.6" else Central201)(identity, ws)
        self.central(identity).set_result(central)
        with suppress(ConnectionClosed):
            await central.start()


@asynccontextmanager
async def running_csms(tls: ssl.SSLContext | None = None) -> AsyncIterator[Csms]:
    csms = Csms()
    async with serve(
        csms.handle,
        "127.0.0.1",
        0,
        ssl=tls,
        select_subprotocol=lambda _, offered: next((p for p in offered if p in OFFER), None),
        process_request=csms.check,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        csms.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/ocpp"
        yield csms


@pytest.fixture
async def csms() -> AsyncIterator[Csms]:
    async with running_csms() as csms:
        yield csms


@asynccontextmanager
async def connected(
    csms: Csms, kind: type[S], station_id: str = "CS1", **options: Any
) -> AsyncIterator[tuple[S, Any]]:
    async with kind(csms.url, station_id, timeout_s=2, **options) as station:
        yield station, await asyncio.wait_for(csms.central(station_id), 2)


def wire(request: Any) -> dict[str, Any]:
    """A library call dataclass as it goes on the wire."""
    return dict(snake_to_camel_case(remove_nones(serialize_as_dict(request))))


# -- OCPP 1.6J -------------------------------------------------------------------------------


async def test_every_16_station_call_arrives_schema_valid(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16) as (cs, central):
        assert await cs.boot() == "Accepted"
        assert await cs.heartbeat() == NOW
        await cs.status(1, "Faulted", T0, error_code="GroundFailure", info="RCD tripped")
        assert (await cs.authorize_info("TAG1"))["parent_id_tag"] == "FLEET"
        tx, status = await cs.start_transaction(1, "TAG1", 1000, T0)
        await cs.meter_values(1, tx, [Reading(T0, 1500, 7400)])
        await cs.meter_values(0, None, [Reading(T0, 90_000)])
        assert await cs.data_transfer("evroam", "ping", "hello") == {
            "status": "Accepted",
            "data": "hello",
        }
        await cs.diagnostics_status("Uploaded")
        await cs.firmware_status("Installed")
        data = [Reading(T0, 1000, context="Transaction.Begin"), Reading(T0, 2000)]
        stop = await cs.stop_transaction(
            tx, 2000, T0, "Remote", id_tag="TAG1", transaction_data=data
        )
    assert (tx, status, stop) == (41, "Accepted", {"idTagInfo": {"status": "Accepted"}})
    assert central.actions() == [
        "BootNotification", "Heartbeat", "StatusNotification", "Authorize", "StartTransaction",
        "MeterValues", "MeterValues", "DataTransfer", "DiagnosticsStatusNotification",
        "FirmwareStatusNotification", "StopTransaction",
    ]  # fmt: skip
    assert "transactionId" not in central.calls("MeterValues")[1]
    assert central.calls("StatusNotification")[0]["errorCode"] == "GroundFailure"


async def test_a_call_sent_twice_with_one_message_id_is_a_retransmission(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16) as (cs, central):
        for _ in range(2):
            await cs.call(c16.Heartbeat(), message_id="hb-1")
    assert [f[1] for f in central.frames] == ["hb-1", "hb-1"]


ACCEPTED = {"status": "Accepted"}
SCHEDULE_16 = {
    "charging_rate_unit": "W",
    "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
}
PROFILE_16 = {
    "charging_profile_id": 1,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": SCHEDULE_16,
}
PROFILE_201 = {
    "id": 1,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": [{"id": 1, **SCHEDULE_16}],
}
LOCAL_LIST = [{"id_tag": "TAG1", "id_tag_info": ACCEPTED}]
HEARTBEAT_INTERVAL = {
    "component": {"name": "OCPPCommCtrlr"},
    "variable": {"name": "HeartbeatInterval"},
}
TOKEN = {"id_token": "TAG1", "type": "ISO14443"}

CSMS_CALLS_16 = [
    (c16.RemoteStartTransaction(id_tag="TAG1", connector_id=1), ACCEPTED),
    (c16.RemoteStopTransaction(transaction_id=41), ACCEPTED),
    (c16.UnlockConnector(connector_id=1), {"status": "Unlocked"}),
    (c16.Reset(type="Soft"), ACCEPTED),
    (c16.ChangeAvailability(connector_id=0, type="Inoperative"), ACCEPTED),
    (c16.GetConfiguration(key=["HeartbeatInterval", "Nope"]), {"unknown_key": ["Nope"]}),
    (c16.ChangeConfiguration(key="HeartbeatInterval", value="60"), ACCEPTED),
    (c16.ClearCache(), ACCEPTED),
    (c16.SendLocalList(3, "Full", local_authorization_list=LOCAL_LIST), ACCEPTED),
    (c16.GetLocalListVersion(), {"list_version": 0}),
    (c16.SetChargingProfile(connector_id=1, cs_charging_profiles=PROFILE_16), ACCEPTED),
    (c16.ClearChargingProfile(id=1), ACCEPTED),
    (c16.GetCompositeSchedule(connector_id=1, duration=3600), ACCEPTED),
    (c16.TriggerMessage(requested_message="Heartbeat"), ACCEPTED),
    (c16.ReserveNow(1, expiry_date=NOW, id_tag="TAG1", reservation_id=5), ACCEPTED),
    (c16.CancelReservation(reservation_id=5), ACCEPTED),
    (c16.UpdateFirmware(location="https://fw.example/1.bin", retrieve_date=NOW), {}),
    (c16.GetDiagnostics(location="ftp://diag.example/"), {"file_name": "CS1-diag.log"}),
    (c16.DataTransfer(vendor_id="evroam", message_id="ping"), ACCEPTED),
]
CSMS_CALLS_201 = [
    (c201.RequestStartTransaction(id_token=TOKEN, remote_start_id=7, evse_id=1), ACCEPTED),
    (c201.RequestStopTransaction(transaction_id="tx-1"), ACCEPTED),
    (
        c201.GetVariables(get_variable_data=[HEARTBEAT_INTERVAL]),
        {
            "get_variable_result": [
                {"attribute_status": "Accepted", "attribute_value": "300"} | HEARTBEAT_INTERVAL
            ]
        },
    ),
    (
        c201.SetVariables(set_variable_data=[{**HEARTBEAT_INTERVAL, "attribute_value": "60"}]),
        {"set_variable_result": [{"attribute_status": "Accepted"} | HEARTBEAT_INTERVAL]},
    ),
    (c201.Reset(type="Immediate"), ACCEPTED),
    (c201.UnlockConnector(evse_id=1, connector_id=1), {"status": "Unlocked"}),
    (c201.ChangeAvailability(operational_status="Inoperative"), ACCEPTED),
    (c201.SetChargingProfile(evse_id=1, charging_profile=PROFILE_201), ACCEPTED),
    (c201.TriggerMessage(requested_message="Heartbeat"), ACCEPTED),
    (c201.GetBaseReport(request_id=1, report_base="FullInventory"), ACCEPTED),
    (c201.GetTransactionStatus(transaction_id="tx-1"), {"ongoing_indicator": False}),
]


@pytest.mark.parametrize(
    ("kind", "request_", "expected"),
    [
        pytest.param(kind, request, expected, id=f"{kind.SUBPROTOCOL}-{type(request).__name__}")
        for kind, calls in (
            (SimulatedStation16, CSMS_CALLS_16),
            (SimulatedStation201, CSMS_CALLS_201),
        )
        for request, expected in calls
    ],
)
async def test_a_csms_call_reaches_the_station_and_gets_the_default_answer(
    csms: Csms, kind: type[SimulatedStation], request_: Any, expected: dict[str, Any]
) -> None:
    async with connected(csms, kind) as (cs, central):
        result = asdict(await central.call(request_, suppress=False))
        action = type(request_).__name__
        assert await cs.wait_for_call(action, 1) == wire(request_)
    assert cs.received == [(action, wire(request_))]
    assert {k: result[k] for k in expected} == expected


async def test_answers_replace_the_default_answer(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16) as (cs, central):
        cs.answers["RemoteStartTransaction"] = {"status": "Rejected"}
        cs.answers["ClearCache"] = r16.ClearCache(status="Rejected")
        cs.answers["Reset"] = GenericError(description="not today")
        remote = await central.call(c16.RemoteStartTransaction(id_tag="TAG1"), suppress=False)
        clear = await central.call(c16.ClearCache(), suppress=False)
        with pytest.raises(GenericError):
            await central.call(c16.Reset(type="Hard"), suppress=False)
    assert (remote.status, clear.status) == ("Rejected", "Rejected")
    assert [a for a, _ in cs.received] == ["RemoteStartTransaction", "ClearCache", "Reset"]


async def test_a_silent_action_is_recorded_and_never_answered(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16, silent={"Reset"}) as (cs, central):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(central.call(c16.Reset(type="Hard")), 0.3)
        assert await cs.wait_for_call("Reset", 1) == {"type": "Hard"}


async def test_a_call_fails_at_once_when_the_csms_closes_the_connection(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16) as (cs, central):
        await central.ws.close()
        with pytest.raises(ConnectionError):
            await asyncio.wait_for(cs.heartbeat(), 1)


async def test_a_changed_configuration_key_is_read_back(csms: Csms) -> None:
    async with connected(csms, SimulatedStation16) as (_, central):
        await central.call(c16.ChangeConfiguration(key="MeterValueSampleInterval", value="15"))
        read = await central.call(c16.GetConfiguration(key=["MeterValueSampleInterval"]))
        refused = await central.call(c16.ChangeConfiguration(key="NumberOfConnectors", value="9"))
    assert read.configuration_key[0]["value"] == "15"
    assert refused.status == "Rejected"


@pytest.mark.parametrize("kind", [SimulatedStation16, SimulatedStation201])
async def test_send_raw_returns_the_frame_that_answers_it(
    csms: Csms, kind: type[SimulatedStation]
) -> None:
    async with connected(csms, kind) as (cs, _):
        unknown = await cs.send_raw('[2,"raw-1","Teleport",{}]')
        invalid = await cs.send_raw('[2,"raw-2","Heartbeat",{"beat":1}]')
        heartbeat = await cs.send_raw('[2,"raw-3","Heartbeat",{}]')
        # the library's server side drops what is not JSON without a word
        dropped = await cs.send_raw("[2,", timeout_s=0.2)
    assert (unknown or [])[:3] == [4, "raw-1", "NotSupported"]
    assert (invalid or [])[:3] == [4, "raw-2", "FormatViolation"]
    assert heartbeat == [3, "raw-3", {"currentTime": NOW}]
    assert dropped is None


async def test_the_upgrade_carries_basic_auth_with_the_station_id(csms: Csms) -> None:
    async with connected(csms, SimulatedStation201, "CS 7", password="0123456789abcdef"):
        pass
    token = base64.b64encode(b"CS 7:0123456789abcdef").decode()
    assert csms.authorization["CS 7"] == f"Basic {token}"


async def test_an_offer_of_no_known_version_is_refused(csms: Csms) -> None:
    async with SimulatedStation16(csms.url, "CS1", subprotocols=["ocpp1.5"]) as cs:
        assert cs.subprotocol is None
        assert await cs.wait_closed() == 1002


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


async def test_a_station_connects_over_tls(tls_files: tuple[Path, Path]) -> None:
    key, cert = tls_files
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    async with running_csms(server_side) as csms:
        trusting = ssl.create_default_context(cafile=cert)
        async with connected(csms, SimulatedStation16, ssl=trusting) as (cs, _):
            assert await cs.boot() == "Accepted"


# -- OCPP 2.0.1 ------------------------------------------------------------------------------


async def test_every_201_station_call_arrives_schema_valid(csms: Csms) -> None:
    event = {
        "eventId": 1, "timestamp": NOW, "trigger": "Delta", "actualValue": "Occupied",
        "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
        "variable": {"name": "AvailabilityState"}, "eventNotificationType": "HardWiredNotification",
    }  # fmt: skip
    async with connected(csms, SimulatedStation201) as (cs, central):
        assert await cs.boot(reason="FirmwareUpdate") == "Accepted"
        assert await cs.heartbeat() == NOW
        await cs.status(1, 1, "Occupied", T0)
        assert await cs.authorize("TAG1", "eMAID") == "Accepted"
        await cs.meter_values(0, [Reading(T0, 90_000, 11_000)])
        await cs.notify_report(3, [], seq_no=0)
        await cs.security_event("StartupOfTheDevice", T0, tech_info="cold boot")
        await cs.notify_event([event])
    assert central.actions() == [
        "BootNotification", "Heartbeat", "StatusNotification", "Authorize", "MeterValues",
        "NotifyReport", "SecurityEventNotification", "NotifyEvent",
    ]  # fmt: skip


async def test_seq_no_counts_per_transaction_and_restarts_for_the_next(csms: Csms) -> None:
    async with connected(csms, SimulatedStation201) as (cs, central):
        first = cs.transaction(evse_id=1, connector_id=1)
        started = await first.started(1000, T0, id_token="TAG1")
        await first.updated([Reading(T0 + timedelta(minutes=1), 1200, 11_000)])
        await first.updated([Reading(T0 + timedelta(minutes=2), 1400)], seq_no=5)
        ended = await first.ended(1500, T0 + timedelta(minutes=3), offline=True)
        second = cs.transaction(evse_id=2)
        await second.started(1500, T0 + timedelta(minutes=4))
    events = central.calls("TransactionEvent")
    assert [(e["transactionInfo"]["transactionId"], e["seqNo"]) for e in events] == [
        (first.transaction_id, 0),
        (first.transaction_id, 1),
        (first.transaction_id, 5),
        (first.transaction_id, 6),
        (second.transaction_id, 0),
    ]
    assert (started, ended) == ({"idTokenInfo": {"status": "Accepted"}}, {})
    assert [e.get("evse") for e in events[:2]] == [{"id": 1, "connectorId": 1}, None]
    assert events[1]["triggerReason"] == "MeterValuePeriodic"
    assert (events[3]["offline"], events[3]["transactionInfo"]["stoppedReason"]) == (True, "Local")
    assert cs.open_transactions == {second.transaction_id}


async def test_a_base_report_follows_its_answer_in_parts(csms: Csms) -> None:
    async with connected(csms, SimulatedStation201) as (cs, central):
        cs.items_per_report = 5
        answer = await central.call(c201.GetBaseReport(request_id=9, report_base="FullInventory"))
        await central.until(lambda: len(central.calls("NotifyReport")) == 2)
    reports = central.calls("NotifyReport")
    assert answer.status == "Accepted"
    assert [(r["requestId"], r["seqNo"], r.get("tbc")) for r in reports] == [
        (9, 0, True),
        (9, 1, None),
    ]
    assert sum(len(r["reportData"]) for r in reports) == len(cs.variables)


async def test_set_variables_are_read_back_by_get_variables(csms: Csms) -> None:
    item = {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStopPoint"}}
    async with connected(csms, SimulatedStation201) as (_, central):
        await central.call(c201.SetVariables([{**item, "attribute_value": "EVConnected"}]))
        read = await central.call(c201.GetVariables([item, {**item, "component": {"name": "X"}}]))
    statuses = [(r["attribute_status"], r.get("attribute_value")) for r in read.get_variable_result]
    assert statuses == [("Accepted", "EVConnected"), ("UnknownComponent", None)]


async def test_play_session_201_plays_a_whole_session(csms: Csms) -> None:
    async with connected(csms, SimulatedStation201) as (cs, central):
        run = await play_session_201(
            cs, id_token="TAG1", started_at=T0, meter_start_wh=1000, energy_wh_per_step=[500, 700]
        )
    events = central.calls("TransactionEvent")
    assert [(e["eventType"], e["seqNo"]) for e in events] == [
        ("Started", 0), ("Updated", 1), ("Updated", 2), ("Ended", 3)
    ]  # fmt: skip
    assert (run.authorize_status, run.start_status, run.meter_stop_wh) == ("Accepted",) * 2 + (
        2200,
    )
    assert run.ended_at == T0 + timedelta(minutes=20)
    assert events[-1]["meterValue"][0]["sampledValue"][0]["value"] == 2200


# -- Signed meter values ---------------------------------------------------------------------


async def test_a_16_station_with_a_signed_meter_sends_ocmf_beside_each_register(
    csms: Csms,
) -> None:
    meter = SignedMeter()
    async with connected(csms, SimulatedStation16, signed_meter=meter) as (cs, central):
        tx, _ = await cs.start_transaction(1, "TAG1", 1000, T0)
        await cs.meter_values(1, tx, [Reading(T0, 1000, context="Transaction.Begin")])
        end = Reading(T0 + timedelta(minutes=5), 1500, context="Transaction.End")
        await cs.stop_transaction(tx, 1500, end.at, transaction_data=[end])
    [meter_values] = central.calls("MeterValues")
    register, signed = meter_values["meterValue"][0]["sampledValue"]
    assert register["value"] == "1000"
    assert (signed["format"], signed["context"]) == ("SignedData", "Transaction.Begin")
    assert signed["value"].startswith('OCMF|{"FV":"1.0"')
    assert '"TX":"B"' in payload_of(signed["value"])
    [stop] = central.calls("StopTransaction")
    [_, signed_end] = stop["transactionData"][0]["sampledValue"]
    assert '"TX":"E"' in payload_of(signed_end["value"])
    # The same reading signed again is the same blob, as a meter sends what it stored.
    assert meter.ocmf(end.at, 1500, "Transaction.End") == signed_end["value"]


async def test_a_201_station_with_a_signed_meter_signs_the_energy_sampled_value(
    csms: Csms,
) -> None:
    meter = SignedMeter()
    async with connected(csms, SimulatedStation201, signed_meter=meter) as (cs, central):
        tx = cs.transaction()
        await tx.started(1000, T0, id_token="TAG1")
        await tx.ended(1500, T0 + timedelta(minutes=5))
    started, ended = central.calls("TransactionEvent")
    energy = ended["meterValue"][0]["sampledValue"][0]
    signed = energy["signedMeterValue"]
    assert energy["value"] == 1500
    assert (signed["encodingMethod"], signed["publicKey"]) == ("OCMF", meter.public_key)
    text = base64.b64decode(signed["signedMeterData"]).decode()
    assert text.startswith("OCMF|")
    assert '"TX":"E"' in payload_of(text)
    assert "signedMeterValue" in started["meterValue"][0]["sampledValue"][0]
