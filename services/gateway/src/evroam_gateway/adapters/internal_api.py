"""Replica-to-replica endpoint: a command for a station whose socket this replica holds,
handed over by the replica that consumed it (handlers/station_commands.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from evroam_contracts.gateway import SendStationCommand
from evroam_gateway.handlers.station_commands import INTERNAL_PATH, StationCommands
from evroam_runtime import require_admin


class HandedOver(BaseModel):
    command: SendStationCommand
    correlation_id: str | None = None


def internal_router(commands: StationCommands, admin_token: str | None) -> APIRouter:
    api = APIRouter()

    @api.post(
        INTERNAL_PATH,
        status_code=202,
        dependencies=[Depends(require_admin(admin_token))],
        summary="Take over a station command from another gateway replica",
    )
    async def take(body: HandedOver) -> dict[str, Any]:
        await commands.take(body.command, body.correlation_id)
        return {"command_id": body.command.command_id, "replica": "accepted"}

    return api
