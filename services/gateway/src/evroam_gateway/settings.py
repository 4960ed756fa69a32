from typing import Literal

from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_GATEWAY_", extra="ignore")
    http_port: int = 8101
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_gateway"
    ocpp_host: str = "127.0.0.1"
    ocpp_port: int = 9000
    # OCPP security profile 2: a second listener with TLS, when a certificate is given.
    ocpp_tls_port: int | None = None
    ocpp_tls_cert_file: str | None = None
    ocpp_tls_key_file: str | None = None
    # A station the registry does not know: refused at the upgrade (HTTP 404), or let in and
    # answered Pending until an operator registers it (OCPP 1.6 4.2, 2.0.1 B02).
    unknown_station_policy: Literal["reject", "pending"] = "reject"
    # Refuse stations without a Basic-auth password (security profile 0) at the upgrade.
    require_station_password: bool = False
    # How long a station waits for the authorization service before the gateway answers alone.
    authorize_timeout_s: float = 2.0
    heartbeat_interval_s: int = 300
    max_frame_bytes: int = 1024 * 1024
    # Flow control per station: sustained CALLs per second, the burst a reconnecting station
    # may replay, and how many refusals in a row end the connection.
    station_calls_per_s: float = 20.0
    station_call_burst: int = 200
    station_flood_close_after: int = 200
    # How long a CSMS-initiated command waits for the station's answer.
    command_timeout_s: float = 30.0
    # Where other replicas reach this one to hand over a command for a station it holds.
    advertised_url: str | None = None
    # How long the gateway remembers what it answered, to answer a resent message the same.
    call_ledger_retention_days: int = 7
