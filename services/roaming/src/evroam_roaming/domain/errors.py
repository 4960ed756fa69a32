"""One error per broken rule of the roaming domain."""


class PartnerAlreadyRegisteredError(Exception):
    """A party (country_code, party_id) can be registered once; OCPI 2.2.1 section 2.2 wants
    the pair globally unique, and two credentials for one party would be two truths."""


class InvalidCredentialsTokenError(ValueError):
    """A credentials token must be 1-64 printable non-whitespace ASCII characters
    (U+0021..U+007E, OCPI 2.2.1 section 1.2)."""
