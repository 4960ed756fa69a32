"""One error per broken rule of the roaming domain."""


class PartnerAlreadyRegisteredError(Exception):
    """A party (country_code, party_id) can be registered once; OCPI 2.2.1 section 2.2 wants
    the pair globally unique, and two credentials for one party would be two truths."""


class InvalidCredentialsTokenError(ValueError):
    """A credentials token must be 1-64 printable non-whitespace ASCII characters
    (U+0021..U+007E, OCPI 2.2.1 section 1.2)."""


class CredentialsAlreadyExchangedError(Exception):
    """A partner registers over OCPI once; changing its credentials is an update (PUT, OCPI
    2.2.1 section 2.4), so a second POST is refused with HTTP 405 (section 2.2)."""


class CredentialsNotExchangedError(Exception):
    """Updating (PUT) or unregistering (DELETE) needs a completed registration; before it the
    answer is HTTP 405 (OCPI 2.2.1 sections 2.2, 2.4, 2.5)."""


class RegisteredPartyNotInRolesError(ValueError):
    """The Credentials a partner posts must list the party it was registered as: that party
    owns the objects it pushes and is the one we call (OCPI 2.2.1 section 2.2)."""


class TokenNotFoundError(LookupError):
    """No token with this (country_code, party_id, uid, type) was received (OCPI 2004)."""
