from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class TariffSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_TARIFF_", extra="ignore")
    http_port: int = 8103
