"""What a CDR bills: its identity, the contract and issuer, its billing month, and its amounts,
signed and rounded once, with their VAT. Pure: the CDR and its location's time zone come in.

Rounding (ADR 0007, ADR 0021): a line's amounts are the CDR's, rounded once, here, half up to
the currency's minor unit with the pricing library's rule. Our own CDRs are at the cent
already; a partner's may carry more decimals (OCPI numbers). Everything after this is an exact
sum of rounded amounts, so lines always add up to the totals printed under them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from evroam_billing.domain.countries import standard_vat_rate
from evroam_billing.domain.errors import CreditWithoutReferenceError
from evroam_billing.domain.periods import billing_period, local_date
from evroam_billing.domain.vat import LineVat, derive_vat
from evroam_contracts.billing import CreditNoteLine, InvoiceLineAdded, LineLocation
from evroam_contracts.cdr import Cdr
from evroam_contracts.shared import CdrToken, Price
from evroam_pricing import minor_unit
from evroam_pricing.engine import to_minor_unit

KWH_SHOWN = Decimal("0.001")
_DIMENSIONS = (
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_fixed_cost",
    "total_reservation_cost",
)


def party_of(token: CdrToken) -> str:
    """`NL*EVR`: the eMSP party that issued the token (and so the driver's invoice)."""
    return f"{token.country_code}*{token.party_id}".upper()


def cdr_key(cpo: str | None, cdr_id: str) -> str:
    """A CDR's identity: its id is unique per CPO (OCPI 2.2.1 CDR: id per country_code and
    party_id). The same CDR reaching us through two paths has the same key."""
    return f"{cpo}*{cdr_id}" if cpo else cdr_id


@dataclass(frozen=True)
class BilledCdr:
    cdr: Cdr
    time_zone: str
    cpo: str
    issuer: str
    period: str
    energy_kwh: Decimal
    amount: Price
    vat: LineVat
    description: str

    @property
    def key(self) -> str:
        return cdr_key(self.cpo, self.cdr.id)

    @property
    def credited_key(self) -> str | None:
        """The key of the CDR a credit CDR cancels; None for a normal CDR."""
        if not self.cdr.credit:
            return None
        return cdr_key(self.cpo, self.cdr.credit_reference_id or "")

    @property
    def contract_id(self) -> str:
        return self.cdr.cdr_token.contract_id


def bill(cdr: Cdr, time_zone: str) -> BilledCdr:
    if cdr.credit and not cdr.credit_reference_id:
        raise CreditWithoutReferenceError(f"credit CDR {cdr.id} names no credit_reference_id")
    period = billing_period(cdr.end_date_time, time_zone)
    sign = -1 if cdr.credit else 1
    energy = -abs(cdr.total_energy) if cdr.credit else cdr.total_energy
    amount = _money(cdr.total_cost, cdr.currency, sign)
    country = cdr.cdr_location.country.upper()
    vat = derive_vat(
        amount,
        [_money(p, cdr.currency, sign) for d in _DIMENSIONS if (p := getattr(cdr, d))],
        country=country,
        standard=standard_vat_rate(country, local_date(cdr.end_date_time, time_zone)),
        unit=Decimal(1).scaleb(-minor_unit(cdr.currency)),
    )
    cpo = f"{cdr.country_code}*{cdr.party_id}".upper()
    return BilledCdr(
        cdr, time_zone, cpo, party_of(cdr.cdr_token), period, energy, amount, vat,
        _description(cdr, energy),
    )  # fmt: skip


def _money(price: Price, currency: str, sign: int) -> Price:
    """OCPI 2.2.1 CDRs: credit. A credit CDR repeats the original with total_cost negated (and,
    from us, every amount); its line takes the money back whatever sign it was sent with."""

    def signed(amount: Decimal) -> Decimal:
        return to_minor_unit(-abs(amount) if sign < 0 else amount, currency)

    incl = price.incl_vat
    return Price(excl_vat=signed(price.excl_vat), incl_vat=None if incl is None else signed(incl))


def _description(cdr: Cdr, energy: Decimal) -> str:
    where = f"{cdr.cdr_location.address}, {cdr.cdr_location.city}"
    text = f"Charging at {where}: {energy.quantize(KWH_SHOWN, rounding=ROUND_HALF_UP)} kWh"
    return f"Credit of CDR {cdr.credit_reference_id}: {text}" if cdr.credit else text


def location_of(cdr: Cdr) -> LineLocation:
    loc = cdr.cdr_location
    return LineLocation(
        id=loc.id,
        name=loc.name,
        address=loc.address,
        city=loc.city,
        postal_code=loc.postal_code,
        country=loc.country,
        evse_id=loc.evse_id,
    )


def _line_fields(b: BilledCdr) -> dict[str, object]:
    """What an invoice line and a credit note line both say of their CDR."""
    return {
        "cdr_id": b.cdr.id,
        "cpo": b.cpo,
        "session_id": b.cdr.session_id,
        "description": b.description,
        "energy_kwh": b.energy_kwh,
        "amount": b.amount,
        "currency": b.cdr.currency,
        "charged_at": b.cdr.end_date_time,
        "started_at": b.cdr.start_date_time,
        "time_zone": b.time_zone,
        "location": location_of(b.cdr),
        "country": b.cdr.cdr_location.country.upper(),
        "vat_rate": b.vat.rate,
        "vat": b.vat.parts,
        "vat_note": b.vat.note,
    }


def invoice_line(
    b: BilledCdr,
    invoice_id: str,
    billing_period: str,
    line_no: int,
    *,
    note: str | None = None,
) -> InvoiceLineAdded:
    return InvoiceLineAdded.model_validate(
        {
            **_line_fields(b),
            "invoice_id": invoice_id,
            "contract_id": b.contract_id,
            "billing_period": billing_period,
            "line_no": line_no,
            "issuer": b.issuer,
            "cdr_period": b.period if b.period != billing_period else None,
            "credited_cdr_id": b.cdr.credit_reference_id if b.cdr.credit else None,
            "note": note,
        }
    )


def credit_note_line(b: BilledCdr, line_no: int) -> CreditNoteLine:
    return CreditNoteLine.model_validate(
        {**_line_fields(b), "line_no": line_no, "credited_cdr_id": b.cdr.credit_reference_id}
    )
