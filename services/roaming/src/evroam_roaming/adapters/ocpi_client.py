"""HTTP calls to partner platforms: the registration callbacks (OCPI 2.2.1 section 2.3 step
5) and real-time authorization (section 6.1). The only module that calls partners."""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
from opentelemetry import trace
from pydantic import BaseModel, ValidationError

from evroam_contracts.ids import new_id
from evroam_contracts.roaming import PartnerEndpoint, RealtimeAuthorization
from evroam_roaming.ocpi.credentials.models import PartnerApiError
from evroam_roaming.ocpi.envelope import StatusCode
from evroam_roaming.ocpi.tokens.authorize import AuthorizeCall, interpret, unreachable
from evroam_roaming.ocpi.versions.models import Version

log = logging.getLogger(__name__)
tracer = trace.get_tracer("evroam.roaming.ocpi")
OCPI_VERSION = "2.2.1"


class _VersionDetails(BaseModel):
    version: str
    endpoints: list[PartnerEndpoint]


class OcpiClient:
    def __init__(self, http: httpx.AsyncClient, timeout_s: float) -> None:
        self._http, self._timeout = http, timeout_s

    async def version_endpoints(
        self, versions_url: str, token: str
    ) -> tuple[str, tuple[PartnerEndpoint, ...]]:
        """GET the partner's versions, choose 2.2.1, GET its details, with `token` (B)."""
        versions = await self._get_data(versions_url, token)
        try:
            listed = [Version.model_validate(v) for v in versions]
        except (TypeError, ValidationError) as exc:
            raise PartnerApiError(
                StatusCode.UNABLE_TO_USE_CLIENT_API, f"versions: not a list of Version: {exc}"
            ) from exc
        chosen = [v for v in listed if v.version == OCPI_VERSION]
        if not chosen:
            offered = ", ".join(v.version for v in listed) or "none"
            raise PartnerApiError(
                StatusCode.UNSUPPORTED_VERSION, f"no version {OCPI_VERSION} (offered: {offered})"
            )
        details = await self._get_data(chosen[0].url, token)
        try:
            parsed = _VersionDetails.model_validate(details)
        except ValidationError as exc:
            raise PartnerApiError(
                StatusCode.UNABLE_TO_USE_CLIENT_API, f"version details: {exc}"[:500]
            ) from exc
        if not parsed.endpoints:
            raise PartnerApiError(StatusCode.NO_MATCHING_ENDPOINTS, "no endpoints listed")
        return OCPI_VERSION, tuple(parsed.endpoints)

    async def _get_data(self, url: str, token: str) -> Any:
        encoded = base64.b64encode(token.encode()).decode()
        headers = {"Authorization": f"Token {encoded}", "X-Request-ID": str(new_id())}
        headers["X-Correlation-ID"] = headers["X-Request-ID"]
        with tracer.start_as_current_span("OCPI GET", kind=trace.SpanKind.CLIENT):
            try:
                response = await self._http.get(url, headers=headers, timeout=self._timeout)
            except httpx.HTTPError as exc:
                raise PartnerApiError(
                    StatusCode.UNABLE_TO_USE_CLIENT_API, f"GET {url}: {type(exc).__name__}"
                ) from exc
        try:
            body = response.json()
            status = body["status_code"]
        except (ValueError, KeyError, TypeError):
            status = None
        if response.status_code != 200 or status != StatusCode.SUCCESS:
            raise PartnerApiError(
                StatusCode.UNABLE_TO_USE_CLIENT_API,
                f"GET {url}: HTTP {response.status_code}, OCPI status {status}",
            )
        return body.get("data")

    async def authorize(self, call: AuthorizeCall, timeout_s: float) -> RealtimeAuthorization:
        """POST {tokens}/{uid}/authorize; never raises for what the partner does or fails to
        do: a refused connection, a timeout or a wrong answer become UNREACHABLE."""
        with tracer.start_as_current_span("OCPI POST authorize", kind=trace.SpanKind.CLIENT):
            try:
                response = await self._http.post(
                    call.url, headers=call.headers, content=call.body, timeout=timeout_s
                )
            except httpx.TimeoutException:
                return unreachable(f"no answer within {timeout_s * 1000:.0f} ms")
            except httpx.HTTPError as exc:
                return unreachable(f"{type(exc).__name__}: {exc}"[:300])
        return interpret(response.status_code, response.content)
