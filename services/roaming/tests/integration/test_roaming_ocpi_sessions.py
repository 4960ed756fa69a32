"""Partners pull the sessions of their drivers over OCPI 2.2.1 (section 3.2) from the real
tables, through the real app on a real port; the session service's events reach the tables
through the consumer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.session import (
    SessionInvalidated,
    SessionPending,
)
from evroam_testing.session_events import WHERE, completed, started, updated

SESSIONS = "/ocpi/cpo/2.2.1/sessions"
Feed = Callable[..., Awaitable[Any]]


async def get(roaming: Any, token_: str, **params: str) -> httpx.Response:
    return await roaming.http.get(
        SESSIONS, params=params, headers={"Authorization": f"Token {token_}"}
    )


async def test_a_session_is_folded_from_its_events_and_served_in_ocpi_shape(
    roaming: Any, feed: Feed
) -> None:
    tnm = await roaming.admit("DE", "TNM")
    await feed(started("S1"), stream="session-S1", version=1, at=_t(10))
    [active] = (await get(roaming, tnm)).json()["data"]
    assert (active["status"], active["kwh"], active["last_updated"]) == ("ACTIVE", 0, _t(10))
    assert "total_cost" not in active  # not known yet; absent is not free

    await feed(updated("S1"), stream="session-S1", version=2, at=_t(10, 30))
    response = await get(roaming, tnm)
    assert '"kwh":12.345' in response.text  # an exact JSON number
    assert '"total_cost":{"excl_vat":4.00,"incl_vat":4.84}' in response.text
    await feed(completed("S1"), stream="session-S1", version=3, at=_t(11))
    [session] = (await get(roaming, tnm)).json()["data"]
    assert session == {
        "country_code": "BE",
        "party_id": "BEC",
        "id": "S1",
        "start_date_time": "2024-05-01T10:00:00Z",
        "end_date_time": "2024-05-01T11:00:00Z",
        "kwh": 12.345,
        "cdr_token": {
            "country_code": "DE",
            "party_id": "TNM",
            "uid": "123abc",
            "type": "RFID",
            "contract_id": "C-1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "3256",
        "connector_id": "1",
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-05-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 12.345}],
                "tariff_id": "12",
            }
        ],
        "total_cost": {"excl_vat": 4.5, "incl_vat": 5.45},
        "status": "COMPLETED",
        "last_updated": "2024-05-01T11:00:00Z",
    }


async def test_a_partner_sees_only_the_sessions_of_its_own_tokens(roaming: Any, feed: Feed) -> None:
    tnm = await roaming.admit("DE", "TNM")
    abc = await roaming.admit("NL", "ABC")
    await feed(started("T1"), stream="session-T1", version=1, at=_t(10))
    await feed(started("A1", ("nl", "abc")), stream="session-A1", version=1, at=_t(10))
    pending = SessionPending(
        session_id="P1",
        station_id="CS1",
        transaction_id="T9",
        started_at=_t(9),
        meter_start_wh=0,
        location=WHERE,
        received_at=_t(9),
        reason="no token yet",
    )
    await feed(pending, stream="session-P1", version=1, at=_t(9))  # nobody's yet

    as_tnm, as_abc = await get(roaming, tnm), await get(roaming, abc)
    assert [s["id"] for s in as_tnm.json()["data"]] == ["T1"]
    assert as_tnm.headers["X-Total-Count"] == "1"
    assert [s["id"] for s in as_abc.json()["data"]] == ["A1"]
    assert (as_abc.headers["OCPI-to-country-code"], as_abc.headers["OCPI-to-party-id"]) == (
        "NL",
        "ABC",
    )
    # No GET of one session on the Sender: the same 404 for its owner and for anyone else.
    for who in (tnm, abc):
        single = await roaming.http.get(f"{SESSIONS}/T1", headers={"Authorization": f"Token {who}"})
        assert single.status_code == 404
        assert "data" not in single.json()

    await feed(started("P1", ("NL", "ABC")), stream="session-P1", version=2, at=_t(11))
    assert [s["id"] for s in (await get(roaming, abc)).json()["data"]] == ["A1", "P1"]


async def test_pages_follow_the_link_and_dates_filter_on_last_updated(
    roaming: Any, feed: Feed
) -> None:
    tnm = await roaming.admit("DE", "TNM")
    for hour in (9, 10, 11, 12, 13):
        await feed(started(f"H{hour}"), stream=f"session-H{hour}", version=1, at=_t(hour))
    first = await get(roaming, tnm, date_from=_t(10), date_to=_t(13), limit="2")
    assert [s["id"] for s in first.json()["data"]] == ["H10", "H11"]
    assert (first.headers["X-Total-Count"], first.headers["X-Limit"]) == ("3", "100")
    assert first.headers["Link"] == (
        f"<{roaming.url}{SESSIONS}?offset=2&limit=2&date_from={_t(10)}"
        f'&date_to={_t(13)}>; rel="next"'
    )
    link = urlsplit(first.headers["Link"][1 : first.headers["Link"].index(">")])
    second = await roaming.http.get(
        f"{link.path}?{link.query}", headers={"Authorization": f"Token {tnm}"}
    )
    assert [s["id"] for s in second.json()["data"]] == ["H12"]
    assert "Link" not in second.headers
    everything = await get(roaming, tnm)  # date_from left out: from the beginning
    assert everything.headers["X-Total-Count"] == "5"

    bad = await get(roaming, tnm, offset="-1")
    assert (bad.status_code, bad.json()["status_code"]) == (200, 2001)
    assert "offset" in bad.json()["status_message"]
    assert (await get(roaming, "guessed-token")).status_code == 401


async def test_duplicates_older_copies_and_late_figures_change_nothing(
    roaming: Any, feed: Feed, pool: AsyncConnectionPool
) -> None:
    tnm = await roaming.admit("DE", "TNM")
    await feed(started("S1"), stream="session-S1", version=1, at=_t(10))
    done = await feed(completed("S1"), stream="session-S1", version=2, at=_t(11))
    before, rows = (await get(roaming, tnm)).json()["data"], await _rows(pool)

    await feed(completed("S1"), stream="session-S1", version=2, at=_t(11), event_id=done.event_id)
    await feed(completed("S1"), stream="session-S1", version=2, at=_t(12))  # re-published
    await feed(updated("S1"), stream="session-S1", version=1, at=_t(12))  # an older copy
    inputs_only = updated("S1").model_copy(update={"started_at": None, "kwh": Decimal(0)})
    await feed(inputs_only, stream="session-S1", version=3, at=_t(13))  # after completion
    assert (await get(roaming, tnm)).json()["data"] == before
    assert [r[1:] for r in await _rows(pool)] == [r[1:] for r in rows]

    invalid = SessionInvalidated(session_id="S1", reason="test", invalidated_at=_t(14))
    await feed(invalid, stream="session-S1", version=4, at=_t(14))
    [after] = (await get(roaming, tnm)).json()["data"]
    assert (after["status"], after["last_updated"]) == ("INVALID", _t(14))


async def _rows(pool: AsyncConnectionPool) -> list[Any]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT stream_version, session_id, last_updated, session FROM ocpi_sessions"
        )
        return await cur.fetchall()


def _t(hour: int, minute: int = 0) -> str:
    return f"2024-05-01T{hour:02d}:{minute:02d}:00Z"
