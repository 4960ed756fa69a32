"""CSMS-initiated station commands: publish a `gateway.send_station_command` on
`evroam.gateway.commands` and wait for its `station.command_completed` in the gateway's log.
The gateway delivers it to the station whichever replica holds the socket; a command for a
station that is not connected fails at once. Used by `evroam stations command` and tests."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from evroam_cli.client import Platform
from evroam_cli.locations import InputError, render_one, subcommand
from evroam_cli.log import eventually_logged
from evroam_contracts.envelope import Envelope
from evroam_contracts.gateway import SendStationCommand
from evroam_contracts.ids import new_id
from evroam_contracts.topics import GATEWAY_COMMANDS

EXAMPLES = """examples:
  evroam stations command CS-1 Reset --arguments '{"type": "Soft"}'
  evroam stations command CS-1 RemoteStartTransaction --arguments '{"id_tag": "RFID1"}'
  evroam stations command CS-2 GetVariables --arguments @get-variables.json --timeout 60
"""


async def send_station_command(
    bootstrap: str,
    station_id: str,
    action: str,
    arguments: dict[str, Any] | None = None,
    *,
    correlation_id: str | None = None,
    expires_in_s: float | None = None,
) -> str:
    """Publish the command (keyed by station, so one station's commands keep their order);
    returns its id."""
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in_s) if expires_in_s else None
    command = SendStationCommand(
        command_id=str(new_id()),
        station_id=station_id,
        action=action,
        arguments=arguments or {},
        expires_at=expires_at,
    )
    envelope = Envelope(
        event_id=new_id(),
        type=command.type_name,
        version=command.version,
        source="evroam-cli",
        time=datetime.now(UTC),
        stream_id=f"station-{station_id}",
        stream_version=0,
        payload=command.model_dump(mode="json"),
        correlation_id=correlation_id,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            GATEWAY_COMMANDS, envelope.value(), key=envelope.key, headers=envelope.headers()
        )
    finally:
        await producer.stop()
    return command.command_id


async def command_outcome(p: Platform, command_id: str, timeout_s: float = 45) -> dict[str, Any]:
    """The command's `station.command_completed` payload, once the gateway logged it."""
    found = await eventually_logged(
        p,
        "gateway",
        lambda e: e.type == "station.command_completed" and e.payload["command_id"] == command_id,
        what=f"outcome of command {command_id}",
        timeout_s=timeout_s,
    )
    return found[0].payload


def add_command_parser(subs: Any) -> None:
    parser = subcommand(
        subs,
        "command",
        "send an OCPP command to a connected station and wait for its outcome",
        _command,
        render_one,
    )
    parser.epilog = EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("station_id", help="the station's OCPP identity")
    parser.add_argument(
        "action",
        help="an OCPP 1.6 action (translated for 2.0.1 stations where an equivalent exists)"
        " or an OCPP 2.0.1 one, e.g. Reset, RemoteStartTransaction, GetVariables",
    )
    parser.add_argument(
        "--arguments",
        default="{}",
        help="the payload as JSON with snake_case keys, or @file.json (default: {})",
    )
    parser.add_argument("--timeout", type=float, default=45, help="seconds to wait (default 45)")


def _arguments(raw: str) -> dict[str, Any]:
    try:
        text = open(raw[1:], encoding="utf-8").read() if raw.startswith("@") else raw  # noqa: SIM115
        value = json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"--arguments: {exc}") from exc
    if not isinstance(value, dict):
        raise InputError("--arguments must be a JSON object")
    return value


async def _command(p: Platform, args: argparse.Namespace) -> Any:
    command_id = await send_station_command(
        p.endpoints.kafka_bootstrap_servers,
        args.station_id,
        args.action,
        _arguments(args.arguments),
        expires_in_s=args.timeout,
    )
    return await command_outcome(p, command_id, args.timeout + 5)
