"""CDRs from real `ocpp` stations through the whole platform (issue: CDR service): every OCPI
field of the CDR checked, its totals equal to the session's cost to the cent across a DST
change and step_size rounding, a late reading corrected with a credit CDR and a new CDR, CDRs
that fail reconciliation held for review with their reasons and then released or rejected
through the review API, duplicates that change nothing, and the CDR tables rebuilt from the
log with identical checksums."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_contracts import Envelope
from evroam_contracts.ids import new_id
from evroam_contracts.session import SessionCompleted, SessionCorrected, SessionStarted
from evroam_contracts.topics import events_topic
from evroam_testing.stack import Stack
from evroam_testing.station import Reading, SimulatedStation16

pytestmark = pytest.mark.flow
Row = dict[str, Any]
SAMPLE = Path(__file__).resolve().parents[2] / "libs/contracts/samples/session.completed.v1.json"

# Europe/Amsterdam leaves summer time on 2026-10-25: 17:30 local is 16:30 UTC that day (CET),
# and the tariff's cheap energy from 18:00 local starts at 17:00 UTC, not 16:00.
DST_DAY_START = datetime(2026, 10, 25, 16, 30, tzinfo=UTC)


def dst_tariff(sc: scenario.Scenario) -> dict[str, Any]:
    """0.50 start fee, 0.35/kWh (0.25 from 18:00 to 22:00 local), 1.20/h charging; energy in
    steps of 100 Wh, time in steps of 5 min; VAT 21 %."""
    return {
        **scenario.tariff(sc),
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 100}
                ],
                "restrictions": {"start_time": "18:00", "end_time": "22:00"},
            },
            {
                "price_components": [
                    {"type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1},
                    {"type": "ENERGY", "price": 0.35, "vat": 21.0, "step_size": 100},
                    {"type": "TIME", "price": 1.20, "vat": 21.0, "step_size": 300},
                ]
            },
        ],
    }


async def _provisioned(platform: Platform) -> scenario.Scenario:
    sc = scenario.Scenario.new()
    await scenario.provision(platform, sc, priced_by=dst_tariff(sc))
    return sc


async def _cdrs(platform: Platform, session_id: str, count: int) -> list[Row]:
    async def probe() -> list[Row] | None:
        rows = await platform.found("cdr", "/cdrs", session_id=session_id)
        return rows if rows and len(rows) >= count else None

    return list(await platform.eventually(f"{count} CDR(s) of {session_id}", "cdr", probe))


async def _review(platform: Platform, session_id: str, status: str = "HELD") -> Row:
    async def probe() -> Row | None:
        rows = await platform.found("cdr", "/reviews", session_id=session_id, status=status)
        return rows[0] if rows else None

    return dict(await platform.eventually(f"review {status} of {session_id}", "cdr", probe))


def _money(price: Row | None) -> tuple[Decimal, Decimal] | None:
    if price is None:
        return None
    return Decimal(str(price["excl_vat"])), Decimal(str(price["incl_vat"]))


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


async def test_a_session_across_a_dst_change_ends_with_a_cdr_whose_every_field_is_right(
    platform: Platform,
) -> None:
    sc = await _provisioned(platform)
    before = datetime.now(UTC) - timedelta(seconds=5)
    # 9540 Wh before 18:00 local at 0.35, 3020 Wh after at 0.25, plus 40 Wh of step rounding
    played = await scenario.play(platform, sc, DST_DAY_START, energy_wh=(4010, 5530, 3020))
    session = await scenario.session_of(platform, sc, DST_DAY_START)

    [cdr] = await _cdrs(platform, session["id"], 1)

    assert len(cdr["id"]) == 36
    assert (cdr["country_code"], cdr["party_id"], cdr["session_id"]) == ("NL", "EVR", session["id"])
    assert cdr["start_date_time"] == "2026-10-25T16:30:00Z"
    assert cdr["end_date_time"] == "2026-10-25T17:15:00Z"
    assert cdr["cdr_token"] == {
        "country_code": sc.emsp_country_code,
        "party_id": sc.emsp_party_id,
        "uid": sc.token_uid,
        "type": "RFID",
        "contract_id": sc.contract_id,
    }
    assert cdr["auth_method"] == session["auth_method"] == "WHITELIST"
    assert cdr["authorization_reference"] == session["authorization_reference"]
    location = scenario.location(sc)
    assert cdr["cdr_location"] == {
        "id": sc.location_id,
        "name": location["name"],
        "address": location["address"],
        "city": location["city"],
        "postal_code": location["postal_code"],
        "country": "NLD",
        "coordinates": location["coordinates"],
        "evse_uid": cdr["cdr_location"]["evse_uid"],
        "evse_id": cdr["cdr_location"]["evse_id"],
        "connector_id": "1",
        "connector_standard": cdr["cdr_location"]["connector_standard"],
        "connector_format": cdr["cdr_location"]["connector_format"],
        "connector_power_type": cdr["cdr_location"]["connector_power_type"],
    }
    assert cdr["cdr_location"]["evse_uid"] == session["evse_uid"]
    assert cdr["currency"] == "EUR"
    assert [(t["id"], len(t["elements"])) for t in cdr["tariffs"]] == [(sc.tariff_id, 2)]
    starts = [p["start_date_time"] for p in cdr["charging_periods"]]
    assert starts == ["2026-10-25T16:30:00Z", "2026-10-25T17:00:00Z"]
    energies = [
        _dec(d["volume"])
        for p in cdr["charging_periods"]
        for d in p["dimensions"]
        if d["type"] == "ENERGY"
    ]
    assert energies == [Decimal("9.54"), Decimal("3.02")]
    assert "signed_data" not in cdr  # this station signs nothing
    assert _money(cdr["total_cost"]) == (Decimal("5.50"), Decimal("6.66"))
    assert _money(cdr["total_cost"]) == _money(session["total_cost"])  # to the cent
    assert _money(cdr["total_fixed_cost"]) == (Decimal("0.50"), Decimal("0.61"))
    assert _money(cdr["total_energy_cost"]) == (Decimal("4.10"), Decimal("4.97"))
    assert _money(cdr["total_time_cost"]) == (Decimal("0.90"), Decimal("1.09"))
    assert _dec(cdr["total_energy"]) == Decimal("12.56") == _dec(session["kwh"])
    assert _dec(cdr["total_time"]) == Decimal("0.75")
    assert _dec(cdr["total_parking_time"]) == 0
    for absent in ("total_parking_cost", "total_reservation_cost", "meter_id"):
        assert absent not in cdr, absent
    assert cdr["remark"] == "Local"
    for absent in ("invoice_reference_id", "credit", "credit_reference_id"):
        assert absent not in cdr, absent
    assert datetime.fromisoformat(cdr["last_updated"]) >= before
    assert played.meter_stop_wh - played.meter_start_wh == 12560


async def test_a_late_reading_corrects_the_cdr_with_a_credit_cdr_and_a_new_one(
    platform: Platform,
) -> None:
    sc = await _provisioned(platform)
    start = DST_DAY_START + timedelta(minutes=5)  # readings 16:50, 17:05, 17:20 UTC
    played = await scenario.play(platform, sc, start, energy_wh=(4010, 5530, 3020))
    session = await scenario.session_of(platform, sc, start)
    [original] = await _cdrs(platform, session["id"], 1)

    # A reading the station had kept: 16:59 UTC, 9400 Wh in. More of the energy between 16:50
    # and 17:05 came before the cheap hour than the straight line assumed.
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        await cs.boot()
        late = Reading(start + timedelta(minutes=24), played.meter_start_wh + 9_400, 30_000)
        await cs.meter_values(1, played.transaction_id, [late])
    cdrs = await _cdrs(platform, session["id"], 3)

    by_id = {c["id"]: c for c in cdrs}
    assert by_id[original["id"]] == original  # an issued CDR never changes
    credit = by_id[original["id"] + "-C"]
    assert (credit["credit"], credit["credit_reference_id"]) == (True, original["id"])
    excl, incl = _money(original["total_cost"]) or (Decimal(0), Decimal(0))
    assert _money(credit["total_cost"]) == (-excl, -incl)
    assert credit["total_energy"] == original["total_energy"]
    [new] = [c for c in cdrs if c["id"] not in (original["id"], credit["id"])]
    assert "credit" not in new
    corrected = (await platform.get("session", f"/sessions/{session['id']}")).json()
    assert corrected["revision"] == 1
    assert _money(new["total_cost"]) == _money(corrected["total_cost"])  # to the cent
    # More of the energy came before the cheap hour: it costs more now.
    assert _dec(new["total_energy_cost"]["excl_vat"]) > _dec(
        original["total_energy_cost"]["excl_vat"]
    )
    assert new["total_energy"] == original["total_energy"]
    assert new["last_updated"] >= credit["last_updated"] >= original["last_updated"]


def evroam_cdrs(platform: Platform, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`evroam cdrs ARGS` with an endpoints file for the running platform."""
    e = platform.endpoints
    endpoints = tmp / "endpoints.json"
    endpoints.write_text(
        json.dumps(
            {
                "services": {name: {"http_url": url} for name, url in e.http.items()},
                "ocpp_url": e.ocpp_url,
                "admin_token": e.admin_token,
                "kafka_bootstrap_servers": e.kafka_bootstrap_servers,
            }
        )
    )
    command = [sys.executable, "-m", "evroam_cli.main", "--endpoints", str(endpoints), "cdrs"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, check=False
    )


async def test_a_meter_reset_holds_the_cdr_with_its_reasons_until_a_reviewer_releases_it(
    platform: Platform, tmp_path: Path
) -> None:
    sc = await _provisioned(platform)
    async with SimulatedStation16(platform.endpoints.ocpp_url, sc.station_id) as cs:
        await cs.boot()
        start = DST_DAY_START - timedelta(days=2)
        tx, _ = await cs.start_transaction(1, sc.token_uid, 50_000, start)
        await cs.meter_values(1, tx, [Reading(start + timedelta(minutes=10), 52_000, 12_000)])
        reset = [Reading(start + timedelta(minutes=20 + i), 100 * i, 11_000) for i in range(3)]
        await cs.meter_values(1, tx, reset)  # the meter restarted from zero
        await cs.stop_transaction(tx, 1_500, start + timedelta(minutes=30))
    session = await scenario.session_of(platform, sc, start)

    review = await _review(platform, session["id"])

    assert set(review["reason_codes"]) == {"ENERGY_METER_MISMATCH", "SESSION_WARNING"}
    assert any("reset" in r["message"] for r in review["reasons"])
    assert not await platform.found("cdr", "/cdrs", session_id=session["id"])  # not sent
    detail = (await platform.get("cdr", f"/reviews/{review['cdr_id']}")).json()
    assert (detail["facts"]["meter_start_wh"], detail["facts"]["meter_stop_wh"]) == (50_000, 1_500)
    assert _dec(detail["cdr"]["total_energy"]) == _dec(session["kwh"]) == Decimal("3.5")
    # The operator's way: `evroam cdrs ...` against the running platform.
    listed = evroam_cdrs(platform, tmp_path, "reviews", "--session-id", session["id"])
    assert review["cdr_id"] in listed.stdout
    assert "ENERGY_METER_MISMATCH" in listed.stdout
    refused = evroam_cdrs(platform, tmp_path, "release", review["cdr_id"], "--reviewer", "ops")
    assert refused.returncode == 1
    assert "ENERGY_METER_MISMATCH: total_energy 3.5 kWh" in refused.stderr
    accept = [a for code in review["reason_codes"] for a in ("--accept", code)]
    released = evroam_cdrs(
        platform,
        tmp_path,
        "release",
        review["cdr_id"],
        "--reviewer",
        "ops",
        *accept,
        "--note",
        "meter swapped on site",
    )
    assert released.returncode == 0, released.stderr
    assert f"cdr.released + cdr.issued: issued {review['cdr_id']}" in released.stdout

    [cdr] = await _cdrs(platform, session["id"], 1)
    assert cdr["id"] == review["cdr_id"]
    assert _dec(cdr["total_energy"]) == Decimal("3.5")
    done = await _review(platform, session["id"], "RELEASED")
    assert (done["reviewer"], done["reason_codes"]) == ("ops", review["reason_codes"])


def _injected(sc: scenario.Scenario, **changes: Any) -> SessionCompleted:
    """The contracts' sample session, moved to the scenario's location and token and to a
    past day, with a fresh id and `changes`."""
    data = json.loads(SAMPLE.read_text())
    data["location"].update(id=sc.location_id, country_code="NL", party_id="EVR")
    data["cdr_token"].update(
        country_code=sc.emsp_country_code,
        party_id=sc.emsp_party_id,
        uid=sc.token_uid,
        contract_id=sc.contract_id,
    )
    data.update(session_id=str(new_id()), started_at="2026-03-03T11:00:00Z")
    data.update(ended_at="2026-03-03T11:30:00Z")
    data["charging_periods"][0]["start_date_time"] = "2026-03-03T11:00:00Z"
    return SessionCompleted.model_validate(data).model_copy(update=changes)


async def _publish(stack: Stack, *sessions: SessionCompleted, started: bool = True) -> None:
    """Publish on the session topic as the session service's relay does."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.infra.kafka_bootstrap_servers)
    await producer.start()
    try:
        for s in sessions:
            messages: list[SessionStarted | SessionCompleted] = [s]
            if started:
                fields = set(SessionStarted.model_fields)
                messages.insert(0, SessionStarted.model_validate(s.model_dump(include=fields)))
            for version, m in enumerate(messages, 1):
                env = Envelope(
                    event_id=new_id(),
                    type=m.type_name,
                    version=m.version,
                    source="evroam.session",
                    time=datetime.now(UTC),
                    stream_id=f"session-{s.session_id}",
                    stream_version=version,
                    payload=m.to_json_dict(),
                    correlation_id=s.session_id,
                )
                await producer.send_and_wait(
                    events_topic("session"), env.value(), env.key, headers=env.headers()
                )
    finally:
        await producer.stop()


INJECTED_FAILURES: dict[str, dict[str, Any]] = {
    "ENERGY_PERIODS_MISMATCH": {"kwh": Decimal("8.5"), "meter_stop_wh": 24_500},
    "END_BEFORE_START": {"ended_at": datetime(2026, 3, 3, 10, 0, tzinfo=UTC)},
    "TOTAL_TIME_MISMATCH": {"total_time_h": Decimal(2)},
    "COST_SESSION_MISMATCH": {},  # costs set below: more than the periods come to
}


async def test_each_reconciliation_failure_is_held_with_its_reason_and_nothing_is_sent(
    platform: Platform, stack: Stack
) -> None:
    sc = await _provisioned(platform)
    cases = {code: _injected(sc, **changes) for code, changes in INJECTED_FAILURES.items()}
    cost = cases["COST_SESSION_MISMATCH"]
    total = cost.costs.total_cost.model_copy(update={"excl_vat": Decimal("9.99")})
    cases["COST_SESSION_MISMATCH"] = cost.model_copy(
        update={"costs": cost.costs.model_copy(update={"total_cost": total})}
    )
    unknown_token = _injected(sc)
    unknown_token = unknown_token.model_copy(
        update={"cdr_token": unknown_token.cdr_token.model_copy(update={"uid": "NEVER-SEEN"})}
    )
    unknown_location = _injected(sc)
    unknown_location = unknown_location.model_copy(
        update={"location": unknown_location.location.model_copy(update={"id": "LOC-NOWHERE"})}
    )
    never_started = _injected(sc)
    await _publish(stack, *cases.values(), unknown_token, unknown_location)
    await _publish(stack, never_started, started=False)

    expected = {
        **{s.session_id: code for code, s in cases.items()},
        unknown_token.session_id: "TOKEN_UNKNOWN",
        unknown_location.session_id: "LOCATION_UNKNOWN",
        never_started.session_id: "SESSION_UNKNOWN",
    }
    for session_id, code in expected.items():
        review = await _review(platform, session_id)
        assert code in review["reason_codes"], (code, review["reasons"])
        assert not await platform.found("cdr", "/cdrs", session_id=session_id)

    # Delivered again (a replay, a re-published event): still one review, no CDR.
    await _publish(stack, cases["TOTAL_TIME_MISMATCH"])
    rejected = await platform.reject_cdr(
        (await _review(platform, cases["TOTAL_TIME_MISMATCH"].session_id))["cdr_id"],
        {"reviewer": "ops", "reason": "a test session"},
    )
    assert rejected.status_code == 200, rejected.text
    done = await _review(platform, cases["TOTAL_TIME_MISMATCH"].session_id, "REJECTED")
    assert (done["reviewer"], done["session_revision"]) == ("ops", 0)
    held = await platform.found(
        "cdr", "/reviews", session_id=cases["TOTAL_TIME_MISMATCH"].session_id
    )
    assert not held  # none held any more: the replay made no second review


async def test_a_duplicate_completion_creates_no_second_cdr_and_the_tables_rebuild_equal(
    platform: Platform, stack: Stack
) -> None:
    sc = await _provisioned(platform)
    fine = _injected(sc)
    await _publish(stack, fine)
    [cdr] = await _cdrs(platform, fine.session_id, 1)
    correction = SessionCorrected(
        **{**fine.model_dump(), "stop_reason": "EVDisconnected"},
        revision=1,
        correction_reason="a second stop arrived",
    )

    # The same completion again, as new events, then a correction behind it on its partition.
    await _publish(stack, fine, correction)
    cdrs = await _cdrs(platform, fine.session_id, 3)

    assert sorted(c["id"] for c in cdrs) == sorted(
        [
            cdr["id"],
            cdr["id"] + "-C",
            next(c["id"] for c in cdrs if c.get("remark") == "EVDisconnected"),
        ]
    )
    report = await platform.verify_projections("cdr")
    assert report["equal"], report
    assert {p["projection"] for p in report["projections"]} == {"cdrs_v2", "cdr_reviews_v1"}
