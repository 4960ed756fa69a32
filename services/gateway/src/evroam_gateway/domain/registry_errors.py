"""One error per registry rule. Import them from `evroam_gateway.domain.registry`.

A broken rule (`RegistryRuleError`) is the request's fault and names the field at fault, as
FastAPI's `loc` would; the others say the thing is missing or registered otherwise.
"""

from __future__ import annotations


class RegistryRuleError(ValueError):
    """A registry rule was broken; `field` is where in the request body, e.g.
    ("evses", 0, "evse_id")."""

    def __init__(self, message: str, field: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.field = field


class UnknownTimeZoneError(RegistryRuleError):
    """A location's time zone is not an IANA zone name."""


class InvalidCoordinatesError(RegistryRuleError):
    """A latitude or longitude is not an OCPI GeoLocation string, or out of range."""


class InvalidStationIdError(RegistryRuleError):
    """A station id is too long or holds a character it cannot hold (':' above all)."""


class UnknownLocationError(RegistryRuleError):
    """A station names a location that was never registered."""


class InvalidEvseIdError(RegistryRuleError):
    """An EVSE id is not in eMI3 form."""


class EvseIdOfOtherPartyError(RegistryRuleError):
    """An EVSE id's country and operator are not those of the station's location."""


class EvseWithoutConnectorsError(RegistryRuleError):
    """An EVSE has no connector."""


class DuplicateEvseUidError(RegistryRuleError):
    """Two EVSEs of one station share an evse_uid."""


class DuplicateOcppEvseIdError(RegistryRuleError):
    """Two EVSEs of one station share an OCPP 2.0.1 EVSE number."""


class DuplicateConnectorError(RegistryRuleError):
    """Two connectors of one station share an OCPP connector id."""


class LocationOwnerChangedError(RegistryRuleError):
    """An update would change the country code or party id of a location."""


class InvalidPasswordError(RegistryRuleError):
    """A station password is too short, too long, or holds a control character."""


class InvalidSecurityProfileError(RegistryRuleError):
    """A Basic-auth password is for OCPP security profile 1 or 2 only."""


class LocationNotFoundError(LookupError):
    """No location was registered under this id."""


class StationNotFoundError(LookupError):
    """No station was registered under this id."""


class EvseNotFoundError(LookupError):
    """The station has no EVSE with this evse_uid."""


class UnknownConnectorError(LookupError):
    """A station reported a connector id that is not in the registry."""


class RegisteredDifferentlyError(Exception):
    """A create names a location or station that exists with other values."""
