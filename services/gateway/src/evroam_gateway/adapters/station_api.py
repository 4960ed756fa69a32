"""Admin API of the station registry: stations, their EVSEs and connectors, and their
Basic-auth passwords. Same conventions as the location routes (`registry_api`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from pydantic import ValidationError

from evroam_contracts.gateway import Evse, StationRegistered
from evroam_gateway.adapters.credentials import StationCredentials
from evroam_gateway.adapters.registry_api import (
    CHANGE,
    CREATE,
    READ,
    Limit,
    Offset,
    page,
    refusals,
    refuse_mismatch,
)
from evroam_gateway.adapters.registry_models import (
    CredentialsBody,
    EvseAtUid,
    StationBody,
    StationState,
    StationView,
    StationWritten,
)
from evroam_gateway.handlers.commands import (
    Written,
    handle_put_evse,
    handle_register_station,
    handle_remove_evse,
    handle_replace_station,
)

StationId = Annotated[str, Path(description="the station's OCPP identity")]
EvseUid = Annotated[str, Path(description="the EVSE's uid (OCPI EVSE.uid)")]
STATIONS = "SELECT station_id, location_id, evses, security_profile FROM view_stations_v1"


def _station_written(written: Written[StationRegistered]) -> StationWritten:
    state = StationState.model_validate(written.state.model_dump())
    return StationWritten(version=written.version, station=state)


def _contract(body: StationBody) -> StationRegistered:
    return StationRegistered.model_validate(body.model_dump())


async def credentials_body(request: Request) -> CredentialsBody:
    """The body of a password change, read by hand: FastAPI's own 422 echoes the input, and
    this input holds a password. Faults are named here without it."""
    try:
        return CredentialsBody.model_validate(await request.json())
    except json.JSONDecodeError:
        fault = {"loc": ["body"], "msg": "the body is not JSON", "type": "json_invalid"}
        raise RequestValidationError([fault]) from None
    except ValidationError as exc:
        faults = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
        ]
        raise RequestValidationError(faults) from None


def add_station_routes(api: APIRouter, pool: AsyncConnectionPool) -> None:
    @api.post(
        "/stations",
        status_code=201,
        response_model=StationWritten,
        responses=CREATE,
        summary="Register a station",
    )
    async def register_station(body: StationBody, response: Response) -> StationWritten:
        """Register a new station at a registered location (`station.registered`): 201.

        An exact repeat answers 200 and appends nothing; a different body for an existing
        `station_id` is 409 (PUT changes it). 422 for: a station id longer than 48 characters
        or holding ':'; an unknown location; an `evse_id` that is not eMI3 or not of the
        location's country code and party id; an EVSE without connectors; an `evse_uid`,
        `ocpp_evse_id` or `ocpp_connector_id` used twice in the station."""
        with refusals():
            written = await handle_register_station(pool, _contract(body))
        if not written.changed:
            response.status_code = 200
        return _station_written(written)

    @api.put(
        "/stations/{station_id}",
        response_model=StationWritten,
        responses=CHANGE,
        summary="Replace a station",
    )
    async def replace_station(station_id: StationId, body: StationBody) -> StationWritten:
        """Replace a registered station (location, EVSEs, connectors) with this whole one
        (`station.updated`; nothing is appended when nothing changes). 404 when unknown; the
        rules of POST apply."""
        refuse_mismatch("station_id", station_id, body.station_id)
        with refusals():
            written = await handle_replace_station(pool, _contract(body))
        return _station_written(written)

    @api.put(
        "/stations/{station_id}/evses/{evse_uid}",
        response_model=StationWritten,
        responses=CHANGE,
        summary="Add or replace one EVSE of a station",
    )
    async def put_evse(station_id: StationId, evse_uid: EvseUid, body: EvseAtUid) -> StationWritten:
        """Add this EVSE with its connectors, or replace the one with this `evse_uid` in place
        (`station.updated` with the station's whole new state). 404 for an unknown station."""
        refuse_mismatch("evse_uid", evse_uid, body.evse_uid)
        evse = Evse.model_validate(body.model_dump() | {"evse_uid": evse_uid})
        with refusals(strip_evse=True):
            written = await handle_put_evse(pool, station_id, evse)
        return _station_written(written)

    @api.delete(
        "/stations/{station_id}/evses/{evse_uid}",
        response_model=StationWritten,
        responses=CHANGE,
        summary="Remove one EVSE from a station",
    )
    async def remove_evse(station_id: StationId, evse_uid: EvseUid) -> StationWritten:
        """Remove an EVSE (`station.updated`). The other EVSEs keep their OCPP 2.0.1 numbers,
        even those numbered by their position. 404 for an unknown station or EVSE."""
        with refusals():
            written = await handle_remove_evse(pool, station_id, evse_uid)
        return _station_written(written)

    @api.get(
        "/stations/{station_id}",
        response_model=StationView,
        responses=READ,
        summary="One station",
    )
    async def station(station_id: StationId) -> dict[str, Any]:
        """A station as the read model holds it, with its security profile (0: no password
        set); a write shows here a moment after it."""
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"{STATIONS} WHERE station_id = %s", (station_id,))
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"station {station_id} not found")
        return row

    @api.get(
        "/stations",
        response_model=list[StationView],
        responses={401: READ[401]},
        summary="Stations, paged",
    )
    async def stations(
        response: Response,
        location_id: Annotated[str | None, Query(description="only this location's")] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        """Stations ordered by id, optionally of one location; `X-Total-Count` is the number
        that match."""
        return await page(
            pool, response, STATIONS, {"location_id": location_id}, "station_id", limit, offset
        )


def add_credential_routes(api: APIRouter, credentials: StationCredentials) -> None:
    schema = CredentialsBody.model_json_schema()

    @api.put(
        "/stations/{station_id}/credentials",
        status_code=204,
        responses=CHANGE,
        summary="Set a station's Basic-auth password",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}
        },
    )
    async def set_credentials(
        station_id: StationId, body: Annotated[CredentialsBody, Depends(credentials_body)]
    ) -> None:
        """Give a registered station a new password for OCPP security profile 1 (Basic auth)
        or 2 (Basic auth over TLS); the old one stops working at once. Only an argon2id hash
        is kept, outside the event log; `station.credentials_set` records the change without
        it. The password is never returned, logged or echoed in a 422. Configure the same
        password on the station (1.6 `AuthorizationKey`, 2.0.1 `BasicAuthPassword`)."""
        with refusals():
            await credentials.set_password(station_id, body.password, body.security_profile)
