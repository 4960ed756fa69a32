"""What billing needs to know of the countries where our drivers charge: the standard VAT rate
in force on a day, and the time zone of a location whose CDR did not say.

Standard rates: European Commission, "VAT rates applied in the Member States of the European
Union", situation at 1 January 2025 (taxation-customs.ec.europa.eu), and the national changes
announced since: Estonia 24 % from 1 July 2025, Romania 21 % from 1 August 2025. Norway,
Switzerland, Liechtenstein, Iceland and the United Kingdom from their tax authorities. Dated
changes go back to 2020 (the temporary German and Irish cuts of the pandemic). Regional rates
(Madeira, the Azores, the Canaries, Corsica, Büsingen, ...) are not here: a CDR priced at
one is flagged on its line for a person to look at, which is what the check is for.

Default time zones: a partner CPO's CDR (OCPI `cdr_location`) has no time zone, and the
billing month is a local month; a country's main zone is right for every mainland location
of these countries (Portugal and Spain's islands are a known exception, ADR 0021).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Country:
    alpha3: str
    alpha2: str
    time_zone: str
    # (valid_from, standard rate in percent), oldest first; the first entry holds since 2020.
    rates: tuple[tuple[date, Decimal], ...]


def _c(alpha3: str, alpha2: str, zone: str, *rates: tuple[str, str]) -> Country:
    return Country(
        alpha3, alpha2, zone, tuple((date.fromisoformat(d), Decimal(r)) for d, r in rates)
    )


_SINCE = "2020-01-01"
COUNTRIES: dict[str, Country] = {
    c.alpha3: c
    for c in (
        _c("AUT", "AT", "Europe/Vienna", (_SINCE, "20")),
        _c("BEL", "BE", "Europe/Brussels", (_SINCE, "21")),
        _c("BGR", "BG", "Europe/Sofia", (_SINCE, "20")),
        _c("HRV", "HR", "Europe/Zagreb", (_SINCE, "25")),
        _c("CYP", "CY", "Asia/Nicosia", (_SINCE, "19")),
        _c("CZE", "CZ", "Europe/Prague", (_SINCE, "21")),
        _c("DNK", "DK", "Europe/Copenhagen", (_SINCE, "25")),
        _c(
            "EST",
            "EE",
            "Europe/Tallinn",
            (_SINCE, "20"),
            ("2024-01-01", "22"),
            ("2025-07-01", "24"),
        ),
        _c("FIN", "FI", "Europe/Helsinki", (_SINCE, "24"), ("2024-09-01", "25.5")),
        _c("FRA", "FR", "Europe/Paris", (_SINCE, "20")),
        _c(
            "DEU", "DE", "Europe/Berlin", (_SINCE, "19"), ("2020-07-01", "16"), ("2021-01-01", "19")
        ),
        _c("GRC", "GR", "Europe/Athens", (_SINCE, "24")),
        _c("HUN", "HU", "Europe/Budapest", (_SINCE, "27")),
        _c(
            "IRL", "IE", "Europe/Dublin", (_SINCE, "23"), ("2020-09-01", "21"), ("2021-03-01", "23")
        ),
        _c("ITA", "IT", "Europe/Rome", (_SINCE, "22")),
        _c("LVA", "LV", "Europe/Riga", (_SINCE, "21")),
        _c("LTU", "LT", "Europe/Vilnius", (_SINCE, "21")),
        _c(
            "LUX",
            "LU",
            "Europe/Luxembourg",
            (_SINCE, "17"),
            ("2023-01-01", "16"),
            ("2024-01-01", "17"),
        ),
        _c("MLT", "MT", "Europe/Malta", (_SINCE, "18")),
        _c("NLD", "NL", "Europe/Amsterdam", (_SINCE, "21")),
        _c("POL", "PL", "Europe/Warsaw", (_SINCE, "23")),
        _c("PRT", "PT", "Europe/Lisbon", (_SINCE, "23")),
        _c("ROU", "RO", "Europe/Bucharest", (_SINCE, "19"), ("2025-08-01", "21")),
        _c("SVK", "SK", "Europe/Bratislava", (_SINCE, "20"), ("2025-01-01", "23")),
        _c("SVN", "SI", "Europe/Ljubljana", (_SINCE, "22")),
        _c("ESP", "ES", "Europe/Madrid", (_SINCE, "21")),
        _c("SWE", "SE", "Europe/Stockholm", (_SINCE, "25")),
        _c("NOR", "NO", "Europe/Oslo", (_SINCE, "25")),
        _c("ISL", "IS", "Atlantic/Reykjavik", (_SINCE, "24")),
        _c("CHE", "CH", "Europe/Zurich", (_SINCE, "7.7"), ("2024-01-01", "8.1")),
        _c("LIE", "LI", "Europe/Vaduz", (_SINCE, "7.7"), ("2024-01-01", "8.1")),
        _c("GBR", "GB", "Europe/London", (_SINCE, "20")),
    )
}
_BY_ALPHA2 = {c.alpha2: c for c in COUNTRIES.values()}


def standard_vat_rate(country: str, on: date) -> Decimal | None:
    """The standard rate (percent) of `country` (ISO 3166-1 alpha-3, as OCPI's CdrLocation
    has it) on the day `on`; None for a country not in the table or a day before it starts."""
    known = COUNTRIES.get(country.upper())
    if known is None:
        return None
    rate = None
    for valid_from, r in known.rates:
        if on >= valid_from:
            rate = r
    return rate


def default_time_zone(country: str) -> str | None:
    """The main time zone of a country given as alpha-3 (a CDR location) or alpha-2 (a party's
    country code); None when the table does not know it."""
    code = country.upper()
    known = COUNTRIES.get(code) or _BY_ALPHA2.get(code)
    return known.time_zone if known else None
