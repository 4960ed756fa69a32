"""Events of the roaming (OCPI) service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from evroam_contracts.base import Command, Event
from evroam_contracts.roaming_received import EVENTS as RECEIVED_EVENTS
from evroam_contracts.shared import (
    AllowedType,
    LocationReferences,
    OcpiToken,
    TokenType,
    Value,
)

P = "roaming"

Role = Literal["CPO", "EMSP", "HUB", "NAP", "NSP", "OTHER", "SCSP"]


class PartnerRegistered(Event):
    """A partner platform may now call us with the credentials token whose SHA-256 is given
    (the token itself never enters the log)."""

    type_name: ClassVar[str] = "roaming.partner_registered"
    producer: ClassVar[str] = P
    partner_id: str
    name: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    role: Role
    token_sha256: str = Field(min_length=64, max_length=64)
    registered_at: datetime


class PartnerEndpoint(Value):
    """OCPI 2.2.1 Endpoint (section 2.1): one module of the partner, in one role."""

    identifier: str
    role: Literal["SENDER", "RECEIVER"]
    url: str


class PartnerCredentialsExchanged(Event):
    """The registration handshake (OCPI 2.2.1 section 2.3) completed, or the partner updated
    its credentials: we now call it at these endpoints, and it calls us with the token whose
    SHA-256 is given. The token we present to it is a secret kept outside the log."""

    type_name: ClassVar[str] = "roaming.partner_credentials_exchanged"
    producer: ClassVar[str] = P
    partner_id: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    token_sha256: str = Field(min_length=64, max_length=64)
    versions_url: str
    ocpi_version: str
    endpoints: tuple[PartnerEndpoint, ...]
    exchanged_at: datetime


class PartnerCredentialsUpdated(PartnerCredentialsExchanged):
    """The partner sent new credentials (PUT, OCPI 2.2.1 section 2.4): new endpoints, a new
    token we present to it (kept outside the log) and a new token it presents to us (its
    SHA-256 here; the one before stops working)."""

    type_name: ClassVar[str] = "roaming.partner_credentials_updated"


class PartnerUnregistered(Event):
    """The partner ended the connection (DELETE, OCPI 2.2.1 section 2.5): its token stops
    working, we no longer call it, and the party may be registered again."""

    type_name: ClassVar[str] = "roaming.partner_unregistered"
    producer: ClassVar[str] = P
    partner_id: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    unregistered_at: datetime


class PartnerTokenReissued(Event):
    """An operator issued a new token A to a registered partner that has not completed the
    registration handshake (OCPI 2.2.1 section 2.3 step 1, once more): it registers with this
    token, whose SHA-256 is given, and the token A issued before stops working."""

    type_name: ClassVar[str] = "roaming.partner_token_reissued"
    producer: ClassVar[str] = P
    partner_id: str
    country_code: str = Field(min_length=2, max_length=2)
    party_id: str = Field(min_length=3, max_length=3)
    token_sha256: str = Field(min_length=64, max_length=64)
    reissued_at: datetime


PushOutcome = Literal["DELIVERED", "FAILED", "DEAD_LETTERED"]


class PushAttempted(Event):
    """One attempt to push an object to a partner (OCPI 2.2.1 section 1.10): delivered, failed
    (tried again at `next_attempt_at`), or dead-lettered after the last attempt (an operator
    may replay it)."""

    type_name: ClassVar[str] = "roaming.push_attempted"
    producer: ClassVar[str] = P
    push_id: int
    partner_id: str
    module: str
    object_id: str
    attempt: int
    outcome: PushOutcome
    http_status: int | None = None
    ocpi_status: int | None = None
    detail: str | None = None
    location: str | None = None
    next_attempt_at: datetime | None = None
    attempted_at: datetime


class PushReplayed(Event):
    """An operator sent a dead-lettered push again (admin API)."""

    type_name: ClassVar[str] = "roaming.push_replayed"
    producer: ClassVar[str] = P
    push_id: int
    partner_id: str
    module: str
    object_id: str
    replayed_at: datetime


class TokenReceived(Event):
    """An eMSP partner pushed one of its tokens to our Tokens Receiver (PUT or PATCH, OCPI
    2.2.1 section 12.2.1); `token` is the whole token after the change."""

    type_name: ClassVar[str] = "roaming.token_received"
    producer: ClassVar[str] = P
    partner_id: str
    token: OcpiToken
    received_at: datetime


class AuthorizeRealtime(Command):
    """Request on `evroam.roaming.requests`: ask the token's eMSP in real time (OCPI 2.2.1
    section 12.2.2 POST {tokens}/{uid}/authorize). The reply is a RealtimeAuthorization."""

    type_name: ClassVar[str] = "roaming.authorize_realtime"
    producer: ClassVar[str] = "authorization"
    request_id: str
    country_code: str
    party_id: str
    uid: str
    type: TokenType = "RFID"
    location: LocationReferences | None = None


class RealtimeAuthorization(Value):
    """Reply to AuthorizeRealtime. `outcome` says whether the eMSP answered: ANSWERED (with
    `allowed`), UNKNOWN_TOKEN (OCPI 2004), UNREACHABLE (no answer, an error or a timeout) or
    NO_PARTNER (no registered eMSP with a tokens endpoint for this party)."""

    outcome: Literal["ANSWERED", "UNKNOWN_TOKEN", "UNREACHABLE", "NO_PARTNER"]
    allowed: AllowedType | None = None
    authorization_reference: str | None = None
    location: LocationReferences | None = None
    token: OcpiToken | None = None
    info: str | None = None
    detail: str | None = None


RemoteCommandType = Literal[
    "CANCEL_RESERVATION", "RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"
]
# OCPI 2.2.1 CommandResponseType (the CPO's answer at once) and CommandResultType (the
# charge point's outcome, later).
CommandResponseType = Literal["NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"]
CommandResultType = Literal[
    "ACCEPTED",
    "CANCELED_RESERVATION",
    "EVSE_OCCUPIED",
    "EVSE_INOPERATIVE",
    "FAILED",
    "NOT_SUPPORTED",
    "REJECTED",
    "TIMEOUT",
    "UNKNOWN_RESERVATION",
]


class RemoteCommandReceived(Event):
    """An eMSP sent a command to our Commands Receiver (OCPI 2.2.1 section 13, we are the
    CPO) and was answered `response`. An ACCEPTED one went to the station as the gateway
    command `command_id` (`action`); its outcome follows as a RemoteCommandResultIssued.
    For START_SESSION and RESERVE_NOW `token` is the token the eMSP already authorized: the
    authorization service accepts it at `station_id` until `valid_until` (auth_method
    COMMAND), without asking the eMSP again."""

    type_name: ClassVar[str] = "roaming.command_received"
    producer: ClassVar[str] = P
    command_id: str
    partner_id: str
    country_code: str
    party_id: str
    command: RemoteCommandType
    response: CommandResponseType
    message: str | None = None
    station_id: str | None = None
    action: str | None = None
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    session_id: str | None = None
    reservation_id: str | None = None
    token: OcpiToken | None = None
    authorization_reference: str | None = None
    valid_until: datetime | None = None
    received_at: datetime


class RemoteCommandResultIssued(Event):
    """The station's outcome of an accepted command, as the OCPI CommandResult queued for the
    eMSP's `response_url` (its delivery: `roaming.push_attempted`, module `commands`)."""

    type_name: ClassVar[str] = "roaming.command_result_issued"
    producer: ClassVar[str] = P
    command_id: str
    partner_id: str
    command: RemoteCommandType
    result: CommandResultType
    station_outcome: str
    message: str | None = None
    issued_at: datetime


class RealtimeAuthorizationAnswered(Event):
    """We, the eMSP, answered a CPO's real-time authorization of one of our tokens (OCPI 2.2.1
    section 6.1, `POST {tokens}/{token_uid}/authorize` on our Tokens Sender). `allowed` is
    absent when we do not know the token (answered HTTP 404, OCPI 2004); `cpo_*` is the party
    that asked, through platform `partner_id`."""

    type_name: ClassVar[str] = "roaming.realtime_authorization_answered"
    producer: ClassVar[str] = P
    partner_id: str
    cpo_country_code: str
    cpo_party_id: str
    uid: str
    type: TokenType
    allowed: AllowedType | None = None
    token_country_code: str | None = None
    token_party_id: str | None = None
    authorization_reference: str | None = None
    location: LocationReferences | None = None
    answered_at: datetime


class CommandSent(Event):
    """We, the eMSP, sent a command to a CPO's Commands Receiver (OCPI 2.2.1 section 6.2,
    `POST {commands}/{command}`; `request` is the command as sent) and it answered with a
    CommandResponse (`response`; the CommandResult is due at `response_url` within `timeout`
    seconds when ACCEPTED), or gave no usable answer (`response` absent, `detail` says why)."""

    type_name: ClassVar[str] = "roaming.command_sent"
    producer: ClassVar[str] = P
    command_id: str
    partner_id: str
    country_code: str
    party_id: str
    command: RemoteCommandType
    response_url: str
    request: dict[str, Any]
    response: CommandResponseType | None = None
    timeout: int | None = None
    message: str | None = None
    http_status: int | None = None
    ocpi_status: int | None = None
    detail: str | None = None
    sent_at: datetime
    answered_at: datetime


class CommandResultReceived(Event):
    """The CPO posted the CommandResult of a command we sent to its `response_url` (OCPI 2.2.1
    section 6.2 step 3; a RESERVE_NOW may later get CANCELED_RESERVATION too)."""

    type_name: ClassVar[str] = "roaming.command_result_received"
    producer: ClassVar[str] = P
    command_id: str
    partner_id: str
    command: RemoteCommandType
    result: CommandResultType
    message: str | None = None
    received_at: datetime


EVENTS = (
    PartnerRegistered,
    PartnerCredentialsExchanged,
    PartnerCredentialsUpdated,
    PartnerUnregistered,
    PartnerTokenReissued,
    PushAttempted,
    PushReplayed,
    TokenReceived,
    RemoteCommandReceived,
    RemoteCommandResultIssued,
    RealtimeAuthorizationAnswered,
    CommandSent,
    CommandResultReceived,
    *RECEIVED_EVENTS,
)
COMMANDS = (AuthorizeRealtime,)
