from decimal import Decimal

from pydantic_settings import SettingsConfigDict

from evroam_cdr.domain.checks import Policy
from evroam_runtime import ServiceSettings


class CdrSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_CDR_", extra="ignore")
    http_port: int = 8105
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_cdr"
    # Metered energy (meter stop - start) may differ from the CDR's by the larger of these.
    energy_tolerance_wh: int = 10
    energy_tolerance_percent: Decimal = Decimal("0.5")
    # Hold the CDR of a session with warnings (meter reset, clock off, reconstructed start,
    # closed by evroam) for review.
    hold_on_warnings: bool = True
    # How long a just-ended session's CDR waits for its location or token to be seen (they
    # come on other topics) before it is held for review as unknown.
    reference_grace_s: float = 15.0

    def policy(self) -> Policy:
        return Policy(
            energy_tolerance_wh=self.energy_tolerance_wh,
            energy_tolerance_percent=self.energy_tolerance_percent,
            hold_on_warnings=self.hold_on_warnings,
        )
