"""The OCPI HTTP surface on in-memory adapters: envelopes, status codes, headers."""

import base64
from typing import Any

import httpx

from evroam_contracts.cdr import Cdr
from evroam_roaming.domain.partners import Partner

CDRS = "/ocpi/cpo/2.2.1/cdrs"
IDS = {"X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}


def token_header(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def envelope_of(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) <= {"data", "status_code", "status_message", "timestamp"}
    assert body["timestamp"] == "2025-03-04T05:06:07Z"
    return body


async def test_a_call_without_token_gets_401_in_an_envelope_with_its_ids(
    ocpi: httpx.AsyncClient,
) -> None:
    response = await ocpi.get("/ocpi/versions", headers=IDS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.headers["X-Request-ID"] == "req-1"
    assert response.headers["X-Correlation-ID"] == "corr-1"
    body = envelope_of(response)
    assert body["status_code"] == 2000
    assert "Authorization header missing" in body["status_message"]
    assert "data" not in body


async def test_an_unknown_token_gets_401(ocpi: httpx.AsyncClient) -> None:
    response = await ocpi.get(CDRS, headers=token_header("not-a-partner"))
    assert response.status_code == 401
    assert envelope_of(response)["status_message"] == "Unknown credentials token"


async def test_versions_list_2_2_1_at_the_public_url(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get("/ocpi/versions", headers=token_header(emsp_token))
    assert response.status_code == 200
    body = envelope_of(response)
    assert body["status_code"] == 1000
    assert body["data"] == [{"version": "2.2.1", "url": "https://roaming.example/ocpi/2.2.1"}]
    # Versions is a configuration module: never routing headers (section 1.5).
    assert "OCPI-from-party-id" not in response.headers


async def test_version_details_list_credentials_the_cdrs_sender_and_the_tokens_receiver(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get("/ocpi/2.2.1", headers=token_header(emsp_token))
    assert envelope_of(response)["data"] == {
        "version": "2.2.1",
        "endpoints": [
            {
                "identifier": "credentials",
                "role": "SENDER",
                "url": "https://roaming.example/ocpi/2.2.1/credentials",
            },
            {
                "identifier": "cdrs",
                "role": "SENDER",
                "url": "https://roaming.example/ocpi/cpo/2.2.1/cdrs/",
            },
            {
                "identifier": "tokens",
                "role": "RECEIVER",
                "url": "https://roaming.example/ocpi/cpo/2.2.1/tokens/",
            },
        ],
    }


async def test_credentials_give_the_callers_token_back_with_our_party(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get("/ocpi/2.2.1/credentials", headers=token_header(emsp_token))
    assert envelope_of(response)["data"] == {
        "token": emsp_token,
        "url": "https://roaming.example/ocpi/versions",
        "roles": [  # one party, both roles (OCPI 2.2.1 section 7.3.4)
            {
                "role": role,
                "business_details": {"name": "evroam"},
                "party_id": "EVR",
                "country_code": "NL",
            }
            for role in ("CPO", "EMSP")
        ],
    }


async def test_a_credentials_update_with_invalid_credentials_gets_2001_with_the_reason(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.put(
        "/ocpi/2.2.1/credentials", headers=token_header(emsp_token), json={"token": "x"}
    )

    body = envelope_of(response)
    assert body["status_code"] == 2001
    assert "invalid Credentials" in body["status_message"]
    assert "url" in body["status_message"]


async def test_a_registration_whose_body_is_not_json_gets_400_and_2001(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.post(
        "/ocpi/2.2.1/credentials", headers=token_header(emsp_token), content=b"{token"
    )
    assert response.status_code == 400
    assert envelope_of(response)["status_code"] == 2001


async def test_a_registration_without_roles_gets_2001_naming_the_field(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.post(
        "/ocpi/2.2.1/credentials",
        headers=token_header(emsp_token),
        json={"token": "b-token", "url": "https://emsp.example/ocpi/versions", "roles": []},
    )
    assert response.status_code == 200
    body = envelope_of(response)
    assert body["status_code"] == 2001
    assert "roles" in body["status_message"]


async def test_a_raw_token_as_older_peers_send_it_is_accepted(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get(CDRS, headers={"Authorization": f"Token {emsp_token}"})
    assert response.status_code == 200


async def test_cdrs_answer_with_routing_headers_from_us_to_the_caller(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get(CDRS, headers={**token_header(emsp_token), **IDS})
    assert envelope_of(response) | {"timestamp": None} == {
        "data": [],
        "status_code": 1000,
        "status_message": "Success",
        "timestamp": None,
    }
    assert {
        k: response.headers[k]
        for k in (
            "OCPI-from-country-code",
            "OCPI-from-party-id",
            "OCPI-to-country-code",
            "OCPI-to-party-id",
            "X-Request-ID",
            "X-Correlation-ID",
            "X-Total-Count",
            "X-Limit",
        )
    } == {
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "EVR",
        "OCPI-to-country-code": "DE",
        "OCPI-to-party-id": "TNM",
        "X-Request-ID": "req-1",
        "X-Correlation-ID": "corr-1",
        "X-Total-Count": "0",
        "X-Limit": "100",
    }
    assert "Link" not in response.headers


async def test_a_bad_parameter_is_ocpi_2001_in_an_http_200_envelope(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
) -> None:
    response = await ocpi.get(CDRS, params={"offset": "abc"}, headers=token_header(emsp_token))
    assert response.status_code == 200
    body = envelope_of(response)
    assert body["status_code"] == 2001
    assert "offset" in body["status_message"]
    assert response.headers["OCPI-to-party-id"] == "TNM"


async def test_the_module_url_with_a_trailing_slash_works_as_the_spec_examples_use_it(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
    fake_cdrs: Any,
    make_cdr: Any,
) -> None:
    fake_cdrs.cdrs.append(make_cdr("C1"))
    response = await ocpi.get(CDRS + "/", headers=token_header(emsp_token))
    assert [c["id"] for c in envelope_of(response)["data"]] == ["C1"]


async def test_cdrs_of_other_token_owners_are_not_served(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
    emsp: Partner,
    fake_cdrs: Any,
    make_cdr: Any,
) -> None:
    mine: Cdr = make_cdr("MINE", token_owner=("de", "tnm"))
    fake_cdrs.cdrs += [mine, make_cdr("THEIRS", token_owner=("NL", "ABC"))]
    response = await ocpi.get(CDRS, headers=token_header(emsp_token))
    assert [c["id"] for c in envelope_of(response)["data"]] == ["MINE"]
    assert response.headers["X-Total-Count"] == "1"


async def test_an_unknown_path_is_a_404_envelope(ocpi: httpx.AsyncClient) -> None:
    response = await ocpi.get("/ocpi/cpo/2.2.1/cdrs/BE/BEC/12345")
    assert response.status_code == 404
    assert envelope_of(response)["status_code"] == 2000


async def test_an_internal_failure_is_a_3000_envelope_that_still_echoes_the_ids(
    ocpi: httpx.AsyncClient,
    emsp_token: str,
    fake_cdrs: Any,
) -> None:
    fake_cdrs.fail = True
    response = await ocpi.get(CDRS, headers={**token_header(emsp_token), **IDS})
    assert response.status_code == 500
    assert envelope_of(response)["status_code"] == 3000
    assert response.headers["X-Request-ID"] == "req-1"
