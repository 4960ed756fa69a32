"""We are the eMSP and a partner CPO's network charges our driver (issue: roaming,
acceptance, second half): the partner CPO registers over OCPI, our driver's token is pushed to
its Tokens Receiver, it asks us in real time and is allowed, we start the session on its
network with a command and get the result, it pushes the session as it goes and the CDR at
the end to our Receivers, and we can pull both from its Senders, page by page."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

import pytest

from evroam_cli import scenario
from evroam_cli.client import Platform
from evroam_testing.ocpi_partner import OcpiPartner
from evroam_testing.stack import Stack

pytestmark = pytest.mark.flow


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _value(found: Any) -> Any:
    return found


def _our_token(uid: str, suffix: str) -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EVR",
        "uid": uid,
        "type": "RFID",
        "contract_id": scenario.emi3_contract_id("NL", "EVR", suffix),
        "issuer": "evroam",
        "whitelist": "ALLOWED",
        "valid": True,
        "last_updated": _now(),
    }


async def _charge(cpo: OcpiPartner, session: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The CPO pushes the session as it starts, charges (PATCH) and ends; the answers and the
    session as it ended."""
    puts = [await cpo.put_session(session)]
    puts.append(await cpo.patch_session(session["id"], {"kwh": 5.5, "last_updated": _now()}))
    done = {**session, "kwh": 12.5, "status": "COMPLETED", "end_date_time": _now()}
    puts.append(await cpo.put_session({**done, "last_updated": _now()}))
    return puts, done


async def test_our_driver_charges_on_a_partner_cpos_network(
    platform: Platform, stack: Stack
) -> None:
    suffix = secrets.token_hex(3).upper()
    party = "".join(secrets.choice(string.ascii_uppercase) for _ in range(3))
    uid = f"OWN{suffix}"
    partner = await platform.register_partner(
        {"name": f"Partner CPO {suffix}", "role": "CPO", "country_code": "BE", "party_id": party}
    )
    async with OcpiPartner("BE", party, "Partner CPO") as cpo:
        cpo.plays_cpo = True
        await cpo.register(stack.ocpi_versions_url, partner["token"])
        cpo.page_limit = 1  # its lists come one object a page: we must follow its Links
        await platform.register_token(_our_token(uid, suffix))
        pushed = await platform.eventually(
            "our token pushed to the CPO",
            "roaming",
            lambda: _value(cpo.pushed_tokens.get(f"NL/EVR/{uid}/RFID")),
        )
        allowed = (await cpo.authorize_token(uid)).json()
        unknown = await cpo.authorize_token(f"NOPE{suffix}")

        sent = await platform.post(
            "roaming",
            "/admin/commands",
            {
                "partner_id": partner["partner_id"],
                "command": "START_SESSION",
                "location_id": "LOC1",
                "evse_uid": "EVSE1",
                "token_uid": uid,
            },
        )

        async def result() -> Any:
            got = (await platform.get("roaming", f"/admin/commands/{sent['command_id']}")).json()
            return got if got["state"] == "RESULT" else None

        started = await platform.eventually("CommandResult received", "roaming", result)
        reference = cpo.commands_received[0]["body"]["authorization_reference"]

        cdr_token = {**pushed, "type": "RFID"}
        cdr_token = {
            k: cdr_token[k] for k in ("country_code", "party_id", "uid", "type", "contract_id")
        }
        common = {
            "cdr_token": cdr_token,
            "auth_method": "COMMAND",
            "authorization_reference": reference,
        }
        session = cpo.session_object(f"S-{suffix}", last_updated=_now(), **common)
        puts, done = await _charge(cpo, session)
        cdr = cpo.cdr_object(f"CDR-{suffix}", session_id=session["id"], **common)
        posted = await cpo.post_cdr(cdr)
        held = await cpo.request("GET", posted.headers["Location"])
        held_session = (await cpo.get_session(session["id"])).json()["data"]

        # The same, and an earlier one we missed, pulled from its Senders.
        missed = cpo.cdr_object(f"CDR-{suffix}-0", session_id=f"S-{suffix}-0", **common)
        cpo.offer("cdrs", missed, cdr)
        cpo.offer("sessions", {**done, "last_updated": _now()})
        pull = f"/admin/partners/{partner['partner_id']}/pull"
        cdrs_pulled = await platform.post("roaming", f"{pull}/cdrs")
        sessions_pulled = await platform.post("roaming", f"{pull}/sessions")
        got_missed = await cpo.request(
            "GET", posted.headers["Location"].replace(cdr["id"], missed["id"])
        )

    assert pushed["uid"] == uid
    assert pushed["contract_id"] == scenario.emi3_contract_id("NL", "EVR", suffix)
    assert allowed["data"]["allowed"] == "ALLOWED"
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)
    assert started["response"]["result"] == "ACCEPTED"
    assert started["result"]["result"] == "ACCEPTED"
    assert cpo.commands_received[0]["body"]["token"]["uid"] == uid
    assert [r.json()["status_code"] for r in puts] == [1000, 1000, 1000]
    assert (held_session["status"], held_session["kwh"]) == ("COMPLETED", 12.5)
    assert posted.json()["status_code"] == 1000
    assert held.json()["data"]["total_cost"] == {"excl_vat": 4.38, "incl_vat": 5.3}
    assert held.json()["data"]["cdr_token"]["uid"] == uid
    assert (cdrs_pulled["complete"], cdrs_pulled["pages"]) == (True, 2)
    assert (cdrs_pulled["stored"], cdrs_pulled["unchanged"]) == (1, 1)
    assert sessions_pulled["complete"] is True
    assert got_missed.json()["data"]["id"] == missed["id"]
