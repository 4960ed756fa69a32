"""Where a station's message takes place: OCPP 1.6 connector numbers and OCPP 2.0.1
(EVSE, connector) pairs resolved to the registry's EVSEs and connectors."""

from __future__ import annotations

import pytest

from evroam_contracts.gateway import Connector, Evse
from evroam_gateway.domain.connectors import (
    ConnectorRef,
    UnknownEvseError,
    evse_number,
    resolve,
)


def connector(number: int) -> Connector:
    return Connector(connector_id=f"C{number}", ocpp_connector_id=number)


def evse(uid: str, *numbers: int, ocpp_evse_id: int | None = None) -> Evse:
    return Evse(
        evse_uid=uid,
        evse_id=f"NL*EVR*E{uid}",
        connectors=tuple(connector(n) for n in numbers),
        ocpp_evse_id=ocpp_evse_id,
    )


# A station with a one-connector EVSE and a two-connector EVSE, numbered by position.
EVSES = (evse("A", 1), evse("B", 2, 3))


def test_a_16_connector_number_finds_its_connector_whatever_its_evse() -> None:
    assert resolve(EVSES, ConnectorRef(ocpp_connector_id=1)) == (EVSES[0], connector(1))
    assert resolve(EVSES, ConnectorRef(ocpp_connector_id=3)) == (EVSES[1], connector(3))


def test_a_201_evse_is_numbered_by_its_position_in_the_station_by_default() -> None:
    assert resolve(EVSES, ConnectorRef(evse_id=1, connector_id=1)) == (EVSES[0], connector(1))
    assert resolve(EVSES, ConnectorRef(evse_id=2, connector_id=1)) == (EVSES[1], connector(2))


def test_a_201_connector_is_numbered_by_its_position_within_its_evse() -> None:
    assert resolve(EVSES, ConnectorRef(evse_id=2, connector_id=2)) == (EVSES[1], connector(3))


def test_a_201_evse_named_without_a_connector_means_its_first_connector() -> None:
    assert resolve(EVSES, ConnectorRef(evse_id=2)) == (EVSES[1], connector(2))


def test_an_evse_with_its_own_201_number_is_found_by_that_number_only() -> None:
    evses = (evse("A", 1, ocpp_evse_id=10), evse("B", 2, ocpp_evse_id=20))

    assert resolve(evses, ConnectorRef(evse_id=20)) == (evses[1], connector(2))
    with pytest.raises(UnknownEvseError):
        resolve(evses, ConnectorRef(evse_id=2))


def test_evses_with_and_without_their_own_number_live_side_by_side() -> None:
    evses = (evse("A", 1, ocpp_evse_id=5), evse("B", 2))

    assert resolve(evses, ConnectorRef(evse_id=5)) == (evses[0], connector(1))
    assert resolve(evses, ConnectorRef(evse_id=2)) == (evses[1], connector(2))


def test_the_201_number_of_an_evse_is_its_own_or_its_position() -> None:
    evses = (evse("A", 1), evse("B", 2, ocpp_evse_id=7))

    assert [evse_number(evses, e) for e in evses] == [1, 7]


@pytest.mark.parametrize(
    "ref",
    [
        ConnectorRef(ocpp_connector_id=9),
        ConnectorRef(evse_id=3),
        ConnectorRef(evse_id=1, connector_id=2),
        ConnectorRef(evse_id=2, connector_id=3),
        ConnectorRef(evse_id=2, connector_id=-1),
        ConnectorRef(),
    ],
    ids=str,
)
def test_an_evse_or_connector_the_registry_does_not_know_is_refused(ref: ConnectorRef) -> None:
    with pytest.raises(UnknownEvseError):
        resolve(EVSES, ref)


def test_a_station_without_evses_knows_no_connector() -> None:
    with pytest.raises(UnknownEvseError):
        resolve((), ConnectorRef(ocpp_connector_id=1))


@pytest.mark.parametrize(
    ("ref", "station_wide"),
    [
        (ConnectorRef(ocpp_connector_id=0), True),
        (ConnectorRef(evse_id=0), True),
        (ConnectorRef(evse_id=0, connector_id=0), True),
        (ConnectorRef(ocpp_connector_id=1), False),
        (ConnectorRef(evse_id=1), False),
        (ConnectorRef(evse_id=1, connector_id=1), False),
        (ConnectorRef(), False),
    ],
    ids=str,
)
def test_connector_or_evse_zero_is_the_station_itself(
    ref: ConnectorRef, station_wide: bool
) -> None:
    assert ref.station_wide is station_wide


def test_the_station_itself_is_no_connector_of_the_registry() -> None:
    with pytest.raises(UnknownEvseError):
        resolve(EVSES, ConnectorRef(ocpp_connector_id=0))
