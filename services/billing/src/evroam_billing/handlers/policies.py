"""Foreign events that become invoice commands (consumer group evroam.billing.policies): every
CDR of one of our own parties' tokens, from our network (cdr.issued) or a partner CPO's
(roaming.cdr_received), goes on its driver's invoice. Another party's token is its eMSP's
business and is not invoiced by us.

The same CDR may come through both paths, be redelivered or re-published: the processed-event
row stops a redelivery, the contract's stream everything else (a CDR is billed once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from psycopg import AsyncConnection

from evroam_billing.domain.countries import default_time_zone
from evroam_billing.domain.errors import UnknownTimeZoneError
from evroam_billing.domain.statements import Party, emsp_of
from evroam_billing.handlers.commands import Causes, handle_bill_cdr
from evroam_contracts import Envelope, Message
from evroam_contracts.cdr import Cdr, CdrIssued
from evroam_contracts.roaming_received import CdrReceived
from evroam_messaging import PoisonEventError
from evroam_messaging.consumer import AfterCommit, Handler


def _causes(envelope: Envelope) -> Causes:
    return Causes(envelope.correlation_id, str(envelope.event_id))


def ours(own_parties: frozenset[Party]) -> Callable[[Message], bool]:
    """The CDRs this group bills, as its consumer's filter: those of our own parties' tokens
    (the handlers below say the same for a direct call)."""

    def wants(message: Message) -> bool:
        cdr = message.cdr if isinstance(message, CdrIssued | CdrReceived) else None
        return cdr is None or emsp_of(cdr) in own_parties

    return wants


def on_cdr_issued(own_parties: frozenset[Party]) -> Handler:
    """cdr.issued (a CDR of our network) -> BillCdr, for our own tokens."""

    async def handle(
        conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        if not isinstance(message, CdrIssued):
            raise PoisonEventError(f"expected cdr.issued, got {envelope.type}")
        if emsp_of(message.cdr) in own_parties:
            now = datetime.now(UTC)
            await handle_bill_cdr(conn, message.cdr, message.time_zone, now, _causes(envelope))
        return None

    return handle


def on_cdr_received(own_parties: frozenset[Party]) -> Handler:
    """roaming.cdr_received (a partner CPO's CDR of one of our drivers) -> BillCdr."""

    async def handle(
        conn: AsyncConnection, envelope: Envelope, message: Message
    ) -> AfterCommit | None:
        if not isinstance(message, CdrReceived):
            raise PoisonEventError(f"expected roaming.cdr_received, got {envelope.type}")
        if emsp_of(message.cdr) in own_parties:
            zone = partner_time_zone(message)
            now = datetime.now(UTC)
            await handle_bill_cdr(conn, message.cdr, zone, now, _causes(envelope))
        return None

    return handle


def partner_time_zone(message: CdrReceived) -> str:
    """OCPI's CdrLocation has no time zone. The roaming service may send the location's
    (a `time_zone` beside the CDR, kept by the contracts' extra fields); until it does, the
    main zone of the location's country."""
    given = getattr(message, "time_zone", None)
    if isinstance(given, str) and given:
        return given
    return location_time_zone(message.cdr)


def location_time_zone(cdr: Cdr) -> str:
    zone = default_time_zone(cdr.cdr_location.country)
    if zone is None:
        raise UnknownTimeZoneError(
            f"CDR {cdr.id}: no time zone known for country {cdr.cdr_location.country!r}"
        )
    return zone
