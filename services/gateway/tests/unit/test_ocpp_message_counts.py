"""What the gateway counts for `evroam_ocpp_messages_total`: every frame in and out, by
direction, version, frame type and action, with no label a station can invent."""

from __future__ import annotations

from collections import Counter
from typing import Any

from evroam_gateway.domain.rate_limit import TokenBucket
from evroam_gateway.ocpp.rpc import MessageCounts, OcppRpc


class _Socket:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, message: str) -> None:
        self.sent.append(message)


class _Station(OcppRpc):
    def __init__(self, counts: MessageCounts) -> None:
        self.id, self._ocpp_version, self._connection = "CS1", "1.6", _Socket()
        self.route_map: dict[str, Any] = {"Heartbeat": {}}
        self.setup_rpc(TokenBucket(100, 100), 10, accepted=True, counts=counts)


async def test_frames_are_counted_by_direction_version_type_and_action() -> None:
    counts: MessageCounts = Counter()
    station = _Station(counts)
    await station.route_message("not json")
    await station.route_message('[2,"1","MadeUpAction",{}]')  # answered NotImplemented
    await station._send('[2,"c1","Reset",{"type":"Soft"}]')  # the CSMS's own CALL
    station._count_received([3, "c1", {"status": "Accepted"}])
    assert counts == Counter(
        {
            ("received", "1.6", "invalid", ""): 1,
            ("sent", "1.6", "CALLERROR", ""): 2,
            ("received", "1.6", "CALL", "unknown"): 1,
            ("sent", "1.6", "CALL", "Reset"): 1,
            ("received", "1.6", "CALLRESULT", "Reset"): 1,
        }
    )
