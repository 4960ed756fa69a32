from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class SessionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_SESSION_", extra="ignore")
    http_port: int = 8104
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_session"
    # Used only for sessions at a location with no tariff assigned (they cost nothing).
    default_currency: str = "EUR"
