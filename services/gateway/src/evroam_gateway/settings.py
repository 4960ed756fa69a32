from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_GATEWAY_", extra="ignore")
    http_port: int = 8101
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_gateway"
    ocpp_host: str = "127.0.0.1"
    ocpp_port: int = 9000
    # How long a station waits for the authorization service before the gateway answers alone.
    authorize_timeout_s: float = 2.0
    heartbeat_interval_s: int = 300
    max_frame_bytes: int = 1024 * 1024
