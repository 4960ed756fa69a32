from datetime import UTC, datetime

import pytest

from evroam_roaming.ocpi.pagination import (
    InvalidPageParameterError,
    PageRequest,
    next_link,
    page_headers,
    parse_page_request,
)

URL = "https://cpo.example/ocpi/cpo/2.2.1/cdrs"


def test_without_parameters_the_first_page_has_the_server_page_size() -> None:
    assert parse_page_request({}, 100) == PageRequest(offset=0, limit=100)


def test_a_limit_above_the_server_maximum_is_capped() -> None:
    assert parse_page_request({"limit": "2000"}, 100).limit == 100


def test_date_filters_are_parsed_and_kept_as_the_client_wrote_them() -> None:
    page = parse_page_request(
        {"date_from": "2016-01-01T00:00:00Z", "date_to": "2016-12-31T23:59:59"}, 100
    )
    assert page.date_from == datetime(2016, 1, 1, tzinfo=UTC)
    assert page.date_to == datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert page.filters == (
        ("date_from", "2016-01-01T00:00:00Z"),
        ("date_to", "2016-12-31T23:59:59"),
    )


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"offset": "ten"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1.5"}, "offset"),
        ({"offset": "9" * 19}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "\uff12"}, "limit"),  # a full-width 2: int() would accept it
        ({"date_from": "2016-01-01"}, "date_from"),
        ({"date_to": "tomorrow"}, "date_to"),
    ],
)
def test_a_bad_parameter_is_refused_with_its_name(query: dict[str, str], names: str) -> None:
    with pytest.raises(InvalidPageParameterError, match=names):
        parse_page_request(query, 100)


def test_the_next_link_repeats_the_filters_and_advances_the_offset() -> None:
    page = parse_page_request(
        {"limit": "2", "date_from": "2016-01-01T00:00:00Z", "date_to": "2016-12-31T23:59:59Z"},
        100,
    )
    assert next_link(URL, page, returned=2, total=3) == (
        f"<{URL}?offset=2&limit=2&date_from=2016-01-01T00:00:00Z"
        '&date_to=2016-12-31T23:59:59Z>; rel="next"'
    )


def test_an_offset_in_a_filter_is_url_encoded() -> None:
    page = parse_page_request({"date_from": "2016-01-01T01:00:00+01:00"}, 100)
    link = next_link(URL, page, returned=100, total=150)
    assert link is not None
    assert "date_from=2016-01-01T01:00:00%2B01:00" in link


def test_there_is_no_next_link_on_the_last_page() -> None:
    page = PageRequest(offset=2, limit=2)
    assert next_link(URL, page, returned=1, total=3) is None


def test_there_is_no_next_link_past_the_end() -> None:
    assert next_link(URL, PageRequest(offset=10, limit=2), returned=0, total=3) is None


def test_x_limit_shows_the_server_maximum_even_when_fewer_are_returned() -> None:
    headers = page_headers(
        URL, PageRequest(offset=0, limit=2), returned=1, total=1, max_page_size=100
    )
    assert headers == {"X-Total-Count": "1", "X-Limit": "100"}
