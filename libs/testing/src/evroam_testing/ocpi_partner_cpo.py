"""The test partner (`OcpiPartner`) as a CPO whose eMSP we are: Sender lists of locations,
sessions, CDRs and tariffs (OCPI 2.2.1 sections 3.1-3.4) served from objects a test gives it,
with real pagination (section 1.8: offset/limit, `Link`, `X-Total-Count`, `X-Limit`,
date_from/date_to), and a client that pushes such objects to our eMSP Receivers.

    partner.plays_cpo = True  # before register(): credentials role CPO, Sender endpoints
    partner.offer("locations", partner.location_object("LOC1", "EVSE1"))
    partner.page_limit = 2    # X-Limit: pulls of more than 2 objects take several pages
    await partner.put_location(partner.location_object("LOC2", "E1"))
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evroam_testing.ocpi_partner_receivers import VERSION, envelope, json_response, refused

MODULES = ("locations", "sessions", "cdrs", "tariffs")
T0 = "2025-01-01T10:00:00Z"


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _order(obj: Any) -> tuple[datetime, str]:
    """Oldest first, then by id; a broken object a test serves on purpose sorts first."""
    if isinstance(obj, dict) and isinstance(obj.get("last_updated"), str):
        return _instant(obj["last_updated"]), str(obj.get("id"))
    return datetime(1970, 1, 1, tzinfo=UTC), ""


class CpoSenderSide:
    """Mixed into OcpiPartner, which says where it listens, which token is ours (B), whether
    it plays a CPO, and sends requests to us with token C (`request`)."""

    country_code: str
    party_id: str
    plays_cpo: bool
    our_endpoints: dict[tuple[str, str], str]

    def __init__(self) -> None:
        # What each Sender list serves (a test adds to it), the most objects one page carries
        # (X-Limit), offsets answered with HTTP 500, and every list request with its headers.
        self.sender_objects: dict[str, list[Any]] = {m: [] for m in MODULES}
        self.page_limit = 50
        self.failing_offsets: set[int] = set()
        self.next_link_base: str | None = None  # serve `Link`s to another host (a bad CPO)
        self.list_requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def _ours(self, request: Request) -> bool:
        raise NotImplementedError

    async def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        raise NotImplementedError

    # ---- the Sender interfaces ---------------------------------------------------------------

    def sender_url(self, module: str) -> str:
        return f"{self.base_url}/cpo/{VERSION}/{module}"

    def sender_endpoints(self) -> list[dict[str, str]]:
        if not self.plays_cpo:
            return []
        return [
            {"identifier": m, "role": "SENDER", "url": self.sender_url(m) + "/"} for m in MODULES
        ]

    def sender_routes(self) -> list[Route]:
        routes = []
        for module in MODULES:
            path = f"/ocpi/cpo/{VERSION}/{module}"
            routes += [Route(p, self._list(module), methods=["GET"]) for p in (path, path + "/")]
        return routes

    def offer(self, module: str, *objects: Any) -> None:
        self.sender_objects[module].extend(objects)

    def _list(self, module: str) -> Any:
        async def serve(request: Request) -> Response:
            self.list_requests.append(
                {"module": module, "url": str(request.url), "headers": dict(request.headers)}
            )
            if not self._ours(request):
                return refused()
            return self._page(module, request)

        return serve

    def _page(self, module: str, request: Request) -> Response:
        q = request.query_params
        try:
            offset = int(q.get("offset", "0"))
            limit = min(int(q.get("limit", str(self.page_limit))), self.page_limit)
            since = _instant(q["date_from"]) if "date_from" in q else None
            until = _instant(q["date_to"]) if "date_to" in q else None
        except ValueError as exc:
            return json_response(envelope(None, 2001, f"bad parameter: {exc}"))
        if offset in self.failing_offsets:
            return json_response(envelope(None, 3000, "Temporarily unavailable"), 500)
        matching = sorted(
            (
                o
                for o in self.sender_objects[module]
                if (since is None or _order(o)[0] >= since)
                and (until is None or _order(o)[0] < until)
            ),
            key=_order,
        )
        page = matching[offset : offset + limit]
        response = json_response(envelope(page))
        response.headers["X-Total-Count"] = str(len(matching))
        response.headers["X-Limit"] = str(self.page_limit)
        if offset + len(page) < len(matching):
            filters = [(k, q[k]) for k in ("date_from", "date_to") if k in q]
            query = urlencode([("offset", offset + len(page)), ("limit", limit), *filters])
            base = self.next_link_base or self.sender_url(module)
            response.headers["Link"] = f'<{base}/?{query}>; rel="next"'
        return response

    # ---- objects -------------------------------------------------------------------------

    def connector_object(self, id_: str = "1", last_updated: str = T0, **f: Any) -> dict[str, Any]:
        return {
            "id": id_, "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
            "max_voltage": 230, "max_amperage": 32, "last_updated": last_updated, **f,
        }  # fmt: skip

    def evse_object(
        self, uid: str, status: str = "AVAILABLE", last_updated: str = T0, **f: Any
    ) -> dict[str, Any]:
        connectors = [self.connector_object(last_updated=last_updated)]
        return {"uid": uid, "status": status, "connectors": connectors,
                "last_updated": last_updated, **f}  # fmt: skip

    def location_object(
        self, location_id: str, *evse_uids: str, last_updated: str = T0, **f: Any
    ) -> dict[str, Any]:
        return {
            "country_code": self.country_code, "party_id": self.party_id, "id": location_id,
            "publish": True, "address": "Stationsplein 1", "city": "Amsterdam",
            "country": "NLD", "coordinates": {"latitude": "52.37890", "longitude": "4.90001"},
            "time_zone": "Europe/Amsterdam",
            "evses": [self.evse_object(uid, last_updated=last_updated) for uid in evse_uids],
            "last_updated": last_updated, **f,
        }  # fmt: skip

    def session_object(
        self,
        session_id: str,
        token_owner: tuple[str, str] = ("NL", "EVR"),
        last_updated: str = T0,
        **f: Any,
    ) -> dict[str, Any]:
        return {
            "country_code": self.country_code, "party_id": self.party_id, "id": session_id,
            "start_date_time": "2025-01-01T09:00:00Z", "kwh": 0,
            "cdr_token": self._cdr_token(token_owner), "auth_method": "WHITELIST",
            "location_id": "LOC1", "evse_uid": "EVSE1", "connector_id": "1", "currency": "EUR",
            "status": "ACTIVE", "last_updated": last_updated, **f,
        }  # fmt: skip

    def cdr_object(
        self, cdr_id: str, token_owner: tuple[str, str] = ("NL", "EVR"), **f: Any
    ) -> dict[str, Any]:
        location = {
            "id": "LOC1", "address": "Stationsplein 1", "city": "Amsterdam", "country": "NLD",
            "coordinates": {"latitude": "52.37890", "longitude": "4.90001"},
            "evse_uid": "EVSE1", "evse_id": "NL*TNM*E1", "connector_id": "1",
            "connector_standard": "IEC_62196_T2", "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        }  # fmt: skip
        period = {"start_date_time": "2025-01-01T09:00:00Z",
                  "dimensions": [{"type": "ENERGY", "volume": 12.5}]}  # fmt: skip
        return {
            "country_code": self.country_code, "party_id": self.party_id, "id": cdr_id,
            "start_date_time": "2025-01-01T09:00:00Z", "end_date_time": "2025-01-01T10:00:00Z",
            "session_id": f"S-{cdr_id}", "cdr_token": self._cdr_token(token_owner),
            "auth_method": "WHITELIST", "cdr_location": location, "currency": "EUR",
            "charging_periods": [period], "total_cost": {"excl_vat": 4.38, "incl_vat": 5.30},
            "total_energy": 12.5, "total_time": 1, "last_updated": T0, **f,
        }  # fmt: skip

    def tariff_object(self, tariff_id: str, last_updated: str = T0, **f: Any) -> dict[str, Any]:
        component = {"type": "ENERGY", "price": 0.35, "vat": 21, "step_size": 1}
        return {
            "country_code": self.country_code, "party_id": self.party_id, "id": tariff_id,
            "currency": "EUR", "elements": [{"price_components": [component]}],
            "last_updated": last_updated, **f,
        }  # fmt: skip

    def _cdr_token(self, owner: tuple[str, str]) -> dict[str, Any]:
        return {"country_code": owner[0], "party_id": owner[1], "uid": "04A1B2C3",
                "type": "RFID", "contract_id": f"{owner[0]}-{owner[1]}-C0000001"}  # fmt: skip

    # ---- the client: pushes to our eMSP Receivers --------------------------------------------

    def receiver_url(self, module: str, *parts: str) -> str:
        """Our Receiver of `module` (from our version details), with path segments."""
        base = self.our_endpoints.get((module, "RECEIVER"))
        if base is None:
            raise RuntimeError(f"register() first: no {module} RECEIVER among our endpoints")
        return "/".join([base.rstrip("/"), *(quote(p, safe="") for p in parts)])

    def _owned(self, module: str, id_: str, *more: str, owner: Any = None) -> str:
        cc, pid = owner or (self.country_code, self.party_id)
        return self.receiver_url(module, cc, pid, id_, *more)

    async def put_location(self, location: dict[str, Any]) -> httpx.Response:
        return await self.request("PUT", self._owned("locations", location["id"]), json=location)

    async def put_evse(
        self, location_id: str, evse: dict[str, Any], owner: Any = None
    ) -> httpx.Response:
        url = self._owned("locations", location_id, evse["uid"], owner=owner)
        return await self.request("PUT", url, json=evse)

    async def put_connector(
        self, location_id: str, evse_uid: str, connector: dict[str, Any]
    ) -> httpx.Response:
        url = self._owned("locations", location_id, evse_uid, connector["id"])
        return await self.request("PUT", url, json=connector)

    async def patch_location(
        self, location_id: str, patch: dict[str, Any], *at: str, owner: Any = None
    ) -> httpx.Response:
        """PATCH a Location, or with `at` (evse_uid[, connector_id]) an EVSE or Connector."""
        url = self._owned("locations", location_id, *at, owner=owner)
        return await self.request("PATCH", url, json=patch)

    async def get_location(self, location_id: str, *at: str, owner: Any = None) -> httpx.Response:
        return await self.request("GET", self._owned("locations", location_id, *at, owner=owner))

    async def put_session(self, session: dict[str, Any]) -> httpx.Response:
        return await self.request("PUT", self._owned("sessions", session["id"]), json=session)

    async def patch_session(self, session_id: str, patch: dict[str, Any]) -> httpx.Response:
        return await self.request("PATCH", self._owned("sessions", session_id), json=patch)

    async def get_session(self, session_id: str, owner: Any = None) -> httpx.Response:
        return await self.request("GET", self._owned("sessions", session_id, owner=owner))

    async def post_cdr(self, cdr: dict[str, Any]) -> httpx.Response:
        return await self.request("POST", self.receiver_url("cdrs"), json=cdr)

    async def put_tariff(self, tariff: dict[str, Any]) -> httpx.Response:
        return await self.request("PUT", self._owned("tariffs", tariff["id"]), json=tariff)

    async def delete_tariff(self, tariff_id: str) -> httpx.Response:
        return await self.request("DELETE", self._owned("tariffs", tariff_id))

    async def get_tariff(self, tariff_id: str, owner: Any = None) -> httpx.Response:
        return await self.request("GET", self._owned("tariffs", tariff_id, owner=owner))
