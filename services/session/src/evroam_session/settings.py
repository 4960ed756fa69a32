from typing import Literal

from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class SessionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_SESSION_", extra="ignore")
    http_port: int = 8104
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_session"
    # Used only for sessions at a location with no tariff assigned (they cost nothing).
    default_currency: str = "EUR"
    # A station that boots has forgotten the transactions it did not end. "flag": each
    # session still open on it carries a warning and stays open; "close": it is also closed
    # at its last reading if no end arrives within `unfinished_after_s` (a station sends its
    # queued transaction messages right after booting, so the grace period lets them in).
    unfinished_policy: Literal["close", "flag"] = "close"
    unfinished_after_s: float = 900.0
    sweep_every_s: float = 30.0
