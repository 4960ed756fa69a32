from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class RoamingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_ROAMING_", extra="ignore")
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_roaming"
    http_port: int = 8106
    # Where partners reach our OCPI API (behind a proxy it differs from host:port); it goes
    # into version details and Link headers. Default: http://<http_host>:<http_port>.
    public_url: str = ""
    # Our own party (OCPI 2.2.1 section 1.1): the FROM of our responses, the roles we declare.
    country_code: str = Field(default="NL", pattern=r"^[A-Z]{2}$")
    party_id: str = Field(default="EVR", pattern=r"^[A-Z0-9]{3}$")
    business_name: str = Field(default="evroam", min_length=1, max_length=100)
    # The most objects one page of an OCPI list carries (X-Limit, OCPI 2.2.1 section 1.8).
    ocpi_max_page_size: int = Field(default=100, ge=1, le=1000)
    # Calls to partners: each registration callback (versions, version details) may take
    # this long; real-time authorization ends before the request's deadline instead, or
    # after `realtime_timeout_s` when a request carries none.
    ocpi_client_timeout_s: float = Field(default=10.0, gt=0, le=120)
    realtime_timeout_s: float = Field(default=5.0, gt=0, le=60)
    # Time kept for our reply to reach the requester before its deadline.
    realtime_margin_s: float = Field(default=0.15, ge=0, le=5)
    realtime_max_in_flight: int = Field(default=64, ge=1, le=10_000)
    # Pushes to partners (OCPI 2.2.1 section 1.10; domain/push.py): attempts in all, the
    # backoff between them (doubling, capped), the circuit breaker, and how often the queue
    # is looked at when idle.
    push_max_attempts: int = Field(default=8, ge=1, le=100)
    push_backoff_s: float = Field(default=2.0, gt=0, le=3600)
    push_backoff_max_s: float = Field(default=300.0, gt=0, le=86_400)
    push_breaker_threshold: int = Field(default=5, ge=1, le=1000)
    push_breaker_cooldown_s: float = Field(default=30.0, gt=0, le=3600)
    push_poll_s: float = Field(default=0.5, gt=0, le=60)
    # Commands from eMSPs (OCPI 2.2.1 section 13): how long the gateway may try to reach the
    # station, and the `timeout` we promise for the CommandResult (that, plus the push).
    command_station_timeout_s: float = Field(default=30.0, gt=0, le=600)
    command_result_timeout_s: int = Field(default=60, ge=1, le=3600)

    @model_validator(mode="after")
    def _default_public_url(self) -> Self:
        if not self.public_url:
            self.public_url = f"http://{self.http_host}:{self.http_port}"
        self.public_url = self.public_url.rstrip("/")
        return self
