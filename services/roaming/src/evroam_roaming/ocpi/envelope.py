"""The OCPI response envelope (2.2.1 section 1.6) with its status codes (section 1.7), and the
JSON OCPI expects inside it: money, energy and time as JSON numbers (our decimals are never
sent as strings or through float) and every DateTime in the `Z` form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from enum import IntEnum

from fastapi.responses import Response

from evroam_contracts.ocpi_json import format_datetime


class StatusCode(IntEnum):
    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_OR_MISSING_PARAMETERS = 2001
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004
    SERVER_ERROR = 3000
    UNABLE_TO_USE_CLIENT_API = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003


class OcpiError(Exception):
    """Ends a request with an envelope carrying `status_code`, sent with `http_status`."""

    def __init__(
        self,
        http_status: int,
        status_code: StatusCode,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status, self.status_code, self.message = http_status, status_code, message
        self.headers = dict(headers or {})


def envelope(
    data_json: str | None, status_code: StatusCode, status_message: str, timestamp: datetime
) -> bytes:
    """The envelope around already rendered `data`; left out when there is none (errors)."""
    fields = [] if data_json is None else [f'"data":{data_json}']
    fields += [
        f'"status_code":{int(status_code)}',
        f'"status_message":{json.dumps(status_message)}',
        f'"timestamp":{json.dumps(format_datetime(timestamp))}',
    ]
    return ("{" + ",".join(fields) + "}").encode()


def ocpi_response(
    data_json: str | None,
    timestamp: datetime,
    *,
    status_code: StatusCode = StatusCode.SUCCESS,
    status_message: str = "Success",
    http_status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        envelope(data_json, status_code, status_message, timestamp),
        status_code=http_status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def json_body(raw: bytes, headers: Mapping[str, str] | None = None) -> object:
    """A request body as JSON; not JSON at all is HTTP 400 (OCPI 2.2.1 section 1.7)."""
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise OcpiError(
            400, StatusCode.INVALID_OR_MISSING_PARAMETERS, f"body is not JSON: {exc}", headers
        ) from exc
