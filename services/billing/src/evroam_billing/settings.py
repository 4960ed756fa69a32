from pydantic_settings import SettingsConfigDict

from evroam_runtime import ServiceSettings


class BillingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVROAM_BILLING_", extra="ignore")
    http_port: int = 8107
    database_url: str = "postgresql://postgres@127.0.0.1:5432/evroam_billing"
    # Our own parties (comma-separated, `NL*EVR`): CDRs of their tokens are our drivers' and
    # go on no partner's settlement statement.
    own_parties: str = "NL*EVR"
    # What a driver invoice prints as its issuer, per own party (JSON object; lines separated
    # by newlines): name, address, VAT number. A party without an entry prints its party id.
    issuer_details: dict[str, str] = {}
