"""The tokens admin API on real PostgreSQL: what each write leaves in the log, what the read
model then shows, and every request it refuses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_authorization.handlers.commands import register_token
from evroam_contracts.authorization import TokenRegistered
from evroam_contracts.emi3 import normalise_contract_id

MakeToken = Callable[..., dict[str, Any]]
Fold = Callable[[], Awaitable[int]]
URL = "/tokens/NL/EVR/04A1B2C3D4"
STREAM = "token-NL-EVR-RFID-04A1B2C3D4"


async def _events(pool: AsyncConnectionPool) -> list[tuple[str, int, str, dict[str, Any]]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT stream_id, stream_version, type, payload FROM events ORDER BY position"
        )
        return list(await cur.fetchall())


def _faults(response: httpx.Response) -> set[str]:
    """The fields a 422 names (FastAPI's validation shape: detail[].loc)."""
    assert response.status_code == 422, response.text
    return {str(e["loc"][-1]) for e in response.json()["detail"]}


async def test_writes_without_the_admin_token_are_refused_and_leave_no_event(
    client: httpx.AsyncClient, pool: AsyncConnectionPool, a_token: MakeToken
) -> None:
    assert (await client.put(URL, json=a_token())).status_code == 401
    wrong = {"Authorization": "Bearer not-the-admin-token"}
    assert (await client.put(URL, json=a_token(), headers=wrong)).status_code == 401
    assert (await client.patch(URL, json={"valid": False})).status_code == 401
    assert await _events(pool) == []


async def test_a_put_records_our_own_token_and_the_read_model_shows_it(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    fold: Fold,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    response = await client.put(URL, json=a_token(), headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1
    [(stream, version, event_type, payload)] = await _events(pool)
    assert (stream, version, event_type) == (STREAM, 1, "token.registered")
    assert payload["source"] == "own"
    assert payload["contract_id"] == "DE-8AA-CA2B3C4D5-L"
    assert (await client.get(URL)).status_code == 404  # not folded yet
    await fold()
    shown = (await client.get(URL)).json()
    assert shown == {
        **a_token(),
        "default_profile_type": None,
        "energy_contract": None,
        "source": "own",
        "partner_id": None,
    }


async def test_a_contract_id_in_any_spelling_is_stored_in_its_canonical_form(
    client: httpx.AsyncClient, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    response = await client.put(
        URL, json=a_token(contract_id="de8aaca2b3c4d5l"), headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["token"]["contract_id"] == "DE-8AA-CA2B3C4D5-L"


async def test_a_contract_id_with_a_wrong_check_digit_is_refused_naming_contract_id(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    response = await client.put(
        URL, json=a_token(contract_id="DE-8AA-CA2B3C4D5-X"), headers=admin_headers
    )
    assert _faults(response) == {"contract_id"}
    assert "check digit is 'X' but must be 'L'" in response.text
    assert await _events(pool) == []


async def test_a_contract_id_that_is_not_emi3_is_refused(
    client: httpx.AsyncClient, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    for bad in ("DE-8AA-CA2B3C4D5", "NL-EVR-XA2B3C4D5-L", "12345"):
        response = await client.put(URL, json=a_token(contract_id=bad), headers=admin_headers)
        assert _faults(response) == {"contract_id"}, bad


async def test_a_body_that_names_another_token_than_the_url_is_refused_field_by_field(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    body = a_token(uid="OTHER-UID", party_id="ABC")
    response = await client.put(URL, json=body, headers=admin_headers)
    assert _faults(response) == {"uid", "party_id"}
    assert "the body says 'OTHER-UID' but the URL says '04A1B2C3D4'" in response.text
    typed = await client.put(f"{URL}?type=APP_USER", json=a_token(), headers=admin_headers)
    assert _faults(typed) == {"type"}
    assert await _events(pool) == []


async def test_country_and_party_compare_case_insensitively_as_ocpi_cistrings(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    response = await client.put(
        "/tokens/nl/evr/04A1B2C3D4", json=a_token(party_id="Evr"), headers=admin_headers
    )
    assert response.status_code == 200, response.text
    [(stream, _, _, payload)] = await _events(pool)
    assert (stream, payload["country_code"], payload["party_id"]) == (STREAM, "NL", "EVR")


async def test_malformed_tokens_are_refused_naming_every_field_at_fault(
    client: httpx.AsyncClient, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    body = a_token(whitelist="SOMETIMES", language="dutch", issuer="x" * 65, colour="red")
    del body["valid"]
    response = await client.put(URL, json=body, headers=admin_headers)
    assert _faults(response) == {"whitelist", "language", "issuer", "colour", "valid"}
    long_uid = "U" * 37
    response = await client.put(
        f"/tokens/NL/EVR/{long_uid}", json=a_token(uid=long_uid), headers=admin_headers
    )
    assert "uid" in _faults(response)
    assert _faults(await client.get(f"{URL}?type=BADGE")) == {"type"}


async def test_a_patch_changes_only_what_it_names_and_stamps_last_updated_now(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    fold: Fold,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    await client.put(URL, json=a_token(), headers=admin_headers)
    before = datetime.now(UTC)
    response = await client.patch(URL, json={"valid": False}, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    [_, (stream, version, _, payload)] = await _events(pool)
    assert (stream, version, payload["valid"]) == (STREAM, 2, False)
    await fold()
    shown = (await client.get(URL)).json()
    unchanged = {k: v for k, v in a_token().items() if k not in ("valid", "last_updated")}
    assert {k: shown[k] for k in unchanged} == unchanged
    assert shown["valid"] is False
    assert shown["group_id"] == "FAMILY-1"
    stamped = datetime.fromisoformat(shown["last_updated"])
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC)


async def test_a_patch_keeps_a_given_last_updated_and_checks_a_new_contract_id(
    client: httpx.AsyncClient, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    await client.put(URL, json=a_token(), headers=admin_headers)
    at = "2026-02-01T12:00:00Z"
    response = await client.patch(
        URL, json={"whitelist": "NEVER", "last_updated": at}, headers=admin_headers
    )
    assert response.json()["token"]["last_updated"] == at
    assert response.json()["token"]["whitelist"] == "NEVER"
    bad = await client.patch(URL, json={"contract_id": "DE8AACA2B3C4D5X"}, headers=admin_headers)
    assert _faults(bad) == {"contract_id"}


async def test_a_patch_cannot_null_a_mandatory_field_nor_change_the_key(
    client: httpx.AsyncClient, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    await client.put(URL, json=a_token(), headers=admin_headers)
    nulls = {"valid": None, "issuer": None, "whitelist": None, "contract_id": None}
    response = await client.patch(URL, json=nulls, headers=admin_headers)
    assert _faults(response) == set(nulls)
    rekey = await client.patch(URL, json={"uid": "NEW"}, headers=admin_headers)
    assert _faults(rekey) == {"uid"}


async def test_patching_or_getting_an_unknown_token_is_a_404(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    response = await client.patch(URL, json={"valid": False}, headers=admin_headers)
    assert response.status_code == 404
    assert (await client.get(URL)).status_code == 404
    await client.put(URL, json=a_token(), headers=admin_headers)
    other_type = await client.patch(f"{URL}?type=APP_USER", json={}, headers=admin_headers)
    assert other_type.status_code == 404
    assert len(await _events(pool)) == 1


async def test_concurrent_patches_are_both_applied_one_after_the_other(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    fold: Fold,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    await client.put(URL, json=a_token(), headers=admin_headers)
    patches = [{"valid": False}, {"group_id": "FLEET-9"}, {"visual_number": "0042"}]
    answers = await asyncio.gather(
        *(client.patch(URL, json=p, headers=admin_headers) for p in patches)
    )
    assert sorted(a.json()["version"] for a in answers) == [2, 3, 4]
    await fold()
    shown = (await client.get(URL)).json()
    assert (shown["valid"], shown["group_id"], shown["visual_number"]) == (False, "FLEET-9", "0042")


async def test_a_roaming_partners_token_cannot_be_replaced_or_patched_here(
    client: httpx.AsyncClient,
    pool: AsyncConnectionPool,
    a_token: MakeToken,
    admin_headers: dict[str, str],
) -> None:
    roaming = TokenRegistered.model_validate(
        a_token(contract_id="NL-EVR-C12345678", source="roaming", partner_id="P-1")
    )
    async with pool.connection() as conn:
        await register_token(conn, roaming)
    put = await client.put(URL, json=a_token(), headers=admin_headers)
    patch = await client.patch(URL, json={"valid": False}, headers=admin_headers)
    assert (put.status_code, patch.status_code) == (409, 409)
    assert "P-1" in patch.text
    assert len(await _events(pool)) == 1


async def test_the_list_filters_combine_and_pages_with_limit_and_offset(
    client: httpx.AsyncClient, fold: Fold, a_token: MakeToken, admin_headers: dict[str, str]
) -> None:
    tokens = [
        a_token(uid="A1", contract_id=normalise_contract_id("NLEVRCA0000001")),
        a_token(uid="A2", valid=False),
        a_token(party_id="ABC", uid="B1"),
        a_token(country_code="DE", party_id="ABC", uid="C1"),
    ]
    for t in tokens:
        path = f"/tokens/{t['country_code']}/{t['party_id']}/{t['uid']}"
        assert (await client.put(path, json=t, headers=admin_headers)).status_code == 200
    await fold()

    async def uids(**params: Any) -> list[str]:
        response = await client.get("/tokens", params=params)
        assert response.status_code == 200, response.text
        return [t["uid"] for t in response.json()]

    assert await uids() == ["C1", "B1", "A1", "A2"]  # ordered by country, party, uid
    assert await uids(country_code="nl") == ["B1", "A1", "A2"]
    assert await uids(country_code="NL", party_id="EVR") == ["A1", "A2"]
    assert await uids(valid="false") == ["A2"]
    compact = tokens[0]["contract_id"].replace("-", "").lower()
    assert await uids(contract_id=compact) == ["A1"]
    assert await uids(contract_id="DE-8AA-CA2B3C4D5-L", party_id="ABC") == ["C1", "B1"]
    assert await uids(limit=2, offset=1) == ["B1", "A1"]
    page = await client.get("/tokens", params={"party_id": "EVR", "limit": 1})
    assert page.headers["X-Total-Count"] == "2"
    assert _faults(await client.get("/tokens", params={"limit": 0})) == {"limit"}
