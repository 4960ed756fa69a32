"""A client of the platform's public interfaces (admin, query and OCPI HTTP APIs) for the
demo and the full-flow tests. It never reads a service's tables."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from evroam_cli.endpoints import SERVICES, Endpoints

T = TypeVar("T")


class ServiceDownError(RuntimeError):
    """One or more services do not answer /readyz; the message names them."""


class FlowStepTimeoutError(TimeoutError):
    """A step of the flow did not happen in time; the message says which and who owns it."""


class ApiError(RuntimeError):
    """A service answered a request with an HTTP error; `detail` is its JSON `detail` (a
    string, or FastAPI's list of validation errors) or its text."""

    def __init__(self, method: str, service: str, path: str, response: httpx.Response) -> None:
        super().__init__(f"{method} {service}{path}: HTTP {response.status_code} {response.text}")
        self.status = response.status_code
        try:
            self.detail: Any = response.json().get("detail", response.text)
        except (ValueError, AttributeError):
            self.detail = response.text


def token_path(country_code: str, party_id: str, uid: str) -> str:
    """`/tokens/{country_code}/{party_id}/{uid}`, each part escaped for the URL."""
    return "/tokens/" + "/".join(quote(p, safe="") for p in (country_code, party_id, uid))


def registry_path(*parts: str) -> str:
    """`/stations/{station_id}/...` of the gateway, each part escaped for the URL."""
    return "/" + "/".join(quote(p, safe="") for p in parts)


class Platform:
    def __init__(self, endpoints: Endpoints, http: httpx.AsyncClient) -> None:
        self.endpoints, self._http = endpoints, http
        self._admin = {"Authorization": f"Bearer {endpoints.admin_token}"}

    def url(self, service: str, path: str) -> str:
        return self.endpoints.http[service].rstrip("/") + path

    async def not_ready(self) -> dict[str, str]:
        """Service -> what is wrong, for every service that is not ready."""

        async def probe(name: str) -> tuple[str, str | None]:
            try:
                r = await self._http.get(self.url(name, "/readyz"), timeout=3)
            except httpx.HTTPError as exc:
                return name, f"not running ({type(exc).__name__} at {self.endpoints.http[name]})"
            return name, None if r.status_code == 200 else f"not ready: {r.text}"

        results = await asyncio.gather(*(probe(s) for s in SERVICES))
        return {name: problem for name, problem in results if problem}

    async def require_ready(self) -> None:
        if problems := await self.not_ready():
            raise ServiceDownError("; ".join(f"evroam-{k} {v}" for k, v in problems.items()))

    async def _send(
        self, method: str, service: str, path: str, body: Any = None, **params: Any
    ) -> Any:
        given = {k: v for k, v in params.items() if v is not None}
        r = await self._http.request(
            method, self.url(service, path), json=body, params=given, headers=self._admin
        )
        if r.status_code >= 400:
            raise ApiError(method, service, path, r)
        return r.json()

    async def verify_projections(self, service: str) -> Any:
        """Fold the service's whole log into scratch tables; its checksum report."""
        return await self._send("POST", service, "/admin/projections/verify")

    async def register_location(self, location: dict[str, Any]) -> Any:
        return await self._send("POST", "gateway", "/locations", location)

    async def register_station(self, station: dict[str, Any]) -> Any:
        return await self._send("POST", "gateway", "/stations", station)

    async def _answer(
        self, method: str, service: str, path: str, body: Any = None, **params: Any
    ) -> httpx.Response:
        """The whole answer (headers, no body for a 204); ApiError for an HTTP error."""
        given = {k: v for k, v in params.items() if v is not None}
        r = await self._http.request(
            method, self.url(service, path), json=body, params=given, headers=self._admin
        )
        if r.status_code >= 400:
            raise ApiError(method, service, path, r)
        return r

    async def replace_location(self, location_id: str, location: dict[str, Any]) -> Any:
        return await self._send("PUT", "gateway", registry_path("locations", location_id), location)

    async def patch_location(self, location_id: str, changes: dict[str, Any]) -> Any:
        return await self._send(
            "PATCH", "gateway", registry_path("locations", location_id), changes
        )

    async def location(self, location_id: str) -> Any:
        return await self._send("GET", "gateway", registry_path("locations", location_id))

    async def locations(self, **filters: Any) -> tuple[list[Any], int]:
        """A page of locations and how many match; filters: country_code, party_id, limit,
        offset."""
        r = await self._answer("GET", "gateway", "/locations", **filters)
        return r.json(), int(r.headers.get("X-Total-Count", 0))

    async def replace_station(self, station_id: str, station: dict[str, Any]) -> Any:
        return await self._send("PUT", "gateway", registry_path("stations", station_id), station)

    async def station(self, station_id: str) -> Any:
        return await self._send("GET", "gateway", registry_path("stations", station_id))

    async def stations(self, **filters: Any) -> tuple[list[Any], int]:
        """A page of stations and how many match; filters: location_id, limit, offset."""
        r = await self._answer("GET", "gateway", "/stations", **filters)
        return r.json(), int(r.headers.get("X-Total-Count", 0))

    async def put_evse(self, station_id: str, evse_uid: str, evse: dict[str, Any]) -> Any:
        path = registry_path("stations", station_id, "evses", evse_uid)
        return await self._send("PUT", "gateway", path, evse)

    async def remove_evse(self, station_id: str, evse_uid: str) -> Any:
        path = registry_path("stations", station_id, "evses", evse_uid)
        return await self._send("DELETE", "gateway", path)

    async def set_station_password(
        self, station_id: str, password: str, security_profile: int
    ) -> None:
        """The gateway answers 204: nothing to return, and the password is never echoed."""
        body = {"password": password, "security_profile": security_profile}
        path = registry_path("stations", station_id, "credentials")
        await self._answer("PUT", "gateway", path, body)

    async def publish_tariff(self, tariff: dict[str, Any]) -> Any:
        return await self._send("POST", "tariff", "/tariffs", tariff)

    async def retire_tariff(self, tariff_id: str, retired_from: str) -> Any:
        return await self._send(
            "POST", "tariff", f"/tariffs/{tariff_id}/retire", {"retired_from": retired_from}
        )

    async def price_preview(self, request: dict[str, Any]) -> httpx.Response:
        return await self._http.post(self.url("tariff", "/price-preview"), json=request)

    async def assign_tariff(
        self, location_id: str, tariff_id: str, effective_from: str, **scope: Any
    ) -> Any:
        return await self._send(
            "POST",
            "tariff",
            f"/locations/{location_id}/tariff",
            {"tariff_id": tariff_id, "effective_from": effective_from, **scope},
        )

    async def register_token(self, token: dict[str, Any]) -> Any:
        """PUT a full token; the answer is {"version": n, "token": {...}}."""
        path = token_path(token["country_code"], token["party_id"], token["uid"])
        return await self._send("PUT", "authorization", path, token, type=token.get("type"))

    async def patch_token(
        self, key: tuple[str, str, str], token_type: str, changes: dict[str, Any]
    ) -> Any:
        return await self._send(
            "PATCH", "authorization", token_path(*key), changes, type=token_type
        )

    async def token(self, key: tuple[str, str, str], token_type: str) -> Any:
        return await self._send("GET", "authorization", token_path(*key), type=token_type)

    async def tokens(self, **filters: Any) -> Any:
        """The token list; filters: country_code, party_id, contract_id, valid, limit, offset."""
        return await self._send("GET", "authorization", "/tokens", **filters)

    async def post(self, service: str, path: str, body: Any = None, **params: Any) -> Any:
        """An admin write; its JSON answer (ApiError for an HTTP error)."""
        return await self._send("POST", service, path, body, **params)

    async def register_partner(self, partner: dict[str, Any]) -> Any:
        return await self._send("POST", "roaming", "/admin/partners", partner)

    async def reject_cdr(self, cdr_id: str, rejection: dict[str, Any]) -> httpx.Response:
        """Reject a CDR held for review; the answer as it is."""
        return await self._http.post(
            self.url("cdr", f"/reviews/{cdr_id}/reject"), json=rejection, headers=self._admin
        )

    async def get(self, service: str, path: str, **params: Any) -> httpx.Response:
        """A read; with the admin bearer, which admin-only reads need and others ignore."""
        return await self._http.get(
            self.url(service, path), params=params or None, headers=self._admin
        )

    async def ocpi_get(self, path: str, token: str, **params: Any) -> httpx.Response:
        encoded = base64.b64encode(token.encode()).decode()
        return await self._http.get(
            self.url("roaming", path),
            params=params or None,
            headers={"Authorization": f"Token {encoded}"},
        )

    async def eventually(
        self,
        what: str,
        owner: str,
        probe: Callable[[], Awaitable[T | None]],
        timeout_s: float = 30,
    ) -> T:
        """Poll until `probe` returns something; on timeout say what and whose job it was."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if (result := await probe()) is not None:
                return result
            await asyncio.sleep(0.2)
        problems = await self.not_ready()
        hint = problems.get(owner, "is running, but did not do it")
        raise FlowStepTimeoutError(
            f"{what} did not happen within {timeout_s}s: evroam-{owner} {hint}"
        )

    async def found(self, service: str, path: str, **params: Any) -> Any | None:
        """The JSON at `path` once it exists (and, for lists, is not empty)."""
        try:
            r = await self.get(service, path, **params)
        except httpx.HTTPError:
            return None
        if r.status_code != 200:
            return None
        data = r.json()
        return data or None
