"""What the OCPI routes need, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evroam_roaming.domain.partners import Party
from evroam_roaming.ocpi.auth import PartnerDirectory
from evroam_roaming.ocpi.cdrs.models import CdrSource
from evroam_roaming.ocpi.credentials.models import Registrar
from evroam_roaming.ocpi.locations.models import LocationSource
from evroam_roaming.ocpi.sessions.models import SessionSource
from evroam_roaming.ocpi.tariffs.models import TariffSource
from evroam_roaming.ocpi.tokens.models import TokenStore

VERSION = "2.2.1"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class OcpiContext:
    public_url: str  # no trailing slash; partners reach `/ocpi/...` under it
    us: Party
    business_name: str
    max_page_size: int
    partners: PartnerDirectory
    cdrs: CdrSource
    tokens: TokenStore
    registrar: Registrar
    clock: Callable[[], datetime] = field(default=_now)
    # Sender interfaces of the CPO objects; a module whose source is None is not offered.
    locations: LocationSource | None = None
    # HubClientInfo Receiver (section 3.8); Any: its Protocol lives with its routes.
    hub_clients: Any = None
    sessions: SessionSource | None = None
    tariffs: TariffSource | None = None
    # Commands Receiver (section 13.1); Any: its Protocol lives with its routes.
    commands: Any = None
    # eMSP role: our own tokens' Sender (section 3.5) and where CPOs post the CommandResults
    # of our commands (section 3.6); Any: their Protocols live with their routes.
    emsp_tokens: Any = None
    command_results: Any = None
    # eMSP role: Receivers of the objects partner CPOs own (sections 3.1-3.4); Any: its
    # Protocol (ocpi/emsp/receiving.py) lives with its routes.
    emsp_objects: Any = None

    @property
    def emsp_tokens_url(self) -> str:
        return f"{self.public_url}/ocpi/emsp/{VERSION}/tokens"

    @property
    def emsp_commands_url(self) -> str:
        return f"{self.public_url}/ocpi/emsp/{VERSION}/commands"

    def emsp_url(self, module: str) -> str:
        """Our eMSP Receiver of a module (locations, sessions, cdrs, tariffs)."""
        return f"{self.public_url}/ocpi/emsp/{VERSION}/{module}"

    @property
    def emsp_cdrs_url(self) -> str:
        return self.emsp_url("cdrs")

    @property
    def versions_url(self) -> str:
        return f"{self.public_url}/ocpi/versions"

    @property
    def version_details_url(self) -> str:
        return f"{self.public_url}/ocpi/{VERSION}"

    @property
    def credentials_url(self) -> str:
        return f"{self.public_url}/ocpi/{VERSION}/credentials"

    @property
    def cdrs_url(self) -> str:
        # The version in the module URL, as OCPI 2.2.1 section 2.1 recommends.
        return f"{self.public_url}/ocpi/cpo/{VERSION}/cdrs"

    @property
    def tokens_url(self) -> str:
        return f"{self.public_url}/ocpi/cpo/{VERSION}/tokens"

    @property
    def clientinfo_url(self) -> str:
        return f"{self.public_url}/ocpi/{VERSION}/clientinfo"

    @property
    def locations_url(self) -> str:
        return f"{self.public_url}/ocpi/cpo/{VERSION}/locations"

    @property
    def sessions_url(self) -> str:
        return f"{self.public_url}/ocpi/cpo/{VERSION}/sessions"

    @property
    def commands_url(self) -> str:
        return f"{self.public_url}/ocpi/cpo/{VERSION}/commands"

    @property
    def tariffs_url(self) -> str:
        return f"{self.public_url}/ocpi/cpo/{VERSION}/tariffs"
