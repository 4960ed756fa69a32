"""Pull a partner CPO's Sender list as its eMSP (OCPI 2.2.1 section 1.8; section 1.10: after
an outage the receiving side GETs what it missed): page by page, following `Link` until the
last page, with our credentials token and the message and routing headers. Every object takes
the very path of a push (EmspReceiver: same validation, same `last_updated` rule, same
event); an object that is invalid, not owned by a party the partner may speak for, or a
Session or CDR of a token not ours, is reported and the rest goes on."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime

import httpx
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.ids import new_id
from evroam_roaming.adapters.ocpi_pages import PageError, fetch_page
from evroam_roaming.adapters.partner_senders import Sender, sender_of_partner
from evroam_roaming.adapters.postgres import PostgresPartners
from evroam_roaming.domain.partners import Party
from evroam_roaming.domain.pull import PullReport, first_url, next_link, same_origin
from evroam_roaming.domain.received import (
    CdrAlreadyReceivedError,
    Module,
    NotOurTokenError,
    ObjectKey,
    Receipt,
)
from evroam_roaming.handlers.emsp_receiver import EmspReceiver
from evroam_roaming.ocpi.emsp.cdr_objects import CDR
from evroam_roaming.ocpi.emsp.location_objects import Location
from evroam_roaming.ocpi.emsp.receiving import may_own
from evroam_roaming.ocpi.emsp.session_objects import Session
from evroam_roaming.ocpi.emsp.tariff_objects import Tariff
from evroam_roaming.ocpi.types import InvalidObjectError, OcpiObject, parse_object

MAX_PAGES = 10_000  # a partner whose Link never ends must not keep us busy for ever
_MODELS: dict[Module, tuple[type[OcpiObject], str]] = {
    "locations": (Location, "Location"),
    "sessions": (Session, "Session"),
    "cdrs": (CDR, "CDR"),
    "tariffs": (Tariff, "Tariff"),
}


class NoSenderError(LookupError):
    """The partner is unknown, not connected, or offers no Sender interface of the module."""


class NotTheirsError(ValueError):
    """Section 1.3: on a pull, objects whose owner is not a party the partner may speak for
    are ignored."""


# What makes one object of a page rejected (reported with its reason), not the pull failed.
_REJECTED = (InvalidObjectError, NotTheirsError, NotOurTokenError, CdrAlreadyReceivedError)


class Puller:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        receiver: EmspReceiver,
        us: Party,
        *,
        timeout_s: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._pool, self._receiver, self._us = pool, receiver, us
        self._timeout, self._http = timeout_s, http
        self._directory = PostgresPartners(pool, us)

    async def pull(
        self,
        partner_id: str,
        module: Module,
        *,
        limit: int,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> PullReport:
        async with self._pool.connection() as conn:
            sender = await sender_of_partner(conn, partner_id, module)
        if sender is None:
            raise NoSenderError(f"partner {partner_id} offers no {module} Sender we can call")
        report = PullReport(partner_id, module)
        url: str | None = first_url(sender.url, module, limit, date_from, date_to)
        if self._http is not None:
            await self._crawl(self._http, sender, url, report)
        else:
            async with httpx.AsyncClient(follow_redirects=False) as http:
                await self._crawl(http, sender, url, report)
        return report

    async def _crawl(
        self, http: httpx.AsyncClient, sender: Sender, url: str | None, report: PullReport
    ) -> None:
        headers = self._headers(sender)
        while url is not None:
            if report.pages >= MAX_PAGES:
                report.error = f"stopped after {MAX_PAGES} pages"
                return
            try:
                page = await fetch_page(http, url, headers(), self._timeout)
            except PageError as exc:
                report.error = str(exc)
                return
            report.pages += 1
            for raw in page.objects:
                await self._one(sender, report.module, raw, report)
            following = next_link(page.link)
            if following is not None and not same_origin(following, sender.url):
                report.error = f"the next page is not at the partner's host: {following}"
                return
            if following == url:
                report.error = f"the next page is this page again: {following}"
                return
            url = following

    def _headers(self, sender: Sender) -> Callable[[], dict[str, str]]:
        """Per request: a new X-Request-ID; one X-Correlation-ID for the whole pull."""
        correlation = str(new_id())
        token = base64.b64encode(sender.token.encode()).decode()
        to = sender.partner.party

        def build() -> dict[str, str]:
            return {
                "Authorization": f"Token {token}",
                "X-Request-ID": str(new_id()),
                "X-Correlation-ID": correlation,
                "OCPI-from-country-code": self._us.country_code,
                "OCPI-from-party-id": self._us.party_id,
                "OCPI-to-country-code": to.country_code,
                "OCPI-to-party-id": to.party_id,
            }

        return build

    async def _one(self, sender: Sender, module: Module, raw: object, report: PullReport) -> None:
        try:
            report.count(await self._store(sender, module, raw))
        except _REJECTED as exc:
            report.reject(raw, str(exc))

    async def _store(self, sender: Sender, module: Module, raw: object) -> Receipt:
        model, what = _MODELS[module]
        parsed = parse_object(model, raw, what)
        cc, pid, id_ = (str(getattr(parsed, f)) for f in ("country_code", "party_id", "id"))
        owner = Party.of(cc, pid)
        partner = sender.partner
        if not await may_own(self._directory, partner, partner.party, owner):
            raise NotTheirsError(f"{cc}*{pid} is not a party of partner {partner.partner_id}")
        key, partner_id = ObjectKey.of(module, cc, pid, id_), partner.partner_id
        if isinstance(parsed, Location):
            return await self._receiver.put_location(partner_id, key, parsed)
        if isinstance(parsed, Session):
            return await self._receiver.put_session(partner_id, key, parsed)
        if isinstance(parsed, CDR):
            return await self._receiver.post_cdr(partner_id, key, parsed)
        assert isinstance(parsed, Tariff)
        return await self._receiver.put_tariff(partner_id, key, parsed)
