from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class TariffSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_TARIFF_", extra="ignore")
    http_port: int = 8103
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_tariff"
