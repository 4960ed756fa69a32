"""A partner CPO's Location changed one EVSE or one connector at a time (OCPI 2.2.1 section
3.1: PUT or PATCH of `{location_id}/{evse_uid}[/{connector_id}]`). Pure, on OCPI JSON data.

Each function answers the whole Location after the change, or None when the change is older
than the object it addresses (the EVSE, the connector, or the Location itself), which is then
left as it is. A change of a child moves its parents' `last_updated` to the child's when that
is later: the Receiver keeps a Location's `last_updated` the latest of it and its children,
as the CPO does, so that our own date filters find it (section 3.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evroam_roaming.domain.received import (
    ObjectNotFoundError,
    OcpiData,
    last_updated_of,
    merge,
    newer,
)

EVSES = {"evses": "uid"}
CONNECTORS = {"connectors": "id"}


def child(children: Sequence[Any] | None, id_field: str, wanted: str) -> int | None:
    """Where the child with this id is (ids are CiStrings: any case)."""
    for i, found in enumerate(children or ()):
        if str(found.get(id_field, "")).upper() == wanted.upper():
            return i
    return None


def find_evse(location: Mapping[str, Any], evse_uid: str) -> OcpiData | None:
    evses = location.get("evses") or []
    i = child(evses, "uid", evse_uid)
    return None if i is None else dict(evses[i])


def find_connector(evse: Mapping[str, Any], connector_id: str) -> OcpiData | None:
    connectors = evse.get("connectors") or []
    j = child(connectors, "id", connector_id)
    return None if j is None else dict(connectors[j])


def patch_location(location: Mapping[str, Any], patch: Mapping[str, Any]) -> OcpiData | None:
    """EVSEs in a Location PATCH replace those with the same uid; the others stay."""
    if last_updated_of(patch) < last_updated_of(location):
        return None
    return merge(location, patch, EVSES)


def put_evse(location: Mapping[str, Any], evse: Mapping[str, Any]) -> OcpiData | None:
    evses = list(location.get("evses") or [])
    i = child(evses, "uid", str(evse["uid"]))
    if i is None:
        evses.append(dict(evse))
    elif last_updated_of(evse) < last_updated_of(evses[i]):
        return None
    else:
        evses[i] = dict(evse)
    return _touched(location, evses, str(evse["last_updated"]))


def patch_evse(
    location: Mapping[str, Any], evse_uid: str, patch: Mapping[str, Any]
) -> OcpiData | None:
    """Connectors in an EVSE PATCH replace those with the same id; the others stay."""
    evses, i = _evses(location, evse_uid)
    if last_updated_of(patch) < last_updated_of(evses[i]):
        return None
    evses[i] = merge(evses[i], patch, CONNECTORS)
    return _touched(location, evses, str(patch["last_updated"]))


def put_connector(
    location: Mapping[str, Any], evse_uid: str, connector: Mapping[str, Any]
) -> OcpiData | None:
    evses, i = _evses(location, evse_uid)
    connectors = list(evses[i].get("connectors") or [])
    j = child(connectors, "id", str(connector["id"]))
    if j is None:
        connectors.append(dict(connector))
    elif last_updated_of(connector) < last_updated_of(connectors[j]):
        return None
    else:
        connectors[j] = dict(connector)
    return _child_changed(location, evses, i, connectors, str(connector["last_updated"]))


def patch_connector(
    location: Mapping[str, Any], evse_uid: str, connector_id: str, patch: Mapping[str, Any]
) -> OcpiData | None:
    evses, i = _evses(location, evse_uid)
    connectors = list(evses[i].get("connectors") or [])
    j = child(connectors, "id", connector_id)
    if j is None:
        raise ObjectNotFoundError(f"no connector {connector_id} on EVSE {evse_uid}")
    if last_updated_of(patch) < last_updated_of(connectors[j]):
        return None
    connectors[j] = merge(connectors[j], patch)
    return _child_changed(location, evses, i, connectors, str(patch["last_updated"]))


def _evses(location: Mapping[str, Any], evse_uid: str) -> tuple[list[Any], int]:
    evses = list(location.get("evses") or [])
    i = child(evses, "uid", evse_uid)
    if i is None:
        raise ObjectNotFoundError(f"no EVSE {evse_uid} at location {location.get('id')}")
    return evses, i


def _child_changed(
    location: Mapping[str, Any], evses: list[Any], i: int, connectors: list[Any], at: str
) -> OcpiData:
    evse = evses[i]
    evses[i] = {**evse, "connectors": connectors, "last_updated": newer(evse["last_updated"], at)}
    return _touched(location, evses, at)


def _touched(location: Mapping[str, Any], evses: list[Any], at: str) -> OcpiData:
    return {**location, "evses": evses, "last_updated": newer(str(location["last_updated"]), at)}
