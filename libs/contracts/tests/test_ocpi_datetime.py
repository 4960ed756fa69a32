from datetime import UTC, datetime, timedelta, timezone

import pytest

from evroam_contracts.ocpi_json import (
    InvalidDateTimeError,
    format_datetime,
    ocpi_instant,
    parse_datetime,
)

CET = timezone(timedelta(hours=1))


def test_a_utc_datetime_is_written_with_z_and_no_offset() -> None:
    assert format_datetime(datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)) == "2015-06-29T20:39:09Z"


def test_another_time_zone_is_converted_to_utc() -> None:
    assert format_datetime(datetime(2015, 6, 29, 21, 39, 9, tzinfo=CET)) == "2015-06-29T20:39:09Z"


def test_a_naive_datetime_is_read_as_utc_as_ocpi_does() -> None:
    assert format_datetime(datetime(2015, 6, 29, 20, 39, 9)) == "2015-06-29T20:39:09Z"  # noqa: DTZ001


def test_sub_second_precision_is_kept_to_the_millisecond_within_string_25() -> None:
    text = format_datetime(datetime(2018, 1, 1, 1, 8, 1, 123456, tzinfo=UTC))
    assert text == "2018-01-01T01:08:01.123Z"
    assert len(text) <= 25


def test_less_than_a_millisecond_is_not_written() -> None:
    assert format_datetime(datetime(2018, 1, 1, 1, 8, 1, 999, tzinfo=UTC)) == "2018-01-01T01:08:01Z"


def test_the_stored_instant_is_exactly_what_partners_read() -> None:
    at = datetime(2018, 1, 1, 1, 8, 1, 123456, tzinfo=CET)
    assert parse_datetime(format_datetime(at)) == ocpi_instant(at)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T20:39:09Z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2016-12-29T17:45:09.2Z", datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC)),
        ("2018-01-01T01:08:01.123", datetime(2018, 1, 1, 1, 8, 1, 123000, tzinfo=UTC)),
        ("2015-06-29T22:39:09+02:00", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
    ],
)
def test_every_ocpi_spelling_and_an_explicit_offset_are_read(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2015-06-29",
        "2015-06-29 20:39:09Z",
        "2015-13-29T20:39:09Z",
        "2015-06-29T20:39:09 00:00",
        "2015-06-29T20:39:09.1234567Z",
        "",
    ],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(InvalidDateTimeError):
        parse_datetime(text)
