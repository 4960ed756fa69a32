"""Pulling a partner CPO's Sender list (OCPI 2.2.1 section 1.8), as its eMSP: where the
first page is, where the next one is (the `Link` header), and what became of the objects.
Pure: the pages come in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from evroam_contracts.ocpi_json import format_datetime
from evroam_roaming.domain.received import Module, Receipt

# The Sessions Sender requires date_from (section 1.8); without one we ask for everything.
SESSIONS_SINCE = "1970-01-01T00:00:00Z"
# `<url>; rel="next"` among the comma-separated links of an RFC 8288 Link header.
_LINK = re.compile(r"<([^>]*)>([^<]*)")
_REL = re.compile(r';\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))', re.IGNORECASE)


def first_url(
    sender_url: str,
    module: Module,
    limit: int,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> str:
    """The Sender endpoint with the filters and the page size (the Sender may cap it)."""
    params = [("limit", str(limit))]
    since = format_datetime(date_from) if date_from else None
    if since is None and module == "sessions":
        since = SESSIONS_SINCE
    if since is not None:
        params.append(("date_from", since))
    if date_to is not None:
        params.append(("date_to", format_datetime(date_to)))
    joiner = "&" if urlsplit(sender_url).query else "?"
    return sender_url + joiner + urlencode(params, safe=":")


def next_link(link: str | None) -> str | None:
    """The URL of `rel="next"` in a Link header; None on the last page."""
    for match in _LINK.finditer(link or ""):
        for rel in _REL.finditer(match.group(2)):
            if "next" in (rel.group(1) or rel.group(2) or "").lower().split():
                return match.group(1).strip()
    return None


def same_origin(url: str, other: str) -> bool:
    """A next page must stay with the partner: we present our credentials token to it."""
    a, b = urlsplit(url), urlsplit(other)
    return (a.scheme.lower(), a.netloc.lower()) == (b.scheme.lower(), b.netloc.lower())


@dataclass
class PullReport:
    """What a pull did: pages read, objects in them, stored (new or changed), unchanged (the
    same again, or older than what we hold), rejected with the reason; `error` when the pull
    stopped before the last page."""

    partner_id: str
    module: Module
    pages: int = 0
    objects: int = 0
    stored: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None

    def count(self, receipt: Receipt) -> None:
        self.objects += 1
        if receipt.recorded:
            self.stored += 1
        else:
            self.unchanged += 1

    def reject(self, raw: object, reason: str) -> None:
        self.objects += 1
        found = raw.get("id") if isinstance(raw, dict) else None
        self.rejected.append({"id": found if isinstance(found, str) else None, "reason": reason})

    def as_json(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "module": self.module,
            "complete": self.complete,
            "pages": self.pages,
            "objects": self.objects,
            "stored": self.stored,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "error": self.error,
        }
