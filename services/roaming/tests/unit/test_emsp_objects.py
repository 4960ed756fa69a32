"""The objects partner CPOs send our eMSP Receivers, validated at the edge (OCPI 2.2.1 sections
1.3, 1.9, 3.1-3.4): the spec's own examples pass, and each kind of bad input is refused with
its reason."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from evroam_contracts.cdr import Cdr
from evroam_contracts.roaming_received import PartnerSession
from evroam_roaming.ocpi.emsp.cdr_objects import CDR
from evroam_roaming.ocpi.emsp.location_objects import EVSE, Location
from evroam_roaming.ocpi.emsp.receiving import check_identity, check_patch
from evroam_roaming.ocpi.emsp.session_objects import Session
from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.types import InvalidObjectError, ocpi_data, parse_object

DATA = Path(__file__).parents[1] / "data"


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / name).read_text(), parse_float=Decimal)
    return loaded


def test_the_specs_examples_are_valid_objects() -> None:
    parse_object(Location, example("location_example.json"), "Location")
    parse_object(Session, example("session_example_2_short_finished.json"), "Session")
    parse_object(Tariff, example("tariff_4_complex.json"), "Tariff")
    parse_object(CDR, example("cdr_example.json"), "CDR")


def test_what_we_store_is_what_was_sent_with_datetimes_in_z_form_and_exact_numbers() -> None:
    sent = example("session_example_2_short_finished.json")
    sent |= {"last_updated": "2015-06-29T23:50:17", "unknown_field": 1, "meter_id": None}
    stored = ocpi_data(parse_object(Session, sent, "Session"))
    assert stored["last_updated"] == "2015-06-29T23:50:17Z"
    assert stored["kwh"] == Decimal("41.12")
    assert "unknown_field" not in stored
    assert "meter_id" not in stored  # null means absent
    assert "authorization_reference" not in stored  # not sent, not invented


def test_stored_sessions_and_cdrs_are_our_contracts_objects() -> None:
    session = ocpi_data(
        parse_object(Session, example("session_example_2_short_finished.json"), "Session")
    )
    cdr = ocpi_data(parse_object(CDR, example("cdr_example.json"), "CDR"))
    assert PartnerSession.model_validate(session).kwh == Decimal("41.12")
    assert Cdr.model_validate(cdr).total_cost.excl_vat == Decimal("4.00")


def broken(name: str, **changes: Any) -> dict[str, Any]:
    data = example(name)
    for path, value in changes.items():
        target = data
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return data


@pytest.mark.parametrize(
    ("model", "data", "reason"),
    [
        (Location, broken("location_example.json", address=...), "address: Field required"),
        (Location, broken("location_example.json", coordinates__latitude="51.0"), "latitude"),
        (Location, broken("location_example.json", evses__0__status="BROKEN"), "status"),
        (Location, broken("location_example.json", evses__0__connectors=[]), "connectors"),
        (Location, broken("location_example.json", evses__1__uid="3256"), "same uid"),
        (Location, broken("location_example.json", publish="yes"), "publish"),
        (Location, broken("location_example.json", party_id="TOOLONG"), "party_id"),
        (
            Location,
            broken("location_example.json", evses__0__connectors__0__max_voltage="220"),
            "max_voltage",
        ),
        (Session, broken("session_example_2_short_finished.json", kwh="41.12"), "JSON number"),
        (
            Session,
            broken("session_example_2_short_finished.json", last_updated=20150629),
            "DateTime",
        ),
        (
            Session,
            broken("session_example_2_short_finished.json", start_date_time="29/06/2015 22:39"),
            "not an OCPI DateTime",
        ),
        (Session, broken("session_example_2_short_finished.json", cdr_token=...), "cdr_token"),
        (Tariff, broken("tariff_4_complex.json", elements=[]), "elements"),
        (Tariff, broken("tariff_4_complex.json", last_updated=...), "last_updated"),
        (CDR, broken("cdr_example.json", credit=True), "credit_reference_id"),
        (CDR, broken("cdr_example.json", id="x" * 40), "id"),
        (CDR, broken("cdr_example.json", cdr_location__id="L\u00e9"), "printable ASCII"),
        (CDR, ["not", "an", "object"], "must be a JSON object"),
        (CDR, broken("cdr_example.json", total_energy=Decimal("1e999999999")), "below 10"),
    ],
)
def test_an_invalid_object_is_refused_with_the_reason(model: Any, data: Any, reason: str) -> None:
    with pytest.raises(InvalidObjectError, match=reason):
        parse_object(model, data, model.__name__)


def test_the_specs_patch_example_is_a_valid_evse_patch() -> None:
    patch = example("location_patch_example_status.json")
    assert check_patch(EVSE, patch, "EVSE") == patch


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"status": "CHARGING"}, "missing required field: last_updated"),
        ({"status": "CHARGING", "last_updated": "yesterday"}, "last_updated"),
        ({"colour": "red", "last_updated": "2025-01-01T00:00:00Z"}, "not EVSE fields: colour"),
        ({"floor_level": None, "last_updated": "2025-01-01T00:00:00Z"}, "null"),
        ([{"status": "CHARGING"}], "must be a JSON object"),
    ],
)
def test_a_bad_patch_is_refused_with_the_reason(patch: Any, reason: str) -> None:
    with pytest.raises(InvalidObjectError, match=reason):
        check_patch(EVSE, patch, "EVSE")


def test_owner_and_id_in_a_body_must_be_those_of_the_url_in_any_case() -> None:
    url = {"country_code": "DE", "party_id": "TNM", "id": "S1"}
    check_identity({"country_code": "de", "party_id": "tnm", "id": "s1"}, url, "Session")
    check_identity({"kwh": 1}, url, "Session")  # a PATCH need not repeat them
    with pytest.raises(InvalidObjectError, match="differs from the URL in: party_id, id"):
        check_identity({"party_id": "ABC", "id": "S2"}, url, "Session")
