"""What becomes of an object a partner CPO sends us again (OCPI 2.2.1 sections 1.3, 3.1, 3.2):
the `last_updated` rule, PATCH merges, and a Location changed one EVSE or connector at a
time. Pure, on OCPI JSON data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from evroam_roaming.domain import received_locations as locations
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.received import (
    Held,
    NotOurTokenError,
    ObjectKey,
    ObjectNotFoundError,
    Receipt,
    check_our_token,
    judge,
    merge,
    object_stream,
    patch_session,
)

T0, T1, T2 = "2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", "2025-01-01T12:00:00Z"


def connector(id_: str = "1", at: str = T0, **f: Any) -> dict[str, Any]:
    return {"id": id_, "standard": "IEC_62196_T2", "last_updated": at, **f}


def evse(uid: str, at: str = T0, status: str = "AVAILABLE", **f: Any) -> dict[str, Any]:
    return {"uid": uid, "status": status, "connectors": [connector(at=at)], "last_updated": at, **f}


def location(*evses: dict[str, Any], at: str = T0) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "TNM",
        "id": "LOC1",
        "evses": list(evses),
        "last_updated": at,
    }


def held(data: dict[str, Any], deleted: bool = False) -> Held:
    return Held(data, version=3, deleted=deleted)


def test_keys_are_upper_case_and_name_their_stream() -> None:
    key = ObjectKey.of("locations", "de", "tnm", "loc-1")
    assert key == ObjectKey("locations", Party("DE", "TNM"), "LOC-1")
    assert object_stream(key) == "emsp-locations-DE-TNM-LOC-1"


def test_a_new_object_is_created_and_a_changed_one_updated() -> None:
    first = {"id": "S1", "kwh": Decimal("1.5"), "last_updated": T1}
    assert judge(None, first) is Receipt.CREATED
    assert judge(held(first), {**first, "kwh": Decimal(2)}) is Receipt.UPDATED
    assert judge(held(first), {**first, "kwh": Decimal(2), "last_updated": T2}) is Receipt.UPDATED


def test_the_same_object_again_is_unchanged_whatever_the_spelling_of_its_numbers() -> None:
    first = {"id": "S1", "kwh": Decimal("1.50"), "last_updated": T1}
    assert judge(held(first), {**first, "kwh": Decimal("1.5")}) is Receipt.UNCHANGED


def test_an_older_copy_is_stale_and_nothing_is_recorded() -> None:
    stored = {"id": "S1", "status": "COMPLETED", "last_updated": T2}
    receipt = judge(held(stored), {"id": "S1", "status": "ACTIVE", "last_updated": T1})
    assert receipt is Receipt.STALE
    assert not receipt.recorded


def test_a_deleted_object_comes_back_only_with_a_later_last_updated() -> None:
    gone = held({"id": "T1", "last_updated": T1}, deleted=True)
    assert judge(gone, {"id": "T1", "last_updated": T1}) is Receipt.STALE
    assert judge(gone, {"id": "T1", "last_updated": T2}) is Receipt.CREATED


def test_a_patch_replaces_its_fields_and_merges_children_by_id_so_it_cannot_delete() -> None:
    stored = location(evse("E1"), evse("E2"))
    patched = merge(
        stored, {"name": "Depot", "evses": [evse("e2", T1, "CHARGING")]}, locations.EVSES
    )
    assert patched["name"] == "Depot"
    assert [(e["uid"], e["status"]) for e in patched["evses"]] == [
        ("E1", "AVAILABLE"),
        ("e2", "CHARGING"),
    ]


def test_a_session_patch_appends_charging_periods_and_an_empty_list_keeps_them() -> None:
    stored = {"id": "S1", "charging_periods": [{"start_date_time": T0}], "last_updated": T0}
    more = patch_session(
        stored, {"charging_periods": [{"start_date_time": T1}], "kwh": 3, "last_updated": T1}
    )
    assert more is not None
    assert [p["start_date_time"] for p in more["charging_periods"]] == [T0, T1]
    kept = patch_session(stored, {"charging_periods": [], "last_updated": T1})
    assert kept is not None
    assert kept["charging_periods"] == stored["charging_periods"]
    assert patch_session(stored | {"last_updated": T2}, {"kwh": 1, "last_updated": T1}) is None


def test_an_evse_status_patch_moves_the_evse_and_the_location_last_updated() -> None:
    after = locations.patch_evse(
        location(evse("E1"), evse("E2")), "e1", {"status": "CHARGING", "last_updated": T1}
    )
    assert after is not None
    assert after["evses"][0] == {**evse("E1"), "status": "CHARGING", "last_updated": T1}
    assert after["evses"][1] == evse("E2")
    assert after["last_updated"] == T1


def test_a_parent_never_goes_back_in_time() -> None:
    stored = location(evse("E1", T0), evse("E2", T2), at=T2)
    after = locations.patch_evse(stored, "E1", {"status": "BLOCKED", "last_updated": T1})
    assert after is not None
    assert after["last_updated"] == T2


def test_a_change_older_than_the_child_it_addresses_is_ignored() -> None:
    stored = location(evse("E1", T1), at=T1)
    assert locations.patch_evse(stored, "E1", {"status": "BLOCKED", "last_updated": T0}) is None
    assert locations.put_evse(stored, evse("E1", T0, "BLOCKED")) is None
    assert locations.patch_location(stored, {"name": "x", "last_updated": T0}) is None
    assert locations.put_connector(stored, "E1", connector(at=T0, standard="CHADEMO")) is None


def test_an_evse_put_adds_or_replaces_and_a_connector_put_adds_to_its_evse() -> None:
    stored = location(evse("E1"))
    added = locations.put_evse(stored, evse("E2", T1))
    assert added is not None
    assert [e["uid"] for e in added["evses"]] == ["E1", "E2"]
    with_connector = locations.put_connector(added, "E2", connector("2", T2))
    assert with_connector is not None
    assert [c["id"] for c in with_connector["evses"][1]["connectors"]] == ["1", "2"]
    assert with_connector["evses"][1]["last_updated"] == with_connector["last_updated"] == T2


def test_a_connector_patch_changes_only_that_connector() -> None:
    stored = location(evse("E1"))
    after = locations.patch_connector(stored, "E1", "1", {"tariff_ids": ["T9"], "last_updated": T1})
    assert after is not None
    assert after["evses"][0]["connectors"] == [
        {**connector(), "tariff_ids": ["T9"], "last_updated": T1}
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda loc: locations.patch_evse(loc, "E9", {"status": "BLOCKED", "last_updated": T1}),
        lambda loc: locations.put_connector(loc, "E9", connector()),
        lambda loc: locations.patch_connector(loc, "E1", "9", {"last_updated": T1}),
    ],
)
def test_a_child_we_do_not_hold_cannot_be_patched_or_get_a_connector(change: Any) -> None:
    with pytest.raises(ObjectNotFoundError):
        change(location(evse("E1")))


def test_children_are_found_whatever_the_case_of_their_ids() -> None:
    stored = location(evse("Evse-1"))
    found = locations.find_evse(stored, "EVSE-1")
    assert found is not None
    assert locations.find_connector(found, "1") == connector()
    assert locations.find_evse(stored, "nope") is None


OURS = frozenset({Party.of("NL", "EVR")})


def test_a_session_or_cdr_of_one_of_our_tokens_passes_whatever_the_spelling() -> None:
    check_our_token({"cdr_token": {"country_code": "nl", "party_id": "evr"}}, OURS, "CDR")


def test_a_session_or_cdr_of_another_emsps_token_is_not_ours_and_says_whose_it_is() -> None:
    with pytest.raises(NotOurTokenError, match=r"CDR's cdr_token belongs to DE\*EMY, .*NL\*EVR"):
        check_our_token({"cdr_token": {"country_code": "DE", "party_id": "EMY"}}, OURS, "CDR")
