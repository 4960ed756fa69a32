"""One error per billing rule a CDR can break."""

from __future__ import annotations


class UnknownTimeZoneError(ValueError):
    """The CDR's location time zone is not an IANA zone, so its billing month is unknown."""
