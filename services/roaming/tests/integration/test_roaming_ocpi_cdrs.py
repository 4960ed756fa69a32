"""Partners pull CDRs over OCPI 2.2.1 (section 3.3) from the real tables, through HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

CDRS = "/ocpi/cpo/2.2.1/cdrs"
Auth = Callable[[str], dict[str, str]]
Register = Callable[..., Awaitable[dict[str, Any]]]
Issue = Callable[[Any], Awaitable[Any]]


async def test_without_a_token_or_with_a_wrong_one_the_answer_is_401(
    client: httpx.AsyncClient,
    register: Register,
    ocpi_auth: Auth,
) -> None:
    await register("DE", "TNM")
    missing = await client.get(CDRS)
    wrong = await client.get(CDRS, headers=ocpi_auth("guessed-token"))
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["status_code"] == 2000
    assert wrong.json()["status_message"] == "Unknown credentials token"


async def test_a_registered_token_works_base64_encoded_and_raw(
    client: httpx.AsyncClient,
    register: Register,
    ocpi_auth: Auth,
    public_url: str,
) -> None:
    token = (await register("DE", "TNM"))["token"]
    encoded = await client.get("/ocpi/versions", headers=ocpi_auth(token))
    raw = await client.get("/ocpi/versions", headers={"Authorization": f"Token {token}"})
    assert encoded.status_code == raw.status_code == 200
    assert encoded.json()["data"] == [{"version": "2.2.1", "url": f"{public_url}/ocpi/2.2.1"}]


async def test_three_cdrs_in_pages_of_two_follow_the_link_in_a_stable_order(
    client: httpx.AsyncClient,
    register: Register,
    issue: Issue,
    make_cdr: Any,
    ocpi_auth: Auth,
    public_url: str,
) -> None:
    token = (await register("DE", "TNM"))["token"]
    # Two share last_updated: the id decides; issue order must not matter.
    await issue(make_cdr("C3", last_updated="2024-05-01T12:00:00Z"))
    await issue(make_cdr("C2", last_updated="2024-05-01T10:00:00Z"))
    await issue(make_cdr("C1", last_updated="2024-05-01T10:00:00Z"))

    first = await client.get(CDRS, params={"limit": "2"}, headers=ocpi_auth(token))
    assert first.status_code == 200
    assert [c["id"] for c in first.json()["data"]] == ["C1", "C2"]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Limit"] == "100"
    assert first.headers["Link"] == f'<{public_url}{CDRS}?offset=2&limit=2>; rel="next"'

    second = await client.get(_next_url(first), headers=ocpi_auth(token))
    assert [c["id"] for c in second.json()["data"]] == ["C3"]
    assert second.headers["X-Total-Count"] == "3"
    assert "Link" not in second.headers


async def test_cdrs_are_served_in_ocpi_form(
    client: httpx.AsyncClient,
    register: Register,
    issue: Issue,
    make_cdr: Any,
    ocpi_auth: Auth,
) -> None:
    token = (await register("DE", "TNM"))["token"]
    await issue(make_cdr("C1", last_updated="2024-05-01T10:00:00.123456+02:00"))
    response = await client.get(CDRS, headers=ocpi_auth(token))
    assert '"excl_vat":4.00' in response.text  # numbers, exactly as issued
    assert '"price":2.00' in response.text  # in the tariff copy too, though our wire has "2.00"
    [cdr] = response.json()["data"]
    assert cdr["last_updated"] == "2024-05-01T08:00:00.123Z"
    assert cdr["start_date_time"] == "2015-06-29T21:39:09Z"
    assert cdr["total_energy"] == 15.342


async def test_date_from_is_inclusive_date_to_exclusive_and_the_link_repeats_them(
    client: httpx.AsyncClient,
    register: Register,
    issue: Issue,
    make_cdr: Any,
    ocpi_auth: Auth,
    public_url: str,
) -> None:
    token = (await register("DE", "TNM"))["token"]
    for hour in (9, 10, 11, 12, 13):
        await issue(make_cdr(f"H{hour}", last_updated=f"2024-05-01T{hour:02d}:00:00Z"))
    window = {"date_from": "2024-05-01T10:00:00Z", "date_to": "2024-05-01T13:00:00Z"}

    first = await client.get(CDRS, params={**window, "limit": "2"}, headers=ocpi_auth(token))
    assert [c["id"] for c in first.json()["data"]] == ["H10", "H11"]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["Link"] == (
        f"<{public_url}{CDRS}?offset=2&limit=2&date_from=2024-05-01T10:00:00Z"
        '&date_to=2024-05-01T13:00:00Z>; rel="next"'
    )
    second = await client.get(_next_url(first), headers=ocpi_auth(token))
    assert [c["id"] for c in second.json()["data"]] == ["H12"]


async def test_each_partner_sees_only_the_cdrs_of_its_own_tokens(
    client: httpx.AsyncClient,
    register: Register,
    issue: Issue,
    make_cdr: Any,
    ocpi_auth: Auth,
) -> None:
    tnm = (await register("DE", "TNM"))["token"]
    abc = (await register("NL", "ABC"))["token"]
    await issue(make_cdr("T1", token_owner=("DE", "TNM")))
    await issue(make_cdr("A1", token_owner=("nl", "abc")))  # CiStrings: case does not matter
    await issue(make_cdr("A2", token_owner=("NL", "ABC")))

    as_tnm = await client.get(CDRS, headers=ocpi_auth(tnm))
    as_abc = await client.get(CDRS, headers=ocpi_auth(abc))
    assert [c["id"] for c in as_tnm.json()["data"]] == ["T1"]
    assert as_tnm.headers["X-Total-Count"] == "1"
    assert [c["id"] for c in as_abc.json()["data"]] == ["A1", "A2"]
    assert as_abc.headers["X-Total-Count"] == "2"
    assert (as_abc.headers["OCPI-to-country-code"], as_abc.headers["OCPI-to-party-id"]) == (
        "NL",
        "ABC",
    )
    assert (as_abc.headers["OCPI-from-country-code"], as_abc.headers["OCPI-from-party-id"]) == (
        "NL",
        "EVR",
    )


async def test_a_bad_parameter_is_answered_with_ocpi_status_2001(
    client: httpx.AsyncClient,
    register: Register,
    ocpi_auth: Auth,
) -> None:
    token = (await register("DE", "TNM"))["token"]
    for params in ({"offset": "two"}, {"date_from": "01/05/2024"}):
        response = await client.get(CDRS, params=params, headers=ocpi_auth(token))
        assert response.status_code == 200  # reached the OCPI layer (section 1.7)
        body = response.json()
        assert body["status_code"] == 2001
        assert next(iter(params)) in body["status_message"]
        assert "data" not in body


def _next_url(response: httpx.Response) -> str:
    """The next page's path and query, to ask the in-process app for it."""
    link = response.headers["Link"]
    assert link.startswith("<")
    assert link.endswith('>; rel="next"')
    url = urlsplit(link[1 : link.index(">")])
    return f"{url.path}?{url.query}"
