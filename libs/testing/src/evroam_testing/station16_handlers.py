# mypy: disallow-untyped-decorators=False
"""How the simulated OCPP 1.6J station answers the Central System (OCPP 1.6 section 5:
operations initiated by the Central System).

Every answer is a schema-valid positive one unless the test scripted another through
`SimulatedStation16.answers` or `.silent`. GetConfiguration, ChangeConfiguration, SendLocalList
and GetLocalListVersion read and write the station's `configuration` and `local_list_version`,
so a configure-then-read flow behaves as on a real station.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ocpp import v16
from ocpp.routing import on
from ocpp.v16.enums import Action

from evroam_testing.simulator import ScriptedChargePoint

if TYPE_CHECKING:
    from evroam_testing.station import SimulatedStation16

ACCEPTED = {"status": "Accepted"}
DEFAULT_CONFIGURATION = {
    "HeartbeatInterval": "300",
    "MeterValueSampleInterval": "60",
    "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
    "AuthorizeRemoteTxRequests": "false",
    "LocalAuthListEnabled": "true",
    "NumberOfConnectors": "2",
    "SupportedFeatureProfiles": "Core,FirmwareManagement,LocalAuthListManagement,"
    "Reservation,SmartCharging,RemoteTrigger",
}
READ_ONLY_KEYS = frozenset({"NumberOfConnectors", "SupportedFeatureProfiles"})
# Security whitepaper: AuthorizationKey is write-only; GetConfiguration never reveals it.
WRITE_ONLY_KEYS = frozenset({"AuthorizationKey"})


def _present(**fields: Any) -> dict[str, Any]:
    """Only the fields with a value: empty optional lists are left out, not sent empty."""
    return {k: v for k, v in fields.items() if v not in (None, [])}


class ChargePoint16(ScriptedChargePoint, v16.ChargePoint):  # type: ignore[misc]
    station: SimulatedStation16

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, {"status": "Unlocked"})

    @on(Action.reset)
    def on_reset(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.change_availability)
    def on_change_availability(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.get_configuration)
    def on_get_configuration(self, call_unique_id: str, **_: Any) -> Any:
        configuration = self.station.configuration
        readable = [k for k in configuration if k not in WRITE_ONLY_KEYS]
        # An absent or empty key list asks for every key.
        wanted = self.request(call_unique_id).get("key") or readable
        known = [
            {"key": k, "readonly": k in READ_ONLY_KEYS, "value": configuration[k]}
            for k in wanted
            if k in readable
        ]
        unknown = [k for k in wanted if k not in readable]
        return self.answer(call_unique_id, _present(configurationKey=known, unknownKey=unknown))

    @on(Action.change_configuration)
    def on_change_configuration(self, call_unique_id: str, key: str, value: str, **_: Any) -> Any:
        status = "Rejected" if key in READ_ONLY_KEYS else "Accepted"
        result = self.answer(call_unique_id, {"status": status})
        if result.status == "Accepted":
            self.station.configuration[key] = value
        return result

    @on(Action.clear_cache)
    def on_clear_cache(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.send_local_list)
    def on_send_local_list(self, call_unique_id: str, list_version: int, **_: Any) -> Any:
        result = self.answer(call_unique_id, ACCEPTED)
        if result.status == "Accepted":
            self.station.local_list_version = list_version
        return result

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, {"listVersion": self.station.local_list_version})

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, call_unique_id: str, connector_id: int, **_: Any) -> Any:
        return self.answer(call_unique_id, {"status": "Accepted", "connectorId": connector_id})

    @on(Action.trigger_message)
    def on_trigger_message(self, call_unique_id: str, **_: Any) -> Any:
        # Sending the requested message is the test's part: it knows what the station should say.
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.reserve_now)
    def on_reserve_now(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)

    @on(Action.update_firmware)
    def on_update_firmware(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, {})

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, call_unique_id: str, **_: Any) -> Any:
        # A file name means "there is something to upload" (an absent one: nothing).
        return self.answer(call_unique_id, {"fileName": f"{self.station.station_id}-diag.log"})

    @on(Action.data_transfer)
    def on_data_transfer(self, call_unique_id: str, **_: Any) -> Any:
        return self.answer(call_unique_id, ACCEPTED)
