"""Admin API of the location registry, and what the station routes share with it.

Every route needs the admin bearer (401 otherwise). Writes append to the aggregate's stream
and answer once it is durable; reads come from the `registry_v1` projection, which shows a
write a moment later. A 422 names the field at fault in FastAPI's shape (`detail[].loc`,
`detail[].msg`); 404 an unknown location or station; 409 a create that names an existing one
with other values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response
from fastapi.exceptions import RequestValidationError
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from evroam_contracts.gateway import LocationRegistered
from evroam_gateway.adapters.registry_models import (
    LocationBody,
    LocationPatch,
    LocationView,
    LocationWritten,
)
from evroam_gateway.domain.registry_errors import (
    EvseNotFoundError,
    LocationNotFoundError,
    RegisteredDifferentlyError,
    RegistryRuleError,
    StationNotFoundError,
)
from evroam_gateway.handlers.commands import (
    Written,
    handle_patch_location,
    handle_register_location,
    handle_replace_location,
)

LocationId = Annotated[str, Path(description="the location's id (OCPI Location.id)")]
Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many")]
Offset = Annotated[int, Query(ge=0, description="skip this many first")]
Responses = dict[int | str, dict[str, Any]]
READ: Responses = {
    401: {"description": "admin bearer token missing or wrong"},
    404: {"description": "no such location, station or EVSE (a new one shows a moment later)"},
}
CHANGE: Responses = {
    **READ,
    422: {"description": "the fields at fault, each with the rule it breaks"},
}
CREATE: Responses = {
    401: READ[401],
    409: {"description": "it exists with other values"},
    422: CHANGE[422],
    200: {"description": "it was registered before exactly so: nothing changed"},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name.removesuffix("Error")).lower()


@contextmanager
def refusals(where: Sequence[str | int] = ("body",), strip_evse: bool = False) -> Iterator[None]:
    """Registry errors as HTTP answers. `strip_evse`: the body is one EVSE, so a rule's
    `("evses", i, ...)` field is named from that EVSE."""
    try:
        yield
    except RegistryRuleError as exc:
        field = exc.field[2:] if strip_evse and exc.field[:1] == ("evses",) else exc.field
        loc = [*where, *(field or exc.field[-1:])]
        fault = {"loc": loc, "msg": str(exc), "type": f"registry.{_snake(type(exc).__name__)}"}
        raise RequestValidationError([fault]) from None
    except (LocationNotFoundError, StationNotFoundError, EvseNotFoundError) as exc:
        raise HTTPException(404, str(exc)) from None
    except RegisteredDifferentlyError as exc:
        raise HTTPException(409, str(exc)) from None


def refuse_mismatch(name: str, in_url: str, in_body: str | None) -> None:
    """422 when the URL and the body name different things."""
    if in_body is not None and in_body != in_url:
        raise RequestValidationError(
            [
                {
                    "loc": ["body", name],
                    "msg": f"the body says {in_body!r} but the URL says {in_url!r}",
                    "type": "value_error.url_mismatch",
                }
            ]
        )


async def page(
    pool: AsyncConnectionPool,
    response: Response,
    query: str,
    where: dict[str, Any],
    order: str,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """`SELECT ... FROM ...` filtered on the given columns (None: no filter), ordered and
    paged; `X-Total-Count` says how many match."""
    given = {k: v for k, v in where.items() if v is not None}
    clause = " AND ".join(f"{column} = %s" for column in given)
    filtered = f"{query} WHERE {clause}" if clause else query
    args = list(given.values())
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"SELECT count(*) AS n FROM ({filtered}) AS matching", args)
        total = await cur.fetchone()
        await cur.execute(f"{filtered} ORDER BY {order} LIMIT %s OFFSET %s", [*args, limit, offset])
        rows = await cur.fetchall()
    response.headers["X-Total-Count"] = str(total["n"] if total else 0)
    return rows


def _location_written(written: Written[LocationRegistered]) -> LocationWritten:
    view = LocationView.model_validate(written.state.model_dump())
    return LocationWritten(version=written.version, location=view)


def _contract(body: LocationBody) -> LocationRegistered:
    return LocationRegistered.model_validate(body.model_dump())


def add_location_routes(api: APIRouter, pool: AsyncConnectionPool) -> None:
    @api.post(
        "/locations",
        status_code=201,
        response_model=LocationWritten,
        responses=CREATE,
        summary="Register a location",
    )
    async def register_location(body: LocationBody, response: Response) -> LocationWritten:
        """Register a new location (`station.location_registered`): 201.

        Posting a location exactly as it is registered again changes nothing and answers 200;
        a different body for an existing `location_id` is 409 (PUT or PATCH changes it). 422
        for an unknown IANA `time_zone` or coordinates that are not OCPI strings in range."""
        with refusals():
            written = await handle_register_location(pool, _contract(body))
        if not written.changed:
            response.status_code = 200
        return _location_written(written)

    @api.put(
        "/locations/{location_id}",
        response_model=LocationWritten,
        responses=CHANGE,
        summary="Replace a location",
    )
    async def replace_location(location_id: LocationId, body: LocationBody) -> LocationWritten:
        """Replace a registered location with this whole one (`station.location_updated`;
        nothing is appended when nothing changes). 404 when unknown. `location_id`,
        `country_code` and `party_id` cannot change (422)."""
        refuse_mismatch("location_id", location_id, body.location_id)
        with refusals():
            written = await handle_replace_location(pool, _contract(body))
        return _location_written(written)

    @api.patch(
        "/locations/{location_id}",
        response_model=LocationWritten,
        responses=CHANGE,
        summary="Change some fields of a location",
    )
    async def patch_location(location_id: LocationId, body: LocationPatch) -> LocationWritten:
        """Change the fields given, keep the others (`station.location_updated` with the whole
        new state). Mandatory fields cannot be set to null; the same rules as PUT apply."""
        with refusals():
            written = await handle_patch_location(
                pool, location_id, body.model_dump(exclude_unset=True)
            )
        return _location_written(written)

    @api.get(
        "/locations/{location_id}",
        response_model=LocationView,
        responses=READ,
        summary="One location",
    )
    async def location(location_id: LocationId) -> dict[str, Any]:
        """A location as the read model holds it; a write shows here a moment after it."""
        query = "SELECT location FROM view_locations_v1"
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(f"{query} WHERE location_id = %s", (location_id,))
            row = await cur.fetchone()
        if row is None:
            raise HTTPException(404, f"location {location_id} not found")
        return dict(row["location"])

    @api.get(
        "/locations",
        response_model=list[LocationView],
        responses={401: READ[401]},
        summary="Locations, paged",
    )
    async def locations(
        response: Response,
        country_code: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
        party_id: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[dict[str, Any]]:
        """Locations ordered by id, optionally of one operator (country code and party id);
        `X-Total-Count` is the number that match."""
        rows = await page(
            pool,
            response,
            "SELECT location_id, location FROM view_locations_v1",
            {"location->>'country_code'": country_code, "location->>'party_id'": party_id},
            "location_id",
            limit,
            offset,
        )
        return [dict(r["location"]) for r in rows]
