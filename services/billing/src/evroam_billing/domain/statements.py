"""Settlement statements (we are the CPO): what an eMSP partner owes us for the CDRs of its
tokens in one period, and where each of those CDRs stands in its reconciliation.

A statement is one event stream per eMSP party and period; this module names them and folds
their events. Pure: nothing here reads a clock or a database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from evroam_billing.domain.periods import billing_period
from evroam_billing.domain.statement_errors import InvalidPartyError
from evroam_contracts.billing import (
    StatementCdrState,
    StatementCdrStateChanged,
    StatementLineAdded,
)
from evroam_contracts.cdr import Cdr

StatementEvent = StatementLineAdded | StatementCdrStateChanged

ISSUED: Final = "ISSUED"
SENT: Final = "SENT"
ACKNOWLEDGED: Final = "ACKNOWLEDGED"
DISPUTED: Final = "DISPUTED"
CREDITED: Final = "CREDITED"
STATES: tuple[StatementCdrState, ...] = (ISSUED, SENT, ACKNOWLEDGED, DISPUTED, CREDITED)

# OCPI 2.2.1 section 1.1: a party is a country code (2) and a party id (3), CiStrings.
_PARTY = re.compile(r"^([A-Za-z]{2})[*\-]?([A-Za-z0-9]{3})$")
_STATEMENT_ID = re.compile(r"^STM-([A-Z]{2})-([A-Z0-9]{3})-(\d{4}-(?:0[1-9]|1[0-2]))$")


@dataclass(frozen=True, order=True)
class Party:
    country_code: str
    party_id: str

    @classmethod
    def of(cls, country_code: str, party_id: str) -> Party:
        # CiString: DE*TNM and de*tnm are one party.
        return cls(country_code.upper(), party_id.upper())

    @classmethod
    def parse(cls, text: str) -> Party:
        """`NL*EVR` (the eMI3 spelling), `NL-EVR` or `NLEVR`."""
        match = _PARTY.match(text.strip())
        if match is None:
            raise InvalidPartyError(f"not a party (country code and party id): {text!r}")
        return cls.of(match[1], match[2])

    def __str__(self) -> str:
        return f"{self.country_code}*{self.party_id}"


def parse_parties(text: str) -> frozenset[Party]:
    """A comma-separated list of parties, as the settings give them."""
    return frozenset(Party.parse(p) for p in text.split(",") if p.strip())


@dataclass(frozen=True)
class StatementRef:
    """Which statement: the eMSP party and the period (`YYYY-MM`)."""

    emsp: Party
    period: str

    @property
    def statement_id(self) -> str:
        return f"STM-{self.emsp.country_code}-{self.emsp.party_id}-{self.period}"

    @property
    def stream(self) -> str:
        return f"statement-{self.emsp.country_code}-{self.emsp.party_id}-{self.period}"

    @classmethod
    def parse(cls, statement_id: str) -> StatementRef | None:
        match = _STATEMENT_ID.match(statement_id)
        return None if match is None else cls(Party(match[1], match[2]), match[3])


def emsp_of(cdr: Cdr) -> Party:
    """OCPI 2.2.1 CDRs: the eMSP a CDR concerns is the owner of its token."""
    return Party.of(cdr.cdr_token.country_code, cdr.cdr_token.party_id)


def statement_of(cdr: Cdr, time_zone: str) -> StatementRef:
    """The statement of the token's eMSP for the month the CDR ended in, in the location's
    time zone (the billing period of invoices too, domain/periods.py)."""
    return StatementRef(emsp_of(cdr), billing_period(cdr.end_date_time, time_zone))


@dataclass(frozen=True)
class StatementLine:
    """What the decider needs of one line: where its CDR stands, and what it credits."""

    cdr_id: str
    line_no: int
    state: StatementCdrState
    issued_at: datetime
    credit: bool = False
    credit_reference_id: str | None = None


@dataclass(frozen=True)
class Statement:
    statement_id: str | None = None
    lines: Mapping[str, StatementLine] = field(default_factory=dict)
    last_line_no: int = 0

    def credits_of(self, cdr_id: str) -> StatementLine | None:
        """The credit line that cancels `cdr_id`, when there is one on this statement."""
        return next(
            (x for x in self.lines.values() if x.credit and x.credit_reference_id == cdr_id),
            None,
        )


def evolve(state: Statement, event: StatementEvent) -> Statement:
    if isinstance(event, StatementLineAdded):
        line = StatementLine(
            event.cdr_id,
            event.line_no,
            ISSUED,
            event.issued_at,
            event.credit,
            event.credit_reference_id,
        )
        return Statement(
            event.statement_id,
            {**state.lines, event.cdr_id: line},
            max(state.last_line_no, event.line_no),
        )
    line = state.lines[event.cdr_id]
    return replace(state, lines={**state.lines, event.cdr_id: replace(line, state=event.state)})


def fold(events: Iterable[StatementEvent]) -> Statement:
    state = Statement()
    for event in events:
        state = evolve(state, event)
    return state
