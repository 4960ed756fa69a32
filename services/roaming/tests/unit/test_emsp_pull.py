"""Pulling a partner CPO's Sender list (OCPI 2.2.1 section 1.8): the first URL, the next page
from the `Link` header, and the report. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evroam_roaming.domain.pull import PullReport, first_url, next_link, same_origin
from evroam_roaming.domain.received import Receipt

SENDER = "https://cpo.example/ocpi/cpo/2.2.1/locations/"


def test_the_first_page_asks_for_the_page_size_and_the_date_window() -> None:
    since, until = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, 12, tzinfo=UTC)
    assert first_url(SENDER, "locations", 50) == SENDER + "?limit=50"
    assert first_url(SENDER, "cdrs", 10, since, until) == (
        SENDER + "?limit=10&date_from=2025-01-01T00:00:00Z&date_to=2025-02-01T12:00:00Z"
    )
    assert first_url(SENDER + "?x=1", "tariffs", 5) == SENDER + "?x=1&limit=5"


def test_sessions_are_asked_from_the_beginning_when_no_date_is_given() -> None:
    # The Sessions Sender requires date_from.
    assert first_url(SENDER, "sessions", 5).endswith("date_from=1970-01-01T00:00:00Z")


@pytest.mark.parametrize(
    ("link", "following"),
    [
        ('<https://cpo.example/l/?offset=2&limit=2>; rel="next"',
         "https://cpo.example/l/?offset=2&limit=2"),
        ("<https://cpo.example/l/?offset=2>; rel=next", "https://cpo.example/l/?offset=2"),
        ('<https://cpo.example/first>; rel="first", <https://cpo.example/n>; REL="next"',
         "https://cpo.example/n"),
        ('<https://cpo.example/n>; title="x"; rel="prev next"', "https://cpo.example/n"),
        ('<https://cpo.example/p>; rel="prev"', None),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_the_next_page_is_the_link_with_rel_next(link: str | None, following: str | None) -> None:
    assert next_link(link) == following


def test_a_next_page_must_stay_on_the_partners_host() -> None:
    assert same_origin("https://CPO.example/ocpi/x?offset=2", SENDER)
    assert not same_origin("https://evil.example/ocpi/cpo/2.2.1/locations/", SENDER)
    assert not same_origin("http://cpo.example/ocpi/cpo/2.2.1/locations/", SENDER)
    assert not same_origin("https://cpo.example:8443/ocpi/", SENDER)


def test_the_report_counts_stored_unchanged_and_rejected_objects() -> None:
    report = PullReport("p-1", "sessions", pages=2)
    for receipt in (Receipt.CREATED, Receipt.UPDATED, Receipt.UNCHANGED, Receipt.STALE):
        report.count(receipt)
    report.reject({"id": "S9"}, "invalid Session: kwh: must be a JSON number")
    report.reject("junk", "a Session must be a JSON object")
    assert report.as_json() == {
        "partner_id": "p-1", "module": "sessions", "complete": True, "pages": 2, "objects": 6,
        "stored": 2, "unchanged": 2, "error": None,
        "rejected": [
            {"id": "S9", "reason": "invalid Session: kwh: must be a JSON number"},
            {"id": None, "reason": "a Session must be a JSON object"},
        ],
    }  # fmt: skip
    report.error = "GET ...: HTTP 500"
    assert report.as_json()["complete"] is False
