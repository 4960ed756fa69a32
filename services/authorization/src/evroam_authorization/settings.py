from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class AuthorizationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_AUTHORIZATION_", extra="ignore")
    http_port: int = 8102
