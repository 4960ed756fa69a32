from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class AuthorizationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_AUTHORIZATION_", extra="ignore")
    http_port: int = 8102
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_authorization"
    # Authorize requests waiting on an eMSP's real-time answer at once; more wait at the consumer.
    max_realtime_in_flight: int = 64
