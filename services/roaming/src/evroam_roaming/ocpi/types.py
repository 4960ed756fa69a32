"""OCPI 2.2.1 types as we validate what partners send (section 1.9, and the classes sections
3.1-3.4 share): the eMSP Receivers' objects and the commands eMSPs send us. Strict: a number
is a JSON number (never a string), a DateTime an OCPI DateTime string, a CiString printable
ASCII; unknown fields are dropped at the edge rather than carried into our log and tables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from evroam_contracts.ocpi_json import InvalidDateTimeError, parse_datetime, render_json
from evroam_contracts.shared import TokenType


class InvalidObjectError(ValueError):
    """A body that is no valid OCPI object (or PATCH of one); the message says why (2001)."""


def _datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an OCPI DateTime string")
    try:
        return parse_datetime(value)
    except InvalidDateTimeError as exc:
        raise ValueError(str(exc)) from exc


def _number(value: object) -> Decimal:
    """JSON numbers arrive as int or Decimal (bodies are read with parse_float=Decimal)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError("must be a JSON number")
    number = Decimal(value)
    # Bounded, because an exponent like 1e999999999 would be rendered digit by digit.
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or number.adjusted() > 15 or exponent < -20:
        raise ValueError("must be a finite number below 10^16, with at most 20 decimals")
    return number


def _printable_ascii(value: str) -> str:
    if not all(" " <= c <= "~" for c in value):
        raise ValueError("must be printable ASCII (CiString)")
    return value


def _no_control(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


DateTime = Annotated[datetime, BeforeValidator(_datetime)]
Number = Annotated[Decimal, BeforeValidator(_number)]
CiString2 = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_printable_ascii)]
CiString3 = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_printable_ascii)]
CiString36 = Annotated[str, Field(min_length=1, max_length=36), AfterValidator(_printable_ascii)]
CiString39 = Annotated[str, Field(min_length=1, max_length=39), AfterValidator(_printable_ascii)]
CiString48 = Annotated[str, Field(max_length=48), AfterValidator(_printable_ascii)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_no_control)]
Url = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_no_control)]


# OCPI string(n): case-sensitive printable UTF-8.
String = Annotated[str, AfterValidator(_no_control)]


AuthMethod = Literal["AUTH_REQUEST", "COMMAND", "WHITELIST"]
ConnectorFormat = Literal["SOCKET", "CABLE"]
PowerType = Literal["AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"]
ConnectorType = Literal[
    "CHADEMO", "CHAOJI", "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E",
    "DOMESTIC_F", "DOMESTIC_G", "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K",
    "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N", "DOMESTIC_O", "GBT_AC", "GBT_DC",
    "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32",
    "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2",
    "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C", "NEMA_5_20", "NEMA_6_30",
    "NEMA_6_50", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50", "PANTOGRAPH_BOTTOM_UP",
    "PANTOGRAPH_TOP_DOWN", "TESLA_R", "TESLA_S",
]  # fmt: skip
CdrDimensionType = Literal[
    "CURRENT", "ENERGY", "ENERGY_EXPORT", "ENERGY_IMPORT", "MAX_CURRENT", "MIN_CURRENT",
    "MAX_POWER", "MIN_POWER", "PARKING_TIME", "POWER", "RESERVATION_TIME", "STATE_OF_CHARGE",
    "TIME",
]  # fmt: skip


class OcpiObject(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class GeoLocation(OcpiObject):
    latitude: Annotated[str, Field(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
    longitude: Annotated[str, Field(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]


class DisplayText(OcpiObject):
    language: Annotated[str, Field(min_length=2, max_length=2)]
    text: Annotated[String, Field(max_length=512)]


class Image(OcpiObject):
    url: Url
    thumbnail: Url | None = None
    category: Literal["CHARGER", "ENTRANCE", "LOCATION", "NETWORK", "OPERATOR", "OTHER", "OWNER"]
    type: Annotated[str, Field(max_length=4), AfterValidator(_printable_ascii)]
    width: Annotated[int, Field(ge=0, le=99999)] | None = None
    height: Annotated[int, Field(ge=0, le=99999)] | None = None


class BusinessDetails(OcpiObject):
    name: Annotated[String, Field(max_length=100)]
    website: Url | None = None
    logo: Image | None = None


class Price(OcpiObject):
    excl_vat: Number
    incl_vat: Number | None = None


class EnergySource(OcpiObject):
    source: Literal["NUCLEAR", "GENERAL_FOSSIL", "COAL", "GAS", "GENERAL_GREEN", "SOLAR", "WIND",
                    "WATER"]  # fmt: skip
    percentage: Number


class EnvironmentalImpact(OcpiObject):
    category: Literal["NUCLEAR_WASTE", "CARBON_DIOXIDE"]
    amount: Number


class EnergyMix(OcpiObject):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: Annotated[String, Field(max_length=64)] | None = None
    energy_product_name: Annotated[String, Field(max_length=64)] | None = None


class CdrToken(OcpiObject):
    country_code: CiString2
    party_id: CiString3
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class CdrDimension(OcpiObject):
    type: CdrDimensionType
    volume: Number


class ChargingPeriod(OcpiObject):
    start_date_time: DateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    tariff_id: CiString36 | None = None


OWNER_FIELDS = ("country_code", "party_id")
M = TypeVar("M", bound=OcpiObject)


def ocpi_data(model: BaseModel) -> dict[str, Any]:
    """The object as OCPI JSON data, what we store and serve: the fields it was sent with
    (unknown ones dropped, nulls left out), DateTimes in the `Z` form, numbers as Decimal."""
    dumped = model.model_dump(mode="python", exclude_unset=True, exclude_none=True)
    data: dict[str, Any] = json.loads(render_json(dumped), parse_float=Decimal)
    return data


def parse_object(model: type[M], data: object, what: str) -> M:
    """`data` (a JSON body, or a stored object with a PATCH over it) as a whole `model`."""
    if not isinstance(data, Mapping):
        raise InvalidObjectError(f"a {what} must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidObjectError(f"invalid {what}: {reasons(exc)}") from exc


def reasons(exc: ValidationError) -> str:
    """What is wrong with a body, for the OCPI 2001 message: the first few errors suffice."""
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
