"""In-memory fakes of the OCPI adapters, and an HTTP client on the OCPI app built on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from evroam_contracts.cdr import Cdr
from evroam_contracts.ocpi_json import ocpi_instant
from evroam_roaming.domain.partners import Partner, Party, token_sha256
from evroam_roaming.ocpi.api import ocpi_app
from evroam_roaming.ocpi.context import OcpiContext
from evroam_roaming.ocpi.pagination import PageRequest

NOW = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
PUBLIC_URL = "https://roaming.example"
TOKEN = "emsp-token-0123456789"
EMSP = Partner("p-1", "Example eMSP", Party("DE", "TNM"), "EMSP", token_sha256(TOKEN))


class FakePartners:
    def __init__(self, *partners: Partner) -> None:
        self.partners = partners

    async def by_token_sha256(self, hashes: Sequence[str]) -> list[Partner]:
        return [p for p in self.partners if p.token_sha256 in hashes]

    async def hub_client_connected(self, hub_partner_id: str, party: Party) -> bool:
        return False  # no hubs among the fakes


class FakeCdrs:
    """Keeps the promise of PostgresCdrs: the owner's CDRs, filtered, ordered, paged."""

    def __init__(self, cdrs: Sequence[Cdr] = ()) -> None:
        self.cdrs = list(cdrs)
        self.fail = False

    async def page(self, token_owner: Party, request: PageRequest) -> tuple[int, list[Cdr]]:
        if self.fail:
            raise RuntimeError("database on fire")
        matching = sorted(
            (c for c in self.cdrs if self._selected(c, token_owner, request)),
            key=lambda c: (ocpi_instant(c.last_updated), c.id, c.country_code, c.party_id),
        )
        return len(matching), matching[request.offset : request.offset + request.limit]

    @staticmethod
    def _selected(cdr: Cdr, owner: Party, request: PageRequest) -> bool:
        at = ocpi_instant(cdr.last_updated)
        return (
            Party.of(cdr.cdr_token.country_code, cdr.cdr_token.party_id) == owner
            and (request.date_from is None or at >= request.date_from)
            and (request.date_to is None or at < request.date_to)
        )


class Unused:
    """A port these tests never reach (the tokens and credentials modules have their own)."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"unexpected call to {name}")


@pytest.fixture
def fake_cdrs() -> FakeCdrs:
    return FakeCdrs()


@pytest.fixture
def emsp() -> Partner:
    """The one registered partner; it presents `emsp_token`."""
    return EMSP


@pytest.fixture
def emsp_token() -> str:
    return TOKEN


@pytest.fixture
def ocpi_context(fake_cdrs: FakeCdrs) -> OcpiContext:
    return OcpiContext(
        public_url=PUBLIC_URL,
        us=Party("NL", "EVR"),
        business_name="evroam",
        max_page_size=100,
        partners=FakePartners(EMSP),
        cdrs=fake_cdrs,
        tokens=Unused(),  # type: ignore[arg-type]
        registrar=Unused(),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )


@pytest_asyncio.fixture
async def ocpi(ocpi_context: OcpiContext) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the OCPI app alone, mounted at /ocpi as the service mounts it."""
    context = ocpi_context
    app = FastAPI()
    app.mount("/ocpi", ocpi_app(context))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
