"""Where a station's message takes place: OCPP numbering to the registry's EVSEs. Pure.

OCPP 1.6 numbers connectors across the station (1..N; 0 is the station itself). OCPP 2.0.1
numbers EVSEs (1..N; 0 is the station) and connectors within an EVSE (1..M). The registry
keeps both: each connector's 1.6 number, and each EVSE's 2.0.1 number (by default its
position in the station), whose connectors are numbered by their position in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evroam_contracts.gateway import Connector, Evse


class UnknownEvseError(LookupError):
    """A station named an EVSE or connector that is not in the registry."""


@dataclass(frozen=True)
class ConnectorRef:
    """A connector as the station named it: 1.6 `connector_id`, or 2.0.1 (evse, connector)."""

    ocpp_connector_id: int | None = None
    evse_id: int | None = None
    connector_id: int | None = None

    @property
    def station_wide(self) -> bool:
        return self.ocpp_connector_id == 0 or self.evse_id == 0


def evse_number(evses: Sequence[Evse], evse: Evse) -> int:
    return evse.ocpp_evse_id or (list(evses).index(evse) + 1)


def resolve(evses: Sequence[Evse], ref: ConnectorRef) -> tuple[Evse, Connector]:
    """The registry's EVSE and connector for what the station said."""
    for position, evse in enumerate(evses, 1):
        if ref.ocpp_connector_id is not None:
            for c in evse.connectors:
                if c.ocpp_connector_id == ref.ocpp_connector_id:
                    return evse, c
        elif (evse.ocpp_evse_id or position) == ref.evse_id:
            index = (ref.connector_id or 1) - 1
            if 0 <= index < len(evse.connectors):
                return evse, evse.connectors[index]
    raise UnknownEvseError(f"no EVSE/connector {ref} in the registry")
